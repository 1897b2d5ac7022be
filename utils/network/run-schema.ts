/**
 * The stored network run, checked when it is read back (storage.ts): a value written by
 * another version of the extension, or damaged, must never reach the popup or the run's
 * transitions as if it were a run. Evidence and results are checked where the verdict depends
 * on them (ids, states, outcomes, numbers); the rest of a probe's evidence is the classifier's
 * own reading and is only required to be an object.
 * https://valibot.dev/guides/schemas/
 */
import * as v from 'valibot';
import { PROBE_TARGET_IDS } from '../profile';
import { OUTCOMES } from './outcomes';
import type { NetworkRun } from './run';

const targetId = v.picklist(PROBE_TARGET_IDS);

const ProbeResultSchema = v.looseObject({
  targetId,
  outcome: v.picklist(OUTCOMES),
  status: v.optional(v.number()),
  product: v.optional(v.string()),
  elapsedMs: v.optional(v.number()),
});

const ProbeEvidenceSchema = v.looseObject({
  targetId,
  proxyHeaders: v.boolean(),
  status: v.optional(v.number()),
  error: v.optional(v.string()),
  ip: v.optional(v.string()),
});

const ProbeStateSchema = v.object({
  targetId,
  state: v.picklist(['pending', 'done']),
  result: v.optional(ProbeResultSchema),
  evidence: v.optional(ProbeEvidenceSchema),
});

const NetworkRunSchema = v.object({
  id: v.pipe(v.string(), v.minLength(1)),
  state: v.picklist(['running', 'done']),
  startedAt: v.number(),
  finishedAt: v.optional(v.number()),
  resumes: v.pipe(v.number(), v.integer(), v.minValue(0)),
  probes: v.object(
    Object.fromEntries(PROBE_TARGET_IDS.map((id) => [id, ProbeStateSchema])) as Record<
      (typeof PROBE_TARGET_IDS)[number],
      typeof ProbeStateSchema
    >,
  ),
});

/** The run, if `value` is one; null for nothing, or for anything that is not a run. */
export function parseNetworkRun(value: unknown): NetworkRun | null {
  if (value === null || value === undefined) return null;
  const parsed = v.safeParse(NetworkRunSchema, value);
  return parsed.success ? (value as NetworkRun) : null;
}
