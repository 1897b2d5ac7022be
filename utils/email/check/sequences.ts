/**
 * The check's mailbox I/O, over an injected MailboxClient (no browser.* here either): the
 * preparation before the wait, the last 30 days, one poll. Each returns what it found; the
 * background applies it with a transition (transitions.ts).
 */
import type { MailSystemId } from '../evidence';
import {
  type ApiFailure,
  type ApiResult,
  type MailboxCache,
  type MailboxClient,
  type MailboxMessage,
  raftrMessageKind,
  subjectHasToken,
  testTokenOf,
} from '../mailbox/client';
import type { MailProvider } from '../oauth';
import { isTransientFailure } from './backoff';
import { messageEvidence, messageTab } from './message-evidence';
import { type EmailCheckState, type EmailHistory, type HistoryItem, isWaitResumed } from './state';

/** The history: Raftr mail of the last 30 days, at most this many listed and analysed. */
export const HISTORY_DAYS = 30;
export const HISTORY_LIST_MAX = 25;
export const HISTORY_ANALYZE_MAX = 10;
/** A poll lists this many and fetches at most this many new messages (quota: few calls). */
export const POLL_LIST_MAX = 10;
export const POLL_GET_MAX = 3;
/** Clocks differ between Raftr, the mailbox and this machine: look back a little further. */
export const EMAIL_CLOCK_SLACK_MS = 5 * 60_000;
/** Attempts at the one preparation call the check cannot do without (Graph's folder ids). */
export const EMAIL_PREPARE_ATTEMPTS = 3;

/** What the preparation found: `emailWaitStarted` starts the wait with it. */
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

/** What one poll found: `emailPollApplied` applies it. */
export type PollOutcome =
  | { kind: 'found'; message: MailboxMessage; seenIds: string[]; calls: number }
  | { kind: 'nothing'; seenIds: string[]; calls: number }
  | { kind: 'failed'; failure: ApiFailure; seenIds: string[]; calls: number };

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
