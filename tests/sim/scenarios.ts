/**
 * Named network conditions: which simulated server each endpoint the extension probes is
 * routed to, and what the popup must conclude from it.
 *
 * Routing is Chromium's `--host-resolver-rules`: `MAP host:port 127.0.0.1:P` sends that
 * host and port (IP literals included) to a local server, and the final `MAP * ~NOTFOUND`
 * makes every other name fail to resolve, so no request ever leaves the machine.
 * https://source.chromium.org/chromium/chromium/src/+/main:net/base/host_mapping_rules.h
 *
 * Expectations are the popup's test contract (data-outcome / data-finding values), written
 * here once so that the e2e tests, the benchmark and the demo command agree on them. Their
 * vocabularies (probe target ids, outcomes, finding ids) are the product's own types: a renamed
 * outcome or finding breaks these expectations at compile time.
 */
import type { NetworkFindingId } from '@/utils/findings';
import type { Outcome } from '@/utils/outcomes';
import type { ProbeTargetId } from '@/utils/profile';
import type { TestPki } from './ca';
import { RAFTR_IP } from './ca';
import {
  CAPTIVE_PORTAL_HOST,
  closeAll,
  reserveClosedPort,
  type SimServer,
  startBlockPage,
  startCaptivePortal,
  startControl,
  startInterception,
  startRaftrHttp,
  startRaftrHttps,
  startReset,
  startSilentDrop,
} from './servers';

/** Every host:port the extension's probes (and their redirects) can reach. */
export const ENDPOINTS = [
  'app.raftr.com:443',
  'app.raftr.com:80',
  'www.raftr.com:443',
  'www.raftr.com:80',
  `${RAFTR_IP}:443`,
  `${RAFTR_IP}:80`,
  'connectivitycheck.gstatic.com:80',
  `${CAPTIVE_PORTAL_HOST}:80`,
] as const;
export type Endpoint = (typeof ENDPOINTS)[number];

/** The simulated servers an endpoint can be routed to. */
export type ServerKind =
  | 'raftr-https'
  | 'raftr-http'
  | 'raftr-https-503'
  | 'raftr-http-503'
  | 'control'
  | 'silent-drop'
  | 'reset'
  | 'refused'
  | 'block-page-https'
  | 'block-page-http'
  | 'captive-portal'
  | 'interception';

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
  name: ScenarioName;
  /** One line for the demo command and test titles. */
  title: string;
  /** Endpoint → server; an endpoint left out does not resolve (DNS failure). */
  routes: Partial<Record<Endpoint, ServerKind>>;
  /** Chromium managed policy in force while this scenario runs. */
  policy?: ChromiumPolicy;
  /** Load tests/sim/blocker-extension beside ours (a DNR rule blocking ||raftr.com). */
  blockerExtension?: boolean;
  expected: Expectation;
}

const NAMES_443: Endpoint[] = ['app.raftr.com:443', 'www.raftr.com:443'];
const NAMES_80: Endpoint[] = ['app.raftr.com:80', 'www.raftr.com:80'];
const IP_443: Endpoint = `${RAFTR_IP}:443`;
const IP_80: Endpoint = `${RAFTR_IP}:80`;
const CONTROL: Endpoint = 'connectivitycheck.gstatic.com:80';

function routes(
  ...groups: [Endpoint | Endpoint[], ServerKind][]
): Partial<Record<Endpoint, ServerKind>> {
  const out: Partial<Record<Endpoint, ServerKind>> = {};
  for (const [endpoints, kind] of groups) {
    for (const endpoint of Array.isArray(endpoints) ? endpoints : [endpoints]) out[endpoint] = kind;
  }
  return out;
}

function without(
  base: Partial<Record<Endpoint, ServerKind>>,
  endpoints: Endpoint[],
): Partial<Record<Endpoint, ServerKind>> {
  const out = { ...base };
  for (const endpoint of endpoints) delete out[endpoint];
  return out;
}

/** Everything served as on a healthy network (the base the other scenarios change). */
const HEALTHY = routes(
  [NAMES_443, 'raftr-https'],
  [NAMES_80, 'raftr-http'],
  [IP_443, 'raftr-https'],
  [IP_80, 'raftr-http'],
  [CONTROL, 'control'],
);

const ALL_OK: Record<ProbeTargetId, Outcome> = {
  'app-https': 'ok',
  'web-https': 'ok',
  'api-ip-https': 'ok',
  'api-ip-http': 'ok',
  control: 'ok',
};

const DOMAIN_ENTRIES = ['raftr.com', '*.raftr.com'];

export const SCENARIO_NAMES = [
  'healthy',
  'dns-failure',
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
    routes: HEALTHY,
    expected: { outcomes: ALL_OK, findings: ['all-clear'], findingTexts: {} },
  },
  'dns-failure': {
    name: 'dns-failure',
    title: 'DNS does not resolve the raftr.com names; the IP answers',
    routes: without(HEALTHY, [...NAMES_443, ...NAMES_80]),
    expected: {
      outcomes: { ...ALL_OK, 'app-https': 'dns-failed', 'web-https': 'dns-failed' },
      findings: ['names-blocked'],
      findingTexts: { 'names-blocked': DOMAIN_ENTRIES },
    },
  },
  'ip-dropped': {
    name: 'ip-dropped',
    title: 'a firewall silently drops 52.8.243.15 (TCP 443 and 80)',
    routes: { ...HEALTHY, ...routes([[IP_443, IP_80], 'silent-drop']) },
    expected: {
      outcomes: { ...ALL_OK, 'api-ip-https': 'timeout', 'api-ip-http': 'timeout' },
      findings: ['ip-blocked'],
      findingTexts: { 'ip-blocked': [RAFTR_IP, /TCP 443/, /\b80\b/] },
    },
  },
  refused: {
    name: 'refused',
    title: 'every Raftr name and 52.8.243.15 are refused; the control answers',
    routes: {
      ...routes([[...NAMES_443, ...NAMES_80, IP_443, IP_80], 'refused']),
      [CONTROL]: 'control',
    },
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
    title: 'an SNI filter resets connections to the raftr.com names; the IP answers',
    routes: { ...HEALTHY, ...routes([[...NAMES_443, ...NAMES_80], 'reset']) },
    expected: {
      outcomes: { ...ALL_OK, 'app-https': 'reset', 'web-https': 'reset' },
      findings: ['names-blocked'],
      findingTexts: { 'names-blocked': DOMAIN_ENTRIES },
    },
  },
  'proxy-block-page': {
    name: 'proxy-block-page',
    title:
      'a FortiGuard web filter (its inspection CA installed) serves a 403 block page for the names',
    routes: {
      ...HEALTHY,
      ...routes([NAMES_443, 'block-page-https'], [NAMES_80, 'block-page-http']),
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
      'a TLS-intercepting proxy whose CA is not trusted answers for the names and 52.8.243.15:443',
    routes: { ...HEALTHY, ...routes([[...NAMES_443, IP_443], 'interception']) },
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
    routes: {
      ...routes(
        [[...NAMES_443, IP_443], 'refused'],
        [[...NAMES_80, IP_80, CONTROL], 'captive-portal'],
      ),
      [`${CAPTIVE_PORTAL_HOST}:80`]: 'captive-portal',
    },
    expected: {
      outcomes: { 'api-ip-http': 'captive-portal', control: 'captive-portal' },
      findings: ['captive-portal'],
      findingTexts: {},
    },
  },
  'browser-policy': {
    name: 'browser-policy',
    title: 'a Chromium enterprise policy blocks raftr.com (URLBlocklist)',
    routes: HEALTHY,
    // https://chromeenterprise.google/policies/#URLBlocklist — "raftr.com" covers its subdomains.
    policy: { URLBlocklist: ['raftr.com'] },
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
    routes: HEALTHY,
    blockerExtension: true,
    expected: {
      outcomes: {
        ...ALL_OK,
        'app-https': 'blocked-by-extension',
      },
      findings: ['blocked-by-extension'],
      findingTexts: {},
    },
  },
  offline: {
    name: 'offline',
    title: 'offline: no name or address resolves',
    routes: {},
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
    routes: {
      ...HEALTHY,
      ...routes(
        [[...NAMES_443, IP_443], 'raftr-https-503'],
        [[...NAMES_80, IP_80], 'raftr-http-503'],
      ),
    },
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

/** The rule that keeps every request on this machine: always the last one. */
export const CATCH_ALL_RULE = 'MAP * ~NOTFOUND';

/** `MAP host:port 127.0.0.1:P, …, MAP * ~NOTFOUND`: the value of --host-resolver-rules. */
export function hostResolverRules(
  scenarioRoutes: Partial<Record<Endpoint, ServerKind>>,
  ports: Partial<Record<ServerKind, number>>,
): string {
  const rules: string[] = [];
  for (const endpoint of ENDPOINTS) {
    const kind = scenarioRoutes[endpoint];
    if (kind === undefined) continue;
    const port = ports[kind];
    if (port === undefined) throw new Error(`no port for server ${kind} (routed from ${endpoint})`);
    rules.push(`MAP ${endpoint} 127.0.0.1:${port}`);
  }
  // Last, so that it catches everything not mapped above: names and IP literals alike.
  rules.push(CATCH_ALL_RULE);
  return rules.join(', ');
}

/** A rule another part of the simulation may add: one host:port onto loopback (or NOTFOUND). */
const LOCAL_RULE = /^MAP (?!\*\s)\S+ (?:127\.0\.0\.1:\d+|~NOTFOUND)$/;

/**
 * Puts `extraRules` (e.g. the mail world's `MAP gmail.googleapis.com:443 127.0.0.1:P`) before a
 * scenario's rules: Chromium takes the first rule that matches, so they win, and the scenario's
 * own mapping of a host:port they map is dropped. `MAP * ~NOTFOUND` stays last. An extra rule
 * may only map one host onto 127.0.0.1 (no `EXCLUDE`, no catch-all): nothing may leave the
 * machine.
 */
export function mergeHostResolverRules(extraRules: readonly string[], base: string): string {
  const bad = extraRules.filter((rule) => !LOCAL_RULE.test(rule));
  if (bad.length) throw new Error(`host resolver rules must map one host to 127.0.0.1: ${bad}`);
  const mapped = new Set(extraRules.map((rule) => rule.split(/\s+/)[1]));
  const kept = base
    .split(',')
    .map((rule) => rule.trim())
    .filter((rule) => rule && !mapped.has(rule.split(/\s+/)[1] ?? ''));
  const others = kept.filter((rule) => !rule.startsWith('MAP * '));
  return [...extraRules, ...others, CATCH_ALL_RULE].join(', ');
}

export interface SimNet {
  scenario: Scenario;
  /** The --host-resolver-rules value routing this scenario's endpoints to its servers. */
  rules: string;
  /** The servers running for this scenario, by kind. */
  servers: Partial<Record<ServerKind, SimServer>>;
  /** The running server of a kind; throws if the scenario does not use it. */
  server(kind: ServerKind): SimServer;
  close(): Promise<void>;
}

function startServer(kind: ServerKind, pki: TestPki): Promise<SimServer> {
  switch (kind) {
    case 'raftr-https':
      return startRaftrHttps(pki.raftr);
    case 'raftr-https-503':
      return startRaftrHttps(pki.raftr, { status: 503 });
    case 'raftr-http':
      return startRaftrHttp();
    case 'raftr-http-503':
      return startRaftrHttp({ status: 503 });
    case 'control':
      return startControl();
    case 'silent-drop':
      return startSilentDrop();
    case 'reset':
      return startReset();
    case 'refused':
      return reserveClosedPort();
    case 'block-page-https':
      return startBlockPage(pki.blockPage);
    case 'block-page-http':
      return startBlockPage();
    case 'captive-portal':
      return startCaptivePortal();
    case 'interception':
      return startInterception(pki.intercepted);
  }
}

export function getScenario(scenario: ScenarioName | Scenario): Scenario {
  return typeof scenario === 'string' ? SCENARIOS[scenario] : scenario;
}

/** Starts the servers a scenario routes to (one per kind) and builds its resolver rules. */
export async function startSimNet(
  scenario: ScenarioName | Scenario,
  pki: TestPki,
): Promise<SimNet> {
  const resolved = getScenario(scenario);
  const kinds = [
    ...new Set(Object.values(resolved.routes).filter((k): k is ServerKind => k !== undefined)),
  ];
  const started = await Promise.allSettled(kinds.map((kind) => startServer(kind, pki)));
  const servers: Partial<Record<ServerKind, SimServer>> = {};
  const ok: SimServer[] = [];
  started.forEach((result, i) => {
    const kind = kinds[i] as ServerKind;
    if (result.status === 'fulfilled') {
      servers[kind] = result.value;
      ok.push(result.value);
    }
  });
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await closeAll(ok);
    throw failed.reason;
  }
  const ports = Object.fromEntries(Object.entries(servers).map(([k, s]) => [k, s.port]));
  return {
    scenario: resolved,
    rules: hostResolverRules(resolved.routes, ports),
    servers,
    server(kind) {
      const server = servers[kind];
      if (!server) throw new Error(`scenario ${resolved.name} runs no ${kind} server`);
      return server;
    },
    close: () => closeAll(ok),
  };
}
