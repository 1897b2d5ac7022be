/**
 * The back-off of the check's mailbox calls. Every mailbox call, in any phase, waits for the
 * latest back-off (`backoffUntil`: a 429's Retry-After, a 5xx's exponential delay), which is
 * stored with the rest of the check, so that a restarted worker honours it too
 * (`emailApiGate`).
 */
import type { ApiFailure, ApiGate } from '../mailbox/client';
import { type EmailCheckState, isEmailCheckActive } from './state';

/** Back-off after a failed poll: 5 s, 10 s, 20 s … at most 5 minutes, or longer if asked. */
export const EMAIL_BACKOFF_BASE_MS = 5_000;
export const EMAIL_BACKOFF_MAX_MS = 5 * 60_000;

/** Exponential back-off, at least what the server asked for (Retry-After). */
export function emailBackoffDelay(failures: number, retryAfterMs: number | null): number {
  const exponential = Math.min(
    EMAIL_BACKOFF_BASE_MS * 2 ** Math.max(failures - 1, 0),
    EMAIL_BACKOFF_MAX_MS,
  );
  return Math.max(exponential, retryAfterMs ?? 0);
}

/** The earliest time a mailbox API call may be made: now, or when the latest back-off ends. */
export function emailApiReadyAt(state: EmailCheckState, now: number): number {
  return Math.max(now, state.backoffUntil ?? 0);
}

/**
 * Failures after which the next call waits: the server throttles (429, Gmail's 403
 * rateLimitExceeded) or is unavailable (5xx), or the request did not complete.
 */
export function isTransientFailure(failure: ApiFailure): boolean {
  return (
    failure.kind === 'throttled' || failure.kind === 'unavailable' || failure.kind === 'network'
  );
}

/** A failure as `lastFailure` and the error's detail show it: "throttled 429 …". */
export function failureDetail(failure: ApiFailure): string {
  return `${failure.kind}${failure.status ? ` ${failure.status}` : ''}${failure.code ? ` ${failure.code}` : ''}`;
}

/**
 * A mailbox call failed outside a poll (preparation: the address, the 30 days, the folders).
 * A transient failure (or any that says Retry-After) sets the back-off every later call
 * waits for, in this phase or the next, in this worker or a restarted one. A poll's failure
 * goes through `emailPollApplied` (transitions.ts), which sets the same back-off.
 */
export function emailApiBackedOff<S extends EmailCheckState>(
  state: S,
  failure: ApiFailure,
  now: number,
): S {
  if (!isEmailCheckActive(state)) return state;
  if (!isTransientFailure(failure) && failure.retryAfterMs === null) return state;
  const failures = state.failures + 1;
  const until = now + emailBackoffDelay(failures, failure.retryAfterMs);
  return {
    ...state,
    failures,
    lastFailure: failureDetail(failure),
    backoffUntil: Math.max(until, state.backoffUntil ?? 0),
  };
}

/**
 * The gate every mailbox client of a check goes through (mailbox/client.ts ApiGate): before a
 * call, it reads the stored back-off and sleeps until it has passed (again if it moved
 * meanwhile); after a failure, `backedOff` records it (preparation). Polls leave `backedOff`
 * out: `emailPollApplied` records their failures.
 */
export function emailApiGate(io: {
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  backoffUntil: () => Promise<number | null | undefined> | number | null | undefined;
  backedOff?: (failure: ApiFailure, at: number) => Promise<void> | void;
}): ApiGate {
  return {
    async ready() {
      for (;;) {
        const wait = ((await io.backoffUntil()) ?? 0) - io.now();
        if (wait <= 0) return;
        await io.sleep(wait);
      }
    },
    failed: (failure) => io.backedOff?.(failure, io.now()),
  };
}
