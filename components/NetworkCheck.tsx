import { useRef } from 'preact/hooks';
import { messageName, resolveText } from '@/utils/i18n';
import { networkFindings, productName, verdictOf } from '@/utils/network/findings';
import { evidenceOf, type NetworkRun } from '@/utils/network/run';
import { PROBE_TARGET_IDS } from '@/utils/profile';
import { probeLabel, verdictText } from '@/utils/report';
import { FindingCard } from './FindingCard';
import { t } from './i18n';
import { useNetworkRun } from './use-network-run';

/** "2 minutes ago": the verdict's age in the catalog's language (Intl, no words of ours). */
function ageText(finishedAt: number, now: number): string {
  const minutes = Math.floor((now - finishedAt) / 60_000);
  if (minutes < 1) return t('checked_just_now');
  const format = new Intl.RelativeTimeFormat(t('locale_code') || undefined, { numeric: 'auto' });
  const age =
    minutes < 60
      ? format.format(-minutes, 'minute')
      : minutes < 48 * 60
        ? format.format(-Math.floor(minutes / 60), 'hour')
        : format.format(-Math.floor(minutes / 1440), 'day');
  return t('checked_ago', [age]);
}

export function NetworkCheck({ initialRun = null }: { initialRun?: NetworkRun | null }) {
  const { run, error, checkAgain } = useNetworkRun(initialRun);
  const state = run?.state === 'done' ? 'done' : 'running';
  // The last finished run stays on screen while the next one runs: a verdict computed before
  // the click is painted at once and refreshed in place (issue #12).
  const lastDone = useRef<NetworkRun | null>(initialRun?.state === 'done' ? initialRun : null);
  if (run?.state === 'done') lastDone.current = run;
  const shown = run?.state === 'done' ? run : lastDone.current;
  const evidence = shown ? evidenceOf(shown) : null;
  const findings = evidence ? networkFindings(evidence) : [];
  const rechecking = state === 'running' && evidence !== null;

  return (
    <section
      class="network-check"
      data-testid="network-check"
      data-state={state}
      data-run-id={run?.id}
      aria-busy={state === 'running'}
    >
      <h2>{t('network_heading')}</h2>
      <p
        class="verdict"
        data-testid="verdict"
        role="status"
        aria-live="polite"
        data-verdict={evidence ? verdictOf(findings) : undefined}
        data-run-shown={shown?.id}
      >
        {error
          ? t('run_failed', [error])
          : evidence
            ? verdictText(verdictOf(findings), t)
            : t('network_running')}
      </p>
      {shown?.finishedAt !== undefined && (
        <p class="verdict-age" data-testid="verdict-age">
          {ageText(shown.finishedAt, Date.now())}
          {rechecking && ` · ${t('network_rechecking')}`}
        </p>
      )}
      <ul class="checks">
        {PROBE_TARGET_IDS.map((id) => {
          const probe = run?.probes[id];
          const outcome = probe?.state === 'done' ? probe.result?.outcome : undefined;
          return (
            <li
              key={id}
              class={`check check--${outcome ?? 'pending'}`}
              data-testid="check"
              data-target={id}
              {...(outcome && run?.state === 'done' ? { 'data-outcome': outcome } : {})}
            >
              <span class="check__name">{probeLabel(id, t)}</span>
              <span class="check__outcome">
                {outcome ? t(messageName('outcome', outcome)) : t('probe_pending')}
              </span>
            </li>
          );
        })}
      </ul>
      {evidence && (
        <>
          <ul class="findings">
            {findings.map((finding) => (
              <FindingCard key={finding.id} finding={finding} t={t} />
            ))}
          </ul>
          <details class="details">
            <summary>{t('show_details')}</summary>
            <ul>
              {PROBE_TARGET_IDS.map((id) => {
                const result = shown?.probes[id].result;
                return (
                  <li key={id}>
                    <code>
                      {id}: {result?.outcome}
                      {result?.error ? ` ${result.error}` : ''}
                      {result?.status ? ` HTTP ${result.status}` : ''}
                      {result?.redirectHost ? ` → ${result.redirectHost}` : ''}
                      {result?.product ? ` (${resolveText(productName(result.product), t)})` : ''}
                      {result?.hint?.title ? ` “${result.hint.title}”` : ''}
                      {result?.signals?.length ? ` [${result.signals.join(', ')}]` : ''}
                      {result?.elapsedMs !== undefined ? ` ${result.elapsedMs} ms` : ''}
                    </code>
                  </li>
                );
              })}
            </ul>
          </details>
        </>
      )}
      <div class="actions">
        <button
          type="button"
          data-testid="check-again"
          // aria-disabled, not disabled: a disabled button loses the keyboard focus the click
          // gave it, and a screen reader user would land at the top of the popup.
          aria-disabled={state === 'running'}
          onClick={() => {
            if (state !== 'running') checkAgain();
          }}
        >
          {t('check_again')}
        </button>
      </div>
    </section>
  );
}
