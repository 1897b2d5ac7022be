/**
 * Probe classification: the browser's own evidence for the probes of one run in, one outcome
 * per probe out.
 *
 * fetch() rejects every network failure with the same TypeError
 * (https://github.com/whatwg/fetch/issues/205), so the background worker also records what
 * webRequest saw: the browser's error string, the address connected to, the redirect target.
 * Error strings are Chromium's `net::ERR_*`
 * (https://source.chromium.org/chromium/chromium/src/+/main:net/base/net_error_list.h) or
 * Firefox's `NS_ERROR_*` names and NSS texts; they can change, so they are mapped explicitly
 * and anything else is `unknown` with the raw string kept for the report.
 *
 * Two steps, both pure:
 * 1. `summarizeObservation`: in the worker, as each probe ends, the raw observation (its body
 *    included) becomes a small `ProbeEvidence` (what the body says: page.ts; which product's
 *    block page it is: block-pages.ts). That is what the run stores.
 * 2. `classifyRun`: once every probe has ended, each is classified in the light of the others
 *    (who answered: identity.ts). The same evidence always gives the same outcomes, whatever
 *    order it arrived in. `classifyProbe` is the same rules for one probe alone, for the
 *    progress shown while the run is still going.
 */
import { isRaftrHost, PROBE_TARGET_IDS, type ProbeTarget, type ProbeTargetId } from '../profile';
import {
  hasProxySignal,
  matchBlockPage,
  matchDnsFilterAddress,
  matchProxyProduct,
} from './block-pages';
import type { BlockProductId } from './block-products';
import {
  addressRange,
  type FilterHint,
  type IdentityContext,
  identityOf,
  isPublicAddress,
  type SignalId,
  sameAddress,
  signalsOf,
} from './identity';
import { CONNECTION_FAILURES, type Outcome } from './outcomes';
import { type PageReading, readPage, samePage } from './page';

/** What the background saw for one probe, raw. Everything optional: evidence is partial. */
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
  /** The first bytes of the body, as text. */
  body?: string;
  /** `details.ip`: the address the browser actually connected to. */
  ip?: string;
  /**
   * The fetch failed before the request existed for webRequest: the browser itself held it
   * back (Chromium's extension request throttling after repeated 5xx answers).
   */
  notSent?: boolean;
  elapsedMs?: number;
}

/** One probe's evidence, as the run stores it: no body, a few hundred bytes. */
export interface ProbeEvidence {
  targetId: ProbeTargetId;
  error?: string;
  timedOut?: boolean;
  status?: number;
  ip?: string;
  redirectUrl?: string;
  page?: PageReading;
  /** The product whose block page (or block redirect) this is, from its fingerprints. */
  fingerprint?: BlockProductId;
  /** The proxy product the headers name (Squid, Cisco WSA, Barracuda), if any. */
  proxyProduct?: BlockProductId;
  /** Headers only a proxy writes (block-pages.ts hasProxySignal). */
  proxyHeaders: boolean;
  elapsedMs?: number;
  /**
   * The browser held this request back after repeated 5xx answers
   * (`net::ERR_TEMPORARILY_THROTTLED`): this is the previous run's evidence, which it rests on.
   */
  carriedOver?: boolean;
}

export interface ProbeResult {
  targetId: ProbeTargetId;
  outcome: Outcome;
  /** For the report only (never in the diagnostic code except `product` and `hint`). */
  error?: string;
  status?: number;
  product?: BlockProductId;
  productName?: string;
  redirectHost?: string;
  /** What an unrecognised filter showed (status, page title, redirect host). */
  hint?: FilterHint;
  /** Why the answer was (or was not) taken for Raftr's, for the details view. */
  signals?: SignalId[];
  elapsedMs?: number;
}

export type ProbeResults = Record<ProbeTargetId, ProbeResult>;

type ErrorRule = readonly [pattern: RegExp, outcome: Outcome];

/**
 * Firefox reports TLS failures in onErrorOccurred as NSS's message text in the browser's own
 * language, not as a token (verified with firefox-esr 153, English and French: see
 * tests/sim/FIREFOX.md; ChannelWrapper::GetErrorString), e.g. "Peer’s Certificate issuer is
 * not recognized." / "L’autorité de délivrance du certificat du pair n’est pas reconnue."
 * Every other failure is an `NS_ERROR_*` / `NS_BINDING_*` token. So any error that is not a
 * token is a TLS failure, whatever its language; the English name-mismatch text is recognised
 * as such, and in other languages the run tells it apart (classifyRun: the IP probe's TLS
 * failure while the names' HTTPS works is the certificate name, not the issuer).
 */
const NSS_NAME_MISMATCH = /requested domain name does not match the server.s certificate/i;

/** A browser error token (`net::ERR_…`, `NS_ERROR_…`, `NS_BINDING_…`), not a sentence. */
function isErrorToken(error: string): boolean {
  return /^(?:net::)?[A-Z][A-Z0-9_]*$/.test(error.trim());
}

/** Firefox's localized text for a TLS failure (anything that is not a token). */
export function isSecurityText(error: string): boolean {
  return error.trim() !== '' && !isErrorToken(error);
}

/**
 * Chromium `net::ERR_*`, Firefox `NS_ERROR_*` and NSS texts → outcome. Order matters: the
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
    /ERR_CONNECTION_RESET|ERR_CONNECTION_CLOSED|ERR_CONNECTION_ABORTED|ERR_EMPTY_RESPONSE|ERR_SSL_PROTOCOL_ERROR|NS_ERROR_NET_RESET|NS_ERROR_NET_INTERRUPT|NS_ERROR_NET_PARTIAL_TRANSFER/,
    'reset',
  ],
];

/** The name on a certificate did not match the IP literal: TCP and TLS completed. */
const CERT_NAME_MISMATCH = /ERR_CERT_COMMON_NAME_INVALID|SSL_ERROR_BAD_CERT_DOMAIN/;

export function isCertificateNameMismatch(error: string): boolean {
  return CERT_NAME_MISMATCH.test(error) || NSS_NAME_MISMATCH.test(error);
}

export function classifyError(error: string): Outcome {
  for (const [pattern, outcome] of ERROR_RULES) if (pattern.test(error)) return outcome;
  if (isSecurityText(error)) return 'tls-untrusted';
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

/** The host of a possibly relative URL (a page's frame or refresh target), if it has one. */
function resolvedHost(url: string, base: string): string | undefined {
  try {
    const resolved = new URL(url, base);
    return /^https?:$/.test(resolved.protocol) ? resolved.hostname : undefined;
  } catch {
    return undefined;
  }
}

/** The raw observation, reduced to what classification needs. Runs in the worker. */
export function summarizeObservation(obs: ProbeObservation): ProbeEvidence {
  const hasAnswer = obs.status !== undefined;
  const http = {
    status: obs.status,
    headers: obs.headers,
    body: obs.body,
    location: obs.redirectUrl,
  };
  const evidence: ProbeEvidence = {
    targetId: obs.targetId,
    proxyHeaders: hasAnswer ? hasProxySignal(http) : false,
  };
  if (obs.error !== undefined) evidence.error = obs.error;
  if (obs.timedOut) evidence.timedOut = true;
  if (obs.status !== undefined) evidence.status = obs.status;
  if (obs.ip) evidence.ip = obs.ip;
  if (obs.redirectUrl) evidence.redirectUrl = obs.redirectUrl;
  if (obs.elapsedMs !== undefined) evidence.elapsedMs = obs.elapsedMs;
  if (hasAnswer) {
    const contentType = obs.headers?.['content-type'];
    if (obs.body !== undefined || contentType) evidence.page = readPage(obs.body, contentType);
    const blockPage = matchBlockPage(http);
    if (blockPage) evidence.fingerprint = blockPage.product;
    const proxy = matchProxyProduct(http);
    if (proxy) evidence.proxyProduct = proxy.product;
  }
  return evidence;
}

/** The address a probe by IP literal is for (its URL's host), or undefined for names. */
function literalOf(target: ProbeTarget): string | undefined {
  return target.role === 'raftr-ip' ? new URL(target.url).hostname : undefined;
}

/** What the whole run says about each probe's context. */
interface RunContext {
  /**
   * A Raftr name's HTTPS completed (an answer) and none failed in TLS: the certificates a
   * trusted CA issued for Raftr's names are accepted, so a TLS failure on the IP literal is its
   * name (Firefox says which only in the browser's language).
   */
  namesTlsAccepted: boolean;
  explicitProxy: boolean;
  ipAnswersNormally: boolean;
  ipHttpServerError: boolean;
  controlIntercepted: boolean;
  samePageForNames: boolean;
  /** The page Raftr's server gave by its address, when that answer was Raftr's own. */
  raftrIpPage?: PageReading;
}

const NEUTRAL_CONTEXT: RunContext = {
  namesTlsAccepted: false,
  explicitProxy: false,
  ipAnswersNormally: false,
  ipHttpServerError: false,
  controlIntercepted: false,
  samePageForNames: false,
};

/** Aborts that are ours: the time bound firing, or the end of a `redirect: 'manual'` fetch. */
function isOurAbort(ev: ProbeEvidence): boolean {
  return (
    !!ev.error &&
    /ERR_ABORTED|NS_BINDING_ABORTED/.test(ev.error) &&
    (!!ev.timedOut || ev.redirectUrl !== undefined || ev.status !== undefined)
  );
}

function classifyControl(target: ProbeTarget, ev: ProbeEvidence, base: ProbeResult): ProbeResult {
  const status = ev.status as number;
  const redirectHost = hostOf(ev.redirectUrl);
  // The control answers 204 with no body; anything else is somebody else answering for it,
  // the way captive portals do (https://www.chromium.org/chromium-os/chromiumos-design-docs/network-portal-detection/).
  if (status === 204) return { ...base, outcome: 'ok' };
  if (ev.fingerprint) return { ...base, outcome: 'proxy-blocked', product: ev.fingerprint };
  if (status === 407) return { ...base, outcome: 'proxy-blocked', product: 'unknown-proxy' };
  if (redirectHost !== undefined && redirectHost !== hostOf(target.url)) {
    return { ...base, outcome: 'captive-portal', redirectHost };
  }
  if (status >= 200 && status < 400) return { ...base, outcome: 'captive-portal' };
  if (ev.proxyHeaders) return { ...base, outcome: 'proxy-blocked', product: 'unknown-proxy' };
  return { ...base, outcome: 'unknown' };
}

/** A probe that ended in a browser error (or our bound). */
function classifyFailure(
  target: ProbeTarget,
  ev: ProbeEvidence,
  base: ProbeResult,
  ctx: RunContext,
): ProbeResult {
  if (ev.timedOut && (!ev.error || isOurAbort(ev))) return { ...base, outcome: 'timeout' };
  const error = ev.error ?? '';
  if (target.nameMismatchMeansReachable) {
    if (isCertificateNameMismatch(error)) return { ...base, outcome: 'ok' };
    if (isSecurityText(error) && ctx.namesTlsAccepted) return { ...base, outcome: 'ok' };
  }
  const outcome = classifyError(error);
  // A name that led to a DNS filter's block server, or into a private range, was answered by
  // the DNS, whatever happened next (Umbrella's certificate is not trusted without its root).
  if (target.role === 'raftr-name' && ev.ip && !ctx.explicitProxy) {
    const filter = matchDnsFilterAddress(ev.ip);
    if (filter) return { ...base, outcome: 'dns-failed', product: filter.product };
    if (addressRange(ev.ip) !== null && !isPublicAddress(ev.ip)) {
      return {
        ...base,
        outcome: 'dns-failed',
        product: 'unknown-proxy',
        signals: ['non-public-address'],
      };
    }
  }
  return { ...base, outcome };
}

/** A probe that got an HTTP answer: who gave it, and what it means. */
function classifyAnswer(
  target: ProbeTarget,
  ev: ProbeEvidence,
  base: ProbeResult,
  ctx: RunContext,
): ProbeResult {
  if (target.role === 'control') return classifyControl(target, ev, base);
  const status = ev.status as number;
  const redirectHost = hostOf(ev.redirectUrl);
  const isName = target.role === 'raftr-name';
  const dnsFilter = ev.ip ? matchDnsFilterAddress(ev.ip)?.product : undefined;
  // Relative targets stay on the name itself.
  const sendsToHost = ev.page?.sendsTo ? resolvedHost(ev.page.sendsTo, target.url) : undefined;
  const context: IdentityContext = {
    isName,
    publishedAddress: target.publishedAddress,
    explicitProxy: ctx.explicitProxy,
    ipAnswersNormally: ctx.ipAnswersNormally,
    samePageAsOtherName: isName && ctx.samePageForNames,
    samePageAsRaftrIp: isName && samePage(ev.page, ctx.raftrIpPage),
  };
  const signals = signalsOf(
    {
      status,
      page: ev.page,
      fingerprint: ev.fingerprint,
      proxyHeaders: ev.proxyHeaders,
      redirectHost,
      redirectWithinRaftr: redirectHost !== undefined && isRaftrHost(redirectHost),
      ...(sendsToHost !== undefined
        ? { pageSendsToHost: sendsToHost, pageSendsWithinRaftr: isRaftrHost(sendsToHost) }
        : {}),
      ip: ev.ip,
      dnsFilter,
    },
    context,
  );
  const identity = identityOf(signals);
  const ids = signals.map((s) => s.id);
  const offHost = [redirectHost, sendsToHost].find((h) => h !== undefined && !isRaftrHost(h));
  const hint: FilterHint = {
    status,
    ...(ev.page?.title ? { title: ev.page.title } : {}),
    ...(offHost !== undefined ? { redirectHost: offHost } : {}),
  };
  const withRedirect = redirectHost !== undefined ? { redirectHost } : {};
  const result = { ...base, ...withRedirect, signals: ids };

  if (identity === 'other') {
    if (dnsFilter && isName) return { ...result, outcome: 'dns-failed', product: dnsFilter };
    if (ids.includes('non-public-address')) {
      return { ...result, outcome: 'dns-failed', product: 'unknown-proxy', hint };
    }
    if (ids.includes('redirect-off-raftr') && ctx.controlIntercepted && !ev.fingerprint) {
      return { ...result, outcome: 'captive-portal' };
    }
    const product = ev.fingerprint ?? ev.proxyProduct ?? 'unknown-proxy';
    return {
      ...result,
      outcome: 'proxy-blocked',
      product,
      ...(product === 'unknown-proxy' ? { hint } : {}),
    };
  }
  if (identity === 'uncertain') return { ...result, outcome: 'unknown', hint };
  if (status >= 500) {
    // "Raftr is down" needs Raftr to say it: its own page, or its server by address too.
    const confirmed = ids.includes('names-raftr') || !isName || ctx.ipHttpServerError;
    return {
      ...result,
      outcome: confirmed ? 'server-error' : 'unknown',
      ...(confirmed ? {} : { hint }),
    };
  }
  return { ...result, outcome: 'ok' };
}

function classifyOne(target: ProbeTarget, ev: ProbeEvidence, ctx: RunContext): ProbeResult {
  const base: ProbeResult = { targetId: target.id, outcome: 'unknown' };
  if (ev.error !== undefined) base.error = ev.error;
  if (ev.status !== undefined) base.status = ev.status;
  if (ev.elapsedMs !== undefined) base.elapsedMs = ev.elapsedMs;
  const failed =
    (ev.error !== undefined && !isOurAbort(ev)) || (ev.timedOut && ev.status === undefined);
  if (failed) return classifyFailure(target, ev, base, ctx);
  if (ev.status === undefined) return base;
  return classifyAnswer(target, ev, base, ctx);
}

/** One probe on its own evidence (the progress shown while the run goes on). */
export function classifyProbe(target: ProbeTarget, ev: ProbeEvidence): ProbeResult {
  return classifyOne(target, ev, NEUTRAL_CONTEXT);
}

/** The run's context, from every probe's evidence. */
function contextOf(
  targets: readonly ProbeTarget[],
  evidence: Partial<Record<ProbeTargetId, ProbeEvidence>>,
): RunContext {
  const ipTargets = targets.filter((t) => t.role === 'raftr-ip');
  const httpsNames = targets.filter((t) => t.role === 'raftr-name' && t.url.startsWith('https:'));
  const namesTlsAccepted =
    httpsNames.some((t) => evidence[t.id]?.status !== undefined) &&
    !httpsNames.some((t) => {
      const error = evidence[t.id]?.error;
      return error !== undefined && classifyError(error) === 'tls-untrusted';
    });
  // An explicit proxy: a probe by IP literal that connected anywhere but to that literal.
  const explicitProxy = ipTargets.some((t) => {
    const ip = evidence[t.id]?.ip;
    return ip !== undefined && !sameAddress(ip, literalOf(t));
  });
  // Raftr's server by its address: its HTTP answer decides when there is one (a 503 there is
  // Raftr's own); otherwise a completed TLS handshake (certificate name error) shows it is up.
  const ipResults = ipTargets.map((t) => {
    const ev = evidence[t.id];
    return ev
      ? classifyOne(t, ev, { ...NEUTRAL_CONTEXT, explicitProxy, namesTlsAccepted })
      : undefined;
  });
  const answered = ipResults.filter((r) => r?.status !== undefined);
  const ownIpAnswer = ipTargets.find((_target, i) => {
    const r = ipResults[i];
    return r?.status !== undefined && (r.outcome === 'ok' || r.outcome === 'server-error');
  });
  const raftrIpPage = ownIpAnswer ? evidence[ownIpAnswer.id]?.page : undefined;
  const ipHttpServerError = answered.some((r) => r?.outcome === 'server-error');
  const ipAnswersNormally = answered.length
    ? answered.every((r) => r?.outcome === 'ok')
    : ipResults.some((r) => r?.outcome === 'ok');
  const control = targets.find((t) => t.role === 'control');
  const controlEvidence = control ? evidence[control.id] : undefined;
  const controlResult =
    control && controlEvidence ? classifyOne(control, controlEvidence, NEUTRAL_CONTEXT) : undefined;
  const names = targets.filter((t) => t.role === 'raftr-name');
  const samePageForNames =
    names.length >= 2 &&
    names.every(
      (t, i) =>
        i === 0 || samePage(evidence[(names[0] as ProbeTarget).id]?.page, evidence[t.id]?.page),
    );
  return {
    namesTlsAccepted,
    explicitProxy,
    ipAnswersNormally,
    ipHttpServerError,
    controlIntercepted: controlResult?.outcome === 'captive-portal',
    samePageForNames,
    ...(raftrIpPage ? { raftrIpPage } : {}),
  };
}

/**
 * Every probe of a run that has evidence, each in the light of the others (no offline
 * reinterpretation yet: run.ts merges in what the tabs saw first).
 */
export function classifyEach(
  targets: readonly ProbeTarget[],
  evidence: Partial<Record<ProbeTargetId, ProbeEvidence>>,
): Partial<ProbeResults> {
  const ctx = contextOf(targets, evidence);
  const results: Partial<ProbeResults> = {};
  for (const target of targets) {
    const ev = evidence[target.id];
    if (ev) results[target.id] = classifyOne(target, ev, ctx);
  }
  return results;
}

/**
 * Every probe of a run, each in the light of the others. A probe without evidence (its
 * worker stopped too often) is `unknown` with the error "interrupted".
 */
export function classifyRun(
  targets: readonly ProbeTarget[],
  evidence: Partial<Record<ProbeTargetId, ProbeEvidence>>,
): ProbeResults {
  const each = classifyEach(targets, evidence);
  const results = {} as ProbeResults;
  for (const id of PROBE_TARGET_IDS) {
    results[id] = each[id] ?? { targetId: id, outcome: 'unknown', error: 'interrupted' };
  }
  return reinterpretOffline(results);
}

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
