/**
 * Two diagnoses side by side (utils/code/compare.ts): the probes whose outcome changed and the
 * findings added, resolved and kept, as the helpdesk page's comparison and the popup's
 * before/after view show them.
 */

import { describe, expect, it } from 'vitest';
import { compareEvidence } from '@/utils/code/compare';
import type { EmailEvidence } from '@/utils/email/evidence';
import type { Evidence } from '@/utils/evidence';
import type { NetworkEvidence } from '@/utils/network/findings';
import { ALL_OK, evidenceAt, HOUR, SPAM } from './evidence-samples';

const T0 = Date.UTC(2026, 10, 3, 10);

function evidence(
  network: NetworkEvidence | null,
  email: EmailEvidence | null = null,
  hoursAfter = 0,
): Evidence {
  return evidenceAt(T0 + hoursAfter * HOUR, network, email);
}

const dropped = evidence({
  outcomes: { ...ALL_OK, 'api-ip-https': 'timeout', 'api-ip-http': 'timeout' },
});
const port80Only = evidence({ outcomes: { ...ALL_OK, 'api-ip-http': 'timeout' } }, null, 2);
const healthy = evidence({ outcomes: ALL_OK }, null, 3);

describe('compareEvidence', () => {
  it('finds nothing changed between the same results', () => {
    expect(compareEvidence(dropped, { ...dropped, createdAt: T0 + HOUR })).toEqual({
      changedProbes: [],
      findingsAdded: [],
      findingsResolved: [],
      findingsKept: ['ip-blocked'],
    });
  });

  it('after IT’s fix: the probes that now answer, the finding resolved, the all-clear added', () => {
    expect(compareEvidence(dropped, healthy)).toEqual({
      changedProbes: [
        { id: 'api-ip-https', before: 'timeout', after: 'ok' },
        { id: 'api-ip-http', before: 'timeout', after: 'ok' },
      ],
      findingsAdded: ['all-clear'],
      findingsResolved: ['ip-blocked'],
      findingsKept: [],
    });
  });

  it('a partial fix: port 443 opened, port 80 still dropped', () => {
    const comparison = compareEvidence(dropped, port80Only);
    expect(comparison.changedProbes).toEqual([
      { id: 'api-ip-https', before: 'timeout', after: 'ok' },
    ]);
    expect(comparison.findingsResolved).toEqual(['ip-blocked']);
    expect(comparison.findingsAdded).toEqual(['port-80-blocked']);
  });

  it('a check run in only one of the two: its probes change from or to null', () => {
    const emailOnly = evidence(null, SPAM, 1);
    const comparison = compareEvidence(emailOnly, healthy);
    expect(comparison.changedProbes).toEqual(
      (['app-https', 'web-https', 'api-ip-https', 'api-ip-http', 'control'] as const).map((id) => ({
        id,
        before: null,
        after: 'ok',
      })),
    );
    expect(comparison.findingsAdded).toEqual(['all-clear']);
    expect(comparison.findingsResolved).toEqual(['email-in-spam']);
    expect(compareEvidence(healthy, emailOnly).changedProbes.every((p) => p.after === null)).toBe(
      true,
    );
  });

  it('keeps the findings both have, in the later result’s order', () => {
    const before = evidence(dropped.network, SPAM);
    const after = evidence(port80Only.network, SPAM, 2);
    const comparison = compareEvidence(before, after);
    expect(comparison.findingsKept).toEqual(['email-in-spam']);
    expect(comparison.findingsAdded).toEqual(['port-80-blocked']);
    expect(comparison.findingsResolved).toEqual(['ip-blocked']);
  });
});
