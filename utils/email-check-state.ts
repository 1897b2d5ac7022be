/**
 * The email check as a state machine, stored in `local:` storage so that it outlives the
 * popup and a stopped service worker. Pure: the background (entrypoints/background/
 * email-check.ts) does the I/O and applies these transitions; the popup renders the state.
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
 * Every mailbox call, in any phase, waits for the latest back-off (`backoffUntil`: a 429's
 * Retry-After, a 5xx's exponential delay), which is stored here with the rest, so that a
 * restarted worker honours it too (`emailApiGate`).
 *
 * Nothing personal is stored: no address, no subject, no token of the mailbox (access tokens
 * live in memory and `session:` storage only). Message ids are opaque and kept only so that
 * a poll does not fetch the same message twice.
 */
import { analyzeMessage } from './email-analysis';
import type { EmailEvidence, MailSystemId, Placement } from './email-evidence';
import {
  type ApiFailure,
  type ApiGate,
  type ApiResult,
  type MailboxCache,
  type MailboxClient,
  type MailboxMessage,
  type RaftrMessageKind,
  raftrMessageKind,
  subjectHasToken,
  testTokenOf,
} from './mailbox';
import { gmailTab } from './mailbox-gmail';
import type { MailProvider } from './oauth';

/** How long the check waits for the message (the issue: up to 15 minutes). */
export const EMAIL_WAIT_MS = 15 * 60_000;
/** The poll while a popup is open: arrival to verdict in under 5 s. */
export const EMAIL_FAST_POLL_MS = 2_000;
/** The alarm's period while no popup is open; Chrome's minimum is 30 s (Chrome 120+). */
export const EMAIL_ALARM_PERIOD_MINUTES = 0.5;
export const EMAIL_SLOW_POLL_MS = EMAIL_ALARM_PERIOD_MINUTES * 60_000;
/** How early an alarm may fire and still poll. */
export const EMAIL_ALARM_TOLERANCE_MS = 5_000;
/** Back-off after a failed poll: 5 s, 10 s, 20 s … at most 5 minutes, or longer if asked. */
export const EMAIL_BACKOFF_BASE_MS = 5_000;
export const EMAIL_BACKOFF_MAX_MS = 5 * 60_000;
/** Consecutive failed polls after which the check gives up with 'api-error'. */
export const EMAIL_MAX_POLL_FAILURES = 6;
/** The history: Raftr mail of the last 30 days, at most this many listed and analysed. */
export const HISTORY_DAYS = 30;
export const HISTORY_LIST_MAX = 25;
export const HISTORY_ANALYZE_MAX = 10;
/** A poll lists this many and fetches at most this many new messages (quota: few calls). */
export const POLL_LIST_MAX = 10;
export const POLL_GET_MAX = 3;
/** Clocks differ between Raftr, the mailbox and this machine: look back a little further. */
export const EMAIL_CLOCK_SLACK_MS = 5 * 60_000;
/** A sign-in not finished in this time was abandoned (its window closed with the worker). */
export const EMAIL_SIGN_IN_TIMEOUT_MS = 10 * 60_000;
/**
 * Signing in again this long after the deadline still resumes the wait for the same message:
 * one look in the mailbox, then the verdict. Later, a new check is what the user asks for.
 */
export const EMAIL_RESUME_GRACE_MS = 60 * 60_000;
/** Attempts at the one preparation call the check cannot do without (Graph's folder ids). */
export const EMAIL_PREPARE_ATTEMPTS = 3;
/**
 * A check is kept this long after its verdict (or its start), then forgotten: not shown, not
 * put into a diagnostic code, deleted from storage (the consent text says so).
 */
export const EMAIL_RESULT_TTL_MS = 7 * 24 * 3_600_000;
/** Message ids kept to skip already-seen messages; the oldest are dropped beyond this. */
const SEEN_IDS_MAX = 200;

export type EmailPhase = 'idle' | 'authorizing' | 'preparing' | 'waiting' | 'done' | 'error';
/**
 * 'blocked-by-admin': the organisation does not let users approve the app (detail: the
 * provider's code); 'window-closed': the sign-in window was closed without an answer (the
 * user's choice, or a block the provider only showed in the window).
 */
export type EmailErrorReason =
  | 'declined'
  | 'blocked-by-admin'
  | 'window-closed'
  | 'sign-in-page-error'
  | 'sign-in-again'
  | 'no-client-id'
  | 'api-error';
/** The test-contract state of `[data-testid="email-check"]`. */
export type EmailUiState = 'idle' | 'waiting' | 'done';

/**
 * 'test-message': Raftr's endpoint sent a message with a token. 'reset-email': the user is
 * asked to request a password reset (a real message from no-reply@raftr.com) and any new
 * message from that sender counts.
 */
export type WaitMode = 'test-message' | 'reset-email';

/**
 * How the verdict was reached. 'stopped': the user stopped waiting and the newest Raftr
 * message of the last 30 days answers; 'stopped-no-history': stopped, and there was no Raftr
 * mail in the last 30 days; 'stopped-history-unread': stopped, and the 30 days could not be
 * read. Each has its own note in the popup (`email_basis_*`).
 */
export const VERDICT_BASES = [
  'arrived',
  'deadline',
  'stopped',
  'stopped-no-history',
  'stopped-history-unread',
  'user-reported',
] as const;
export type VerdictBasis = (typeof VERDICT_BASES)[number];

export interface HistoryItem {
  kind: RaftrMessageKind;
  placement: Placement;
  /** Gmail tab (promotions, updates…) or Outlook's Focused Inbox side (focused, other). */
  tab: string | null;
  receivedAt: number | null;
  evidence: EmailEvidence;
}

export interface EmailHistory {
  /** Raftr messages listed in the last 30 days (the list is capped at HISTORY_LIST_MAX). */
  listed: number;
  /** The newest HISTORY_ANALYZE_MAX of them, analysed. */
  items: HistoryItem[];
}

export interface EmailVerdict {
  evidence: EmailEvidence;
  basis: VerdictBasis;
  /** When the verdict was reached (the diagnostic code's time). */
  at: number;
  /** When the mailbox received the message, epoch ms. */
  arrivedAt: number | null;
  /** When Raftr sent it (test message), epoch ms. */
  sentAt: number | null;
  tab: string | null;
}

export interface EmailCheckError {
  reason: EmailErrorReason;
  /** A technical detail for "show details" (an API error code), never personal data. */
  detail?: string;
}

export interface PollStats {
  polls: number;
  /** API calls of this check so far (sign-in excluded). */
  apiCalls: number;
  /** API calls of the latest poll: the quota figure of `npm run bench`. */
  lastPollCalls: number;
  maxPollCalls: number;
}

export interface EmailCheckState {
  id: string;
  phase: EmailPhase;
  /** null in manual mode. */
  provider: MailProvider | null;
  mode: WaitMode | null;
  startedAt: number;
  /** Set when the wait starts: the end of the countdown. */
  deadline: number | null;
  /** The test message's token (it is in the message's subject: not a secret). */
  token: string | null;
  sentAt: number | null;
  /** Why no test message could be requested (the check then falls back to the reset email). */
  testMessageProblem: string | null;
  /** The mail system behind the address's MX records ('unknown' when not looked up). */
  mxSystem: MailSystemId;
  history: EmailHistory | null;
  seenIds: string[];
  cache: MailboxCache;
  /** The earliest time of the next poll (back-off moves it). */
  nextPollAt: number | null;
  /**
   * No mailbox API call before this time, whichever phase's failure set it (preparation or
   * poll). Absent in states stored by older versions.
   */
  backoffUntil?: number | null;
  /** Consecutive failed mailbox calls (polls, and transient failures while preparing). */
  failures: number;
  lastFailure: string | null;
  stats: PollStats;
  verdict: EmailVerdict | null;
  error: EmailCheckError | null;
  /** The verdict was announced with a notification (once). */
  notified: boolean;
  /** How many times a stopped worker picked the check up again. */
  resumes: number;
  /** When the current sign-in began (a resumed check keeps its `startedAt`). */
  signInStartedAt?: number | null;
}

const NO_STATS: PollStats = { polls: 0, apiCalls: 0, lastPollCalls: 0, maxPollCalls: 0 };

function base(id: string, provider: MailProvider | null, now: number): EmailCheckState {
  return {
    id,
    phase: 'idle',
    provider,
    mode: null,
    startedAt: now,
    deadline: null,
    token: null,
    sentAt: null,
    testMessageProblem: null,
    mxSystem: 'unknown',
    history: null,
    seenIds: [],
    cache: {},
    nextPollAt: null,
    backoffUntil: null,
    failures: 0,
    lastFailure: null,
    stats: NO_STATS,
    verdict: null,
    error: null,
    notified: false,
    resumes: 0,
    signInStartedAt: null,
  };
}

export function emailUiStateOf(state: EmailCheckState | null): EmailUiState {
  if (!state) return 'idle';
  if (state.phase === 'done') return 'done';
  if (state.phase === 'authorizing' || state.phase === 'preparing' || state.phase === 'waiting') {
    return 'waiting';
  }
  return 'idle';
}

export function isEmailCheckActive(state: EmailCheckState | null): boolean {
  return emailUiStateOf(state) === 'waiting';
}

/**
 * Whether the user can stop waiting now: a wait has begun (it has a mode and a deadline) and
 * has no verdict yet, also while signing in again after an expired token and in that error
 * itself (the verdict then comes from the stored 30 days; no mailbox access is needed).
 */
export function isEmailWaitStoppable(state: EmailCheckState | null): boolean {
  if (!state || !isWaitResumed(state)) return false;
  if (isEmailCheckActive(state)) return true;
  return state.phase === 'error' && state.error?.reason === 'sign-in-again';
}

/** The mailbox platform a provider stands for (what the fix must be phrased in). */
export function mailboxSystemOf(provider: MailProvider | null): MailSystemId {
  if (provider === 'gmail') return 'google-workspace';
  if (provider === 'microsoft') return 'microsoft-365';
  return 'unknown';
}

// ---------------------------------------------------------------------------------------------
// Transitions.

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
): EmailCheckState {
  if (!hasClient) {
    return { ...base(id, provider, now), phase: 'error', error: { reason: 'no-client-id' } };
  }
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
  return { ...base(id, provider, now), phase: 'authorizing', signInStartedAt: now };
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
): state is EmailCheckState {
  return (
    state?.phase === 'error' &&
    state.error?.reason === 'sign-in-again' &&
    state.provider === provider &&
    state.mode !== null &&
    state.deadline !== null &&
    now < state.deadline + EMAIL_RESUME_GRACE_MS
  );
}

export function emailCheckFailed(state: EmailCheckState, error: EmailCheckError): EmailCheckState {
  return { ...state, phase: 'error', error, nextPollAt: null };
}

/** The user declined the permission prompt or the consent screen. */
export function emailCheckDeclined(
  previous: EmailCheckState | null,
  id: string,
  provider: MailProvider,
  now: number,
): EmailCheckState {
  const state = previous && previous.provider === provider ? previous : base(id, provider, now);
  return emailCheckFailed(state, { reason: 'declined' });
}

export function emailSignedIn(state: EmailCheckState): EmailCheckState {
  return { ...state, phase: 'preparing' };
}

export interface Preparation {
  history: EmailHistory | null;
  seenIds: string[];
  cache: MailboxCache;
  mxSystem: MailSystemId;
  /** The test message, when the endpoint sent one. */
  ticket: { token: string; sentAt: number } | null;
  testMessageProblem: string | null;
  calls: number;
}

/** History read, MX looked up, test message requested: the wait starts now. */
export function emailWaitStarted(
  state: EmailCheckState,
  prep: Preparation,
  now: number,
): EmailCheckState {
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

/** Whether this check already waited for a message (so preparing it again sends nothing). */
export function isWaitResumed(state: EmailCheckState): boolean {
  return state.mode !== null && state.deadline !== null;
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

/** When the next poll is due: its schedule, and never inside a back-off. */
export function emailNextPollAt(state: EmailCheckState | null): number | null {
  if (state?.phase !== 'waiting' || state.nextPollAt === null) return null;
  return Math.max(state.nextPollAt, state.backoffUntil ?? 0);
}

export function isEmailPollDue(state: EmailCheckState | null, now: number): boolean {
  const at = emailNextPollAt(state);
  return at !== null && now >= at;
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

function failureDetail(failure: ApiFailure): string {
  return `${failure.kind}${failure.status ? ` ${failure.status}` : ''}${failure.code ? ` ${failure.code}` : ''}`;
}

/**
 * A mailbox call failed outside a poll (preparation: the address, the 30 days, the folders).
 * A transient failure (or any that says Retry-After) sets the back-off every later call
 * waits for, in this phase or the next, in this worker or a restarted one. A poll's failure
 * goes through `emailPollApplied`, which sets the same back-off.
 */
export function emailApiBackedOff(
  state: EmailCheckState,
  failure: ApiFailure,
  now: number,
): EmailCheckState {
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
 * The gate every mailbox client of a check goes through (utils/mailbox.ts ApiGate): before a
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

/** Evidence for a message found in the mailbox. */
export function messageEvidence(
  message: MailboxMessage,
  context: { provider: MailProvider; sentAt: number | null; mxSystem: MailSystemId },
): EmailEvidence {
  const location = message.location;
  return analyzeMessage({
    headers: message.headers,
    ...(location.provider === 'gmail'
      ? { labelIds: location.labelIds }
      : { folder: location.folder }),
    ...(context.sentAt !== null ? { sentAt: context.sentAt } : {}),
    ...(message.receivedAt !== null ? { receivedAt: message.receivedAt } : {}),
    mailboxSystem: mailboxSystemOf(context.provider),
    mxSystem: context.mxSystem,
    source: 'mailbox',
  });
}

/** Gmail tab or Outlook Focused/Other, for display. */
export function messageTab(message: MailboxMessage): string | null {
  const location = message.location;
  if (location.provider === 'gmail') return gmailTab(location.labelIds);
  return location.folder === 'inbox' ? location.inferenceClassification : null;
}

export function missingMessageEvidence(state: EmailCheckState): EmailEvidence {
  return analyzeMessage({
    placement: 'missing',
    mailboxSystem: mailboxSystemOf(state.provider),
    mxSystem: state.mxSystem,
    source: 'mailbox',
  });
}

export type PollOutcome =
  | { kind: 'found'; message: MailboxMessage; seenIds: string[]; calls: number }
  | { kind: 'nothing'; seenIds: string[]; calls: number }
  | { kind: 'failed'; failure: ApiFailure; seenIds: string[]; calls: number };

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
    const provider = state.provider as MailProvider;
    return {
      ...state,
      phase: 'done',
      seenIds,
      stats,
      failures: 0,
      nextPollAt: null,
      verdict: {
        evidence: messageEvidence(message, {
          provider,
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
      evidence: missingMessageEvidence(state),
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
  const state = previous ?? base(id, null, now);
  const evidence = analyzeMessage({
    placement,
    mailboxSystem: mailboxSystemOf(state.provider),
    mxSystem: state.mxSystem,
    source: 'user-reported',
  });
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

/**
 * A sign-in window left open too long is given up (the next click starts again). Measured
 * from this sign-in, not from the check's start (a resumed check started long before).
 */
export function emailSignInTimedOut(state: EmailCheckState, now: number): boolean {
  const since = state.signInStartedAt ?? state.startedAt;
  return state.phase === 'authorizing' && now - since > EMAIL_SIGN_IN_TIMEOUT_MS;
}

/**
 * Milliseconds left on the countdown; null when no wait is under way. A wait resumed after
 * "sign in again" counts down to its original deadline from the sign-in on.
 */
export function emailRemainingMs(state: EmailCheckState | null, now: number): number | null {
  if (!state || !isEmailCheckActive(state) || state.deadline === null) return null;
  return Math.max(state.deadline - now, 0);
}

/** The evidence to show and to put into the diagnostic code, once there is a verdict. */
export function emailVerdictEvidence(
  state: EmailCheckState | null,
): { evidence: EmailEvidence; at: number } | null {
  return state?.phase === 'done' && state.verdict
    ? { evidence: state.verdict.evidence, at: state.verdict.at }
    : null;
}

// ---------------------------------------------------------------------------------------------
// The I/O sequences, over an injected MailboxClient (no browser.* here either).

function isTarget(state: EmailCheckState, message: MailboxMessage, since: number): boolean {
  if (state.mode === 'test-message' && state.token) {
    return testTokenOf(message.subject, message.headers) === state.token;
  }
  // The reset email: any new message from the verification sender since the wait began.
  return message.receivedAt === null || message.receivedAt >= since;
}

/**
 * One poll: one list call, then a get for each message not seen before (at most
 * POLL_GET_MAX). Graph's list gives subjects, so in test-message mode only the message with
 * the token is fetched; Gmail's gives ids only, so each new id is fetched once.
 */
export async function pollMailbox(
  client: MailboxClient,
  state: EmailCheckState,
): Promise<PollOutcome> {
  const before = client.calls;
  const calls = () => client.calls - before;
  const since = (state.sentAt ?? state.startedAt) - EMAIL_CLOCK_SLACK_MS;
  const listed = await client.listNewVerificationMail(since, POLL_LIST_MAX);
  if (!listed.ok) return { kind: 'failed', failure: listed.failure, seenIds: [], calls: calls() };
  const seen = new Set(state.seenIds);
  const fresh = listed.value.filter((ref) => !seen.has(ref.id));
  const seenIds: string[] = [];
  let fetched = 0;
  for (const ref of fresh) {
    const knowsSubject = ref.subject !== undefined && ref.subject !== null;
    if (state.mode === 'test-message' && state.token && knowsSubject) {
      if (!subjectHasToken(ref.subject, state.token)) {
        seenIds.push(ref.id);
        continue;
      }
    }
    if (ref.receivedAt != null && ref.receivedAt < since) {
      seenIds.push(ref.id);
      continue;
    }
    if (fetched >= POLL_GET_MAX) break;
    fetched += 1;
    const got = await client.getMessage(ref);
    if (!got.ok) {
      // Deleted between list and get: nothing to see. Anything else: the next poll retries.
      if (got.failure.kind === 'not-found') {
        seenIds.push(ref.id);
        continue;
      }
      return { kind: 'failed', failure: got.failure, seenIds, calls: calls() };
    }
    seenIds.push(ref.id);
    if (isTarget(state, got.value, since)) {
      return { kind: 'found', message: got.value, seenIds, calls: calls() };
    }
  }
  return { kind: 'nothing', seenIds, calls: calls() };
}

/**
 * The last 30 days of Raftr mail: one list, then the newest HISTORY_ANALYZE_MAX analysed.
 * Every listed id counts as seen, so that the wait only considers newer mail.
 */
export async function readEmailHistory(
  client: MailboxClient,
  context: { provider: MailProvider; mxSystem: MailSystemId },
): Promise<ApiResult<{ history: EmailHistory; seenIds: string[] }>> {
  const listed = await client.listRaftrMail(HISTORY_DAYS, HISTORY_LIST_MAX);
  if (!listed.ok) return listed;
  const items: HistoryItem[] = [];
  for (const ref of listed.value.slice(0, HISTORY_ANALYZE_MAX)) {
    const got = await client.getMessage(ref);
    if (!got.ok) {
      if (got.failure.kind === 'not-found') continue;
      return got;
    }
    const message = got.value;
    const evidence = messageEvidence(message, { ...context, sentAt: null });
    items.push({
      kind: raftrMessageKind(message),
      placement: evidence.placement,
      tab: messageTab(message),
      receivedAt: message.receivedAt,
      evidence,
    });
  }
  items.sort((a, b) => (b.receivedAt ?? 0) - (a.receivedAt ?? 0));
  return {
    ok: true,
    value: {
      history: { listed: listed.value.length, items },
      seenIds: listed.value.map((ref) => ref.id),
    },
  };
}

/** What the preparation needs besides the mailbox (the background's I/O). */
export interface PreparationIo {
  /** The mail system behind a domain's MX records ('unknown' when it cannot tell). */
  lookUpMxSystem(domain: string): Promise<MailSystemId>;
  /** Asks Raftr's endpoint for a test message to `to`; null when no endpoint is configured. */
  requestTestMessage:
    | ((to: string) => Promise<ApiResult<{ token: string; sentAt: number }>>)
    | null;
}

/**
 * Everything before the wait: the client's own preparation (Graph's folder ids, retried after
 * its back-off when throttled), then, for a new wait, address → MX, the last 30 days and the
 * test message. Every mailbox call goes through the client's gate, so a throttled call holds
 * back the next one, in this phase and in the wait. Only an expired token (or a client that
 * cannot prepare) stops it; a failed address or history is done without.
 *
 * A resumed wait (after "sign in again") has its history, MX and message already. Reading the
 * history again would count a test message that arrived meanwhile as already seen.
 */
export async function prepareEmailWait(
  client: MailboxClient,
  state: EmailCheckState,
  io: PreparationIo,
): Promise<Preparation | { failure: ApiFailure }> {
  let prepared = await client.prepare();
  for (let attempt = 1; attempt < EMAIL_PREPARE_ATTEMPTS; attempt++) {
    if (prepared.ok || !isTransientFailure(prepared.failure)) break;
    prepared = await client.prepare();
  }
  if (!prepared.ok) return { failure: prepared.failure };
  if (isWaitResumed(state)) {
    return {
      history: null,
      seenIds: [],
      cache: client.cache,
      mxSystem: 'unknown',
      ticket: null,
      testMessageProblem: null,
      calls: client.calls,
    };
  }
  const provider = client.provider;
  // The address stays in this function: it goes to the MX lookup (its domain) and to Raftr's
  // endpoint (which must know where to send), and is never stored. Without it (a tenant that
  // withholds User.Read) the mailbox can still be read; only the test message and MX need it.
  const address = await client.address();
  if (!address.ok && address.failure.kind === 'unauthorized') return { failure: address.failure };
  const to = address.ok ? address.value : null;
  const mxSystem = to ? await io.lookUpMxSystem(to.replace(/^.*@/, '').toLowerCase()) : 'unknown';

  const history = await readEmailHistory(client, { provider, mxSystem });
  if (!history.ok && history.failure.kind === 'unauthorized') return { failure: history.failure };

  let ticket: Preparation['ticket'] = null;
  let testMessageProblem: string | null = null;
  if (io.requestTestMessage && !to) {
    testMessageProblem = address.ok ? 'address' : `address: ${address.failure.kind}`;
  } else if (io.requestTestMessage && to) {
    const requested = await io.requestTestMessage(to);
    if (requested.ok) ticket = requested.value;
    else {
      const { kind, status, message } = requested.failure;
      testMessageProblem = kind === 'network' ? `network ${message}` : `${kind} ${status}`.trim();
    }
  }
  return {
    history: history.ok ? history.value.history : null,
    seenIds: history.ok ? history.value.seenIds : [],
    cache: client.cache,
    mxSystem,
    ticket,
    testMessageProblem,
    calls: client.calls,
  };
}

/** Placement counts of the history, for "Raftr mail of the last 30 days: 3 inbox, 1 spam". */
export function emailHistoryCounts(
  history: EmailHistory | null,
): Partial<Record<Placement, number>> {
  const counts: Partial<Record<Placement, number>> = {};
  for (const item of history?.items ?? [])
    counts[item.placement] = (counts[item.placement] ?? 0) + 1;
  return counts;
}
