import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '@/utils/classify';
import {
  evidenceOf,
  isFresh,
  laterOf,
  newRun,
  pendingTargets,
  withProbeResult,
} from '@/utils/network-run';
import { PROBE_TARGET_IDS } from '@/utils/profile';

const ok = (targetId: ProbeResult['targetId']): ProbeResult => ({ targetId, outcome: 'ok' });

describe('network run state', () => {
  it('starts with every probe pending and has no evidence until all are done', () => {
    let run = newRun('r1', 1000);
    expect(pendingTargets(run)).toEqual(PROBE_TARGET_IDS);
    expect(evidenceOf(run)).toBeNull();
    for (const id of PROBE_TARGET_IDS) run = withProbeResult(run, ok(id));
    expect(pendingTargets(run)).toEqual([]);
    expect(evidenceOf(run)?.outcomes.control).toBe('ok');
  });

  it('keeps the first recognised product as the evidence product', () => {
    let run = newRun('r1', 1000);
    for (const id of PROBE_TARGET_IDS) run = withProbeResult(run, ok(id));
    run = withProbeResult(run, {
      targetId: 'app-https',
      outcome: 'proxy-blocked',
      product: 'zscaler',
    });
    expect(evidenceOf(run)?.product).toBe('zscaler');
  });

  it('shows a finished result only while it is fresh', () => {
    const done = { ...newRun('r1', 0), state: 'done' as const, finishedAt: 1000 };
    expect(isFresh(done, 30_000, 60_000)).toBe(true);
    expect(isFresh(done, 61_001, 60_000)).toBe(false);
    expect(isFresh(newRun('r2', 0), 10, 60_000)).toBe(false);
  });
});

describe('laterOf: the popup never steps back', () => {
  const start = newRun('r1', 1000);
  const progressed = withProbeResult(start, ok('control'));
  const done = { ...progressed, state: 'done' as const, finishedAt: 2000 };

  it('prefers the view with more probes done, and done over running', () => {
    expect(laterOf(progressed, start)).toBe(progressed);
    expect(laterOf(start, progressed)).toBe(progressed);
    expect(laterOf(done, start)).toBe(done);
    expect(laterOf(start, done)).toBe(done);
  });

  it('prefers a newer run over an older one, and anything over nothing', () => {
    const next = newRun('r2', 5000);
    expect(laterOf(done, next)).toBe(next);
    expect(laterOf(next, done)).toBe(next);
    expect(laterOf(null, start)).toBe(start);
    expect(laterOf(start, null)).toBe(start);
  });
});
