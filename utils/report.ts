/**
 * The words for findings and evidence, and the message for IT: one renderer for the popup,
 * the helpdesk page, the standalone decoder and the CLI. Values come from the findings (and
 * so from the profile); words come from the i18n catalog through a `Translate`.
 */
import type { DecodeFailure } from './diagnostic-code';
import type { EmailEvidence } from './email/evidence';
import { describeRemedies, type FindingWithRemedies } from './email/remedies';
import type { Evidence } from './evidence';
import { entryRef, type Finding, type FindingEntry, formatProtocol } from './finding';
import { messageName, resolveText, type Translate } from './i18n';
import { productName, type VerdictId } from './network/findings';
import { ENTRIES, PROBE_TARGET_IDS, type ProbeTargetId, probeTargets } from './profile';

export interface FindingText {
  title: string;
  body: string;
  steps: string;
  /** The fix addressed to IT (for the message for IT); the user's steps where none is written. */
  itSteps: string;
  system: string;
  entries: string[];
  /**
   * What the entries are: what IT must allow, or, for a setting in the user's own mailbox
   * (their Blocked Senders list, their own rule that archives or deletes), Raftr's addresses
   * that setting concerns: no allow entry of IT's changes it.
   */
  entriesHeading: string;
  /** The fix in the receiving system's own terms (email findings), one line per system. */
  remedies: RemedyLine[];
  /** One more line of evidence (what an unrecognised filter showed), or ''. */
  detail: string;
}

export interface RemedyLine {
  /** e.g. "Microsoft 365". */
  system: string;
  text: string;
}

export function describeEntry(entry: FindingEntry, t: Translate): string {
  return t('entry_line', [
    entry.values.join(', '),
    t(messageName('direction', entry.direction)),
    formatProtocol(entry),
  ]);
}

export function entryPurpose(entry: FindingEntry, t: Translate): string {
  return t(messageName('entry', entry.entryId, 'purpose'));
}

/** A mail system's label (`mail_system_<id>`); its id where the catalog has none. */
export function mailSystemLabel(system: string, t: Translate): string {
  return t(messageName('mail_system', system)) || system;
}

/**
 * An email finding's remedies in words (utils/email/findings.ts: `remedy_<system>_<action>`
 * messages, e.g. remedy_microsoft_365_allow_senders). A remedy without words is left out.
 */
function remediesOf(finding: Finding, t: Translate): RemedyLine[] {
  if (!Array.isArray((finding as Partial<FindingWithRemedies>).remedies)) return [];
  return describeRemedies(finding as FindingWithRemedies, t)
    .filter((remedy) => remedy.text !== '')
    .map((remedy) => ({
      system: remedy.systemName || mailSystemLabel(remedy.system, t),
      text: remedy.text,
    }));
}

export function describeFinding(finding: Finding, t: Translate): FindingText {
  const key = (part: string) => messageName('finding', finding.id, part);
  const steps = t(key('steps'), finding.params);
  return {
    title: t(key('title'), finding.params),
    body: t(key('body'), finding.params),
    steps,
    itSteps: t(key('it'), finding.params) || steps,
    system: t(messageName('system', finding.system)),
    entries: finding.entries.map((e) => `${describeEntry(e, t)} (${entryPurpose(e, t)})`),
    entriesHeading: t(finding.system === 'mailbox' ? 'entries_heading_mailbox' : 'entries_heading'),
    remedies: remediesOf(finding, t),
    detail: finding.detail ? t(finding.detail.id, finding.detail.params) : '',
  };
}

/** A probe's label, naming the host it reaches (from the profile). */
export function probeLabel(id: ProbeTargetId, t: Translate): string {
  const target = probeTargets().find((candidate) => candidate.id === id);
  return t(messageName('probe', id), target ? [new URL(target.url).host] : []);
}

export function verdictText(verdict: VerdictId, t: Translate): string {
  return t(messageName('verdict', verdict));
}

export interface ItMessageOptions {
  format: 'text' | 'markdown';
  /** The diagnostic code, when there is one, so IT and Raftr can decode the full result. */
  code?: string;
}

export function itMessageSubject(t: Translate): string {
  return t('it_message_subject');
}

/**
 * The ready-to-send message for IT: every entry with value, direction, protocol/port and
 * purpose, the fix in the concerned system's terms, and the diagnostic code.
 */
export function renderItMessage(
  findings: readonly Finding[],
  t: Translate,
  options: ItMessageOptions,
): string {
  const md = options.format === 'markdown';
  const problems = findings.filter((f) => f.severity !== 'ok');
  const lines: string[] = [];
  if (md) lines.push(`**${itMessageSubject(t)}**`, '');
  else lines.push(itMessageSubject(t), '');
  lines.push(problems.length ? t('it_message_intro') : t('it_message_all_clear'));
  problems.forEach((finding, index) => {
    const text = describeFinding(finding, t);
    lines.push('');
    lines.push(md ? `### ${index + 1}. ${text.title}` : `${index + 1}. ${text.title}`);
    // 'none' (unexplained, Raftr's own trouble) names no system to change.
    if (finding.system !== 'none') {
      lines.push(
        `${md ? '- **' : '   '}${t('it_message_system')}:${md ? '** ' : ' '}${text.system}`,
      );
    }
    lines.push(`${md ? '- ' : '   '}${text.body}`);
    if (text.detail) lines.push(`${md ? '- ' : '   '}${text.detail}`);
    for (const entry of text.entries) lines.push(md ? `  - \`${entry}\`` : `   - ${entry}`);
    if (text.itSteps) {
      lines.push(`${md ? '- **' : '   '}${t('it_message_fix')}:${md ? '** ' : ' '}${text.itSteps}`);
    }
    for (const remedy of text.remedies) {
      const label = t('it_message_in_system', [remedy.system]);
      lines.push(md ? `- **${label}:** ${remedy.text}` : `   ${label}: ${remedy.text}`);
    }
  });
  // The entries a browser cannot test (Raftr connecting to campus hosts) are in no finding,
  // yet IT needs them for integrations to work: every message ends with them (issue #11).
  const untestable = untestableEntriesLine(t, options.format);
  lines.push('', ...(untestable ? [untestable, ''] : []));
  if (options.code) {
    const code = md ? `\`${options.code}\`` : options.code;
    lines.push(t('it_message_code', [code]));
  }
  lines.push(t('it_message_source'));
  return lines.join('\n');
}

/** The catalog's entries no browser can test: inbound, from Raftr to the campus (profile.ts). */
export const UNTESTABLE_ENTRIES: readonly FindingEntry[] = Object.values(ENTRIES)
  .filter((entry) => !entry.testableFromBrowser)
  .map((entry) => entryRef(entry.id));

/**
 * "Also needed if you use Raftr integrations: 50.18.246.41 — inbound from Raftr to your hosts,
 * TCP 443, 80": the last part of every message for IT (one check's or many codes').
 */
export function untestableEntriesLine(t: Translate, format: 'text' | 'markdown'): string {
  const entries = UNTESTABLE_ENTRIES.map((entry) => describeEntry(entry, t));
  const list = format === 'markdown' ? entries.map((e) => `\`${e}\``) : entries;
  return t('allowlist_it_message_untestable', [list.join('; ')]);
}

/**
 * A `mailto:` URL (RFC 6068): the address as is (policy.ts only lets plain addr-specs
 * through), subject and body percent-encoded, line breaks as CRLF (RFC 6068 §5).
 */
export function mailtoLink(to: string, subject: string, body: string): string {
  const encode = (text: string) => encodeURIComponent(text.replace(/\r?\n/g, '\r\n'));
  return `mailto:${to}?subject=${encode(subject)}&body=${encode(body)}`;
}

// ---------------------------------------------------------------------------------------------
// The evidence itself, as the helpdesk page, the CLI and the popup's preview list it.

export interface EvidenceRow {
  /** Stable name of the field (test hooks, JSON). */
  field: string;
  label: string;
  value: string;
}

export interface EvidenceText {
  general: EvidenceRow[];
  network: EvidenceRow[] | null;
  email: EvidenceRow[] | null;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-03-02 14:00–15:00 UTC": the code keeps the hour, so the hour is what is shown. */
export function formatHourUtc(ms: number): string {
  const d = new Date(ms);
  const end = new Date(ms + 3_600_000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(
    d.getUTCHours(),
  )}:00–${pad(end.getUTCHours())}:00 UTC`;
}

export function browserText(browser: Evidence['browser'], t: Translate): string {
  const name = t(messageName('browser', browser.family));
  if (browser.major <= 0) return t('diag_browser_unknown_version', [name]);
  // An 'other' browser's major is the Chromium it is built on (utils/evidence.ts).
  if (browser.family === 'other') return t('diag_browser_other_version', [String(browser.major)]);
  return t('diag_browser_version', [name, String(browser.major)]);
}

function emailRows(email: EmailEvidence, t: Translate): EvidenceRow[] {
  const row = (field: keyof EmailEvidence, value: string): EvidenceRow => ({
    field,
    label: t(messageName('diag_email', field)),
    value,
  });
  const auth = (v: EmailEvidence['spf']) => t(messageName('diag_auth', v));
  return [
    row('placement', t(messageName('diag_placement', email.placement))),
    row('spf', auth(email.spf)),
    row('dkim', auth(email.dkim)),
    row('dmarc', auth(email.dmarc)),
    row('sendingIp', t(messageName('diag_sending_ip', email.sendingIp))),
    row(
      'mailbox',
      email.mailbox === 'unknown' ? t('diag_not_detected') : mailSystemLabel(email.mailbox, t),
    ),
    row(
      'gateway',
      email.gateway === 'unknown' ? t('diag_none_seen') : mailSystemLabel(email.gateway, t),
    ),
    row('filterVerdict', t(messageName('diag_filter', email.filterVerdict))),
    row('allowOverride', t(messageName('diag_allow', email.allowOverride))),
    row('forwarded', t(email.forwarded ? 'diag_forwarded_yes' : 'diag_forwarded_no')),
    row('delay', t(messageName('diag_delay', email.delay))),
    row('source', t(messageName('diag_source', email.source))),
  ];
}

export function describeEvidence(evidence: Evidence, t: Translate): EvidenceText {
  const general: EvidenceRow[] = [
    { field: 'createdAt', label: t('diag_when'), value: formatHourUtc(evidence.createdAt) },
    { field: 'browser', label: t('diag_browser'), value: browserText(evidence.browser, t) },
    {
      field: 'extensionVersion',
      label: t('diag_extension_version'),
      value: evidence.extensionVersion,
    },
    {
      field: 'profileVersion',
      label: t('diag_profile_version'),
      value: String(evidence.profileVersion),
    },
  ];
  let network: EvidenceRow[] | null = null;
  if (evidence.network) {
    const outcomes = evidence.network.outcomes;
    network = PROBE_TARGET_IDS.filter((id) => outcomes[id] !== undefined).map((id) => ({
      field: id,
      label: probeLabel(id, t),
      value: t(messageName('outcome', outcomes[id])),
    }));
    if (evidence.network.product) {
      network.push({
        field: 'product',
        label: t('diag_product'),
        value: resolveText(productName(evidence.network.product), t),
      });
    }
  }
  return { general, network, email: evidence.email ? emailRows(evidence.email, t) : null };
}

/** The words for a rejected code ("This code has a typo: check it with the user"). */
export function decodeErrorText(failure: DecodeFailure, t: Translate): string {
  return t(failure.messageKey, failure.params);
}

/** The whole decoded report as plain text (the CLI's default output). */
export function renderDecodedReport(
  code: string,
  evidence: Evidence,
  findings: readonly Finding[],
  t: Translate,
): string {
  const text = describeEvidence(evidence, t);
  const lines = [t('diag_report_heading', [code]), ''];
  const section = (heading: string, rows: EvidenceRow[] | null, none: string) => {
    lines.push(heading);
    if (!rows) lines.push(`  ${none}`);
    else for (const row of rows) lines.push(`  ${row.label}: ${row.value}`);
    lines.push('');
  };
  for (const row of text.general) lines.push(`${row.label}: ${row.value}`);
  lines.push('');
  section(t('diag_network_heading'), text.network, t('diag_not_run'));
  section(t('diag_email_heading'), text.email, t('diag_not_run'));
  lines.push(t('diag_findings_heading'));
  for (const finding of findings) {
    const described = describeFinding(finding, t);
    lines.push(`  - ${described.title} [${finding.id}]`);
  }
  lines.push('', t('diag_it_message_heading'), '');
  lines.push(renderItMessage(findings, t, { format: 'text', code }));
  return lines.join('\n');
}
