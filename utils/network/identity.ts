/**
 * Who answered a probe: Raftr, or somebody else answering for a Raftr name.
 *
 * "Something answered" is not "Raftr answered": an inspecting proxy whose CA the campus
 * installed, a DNS filter's block server or an SNI filter's web page all answer
 * https://app.raftr.com/ without a certificate error. The fingerprint table
 * (block-pages.ts) can never list every product, so the verdict rests on independent signals,
 * each written down here with the reason it is trusted. No single weak sign condemns an
 * answer, and no answer is called Raftr's while a strong sign says otherwise.
 *
 * Against ("somebody else"), strong (one is enough):
 * - `fingerprint`: the body or headers match a product's block page (OONI's fingerprints).
 * - `proxy-auth`: HTTP 407: only a proxy asks for proxy credentials (RFC 9110 §15.5.8).
 * - `redirect-off-raftr`: a redirect from a Raftr name to another host. Raftr redirects within
 *   its own names; filters redirect to their block server, portals to their login page. A page
 *   with next to no text that frames or forwards to another host counts the same (page.ts
 *   `sendsTo`: Netsweeper frames its deny page; others use a meta refresh).
 * - `dns-filter-address`: the name led to a DNS filter's published block-page address
 *   (Cisco Umbrella's 146.112.61.104–110, …; block-pages.ts DNS_FILTER_ADDRESSES).
 * - `non-public-address`: the name led to an address that is not a public unicast one
 *   (0.0.0.0, loopback, private, carrier-grade NAT, link-local, reserved: ipaddr.js ranges).
 *   Raftr's servers are on the public internet (the article publishes 52.8.243.15); a name
 *   that resolves into a private range was rewritten by a DNS filter or a local resolver.
 *   Not used when an explicit proxy is in the path (then every address is the proxy's).
 * - `block-title`: the page's title or first headings use filter vocabulary ("Access denied",
 *   "Sitio bloqueado", "Accès refusé": block-vocabulary.ts). Raftr's own pages never do.
 * - `block-text` with two or more different filter phrases in the page's text ("access denied"
 *   and "blocked by policy"): a page about something else may use one in passing, not several.
 * - `proxy-headers` on an error status (≥ 400): `Via`, `X-Squid-Error`, Squid's `X-Cache`,
 *   `Proxy-Agent`… (block-pages.ts hasProxySignal): the proxy wrote the error page itself.
 * Against, weaker (two are needed, or one with nothing speaking for Raftr):
 * - `block-text`: one filter phrase, only in the page's text.
 * - `proxy-headers` on a success: a proxy relayed the answer; it may still be Raftr's.
 * - `error-page-while-ip-answers`: an HTML 403, 451 or 5xx on a name while Raftr's server
 *   answers normally by its address in the same run. "Raftr is down" needs Raftr's own server
 *   to show it too; a filter's refusal comes back on the name only.
 * - `same-page-for-names`: app.raftr.com and www.raftr.com answered with the same page. They are
 *   different sites (an app and a WordPress site); a filter serves one page for every name it
 *   blocks.
 * - `unpublished-address`: app.raftr.com answered from an address other than the published
 *   52.8.243.15, on a direct path (a DNS answer rewritten, or Raftr moved: the page decides).
 * For Raftr (can outweigh one weak sign, never a strong one):
 * - `redirect-within-raftr`: a redirect to a Raftr name (http → https, / → /login).
 * - `names-raftr`: the page names Raftr as itself (page.ts: host names and URLs removed first).
 * - `same-page-as-raftr-ip`: the name answered with the page Raftr's server gave by its address
 *   (an answer of its own, with nothing against it): when Raftr is down, all its names show its
 *   one error page, and that is not a filter's.
 * Neutral, recorded: `published-address` (a transparent proxy keeps the address, so it proves
 * nothing alone), `api-answer` (a JSON answer: APIs answer JSON, filters answer HTML pages).
 *
 * DNS over HTTPS as an independent resolver is not used: it needs a host permission the network
 * check does not ask for (only the email check's MX lookup does, at its click).
 */
import ipaddr from 'ipaddr.js';
import type { BlockProductId } from './block-products';
import type { PageReading } from './page';

export type SignalId =
  | 'fingerprint'
  | 'proxy-auth'
  | 'redirect-off-raftr'
  | 'dns-filter-address'
  | 'non-public-address'
  | 'block-title'
  | 'proxy-headers'
  | 'block-text'
  | 'error-page-while-ip-answers'
  | 'same-page-for-names'
  | 'unpublished-address'
  | 'redirect-within-raftr'
  | 'names-raftr'
  | 'same-page-as-raftr-ip'
  | 'published-address'
  | 'api-answer';

export type Strength = 'strong' | 'weak' | 'for-raftr' | 'neutral';

export interface Signal {
  id: SignalId;
  strength: Strength;
}

export type Identity = 'raftr' | 'other' | 'uncertain';

/** The decision: strong against → other; two weak against, or one with nothing for → not Raftr's. */
export function identityOf(signals: readonly Signal[]): Identity {
  const count = (strength: Strength) => signals.filter((s) => s.strength === strength).length;
  if (count('strong') > 0 || count('weak') >= 2) return 'other';
  if (count('weak') === 1) return count('for-raftr') > 0 ? 'raftr' : 'uncertain';
  return 'raftr';
}

/**
 * The kind of address `ip` is, by ipaddr.js's range names ('unicast' is public), or null when
 * it does not parse. IPv4-mapped IPv6 addresses are read as IPv4.
 * https://github.com/whitequark/ipaddr.js
 */
export function addressRange(ip: string | undefined): string | null {
  if (!ip) return null;
  const bare = ip.trim().replace(/^\[|\]$/g, '');
  if (!ipaddr.isValid(bare)) return null;
  return ipaddr.process(bare).range();
}

/** A public unicast address (the only kind Raftr's servers have). */
export function isPublicAddress(ip: string | undefined): boolean {
  return addressRange(ip) === 'unicast';
}

/** Same address, whatever its notation (IPv4-mapped IPv6 included). */
export function sameAddress(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const parse = (ip: string) => {
    const bare = ip.trim().replace(/^\[|\]$/g, '');
    return ipaddr.isValid(bare) ? ipaddr.process(bare).toString() : null;
  };
  const pa = parse(a);
  return pa !== null && pa === parse(b);
}

/** What a filter showed, for IT to recognise a product nobody listed. No personal data. */
export interface FilterHint {
  status?: number;
  /** The page title, trimmed text (page.ts clipTitle). */
  title?: string;
  /** The host a block redirect pointed to. */
  redirectHost?: string;
}

export interface IdentityInput {
  status?: number;
  page?: PageReading;
  /** The product a fingerprint named (block page), if any. */
  fingerprint?: BlockProductId;
  proxyHeaders: boolean;
  redirectHost?: string;
  redirectWithinRaftr: boolean;
  /** The host a near-empty page frames or forwards to (page.ts `sendsTo`), if any. */
  pageSendsToHost?: string;
  pageSendsWithinRaftr?: boolean;
  /** The address connected to, as webRequest reported it. */
  ip?: string;
  dnsFilter?: BlockProductId;
}

export interface IdentityContext {
  /** The probe stands for a Raftr name (not the address itself). */
  isName: boolean;
  /** The address the name is published at (app.raftr.com: 52.8.243.15), if one is. */
  publishedAddress?: string;
  /** A proxy is configured in the browser: every probe's address is the proxy's. */
  explicitProxy: boolean;
  /** Raftr's server answered normally by its address in this run. */
  ipAnswersNormally: boolean;
  /** The other name answered with the same page. */
  samePageAsOtherName: boolean;
  /** The name answered with the page Raftr's server answered by its address. */
  samePageAsRaftrIp: boolean;
}

const ERROR_PAGE_STATUSES = (status: number) => status === 403 || status === 451 || status >= 500;

/** The signals of one answer, in its run's context. */
export function signalsOf(answer: IdentityInput, context: IdentityContext): Signal[] {
  const signals: Signal[] = [];
  const add = (id: SignalId, strength: Strength) => signals.push({ id, strength });
  const status = answer.status ?? 0;
  const page = answer.page;

  if (answer.fingerprint) add('fingerprint', 'strong');
  if (status === 407) add('proxy-auth', 'strong');
  if (answer.redirectHost !== undefined && !answer.redirectWithinRaftr) {
    add('redirect-off-raftr', 'strong');
  } else if (answer.pageSendsToHost !== undefined && !answer.pageSendsWithinRaftr) {
    add('redirect-off-raftr', 'strong');
  }
  if (answer.redirectWithinRaftr) add('redirect-within-raftr', 'for-raftr');
  if (context.isName && answer.dnsFilter) add('dns-filter-address', 'strong');
  if (context.isName && !context.explicitProxy && answer.ip !== undefined && !answer.dnsFilter) {
    if (addressRange(answer.ip) !== null && !isPublicAddress(answer.ip)) {
      add('non-public-address', 'strong');
    } else if (context.publishedAddress) {
      if (sameAddress(answer.ip, context.publishedAddress)) add('published-address', 'neutral');
      else add('unpublished-address', 'weak');
    }
  }
  if (page?.titleTerms.length) add('block-title', 'strong');
  else if (page?.textTerms.length)
    add('block-text', page.textTerms.length >= 2 ? 'strong' : 'weak');
  if (answer.proxyHeaders) add('proxy-headers', status >= 400 ? 'strong' : 'weak');
  if (page?.namesRaftr) add('names-raftr', 'for-raftr');
  if (page?.kind === 'json') add('api-answer', 'neutral');
  if (
    context.isName &&
    context.ipAnswersNormally &&
    ERROR_PAGE_STATUSES(status) &&
    page?.kind !== 'json'
  ) {
    add('error-page-while-ip-answers', 'weak');
  }
  if (context.isName && context.samePageAsRaftrIp) add('same-page-as-raftr-ip', 'for-raftr');
  else if (context.isName && context.samePageAsOtherName) add('same-page-for-names', 'weak');
  return signals;
}
