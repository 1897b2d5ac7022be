import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '@/utils/network/classify';
import { finishRun } from '@/utils/network/finish';
import {
  evidenceOf,
  isFresh,
  isNetworkRunBehind,
  newRun,
  pendingTargets,
  withProbeResult,
} from '@/utils/network/run';
import { PROBE_TARGET_IDS, probeTargets } from '@/utils/profile';

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

describe('isNetworkRunBehind: the popup never steps back', () => {
  const start = newRun('r1', 1000);
  const progressed = withProbeResult(start, ok('control'));
  const done = { ...progressed, state: 'done' as const, finishedAt: 2000 };

  it('puts the view with more probes done, and done, ahead of running', () => {
    expect(isNetworkRunBehind(start, progressed)).toBe(true);
    expect(isNetworkRunBehind(progressed, start)).toBe(false);
    expect(isNetworkRunBehind(start, done)).toBe(true);
    expect(isNetworkRunBehind(done, start)).toBe(false);
  });

  it('puts a newer run ahead of an older one, and keeps two equal views level', () => {
    const next = newRun('r2', 5000);
    expect(isNetworkRunBehind(done, next)).toBe(true);
    expect(isNetworkRunBehind(next, done)).toBe(false);
    expect(isNetworkRunBehind(progressed, { ...progressed })).toBe(false);
  });
});

describe('finishRun', () => {
  const withAll = (outcome: ProbeResult['outcome'], control: ProbeResult['outcome']) => {
    let run = newRun('r1', 1000);
    for (const id of PROBE_TARGET_IDS) {
      run = withProbeResult(run, { targetId: id, outcome: id === 'control' ? control : outcome });
    }
    return run;
  };

  it('reports every connection failure as offline when nothing at all was reachable', () => {
    const done = finishRun(withAll('dns-failed', 'timeout'), 2000, probeTargets());
    expect(done.state).toBe('done');
    expect(done.finishedAt).toBe(2000);
    expect(evidenceOf(done)?.outcomes).toEqual(
      Object.fromEntries(PROBE_TARGET_IDS.map((id) => [id, 'offline'])),
    );
  });

  it('keeps Raftr failures as they are when the control answered', () => {
    const done = finishRun(withAll('refused', 'ok'), 2000, probeTargets());
    expect(evidenceOf(done)?.outcomes['app-https']).toBe('refused');
    expect(evidenceOf(done)?.outcomes.control).toBe('ok');
  });

  it('ends a probe that never reported as unknown, "interrupted"', () => {
    const run = withProbeResult(newRun('r1', 1000), ok('control'));
    const done = finishRun(run, 2000, probeTargets());
    expect(pendingTargets(done)).toEqual([]);
    expect(done.probes['app-https'].result).toMatchObject({
      outcome: 'unknown',
      error: 'interrupted',
    });
  });
});
