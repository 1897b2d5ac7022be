/**
 * The email check's state, as stored in `local:` storage (so that it outlives the popup and a
 * stopped service worker), and what the popup and the background ask of it. Its phases and
 * how one leads to the next: transitions.ts.
 *
 * Nothing personal is stored: no address, no subject, no token of the mailbox (access tokens
 * live in memory and `session:` storage only). Message ids are opaque and kept only so that
 * a poll does not fetch the same message twice.
 */
import type { EmailEvidence, MailSystemId, Placement } from '../evidence';
import type { MailboxCache, RaftrMessageKind } from '../mailbox/client';
import type { MailProvider } from '../oauth';

/** How long the check waits for the message (the issue: up to 15 minutes). */
export const EMAIL_WAIT_MS = 15 * 60_000;
/** The poll while a popup is open: arrival to verdict in under 5 s. */
export const EMAIL_FAST_POLL_MS = 2_000;
/** The alarm's period while no popup is open; Chrome's minimum is 30 s (Chrome 120+). */
export const EMAIL_ALARM_PERIOD_MINUTES = 0.5;
export const EMAIL_SLOW_POLL_MS = EMAIL_ALARM_PERIOD_MINUTES * 60_000;
/** How early an alarm may fire and still poll. */
export const EMAIL_ALARM_TOLERANCE_MS = 5_000;
/** A sign-in not finished in this time was abandoned (its window closed with the worker). */
export const EMAIL_SIGN_IN_TIMEOUT_MS = 10 * 60_000;
/**
 * Signing in again this long after the deadline still resumes the wait for the same message:
 * one look in the mailbox, then the verdict. Later, a new check is what the user asks for.
 */
export const EMAIL_RESUME_GRACE_MS = 60 * 60_000;
/**
 * A check is kept this long after its verdict (or its start), then forgotten: not shown, not
 * put into a diagnostic code, deleted from storage (the consent text says so).
 */
export const EMAIL_RESULT_TTL_MS = 7 * 24 * 3_600_000;

type EmailPhase = EmailCheckState['phase'];
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
type EmailUiState = 'idle' | 'waiting' | 'done';

/**
 * 'test-message': Raftr's endpoint sent a message with a token. 'reset-email': the user is
 * asked to request a password reset (a real message from no-reply@raftr.com) and any new
 * message from that sender counts.
 */
type WaitMode = 'test-message' | 'reset-email';

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

interface EmailVerdict {
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

/** What a check records in every phase. */
export interface EmailCheckRecord {
  id: string;
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

/**
 * A check of the user's mailbox: it begins with the provider chosen, so every phase has it
 * (signing in, preparing, waiting, and its verdict or its error).
 */
export interface MailboxCheckState extends EmailCheckRecord {
  phase: 'authorizing' | 'preparing' | 'waiting' | 'done' | 'error';
  provider: MailProvider;
}

/** A check under way: signing in, preparing or waiting. */
export interface ActiveEmailCheck extends MailboxCheckState {
  phase: 'authorizing' | 'preparing' | 'waiting';
}

/**
 * Manual mode without a mailbox (another provider, or access declined before any check): the
 * user said where the message is. Only this verdict has no provider.
 */
export interface ReportedCheckState extends EmailCheckRecord {
  phase: 'done';
  provider: null;
}

/** The check, by phase: `provider` is null only in a manual-mode verdict. */
export type EmailCheckState = MailboxCheckState | ReportedCheckState;

const NO_STATS: PollStats = { polls: 0, apiCalls: 0, lastPollCalls: 0, maxPollCalls: 0 };

/** A new check's record, before its phase is known. */
export function newCheckRecord(id: string, now: number): EmailCheckRecord {
  return {
    id,
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

/** A check of a mailbox (every check but a manual-mode verdict): it has its provider. */
export function isMailboxCheck(state: EmailCheckState | null): state is MailboxCheckState {
  return state !== null && state.provider !== null;
}

export function emailUiStateOf(state: EmailCheckState | null): EmailUiState {
  if (!state) return 'idle';
  if (state.phase === 'done') return 'done';
  if (isEmailCheckActive(state)) return 'waiting';
  return 'idle';
}

export function isEmailCheckActive(state: EmailCheckState | null): state is ActiveEmailCheck {
  return (
    state?.phase === 'authorizing' || state?.phase === 'preparing' || state?.phase === 'waiting'
  );
}

/** Whether this check already waited for a message (so preparing it again sends nothing). */
export function isWaitResumed(state: EmailCheckState): boolean {
  return state.mode !== null && state.deadline !== null;
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

/** When the next poll is due: its schedule, and never inside a back-off. */
export function emailNextPollAt(state: EmailCheckState | null): number | null {
  if (state?.phase !== 'waiting' || state.nextPollAt === null) return null;
  return Math.max(state.nextPollAt, state.backoffUntil ?? 0);
}

export function isEmailPollDue(state: EmailCheckState | null, now: number): boolean {
  const at = emailNextPollAt(state);
  return at !== null && now >= at;
}

const PHASE_ORDER: Record<EmailPhase, number> = {
  authorizing: 1,
  preparing: 2,
  waiting: 3,
  // Both end the wait, and either may follow the other (stopping in "sign in again"; a sign-in
  // failing after the user stopped): level.
  done: 4,
  error: 4,
};

/**
 * The order of two views of the check that the popup may receive in either order (storage,
 * the background's reply): whether `a` is behind `b`, so that showing `a` after `b` would step
 * back. A later check is ahead of an earlier one (a new check always starts now); within one
 * check, a sign-in that began later is ahead (signing in again resumes an ended wait), then
 * the phase: signing in, preparing, waiting, then the verdict or the error. Every transition
 * moves a check forward in this order, or keeps it level (email-check-state.test.ts, "the order
 * the popup shows checks in").
 */
export function isEmailCheckBehind(a: EmailCheckState, b: EmailCheckState): boolean {
  if (a.id !== b.id) return a.startedAt < b.startedAt;
  const signInA = a.signInStartedAt ?? a.startedAt;
  const signInB = b.signInStartedAt ?? b.startedAt;
  if (signInA !== signInB) return signInA < signInB;
  return PHASE_ORDER[a.phase] < PHASE_ORDER[b.phase];
}
