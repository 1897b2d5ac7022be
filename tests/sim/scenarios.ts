/**
 * Named network conditions, built the way they happen in the field, on the simulated internet
 * of the namespace (netns.ts, addresses.ts): what the test DNS answers, Raftr's own servers,
 * the packet filter's rules, and an in-path middlebox on Raftr's address that decides by server
 * name, as campus firewalls, SNI filters and inspecting proxies do. Every browser meets the same
 * world; no browser flag maps anything.
 *
 * Expectations are the popup's test contract (data-outcome / data-finding values), written
 * here once so that the e2e tests, the benchmark and the demo command agree on them. Their
 * vocabularies (probe target ids, outcomes, finding ids) are the product's own types: a renamed
 * outcome or finding breaks these expectations at compile time.
 */
import { execFileSync } from 'node:child_process';
import type { NetworkFindingId } from '@/utils/network/findings';
import type { Outcome } from '@/utils/network/outcomes';
import type { ProbeTargetId } from '@/utils/profile';
import {
  assertInsideSimulatedInternet,
  CAPTIVE_PORTAL_HOST,
  CAPTIVE_PORTAL_IP,
  CONTROL_IP,
  FILTER_BLOCK_HOST,
  FILTER_BLOCK_IP,
  LOCAL_ADDRESSES,
  ONLINE_LINK,
  RAFTR_IP,
  RAFTR_UPSTREAM_PORTS,
  UMBRELLA_BLOCK_IP,
} from './addresses';
import type { TestPki } from './ca';
import { type DnsAnswer, type DnsServer, type DnsZone, startDnsServer } from './dns-server';
import { applyFirewall, clearFirewall, type FirewallRule } from './firewall';
import { type Middlebox, type MiddleboxAction, startMiddlebox } from './middlebox';
import {
  CAPTIVE_PORTAL_PAGE,
  captivePortalRedirect,
  closeAll,
  fortiGuardBlockPage,
  type Handler,
  portalLocation,
  type RaftrServers,
  type SimResponse,
  type SimServer,
  sendRaw,
  startControl,
  startHttp,
  startRaftr,
} from './servers';

/** The Raftr names the extension probes (and their parent). */
export const RAFTR_NAMES = ['app.raftr.com', 'www.raftr.com', 'raftr.com'] as const;
export const CONTROL_HOST = 'connectivitycheck.gstatic.com';

/** The healthy network's DNS: every name of the plan resolves to its address. */
export const HEALTHY_ZONE: DnsZone = {
  ...Object.fromEntries(RAFTR_NAMES.map((name) => [name, { a: [RAFTR_IP] }])),
  [CONTROL_HOST]: { a: [CONTROL_IP] },
  [CAPTIVE_PORTAL_HOST]: { a: [CAPTIVE_PORTAL_IP] },
  [FILTER_BLOCK_HOST]: { a: [FILTER_BLOCK_IP] },
};

/**
 * What a middlebox does, as data: the certificate of a `respond` over HTTPS is the managed
 * filter's (its inspection CA is installed: no certificate error) or an untrusted one.
 */
export type ActionSpec =
  | 'pass'
  | 'drop'
  | 'reset'
  | { respond: SimResponse; tls?: 'filter' | 'untrusted' | 'umbrella' };

/** Per port of Raftr's address: what happens to connections carrying a Raftr name, and the rest. */
export interface PortPolicy {
  names: ActionSpec;
  bareIp: ActionSpec;
}

/** A Chromium enterprise policy document (https://chromeenterprise.google/policies/). */
export type ChromiumPolicy = Record<string, unknown>;

export interface Expectation {
  /** Outcomes asserted per probe; a probe left out must still finish with some outcome. */
  outcomes: Partial<Record<ProbeTargetId, Outcome>>;
  /** Exactly these findings, no others. */
  findings: NetworkFindingId[];
  /** Texts each finding's visible text must contain (the exact allow-list entries). */
  findingTexts: Partial<Record<NetworkFindingId, (string | RegExp)[]>>;
}

export interface Scenario {
  name: string;
  /** One line for the demo command and test titles. */
  title: string;
  /** Names the DNS answers otherwise than the healthy network does. */
  dns?: Readonly<Record<string, DnsAnswer>>;
  /** Raftr's own servers: `status` answers everything with it (e.g. 503). */
  raftr?: { status?: number };
  /** Packet-filter rules (drop / reject) besides the middlebox's redirects. */
  firewall?: readonly FirewallRule[];
  /** An in-path middlebox on Raftr's address, per port. A port left out is not intercepted. */
  middlebox?: { https?: PortPolicy; http?: PortPolicy };
  /** A DNS filter's block server at Cisco Umbrella's block address (HTTP and HTTPS). */
  umbrellaBlockServer?: SimResponse;
  /** A captive portal: every plain-HTTP connection goes to it, HTTPS is refused. */
  captivePortal?: boolean;
  /** No network at all: the online link is down and nothing resolves. */
  offline?: boolean;
  /** Chromium managed policy in force while this scenario runs. */
  policy?: ChromiumPolicy;
  /** The same block as a Firefox enterprise policy (policies.json `policies`). */
  firefoxPolicy?: Record<string, unknown>;
  /** Load tests/sim/blocker-extension beside ours (a DNR rule blocking ||raftr.com). */
  blockerExtension?: boolean;
  expected: Expectation;
}

const HTML = { 'content-type': 'text/html; charset=utf-8' } as const;

const ALL_OK: Record<ProbeTargetId, Outcome> = {
  'app-https': 'ok',
  'web-https': 'ok',
  'api-ip-https': 'ok',
  'api-ip-http': 'ok',
  control: 'ok',
};

const DOMAIN_ENTRIES = ['raftr.com', '*.raftr.com'];
const nxdomainForNames = Object.fromEntries(RAFTR_NAMES.map((n) => [n, 'nxdomain' as const]));

export const SCENARIO_NAMES = [
  'healthy',
  'dns-failure',
  'dns-filter',
  'ip-dropped',
  'refused',
  'sni-reset',
  'proxy-block-page',
  'tls-interception',
  'captive-portal',
  'browser-policy',
  'other-extension',
  'offline',
  'raftr-503',
] as const;
export type ScenarioName = (typeof SCENARIO_NAMES)[number];

export const SCENARIOS: Readonly<Record<ScenarioName, Scenario>> = {
  healthy: {
    name: 'healthy',
    title: 'healthy network: everything answers (the IP probe meets a certificate name error)',
    expected: { outcomes: ALL_OK, findings: ['all-clear'], findingTexts: {} },
  },
  'dns-failure': {
    name: 'dns-failure',
    title: 'the DNS says the raftr.com names do not exist (NXDOMAIN); the IP answers',
    dns: nxdomainForNames,
    expected: {
      outcomes: { ...ALL_OK, 'app-https': 'dns-failed', 'web-https': 'dns-failed' },
      findings: ['names-blocked'],
      findingTexts: { 'names-blocked': DOMAIN_ENTRIES },
    },
  },
  'dns-filter': {
    name: 'dns-filter',
    title:
      'a DNS filter (Cisco Umbrella) answers the raftr.com names with its block-page address 146.112.61.106',
    dns: Object.fromEntries(RAFTR_NAMES.map((n) => [n, { a: [UMBRELLA_BLOCK_IP] }])),
    umbrellaBlockServer: {
      status: 200,
      headers: { 'content-type': 'text/html; charset=utf-8', server: 'nginx' },
      body: ({ host }) =>
        `<!doctype html><html><head><title>Site Blocked</title></head><body><h1>This site is blocked.</h1><p>${host} has been blocked by your network administrator.</p><p>Powered by Cisco Umbrella</p></body></html>`,
    },
    expected: {
      outcomes: { ...ALL_OK, 'app-https': 'dns-failed', 'web-https': 'dns-failed' },
      findings: ['names-blocked'],
      findingTexts: { 'names-blocked': DOMAIN_ENTRIES },
    },
  },
  'ip-dropped': {
    name: 'ip-dropped',
    title:
      'a next-generation firewall lets the raftr.com names through but silently drops connections to 52.8.243.15 by address (TCP 443 and 80)',
    middlebox: {
      https: { names: 'pass', bareIp: 'drop' },
      http: { names: 'pass', bareIp: 'drop' },
    },
    expected: {
      outcomes: { ...ALL_OK, 'api-ip-https': 'timeout', 'api-ip-http': 'timeout' },
      findings: ['ip-blocked'],
      findingTexts: { 'ip-blocked': [RAFTR_IP, /TCP 443/, /\b80\b/] },
    },
  },
  refused: {
    name: 'refused',
    title: 'a firewall rejects every connection to 52.8.243.15; the control answers',
    firewall: [{ action: 'reject', to: RAFTR_IP }],
    expected: {
      outcomes: {
        'app-https': 'refused',
        'web-https': 'refused',
        'api-ip-https': 'refused',
        'api-ip-http': 'refused',
        control: 'ok',
      },
      findings: ['raftr-blocked'],
      findingTexts: { 'raftr-blocked': [RAFTR_IP, 'raftr.com'] },
    },
  },
  'sni-reset': {
    name: 'sni-reset',
    title: 'an SNI filter resets connections that name raftr.com; the bare IP answers',
    middlebox: {
      https: { names: 'reset', bareIp: 'pass' },
      http: { names: 'reset', bareIp: 'pass' },
    },
    expected: {
      outcomes: { ...ALL_OK, 'app-https': 'reset', 'web-https': 'reset' },
      findings: ['names-blocked'],
      findingTexts: { 'names-blocked': DOMAIN_ENTRIES },
    },
  },
  'proxy-block-page': {
    name: 'proxy-block-page',
    title:
      'a FortiGate (its inspection CA installed) serves a 403 FortiGuard block page for the names; the bare IP passes',
    middlebox: {
      https: {
        names: { respond: { status: 403, body: fortiGuardBlockPage }, tls: 'filter' },
        bareIp: 'pass',
      },
      http: { names: { respond: { status: 403, body: fortiGuardBlockPage } }, bareIp: 'pass' },
    },
    expected: {
      outcomes: { ...ALL_OK, 'app-https': 'proxy-blocked', 'web-https': 'proxy-blocked' },
      findings: ['proxy-block-page'],
      findingTexts: { 'proxy-block-page': ['FortiGuard', 'raftr.com'] },
    },
  },
  'tls-interception': {
    name: 'tls-interception',
    title:
      'a TLS-intercepting proxy whose CA is not trusted answers every HTTPS connection to 52.8.243.15',
    middlebox: {
      https: {
        names: { respond: { status: 200, body: 'relayed' }, tls: 'untrusted' },
        bareIp: { respond: { status: 200, body: 'relayed' }, tls: 'untrusted' },
      },
    },
    expected: {
      // The interception certificate is untrusted for the IP too: the authority error comes
      // before the name check (net::MapCertStatusToNetError), so no name-mismatch "ok" there.
      outcomes: {
        ...ALL_OK,
        'app-https': 'tls-untrusted',
        'web-https': 'tls-untrusted',
        'api-ip-https': 'tls-untrusted',
      },
      findings: ['tls-interception'],
      findingTexts: { 'tls-interception': ['raftr.com'] },
    },
  },
  'captive-portal': {
    name: 'captive-portal',
    title:
      'a captive portal redirects every plain-HTTP request to its login page; HTTPS is refused',
    captivePortal: true,
    expected: {
      outcomes: { 'api-ip-http': 'captive-portal', control: 'captive-portal' },
      findings: ['captive-portal'],
      findingTexts: {},
    },
  },
  'browser-policy': {
    name: 'browser-policy',
    title: 'an enterprise browser policy blocks raftr.com (URLBlocklist; WebsiteFilter in Firefox)',
    // https://chromeenterprise.google/policies/#URLBlocklist — "raftr.com" covers its subdomains.
    policy: { URLBlocklist: ['raftr.com'] },
    // https://mozilla.github.io/policy-templates/#websitefilter (match patterns).
    firefoxPolicy: { WebsiteFilter: { Block: ['*://raftr.com/*', '*://*.raftr.com/*'] } },
    expected: {
      // Only the app is opened in a tab (utils/profile.ts openedInTab): the worker's own fetch
      // to www is not subject to the policy, and it says so.
      outcomes: { ...ALL_OK, 'app-https': 'blocked-by-policy' },
      findings: ['blocked-by-policy'],
      findingTexts: {},
    },
  },
  'other-extension': {
    name: 'other-extension',
    title: 'another extension blocks ||raftr.com with a declarativeNetRequest rule',
    blockerExtension: true,
    expected: {
      outcomes: { ...ALL_OK, 'app-https': 'blocked-by-extension' },
      findings: ['blocked-by-extension'],
      findingTexts: {},
    },
  },
  offline: {
    name: 'offline',
    title: 'offline: the network link is down',
    offline: true,
    expected: {
      outcomes: {
        'app-https': 'offline',
        'web-https': 'offline',
        'api-ip-https': 'offline',
        'api-ip-http': 'offline',
        control: 'offline',
      },
      findings: ['offline'],
      findingTexts: {},
    },
  },
  'raftr-503': {
    name: 'raftr-503',
    title: 'Raftr answers 503 Service Unavailable on its names and its IP',
    raftr: { status: 503 },
    expected: {
      // The IP probe over HTTPS never reaches HTTP (certificate name error = reachable): ok.
      outcomes: {
        ...ALL_OK,
        'app-https': 'server-error',
        'web-https': 'server-error',
        'api-ip-http': 'server-error',
      },
      findings: ['raftr-server-error'],
      findingTexts: {},
    },
  },
};

export function getScenario(scenario: ScenarioName | Scenario): Scenario {
  return typeof scenario === 'string' ? SCENARIOS[scenario] : scenario;
}

export interface SimNetOptions {
  /** Raftr's application endpoints (`/api/…`, `/reset`): the mail world's. */
  raftrApp?: Handler;
  /** More names for the DNS (e.g. the mail world's hosts), before the scenario's own answers. */
  extraZone?: DnsZone;
}

export interface SimNet {
  scenario: Scenario;
  dns: DnsServer;
  /** Raftr's servers (every request they answered, direct or passed on by the middlebox). */
  raftr: RaftrServers;
  control: SimServer;
  /** The in-path middlebox, when the scenario has one (or a captive portal). */
  middlebox: Middlebox | null;
  /** Servers at other addresses (a DNS filter's block server). */
  others: SimServer[];
  close(): Promise<void>;
}

const isRaftrName = (name: string | null) =>
  name !== null && (name === 'raftr.com' || name.endsWith('.raftr.com'));

/**
 * Offline is no link and no route: the online link goes down (browsers see no network) and the
 * plan's addresses leave loopback (a connection to them fails: network unreachable). Loopback
 * itself stays, for the DNS server and the browsers' automation channels.
 */
function setOnline(online: boolean): void {
  execFileSync('ip', ['link', 'set', ONLINE_LINK.name, online ? 'up' : 'down']);
  const present = execFileSync('ip', ['-4', '-o', 'addr', 'show', 'dev', 'lo'], {
    encoding: 'utf8',
  });
  for (const address of LOCAL_ADDRESSES) {
    const has = present.includes(` ${address}/32 `);
    if (online && !has) execFileSync('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
    if (!online && has) execFileSync('ip', ['addr', 'del', `${address}/32`, 'dev', 'lo']);
  }
}

/** Starts what a scenario needs in the namespace: DNS, Raftr, control, middlebox, rules. */
export async function startSimNet(
  scenarioOrName: ScenarioName | Scenario,
  pki: TestPki,
  options: SimNetOptions = {},
): Promise<SimNet> {
  assertInsideSimulatedInternet('startSimNet');
  const scenario = getScenario(scenarioOrName);
  const started: { close(): Promise<void> }[] = [];
  const cleanup = async () => {
    clearFirewall();
    setOnline(true);
    await closeAll(started.reverse());
  };
  try {
    const zone: DnsZone = scenario.offline
      ? {}
      : { ...HEALTHY_ZONE, ...options.extraZone, ...scenario.dns };
    const dns = await startDnsServer(zone);
    started.push(dns);
    const raftr = await startRaftr(pki.raftr, {
      status: scenario.raftr?.status,
      app: options.raftrApp,
    });
    started.push(raftr);
    const control = await startControl();
    started.push(control);

    const tlsFor = (kind: 'filter' | 'untrusted' | 'umbrella' | undefined) =>
      kind === 'untrusted' ? pki.intercepted : kind === 'umbrella' ? pki.umbrella : pki.blockPage;
    const actionOf = (spec: ActionSpec): MiddleboxAction =>
      typeof spec === 'string'
        ? { kind: spec }
        : { kind: 'respond', response: spec.respond, tls: tlsFor(spec.tls) };

    const rules: FirewallRule[] = [...(scenario.firewall ?? [])];
    const upstream = { host: RAFTR_IP, ...RAFTR_UPSTREAM_PORTS };
    let middlebox: Middlebox | null = null;
    if (scenario.captivePortal) {
      // Every plain-HTTP connection, whatever its address, lands at the portal: its own host
      // gets the login page, any other a redirect there. HTTPS is refused until signed in.
      const portal: MiddleboxAction = {
        kind: 'respond',
        response: { status: 200, headers: HTML, body: CAPTIVE_PORTAL_PAGE },
      };
      const redirect: MiddleboxAction = {
        kind: 'respond',
        response: {
          status: 302,
          headers: HTML,
          body: captivePortalRedirect,
          location: ({ host, url }) => portalLocation(host, url),
        },
      };
      middlebox = await startMiddlebox(
        (_port, name) => (name === CAPTIVE_PORTAL_HOST ? portal : redirect),
        upstream,
      );
      rules.push({ action: 'redirect', ports: [80], toPort: middlebox.ports.http });
      rules.push({ action: 'reject', ports: [443] });
    } else if (scenario.middlebox) {
      const policies = {
        https: scenario.middlebox.https && {
          names: actionOf(scenario.middlebox.https.names),
          bareIp: actionOf(scenario.middlebox.https.bareIp),
        },
        http: scenario.middlebox.http && {
          names: actionOf(scenario.middlebox.http.names),
          bareIp: actionOf(scenario.middlebox.http.bareIp),
        },
      };
      const box = await startMiddlebox((port, name) => {
        const policy = policies[port];
        if (!policy) return { kind: 'pass' };
        return isRaftrName(name) ? policy.names : policy.bareIp;
      }, upstream);
      middlebox = box;
      if (policies.https) {
        rules.push({ action: 'redirect', to: RAFTR_IP, ports: [443], toPort: box.ports.https });
      }
      if (policies.http) {
        rules.push({ action: 'redirect', to: RAFTR_IP, ports: [80], toPort: box.ports.http });
      }
    }
    if (middlebox) started.push(middlebox);

    const others: SimServer[] = [];
    if (scenario.umbrellaBlockServer) {
      const response = scenario.umbrellaBlockServer;
      const handler: Handler = (req, res, url) =>
        sendRaw(res, response, { host: req.headers.host ?? '', url: url.pathname + url.search });
      others.push(
        await startHttp('umbrella-block-http', handler, {
          at: { host: UMBRELLA_BLOCK_IP, port: 80 },
        }),
        await startHttp('umbrella-block-https', handler, {
          tls: pki.umbrella,
          at: { host: UMBRELLA_BLOCK_IP, port: 443 },
        }),
      );
      started.push(...others);
    }
    applyFirewall(rules);
    // Last: Raftr's and the control's servers are bound to addresses offline takes away.
    if (scenario.offline) setOnline(false);
    return {
      scenario,
      dns,
      raftr,
      control,
      middlebox,
      others,
      close: cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
