import { describe, expect, it } from 'vitest';
import { newRun } from '@/utils/network/run';
import { parseNetworkRun } from '@/utils/network/run-schema';

describe('a stored network run read back', () => {
  const run = newRun('run-1', 1_000);

  it('is a run when it is one, a v1 run without evidence included', () => {
    expect(parseNetworkRun(run)).toBe(run);
    const done = {
      ...run,
      state: 'done',
      finishedAt: 2_000,
      probes: Object.fromEntries(
        Object.entries(run.probes).map(([id, p]) => [
          id,
          { ...p, state: 'done', result: { targetId: id, outcome: 'ok' } },
        ]),
      ),
    };
    expect(parseNetworkRun(done)).toEqual(done);
  });

  it('is nothing when it is not a run: never a half-read one', () => {
    for (const bad of [
      'run',
      42,
      {},
      { ...run, state: 'paused' },
      {
        ...run,
        probes: {
          ...run.probes,
          control: {
            targetId: 'control',
            state: 'done',
            result: { targetId: 'control', outcome: 'fine' },
          },
        },
      },
      { ...run, resumes: -1 },
      { ...run, probes: {} },
    ]) {
      expect(parseNetworkRun(bad)).toBeNull();
    }
    expect(parseNetworkRun(null)).toBeNull();
    expect(parseNetworkRun(undefined)).toBeNull();
  });
});
