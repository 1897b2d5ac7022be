/**
 * The state of one network check, as stored in extension storage. Pure: the background
 * writes it, the popup renders it, and both use these helpers. Findings are not stored:
 * they are derived from the outcomes with utils/network/findings.ts wherever they are shown.
 *
 * Each probe keeps its evidence (classify.ts ProbeEvidence) and, for the progress display, its
 * outcome judged alone. When the last probe is in, `finishRun` (finish.ts, the worker's side:
 * it carries the classifier, which the popup does not load) classifies every probe again in
 * the light of the others: the stored outcomes of a finished run depend only on the evidence,
 * never on the order it arrived in.
 */

import { PROBE_TARGET_IDS, type ProbeTargetId } from '../profile';
import type { ProbeEvidence, ProbeResult } from './classify';
import type { NetworkEvidence } from './findings';
import { normalizeHint } from './hint';
import type { FilterHint } from './identity';
import type { Outcome } from './outcomes';

export interface ProbeState {
  targetId: ProbeTargetId;
  state: 'pending' | 'done';
  /** While running: the probe judged alone. Once the run is done: judged with the others. */
  result?: ProbeResult;
  evidence?: ProbeEvidence;
}

export interface NetworkRun {
  id: string;
  state: 'running' | 'done';
  startedAt: number;
  finishedAt?: number;
  /** How many times a stopped service worker picked this run up again. */
  resumes: number;
  probes: Record<ProbeTargetId, ProbeState>;
}

export function newRun(id: string, now: number): NetworkRun {
  const probes = {} as Record<ProbeTargetId, ProbeState>;
  for (const targetId of PROBE_TARGET_IDS) probes[targetId] = { targetId, state: 'pending' };
  return { id, state: 'running', startedAt: now, resumes: 0, probes };
}

export function withProbeResult(
  run: NetworkRun,
  result: ProbeResult,
  evidence?: ProbeEvidence,
): NetworkRun {
  return {
    ...run,
    probes: {
      ...run.probes,
      [result.targetId]: {
        targetId: result.targetId,
        state: 'done',
        result,
        ...(evidence ? { evidence } : {}),
      },
    },
  };
}

export function pendingTargets(run: NetworkRun): ProbeTargetId[] {
  return PROBE_TARGET_IDS.filter((id) => run.probes[id]?.state !== 'done');
}

export function isComplete(run: NetworkRun): boolean {
  return pendingTargets(run).length === 0;
}

/** The evidence of a finished run: what findings and the diagnostic code are made from. */
export function evidenceOf(run: NetworkRun): NetworkEvidence | null {
  if (!isComplete(run)) return null;
  const outcomes = {} as Record<ProbeTargetId, Outcome>;
  let product: NetworkEvidence['product'];
  let hint: FilterHint | undefined;
  for (const id of PROBE_TARGET_IDS) {
    const result = run.probes[id].result;
    outcomes[id] = result?.outcome ?? 'unknown';
    if (result?.outcome === 'proxy-blocked' || result?.outcome === 'dns-failed') {
      product ??= result.product;
      if (result.product === 'unknown-proxy') hint ??= result.hint;
    }
    if (result?.outcome === 'unknown') hint ??= result.hint;
  }
  // The hint in the one form the code, the popup and the decoders all show (hint.ts).
  const shown = normalizeHint(hint);
  return { outcomes, ...(product ? { product } : {}), ...(shown ? { hint: shown } : {}) };
}

/**
 * A finished result younger than `maxAgeMs` is shown instead of starting a new run, unless the
 * connection changed after it (`networkChangedAt`): it may be another network's.
 */
export function isFresh(
  run: NetworkRun | null,
  now: number,
  maxAgeMs: number,
  networkChangedAt: number | null = null,
): boolean {
  if (run?.state !== 'done' || !run.finishedAt) return false;
  if (networkChangedAt !== null && networkChangedAt >= run.finishedAt) return false;
  return now - run.finishedAt < maxAgeMs;
}

/**
 * The order of two views of the run that the popup hears of in either order (the reply to its
 * start message, storage changes): whether `a` is behind `b`, so that showing `a` after `b`
 * would step back. A later run is ahead of an earlier one; within a run, done is ahead of
 * running, then the view with more probes done.
 */
export function isNetworkRunBehind(a: NetworkRun, b: NetworkRun): boolean {
  if (a.id !== b.id) return a.startedAt < b.startedAt;
  if (a.state !== b.state) return b.state === 'done';
  return pendingTargets(a).length > pendingTargets(b).length;
}
