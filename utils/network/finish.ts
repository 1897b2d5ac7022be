/**
 * Ending a run (the background's side of run.ts): every probe classified with the evidence of
 * all. Kept apart from run.ts so that the popup, which only shows runs, does not load the
 * classifier and its fingerprint table.
 */
import { PROBE_TARGET_IDS, type ProbeTarget, type ProbeTargetId } from '../profile';
import {
  classifyEach,
  type ProbeEvidence,
  type ProbeResult,
  type ProbeResults,
  reinterpretOffline,
} from './classify';
import type { Outcome } from './outcomes';
import type { NetworkRun, ProbeState } from './run';

/**
 * Outcomes the browser decides for a tab (browser policy, another extension): they outrank
 * what the worker's own fetch saw, which those blocks do not apply to.
 */
const TAB_OUTCOMES: ReadonlySet<Outcome> = new Set<Outcome>([
  'blocked-by-policy',
  'blocked-by-extension',
]);

const INTERRUPTED = (targetId: ProbeTargetId): ProbeResult => ({
  targetId,
  outcome: 'unknown',
  error: 'interrupted',
});

/**
 * The run, ended: every probe classified with the evidence of all (classify.ts classifyRun);
 * a probe that never reported (its worker stopped too often) is `unknown` with the error
 * "interrupted", and when nothing at all was reachable every connection failure becomes
 * `offline`. A tab's verdict (policy, extension) is kept over the fetch's.
 */
export function finishRun(
  run: NetworkRun,
  now: number,
  targets: readonly ProbeTarget[],
): NetworkRun {
  const evidence: Partial<Record<ProbeTargetId, ProbeEvidence>> = {};
  for (const id of PROBE_TARGET_IDS) {
    const state = run.probes[id];
    if (state?.evidence) evidence[id] = state.evidence;
  }
  const classified = classifyEach(targets, evidence);
  const results = {} as ProbeResults;
  for (const id of PROBE_TARGET_IDS) {
    const before = run.probes[id]?.result;
    const fresh = classified[id] ?? before ?? INTERRUPTED(id);
    results[id] =
      before && TAB_OUTCOMES.has(before.outcome) ? { ...fresh, outcome: before.outcome } : fresh;
  }
  const seen = reinterpretOffline(results);
  const probes = {} as Record<ProbeTargetId, ProbeState>;
  for (const id of PROBE_TARGET_IDS) {
    const stored = run.probes[id]?.evidence;
    probes[id] = {
      targetId: id,
      state: 'done',
      result: seen[id],
      ...(stored ? { evidence: stored } : {}),
    };
  }
  return { ...run, state: 'done', finishedAt: now, probes };
}
