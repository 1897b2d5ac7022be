import type { ProbeChange } from '@/utils/code/compare';
import { messageName, type Translate } from '@/utils/i18n';
import type { Outcome } from '@/utils/network/outcomes';
import { probeLabel } from '@/utils/report';

/** An outcome in words; "not checked" when that result had no network check. */
export function outcomeWords(outcome: Outcome | null, t: Translate): string {
  return outcome === null ? t('change_not_checked') : t(messageName('outcome', outcome));
}

/**
 * The probes whose outcome changed between two results, one list item each ("Raftr app
 * (app.raftr.com): was blocked by a web proxy, now reachable"): the popup's before/after view
 * and the helpdesk's comparison of two codes say it the same way.
 */
export function ProbeChangeItems({
  changes,
  t,
  testId,
}: {
  changes: readonly ProbeChange[];
  t: Translate;
  testId: string;
}) {
  return (
    <>
      {changes.map((change) => (
        <li
          key={change.id}
          data-testid={testId}
          data-target={change.id}
          data-before={change.before ?? 'not-run'}
          data-after={change.after ?? 'not-run'}
        >
          {t('change_probe', [
            probeLabel(change.id, t),
            outcomeWords(change.before, t),
            outcomeWords(change.after, t),
          ])}
        </li>
      ))}
    </>
  );
}
