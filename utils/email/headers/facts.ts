/**
 * The facts a mail administrator reads off a header block, in the vocabulary of the field:
 * which system received the message (and which gateway sat in front), its SPF, DKIM and DMARC
 * results as the receiving organisation stamped them (RFC 8601's full result vocabulary, with
 * Microsoft's bestguesspass kept apart), the address the receiving edge saw, the spam filter's
 * verdict, an allow list that overrode it, where the filter says the message went, and whether
 * it was forwarded on the way.
 *
 * `headerFacts` is the shape of the email header corpus (tests/corpus/email/facts.json);
 * `readHeaderFacts` also returns what it read, for the analysis (utils/email/analysis.ts).
 *
 * Pure: no `browser.*`, no Node APIs.
 */

import { AUTH_VERDICTS, type AuthVerdict } from '../evidence';
import {
  isGatewaySystem,
  isGmailConsumerDomain,
  isOutlookComDomain,
  isOutlookComHost,
  type MailboxProvider,
  OUTLOOK_COM_TENANT_ID,
  providerOfHost,
  type ReceivingSystemId,
} from '../mail-systems';
import { wasForwarded } from './forwarding';
import {
  type AuthResult,
  type HeaderField,
  ipInSpfComment,
  ipInSpfText,
  isIpAddress,
  isPrivateIp,
  type MessageHeaders,
  parseAuthenticationResults,
  parseMailAddress,
  type ReceivedSpf,
  readMessageHeaders,
  receivedFor,
  type TrustedAuthResults,
} from './parse';
import {
  type AllowOverride,
  type FilterReading,
  GATEWAY_VERDICT_FIELDS,
  isSpamAssassinChecker,
  type PlacementFact,
  readSpamFilters,
  type SpamVerdict,
} from './spam-headers';
import {
  exchangeInboundAuthResults,
  exchangeReceives,
  receiverAuthResults,
  receiverReceivedSpf,
  receiverValues,
  senderGatewayIps,
  type TrustBoundary,
  traceReceived,
} from './trust';

/**
 * RFC 8601 §2.7's results for SPF and DKIM (and `policy`, §2.7.1): the evidence's words
 * (utils/email/evidence.ts AUTH_VERDICTS) but 'unknown' (nothing read) and Microsoft's DMARC-only
 * `bestguesspass`.
 */
export type AuthVocabulary = Exclude<AuthVerdict, 'unknown' | 'bestguesspass'>;

/** DMARC's results (RFC 7489 §11.2) plus Microsoft's `bestguesspass`: no DMARC record, but it
 * would have passed. */
export type DmarcVocabulary = AuthVocabulary | 'bestguesspass';

/** The gateway products of MailSystemId. */
export type GatewayId =
  | 'proofpoint'
  | 'mimecast'
  | 'barracuda'
  | 'cisco'
  | 'sophos'
  | 'symantec'
  | 'hornetsecurity'
  | 'trend-micro';

export interface EmailFacts {
  spf: AuthVocabulary | null;
  dkim: AuthVocabulary | null;
  dmarc: DmarcVocabulary | null;
  /** The address the receiving organisation's own edge saw connect. */
  sendingIp: string | null;
  spamVerdict: SpamVerdict | null;
  allowOverride: AllowOverride | null;
  forwarded: boolean;
  placementHint: PlacementFact | null;
}

export interface HeaderFacts {
  receivingSystem: ReceivingSystemId;
  gateway: GatewayId | null;
  facts: EmailFacts;
}

/** What `readHeaderFacts` read on the way, for callers that need more than the facts. */
export interface HeaderFactsReading extends HeaderFacts {
  headers: MessageHeaders;
  trace: TrustBoundary;
  /** The receiving organisation's own Authentication-Results. */
  auth: TrustedAuthResults | null;
  /** The receiving organisation's own Received-SPF. */
  receivedSpf: ReceivedSpf | null;
  /** Whether the receiving organisation is Exchange Online (its bottom fields are trusted). */
  exchange: boolean;
  /** Every spam-filter reading from trusted fields, the mailbox system's first. */
  filters: FilterReading[];
  /** The address the receiving system itself saw: its own fields, else the edge hop's. */
  connectingIp: string | null;
  /** The author's domain: From, else DMARC's header.from. */
  authorDomain: string | null;
}

// ---------------------------------------------------------------------------------------------
// Authentication results.

const AUTH_VOCABULARY = new Set<string>(
  AUTH_VERDICTS.filter((v) => v !== 'unknown' && v !== 'bestguesspass'),
);

/**
 * One stamped result in RFC 8601's vocabulary: the registered words as they are, the older
 * spellings mapped (RFC 7601's "hardfail" is "fail"; RFC 4408's "error"-less SPF forms), and
 * anything else left out rather than guessed.
 */
function vocabulary(result: string | undefined): AuthVocabulary | null {
  const word = (result ?? '').toLowerCase();
  if (AUTH_VOCABULARY.has(word)) return word as AuthVocabulary;
  if (word === 'hardfail') return 'fail';
  return null;
}

function dmarcVocabulary(result: string | undefined): DmarcVocabulary | null {
  return (result ?? '').toLowerCase() === 'bestguesspass' ? 'bestguesspass' : vocabulary(result);
}

/** Relaxed alignment (RFC 7489 §3.1) approximated without the public-suffix list. */
function aligned(domain: string, author: string): boolean {
  return domain === author || author.endsWith(`.${domain}`) || domain.endsWith(`.${author}`);
}

export function dkimSigningDomain(result: AuthResult): string {
  const d = result.props['header.d'] ?? result.props['header.i']?.replace(/^.*@/, '') ?? '';
  return d.toLowerCase().replace(/^@/, '');
}

/**
 * SPF: the MAIL FROM check (RFC 7208 §2.4). A result for the HELO identity alone (smtp.helo,
 * RFC 8601 §2.7.2) is a separate check and counts only when there is no other.
 */
export function spfResultOf(results: readonly AuthResult[]): AuthResult | undefined {
  const spf = results.filter((r) => r.method === 'spf');
  return (
    spf.find(
      (r) => !(r.props['smtp.helo'] !== undefined && r.props['smtp.mailfrom'] === undefined),
    ) ?? spf[0]
  );
}

/**
 * DKIM: a message can carry several signatures (RFC 8601 Appendix B.6). Those of the author's
 * domain (aligned, RFC 7489 §3.1.1) decide; without any, all of them do. Any pass among them is
 * a pass; otherwise the first one's result.
 */
export function dkimResultOf(
  results: readonly AuthResult[],
  authorDomain: string | null,
): string | undefined {
  const all = results.filter((r) => r.method === 'dkim');
  if (all.length === 0) return undefined;
  const own = authorDomain ? all.filter((r) => aligned(dkimSigningDomain(r), authorDomain)) : [];
  const pool = own.length > 0 ? own : all;
  return (pool.find((r) => r.result === 'pass') ?? (pool[0] as AuthResult)).result;
}

// ---------------------------------------------------------------------------------------------
// The receiving system.

function topmost(fields: readonly HeaderField[], name: string): string | null {
  const lower = name.toLowerCase();
  return fields.find((f) => f.name.toLowerCase() === lower)?.value ?? null;
}

function bottommost(fields: readonly HeaderField[], name: string): string | null {
  const lower = name.toLowerCase();
  for (let i = fields.length - 1; i >= 0; i--) {
    const field = fields[i] as HeaderField;
    if (field.name.toLowerCase() === lower) return field.value;
  }
  return null;
}

/**
 * Outlook.com or a Microsoft 365 tenant (the signs in email/mail-systems.ts): the tenant id Exchange
 * stamped last (X-MS-Exchange-CrossTenant-Id, X-EOPTenantAttributedMessage: Exchange strips the
 * other tenants' copies and stamps its own at the bottom), the receiving domain of Microsoft's
 * Authentication-Results, the consumer servers among the receiver's own hops or in
 * X-MS-TrafficTypeDiagnostic / X-Microsoft-Exchange-Diagnostics (the servers that handled the
 * message; undocumented, read only for server names). Otherwise a tenant: Microsoft 365.
 */
function microsoftKind(reading: Omit<HeaderFactsReading, 'receivingSystem' | 'gateway' | 'facts'>) {
  const { fields } = reading.headers;
  const tenant = (
    bottommost(fields, 'X-MS-Exchange-CrossTenant-Id') ??
    bottommost(fields, 'X-EOPTenantAttributedMessage') ??
    ''
  )
    .trim()
    .toLowerCase();
  if (tenant) return tenant.startsWith(OUTLOOK_COM_TENANT_ID) ? 'outlook-com' : 'microsoft-365';
  const domain = reading.auth?.dialect === 'microsoft' ? reading.auth.authservId : null;
  if (domain) return isOutlookComDomain(domain) ? 'outlook-com' : 'microsoft-365';
  const { trace } = reading;
  const hosts: (string | null)[] = [];
  trace.receiverHops.forEach(({ hop }, i) => {
    hosts.push(hop.by);
    // The entry hop's sending host is outside the receiving organisation.
    if (i !== trace.entry) hosts.push(hop.helo, hop.rdns);
  });
  const diagnostics = [
    topmost(fields, 'X-MS-TrafficTypeDiagnostic'),
    topmost(fields, 'X-Microsoft-Exchange-Diagnostics'),
  ];
  for (const value of diagnostics) if (value) hosts.push(...value.split(/[\s|:;,]+/));
  return hosts.some((host) => isOutlookComHost(host)) ? 'outlook-com' : 'microsoft-365';
}

/**
 * Consumer Gmail or a Google Workspace domain: the recipient the receiver delivered to
 * (Delivered-To and X-Original-To, written on final delivery; the "for" clause of its own hops,
 * RFC 5321 §4.4) is at gmail.com / googlemail.com, or at another domain. Google stamps its other
 * fields alike for both, so without any recipient the reading is consumer Gmail.
 */
function googleKind(reading: Omit<HeaderFactsReading, 'receivingSystem' | 'gateway' | 'facts'>) {
  const { fields } = reading.headers;
  const recipients = [
    ...receiverValues(fields, reading.trace, 'Delivered-To'),
    ...receiverValues(fields, reading.trace, 'X-Original-To'),
  ]
    .map((value) => parseMailAddress(value)?.domain ?? null)
    .concat(
      reading.trace.receiverHops.map(
        ({ value }) => receivedFor(value)?.replace(/^.*@/, '') ?? null,
      ),
    );
  const domain = recipients.find((d): d is string => Boolean(d));
  return domain && !isGmailConsumerDomain(domain) ? 'google-workspace' : 'gmail-consumer';
}

function providerSystem(
  provider: MailboxProvider,
  reading: Omit<HeaderFactsReading, 'receivingSystem' | 'gateway' | 'facts'>,
): ReceivingSystemId {
  if (provider === 'microsoft') return microsoftKind(reading);
  if (provider === 'google') return googleKind(reading);
  return provider;
}

/**
 * The receiving system, from the strongest sign to the weakest: a provider's server among the
 * receiver's own hops (the topmost, the mailbox, before a gateway), the receiver's
 * Authentication-Results (its authserv-id, or Microsoft's dialect), Exchange Online's own
 * fields, the receiver's ARC set (Gmail and Exchange Online seal on arrival), the recipient's
 * mailbox domain; then the filter software that stamped it: Rspamd (its fields, or its
 * Authentication-Results style "dmarc=pass (policy=reject)" from lua_auth_results.lua, or a
 * lone spam flag that SpamAssassin never writes without its X-Spam-Status), SpamAssassin's own
 * Checker-Version field (a site running it next to its MTA, typically Postfix); else other.
 */
function receivingSystemOf(
  reading: Omit<HeaderFactsReading, 'receivingSystem' | 'gateway' | 'facts'>,
): ReceivingSystemId {
  const { fields } = reading.headers;
  const { trace, auth } = reading;
  for (const { hop } of trace.receiverHops) {
    const provider = providerOfHost(hop.by);
    if (provider) return providerSystem(provider, reading);
  }
  const authProvider = providerOfHost(auth?.authservId?.replace(/\/.*$/, ''));
  if (authProvider) return providerSystem(authProvider, reading);
  if (reading.exchange) return microsoftKind(reading);
  const arcResults = receiverValues(fields, trace, 'ARC-Authentication-Results')[0];
  const arcId = arcResults
    ? parseAuthenticationResults(arcResults.replace(/^\s*i\s*=\s*\d+\s*;/i, '')).authservId
    : null;
  const sealers = ['ARC-Seal', 'ARC-Message-Signature'].map(
    (name) => /\bd\s*=\s*([^\s;]+)/.exec(receiverValues(fields, trace, name)[0] ?? '')?.[1] ?? null,
  );
  for (const host of [arcId, ...sealers]) {
    const provider = providerOfHost(host);
    if (provider === 'google' || provider === 'microsoft') return providerSystem(provider, reading);
  }
  const mailbox = parseMailAddress(receiverValues(fields, trace, 'Delivered-To')[0])?.domain;
  if (isGmailConsumerDomain(mailbox)) return 'gmail-consumer';
  if (isOutlookComDomain(mailbox)) return 'outlook-com';

  const filters = reading.filters.map((r) => r.filter);
  const rspamdStyle = (auth?.results ?? []).some(
    (r) =>
      r.method === 'dmarc' && r.comments.some((c) => /^policy=(reject|quarantine|none)$/i.test(c)),
  );
  if (filters.includes('rspamd') || rspamdStyle || filters.includes('x-spam')) return 'rspamd';
  if (isSpamAssassinChecker(receiverValues(fields, trace, 'X-Spam-Checker-Version')[0] ?? null)) {
    return 'postfix-spamassassin';
  }
  return 'other';
}

// ---------------------------------------------------------------------------------------------
// The sending IP as the receiving edge saw it.

function publicIp(ip: string | null | undefined): string | null {
  if (!ip) return null;
  const bare = ip.trim().replace(/^\[|\]$/g, '');
  return isIpAddress(bare) && !isPrivateIp(bare) ? bare.toLowerCase() : null;
}

/**
 * The address the receiving system recorded itself: Exchange Online's CIP
 * (X-Forefront-Antispam-Report, message-headers-eop-mdo) and its X-Sender-IP (undocumented,
 * the same address on every published Exchange Online block that has both), the client-ip of its Received-SPF (RFC 7208
 * §9.1) or the address named in its comment, the address in its SPF result's comment ("sender
 * IP is …", "designates … as permitted sender"), the iprev / arc smtp.remote-ip property
 * (RFC 8601 §2.7.3). A private or reserved address is never what an internet edge saw (a
 * placeholder, or Exchange's CIP:255.255.255.255 for internal submissions).
 */
function receiverRecordedIp(
  reading: Omit<HeaderFactsReading, 'receivingSystem' | 'gateway' | 'facts'>,
): string | null {
  const { fields } = reading.headers;
  const exchange = reading.exchange
    ? [
        /\bCIP:\s*\[?([0-9A-Fa-f:.]+)\]?/.exec(
          topmost(fields, 'X-Forefront-Antispam-Report') ?? '',
        )?.[1],
        topmost(fields, 'X-Sender-IP'),
      ]
    : [];
  const results = reading.auth?.results ?? [];
  const spf = spfResultOf(results);
  const candidates = [
    ...exchange.slice(0, 1),
    reading.receivedSpf?.clientIp,
    ipInSpfComment(spf),
    ...results.map(
      (r) => r.props['smtp.remote-ip'] ?? r.props['smtp.client-ip'] ?? r.props['policy.iprev'],
    ),
    ...exchange.slice(1),
    ipInSpfText(receiverValues(fields, reading.trace, 'Received-SPF')[0] ?? ''),
  ];
  for (const candidate of candidates) {
    const ip = publicIp(candidate);
    if (ip) return ip;
  }
  return null;
}

/**
 * The sending IP as the receiving organisation's edge saw it. Behind a filtering gateway the
 * edge is the gateway's, so the hop into the gateway decides (what the mailbox system itself
 * recorded is the gateway's address). Otherwise the receiving system's own record, else the
 * entry hop's address.
 */
function edgeIpOf(
  reading: Omit<HeaderFactsReading, 'receivingSystem' | 'gateway' | 'facts'>,
): string | null {
  const entryIp = publicIp(reading.trace.hops[reading.trace.entry]?.hop.ip);
  if (reading.trace.gateway && entryIp) return entryIp;
  return reading.connectingIp ?? entryIp;
}

// ---------------------------------------------------------------------------------------------
// Putting it together.

function authorDomainOf(headers: MessageHeaders, auth: TrustedAuthResults | null): string | null {
  if (headers.from?.domain) return headers.from.domain;
  const dmarc = auth?.results.find((r) => r.method === 'dmarc');
  return dmarc?.props['header.from']?.toLowerCase() ?? null;
}

/** Reads the facts and keeps what it read. Never throws. */
export function readHeaderFacts(input: unknown): HeaderFactsReading {
  const headers = readMessageHeaders(input);
  const { fields } = headers;
  let trace = traceReceived(fields);
  let auth = receiverAuthResults(fields, trace);
  if (trace.gateway) {
    // The walk went through a gateway: make sure it is the receiver's and not the sender's.
    const spf = spfResultOf(auth?.results ?? []);
    const spfIp = ipInSpfComment(spf) ?? receiverReceivedSpf(fields, trace)?.clientIp ?? null;
    const senders = senderGatewayIps(fields, trace, { result: spf?.result ?? null, ip: spfIp });
    if (senders.size > 0) {
      trace = traceReceived(fields, { senderGatewayIps: senders });
      auth = receiverAuthResults(fields, trace);
    }
  }
  const exchange = exchangeReceives(fields, trace, auth);
  // No stamp above the boundary of an Exchange Online receiver: Exchange wrote this copy out again
  // (an item attached in Outlook), every Received field first, then the other fields in an order
  // of its own, its inbound stamp among them (exchangeInboundAuthResults).
  const rewritten = exchange && auth === null;
  if (rewritten) auth = exchangeInboundAuthResults(fields);
  const trusted = new Set(fields.slice(0, trace.boundary).map((f) => f.name.toLowerCase()));
  const exchangeOwn =
    /^(x-forefront-antispam-report|x-ms-exchange-organization-scl|x-microsoft-antispam-mailbox-delivery)$/i;
  // In such a copy the position no longer tells the receiving gateway's verdict from the
  // sender's own gateway's: the receiver's gateway (the trace went through it) is read when the
  // block holds a single copy of its field. A receiving gateway stamps its own verdict on what it
  // passes on; a second copy would be another organisation's, and then none is read.
  const gatewayOwn = new Set(
    (rewritten && auth !== null && trace.gateway
      ? (GATEWAY_VERDICT_FIELDS[trace.gateway] ?? [])
      : []
    ).map((name) => name.toLowerCase()),
  );
  const lookup = (name: string): string | null => {
    if (exchangeOwn.test(name)) return exchange ? topmost(fields, name) : null;
    if (gatewayOwn.has(name.toLowerCase())) {
      const copies = fields.filter((f) => f.name.toLowerCase() === name.toLowerCase());
      return copies.length === 1 ? (copies[0] as HeaderField).value : null;
    }
    return trusted.has(name.toLowerCase())
      ? (receiverValues(fields, trace, name)[0] ?? null)
      : null;
  };
  const filters = readSpamFilters(lookup, exchange);
  const base = {
    headers,
    trace,
    auth,
    receivedSpf: receiverReceivedSpf(fields, trace),
    exchange,
    filters,
    connectingIp: null as string | null,
    authorDomain: authorDomainOf(headers, auth),
  };
  base.connectingIp = receiverRecordedIp(base);

  const results = auth?.results ?? [];
  const spf = spfResultOf(results);
  const verdictFrom = filters.find((r) => r.verdict !== null);
  const gatewayFilter = filters.find((r) => r.gateway !== null)?.gateway ?? null;
  const gatewaySystem = trace.gateway ?? gatewayFilter;
  const facts: EmailFacts = {
    spf: vocabulary(spf?.result) ?? (spf ? null : vocabulary(base.receivedSpf?.result)),
    dkim: vocabulary(dkimResultOf(results, base.authorDomain)),
    dmarc: dmarcVocabulary(results.find((r) => r.method === 'dmarc')?.result),
    sendingIp: edgeIpOf(base),
    spamVerdict: verdictFrom?.verdict ?? null,
    allowOverride: filters.find((r) => r.override !== null)?.override ?? null,
    forwarded: wasForwarded({ fields, trace, auth, authorDomain: base.authorDomain }),
    placementHint: filters.find((r) => r.placement !== null)?.placement ?? null,
  };
  return {
    ...base,
    receivingSystem: receivingSystemOf(base),
    gateway: gatewaySystem && isGatewaySystem(gatewaySystem) ? (gatewaySystem as GatewayId) : null,
    facts,
  };
}

/** The corpus facts of a raw header block (or a mailbox API's `[{ name, value }]` list). */
export function headerFacts(raw: unknown): HeaderFacts {
  const { receivingSystem, gateway, facts } = readHeaderFacts(raw);
  return { receivingSystem, gateway, facts };
}
