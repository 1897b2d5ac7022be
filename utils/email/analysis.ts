/**
 * The email check's analysis: a message's headers (and, from a mailbox API, its folder or
 * labels and arrival time) in, `EmailEvidence` out; and `explainHeaders` for pasted headers
 * (the CLI's `raftr-diag explain` and the paste-headers page).
 *
 * Reading the headers is utils/email/headers/facts.ts's job (with the trust boundary in
 * utils/email/headers/trust.ts, the filters' fields in utils/email/headers/spam-headers.ts and forwarding in
 * utils/email/headers/forwarding.ts); this module folds those facts into the evidence the diagnostic
 * code carries, and adds what only Raftr's own check needs (whether the sending IP is one of
 * Raftr's, the delay).
 *
 * Sources: shared/reference/email.md, RFC 8601 (Authentication-Results), RFC 5321 §4.4
 * (Received), https://learn.microsoft.com/defender-office-365/message-headers-eop-mdo
 * (X-Forefront-Antispam-Report, X-Microsoft-Antispam).
 *
 * Pure: no `browser.*`, no Node APIs.
 */

import { ENTRIES, isRaftrHost } from '../profile';
import {
  AUTH_VERDICTS,
  type AuthVerdict,
  type DelayBand,
  type EmailEvidence,
  type EmailSource,
  type FilterVerdict,
  type MailSystemId,
  type Placement,
  type SendingIpMatch,
  UNKNOWN_EMAIL_EVIDENCE,
} from './evidence';
import { type EmailFinding, emailFindings } from './findings';
import { type HeaderFacts, type HeaderFactsReading, readHeaderFacts } from './headers/facts';
import {
  type ForefrontReport,
  type HeaderField,
  type HeaderProblem,
  type MessageHeaders,
  parseForefrontReport,
  parseMicrosoftAntispam,
} from './headers/parse';
import type { SpamVerdict } from './headers/spam-headers';
import { isMailboxPlatform, type ReceivingSystemId } from './mail-systems';

// ---------------------------------------------------------------------------------------------
// Placement.

/**
 * Gmail labels (https://developers.google.com/workspace/gmail/api/guides/labels): SPAM is the
 * spam folder, TRASH the bin; INBOX (with or without a CATEGORY_* tab) is the inbox; a message
 * with neither was archived or moved by a filter.
 */
export function placementFromGmailLabels(labelIds: readonly string[]): Placement {
  const labels = new Set(labelIds.map((l) => String(l).toUpperCase()));
  if (labels.has('SPAM')) return 'spam';
  if (labels.has('TRASH')) return 'trash';
  if (labels.has('INBOX')) return 'inbox';
  return 'archived';
}

/**
 * Microsoft Graph well-known folder names
 * (https://learn.microsoft.com/graph/api/resources/mailfolder): inbox, junkemail, deleteditems
 * (display names such as "Junk Email" too); any other folder means a rule or the user moved it.
 */
export function placementFromGraphFolder(folder: string): Placement {
  const name = String(folder)
    .toLowerCase()
    .replace(/[\s_-]/g, '');
  if (name === 'inbox') return 'inbox';
  if (name === 'junkemail' || name === 'junk') return 'spam';
  if (name === 'deleteditems' || name === 'recoverableitemsdeletions') return 'trash';
  return 'archived';
}

/** What the headers alone say about where the message went. */
export type PlacementHint = 'inbox' | 'spam' | 'unknown';

// ---------------------------------------------------------------------------------------------
// Verdicts.

/**
 * One authentication result on the evidence's scale: RFC 8601's words as they are, with
 * Microsoft's DMARC `bestguesspass` kept apart (AUTH_VERDICTS says why each matters), RFC
 * 7601's older `hardfail` read as fail, and anything else (no result, an unregistered word)
 * unknown rather than guessed.
 */
export function authVerdictOf(result: string | null | undefined): AuthVerdict {
  const word = (result ?? '').toLowerCase();
  if (word === 'hardfail') return 'fail';
  return word !== 'unknown' && (AUTH_VERDICTS as readonly string[]).includes(word)
    ? (word as AuthVerdict)
    : 'unknown';
}

/**
 * The filter's verdict on the content. Exchange Online's blocked lists come first: `SFV:BLK`
 * (the user's Blocked Senders) and `SFV:SKB` (an anti-spam policy's blocked senders) explain a
 * junk placement by themselves, and allow-listing would not help
 * (learn.microsoft.com/defender-office-365/message-headers-eop-mdo). Otherwise the verdict the
 * filters stated (utils/email/headers/spam-headers.ts); an allow list that overrode it is
 * `allowOverride`, not a verdict. A bulk level (BCL) alone is not one: the tenant's own
 * threshold decides, and Exchange then stamps CAT:BULK.
 */
export function filterVerdictOf(
  report: ForefrontReport | null,
  spamVerdict: SpamVerdict | null,
): FilterVerdict {
  if (report?.sfv === 'BLK') return 'blocked-sender';
  if (report?.sfv === 'SKB') return 'blocked-by-policy';
  return spamVerdict ?? 'none';
}

function placementHintOf(facts: HeaderFacts['facts'], verdict: FilterVerdict): PlacementHint {
  if (facts.placementHint === 'inbox') return 'inbox';
  if (facts.placementHint === 'junk' || facts.placementHint === 'quarantine') return 'spam';
  // An allow list decided: the message goes to the inbox whatever the content verdict.
  if (facts.allowOverride !== null) return 'inbox';
  switch (verdict) {
    case 'blocked-sender':
    case 'blocked-by-policy':
    case 'spam':
    case 'high-confidence-spam':
    case 'bulk':
    case 'phish':
      return 'spam';
    case 'not-spam':
      return 'inbox';
    default:
      return 'unknown';
  }
}

/** Whether an address is one of Raftr's sending IPs (from the profile, never literals). */
export function sendingIpMatch(ip: string | null): SendingIpMatch {
  if (!ip) return 'unknown';
  const expected = ENTRIES['sending-ips'].values.map((v) => v.toLowerCase());
  return expected.includes(ip.toLowerCase()) ? 'expected' : 'other';
}

/**
 * Greylisting defers a first attempt for minutes to tens of minutes, so a quarter of an hour
 * separates "slow" from "held back". A negative delay within five minutes is clock skew.
 */
export function delayBandOf(delayMs: number | null): DelayBand {
  if (delayMs === null || !Number.isFinite(delayMs) || delayMs < -5 * 60_000) return 'unknown';
  if (delayMs < 60_000) return 'under-1m';
  if (delayMs < 15 * 60_000) return 'under-15m';
  return 'over-15m';
}

// ---------------------------------------------------------------------------------------------
// The path, from Raftr's side.

/**
 * The evidence's mailbox value of a receiving system: Outlook.com is Exchange Online as much as
 * Microsoft 365 is, consumer Gmail is Google's, and every other system is 'other' (the
 * evidence names only the two mailbox platforms and the gateways). 'unknown' when the headers
 * show no receiving system at all.
 */
function mailSystemOf(system: ReceivingSystemId, headers: MessageHeaders): MailSystemId {
  if (system === 'microsoft-365' || system === 'outlook-com') return 'microsoft-365';
  if (system === 'google-workspace' || system === 'gmail-consumer') return 'google-workspace';
  if (system !== 'other') return 'other';
  return headers.received.length > 0 || headers.authenticationResults.length > 0
    ? 'other'
    : 'unknown';
}

interface RaftrPath {
  /** The address that handed the message to the recipient's systems (SendGrid's, for Raftr). */
  originIp: string | null;
  /** A recognized filtering gateway, or 'other' for an unrecognized relay in front. */
  gateway: MailSystemId | null;
}

/**
 * The edge hop's address is what the recipient's systems saw. If it is not one of Raftr's but
 * a deeper hop's is, an unrecognized relay sits in front (an on-premises gateway, a forwarder):
 * Raftr's own address is then the origin, and the relay a gateway 'other'.
 */
function raftrPathOf(reading: HeaderFactsReading): RaftrPath {
  const { trace } = reading;
  const gateway: MailSystemId | null = reading.gateway;
  const edge = trace.hops[trace.entry];
  if (!edge) return { originIp: null, gateway };
  if (sendingIpMatch(edge.hop.ip) === 'other') {
    const deeper = trace.hops
      .slice(trace.entry + 1)
      .find(({ hop }) => sendingIpMatch(hop.ip) === 'expected');
    if (deeper) return { originIp: deeper.hop.ip, gateway: gateway ?? 'other' };
  }
  return { originIp: edge.hop.ip, gateway };
}

// ---------------------------------------------------------------------------------------------
// Headers → analysis.

export interface FilterFields {
  scl: number | null;
  sfv: string | null;
  cat: string | null;
  ipv: string | null;
  srv: string | null;
  bcl: number | null;
  cip: string | null;
}

export interface HeaderAnalysis {
  headers: MessageHeaders;
  auth: {
    spf: AuthVerdict;
    dkim: AuthVerdict;
    dmarc: AuthVerdict;
    /** Microsoft's composite authentication (`compauth=… reason=NNN`). */
    compauth: { result: string; reason: string | null } | null;
    /** Who stamped the results that were trusted; null for Microsoft's anonymous form. */
    authservId: string | null;
  };
  /** The mailbox system the headers show. */
  receivingSystem: MailSystemId;
  /** The gateway the hops or the gateway's own fields show, or null. */
  gateway: MailSystemId | null;
  /** The address that handed the message to the recipient's systems. */
  sendingIp: string | null;
  /** The address the final receiver saw (CIP, Received-SPF client-ip, the SPF comment). */
  connectingIp: string | null;
  filter: FilterFields | null;
  filterVerdict: FilterVerdict;
  placementHint: PlacementHint;
  /** When the message was written (Date) or, failing that, first received; epoch ms. */
  sentAt: number | null;
  /** When the final receiver got it (the topmost dated Received); epoch ms. */
  arrivedAt: number | null;
  /** The facts in the field's own vocabulary (utils/email/headers/facts.ts). */
  facts: HeaderFacts;
}

/** Exchange Online's own report and bulk level, when Exchange Online is the receiver. */
function exchangeFields(reading: HeaderFactsReading): {
  forefront: ForefrontReport | null;
  bcl: number | null;
} {
  if (!reading.exchange) return { forefront: null, bcl: null };
  const fields: readonly HeaderField[] = reading.headers.fields;
  const first = (name: string) =>
    fields.find((f) => f.name.toLowerCase() === name.toLowerCase())?.value ?? null;
  const forefront = first('X-Forefront-Antispam-Report');
  const antispam = first('X-Microsoft-Antispam');
  return {
    forefront: forefront === null ? null : parseForefrontReport(forefront),
    bcl: antispam === null ? null : parseMicrosoftAntispam(antispam).bcl,
  };
}

export function analyzeHeaders(input: unknown): HeaderAnalysis {
  const reading = readHeaderFacts(input);
  const { headers, facts } = reading;
  const compauth = reading.auth?.results.find((r) => r.method === 'compauth');
  const path = raftrPathOf(reading);
  const { forefront, bcl } = exchangeFields(reading);
  const filterVerdict = filterVerdictOf(forefront, facts.spamVerdict);
  const entryIp = reading.trace.hops[reading.trace.entry]?.hop.ip ?? null;
  const dated = headers.received.filter((h) => h.time !== null);
  return {
    headers,
    auth: {
      spf: authVerdictOf(facts.spf),
      dkim: authVerdictOf(facts.dkim),
      dmarc: authVerdictOf(facts.dmarc),
      compauth: compauth ? { result: compauth.result, reason: compauth.reason } : null,
      authservId: reading.auth?.authservId ?? null,
    },
    receivingSystem: mailSystemOf(reading.receivingSystem, headers),
    gateway: path.gateway,
    sendingIp: path.originIp,
    connectingIp: reading.connectingIp ?? entryIp ?? path.originIp,
    filter:
      forefront || bcl !== null
        ? {
            scl: forefront?.scl ?? null,
            sfv: forefront?.sfv ?? null,
            cat: forefront?.cat ?? null,
            ipv: forefront?.ipv ?? null,
            srv: forefront?.srv ?? null,
            bcl,
            cip: forefront?.cip ?? null,
          }
        : null,
    filterVerdict,
    placementHint: placementHintOf(facts, filterVerdict),
    sentAt: headers.date ?? dated[dated.length - 1]?.time ?? null,
    arrivedAt: dated[0]?.time ?? null,
    facts: {
      receivingSystem: reading.receivingSystem,
      gateway: reading.gateway,
      facts,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// analyzeMessage: everything known about one message → evidence.

export interface AnalyzeMessageInput {
  /** The raw header block, or the API's `[{ name, value }]` list; absent when nothing arrived. */
  headers?: string | readonly HeaderField[] | null;
  /** Where it was, when the caller knows it directly (or 'missing' when it never arrived). */
  placement?: Placement;
  /** Gmail API `labelIds`. */
  labelIds?: readonly string[];
  /** Microsoft Graph folder: a well-known name (inbox, junkemail, deleteditems) or another. */
  folder?: string;
  /** When Raftr was asked to send it, epoch ms (better than the Date header Raftr writes). */
  sentAt?: number;
  /** When the mailbox got it, epoch ms: Gmail `internalDate`, Graph `receivedDateTime`. */
  receivedAt?: number;
  /** The mailbox platform, from the API that found the message (Gmail → google-workspace). */
  mailboxSystem?: MailSystemId;
  /** The system behind the mail domain's MX records (`systemOfMxHosts`). */
  mxSystem?: MailSystemId;
  source?: EmailSource;
}

/**
 * The fields that say how a message travelled: servers add them on the way (RFC 5321 §4.4,
 * RFC 8601, RFC 7208 §9.1, RFC 6376).
 */
const TRACE_FIELD =
  /^(received|authentication-results|arc-authentication-results|received-spf|return-path|delivered-to|dkim-signature)$/i;

/**
 * Whether the input is a message's headers: a trace field, or anything the header analysis
 * could read (a filter's verdict, a receiving system, a gateway). A paste with neither (a link
 * to the message, a note, the visible From and Subject lines) explains nothing: it is
 * unreadable, never "delivered".
 */
function hasHeaders(analysis: HeaderAnalysis): boolean {
  const { receivingSystem, gateway, facts } = analysis.facts;
  const read =
    receivingSystem !== 'other' ||
    gateway !== null ||
    facts.forwarded ||
    [facts.spf, facts.dkim, facts.dmarc, facts.sendingIp, facts.spamVerdict].some(
      (f) => f !== null,
    ) ||
    facts.allowOverride !== null ||
    facts.placementHint !== null;
  return read || analysis.headers.fields.some((field) => TRACE_FIELD.test(field.name));
}

function placementOf(input: AnalyzeMessageInput, analysis: HeaderAnalysis): Placement {
  if (input.placement) return input.placement;
  if (input.labelIds) return placementFromGmailLabels(input.labelIds);
  if (input.folder !== undefined) return placementFromGraphFolder(input.folder);
  if (!hasHeaders(analysis)) return 'missing';
  // The message is at hand, so it arrived. Without a folder or label, the headers' hint
  // decides; when they say nothing (Gmail keeps spam in a label), it counts as delivered.
  return analysis.placementHint === 'spam' ? 'spam' : 'inbox';
}

/** The mailbox platform: the caller's knowledge first, then the headers, then the MX records. */
function mailboxOf(input: AnalyzeMessageInput, analysis: HeaderAnalysis): MailSystemId {
  const given = input.mailboxSystem ?? 'unknown';
  const fromHeaders = analysis.receivingSystem;
  const mx = input.mxSystem ?? 'unknown';
  for (const candidate of [given, fromHeaders, mx])
    if (isMailboxPlatform(candidate)) return candidate;
  for (const candidate of [given, fromHeaders, mx]) if (candidate !== 'unknown') return 'other';
  return 'unknown';
}

/**
 * The gateway: what the hops show first; else the MX records when they name another system
 * than the mailbox (a gateway product, an unrecognized on-premises MX, or the other platform).
 */
function gatewayOf(input: AnalyzeMessageInput, analysis: HeaderAnalysis, mailbox: MailSystemId) {
  if (analysis.gateway) return analysis.gateway;
  const mx = input.mxSystem ?? 'unknown';
  if (mx !== 'unknown' && mx !== mailbox) return mx;
  return 'unknown';
}

/**
 * The sending IP as evidence. Without hops, the address the final receiver saw stands in for
 * it, except behind a gateway, where that address is the gateway's.
 */
function sendingIpOf(analysis: HeaderAnalysis, gateway: MailSystemId): SendingIpMatch {
  if (analysis.sendingIp) return sendingIpMatch(analysis.sendingIp);
  const seen = sendingIpMatch(analysis.connectingIp);
  return gateway !== 'unknown' && seen === 'other' ? 'unknown' : seen;
}

function delayOf(input: AnalyzeMessageInput, analysis: HeaderAnalysis): DelayBand {
  const sent = input.sentAt ?? analysis.sentAt;
  const arrived = input.receivedAt ?? analysis.arrivedAt;
  return sent === null || arrived === null ? 'unknown' : delayBandOf(arrived - sent);
}

function evidenceOf(input: AnalyzeMessageInput, analysis: HeaderAnalysis): EmailEvidence {
  const mailbox = mailboxOf(input, analysis);
  const gateway = gatewayOf(input, analysis, mailbox);
  const placement = placementOf(input, analysis);
  if (placement === 'missing') {
    return {
      ...UNKNOWN_EMAIL_EVIDENCE,
      source: input.source ?? 'mailbox',
      mailbox,
      gateway,
    };
  }
  return {
    source: input.source ?? 'mailbox',
    placement,
    spf: analysis.auth.spf,
    dkim: analysis.auth.dkim,
    dmarc: analysis.auth.dmarc,
    sendingIp: sendingIpOf(analysis, gateway),
    mailbox,
    gateway,
    filterVerdict: analysis.filterVerdict,
    allowOverride: analysis.facts.facts.allowOverride ?? 'none',
    forwarded: analysis.facts.facts.forwarded,
    delay: delayOf(input, analysis),
  };
}

/** Everything known about one message, as the diagnostic code's evidence. */
export function analyzeMessage(input: AnalyzeMessageInput): EmailEvidence {
  return evidenceOf(input, analyzeHeaders(input.headers ?? ''));
}

// ---------------------------------------------------------------------------------------------
// explainHeaders: the paste-headers page and `raftr-diag explain`.

export interface ExplainReport {
  /** False when no header field could be read: then evidence and findings say nothing. */
  readable: boolean;
  auth: HeaderAnalysis['auth'];
  /** The address that handed the message to the recipient's systems. */
  sendingIp: string | null;
  /** Whether that is one of Raftr's sending IPs (profile entry 'sending-ips'). */
  sendingIpExpected: boolean;
  /** The address the final receiver saw (a gateway's, when there is one). */
  connectingIp: string | null;
  placementHint: PlacementHint;
  receivingSystem: MailSystemId;
  gateway: MailSystemId;
  /** Microsoft's verdict fields, when present. */
  filter: FilterFields | null;
  filterVerdict: FilterVerdict;
  /** SendGrid's markers (X-SG-EID, `(SG)` hops, an emNNNN return path) were found. */
  sendgrid: boolean;
  from: string | null;
  subject: string | null;
  messageId: string | null;
  /** Epoch ms of the Date header. */
  date: number | null;
  /** Arrival minus sending, in ms, from the headers' own dates. */
  delayMs: number | null;
  /** Number of Received hops. */
  hops: number;
  evidence: EmailEvidence;
  findings: EmailFinding[];
  /** What the user should know about the input, as message ids (`headers_problem_*`). */
  problems: HeaderProblem[];
  /**
   * The header facts in the field's own vocabulary, shaped as the email header corpus
   * (tests/corpus/email/facts.json): receivingSystem, gateway, and spf, dkim, dmarc,
   * sendingIp, spamVerdict, allowOverride, forwarded, placementHint.
   */
  facts: HeaderFacts;
}

export interface ExplainOptions {
  /** Where the user found the message, when they say so (headers alone rarely tell for Gmail). */
  placement?: Placement;
  /** The system behind the mail domain's MX records, when it was looked up. */
  mxSystem?: MailSystemId;
}

/** Reads pasted headers; never throws: unreadable input gives `readable: false` and a problem. */
export function explainHeaders(raw: string, options: ExplainOptions = {}): ExplainReport {
  const analysis = analyzeHeaders(typeof raw === 'string' ? raw : String(raw ?? ''));
  const { headers } = analysis;
  const readable = hasHeaders(analysis);
  const problems = [...headers.problems];
  const input: AnalyzeMessageInput = {
    placement: options.placement,
    mxSystem: options.mxSystem,
    source: 'pasted-headers',
  };
  const note = (id: string, ...params: string[]) =>
    problems.push({ id: `headers_problem_${id}`, params });
  if (!readable && headers.fields.length > 0) note('no_trace');
  if (readable) {
    if (!headers.trustedAuth) note('no_auth_results');
    if (headers.received.length === 0) note('no_received');
    if (headers.from && !isRaftrHost(headers.from.domain)) note('not_raftr', headers.from.address);
    if (!options.placement && analysis.placementHint === 'unknown') note('placement_unknown');
  }
  const evidence = readable
    ? evidenceOf(input, analysis)
    : { ...UNKNOWN_EMAIL_EVIDENCE, source: 'pasted-headers' as const };
  const delayMs =
    analysis.sentAt !== null && analysis.arrivedAt !== null
      ? analysis.arrivedAt - analysis.sentAt
      : null;
  return {
    readable,
    auth: analysis.auth,
    sendingIp:
      analysis.sendingIp ?? (evidence.sendingIp === 'unknown' ? null : analysis.connectingIp),
    sendingIpExpected: evidence.sendingIp === 'expected',
    connectingIp: analysis.connectingIp,
    placementHint: analysis.placementHint,
    receivingSystem: readable ? evidence.mailbox : 'unknown',
    gateway: readable ? evidence.gateway : 'unknown',
    filter: analysis.filter,
    filterVerdict: analysis.filterVerdict,
    sendgrid: headers.sendgrid.sendgrid,
    from: headers.from?.address ?? null,
    subject: headers.subject,
    messageId: headers.messageId,
    date: headers.date,
    delayMs,
    hops: headers.received.length,
    evidence,
    findings: readable ? emailFindings(evidence) : [],
    problems,
    facts: analysis.facts,
  };
}
