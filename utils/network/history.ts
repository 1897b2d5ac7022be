/**
 * The last few network results, for the popup's before/after view (issue #11): after IT's fix
 * the user sees what changed since the previous check, and can still copy that check's
 * diagnostic code. Evidence only (outcomes, a recognised product, what an unknown filter
 * showed): the same facts the diagnostic code carries, nothing personal.
 *
 * Pure, and validated when read back (utils/storage.ts networkHistoryItem).
 * https://valibot.dev/guides/schemas/
 */
import * as v from 'valibot';
import { PROBE_TARGET_IDS } from '../profile';
import { BLOCK_PRODUCT_IDS } from './block-products';
import type { NetworkEvidence } from './findings';
import { OUTCOMES } from './outcomes';
import { evidenceOf, type NetworkRun } from './run';

export interface NetworkResult {
  runId: string;
  /** When the check finished (ms since the epoch). */
  at: number;
  evidence: NetworkEvidence;
}

/** How many results are kept: enough for "since the last check" and a few before it. */
export const HISTORY_SIZE = 5;

const EvidenceSchema = v.object({
  outcomes: v.object(
    Object.fromEntries(PROBE_TARGET_IDS.map((id) => [id, v.picklist(OUTCOMES)])) as Record<
      (typeof PROBE_TARGET_IDS)[number],
      v.PicklistSchema<typeof OUTCOMES, undefined>
    >,
  ),
  product: v.optional(v.picklist(BLOCK_PRODUCT_IDS)),
  hint: v.optional(
    v.object({
      status: v.optional(v.number()),
      title: v.optional(v.string()),
      redirectHost: v.optional(v.string()),
    }),
  ),
});

const HistorySchema = v.array(
  v.object({ runId: v.pipe(v.string(), v.minLength(1)), at: v.number(), evidence: EvidenceSchema }),
);

/** The stored history, or an empty one for anything that is not a history. */
export function parseNetworkHistory(value: unknown): NetworkResult[] {
  const parsed = v.safeParse(HistorySchema, value);
  return parsed.success ? (parsed.output as NetworkResult[]) : [];
}

/** The history with a finished run added (once: a run is recorded by its id), newest last. */
export function withRunRecorded(
  history: readonly NetworkResult[],
  run: NetworkRun,
): NetworkResult[] {
  const evidence = run.state === 'done' ? evidenceOf(run) : null;
  if (!evidence || run.finishedAt === undefined) return [...history];
  if (history.some((result) => result.runId === run.id)) return [...history];
  return [...history, { runId: run.id, at: run.finishedAt, evidence }].slice(-HISTORY_SIZE);
}

/** The result before run `runId` (the one to compare it with), if any. */
export function resultBefore(
  history: readonly NetworkResult[],
  runId: string,
): NetworkResult | null {
  const index = history.findIndex((result) => result.runId === runId);
  return index > 0 ? (history[index - 1] ?? null) : null;
}
