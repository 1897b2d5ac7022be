/**
 * The simulated internet's address plan. The e2e suite, the benchmark and the demo run inside
 * a network namespace of their own (netns.ts) where these addresses are local: the browsers
 * resolve the real names through the test DNS (dns-server.ts) and connect to the real
 * addresses on the real ports, so webRequest's `details.ip` is what it would be in the field,
 * and Chromium and Firefox meet the same world with no browser-specific mapping flag.
 *
 * Nothing can leave the namespace: it has no route out (netns.ts checks that it has none).
 * Addresses that stand for a real host are the real ones (Raftr's published host, Cisco
 * Umbrella's block-page server); hosts whose real address does not matter get documentation
 * addresses (RFC 5737) or loopback ones, so nobody mistakes them for the real thing.
 */

/** Raftr's app / API host as the allow-list article publishes it; app.raftr.com resolves here. */
export const RAFTR_IP = '52.8.243.15';

/**
 * Where Raftr's servers also listen, for in-path middleboxes that pass a connection on: the
 * firewall redirects the browser's connections to RAFTR_IP:443/80 (not these ports) to the
 * middlebox, so its own onward connection is not redirected again.
 */
export const RAFTR_UPSTREAM_PORTS = { https: 10443, http: 10080 } as const;

/**
 * Cisco Umbrella's block-page addresses are 146.112.61.104–110
 * (https://support.umbrella.com/hc/en-us/articles/230563627); .106 serves "content category"
 * blocks. A DNS filter answers a blocked name with one of them.
 */
export const UMBRELLA_BLOCK_IP = '146.112.61.106';

/** The control probe's host (connectivitycheck.gstatic.com): a documentation address here. */
export const CONTROL_IP = '198.51.100.204';

/** A captive portal's login host and its address. */
export const CAPTIVE_PORTAL_HOST = 'login.campus-wifi.test';
export const CAPTIVE_PORTAL_IP = '192.0.2.80';

/** A campus web filter's own block host (block redirects point here). */
export const FILTER_BLOCK_HOST = 'block.campus-filter.test';
export const FILTER_BLOCK_IP = '192.0.2.81';

/** The test DNS server (/etc/resolv.conf inside the namespace names it). */
export const DNS_SERVER_IP = '127.0.0.53';

/**
 * The mail world's HTTPS services (OAuth, mailbox APIs, DNS over HTTPS): one loopback address
 * each, port 443 (tests/sim/mail/world.ts). Indexes are stable: the DNS zone is built from them.
 */
export const MAIL_SERVICE_IPS = {
  'gmail.googleapis.com': '127.0.1.1',
  'graph.microsoft.com': '127.0.1.2',
  'accounts.google.com': '127.0.1.3',
  'oauth2.googleapis.com': '127.0.1.4',
  'login.microsoftonline.com': '127.0.1.5',
  'dns.google': '127.0.1.6',
  'cloudflare-dns.com': '127.0.1.7',
} as const;

/**
 * The interface that makes the namespace "online": browsers ignore loopback when they decide
 * whether the device has a network (Chromium's AddressTrackerLinux; without it every request
 * fails with ERR_INTERNET_DISCONNECTED), so a link of another kind is brought up: a veth pair
 * with no address whose peer is in the same namespace, so nothing is reachable through it
 * (verified with Chromium 156: up and unaddressed is enough). Where the kernel has no veth, a
 * TUN device held open by a helper process does the same (a TUN without a reader has no carrier).
 */
export const ONLINE_LINK = { name: 'sim0', peer: 'sim1' } as const;

/** Every address put on the namespace's loopback interface. */
export const LOCAL_ADDRESSES: readonly string[] = [
  RAFTR_IP,
  UMBRELLA_BLOCK_IP,
  CONTROL_IP,
  CAPTIVE_PORTAL_IP,
  FILTER_BLOCK_IP,
  ...Object.values(MAIL_SERVICE_IPS),
];

/** Set in the environment of every process that runs inside the simulated internet. */
export const INSIDE_ENV = 'RAFTR_SIM_NETNS';

export function insideSimulatedInternet(): boolean {
  return process.env[INSIDE_ENV] === '1';
}

/** Throws a clear error when a caller forgot to run inside the namespace (netns.ts). */
export function assertInsideSimulatedInternet(what: string): void {
  if (!insideSimulatedInternet()) {
    throw new Error(
      `${what} needs the simulated internet: run it through tests/sim/netns.ts (as root), e.g. \`npx tsx tests/sim/netns.ts playwright test\``,
    );
  }
}
