/**
 * Before/after in the popup (issue #11): when the network check's outcome differs from the
 * previous check's, what changed since then ("Raftr app: was blocked by a web proxy, now
 * reachable"; "Raftr API host: still timed out"), and the earlier check's diagnostic code,
 * still there to copy for the helpdesk. Loaded after the first paint (LazySection).
 */
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { compareEvidence } from '@/utils/code/compare';
import { encodeEvidence } from '@/utils/diagnostic-code';
import { assembleEvidence } from '@/utils/evidence';
import { type NetworkResult, resultBefore } from '@/utils/network/history';
import { isNetworkRunBehind, type NetworkRun } from '@/utils/network/run';
import { PROBE_TARGET_IDS, PROFILE_VERSION } from '@/utils/profile';
import { probeLabel } from '@/utils/report';
import { networkChangedAtItem, networkHistoryItem, networkRunItem } from '@/utils/storage';
import { currentBrowser } from './current-browser';
import { t } from './i18n';
import { outcomeWords, ProbeChangeItems } from './ProbeChanges';
import { useStoredItem } from './use-stored-item';

function timeOf(at: number): string {
  return new Intl.DateTimeFormat(t('locale_code') || undefined, {
    dateStyle: 'short',
    timeStyle: 'short',
  }).format(at);
}

/** The code the earlier result had: the network part only, at its own hour. */
function codeOf(result: NetworkResult): string | null {
  const evidence = assembleEvidence({
    extensionVersion: browser.runtime.getManifest().version,
    browser: currentBrowser(),
    profileVersion: PROFILE_VERSION,
    network: result.evidence,
    networkAt: result.at,
    email: null,
  });
  const encoded = evidence ? encodeEvidence(evidence) : null;
  return encoded?.ok ? encoded.code : null;
}

function useHistory(): [NetworkResult[], number | null] {
  const [history, setHistory] = useState<NetworkResult[]>([]);
  const [changedAt, setChangedAt] = useState<number | null>(null);
  useEffect(() => {
    const unwatch = networkHistoryItem.watch(setHistory);
    networkHistoryItem.getValue().then(setHistory, () => {});
    networkChangedAtItem.getValue().then(setChangedAt, () => {});
    return unwatch;
  }, []);
  return [history, changedAt];
}

export function NetworkChange() {
  const [run] = useStoredItem<NetworkRun>(networkRunItem, isNetworkRunBehind);
  const [history, changedAt] = useHistory();
  const [copied, setCopied] = useState(false);
  const current = run?.state === 'done' ? history.find((r) => r.runId === run.id) : undefined;
  const before = current ? resultBefore(history, current.runId) : null;
  if (!current || !before) return null;
  const wrap = (evidence: NetworkResult['evidence'], at: number) => ({
    createdAt: at,
    extensionVersion: '',
    browser: { family: 'other' as const, major: 0 },
    profileVersion: PROFILE_VERSION,
    network: evidence,
    email: null,
  });
  const comparison = compareEvidence(
    wrap(before.evidence, before.at),
    wrap(current.evidence, current.at),
  );
  if (comparison.changedProbes.length === 0) return null;
  const changed = new Set(comparison.changedProbes.map((change) => change.id));
  const stillFailing = PROBE_TARGET_IDS.filter(
    (id) => !changed.has(id) && current.evidence.outcomes[id] !== 'ok',
  );
  const earlierCode = codeOf(before);
  const networkChanged = changedAt !== null && changedAt > before.at && changedAt <= current.at;

  return (
    <section class="network-change" data-testid="network-change" data-since={before.runId}>
      <h2>{t('change_heading')}</h2>
      <p>{t('change_since', [timeOf(before.at)])}</p>
      <ul>
        <ProbeChangeItems changes={comparison.changedProbes} t={t} testId="change-probe" />
        {stillFailing.map((id) => (
          <li key={id} data-testid="change-probe-still" data-target={id}>
            {t('change_probe_still', [
              probeLabel(id, t),
              outcomeWords(current.evidence.outcomes[id], t),
            ])}
          </li>
        ))}
      </ul>
      {networkChanged && <p class="email-note">{t('change_network_changed')}</p>}
      {earlierCode && (
        <p class="diagnostic-code__row">
          {t('change_earlier_code')} <code data-testid="earlier-code">{earlierCode}</code>{' '}
          <button
            type="button"
            data-testid="copy-earlier-code"
            onClick={() =>
              navigator.clipboard.writeText(earlierCode).then(
                () => setCopied(true),
                () => setCopied(false),
              )
            }
          >
            {t('diag_copy_code')}
          </button>
        </p>
      )}
      <p class="visually-hidden" role="status">
        {copied ? t('copied') : ''}
      </p>
    </section>
  );
}
