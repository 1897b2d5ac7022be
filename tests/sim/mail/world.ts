/**
 * The simulated mail world in one call: test DNS, Raftr's SendGrid-like sender, the receiving
 * MX servers (Microsoft 365, Gmail, Proofpoint, Mimecast) with the customer's policy, the
 * mailbox store, the Gmail API and Microsoft Graph emulators, both OAuth authorization servers,
 * DNS over HTTPS and Raftr's app (test-message endpoint, reset page).
 *
 * Inside the simulated internet (`onPlanAddresses`), each HTTPS service listens on its own
 * address of the plan, port 443 (tests/sim/addresses.ts MAIL_SERVICE_IPS), and browsers find
 * it by its real name through the test DNS (`zone`, added to a scenario's); Raftr's app
 * endpoints are served by Raftr's own host (`raftrApp`, handed to the network scenario).
 * Elsewhere (unit tests) every service listens on 127.0.0.1 on a port the OS picks (`ports`).
 * SMTP never involves the browser: the sender finds the MX in the mail world's own DNS and the
 * world maps MX host names to its local SMTP ports.
 *
 * Plain functions, no Playwright: the e2e tests, the benchmark and the demo use it alike.
 */
import { MAIL_SERVICE_IPS } from '../addresses';
import type { TestPki } from '../ca';
import type { DnsZone } from '../dns-server';
import { issueLeaf } from './certs';
import {
  CAMPUS_DOMAIN,
  COLLEGE_DOMAIN,
  DEFAULT_USER,
  EXTENSION_ID,
  type GatewayKind,
  GMAIL_CLIENT_ID,
  MAIL_HTTPS_HOSTS,
  type MailboxPlatform,
  type MailHttpsHost,
  MICROSOFT_CLIENT_ID,
  mxHostFor,
  type SenderRole,
} from './constants';
import { seedRaftrRecords, setCustomerDomain, TestDns } from './dns';
import { gmailHandler } from './gmail-api';
import { graphHandler, makeFolderIds } from './graph-api';
import { type Handler, type Service, startHttpsService, Telemetry } from './http';
import { type ConsentMode, OAuthAuthority } from './oauth';
import { dohHandler, makeToken, raftrAppHandler, type TestMessageRequest } from './raftr-app';
import {
  type CustomerConfig,
  type DeliveryEvent,
  DeliveryLog,
  type PolicyName,
  type SmtpService,
  startGatewayMx,
  startMailboxMx,
} from './receiver';
import {
  type DeliveryResult,
  type DkimMode,
  generateDkimKeys,
  RaftrSender,
  VirtualClock,
} from './sender';
import { MailboxStore, type RaftrMailKind, type StoredMessage } from './store';

/** How Raftr's mail leaves: which sending host, how it is signed, which envelope sender. */
export interface SendingOptions {
  from?: SenderRole;
  dkim?: DkimMode;
  /** Envelope sender (default SendGrid's VERP address on em1234.raftr.com). */
  mailFrom?: string;
}

/** One past Raftr message to seed ("look at the last 30 days"). */
export interface HistoryItem {
  kind: Exclude<RaftrMailKind, 'test'>;
  ageDays: number;
}

/**
 * The default history: a verification message older than 30 days, a reset 12 days ago and a
 * weekly digest (email.md: "digests, announcements (≤ 3 a week)").
 */
export const DEFAULT_HISTORY: readonly HistoryItem[] = [
  { kind: 'verification', ageDays: 41 },
  { kind: 'digest', ageDays: 20 },
  { kind: 'reset', ageDays: 12 },
  { kind: 'digest', ageDays: 6 },
];

export interface MailWorldOptions {
  /** The test PKI (tests/sim/ca.ts): its root issues the mail world's certificates. */
  pki: TestPki;
  /**
   * Listen on the address plan's real port 443 (inside the simulated internet) and leave
   * app.raftr.com to Raftr's host; default false (127.0.0.1, OS-picked ports, app included).
   */
  onPlanAddresses?: boolean;
  /** The platform holding the user's mailbox (campus.test); default 'microsoft'. */
  mailbox?: MailboxPlatform;
  /** A filtering gateway the campus.test MX points at, in front of the mailbox; default none. */
  gateway?: GatewayKind | null;
  /** The user's address (on campus.test); default student@campus.test. */
  user?: string;
  /** The customer's policy for Raftr mail; default 'accept'. */
  policy?: PolicyName;
  /** Greylisting period (real seconds) under the 'delay' policy; default 3. */
  greylistS?: number;
  /** The delay stamped on a greylisted message's arrival (seconds); default the real wait. */
  greylistReportedDelayS?: number;
  honorDmarc?: boolean;
  enhancedFiltering?: boolean;
  rewriteLinks?: boolean;
  ipAllowList?: string[];
  /** How test messages leave Raftr (the auth-failure case: { from: 'unlisted', dkim: 'stray-key' }). */
  sending?: SendingOptions;
  oauth?: {
    consent?: ConsentMode;
    accessTokenLifetimeS?: number;
    refreshTokens?: boolean;
    extensionId?: string;
    gmailClientId?: string;
    microsoftClientId?: string;
  };
  /** Past Raftr mail to deliver at start to both mailboxes (through the whole path); default DEFAULT_HISTORY, false for none. */
  history?: readonly HistoryItem[] | false;
  /** SendGrid's queueing time between the API call and the SMTP delivery; default 800 ms. */
  sendDelayMs?: number;
  /** Test-message requests per address per minute (default 3). */
  rateLimitPerMinute?: number;
  /** Sender retry schedule after a 4xx (default 1.5 s, 3 s, 5 s, 8 s, 13 s). */
  senderRetryDelaysMs?: number[];
}

export interface TestMessageHandle extends TestMessageRequest {
  /** Resolves when the sender is done (accepted by the first hop, bounced, or given up). */
  delivery: Promise<DeliveryResult>;
}

/** The final fate of a message: stored (with placement), quarantined or rejected, or still unknown. */
export interface MessageOutcome {
  event: DeliveryEvent | null;
  message?: StoredMessage;
}

export interface MailWorld {
  /** The user's address (on campus.test) and the other domain's mailbox. */
  readonly user: string;
  readonly otherUser: string;
  readonly mailbox: MailboxPlatform;
  /** The test DNS records of the HTTPS services (inside the simulated internet), for the scenario. */
  readonly zone: DnsZone;
  /** Each HTTPS service's port (443 on its plan address, or an OS-picked one on 127.0.0.1). */
  readonly ports: Readonly<Partial<Record<MailHttpsHost, number>>>;
  /** Raftr's app endpoints (test message, reset page), for Raftr's host to serve. */
  readonly raftrApp: Handler;
  readonly smtpPorts: Readonly<Record<string, number>>;
  readonly dns: TestDns;
  readonly store: MailboxStore;
  readonly log: DeliveryLog;
  readonly oauth: OAuthAuthority;
  readonly telemetry: Telemetry;
  readonly config: CustomerConfig;
  /** Test-message requests the Raftr endpoint (or sendTestMessage) accepted, in order. */
  readonly testMessages: TestMessageHandle[];
  readonly clientIds: { gmail: string; microsoft: string };
  /** Sends a test message as the endpoint would (no HTTP); default to the user. */
  sendTestMessage(to?: string): TestMessageHandle;
  /** Sends Raftr mail of a kind, optionally dated in the past (history). */
  sendRaftrMail(input: {
    kind: Exclude<RaftrMailKind, 'test'>;
    ageDays?: number;
    to?: string;
  }): Promise<DeliveryResult>;
  setPolicy(policy: PolicyName): void;
  /** Changes any customer setting (greylisting, DMARC, Enhanced Filtering, IP allow list…). */
  configure(changes: Partial<CustomerConfig>): void;
  /** Points campus.test's MX at a mailbox platform or a gateway in front of it. */
  setRouting(mailbox: MailboxPlatform, gateway?: GatewayKind | null): void;
  setSending(sending: SendingOptions): void;
  /** Changes SendGrid's queueing time for the messages requested from now on. */
  setSendDelay(ms: number): void;
  setConsent(mode: ConsentMode): void;
  /** The next `n` calls of an endpoint ("gmail.list", "graph.messages", or a whole "gmail") answer 429 with Retry-After. */
  failNext(endpoint: string, n: number, retryAfterS: number): void;
  /** Expires every access token (and by default revokes refresh tokens; `sessions` forgets sign-ins). */
  expireTokens(options?: { refresh?: boolean; sessions?: boolean }): void;
  callCounts(): Record<string, number>;
  resetCallCounts(): void;
  /** Waits for a test message's fate (by token): stored, quarantined, rejected or bounced. */
  waitForOutcome(token: string, timeoutMs?: number): Promise<MessageOutcome>;
  /** The stored messages of a mailbox (default the user's), newest first. */
  messages(owner?: string): StoredMessage[];
  close(): Promise<void>;
}

const DISPLAY_NAMES: Record<string, string> = {
  [DEFAULT_USER]: 'Sam Student',
  [`staff@${COLLEGE_DOMAIN}`]: 'Alex Staff',
};

export async function startMailWorld(options: MailWorldOptions): Promise<MailWorld> {
  const mailbox = options.mailbox ?? 'microsoft';
  const user = (options.user ?? DEFAULT_USER).toLowerCase();
  const otherUser = `staff@${COLLEGE_DOMAIN}`;
  const userDomain = user.split('@')[1] ?? CAMPUS_DOMAIN;
  let gateway: GatewayKind | null = options.gateway ?? null;
  let userPlatform = mailbox;

  const telemetry = new Telemetry();
  const dns = new TestDns();
  const keys = generateDkimKeys();
  seedRaftrRecords(dns, { raftr: keys.raftr.publicKey, sendgrid: keys.sendgrid.publicKey });
  const route = () => {
    setCustomerDomain(dns, userDomain, { mx: gateway ?? userPlatform, mailbox: userPlatform });
    const other: MailboxPlatform = userPlatform === 'microsoft' ? 'google' : 'microsoft';
    setCustomerDomain(dns, COLLEGE_DOMAIN, { mx: other, mailbox: other });
  };
  route();

  const store = new MailboxStore();
  const clock = new VirtualClock();
  const log = new DeliveryLog();
  const config: CustomerConfig = {
    policy: options.policy ?? 'accept',
    greylistS: options.greylistS ?? 3,
    greylistReportedDelayS: options.greylistReportedDelayS,
    honorDmarc: options.honorDmarc ?? true,
    enhancedFiltering: options.enhancedFiltering ?? false,
    ipAllowList: options.ipAllowList ?? [],
    rewriteLinks: options.rewriteLinks ?? false,
  };
  let sending: SendingOptions = { ...options.sending };
  let sendDelayMs = options.sendDelayMs ?? 800;

  const mxNames = [
    mxHostFor('microsoft', userDomain),
    mxHostFor('microsoft', COLLEGE_DOMAIN),
    'aspmx.l.google.com',
    'alt1.aspmx.l.google.com',
    'alt2.aspmx.l.google.com',
    'mx0a-00123.pphosted.com',
    'mx0b-00123.pphosted.com',
    'eu-smtp-inbound-1.mimecast.com',
    'eu-smtp-inbound-2.mimecast.com',
  ];
  const leaf = issueLeaf(options.pki, [...MAIL_HTTPS_HOSTS, ...mxNames]);
  const smtpPorts: Record<string, number> = {};
  const otherPlatform = (): MailboxPlatform =>
    userPlatform === 'microsoft' ? 'google' : 'microsoft';
  const platformOf = (domain: string): MailboxPlatform =>
    domain === COLLEGE_DOMAIN ? otherPlatform() : userPlatform;
  const mailboxes = (platform: MailboxPlatform) =>
    [user, otherUser].filter((address) => platformOf(address.split('@')[1] ?? '') === platform);
  const ctx = {
    dns,
    store,
    clock,
    log,
    tls: leaf,
    config: () => config,
    mailboxes,
    gatewayFor: (domain: string) => (domain === userDomain ? gateway : null),
    smtpPort: (host: string) => smtpPorts[host.toLowerCase()],
  };

  const services: (Service | SmtpService)[] = [];
  const sender = new RaftrSender({
    dns,
    keys,
    clock,
    ca: leaf.ca,
    smtpPort: ctx.smtpPort,
    retryDelaysMs: options.senderRetryDelaysMs,
  });
  const pendingTimers = new Set<NodeJS.Timeout>();
  const testMessages: TestMessageHandle[] = [];
  let closed = false;

  const deliverLater = (spec: Parameters<RaftrSender['send']>[0]): Promise<DeliveryResult> =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        pendingTimers.delete(timer);
        if (closed) return;
        void sender.send(spec).then(resolve);
      }, sendDelayMs);
      pendingTimers.add(timer);
    });

  const sendTestMessageTo = (to: string, token: string): TestMessageHandle => {
    const sentAt = new Date().toISOString();
    const delivery = deliverLater({ kind: 'test', to, token, ...sending });
    const handle = { token, to, sentAt, delivery };
    testMessages.push(handle);
    return handle;
  };

  try {
    const [microsoftMx, googleMx, proofpointMx, mimecastMx] = await Promise.all([
      startMailboxMx('microsoft', ctx),
      startMailboxMx('google', ctx),
      startGatewayMx('proofpoint', platformOf, ctx),
      startGatewayMx('mimecast', platformOf, ctx),
    ]);
    services.push(microsoftMx, googleMx, proofpointMx, mimecastMx);
    for (const name of mxNames) {
      smtpPorts[name] = name.includes('outlook')
        ? microsoftMx.port
        : name.includes('google')
          ? googleMx.port
          : name.includes('pphosted')
            ? proofpointMx.port
            : mimecastMx.port;
    }

    const oauth = new OAuthAuthority(
      {
        extensionId: options.oauth?.extensionId ?? EXTENSION_ID,
        googleClientId: options.oauth?.gmailClientId ?? GMAIL_CLIENT_ID,
        microsoftClientId: options.oauth?.microsoftClientId ?? MICROSOFT_CLIENT_ID,
        // Getters: setRouting() may move the user's mailbox to the other platform.
        accounts: {
          get google() {
            return userPlatform === 'google' ? user : otherUser;
          },
          get microsoft() {
            return userPlatform === 'microsoft' ? user : otherUser;
          },
        },
        consent: options.oauth?.consent,
        accessTokenLifetimeS: options.oauth?.accessTokenLifetimeS,
        refreshTokens: options.oauth?.refreshTokens,
      },
      telemetry,
    );
    const raftr = raftrAppHandler({
      telemetry,
      rateLimitPerMinute: options.rateLimitPerMinute,
      sendTestMessage: (to, token) => void sendTestMessageTo(to, token),
      sendReset: (to) => void deliverLater({ kind: 'reset', to }),
    });
    const folderIds = makeFolderIds();
    const handlers: Record<MailHttpsHost, Handler> = {
      'gmail.googleapis.com': gmailHandler(store, oauth, telemetry),
      'graph.microsoft.com': graphHandler(
        store,
        oauth,
        telemetry,
        folderIds,
        (a) => DISPLAY_NAMES[a] ?? a,
      ),
      'accounts.google.com': (req, res, url) => {
        if (url.pathname === '/o/oauth2/v2/auth' || url.pathname === '/o/oauth2/auth')
          oauth.authorize('google', req, res, url);
        else res.writeHead(404, { 'content-length': 0 }).end();
      },
      'oauth2.googleapis.com': (req, res, url) => {
        if (url.pathname === '/token') return oauth.token('google', req, res);
        res.writeHead(404, { 'content-length': 0 }).end();
      },
      'login.microsoftonline.com': (req, res, url) => {
        if (/^\/[^/]+\/oauth2\/v2\.0\/authorize$/.test(url.pathname))
          oauth.authorize('microsoft', req, res, url);
        else if (/^\/[^/]+\/oauth2\/v2\.0\/token$/.test(url.pathname))
          return oauth.token('microsoft', req, res);
        else res.writeHead(404, { 'content-length': 0 }).end();
      },
      'dns.google': dohHandler((name, type) => dns.dohJson(name, type), telemetry),
      'cloudflare-dns.com': dohHandler((name, type) => dns.dohJson(name, type), telemetry),
      'app.raftr.com': raftr.handler,
    };
    const plan = options.onPlanAddresses === true;
    const hosts = MAIL_HTTPS_HOSTS.filter((host) => !plan || host !== 'app.raftr.com');
    const listenAt = (host: MailHttpsHost) =>
      plan && host !== 'app.raftr.com'
        ? { host: MAIL_SERVICE_IPS[host as keyof typeof MAIL_SERVICE_IPS], port: 443 }
        : {};
    const started = await Promise.all(
      hosts.map((host) => startHttpsService(host, leaf, handlers[host], listenAt(host))),
    );
    services.push(...started);
    const ports = Object.fromEntries(
      hosts.map((host, i) => [host, (started[i] as Service).port]),
    ) as Partial<Record<MailHttpsHost, number>>;
    const zone: DnsZone = plan
      ? Object.fromEntries(
          hosts.map((host) => [
            host,
            { a: [MAIL_SERVICE_IPS[host as keyof typeof MAIL_SERVICE_IPS]] },
          ]),
        )
      : {};

    const world: MailWorld = {
      user,
      otherUser,
      get mailbox() {
        return userPlatform;
      },
      zone,
      ports,
      raftrApp: raftr.handler,
      smtpPorts,
      dns,
      store,
      log,
      oauth,
      telemetry,
      config,
      testMessages,
      clientIds: {
        gmail: options.oauth?.gmailClientId ?? GMAIL_CLIENT_ID,
        microsoft: options.oauth?.microsoftClientId ?? MICROSOFT_CLIENT_ID,
      },
      sendTestMessage: (to = user) => sendTestMessageTo(to.toLowerCase(), makeToken()),
      sendRaftrMail: ({ kind, ageDays, to = user }) =>
        sender.send({
          kind,
          to: to.toLowerCase(),
          at: ageDays === undefined ? undefined : Date.now() - ageDays * 86_400_000,
        }),
      setPolicy(policy) {
        config.policy = policy;
      },
      configure(changes) {
        Object.assign(config, changes);
      },
      setRouting(platform, gw = null) {
        userPlatform = platform;
        gateway = gw;
        route();
      },
      setSending(next) {
        sending = { ...next };
      },
      setSendDelay(ms) {
        sendDelayMs = ms;
      },
      setConsent(mode) {
        oauth.consent = mode;
      },
      failNext: (endpoint, n, retryAfterS) => telemetry.failNext(endpoint, n, retryAfterS),
      expireTokens: (expireOptions) => oauth.expireTokens(expireOptions),
      callCounts: () => telemetry.callCounts(),
      resetCallCounts: () => telemetry.reset(),
      async waitForOutcome(token, timeoutMs = 30_000) {
        const handle = testMessages.find((t) => t.token === token);
        const final = (e: DeliveryEvent) =>
          e.token === token &&
          (e.event === 'stored' || e.event === 'quarantined' || e.event === 'rejected');
        const bounced = handle
          ? handle.delivery.then((r) =>
              r.status === 'accepted' ? new Promise<null>(() => {}) : null,
            )
          : new Promise<null>(() => {});
        const event = await Promise.race([log.wait(final, timeoutMs), bounced]);
        return { event, message: store.byToken(token) };
      },
      messages: (owner = user) => store.list(owner),
      async close() {
        if (closed) return;
        closed = true;
        for (const timer of pendingTimers) clearTimeout(timer);
        sender.close();
        await Promise.all(services.map((s) => s.close()));
      },
    };

    const history = options.history === false ? [] : (options.history ?? DEFAULT_HISTORY);
    // Through the whole path (a gateway relays after accepting): wait until each is stored,
    // quarantined or refused, so the mailbox is settled when the world is handed out.
    const seeded = await Promise.all(
      [user, otherUser].flatMap((to) =>
        history.map((item) => world.sendRaftrMail({ kind: item.kind, ageDays: item.ageDays, to })),
      ),
    );
    await Promise.all(
      seeded.map((result) =>
        result.status === 'accepted'
          ? log.wait(
              (e) =>
                e.messageId === result.messageId &&
                ['stored', 'quarantined', 'rejected', 'relay-failed'].includes(e.event),
              10_000,
            )
          : null,
      ),
    );
    return world;
  } catch (error) {
    closed = true;
    sender.close();
    await Promise.all(services.map((s) => s.close()));
    throw error;
  }
}
