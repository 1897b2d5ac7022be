/**
 * The email check as a state machine. Pure: the background (entrypoints/background/email/)
 * does the I/O and applies these transitions to the stored state (state.ts); the popup
 * renders it.
 *
 *   idle ─click─▶ authorizing ─code+token─▶ preparing ─history, MX, test message─▶ waiting
 *     ▲              │ declined / error          │ 401 → sign-in-again                │
 *     │              ▼                           ▼                                   ▼
 *     └──reset── error(declined | sign-in-again | no-client-id | api-error) ◀── poll failed
 *                                                                       (401, or too often)
 *   waiting ─message found─▶ done(placement)      waiting ─deadline─▶ done(missing)
 *   waiting ─stop─▶ done(latest of the 30 days, or missing)
 *   error(sign-in-again) ─click─▶ authorizing ─▶ preparing ─▶ waiting (same message, same deadline;
 *     up to an hour past the deadline: one look, then the verdict)
 *   a wait under way (also while signing in again, and in error(sign-in-again)) ─stop─▶ done
 *   any ─user says where it is (manual mode)─▶ done(user-reported)
 *   worker restart: authorizing → error(sign-in-again); preparing/waiting resume if the
 *   session still holds the token, else error(sign-in-again)
 *
 * "idle" is no stored state: it is no check at all (null), or one that ended in an error.
 */
import type { Placement } from '../evidence';
import type { MailProvider } from '../oauth';
import { emailApiReadyAt, emailBackoffDelay, failureDetail } from './backoff';
import { messageEvidence, messageTab, placementEvidence } from './message-evidence';
import type { PollOutcome, Preparation } from './sequences';
import {
  EMAIL_ALARM_TOLERANCE_MS,
  EMAIL_FAST_POLL_MS,
  EMAIL_RESUME_GRACE_MS,
  EMAIL_SLOW_POLL_MS,
  EMAIL_WAIT_MS,
  type EmailCheckError,
  type EmailCheckState,
  isEmailCheckActive,
  isEmailWaitStoppable,
  isWaitResumed,
  type MailboxCheckState,
  newCheckRecord,
  type PollStats,
  type VerdictBasis,
} from './state';

/** Consecutive failed polls after which the check gives up with 'api-error'. */
export const EMAIL_MAX_POLL_FAILURES = 6;
/** Message ids kept to skip already-seen messages; the oldest are dropped beyond this. */
const SEEN_IDS_MAX = 200;

/**
 * The click. A check interrupted by an expired token resumes its wait (same test message,
 * same deadline: the countdown goes on from where it was, it does not start again) instead
 * of asking Raftr for another message: the one on its way is still the one that tells where
 * Raftr's mail lands. The back-off stays: the server's Retry-After does not end with a token.
 */
export function emailCheckStarted(
  previous: EmailCheckState | null,
  id: string,
  provider: MailProvider,
  now: number,
  hasClient: boolean,
): MailboxCheckState {
  const check = { ...newCheckRecord(id, now), provider };
  if (!hasClient) return { ...check, phase: 'error', error: { reason: 'no-client-id' } };
  if (isResumable(previous, provider, now)) {
    return {
      ...previous,
      phase: 'authorizing',
      error: null,
      failures: 0,
      nextPollAt: null,
      signInStartedAt: now,
    };
  }
  return { ...check, phase: 'authorizing', signInStartedAt: now };
}

/**
 * A wait cut short by "sign in again", for the same provider, whose deadline is ahead or
 * passed less than EMAIL_RESUME_GRACE_MS ago (then one look decides: a new message would make
 * the user wait the whole 15 minutes again for what the first one can already tell).
 */
function isResumable(
  state: EmailCheckState | null,
  provider: MailProvider,
  now: number,
): state is MailboxCheckState {
  return (
    state?.phase === 'error' &&
    state.error?.reason === 'sign-in-again' &&
    state.provider === provider &&
    state.mode !== null &&
    state.deadline !== null &&
    now < state.deadline + EMAIL_RESUME_GRACE_MS
  );
}

export function emailCheckFailed(
  state: MailboxCheckState,
  error: EmailCheckError,
): MailboxCheckState {
  return { ...state, phase: 'error', error, nextPollAt: null };
}

/** The user declined the permission prompt or the consent screen. */
export function emailCheckDeclined(
  previous: EmailCheckState | null,
  id: string,
  provider: MailProvider,
  now: number,
): MailboxCheckState {
  const state: MailboxCheckState =
    previous !== null && previous.provider === provider
      ? { ...previous, provider }
      : { ...newCheckRecord(id, now), provider, phase: 'authorizing' };
  return emailCheckFailed(state, { reason: 'declined' });
}

export function emailSignedIn(state: MailboxCheckState): MailboxCheckState {
  return { ...state, phase: 'preparing' };
}

/** History read, MX looked up, test message requested: the wait starts now. */
export function emailWaitStarted(
  state: MailboxCheckState,
  prep: Preparation,
  now: number,
): MailboxCheckState {
  // A resumed wait (after "sign in again") keeps its message and its deadline.
  if (isWaitResumed(state)) {
    return {
      ...state,
      phase: 'waiting',
      history: prep.history ?? state.history,
      seenIds: mergeIds(state.seenIds, prep.seenIds),
      cache: prep.cache,
      mxSystem: prep.mxSystem !== 'unknown' ? prep.mxSystem : state.mxSystem,
      nextPollAt: emailApiReadyAt(state, now),
      stats: { ...state.stats, apiCalls: state.stats.apiCalls + prep.calls },
    };
  }
  return {
    ...state,
    phase: 'waiting',
    mode: prep.ticket ? 'test-message' : 'reset-email',
    token: prep.ticket?.token ?? null,
    sentAt: prep.ticket?.sentAt ?? null,
    testMessageProblem: prep.testMessageProblem,
    deadline: now + EMAIL_WAIT_MS,
    history: prep.history,
    seenIds: mergeIds(state.seenIds, prep.seenIds),
    cache: prep.cache,
    mxSystem: prep.mxSystem,
    // The first poll waits for a back-off the preparation met (a throttled history listing).
    nextPollAt: emailApiReadyAt(state, now),
    stats: { ...state.stats, apiCalls: state.stats.apiCalls + prep.calls },
  };
}

function mergeIds(a: readonly string[], b: readonly string[]): string[] {
  const merged = [...new Set([...b, ...a])];
  return merged.slice(0, SEEN_IDS_MAX);
}

/**
 * The wait between polls: fast with a popup open, the alarm's period without one. Alarms fire
 * on their own schedule, a little early or late: a poll is due somewhat before the next alarm,
 * so that an alarm arriving early is not skipped (which would double the interval).
 */
export function emailPollInterval(popupOpen: boolean): number {
  return popupOpen ? EMAIL_FAST_POLL_MS : EMAIL_SLOW_POLL_MS - EMAIL_ALARM_TOLERANCE_MS;
}

function withPollStats(state: EmailCheckState, calls: number): PollStats {
  return {
    polls: state.stats.polls + 1,
    apiCalls: state.stats.apiCalls + calls,
    lastPollCalls: calls,
    maxPollCalls: Math.max(state.stats.maxPollCalls, calls),
  };
}

/** One poll's outcome applied. `popupOpen` picks the next poll's time. */
export function emailPollApplied(
  state: EmailCheckState,
  outcome: PollOutcome,
  now: number,
  popupOpen: boolean,
): EmailCheckState {
  if (state.phase !== 'waiting') return state;
  const stats = withPollStats(state, outcome.calls);
  const seenIds = mergeIds(state.seenIds, outcome.seenIds);
  if (outcome.kind === 'found') {
    const { message } = outcome;
    return {
      ...state,
      phase: 'done',
      seenIds,
      stats,
      failures: 0,
      nextPollAt: null,
      verdict: {
        evidence: messageEvidence(message, {
          provider: state.provider,
          sentAt: state.sentAt,
          mxSystem: state.mxSystem,
        }),
        basis: 'arrived',
        at: now,
        arrivedAt: message.receivedAt,
        sentAt: state.sentAt,
        tab: messageTab(message),
      },
    };
  }
  if (outcome.kind === 'failed') {
    const failure = outcome.failure;
    const detail = failureDetail(failure);
    if (failure.kind === 'unauthorized') {
      return { ...emailCheckFailed(state, { reason: 'sign-in-again', detail }), seenIds, stats };
    }
    const failures = state.failures + 1;
    const fatal =
      failure.kind === 'forbidden' ||
      failure.kind === 'rejected' ||
      failures >= EMAIL_MAX_POLL_FAILURES;
    const pastDeadline = state.deadline !== null && now >= state.deadline;
    if (fatal || pastDeadline) {
      return {
        ...emailCheckFailed(state, { reason: 'api-error', detail }),
        seenIds,
        stats,
        failures,
      };
    }
    const retryAt = now + emailBackoffDelay(failures, failure.retryAfterMs);
    return {
      ...state,
      seenIds,
      stats,
      failures,
      lastFailure: detail,
      nextPollAt: retryAt,
      // Every later call waits too, also a preparation after "sign in again".
      backoffUntil: Math.max(retryAt, state.backoffUntil ?? 0),
    };
  }
  if (state.deadline !== null && now >= state.deadline) {
    return concludeMissing({ ...state, seenIds, stats, failures: 0 }, 'deadline', now);
  }
  return {
    ...state,
    seenIds,
    stats,
    failures: 0,
    lastFailure: null,
    nextPollAt: now + emailPollInterval(popupOpen),
  };
}

function concludeMissing(
  state: EmailCheckState,
  basis: VerdictBasis,
  now: number,
): EmailCheckState {
  return {
    ...state,
    phase: 'done',
    nextPollAt: null,
    verdict: {
      evidence: placementEvidence(state, 'missing', 'mailbox'),
      basis,
      at: now,
      arrivedAt: null,
      sentAt: state.sentAt,
      tab: null,
    },
  };
}

/**
 * The user stops waiting. Without a new message, the newest Raftr message of the last
 * 30 days answers "where does Raftr's mail land"; with none at all, it is missing, and the
 * note says why there is nothing else to go by (none in 30 days, or they could not be read).
 * Also while signing in again after an expired token (isEmailWaitStoppable); before any wait
 * began, stopping means cancelling, and the check is left as it is.
 */
export function emailWaitStopped(state: EmailCheckState, now: number): EmailCheckState {
  if (!isEmailWaitStoppable(state)) return state;
  const latest = state.history?.items[0];
  if (!latest) {
    const basis = state.history ? 'stopped-no-history' : 'stopped-history-unread';
    return concludeMissing({ ...state, error: null }, basis, now);
  }
  return {
    ...state,
    phase: 'done',
    nextPollAt: null,
    error: null,
    verdict: {
      evidence: latest.evidence,
      basis: 'stopped',
      at: now,
      arrivedAt: latest.receivedAt,
      sentAt: null,
      tab: latest.tab,
    },
  };
}

/** Manual mode: the user looked and says where the message is. */
export function emailPlacementReported(
  previous: EmailCheckState | null,
  id: string,
  placement: Placement,
  now: number,
): EmailCheckState {
  const state = previous ?? { ...newCheckRecord(id, now), provider: null };
  const evidence = placementEvidence(state, placement, 'user-reported');
  return {
    ...state,
    phase: 'done',
    nextPollAt: null,
    error: null,
    verdict: {
      evidence,
      basis: 'user-reported',
      at: now,
      arrivedAt: null,
      sentAt: null,
      tab: null,
    },
  };
}

export function emailVerdictNotified(state: EmailCheckState): EmailCheckState {
  return { ...state, notified: true };
}

/**
 * A worker starts and finds this state. A sign-in in progress died with the previous worker
 * (its window's answer went nowhere); any other active phase needs the access token, which
 * `session:` storage keeps across worker restarts but not across browser restarts.
 */
export function emailCheckResumed(
  state: MailboxCheckState,
  hasToken: boolean,
  now: number,
): MailboxCheckState;
export function emailCheckResumed(
  state: EmailCheckState,
  hasToken: boolean,
  now: number,
): EmailCheckState;
export function emailCheckResumed(
  state: EmailCheckState,
  hasToken: boolean,
  now: number,
): EmailCheckState {
  if (!isEmailCheckActive(state)) return state;
  if (state.phase === 'authorizing') {
    return emailCheckFailed(state, { reason: 'sign-in-again', detail: 'sign-in interrupted' });
  }
  if (!hasToken) return emailCheckFailed(state, { reason: 'sign-in-again', detail: 'token gone' });
  const resumed = { ...state, resumes: state.resumes + 1 };
  if (state.phase === 'waiting' && state.nextPollAt === null)
    return { ...resumed, nextPollAt: emailApiReadyAt(state, now) };
  return resumed;
}
