/**
 * The words for findings, and the message for IT: one renderer for the popup, the helpdesk
 * page, the standalone decoder and the CLI. Values come from the findings (and so from the
 * profile); words come from the i18n catalog.
 */
import { type Finding, type FindingEntry, formatProtocol, type VerdictId } from './findings';
import { messageName, type Translate } from './i18n';

export interface FindingText {
  title: string;
  body: string;
  steps: string;
  system: string;
  entries: string[];
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

export function describeFinding(finding: Finding, t: Translate): FindingText {
  const key = (part: string) => messageName('finding', finding.id, part);
  return {
    title: t(key('title'), finding.params),
    body: t(key('body'), finding.params),
    steps: t(key('steps'), finding.params),
    system: t(messageName('system', finding.system)),
    entries: finding.entries.map((e) => `${describeEntry(e, t)} (${entryPurpose(e, t)})`),
  };
}

export function verdictText(verdict: VerdictId, t: Translate): string {
  return t(messageName('verdict', verdict));
}

export interface ItMessageOptions {
  format: 'text' | 'markdown';
  /** The diagnostic code, when there is one, so IT and Raftr can decode the full result. */
  code?: string;
}

/** The ready-to-send message for IT: every entry with value, direction, protocol/port, purpose. */
export function renderItMessage(findings: readonly Finding[], t: Translate, options: ItMessageOptions): string {
  const md = options.format === 'markdown';
  const problems = findings.filter((f) => f.severity !== 'ok');
  const lines: string[] = [];
  if (md) lines.push(`**${t('it_message_subject')}**`, '');
  else lines.push(t('it_message_subject'), '');
  lines.push(problems.length ? t('it_message_intro') : t('it_message_all_clear'));
  problems.forEach((finding, index) => {
    const text = describeFinding(finding, t);
    lines.push('');
    lines.push(md ? `### ${index + 1}. ${text.title}` : `${index + 1}. ${text.title}`);
    lines.push(`${md ? '- **System:** ' : '   System: '}${text.system}`);
    lines.push(`${md ? '- ' : '   '}${text.body}`);
    for (const entry of text.entries) lines.push(md ? `  - \`${entry}\`` : `   - ${entry}`);
    if (text.steps) lines.push(`${md ? '- **Fix:** ' : '   Fix: '}${text.steps}`);
  });
  lines.push('');
  if (options.code) lines.push(t('it_message_code', [options.code]));
  lines.push(t('it_message_source'));
  return lines.join('\n');
}
