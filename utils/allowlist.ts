/**
 * The whole allow list, for IT (issue #11): every entry of Raftr's support article (the profile's
 * ENTRIES), with where it goes and, for one user's diagnosis, what their checks verified. The
 * inbound entry for integrations (Raftr's NAT gateway connecting to campus hosts) is in no
 * finding, because no browser can test it; here IT sees it with the rest.
 *
 * Pure (no `browser.*`): `raftr-diag allowlist` and the extension's allow-list page share it.
 * The status comes from the same rules as the findings (`findingsFor`), so an entry is
 * "blocked" exactly when a finding asks IT to add it.
 */
import { type Evidence, findingsFor } from './evidence';
import { entryRef, type FindingEntry, formatProtocol, type SystemId } from './finding';
import { messageName, type Translate } from './i18n';
import { type AllowEntry, ENTRIES, type EntryId, probeTargets } from './profile';
import { describeEntry, entryPurpose } from './report';

/**
 * What one user's checks say about an entry:
 * - reachable: verified (the probes to it answered; Raftr's test message got through with it);
 * - blocked: a finding asks IT to add it (on `blockedPorts` for an address);
 * - inconclusive: checked, but the result cannot tell (offline, a captive portal, a server
 *   error, a message that never arrived for the authentication entry);
 * - not-checked: that check was not run (or no code was given);
 * - not-testable: a browser can never test it (the NAT gateway connects to campus, inbound).
 */
export const ALLOWLIST_STATUSES = [
  'reachable',
  'blocked',
  'inconclusive',
  'not-checked',
  'not-testable',
] as const;
export type AllowlistStatus = (typeof ALLOWLIST_STATUSES)[number];

/**
 * Where IT adds each entry, in the findings' vocabulary of systems (their words are the
 * `system_<id>` messages): the firewall takes addresses; the proxy or URL filter, the DNS filter
 * and the TLS inspection bypass take names; the spam filter takes senders; the mail gateway
 * (its connection filter) takes sending IPs and must keep SPF and DKIM verifiable.
 */
export const ENTRY_SYSTEMS: Readonly<Record<EntryId, readonly SystemId[]>> = {
  'app-host-ip': ['firewall'],
  'raftr-domains': ['web-proxy', 'dns-filter', 'tls-inspection'],
  'sender-no-reply': ['spam-filter', 'mail-gateway'],
  'sender-domains': ['spam-filter', 'mail-gateway'],
  'sending-ips': ['mail-gateway', 'spam-filter'],
  'mail-authentication': ['mail-gateway'],
  'nat-gateway': ['firewall'],
};

export interface AllowlistRow {
  entry: AllowEntry;
  /** The entry as a finding names it (for the shared entry words). */
  ref: FindingEntry;
  systems: readonly SystemId[];
  status: AllowlistStatus;
  /** For a blocked address: the ports a finding names (e.g. only 80); else empty. */
  blockedPorts: number[];
  /** Finding ids that name this entry (why it is blocked). */
  findings: string[];
}

/** The findings that ask IT to add entries: a setting in the user's own mailbox does not. */
function entriesAskedFor(evidence: Evidence): Map<EntryId, { ports: Set<number>; ids: string[] }> {
  const asked = new Map<EntryId, { ports: Set<number>; ids: string[] }>();
  for (const finding of findingsFor(evidence)) {
    if (finding.severity === 'ok' || finding.system === 'mailbox') continue;
    for (const entry of finding.entries) {
      const seen = asked.get(entry.entryId) ?? { ports: new Set<number>(), ids: [] };
      for (const port of entry.ports) seen.ports.add(port);
      if (!seen.ids.includes(finding.id)) seen.ids.push(finding.id);
      asked.set(entry.entryId, seen);
    }
  }
  return asked;
}

function statusOf(entry: AllowEntry, evidence: Evidence | null, blocked: boolean): AllowlistStatus {
  if (!entry.testableFromBrowser) return 'not-testable';
  if (!evidence) return 'not-checked';
  if (entry.direction === 'outbound-web') {
    if (!evidence.network) return 'not-checked';
    if (blocked) return 'blocked';
    const probes = probeTargets().filter((probe) => probe.entries.includes(entry.id));
    const outcomes = probes.map((probe) => evidence.network?.outcomes[probe.id]);
    return outcomes.length > 0 && outcomes.every((o) => o === 'ok') ? 'reachable' : 'inconclusive';
  }
  // Inbound mail: what happened to Raftr's test message.
  const email = evidence.email;
  if (!email) return 'not-checked';
  if (blocked) return 'blocked';
  if (email.placement === 'missing') return 'inconclusive';
  if (entry.kind === 'authentication') {
    const passed = [email.spf, email.dkim, email.dmarc].some((v) => v === 'pass');
    return passed ? 'reachable' : 'inconclusive';
  }
  return 'reachable';
}

/**
 * Every entry of the article, in the profile's order, with what this diagnosis verified about
 * it (null: no diagnosis, every testable entry "not checked").
 */
export function allowlistRows(evidence: Evidence | null): AllowlistRow[] {
  const asked = evidence ? entriesAskedFor(evidence) : new Map();
  return Object.values(ENTRIES).map((entry) => {
    const finding = asked.get(entry.id);
    const status = statusOf(entry, evidence, finding !== undefined);
    return {
      entry,
      ref: entryRef(entry.id),
      systems: ENTRY_SYSTEMS[entry.id],
      status,
      blockedPorts:
        status === 'blocked' && entry.kind === 'ip' && finding
          ? entry.ports.filter((port) => finding.ports.has(port))
          : [],
      findings: finding?.ids ?? [],
    };
  });
}

// ---------------------------------------------------------------------------------------------
// In words.

/** The status in words, in the terms of the entry's direction (a sender "got through"). */
export function statusText(row: AllowlistRow, t: Translate): string {
  const { status, entry } = row;
  if (status === 'reachable') {
    if (entry.kind === 'authentication') return t('allowlist_status_passed');
    return t(
      entry.direction === 'inbound-mail'
        ? 'allowlist_status_delivered'
        : 'allowlist_status_reachable',
    );
  }
  if (status === 'blocked') {
    if (row.blockedPorts.length && row.blockedPorts.length < entry.ports.length) {
      return t('allowlist_status_blocked_ports', [
        `${entry.protocol} ${row.blockedPorts.join(', ')}`,
      ]);
    }
    if (entry.kind === 'authentication') return t('allowlist_status_failed');
    return t(
      entry.direction === 'inbound-mail' ? 'allowlist_status_held' : 'allowlist_status_blocked',
    );
  }
  return t(messageName('allowlist_status', status));
}

export interface AllowlistRenderOptions {
  format: 'text' | 'markdown';
  /** The diagnostic code the statuses come from; without one, no status column. */
  code?: string;
}

/** The row's words: what the CLI prints and the extension's page shows. */
export function describeAllowlistRow(row: AllowlistRow, t: Translate) {
  return {
    entry: describeEntry(row.ref, t),
    values: row.entry.values.join(', '),
    direction: t(messageName('direction', row.entry.direction)),
    protocol: formatProtocol(row.ref),
    purpose: entryPurpose(row.ref, t),
    systems: row.systems.map((system) => t(messageName('system', system))).join(', '),
    status: statusText(row, t),
  };
}

/** The list as text (one block per entry) or as a Markdown table. */
export function renderAllowlist(
  rows: readonly AllowlistRow[],
  t: Translate,
  options: AllowlistRenderOptions,
): string {
  const md = options.format === 'markdown';
  const heading = options.code
    ? t('allowlist_heading_code', [md ? `\`${options.code}\`` : options.code])
    : t('allowlist_heading');
  const lines = [md ? `## ${heading}` : heading, ''];
  const withStatus = options.code !== undefined;
  const columns = [
    t('allowlist_col_entry'),
    t('allowlist_col_direction'),
    t('allowlist_col_protocol'),
    t('allowlist_col_purpose'),
    t('allowlist_col_systems'),
    ...(withStatus ? [t('allowlist_col_status')] : []),
  ];
  const cells = rows.map((row) => {
    const words = describeAllowlistRow(row, t);
    return [
      words.values,
      words.direction,
      words.protocol,
      words.purpose,
      words.systems,
      ...(withStatus ? [words.status] : []),
    ];
  });
  if (md) {
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    lines.push(`| ${columns.map(cell).join(' | ')} |`, `|${columns.map(() => '---').join('|')}|`);
    for (const row of cells) lines.push(`| ${row.map(cell).join(' | ')} |`);
  } else {
    cells.forEach((row, index) => {
      lines.push(`${index + 1}. ${row[0]}`);
      row.slice(1).forEach((value, i) => {
        lines.push(`   ${columns[i + 1]}: ${value}`);
      });
      lines.push('');
    });
    lines.pop();
  }
  lines.push('', t('it_message_source'));
  return lines.join('\n');
}

/** The list as JSON: identifiers and values, plus the words of the reader's language. */
export function allowlistJson(rows: readonly AllowlistRow[], t: Translate, code?: string) {
  return {
    ...(code ? { code } : {}),
    entries: rows.map((row) => ({
      entryId: row.entry.id,
      values: [...row.entry.values],
      kind: row.entry.kind,
      direction: row.entry.direction,
      protocol: row.entry.protocol,
      ports: [...row.entry.ports],
      testableFromBrowser: row.entry.testableFromBrowser,
      purpose: entryPurpose(row.ref, t),
      systems: [...row.systems],
      status: row.status,
      ...(row.blockedPorts.length ? { blockedPorts: [...row.blockedPorts] } : {}),
      findings: [...row.findings],
    })),
  };
}
