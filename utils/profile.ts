/**
 * The allow-list catalog as data: every entry Raftr asks customer IT to allow, from Raftr's
 * support article "Allow Lists and Email Delivery (Technical information)" (modified
 * 2024-03-24; a copy is in shared/brief/raftr-allow-lists-and-email-delivery.txt).
 *
 * Findings, reports and probes take their values from here and nowhere else. Enterprise
 * policy may override the parts marked overridable (see utils/policy.ts), never the catalog
 * entries' identities, so that a diagnostic code made under one profile decodes under another.
 */

/** Bump when an entry is added or changes meaning; it travels in the diagnostic code. */
export const PROFILE_VERSION = 1;

export type EntryId =
  | 'app-host-ip'
  | 'raftr-domains'
  | 'sender-no-reply'
  | 'sender-domains'
  | 'sending-ips'
  | 'mail-authentication'
  | 'nat-gateway';

export type Direction = 'outbound-web' | 'inbound-mail' | 'inbound-integration';

export interface AllowEntry {
  id: EntryId;
  /** What IT types into their system, exactly. */
  values: readonly string[];
  kind: 'ip' | 'domain' | 'sender' | 'sender-domain' | 'authentication';
  direction: Direction;
  /** Human-readable protocol and port, e.g. "TCP 443 (HTTPS) and 80 (HTTP)". */
  protocol: string;
  ports: readonly number[];
  /** False for entries a user's browser cannot test (the NAT gateway is Raftr → customer). */
  testableFromBrowser: boolean;
}

export const ENTRIES: Readonly<Record<EntryId, AllowEntry>> = {
  'app-host-ip': {
    id: 'app-host-ip',
    values: ['52.8.243.15'],
    kind: 'ip',
    direction: 'outbound-web',
    protocol: 'TCP',
    ports: [443, 80],
    testableFromBrowser: true,
  },
  'raftr-domains': {
    id: 'raftr-domains',
    values: ['raftr.com', '*.raftr.com'],
    kind: 'domain',
    direction: 'outbound-web',
    protocol: 'HTTPS',
    ports: [443, 80],
    testableFromBrowser: true,
  },
  'sender-no-reply': {
    id: 'sender-no-reply',
    values: ['no-reply@raftr.com'],
    kind: 'sender',
    direction: 'inbound-mail',
    protocol: 'SMTP',
    ports: [25],
    testableFromBrowser: true,
  },
  'sender-domains': {
    id: 'sender-domains',
    values: ['raftr.com', 'digest.raftr.com'],
    kind: 'sender-domain',
    direction: 'inbound-mail',
    protocol: 'SMTP',
    ports: [25],
    testableFromBrowser: true,
  },
  'sending-ips': {
    id: 'sending-ips',
    values: ['149.72.222.166', '149.72.230.197'],
    kind: 'ip',
    direction: 'inbound-mail',
    protocol: 'SMTP',
    ports: [25],
    testableFromBrowser: true,
  },
  'mail-authentication': {
    id: 'mail-authentication',
    values: ['SPF for raftr.com', 'DKIM d=raftr.com'],
    kind: 'authentication',
    direction: 'inbound-mail',
    protocol: 'SMTP',
    ports: [25],
    testableFromBrowser: true,
  },
  'nat-gateway': {
    id: 'nat-gateway',
    values: ['50.18.246.41'],
    kind: 'ip',
    direction: 'inbound-integration',
    protocol: 'TCP',
    ports: [443, 80],
    testableFromBrowser: false,
  },
};

export type ProbeTargetId = 'app-https' | 'web-https' | 'api-ip-https' | 'api-ip-http' | 'control';

export interface ProbeTarget {
  id: ProbeTargetId;
  url: string;
  /** What reaching (or not reaching) this target says about. */
  role: 'raftr-name' | 'raftr-ip' | 'control';
  /** The catalog entries this probe exercises. */
  entries: readonly EntryId[];
  port: number;
  /**
   * The probe to the IP literal presents a certificate issued to a name, so a certificate
   * *name* error there proves TCP and TLS completed: the host is reachable.
   */
  nameMismatchMeansReachable: boolean;
  /**
   * The address this name is published at (the article: "The IP address associated with Raftr
   * services is 52.8.243.15"), for the app; none for www.raftr.com, whose marketing site's
   * hosting is not published. An answer from another address is a sign, not a proof, that
   * somebody else answered (utils/network/identity.ts).
   */
  publishedAddress?: string;
  /**
   * Also opened in a background tab: browser policies and other extensions block tab
   * navigations, not an extension's own fetch(). Only the app, the page users open: each tab
   * costs a renderer process (~60 ms on two cores, measured by `npm run bench`).
   */
  openedInTab: boolean;
}

/**
 * The control probe separates "Raftr is blocked" from "you are offline". It is plain HTTP
 * on purpose: captive portals answer plain-HTTP requests with a redirect to their login page,
 * which is how Android and Chrome OS detect them (expected answer: 204 No Content).
 */
export const DEFAULT_CONTROL_URL = 'http://connectivitycheck.gstatic.com/generate_204';

/**
 * The control URL a build is configured with (`WXT_CONTROL_URL` at build time), or the default
 * when none or an unusable one is given: it must be an absolute http(s) URL.
 */
export function controlUrlFrom(configured: string | undefined): string {
  if (!configured) return DEFAULT_CONTROL_URL;
  try {
    const url = new URL(configured);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : DEFAULT_CONTROL_URL;
  } catch {
    return DEFAULT_CONTROL_URL;
  }
}

/**
 * The probes' origins, which are the extension's required host permissions: exactly the
 * origins probed (the install warning names these hosts, not "all raftr.com sites").
 */
export function hostPermissionsFor(controlUrl: string): string[] {
  const origins = probeTargets(controlUrl).flatMap((target) => {
    const url = new URL(target.url);
    // A name whose HTTPS fails before any answer is asked over HTTP which address it leads to.
    const plain = target.role === 'raftr-name' ? [`http://${url.host}/*`] : [];
    return [`${url.origin}/*`, ...plain];
  });
  return [...new Set(origins)];
}

export function probeTargets(controlUrl: string = DEFAULT_CONTROL_URL): ProbeTarget[] {
  return [
    {
      id: 'app-https',
      url: 'https://app.raftr.com/',
      role: 'raftr-name',
      entries: ['raftr-domains'],
      port: 443,
      nameMismatchMeansReachable: false,
      publishedAddress: ENTRIES['app-host-ip'].values[0],
      openedInTab: true,
    },
    {
      id: 'web-https',
      url: 'https://www.raftr.com/',
      role: 'raftr-name',
      entries: ['raftr-domains'],
      port: 443,
      nameMismatchMeansReachable: false,
      openedInTab: false,
    },
    {
      id: 'api-ip-https',
      url: 'https://52.8.243.15/',
      role: 'raftr-ip',
      entries: ['app-host-ip'],
      port: 443,
      nameMismatchMeansReachable: true,
      openedInTab: false,
    },
    {
      id: 'api-ip-http',
      url: 'http://52.8.243.15/',
      role: 'raftr-ip',
      entries: ['app-host-ip'],
      port: 80,
      nameMismatchMeansReachable: false,
      openedInTab: false,
    },
    {
      id: 'control',
      url: controlUrl,
      role: 'control',
      entries: [],
      port: new URL(controlUrl).protocol === 'https:' ? 443 : 80,
      nameMismatchMeansReachable: false,
      openedInTab: false,
    },
  ];
}

/** Fixed order: the diagnostic code relies on it. Append only. */
export const PROBE_TARGET_IDS: readonly ProbeTargetId[] = [
  'app-https',
  'web-https',
  'api-ip-https',
  'api-ip-http',
  'control',
];

/** The registrable domain whose names count as Raftr's own (redirects within it are fine). */
export const RAFTR_DOMAIN = 'raftr.com';
export const APP_URL = 'https://app.raftr.com/';
export const PASSWORD_RESET_URL = 'https://app.raftr.com/reset';

export function isRaftrHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  return (
    host === RAFTR_DOMAIN ||
    host.endsWith(`.${RAFTR_DOMAIN}`) ||
    ENTRIES['app-host-ip'].values.includes(host)
  );
}

/** Everything the profile is, in one value (policy may override the overridable parts). */
export const PROFILE = {
  version: PROFILE_VERSION,
  entries: ENTRIES,
  appUrl: APP_URL,
  passwordResetUrl: PASSWORD_RESET_URL,
  /** Per-probe bound: a silently dropped host is classified after this long. */
  probeTimeoutMs: 4000,
  /** A finished result younger than this is shown instead of starting a new run. */
  freshResultMs: 60_000,
  /** Required host permissions with the default control: exactly the probe targets' origins. */
  hostPermissions: hostPermissionsFor(DEFAULT_CONTROL_URL),
  /** Requested only when the user starts the email check, for the provider chosen. */
  mailboxHostPermissions: ['https://gmail.googleapis.com/*', 'https://graph.microsoft.com/*'],
  /** DNS over HTTPS, requested only to look up the mail domain's MX records. */
  dnsHostPermissions: ['https://dns.google/*'],
} as const;
