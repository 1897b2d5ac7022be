/**
 * The spam filters' own verdicts, read from the fields each product writes: Exchange Online
 * (Microsoft 365 and Outlook.com), SpamAssassin, Rspamd, and the filtering gateways campuses put
 * in front of their mailboxes (Proofpoint, Mimecast, Barracuda, Cisco Secure Email, Sophos,
 * Symantec/Broadcom, Trend Micro). Each reading keeps three things apart: the filter's verdict
 * on the content, an allow list that overrode it, and where the filter says the message went.
 *
 * The caller decides which fields are the receiving organisation's own (utils/email/headers/trust.ts):
 * this module reads only what it is given.
 *
 * Pure: no `browser.*`, no Node APIs.
 */
import type { MailSystemId } from '../evidence';
import { parseForefrontReport } from './parse';

/** The filter's verdict on the content. */
export type SpamVerdict = 'not-spam' | 'spam' | 'high-confidence-spam' | 'bulk' | 'phish';

/** An allow list that let the message through whatever the verdict. */
export type AllowOverride = 'user-safe-sender' | 'org-allow';

/** Where the filter says the message went. */
export type PlacementFact = 'inbox' | 'junk' | 'quarantine';

/** Which product wrote the fields read. */
export type SpamFilter =
  | 'exchange-online'
  | 'spamassassin'
  | 'rspamd'
  | 'x-spam'
  | 'barracuda'
  | 'proofpoint'
  | 'mimecast'
  | 'cisco'
  | 'sophos'
  | 'symantec'
  | 'trend-micro';

export interface FilterReading {
  filter: SpamFilter;
  verdict: SpamVerdict | null;
  override: AllowOverride | null;
  placement: PlacementFact | null;
  /** The gateway product this reading identifies, for the gateway products only. */
  gateway: MailSystemId | null;
}

/** A field value by name (any case): the topmost of the fields the caller trusts, or null. */
export type FieldLookup = (name: string) => string | null;

function reading(filter: SpamFilter, gateway: MailSystemId | null = null): FilterReading {
  return { filter, verdict: null, override: null, placement: null, gateway };
}

function keyValues(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of value.slice(0, 16384).split(';')) {
    const colon = part.indexOf(':');
    if (colon <= 0) continue;
    const key = part.slice(0, colon).trim().toUpperCase();
    if (/^[A-Z0-9-]+$/.test(key)) out[key] ??= part.slice(colon + 1).trim();
  }
  return out;
}

function numberIn(value: string | undefined): number | null {
  const match = /^\s*(-?\d+(?:\.\d+)?)/.exec(value ?? '');
  return match ? Number(match[1]) : null;
}

// ---------------------------------------------------------------------------------------------
// Exchange Online.

/**
 * Microsoft's spam confidence level
 * (https://learn.microsoft.com/defender-office-365/anti-spam-spam-confidence-level-scl-about):
 * -1 skipped filtering (an allow list: no verdict of its own), 0 and 1 not spam, 5 and 6 spam,
 * 7 to 9 high confidence spam; 2 to 4 are not stamped and count as not spam.
 */
export function verdictOfScl(scl: number | null): SpamVerdict | null {
  if (scl === null || scl < 0) return null;
  if (scl >= 7) return 'high-confidence-spam';
  if (scl >= 5) return 'spam';
  return 'not-spam';
}

/**
 * The categories of X-Forefront-Antispam-Report `CAT:`
 * (https://learn.microsoft.com/defender-office-365/message-headers-eop-mdo): phishing,
 * impersonation and spoofing are anti-phishing verdicts; HSPM high confidence spam; BULK bulk;
 * SPM and OSPM (outbound) spam. Malware and the rest are not spam verdicts.
 */
function verdictOfCategory(cat: string | null, scl: number | null): SpamVerdict | null {
  switch (cat) {
    case 'PHSH':
    case 'HPHSH':
    case 'HPHISH':
    case 'SPOOF':
    case 'GIMP':
    case 'UIMP':
    case 'DIMP':
    case 'BIMP':
    case 'INTOS':
      return 'phish';
    case 'HSPM':
      return 'high-confidence-spam';
    case 'BULK':
      return 'bulk';
    case 'SPM':
    case 'OSPM':
      return scl !== null && scl >= 7 ? 'high-confidence-spam' : 'spam';
    default:
      return null;
  }
}

/**
 * Exchange Online's verdict. X-Forefront-Antispam-Report (Microsoft 365;
 * learn.microsoft.com/defender-office-365/message-headers-eop-mdo) says why filtering was
 * skipped: `SFV:SFE` the user's Safe Senders, `SFV:SKA` an anti-spam policy's allowed senders,
 * `SFV:SKN` a mail flow rule that set SCL -1, `IPV:CAL` the connection filter's IP Allow List;
 * `SFV:BLK`/`SKB` blocked senders and `SFV:SKS` a rule that set spam are spam; otherwise CAT and
 * SCL give the verdict. Outlook.com writes no such report: its verdict is
 * X-MS-Exchange-Organization-SCL alone. X-Microsoft-Antispam-Mailbox-Delivery (undocumented,
 * see github.com/MicrosoftDocs/OfficeDocs-o365seccomp/issues/442) says where the mailbox put it,
 * `dest:I` the inbox and `dest:J` (`RF:JunkEmail`) Junk; `OFR:TrustedSenderList` with `dest:I`
 * is the recipient's safe-senders list overriding a spam verdict. Its `wl:1` alone only says a
 * list matched: with `dest:J` the verdict still won. BCL (X-Microsoft-Antispam) is the bulk
 * level, not a verdict.
 */
export function readExchangeOnline(get: FieldLookup): FilterReading | null {
  const forefrontValue = get('X-Forefront-Antispam-Report');
  const orgScl = numberIn(get('X-MS-Exchange-Organization-SCL') ?? undefined);
  const deliveryValue = get('X-Microsoft-Antispam-Mailbox-Delivery');
  if (forefrontValue === null && orgScl === null && deliveryValue === null) return null;
  const out = reading('exchange-online');
  if (forefrontValue !== null) {
    const report = parseForefrontReport(forefrontValue);
    const scl = report.scl ?? (orgScl === null ? null : Math.trunc(orgScl));
    if (report.sfv === 'SFE') out.override = 'user-safe-sender';
    else if (report.sfv === 'SKA' || report.sfv === 'SKN' || report.ipv === 'CAL') {
      out.override = 'org-allow';
    } else if (report.sfv === 'BLK' || report.sfv === 'SKB' || report.sfv === 'SKS') {
      out.verdict = verdictOfCategory(report.cat, scl) ?? verdictOfScl(scl) ?? 'spam';
      if (out.verdict === 'not-spam') out.verdict = 'spam';
    } else {
      out.verdict =
        verdictOfCategory(report.cat, scl) ??
        (report.srv === 'BULK' ? 'bulk' : null) ??
        verdictOfScl(scl) ??
        (report.sfv === 'SPM' ? 'spam' : report.sfv === 'NSPM' ? 'not-spam' : null);
    }
  } else {
    out.verdict = verdictOfScl(orgScl === null ? null : Math.trunc(orgScl));
  }
  if (deliveryValue !== null) {
    const delivery = keyValues(deliveryValue);
    const dest = (delivery.DEST ?? '').toUpperCase();
    if (dest === 'I') out.placement = 'inbox';
    else if (dest === 'J' || /junk/i.test(delivery.RF ?? '')) out.placement = 'junk';
    if (dest === 'I' && /^TrustedSenderList$/i.test(delivery.OFR ?? '')) {
      out.override ??= 'user-safe-sender';
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// SpamAssassin and the X-Spam-* fields other filters imitate.

/**
 * SpamAssassin's default fields (Mail::SpamAssassin::Conf, `add_header`,
 * https://spamassassin.apache.org/full/4.0.x/doc/Mail_SpamAssassin_Conf.html): "X-Spam-Status:
 * Yes|No, score=… required=…", "X-Spam-Flag: YES" on spam and "X-Spam-Checker-Version:
 * SpamAssassin 3.4.0 (2014-02-07) on host". hMailServer rewrites the status as "18.8/5.0"
 * (score over the required score); Exim's spam ACL and Rspamd's milter write "X-Spam: Yes" or
 * "X-Spam-Flag: YES" alone.
 */
export function readXSpam(get: FieldLookup): FilterReading | null {
  const flag = get('X-Spam-Flag');
  const status = get('X-Spam-Status');
  const plain = get('X-Spam');
  const checker = get('X-Spam-Checker-Version');
  if (flag === null && status === null && plain === null) return null;
  const standard =
    checker !== null && /^\s*SpamAssassin\s+\S+\s+\([^)]*\)\s+on\s+\S+/i.test(checker);
  const out = reading(standard || status !== null ? 'spamassassin' : 'x-spam');
  const yesNo = (value: string | null) => {
    const word = /^\s*(yes|no|true|false)\b/i.exec(value ?? '')?.[1]?.toLowerCase();
    if (word === undefined) return null;
    return word === 'yes' || word === 'true';
  };
  let spam = yesNo(flag) ?? yesNo(status) ?? yesNo(plain);
  if (spam === null && status !== null) {
    const ratio = /^\s*(-?\d+(?:\.\d+)?)\s*\/\s*(-?\d+(?:\.\d+)?)/.exec(status);
    if (ratio) spam = Number(ratio[1]) >= Number(ratio[2]);
  }
  if (spam !== null) out.verdict = spam ? 'spam' : 'not-spam';
  return out;
}

/** SpamAssassin's own Checker-Version field: the site runs SpamAssassin itself. */
export function isSpamAssassinChecker(value: string | null): boolean {
  return value !== null && /^\s*SpamAssassin\s+\S+\s+\([^)]*\)\s+on\s+\S+/i.test(value);
}

// ---------------------------------------------------------------------------------------------
// Rspamd.

/** Rspamd's default "add header" threshold (https://rspamd.com/doc/configuration/metrics.html). */
const RSPAMD_ADD_HEADER = 6;

/** Rspamd's symbols in X-Spamd-Result: "NAME(score)[options]". */
export function rspamdSymbols(value: string | null): Map<string, string> {
  const symbols = new Map<string, string>();
  for (const match of (value ?? '').matchAll(/([A-Z][A-Z0-9_]+)\(-?[\d.]+\)(?:\[([^\]]*)\])?/g)) {
    symbols.set(match[1] as string, match[2] ?? '');
  }
  return symbols;
}

/**
 * Rspamd's fields (milter_headers module, https://rspamd.com/doc/modules/milter_headers.html):
 * X-Rspamd-Action names the action taken (no action, greylist, add header, rewrite subject,
 * soft reject, reject); "X-Spam: Yes" is its spam header; X-Spamd-Result "default: True|False
 * [score / reject]" says only whether the reject score was reached, so "False" is a not-spam
 * verdict only below the default add-header threshold.
 */
export function readRspamd(get: FieldLookup): FilterReading | null {
  const action = get('X-Rspamd-Action');
  const result = get('X-Spamd-Result');
  const score = get('X-Rspamd-Score');
  if (action === null && result === null && score === null) return null;
  const out = reading('rspamd');
  const spamHeader = /^\s*yes\b/i.test(get('X-Spam') ?? get('X-Spam-Flag') ?? '');
  const act = (action ?? '').trim().toLowerCase();
  if (/^(reject|soft reject|rewrite subject|add header)$/.test(act) || spamHeader) {
    out.verdict = 'spam';
  } else if (/^(no action|greylist)$/.test(act)) {
    out.verdict = 'not-spam';
  } else {
    const metric = /default:\s*(true|false)\s*\[\s*(-?[\d.]+)\s*\/\s*(-?[\d.]+)\s*\]/i.exec(
      result ?? '',
    );
    if (metric?.[1]?.toLowerCase() === 'true') out.verdict = 'spam';
    else if (metric && Number(metric[2]) < RSPAMD_ADD_HEADER) out.verdict = 'not-spam';
    else if (metric === null && score !== null && Number(numberIn(score)) < RSPAMD_ADD_HEADER) {
      out.verdict = 'not-spam';
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Gateways.

/**
 * Barracuda Email Security Gateway: "X-Barracuda-Spam-Status: Yes|No, SCORE=3.60 using per-user
 * scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=9.0 KILL_LEVEL=…" and "X-Barracuda-Spam-Flag: YES"
 * on tagged mail (campus.barracuda.com/product/emailsecuritygateway, "Quarantine: An Overview";
 * wiki.umiacs.umd.edu BarracudaSpamFirewall/Scoring). A score at or over the quarantine level
 * went to the Barracuda quarantine.
 */
export function readBarracuda(get: FieldLookup): FilterReading | null {
  const status = get('X-Barracuda-Spam-Status');
  const flag = get('X-Barracuda-Spam-Flag');
  if (status === null && flag === null) return null;
  const out = reading('barracuda', 'barracuda');
  const word = /^\s*(yes|no)\b/i.exec(status ?? '')?.[1]?.toLowerCase();
  if (word === 'yes' || /^\s*yes/i.test(flag ?? '')) out.verdict = 'spam';
  else if (word === 'no') out.verdict = 'not-spam';
  const score = Number(/SCORE=(-?[\d.]+)/i.exec(status ?? '')?.[1]);
  const quarantine = Number(/QUARANTINE_LEVEL=(-?[\d.]+)/i.exec(status ?? '')?.[1]);
  if (Number.isFinite(score) && Number.isFinite(quarantine) && score >= quarantine) {
    out.placement = 'quarantine';
  }
  return out;
}

/**
 * Proofpoint Protection Server: "X-Proofpoint-Spam-Details: rule=notspam policy=default
 * score=0 …" names the rule that classified the message (notspam, spam, bulk, phish, …); a rule
 * or policy called "outbound" is the sender's own Proofpoint scanning its outgoing mail, not a
 * receiving gateway. Proofpoint does not publish the field's format: the names are those of
 * published headers (inbound "rule=notspam policy=default" on mail to Proofpoint customers;
 * "rule=outbound_notspam policy=outbound" on IBM's outgoing mail in the corpus's lore sample).
 */
export function readProofpoint(get: FieldLookup): FilterReading | null {
  const details = get('X-Proofpoint-Spam-Details');
  if (details === null) return null;
  const rule = (/\brule=([\w-]+)/i.exec(details)?.[1] ?? '').toLowerCase();
  const policy = (/\bpolicy=([\w-]+)/i.exec(details)?.[1] ?? '').toLowerCase();
  if (rule.startsWith('outbound') || policy === 'outbound') return null;
  const out = reading('proofpoint', 'proofpoint');
  if (rule === 'notspam') out.verdict = 'not-spam';
  else if (rule === 'bulk') out.verdict = 'bulk';
  else if (rule === 'phish' || rule === 'impostor') out.verdict = 'phish';
  else if (rule === 'spam' || rule === 'suspect' || rule === 'adult') out.verdict = 'spam';
  return out;
}

/**
 * Mimecast: X-Mimecast-Spam-Signature ("yes", or "bulk") and X-Mimecast-Bulk-Signature mark a
 * signature match; X-Mimecast-Spam-Score is a score whose threshold is the customer's policy,
 * so on its own it identifies the gateway but gives no verdict. Mimecast does not publish the
 * fields' format: the values are those of published headers (Red Hat's lists, behind Mimecast).
 */
export function readMimecast(get: FieldLookup): FilterReading | null {
  const signature = get('X-Mimecast-Spam-Signature');
  const bulk = get('X-Mimecast-Bulk-Signature');
  const score = get('X-Mimecast-Spam-Score');
  if (signature === null && bulk === null && score === null) return null;
  const out = reading('mimecast', 'mimecast');
  if (/^\s*bulk/i.test(signature ?? '') || /^\s*yes/i.test(bulk ?? '')) out.verdict = 'bulk';
  else if (/^\s*yes/i.test(signature ?? '')) out.verdict = 'spam';
  return out;
}

/**
 * Cisco Secure Email (IronPort): "X-IronPort-Anti-Spam-Filtered: true" and an encoded
 * "X-IronPort-Anti-Spam-Result" that "is not customer-decodable" (Cisco AsyncOS for Email
 * User Guide, "Headers Added During Anti-Spam Scanning"): the gateway shows, its verdict does
 * not (sites add their own header for that).
 */
export function readCisco(get: FieldLookup): FilterReading | null {
  if (
    get('X-IronPort-Anti-Spam-Filtered') === null &&
    get('X-IronPort-Anti-Spam-Result') === null
  ) {
    return null;
  }
  return reading('cisco', 'cisco');
}

/**
 * Sophos (PureMessage, Email Appliance, the anti-spam SDK): "X-PMX-Spam: Gauge=…,
 * Probability=8%" / "X-SEA-Spam: …". Sophos treats 50% and over as spam and over 90% as
 * definitely spam (pmdocs.sophos.com, "Filtering On Probability Ranges").
 */
export function readSophos(get: FieldLookup): FilterReading | null {
  const value = get('X-PMX-Spam') ?? get('X-SEA-Spam') ?? get('X-Sophos-AntiSpam');
  if (value === null) return null;
  const out = reading('sophos', 'sophos');
  const probability = Number(/Probability=(\d+(?:\.\d+)?)%/i.exec(value)?.[1]);
  if (Number.isFinite(probability)) {
    out.verdict =
      probability > 90 ? 'high-confidence-spam' : probability >= 50 ? 'spam' : 'not-spam';
  }
  return out;
}

/**
 * Symantec / Broadcom Email Security.cloud (MessageLabs): "X-SpamReason: No, hits=0.0
 * required=7.0 tests=…" (SpamAssassin's Yes/No form), and X-Brightmail-Tracker from its
 * Brightmail engine; read as they appear in published headers (mail through
 * server-N.tower-N.messagelabs.com), the format is not published.
 */
export function readSymantec(get: FieldLookup): FilterReading | null {
  const reason = get('X-SpamReason');
  if (reason === null && get('X-Brightmail-Tracker') === null) return null;
  const out = reading('symantec', 'symantec');
  const word = /^\s*(yes|no)\b/i.exec(reason ?? '')?.[1]?.toLowerCase();
  if (word) out.verdict = word === 'yes' ? 'spam' : 'not-spam';
  return out;
}

/**
 * Trend Micro (Email Security, ScanMail, IMSS): "X-TMASE-Result: <type>-<score>-<threshold>"
 * (Trend Vision One, "Antispam Engine scan details"), spam when the score reaches the
 * threshold; "X-TM-AS-Result: Yes|No-…" in older products; "X-TM-AS-User-Approved-Sender: Yes"
 * when the sender is on the recipient's approved senders.
 */
export function readTrendMicro(get: FieldLookup): FilterReading | null {
  const result = get('X-TMASE-Result');
  const legacy = get('X-TM-AS-Result');
  if (result === null && legacy === null) return null;
  const out = reading('trend-micro', 'trend-micro');
  const scored = /^\s*\d+-(-?\d+(?:\.\d+)?)-(-?\d+(?:\.\d+)?)/.exec(result ?? '');
  if (scored) out.verdict = Number(scored[1]) >= Number(scored[2]) ? 'spam' : 'not-spam';
  else {
    const word = /^\s*(yes|no)\b/i.exec(legacy ?? '')?.[1]?.toLowerCase();
    if (word) out.verdict = word === 'yes' ? 'spam' : 'not-spam';
  }
  if (out.verdict === 'spam' && /^\s*yes/i.test(get('X-TM-AS-User-Approved-Sender') ?? '')) {
    out.override = 'user-safe-sender';
  }
  return out;
}

/**
 * The fields each gateway product writes its verdict in (the readers above): what a receiving
 * gateway stamps on the mail it passes to the mailbox.
 */
export const GATEWAY_VERDICT_FIELDS: Readonly<Partial<Record<MailSystemId, readonly string[]>>> = {
  barracuda: ['X-Barracuda-Spam-Status', 'X-Barracuda-Spam-Flag'],
  proofpoint: ['X-Proofpoint-Spam-Details'],
  mimecast: ['X-Mimecast-Spam-Signature', 'X-Mimecast-Bulk-Signature', 'X-Mimecast-Spam-Score'],
  cisco: ['X-IronPort-Anti-Spam-Filtered', 'X-IronPort-Anti-Spam-Result'],
  sophos: ['X-PMX-Spam', 'X-SEA-Spam', 'X-Sophos-AntiSpam'],
  symantec: ['X-SpamReason', 'X-Brightmail-Tracker'],
  'trend-micro': ['X-TMASE-Result', 'X-TM-AS-Result', 'X-TM-AS-User-Approved-Sender'],
};

/**
 * Every filter reading the given fields allow, the mailbox system's first: Exchange Online
 * (when `exchange` says the receiver is Exchange Online), then the receiver's own filter
 * software (Rspamd, SpamAssassin), then the gateways in front of it.
 */
export function readSpamFilters(get: FieldLookup, exchange: boolean): FilterReading[] {
  const readings: (FilterReading | null)[] = [
    exchange ? readExchangeOnline(get) : null,
    readRspamd(get),
    readXSpam(get),
    readBarracuda(get),
    readProofpoint(get),
    readMimecast(get),
    readCisco(get),
    readSophos(get),
    readSymantec(get),
    readTrendMicro(get),
  ];
  return readings.filter((r): r is FilterReading => r !== null);
}
