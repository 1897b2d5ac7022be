/**
 * Probe classification: the browser's own evidence for one request in, one outcome out.
 *
 * fetch() rejects every network failure with the same TypeError
 * (https://github.com/whatwg/fetch/issues/205), so the background worker also records what
 * webRequest saw: the `net::ERR_*` string of onErrorOccurred, the status, headers, redirect
 * target and the address connected to. Error strings are Chromium internals
 * (https://source.chromium.org/chromium/chromium/src/+/main:net/base/net_error_list.h) or
 * Firefox's NS_ERROR_* names; they can change, so they are mapped explicitly and anything
 * else is `unknown` with the raw string kept for the report.
 */

import { isRaftrHost, type ProbeTarget, type ProbeTargetId } from '../profile';
import { hasProxySignal, matchBlockPage, matchDnsFilterAddress } from './block-pages';
import type { BlockProductId } from './block-products';
import { CONNECTION_FAILURES, type Outcome } from './outcomes';

/** What the background saw for one probe. Everything optional: evidence is partial. */
export interface ProbeObservation {
  targetId: ProbeTargetId;
  /** `details.error` from webRequest.onErrorOccurred, e.g. "net::ERR_NAME_NOT_RESOLVED". */
  error?: string;
  /** Our own time bound fired before the browser gave an answer. */
  timedOut?: boolean;
  status?: number;
  /** Lower-case header names. */
  headers?: Record<string, string>;
  /** The redirect target, from webRequest.onBeforeRedirect (fetch runs with redirect: manual). */
  redirectUrl?: string;
  /** The first bytes of the body, read only for answers that may be a block page. */
  body?: string;
  /** `details.ip`: the address the browser actually connected to. */
  ip?: string;
  elapsedMs?: number;
}

export interface ProbeResult {
  targetId: ProbeTargetId;
  outcome: Outcome;
  /** For the report only (never in the diagnostic code except `product`). */
  error?: string;
  status?: number;
  product?: BlockProductId;
  productName?: string;
  redirectHost?: string;
  elapsedMs?: number;
}

type ErrorRule = readonly [pattern: RegExp, outcome: Outcome];

/**
 * Chromium `net::ERR_*` and Firefox `NS_ERROR_*` strings → outcome. Order matters: the
 * certificate *name* rule is handled before this table for probes by IP literal.
 */
const ERROR_RULES: readonly ErrorRule[] = [
  [/ERR_INTERNET_DISCONNECTED|NS_ERROR_OFFLINE/, 'offline'],
  [/ERR_NAME_NOT_RESOLVED|ERR_NAME_RESOLUTION_FAILED|ERR_DNS_|NS_ERROR_UNKNOWN_HOST/, 'dns-failed'],
  [/ERR_BLOCKED_BY_ADMINISTRATOR/, 'blocked-by-policy'],
  [/ERR_BLOCKED_BY_CLIENT|NS_ERROR_BLOCKED_BY_POLICY_EXTENSION/, 'blocked-by-extension'],
  [
    /ERR_TUNNEL_CONNECTION_FAILED|ERR_PROXY_|ERR_MANDATORY_PROXY|NS_ERROR_PROXY_|NS_ERROR_UNKNOWN_PROXY_HOST/,
    'proxy-blocked',
  ],
  [
    /ERR_CERT_|ERR_SSL_PINNED_KEY|SEC_ERROR_|MOZILLA_PKIX_ERROR_|SSL_ERROR_BAD_CERT/,
    'tls-untrusted',
  ],
  // An application firewall on the device or an ICMP "unreachable" from a network firewall.
  [
    /ERR_CONNECTION_REFUSED|ERR_ADDRESS_UNREACHABLE|ERR_NETWORK_ACCESS_DENIED|NS_ERROR_CONNECTION_REFUSED/,
    'refused',
  ],
  [/ERR_CONNECTION_TIMED_OUT|ERR_TIMED_OUT|NS_ERROR_NET_TIMEOUT/, 'timeout'],
  // A middlebox cutting the connection, typically on the TLS ClientHello's server name.
  [
    /ERR_CONNECTION_RESET|ERR_CONNECTION_CLOSED|ERR_CONNECTION_ABORTED|ERR_EMPTY_RESPONSE|ERR_SSL_PROTOCOL_ERROR|NS_ERROR_NET_RESET|NS_ERROR_NET_INTERRUPT/,
    'reset',
  ],
];

/** The name on a certificate did not match the IP literal: TCP and TLS completed. */
const CERT_NAME_MISMATCH = /ERR_CERT_COMMON_NAME_INVALID|SSL_ERROR_BAD_CERT_DOMAIN/;

export function classifyError(error: string): Outcome {
  for (const [pattern, outcome] of ERROR_RULES) if (pattern.test(error)) return outcome;
  return 'unknown';
}

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/** One probe, on its own evidence. */
export function classifyProbe(target: ProbeTarget, obs: ProbeObservation): ProbeResult {
  const base: ProbeResult = {
    targetId: target.id,
    outcome: 'unknown',
    error: obs.error,
    status: obs.status,
    elapsedMs: obs.elapsedMs,
  };
  const result = (outcome: Outcome, extra: Partial<ProbeResult> = {}): ProbeResult => ({
    ...base,
    outcome,
    ...extra,
  });

  // A DNS filter answering with its own block-page address (e.g. Cisco Umbrella).
  const dnsFilter = obs.ip ? matchDnsFilterAddress(obs.ip) : null;
  if (dnsFilter && target.role !== 'control') {
    return result('dns-failed', { product: dnsFilter.product, productName: dnsFilter.productName });
  }

  // Aborts that are ours: the time bound firing, or the browser ending a `redirect: 'manual'`
  // fetch after onBeforeRedirect (Chromium then reports net::ERR_ABORTED for the same URL).
  const ourAbort =
    !!obs.error &&
    /ERR_ABORTED|NS_BINDING_ABORTED/.test(obs.error) &&
    (obs.timedOut || obs.redirectUrl !== undefined);
  if (obs.error && !ourAbort) {
    if (CERT_NAME_MISMATCH.test(obs.error) && target.nameMismatchMeansReachable)
      return result('ok');
    return result(classifyError(obs.error));
  }
  if (obs.timedOut) return result('timeout');
  if (obs.status === undefined) return result(obs.error ? classifyError(obs.error) : 'unknown');

  const http = {
    status: obs.status,
    headers: obs.headers,
    body: obs.body,
    location: obs.redirectUrl,
  };
  const blockPage = matchBlockPage(http);
  if (blockPage) {
    return result('proxy-blocked', {
      product: blockPage.product,
      productName: blockPage.productName,
    });
  }
  // RFC 9110 §15.5.8: 407 comes from a proxy in the path, whatever it says.
  if (obs.status === 407) return result('proxy-blocked', { product: 'unknown-proxy' });

  const redirectHost = hostOf(obs.redirectUrl);
  if (target.role === 'control') {
    // The control answers 204 with no body; anything else is somebody else answering for it,
    // the way captive portals do (https://www.chromium.org/chromium-os/chromiumos-design-docs/network-portal-detection/).
    if (obs.status === 204) return result('ok');
    if (redirectHost !== undefined && redirectHost !== hostOf(target.url)) {
      return result('captive-portal', { redirectHost });
    }
    if (obs.status >= 200 && obs.status < 400) return result('captive-portal');
    if (hasProxySignal(http)) return result('proxy-blocked', { product: 'unknown-proxy' });
    return result('unknown');
  }

  if (obs.status >= 300 && obs.status < 400 && redirectHost !== undefined) {
    // Raftr redirecting within its own names is Raftr answering.
    if (isRaftrHost(redirectHost)) return result('ok');
    return result(hasProxySignal(http) ? 'proxy-blocked' : 'captive-portal', {
      redirectHost,
      ...(hasProxySignal(http) ? { product: 'unknown-proxy' as const } : {}),
    });
  }
  if (obs.status >= 500) {
    if (hasProxySignal(http)) return result('proxy-blocked', { product: 'unknown-proxy' });
    return result('server-error');
  }
  if (obs.status === 403 && hasProxySignal(http)) {
    return result('proxy-blocked', { product: 'unknown-proxy' });
  }
  return result('ok');
}

export type ProbeResults = Record<ProbeTargetId, ProbeResult>;

/**
 * The run, seen whole. When the control fails at the connection level as well as every
 * Raftr probe, nothing can be said about Raftr: the device is offline (or has no working
 * DNS at all), and each connection failure is reported as `offline`.
 */
export function reinterpretOffline(results: ProbeResults): ProbeResults {
  const all = Object.values(results);
  const everythingUnreachable = all.every((r) => CONNECTION_FAILURES.has(r.outcome));
  if (!everythingUnreachable) return results;
  const out = {} as ProbeResults;
  for (const r of all) out[r.targetId] = { ...r, outcome: 'offline' };
  return out;
}
