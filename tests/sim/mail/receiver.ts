/**
 * The receiving side: SMTP servers (smtp-server, STARTTLS with a certificate from the test root)
 * for the mailbox platforms' MX (Microsoft 365's EOP, Gmail's mx.google.com) and for filtering
 * gateways in front of them (Proofpoint, Mimecast).
 *
 * Each maps the connecting loopback stand-in to the real IP it plays (constants.ts), runs
 * mailauth's `authenticate` (SPF, DKIM, DMARC) against the test DNS, writes its trace and
 * verdict headers in its own dialect (headers.ts), and applies the customer's policy:
 *
 * | policy         | where               | effect                                                     |
 * |----------------|---------------------|------------------------------------------------------------|
 * | accept         | mailbox             | inbox                                                      |
 * | junk           | mailbox             | spam folder / SPAM label; SFV:SPM SCL:5                    |
 * | quarantine     | first hop           | 250, then never reaches the mailbox                        |
 * | reject         | first hop           | 550 at the end of DATA                                     |
 * | delay          | first hop           | greylisting: 4xx at RCPT until the triplet is N s old      |
 * | blocked-sender | mailbox             | junk with SFV:BLK (the user's Blocked Senders)             |
 * | archive        | mailbox             | a user rule skips the inbox (Gmail: no INBOX label)        |
 * | trash          | mailbox             | deleted by a user rule (TRASH / Deleted Items)             |
 *
 * "First hop" is the gateway when the domain's MX names one, else the mailbox platform.
 * Independently, a DMARC failure under p=quarantine sends the message to junk, and under
 * p=reject refuses it (both platforms honour DMARC by default).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { authenticate } from 'mailauth';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import type { Leaf } from './certs';
import {
  type GatewayKind,
  type MailboxPlatform,
  mxHostFor,
  realIpOf,
  STAND_INS,
  standInOfIp,
} from './constants';
import type { TestDns } from './dns';
import {
  EOP_EDGE,
  forefrontReport,
  gmailAuthenticationResults,
  gmailReceived,
  gmailReceivedSpf,
  type MicrosoftVerdict,
  microsoftAuthenticationResults,
  microsoftMailboxDelivery,
  microsoftReceivedChain,
  microsoftReceivedSpf,
  mimecastHeaders,
  proofpointHeaders,
  summarizeAuth,
} from './headers';
import { deliverOnce, rfc5322Date, type VirtualClock } from './sender';
import {
  headerValue,
  type MailboxStore,
  parseHeaderFields,
  type RaftrMailKind,
  type StoredPlacement,
} from './store';

export const POLICIES = [
  'accept',
  'junk',
  'quarantine',
  'reject',
  'delay',
  'blocked-sender',
  'archive',
  'trash',
] as const;
export type PolicyName = (typeof POLICIES)[number];

/** The customer's configuration, read live (the world's setters change it between messages). */
export interface CustomerConfig {
  policy: PolicyName;
  /** Greylisting: how long (real seconds) a new sender/recipient triplet is deferred. */
  greylistS: number;
  /**
   * The arrival time stamped on a greylisted message, in seconds after its first attempt
   * (default: the real wait). Lets a test show a 20-minute greylisting delay in a few seconds.
   */
  greylistReportedDelayS?: number;
  /** Honour DMARC p=quarantine / p=reject (default true). */
  honorDmarc: boolean;
  /**
   * The mailbox knows the gateway in front (M365 Enhanced Filtering for Connectors, Google's
   * inbound gateway setting) and checks SPF for the address before it.
   */
  enhancedFiltering: boolean;
  /** Addresses on the connection filter's IP Allow List (Microsoft: IPV:CAL). */
  ipAllowList: string[];
  /** The gateway rewrites links (Proofpoint URL Defense / Mimecast URL Protect), breaking DKIM. */
  rewriteLinks: boolean;
}

export type DeliveryEventKind =
  | 'deferred'
  | 'rejected'
  | 'quarantined'
  | 'relayed'
  | 'stored'
  | 'relay-failed';

export interface DeliveryEvent {
  /** Real time. */
  at: number;
  system: MailboxPlatform | GatewayKind;
  event: DeliveryEventKind;
  messageId?: string;
  token?: string;
  recipient: string;
  /** SMTP reply or where it was stored. */
  detail: string;
}

export class DeliveryLog {
  readonly events: DeliveryEvent[] = [];
  private readonly waiters = new Set<() => void>();

  add(event: DeliveryEvent): void {
    this.events.push(event);
    for (const wake of this.waiters) wake();
  }

  /** Resolves with the first event matching `predicate` (past or future), or null after `timeoutMs`. */
  wait(predicate: (e: DeliveryEvent) => boolean, timeoutMs: number): Promise<DeliveryEvent | null> {
    const found = this.events.find(predicate);
    if (found) return Promise.resolve(found);
    return new Promise((resolve) => {
      const wake = () => {
        const hit = this.events.find(predicate);
        if (hit) done(hit);
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      const done = (value: DeliveryEvent | null) => {
        clearTimeout(timer);
        this.waiters.delete(wake);
        resolve(value);
      };
      this.waiters.add(wake);
    });
  }
}

export interface ReceiverContext {
  dns: TestDns;
  store: MailboxStore;
  clock: VirtualClock;
  log: DeliveryLog;
  tls: Leaf;
  config(): CustomerConfig;
  /** Recipients with a mailbox on this platform. */
  mailboxes(platform: MailboxPlatform): string[];
  /** The gateway the customer's MX names for a domain, if any. */
  gatewayFor(domain: string): GatewayKind | null;
  /** Local SMTP port of an MX host (for a gateway's relay to the mailbox). */
  smtpPort(mxHost: string): number | undefined;
}

export interface SmtpService {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function smtpError(code: number, message: string): Error {
  return Object.assign(new Error(message), { responseCode: code });
}

/** What one system did with one message (for all its recipients), for the delivery log. */
function messageEvents(
  log: DeliveryLog,
  system: DeliveryEvent['system'],
  message: { messageId?: string; token?: string; rcpts: readonly string[] },
) {
  const note = (event: DeliveryEventKind, detail: string) =>
    log.add({
      at: Date.now(),
      system,
      event,
      messageId: message.messageId,
      token: message.token,
      recipient: message.rcpts.join(','),
      detail,
    });
  return {
    note,
    /** Logs the refusal and returns the SMTP error to throw. */
    reject: (code: number, text: string) => {
      note('rejected', `${code} ${text}`);
      return smtpError(code, text);
    },
  };
}

/** Where the header block ends (the blank line), in a raw message. */
function splitMessage(raw: string): { head: string; body: string } {
  const index = raw.search(/\r?\n\r?\n/);
  if (index < 0) return { head: raw, body: '' };
  const sep = raw.slice(index).startsWith('\r\n\r\n') ? 4 : 2;
  return { head: raw.slice(0, index), body: raw.slice(index + sep) };
}

function raftrKind(raw: string): { kind: RaftrMailKind; token?: string } {
  const fields = parseHeaderFields(raw);
  const token = headerValue(fields, 'X-Raftr-Access-Check');
  if (token) return { kind: 'test', token };
  const subject = headerValue(fields, 'Subject') ?? '';
  if (/verify/i.test(subject)) return { kind: 'verification' };
  if (/reset/i.test(subject)) return { kind: 'reset' };
  if (
    /digest|your week/i.test(subject) ||
    /digest\.raftr\.com/i.test(headerValue(fields, 'From') ?? '')
  )
    return { kind: 'digest' };
  return { kind: 'other' };
}

/** Greylisting state (RFC 6647): the first time each (ip, sender, recipient) triplet was seen. */
class Greylist {
  private readonly firstSeen = new Map<string, number>();
  private readonly passed = new Map<string, number>();

  key(ip: string, mailFrom: string, rcpt: string): string {
    return `${ip}|${mailFrom.toLowerCase()}|${rcpt.toLowerCase()}`;
  }

  /** True if the triplet may pass now; records the first attempt otherwise. */
  check(key: string, waitS: number): boolean {
    if (this.passed.has(key)) return true;
    const first = this.firstSeen.get(key);
    const now = Date.now();
    if (first === undefined) {
      this.firstSeen.set(key, now);
      return false;
    }
    if (now - first >= waitS * 1000) {
      this.passed.set(key, now - first);
      return true;
    }
    return false;
  }

  /** Real milliseconds the triplet waited before passing (undefined if it never was deferred). */
  waited(key: string): number | undefined {
    return this.passed.get(key);
  }
}

/** Is this the first hop of the customer's path (no gateway of theirs before it)? */
function connectingFromGateway(ip: string): GatewayKind | null {
  if (ip === STAND_INS.proofpoint.ip) return 'proofpoint';
  if (ip === STAND_INS.mimecast.ip) return 'mimecast';
  return null;
}

/** The IP a gateway recorded in its own Received line (`[x.x.x.x]`), for Enhanced Filtering. */
function ipBeforeGateway(raw: string): { ip: string; helo: string } | null {
  const received = parseHeaderFields(raw).find((f) => f.name.toLowerCase() === 'received');
  const match = received && /^from\s+(\S+)\s+\([^)]*\[([0-9.]+)\]\)/.exec(received.value);
  return match ? { helo: match[1] as string, ip: match[2] as string } : null;
}

/** Rewrites the links a gateway's URL protection touches; the body changes, DKIM's body hash breaks. */
function rewriteLinks(raw: string, gateway: GatewayKind): string {
  const { head, body } = splitMessage(raw);
  const prefix =
    gateway === 'proofpoint'
      ? 'https://urldefense.com/v3/__'
      : 'https://protect-eu.mimecast.com/s/';
  return `${head}\r\n\r\n${body.replace(/https:\/\/url1234\.raftr\.com\//g, `${prefix}https://url1234.raftr.com/`)}`;
}

/** The reject / defer wording per system (as their bounces read). */
const REPLIES: Record<
  MailboxPlatform | GatewayKind,
  { defer: [number, string]; reject: (ip: string) => [number, string] }
> = {
  microsoft: {
    defer: [451, '4.7.500 Server busy. Please try again later. (S77714)'],
    reject: (ip) => [
      550,
      `5.7.1 Service unavailable, Client host [${ip}] blocked using Customer Block list (AS16012607)`,
    ],
  },
  google: {
    defer: [451, '4.7.1 Greylisted, please try again later. - gsmtp'],
    reject: (ip) => [
      550,
      `5.7.1 [${ip}] Messages from this sender are blocked by the recipient's administrator. - gsmtp`,
    ],
  },
  proofpoint: {
    defer: [451, '4.7.1 Greylisted, please try again later'],
    reject: () => [550, '5.7.1 Mail rejected by policy'],
  },
  mimecast: {
    defer: [
      451,
      'Internal resource temporarily unavailable - https://community.mimecast.com/docs/DOC-1369#451',
    ],
    reject: () => [550, 'Administrative prohibition - envelope blocked'],
  },
};

function startSmtp(
  name: string,
  ctx: ReceiverContext,
  handlers: {
    onRcptTo(rcpt: string, session: SMTPServerSession): void;
    onData(raw: string, session: SMTPServerSession): Promise<void>;
  },
): Promise<SmtpService> {
  const server = new SMTPServer({
    name,
    banner: 'ESMTP ready',
    key: ctx.tls.key,
    cert: ctx.tls.cert,
    authOptional: true,
    disabledCommands: ['AUTH'],
    size: 35 * 1024 * 1024,
    logger: false,
    onRcptTo(address, session, callback) {
      try {
        handlers.onRcptTo(address.address, session);
        callback();
      } catch (error) {
        callback(error as Error);
      }
    },
    onData(stream, session, callback) {
      readAll(stream)
        .then((buffer) => handlers.onData(buffer.toString('utf8'), session))
        .then(
          () => callback(),
          (error: Error) => callback(error),
        );
    },
  });
  server.on('error', () => {});
  return new Promise((resolve, reject) => {
    server.listen(0, '127.0.0.1', () => {
      const address = server.server.address();
      if (address === null || typeof address === 'string') {
        reject(new Error(`${name}: no address`));
        return;
      }
      let closing: Promise<void> | undefined;
      resolve({
        name,
        port: address.port,
        close: () => {
          closing ??= new Promise<void>((done) => {
            // smtp-server waits for open connections; force them closed.
            server.close(() => done());
            const connections = (
              server as unknown as {
                connections?: Set<{ close?: () => void; _socket?: { destroy(): void } }>;
              }
            ).connections;
            for (const connection of connections ?? []) connection._socket?.destroy();
          });
          return closing;
        },
      });
    });
    server.server.once('error', reject);
  });
}

/** First-hop checks at RCPT: unknown recipients, greylisting. */
function firstHopRcpt(
  system: MailboxPlatform | GatewayKind,
  ctx: ReceiverContext,
  greylist: Greylist,
  rcpt: string,
  session: SMTPServerSession,
  known: string[],
): void {
  if (!known.includes(rcpt.toLowerCase()))
    throw smtpError(550, `5.1.1 <${rcpt}>: Recipient address rejected: User unknown`);
  const config = ctx.config();
  if (config.policy !== 'delay') return;
  const ip = realIpOf(session.remoteAddress);
  const key = greylist.key(
    ip,
    session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
    rcpt,
  );
  if (!greylist.check(key, config.greylistS)) {
    const [code, text] = REPLIES[system].defer;
    ctx.log.add({
      at: Date.now(),
      system,
      event: 'deferred',
      recipient: rcpt,
      detail: `${code} ${text}`,
    });
    throw smtpError(code, text);
  }
}

/** For a greylisted message, moves its virtual clock so the arrival shows the configured delay. */
function applyGreylistDelay(
  ctx: ReceiverContext,
  greylist: Greylist,
  session: SMTPServerSession,
  messageId: string | undefined,
): void {
  const config = ctx.config();
  if (!messageId || config.greylistReportedDelayS === undefined) return;
  const rcpt = session.envelope.rcptTo[0]?.address ?? '';
  const waited = greylist.waited(
    greylist.key(
      realIpOf(session.remoteAddress),
      session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
      rcpt,
    ),
  );
  if (waited === undefined) return;
  const extra = config.greylistReportedDelayS * 1000 - waited;
  if (extra > 0) ctx.clock.shift(messageId, extra);
}

/**
 * A mailbox platform's MX: Microsoft 365 (EOP) or Gmail. Stores accepted mail in the user's
 * mailbox with the platform's headers and the placement the policy gives.
 */
export function startMailboxMx(
  platform: MailboxPlatform,
  ctx: ReceiverContext,
): Promise<SmtpService> {
  const greylist = new Greylist();
  const serverName = platform === 'microsoft' ? EOP_EDGE : 'mx.google.com';
  return startSmtp(serverName, ctx, {
    onRcptTo(rcpt, session) {
      const ip = realIpOf(session.remoteAddress);
      const domain = rcpt.split('@')[1] ?? '';
      // Behind the customer's gateway, first-hop checks were the gateway's.
      if (connectingFromGateway(ip) && ctx.gatewayFor(domain)) {
        if (!ctx.mailboxes(platform).includes(rcpt.toLowerCase()))
          throw smtpError(
            550,
            `5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient ${rcpt} not found`,
          );
        return;
      }
      firstHopRcpt(platform, ctx, greylist, rcpt, session, ctx.mailboxes(platform));
    },
    async onData(raw, session) {
      const connectingIp = realIpOf(session.remoteAddress);
      const helo = session.hostNameAppearsAs;
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const rcpts = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
      const fields = parseHeaderFields(raw);
      const messageId = headerValue(fields, 'Message-ID');
      const { kind, token } = raftrKind(raw);
      const events = messageEvents(ctx.log, platform, { messageId, token, rcpts });
      const config = ctx.config();
      const gateway = connectingFromGateway(connectingIp);
      const firstHop = !(gateway && ctx.gatewayFor(rcpts[0]?.split('@')[1] ?? ''));
      if (firstHop) applyGreylistDelay(ctx, greylist, session, messageId);
      const at = ctx.clock.now(messageId);

      // Enhanced Filtering / inbound gateway: check SPF for the address before the gateway.
      const before = gateway && config.enhancedFiltering ? ipBeforeGateway(raw) : null;
      const spfIp = before?.ip ?? connectingIp;
      const spfHelo = before?.helo ?? helo;
      const result = await authenticate(raw, {
        ip: spfIp,
        helo: spfHelo,
        sender: mailFrom,
        mta: platform === 'microsoft' ? 'protection.outlook.com' : 'mx.google.com',
        resolver: ctx.dns.resolver(`${platform}-mx`),
        disableArc: true,
        disableBimi: true,
      });
      const auth = summarizeAuth(result, { ip: spfIp, helo: spfHelo, mailFrom });

      // DMARC enforcement, then the customer's policy.
      const dmarcFailed = auth.dmarc === 'fail';
      const dmarcPolicy = auth.dmarcEffective;
      let placement: StoredPlacement = 'inbox';
      let verdict: MicrosoftVerdict = config.ipAllowList.includes(connectingIp)
        ? { kind: 'ip-allowed' }
        : { kind: 'clean' };
      let dmarcAction = 'none';
      if (config.honorDmarc && dmarcFailed && dmarcPolicy === 'reject') {
        const text =
          platform === 'microsoft'
            ? `5.7.509 Access denied, sending domain ${auth.fromDomain} does not pass DMARC verification and has a DMARC policy of reject.`
            : `5.7.26 Unauthenticated email from ${auth.fromDomain} is not accepted due to domain's DMARC policy. - gsmtp`;
        throw events.reject(550, text);
      }
      if (config.honorDmarc && dmarcFailed && dmarcPolicy === 'quarantine') {
        placement = 'spam';
        verdict = { kind: 'spoof' };
        dmarcAction = 'quarantine';
      }
      if (firstHop && config.policy === 'reject') {
        throw events.reject(...REPLIES[platform].reject(connectingIp));
      }
      if (firstHop && config.policy === 'quarantine') {
        events.note('quarantined', 'held in quarantine (high confidence spam)');
        return;
      }
      switch (config.policy) {
        case 'junk':
          placement = 'spam';
          if (verdict.kind !== 'spoof') verdict = { kind: 'spam' };
          break;
        case 'blocked-sender':
          placement = 'spam';
          verdict = { kind: 'blocked-sender' };
          break;
        case 'archive':
          if (placement === 'inbox') placement = 'archived';
          break;
        case 'trash':
          if (placement === 'inbox') placement = 'trash';
          break;
        default:
          break;
      }

      const rdns = standInOfIp(connectingIp)?.rdns ?? null;
      const recipientDomain = rcpts[0]?.split('@')[1] ?? '';
      const { head, body } = splitMessage(raw);
      let top: string[];
      let bottom: string[] = [];
      if (platform === 'google') {
        top = [
          `Delivered-To: ${rcpts[0]}`,
          `Received: by 2002:a05:6a10:${randomBytes(2).toString('hex')}:b0:5a1:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')} with SMTP id ${randomBytes(4).toString('hex')}csp${Math.floor(Math.random() * 9e5)};\r\n        ${rfc5322Date(at + 500)} (UTC)`,
          `X-Received: by 2002:a17:907:${randomBytes(2).toString('hex')}:b0:a9a:${randomBytes(2).toString('hex')}:${randomBytes(2).toString('hex')} with SMTP id a640c23a62f3a-a9a${randomBytes(4).toString('hex')}mr${Math.floor(Math.random() * 9e6)};\r\n        ${rfc5322Date(at + 400)} (UTC)`,
          `Return-Path: <${mailFrom}>`,
          `Received: ${gmailReceived({ helo, rdns, ip: connectingIp, rcpt: rcpts[0] ?? '', at })}`,
          `Received-SPF: ${gmailReceivedSpf(auth)}`,
          `Authentication-Results: ${gmailAuthenticationResults(auth)}`,
        ];
      } else {
        top = [
          ...microsoftReceivedChain({ helo, ip: connectingIp, at }).map((v) => `Received: ${v}`),
          `Authentication-Results: ${microsoftAuthenticationResults(auth, recipientDomain, dmarcAction)}`,
          `Received-SPF: ${microsoftReceivedSpf(auth)}`,
          ...(before
            ? [
                `X-MS-Exchange-ExternalOriginalInternetSender: ip=[${before.ip}] helo=[${before.helo}]`,
              ]
            : []),
        ];
        bottom = [
          `Return-Path: ${mailFrom}`,
          `X-MS-Exchange-Organization-ExpirationStartTime: ${rfc5322Date(at)}`,
          `X-MS-Exchange-Organization-Network-Message-Id: ${randomUUID()}`,
          'X-EOPAttributedMessage: 0',
          'X-MS-Exchange-Organization-MessageDirectionality: Incoming',
          'X-MS-PublicTrafficType: Email',
          'X-MS-Exchange-Organization-AuthSource: ' +
            EOP_EDGE.replace('mail.protection', 'eop-nam02.prod.protection'),
          'X-MS-Exchange-Organization-AuthAs: Anonymous',
          `X-MS-Office365-Filtering-Correlation-Id: ${randomUUID()}`,
          `X-Microsoft-Antispam: BCL:0;ARA:13230040|4022899009|1032899013|69100299015|8096899003;`,
          `X-Forefront-Antispam-Report: ${forefrontReport({ cip: spfIp, helo: spfHelo, ptr: standInOfIp(spfIp)?.rdns ?? null, verdict })}`,
          `X-MS-Exchange-CrossTenant-OriginalArrivalTime: ${rfc5322Date(at)}`,
          'X-MS-Exchange-CrossTenant-FromEntityHeader: Internet',
          `X-Microsoft-Antispam-Mailbox-Delivery: ${microsoftMailboxDelivery(placement === 'spam')}`,
        ];
      }
      const stored = `${top.join('\r\n')}\r\n${head}${bottom.length ? `\r\n${bottom.join('\r\n')}` : ''}\r\n\r\n${body}`;
      for (const owner of rcpts) {
        const message = ctx.store.add({
          owner,
          platform,
          raw: stored,
          receivedAt: at + 600,
          placement,
          kind,
          token,
        });
        ctx.log.add({
          at: Date.now(),
          system: platform,
          event: 'stored',
          messageId,
          token,
          recipient: owner,
          detail: `${placement} (${platform === 'google' ? message.labels.join(',') : placement})`,
        });
      }
    },
  });
}

/**
 * A filtering gateway at the customer's MX (Proofpoint or Mimecast): first-hop policy, its own
 * headers, optional link rewriting, then relays to the mailbox platform's MX from its own
 * address, so the mailbox sees the gateway's IP (email.md: "A gateway in front … makes the
 * receiver see the gateway's IP").
 */
export function startGatewayMx(
  kind: GatewayKind,
  platformOf: (domain: string) => MailboxPlatform,
  ctx: ReceiverContext,
): Promise<SmtpService> {
  const greylist = new Greylist();
  const standIn = STAND_INS[kind];
  const pending = new Set<Promise<unknown>>();
  return startSmtp(mxHostFor(kind, 'campus.test'), ctx, {
    onRcptTo(rcpt, session) {
      const domain = rcpt.split('@')[1] ?? '';
      firstHopRcpt(kind, ctx, greylist, rcpt, session, ctx.mailboxes(platformOf(domain)));
    },
    async onData(raw, session) {
      const ip = realIpOf(session.remoteAddress);
      const mailFrom = session.envelope.mailFrom ? session.envelope.mailFrom.address : '';
      const rcpts = session.envelope.rcptTo.map((r) => r.address.toLowerCase());
      const messageId = headerValue(parseHeaderFields(raw), 'Message-ID');
      const { token } = raftrKind(raw);
      const events = messageEvents(ctx.log, kind, { messageId, token, rcpts });
      applyGreylistDelay(ctx, greylist, session, messageId);
      const config = ctx.config();
      if (config.policy === 'reject') throw events.reject(...REPLIES[kind].reject(ip));
      if (config.policy === 'quarantine') {
        events.note('quarantined', `held in ${kind} quarantine`);
        return;
      }
      const at = ctx.clock.now(messageId);
      const hop = {
        helo: session.hostNameAppearsAs,
        rdns: standInOfIp(ip)?.rdns ?? null,
        ip,
        rcpt: rcpts[0] ?? '',
        at,
      };
      const added = kind === 'proofpoint' ? proofpointHeaders(hop) : mimecastHeaders(hop);
      let relayed = `${added.join('\r\n')}\r\n${raw}`;
      if (config.rewriteLinks) relayed = rewriteLinks(relayed, kind);
      // Store and forward: accept now, relay after the SMTP transaction ends.
      const domain = rcpts[0]?.split('@')[1] ?? '';
      const mx = mxHostFor(platformOf(domain), domain);
      const port = ctx.smtpPort(mx);
      const relay = (async () => {
        await new Promise((r) => setTimeout(r, 150));
        if (port === undefined) {
          events.note('relay-failed', `no route to ${mx}`);
          return;
        }
        const outcome = await deliverOnce(
          { envelope: { from: mailFrom, to: rcpts }, raw: relayed },
          mx,
          port,
          standIn,
          ctx.tls.ca,
        );
        events.note(
          outcome.code !== null && outcome.code < 400 ? 'relayed' : 'relay-failed',
          `${mx}: ${outcome.response}`,
        );
      })();
      pending.add(relay);
      void relay.finally(() => pending.delete(relay));
    },
  });
}
