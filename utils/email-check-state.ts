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
 *   error(sign-in-again) ─click─▶ authorizing ─▶ preparing ─▶ waiting (same message, same deadline)
 *   any ─user says where it is (manual mode)─▶ done(user-reported)
 *   worker restart: authorizing → error(sign-in-again); preparing/waiting resume if the
 *   session still holds the token, else error(sign-in-again)
 *
 * Nothing personal is stored: no address, no subject, no token of the mailbox (access tokens
 * live in memory and `session:` storage only). Message ids are opaque and kept only so that
 * a poll does not fetch the same message twice.
 */
import { analyzeMessage } from './email-analysis';
import type { EmailEvidence, MailSystemId, Placement } from './email-evidence';
import {
  type ApiFailure,
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
/** Message ids kept to skip already-seen messages; the oldest are dropped beyond this. */
const SEEN_IDS_MAX = 200;

export type EmailPhase = 'idle' | 'authorizing' | 'preparing' | 'waiting' | 'done' | 'error';
export type EmailErrorReason = 'declined' | 'sign-in-again' | 'no-client-id' | 'api-error';
/** The test-contract state of `[data-testid="email-check"]`. */
export type EmailUiState = 'idle' | 'waiting' | 'done';

/**
 * 'test-message': Raftr's endpoint sent a message with a token. 'reset-email': the user is
 * asked to request a password reset (a real message from no-reply@raftr.com) and any new
 * message from that sender counts.
 */
export type WaitMode = 'test-message' | 'reset-email';

/** How the verdict was reached. */
export type VerdictBasis = 'arrived' | 'deadline' | 'stopped' | 'user-reported';

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
  /** Consecutive failed polls. */
  failures: number;
  lastFailure: string | null;
  stats: PollStats;
  verdict: EmailVerdict | null;
  error: EmailCheckError | null;
  /** The verdict was announced with a notification (once). */
  notified: boolean;
  /** How many times a stopped worker picked the check up again. */
  resumes: number;
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
    failures: 0,
    lastFailure: null,
    stats: NO_STATS,
    verdict: null,
    error: null,
    notified: false,
    resumes: 0,
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
 * same deadline) instead of asking Raftr for another message: the one on its way is still
 * the one that tells where Raftr's mail lands.
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
    return { ...previous, phase: 'authorizing', error: null, failures: 0, nextPollAt: null };
  }
  return { ...base(id, provider, now), phase: 'authorizing' };
}

/** A wait cut short by "sign in again", for the same provider, whose deadline is still ahead. */
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
    state.deadline > now
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
      nextPollAt: now,
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
    nextPollAt: now,
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

export function isEmailPollDue(state: EmailCheckState | null, now: number): boolean {
  return state?.phase === 'waiting' && state.nextPollAt !== null && now >= state.nextPollAt;
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
    const detail = `${failure.kind}${failure.status ? ` ${failure.status}` : ''}${failure.code ? ` ${failure.code}` : ''}`;
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
    return {
      ...state,
      seenIds,
      stats,
      failures,
      lastFailure: detail,
      nextPollAt: now + emailBackoffDelay(failures, failure.retryAfterMs),
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
 * 30 days answers "where does Raftr's mail land"; with none at all, it is missing.
 */
export function emailWaitStopped(state: EmailCheckState, now: number): EmailCheckState {
  if (!isEmailCheckActive(state)) return state;
  const latest = state.history?.items[0];
  if (!latest) return concludeMissing(state, 'stopped', now);
  return {
    ...state,
    phase: 'done',
    nextPollAt: null,
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
    return { ...resumed, nextPollAt: now };
  return resumed;
}

/** A sign-in window left open too long is given up (the next click starts again). */
export function emailSignInTimedOut(state: EmailCheckState, now: number): boolean {
  return state.phase === 'authorizing' && now - state.startedAt > EMAIL_SIGN_IN_TIMEOUT_MS;
}

/** Milliseconds left on the countdown; null when not waiting. */
export function emailRemainingMs(state: EmailCheckState | null, now: number): number | null {
  if (state?.phase !== 'waiting' || state.deadline === null) return null;
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

/** Placement counts of the history, for "Raftr mail of the last 30 days: 3 inbox, 1 spam". */
export function emailHistoryCounts(
  history: EmailHistory | null,
): Partial<Record<Placement, number>> {
  const counts: Partial<Record<Placement, number>> = {};
  for (const item of history?.items ?? [])
    counts[item.placement] = (counts[item.placement] ?? 0) + 1;
  return counts;
}
