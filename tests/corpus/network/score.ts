/**
 * The network corpus put through the product's classification, as a user's browser would
 * meet each response: served for its Raftr name by a filter in the path (the worst case: the
 * filter keeps Raftr's published address, as a transparent inspecting proxy does) while
 * everything else answers as on a healthy network (Raftr's server by its address, the other
 * name, the control). The unit tests assert every sample; `npm run bench` prints the score.
 */
import { classifyRun, type ProbeObservation, summarizeObservation } from '@/utils/network/classify';
import type { Outcome } from '@/utils/network/outcomes';
import { type ProbeTargetId, probeTargets } from '@/utils/profile';
import { RAFTR_APP_PAGE, RAFTR_WEB_PAGE } from '../../sim/servers';
import { loadNetworkCorpus, type NetworkCorpusSample } from './index';

const RAFTR_IP = '52.8.243.15';

/** A healthy network's observations, as the probes see them (tests/sim: the healthy scenario). */
export function healthyObservations(): Record<ProbeTargetId, ProbeObservation> {
  const html = { 'content-type': 'text/html; charset=utf-8' };
  return {
    'app-https': {
      targetId: 'app-https',
      status: 200,
      headers: html,
      body: RAFTR_APP_PAGE,
      ip: RAFTR_IP,
    },
    'web-https': {
      targetId: 'web-https',
      status: 200,
      headers: html,
      body: RAFTR_WEB_PAGE,
      ip: RAFTR_IP,
    },
    'api-ip-https': {
      targetId: 'api-ip-https',
      error: 'net::ERR_CERT_COMMON_NAME_INVALID',
      ip: RAFTR_IP,
    },
    'api-ip-http': {
      targetId: 'api-ip-http',
      status: 301,
      headers: { location: 'https://app.raftr.com/' },
      redirectUrl: 'https://app.raftr.com/',
      ip: RAFTR_IP,
    },
    control: { targetId: 'control', status: 204, headers: {}, ip: '198.51.100.204' },
  };
}

const NAME_PROBE: Record<NetworkCorpusSample['servedFor'], ProbeTargetId> = {
  'app.raftr.com': 'app-https',
  'www.raftr.com': 'web-https',
};

/** The observation of a sample served at a probe. */
export function observationOf(
  sample: NetworkCorpusSample,
  targetId: ProbeTargetId,
): ProbeObservation {
  const location = sample.redirectUrl ?? sample.headers.location;
  return {
    targetId,
    status: sample.status,
    headers: sample.headers,
    ...(sample.body !== null ? { body: sample.body } : {}),
    ...(location ? { redirectUrl: location } : {}),
    ip: RAFTR_IP,
  };
}

/**
 * The outcomes of a run where `sample` answers for its own name (`where: 'own'`) or for both
 * Raftr names (`'both'`: a filter serves its page for every name it blocks).
 */
export function outcomesWith(
  sample: NetworkCorpusSample,
  where: 'own' | 'both',
  options: { withoutFingerprints?: boolean } = {},
): Record<ProbeTargetId, Outcome> {
  const observations = healthyObservations();
  const names: ProbeTargetId[] =
    where === 'both' ? ['app-https', 'web-https'] : [NAME_PROBE[sample.servedFor]];
  for (const id of names) observations[id] = observationOf(sample, id);
  // Raftr's own 5xx (its maintenance page, its load balancer without servers) is what its
  // server answers by its address too: Raftr down is down everywhere.
  if (sample.class === 'genuine' && sample.status >= 500) {
    observations['api-ip-http'] = observationOf(sample, 'api-ip-http');
  }
  const evidence = Object.fromEntries(
    Object.entries(observations).map(([id, obs]) => {
      const summary = summarizeObservation(obs);
      // The ablation: what the generic signals see of a product nobody listed.
      if (options.withoutFingerprints) {
        delete summary.fingerprint;
        delete summary.proxyProduct;
      }
      return [id, summary];
    }),
  );
  const results = classifyRun(probeTargets(), evidence);
  return Object.fromEntries(
    Object.entries(results).map(([id, result]) => [id, result.outcome]),
  ) as Record<ProbeTargetId, Outcome>;
}

export interface CorpusScore {
  filters: number;
  products: number;
  /** Filter responses never taken for Raftr's answer, in either placement. */
  detected: number;
  /** … and of those, named as a filter (proxy-blocked, or a DNS filter), not merely "unknown". */
  namedAsFilter: number;
  missed: string[];
  /** Detected with the fingerprint table emptied: how products nobody listed fare. */
  detectedWithoutFingerprints: number;
  genuine: number;
  /**
   * Genuine responses taken for Raftr's own answer with everything else healthy: "ok", or
   * "server-error" for Raftr's own 5xx (which its server shows by address too).
   */
  accepted: number;
  falseAlarms: string[];
}

/** What Raftr's own answer is classified as: ok, or server-error for its 5xx. */
export function raftrsOwn(sample: NetworkCorpusSample): Outcome {
  return sample.status >= 500 ? 'server-error' : 'ok';
}

const FILTERED: ReadonlySet<Outcome> = new Set(['proxy-blocked', 'dns-failed', 'captive-portal']);

export function scoreNetworkCorpus(samples = loadNetworkCorpus()): CorpusScore {
  const filters = samples.filter((s) => s.class === 'filter');
  const genuine = samples.filter((s) => s.class === 'genuine');
  const missed: string[] = [];
  let namedAsFilter = 0;
  for (const sample of filters) {
    const served = [
      outcomesWith(sample, 'own')[NAME_PROBE[sample.servedFor]],
      ...Object.values(outcomesWith(sample, 'both')).slice(0, 2),
    ];
    if (served.some((o) => o === 'ok' || o === 'server-error')) missed.push(sample.id);
    else if (served.every((o) => FILTERED.has(o))) namedAsFilter += 1;
  }
  const detectedWithoutFingerprints = filters.filter((sample) =>
    [
      outcomesWith(sample, 'own', { withoutFingerprints: true })[NAME_PROBE[sample.servedFor]],
      ...Object.values(outcomesWith(sample, 'both', { withoutFingerprints: true })).slice(0, 2),
    ].every((o) => o !== 'ok' && o !== 'server-error'),
  ).length;
  const falseAlarms = genuine
    .filter(
      (sample) => outcomesWith(sample, 'own')[NAME_PROBE[sample.servedFor]] !== raftrsOwn(sample),
    )
    .map((sample) => sample.id);
  return {
    filters: filters.length,
    products: new Set(filters.map((s) => (s.product === 'unknown' ? s.productName : s.product)))
      .size,
    detected: filters.length - missed.length,
    namedAsFilter,
    missed,
    detectedWithoutFingerprints,
    genuine: genuine.length,
    accepted: genuine.length - falseAlarms.length,
    falseAlarms,
  };
}
