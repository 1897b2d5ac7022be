import { describe, expect, it } from 'vitest';
import type { Preparation } from '@/utils/email/check/sequences';
import { type EmailCheckState, isEmailCheckBehind } from '@/utils/email/check/state';
import {
  emailCheckStarted,
  emailSignedIn,
  emailWaitStarted,
  emailWaitStopped,
} from '@/utils/email/check/transitions';
import {
  type IsBehind,
  keepLatest,
  type Latest,
  type LatestSource,
  NOTHING_HEARD,
} from '@/utils/latest-value';
import { isNetworkRunBehind, type NetworkRun, newRun, withProbeResult } from '@/utils/network/run';

/** The view after each value in turn, from nothing heard. */
function follow<T>(isBehind: IsBehind<T>, ...steps: [T | null, LatestSource][]): Latest<T> {
  return steps.reduce<Latest<T>>(
    (current, [value, source]) => keepLatest(current, value, source, isBehind),
    NOTHING_HEARD,
  );
}

const T0 = Date.parse('2026-03-03T17:00:00Z');
const PREP: Preparation = {
  history: { listed: 0, items: [] },
  seenIds: [],
  cache: {},
  mxSystem: 'unknown',
  ticket: { token: 'AB12cd34EF', sentAt: T0 + 1000 },
  testMessageProblem: null,
  calls: 3,
};
const authorizing = emailCheckStarted(null, 'c1', 'gmail', T0, true);
const preparing = emailSignedIn(authorizing);
const waiting = emailWaitStarted(preparing, PREP, T0 + 1000);
const stopped = emailWaitStopped(waiting, T0 + 5000);
const nextCheck = emailCheckStarted(stopped, 'c2', 'microsoft', T0 + 9000, true);

describe('the email check in the popup never steps back', () => {
  const email = (...steps: [EmailCheckState | null, LatestSource][]) =>
    follow(isEmailCheckBehind, ...steps).value;

  it('keeps a change that arrived before the first read resolved', () => {
    expect(email([preparing, 'change'], [authorizing, 'read'])).toBe(preparing);
  });

  it('keeps a change when the first read resolves with nothing', () => {
    expect(email([waiting, 'change'], [null, 'read'])).toBe(waiting);
  });

  it('keeps a reset heard as a change when the first read resolves with the old check', () => {
    expect(email([waiting, 'change'], [null, 'change'], [waiting, 'read'])).toBeNull();
  });

  it('shows the first read while nothing else has arrived, then follows changes', () => {
    expect(email([waiting, 'read'])).toBe(waiting);
    expect(email([waiting, 'read'], [stopped, 'change'])).toBe(stopped);
  });

  it('keeps a change that is ahead of a reply arriving after it', () => {
    // The reply to the start click says "signing in"; storage already says "preparing".
    expect(email([preparing, 'change'], [authorizing, 'reply'])).toBe(preparing);
    expect(email([authorizing, 'reply'], [preparing, 'change'])).toBe(preparing);
  });

  it('keeps a reply that is ahead of a late change of an earlier write', () => {
    expect(email([stopped, 'reply'], [waiting, 'change'])).toBe(stopped);
    expect(email([stopped, 'reply'], [waiting, 'change'], [stopped, 'change'])).toBe(stopped);
  });

  it('shows a newer check over an older one, in either order', () => {
    expect(email([stopped, 'change'], [nextCheck, 'reply'])).toBe(nextCheck);
    expect(email([nextCheck, 'reply'], [stopped, 'change'])).toBe(nextCheck);
  });

  it('shows a reset (null) from a reply or a change', () => {
    expect(email([waiting, 'change'], [null, 'reply'])).toBeNull();
    expect(email([waiting, 'reply'], [null, 'change'])).toBeNull();
  });

  it('takes a level change (same check, same phase) as the newer detail', () => {
    const later = { ...waiting, failures: waiting.failures + 1 };
    expect(email([waiting, 'change'], [later, 'change'])).toBe(later);
  });
});

describe('the network run in the popup never steps back', () => {
  const start = newRun('r1', 1000);
  const progressed = withProbeResult(start, { targetId: 'control', outcome: 'ok' });
  const done: NetworkRun = { ...progressed, state: 'done', finishedAt: 2000 };
  const run = (...steps: [NetworkRun | null, LatestSource][]) =>
    follow(isNetworkRunBehind, ...steps).value;

  it('keeps a change that arrived before the first read resolved', () => {
    expect(run([progressed, 'change'], [start, 'read'])).toBe(progressed);
    expect(run([progressed, 'change'], [null, 'read'])).toBe(progressed);
  });

  it('takes a read ahead of the reply: no change repeats a run ended before the popup watched', () => {
    expect(run([start, 'reply'], [done, 'read'])).toBe(done);
    expect(run([done, 'reply'], [start, 'read'])).toBe(done);
    expect(run([start, 'reply'], [null, 'read'])).toBe(start);
  });

  it('keeps the more advanced of a reply and a change, in either order', () => {
    expect(run([done, 'change'], [start, 'reply'])).toBe(done);
    expect(run([start, 'reply'], [done, 'change'])).toBe(done);
  });

  it('shows a new run after a finished one', () => {
    const next = newRun('r2', 5000);
    expect(run([done, 'read'], [next, 'reply'])).toBe(next);
    expect(run([next, 'reply'], [done, 'change'])).toBe(next);
  });
});

describe('keepLatest', () => {
  const byNumber: IsBehind<number> = (a, b) => a < b;

  it('keeps the same view when a read arrives after a change', () => {
    const heard = keepLatest(NOTHING_HEARD, 2, 'change', byNumber);
    expect(keepLatest(heard, 1, 'read', byNumber)).toBe(heard);
    expect(keepLatest(heard, 3, 'read', byNumber)).toBe(heard);
  });

  it('counts a change kept out by a value ahead of it as heard: a later read is dropped', () => {
    const read = keepLatest(NOTHING_HEARD, 5, 'read', byNumber);
    const kept = keepLatest(read, 4, 'change', byNumber);
    expect(kept).toEqual({ value: 5, changed: true });
    expect(keepLatest(kept, 9, 'read', byNumber)).toBe(kept);
  });

  it('keeps the same view when a reply is behind it', () => {
    const heard = keepLatest(NOTHING_HEARD, 2, 'change', byNumber);
    expect(keepLatest(heard, 1, 'reply', byNumber)).toBe(heard);
  });
});
