/**
 * Two diagnoses of the same user, side by side (issue #11): what changed between an earlier
 * result and a later one. Shared by the helpdesk page (two codes) and the popup's before/after
 * view (the last few network results), so it is pure: evidence in, identifiers out. The words
 * come from the message catalog where it is shown (`outcome_<id>`, `finding_<id>_title`).
 *
 * A probe "changed" when its outcome differs; a probe that ran in only one of the two results
 * (the other had no network check) changed from or to `null`. Findings are compared by id, in
 * the order the rules produce them (`findingsFor`: the network's first, then the email's).
 */
import { type Evidence, findingsFor } from '../evidence';
import type { Outcome } from '../network/outcomes';
import { PROBE_TARGET_IDS, type ProbeTargetId } from '../profile';

export interface ProbeChange {
  id: ProbeTargetId;
  /** The earlier outcome; null when the earlier result had no network check. */
  before: Outcome | null;
  /** The later outcome; null when the later result had no network check. */
  after: Outcome | null;
}

export interface EvidenceComparison {
  /** The probes whose outcome differs, in the probes' fixed order. */
  changedProbes: ProbeChange[];
  /** Finding ids of the later result that the earlier one did not have. */
  findingsAdded: string[];
  /** Finding ids of the earlier result that the later one no longer has. */
  findingsResolved: string[];
  /** Finding ids both results have. */
  findingsKept: string[];
}

function outcomeOf(evidence: Evidence, id: ProbeTargetId): Outcome | null {
  return evidence.network?.outcomes[id] ?? null;
}

/** What changed from `before` to `after`. */
export function compareEvidence(before: Evidence, after: Evidence): EvidenceComparison {
  const changedProbes: ProbeChange[] = [];
  for (const id of PROBE_TARGET_IDS) {
    const was = outcomeOf(before, id);
    const now = outcomeOf(after, id);
    if (was !== now) changedProbes.push({ id, before: was, after: now });
  }
  const beforeIds = findingsFor(before).map((f) => f.id);
  const afterIds = findingsFor(after).map((f) => f.id);
  const had = new Set(beforeIds);
  const has = new Set(afterIds);
  return {
    changedProbes,
    findingsAdded: afterIds.filter((id) => !had.has(id)),
    findingsResolved: beforeIds.filter((id) => !has.has(id)),
    findingsKept: afterIds.filter((id) => had.has(id)),
  };
}
