import { messageName, resolveText } from '@/utils/i18n';
import { networkFindings, productName, verdictOf } from '@/utils/network/findings';
import { evidenceOf } from '@/utils/network/run';
import { PROBE_TARGET_IDS } from '@/utils/profile';
import { probeLabel, verdictText } from '@/utils/report';
import { FindingCard } from './FindingCard';
import { t } from './i18n';
import { useNetworkRun } from './use-network-run';

export function NetworkCheck() {
  const { run, error, checkAgain } = useNetworkRun();
  const state = run?.state === 'done' ? 'done' : 'running';
  const evidence = run && run.state === 'done' ? evidenceOf(run) : null;
  const findings = evidence ? networkFindings(evidence) : [];

  return (
    <section
      class="network-check"
      data-testid="network-check"
      data-state={state}
      data-run-id={run?.id}
      aria-busy={state === 'running'}
    >
      <h2>{t('network_heading')}</h2>
      <p class="verdict" data-testid="verdict" role="status" aria-live="polite">
        {error
          ? t('run_failed', [error])
          : evidence
            ? verdictText(verdictOf(findings), t)
            : t('network_running')}
      </p>
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
                const result = run?.probes[id].result;
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
