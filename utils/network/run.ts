/**
 * The state of one network check, as stored in extension storage. Pure: the background
 * writes it, the popup renders it, and both use these helpers. Findings are not stored:
 * they are derived from the outcomes with utils/network/findings.ts wherever they are shown.
 */

import { PROBE_TARGET_IDS, type ProbeTargetId } from '../profile';
import { type ProbeResult, type ProbeResults, reinterpretOffline } from './classify';
import type { NetworkEvidence } from './findings';
import type { Outcome } from './outcomes';

export interface ProbeState {
  targetId: ProbeTargetId;
  state: 'pending' | 'done';
  result?: ProbeResult;
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

export function withProbeResult(run: NetworkRun, result: ProbeResult): NetworkRun {
  return {
    ...run,
    probes: {
      ...run.probes,
      [result.targetId]: { targetId: result.targetId, state: 'done', result },
    },
  };
}

export function pendingTargets(run: NetworkRun): ProbeTargetId[] {
  return PROBE_TARGET_IDS.filter((id) => run.probes[id]?.state !== 'done');
}

export function isComplete(run: NetworkRun): boolean {
  return pendingTargets(run).length === 0;
}

/**
 * The run, ended: a probe that never reported (its worker stopped too often) is `unknown`
 * with the error "interrupted", and when nothing at all was reachable every connection
 * failure becomes `offline` (utils/network/classify.ts reinterpretOffline).
 */
export function finishRun(run: NetworkRun, now: number): NetworkRun {
  const results = {} as ProbeResults;
  for (const id of PROBE_TARGET_IDS) {
    results[id] = run.probes[id]?.result ?? {
      targetId: id,
      outcome: 'unknown',
      error: 'interrupted',
    };
  }
  const seen = reinterpretOffline(results);
  const probes = {} as Record<ProbeTargetId, ProbeState>;
  for (const id of PROBE_TARGET_IDS) probes[id] = { targetId: id, state: 'done', result: seen[id] };
  return { ...run, state: 'done', finishedAt: now, probes };
}

/** The evidence of a finished run: what findings and the diagnostic code are made from. */
export function evidenceOf(run: NetworkRun): NetworkEvidence | null {
  if (!isComplete(run)) return null;
  const outcomes = {} as Record<ProbeTargetId, Outcome>;
  let product: NetworkEvidence['product'];
  for (const id of PROBE_TARGET_IDS) {
    const result = run.probes[id].result;
    outcomes[id] = result?.outcome ?? 'unknown';
    product ??= result?.product;
  }
  return product ? { outcomes, product } : { outcomes };
}

/** A finished result younger than `maxAgeMs` is shown instead of starting a new run. */
export function isFresh(run: NetworkRun | null, now: number, maxAgeMs: number): boolean {
  return !!run && run.state === 'done' && !!run.finishedAt && now - run.finishedAt < maxAgeMs;
}

/**
 * The more advanced of two views of the run: the popup hears of a run both from the reply to
 * its start message and from storage changes, in either order, and must never step back.
 */
export function laterOf(a: NetworkRun | null, b: NetworkRun | null): NetworkRun | null {
  if (!a || !b) return a ?? b;
  if (a.id !== b.id) return b.startedAt >= a.startedAt ? b : a;
  if (a.state !== b.state) return a.state === 'done' ? a : b;
  return pendingTargets(b).length <= pendingTargets(a).length ? b : a;
}
