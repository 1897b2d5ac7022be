import type { Finding } from '@/utils/finding';
import { messageName, type Translate } from '@/utils/i18n';
import { describeFinding } from '@/utils/report';
import './finding.css';

const SEVERITY_ICONS: Readonly<Record<Finding['severity'], string>> = {
  blocking: '✕',
  minor: '!',
  info: 'i',
  ok: '✓',
};

/**
 * One finding, plain language first: what is wrong, the exact entries for IT, how to fix it,
 * and the steps in each concerned system's own terms. It takes its translator as a prop so the
 * popup (browser.i18n) and the standalone decoder (the English catalog) render it alike.
 */
export function FindingCard({ finding, t }: { finding: Finding; t: Translate }) {
  const text = describeFinding(finding, t);
  return (
    <li
      class={`finding finding--${finding.severity}`}
      data-testid="finding"
      data-finding={finding.id}
    >
      {/* Severity in words (with a glyph for sighted readers), never by the border colour alone. */}
      <p class="finding__severity" data-testid="finding-severity">
        <span class="finding__icon" aria-hidden="true">
          {SEVERITY_ICONS[finding.severity]}
        </span>
        {t(messageName('severity', finding.severity))}
      </p>
      <h3 class="finding__title">{text.title}</h3>
      <p class="finding__body">{text.body}</p>
      {text.detail && (
        <p class="finding__detail" data-testid="finding-detail">
          {text.detail}
        </p>
      )}
      {text.entries.length > 0 && (
        <div class="finding__entries">
          <h4>{text.entriesHeading}</h4>
          <ul>
            {text.entries.map((entry) => (
              <li key={entry}>
                <code>{entry}</code>
              </li>
            ))}
          </ul>
        </div>
      )}
      {text.steps && (
        <p class="finding__steps">
          <strong>{t('steps_heading')}:</strong> {text.steps}
        </p>
      )}
      {text.remedies.length > 0 && (
        <ul class="finding__remedies" data-testid="finding-remedies">
          {text.remedies.map((remedy) => (
            <li key={`${remedy.system}:${remedy.text}`} data-testid="remedy">
              <strong>{t('it_message_in_system', [remedy.system])}:</strong> {remedy.text}
            </li>
          ))}
        </ul>
      )}
      {finding.system !== 'none' && <p class="finding__system">{text.system}</p>}
    </li>
  );
}
