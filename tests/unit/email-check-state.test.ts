import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EMAIL_BACKOFF_MAX_MS,
  emailApiBackedOff,
  emailApiGate,
  emailBackoffDelay,
} from '../../utils/email/check/backoff';
import {
  type PollOutcome,
  type Preparation,
  type PreparationIo,
  pollMailbox,
  prepareEmailWait,
  readEmailHistory,
} from '../../utils/email/check/sequences';
import {
  EMAIL_ALARM_PERIOD_MINUTES,
  EMAIL_ALARM_TOLERANCE_MS,
  EMAIL_FAST_POLL_MS,
  EMAIL_RESUME_GRACE_MS,
  EMAIL_SIGN_IN_TIMEOUT_MS,
  EMAIL_SLOW_POLL_MS,
  EMAIL_WAIT_MS,
  type EmailCheckState,
  emailRemainingMs,
  emailSignInTimedOut,
  emailUiStateOf,
  isEmailCheckBehind,
  isEmailPollDue,
  isEmailWaitStoppable,
  type MailboxCheckState,
  VERDICT_BASES,
} from '../../utils/email/check/state';
import {
  EMAIL_MAX_POLL_FAILURES,
  emailCheckDeclined,
  emailCheckFailed,
  emailCheckResumed,
  emailCheckStarted,
  emailPlacementReported,
  emailPollApplied,
  emailSignedIn,
  emailWaitStarted,
  emailWaitStopped,
} from '../../utils/email/check/transitions';
import { parseHeaderBlock } from '../../utils/email/headers/parse';
import type {
  ApiFailure,
  ApiResult,
  MailboxClient,
  MailboxMessage,
  MessageRef,
} from '../../utils/email/mailbox/client';
import { createGmailMailbox } from '../../utils/email/mailbox/gmail';
import { createGraphMailbox } from '../../utils/email/mailbox/graph';
import { fakeHttp, json } from './mailbox-fake-http';

const T0 = Date.parse('2026-03-03T17:00:00Z');
const fields = (name: string) =>
  parseHeaderBlock(readFileSync(new URL(`./fixtures/headers/${name}`, import.meta.url), 'utf8'))
    .fields;
const GMAIL_INBOX_HEADERS = fields('raftr-gmail-inbox.txt');
const M365_JUNK_HEADERS = fields('raftr-m365-junk.txt');

const PREP: Preparation = {
  history: { listed: 0, items: [] },
  seenIds: ['old1'],
  cache: {},
  mxSystem: 'unknown',
  ticket: { token: 'AB12cd34EF', sentAt: T0 + 1000 },
  testMessageProblem: null,
  calls: 3,
};

function waiting(
  provider: 'gmail' | 'microsoft' = 'gmail',
  prep: Preparation = PREP,
): MailboxCheckState {
  const started = emailCheckStarted(null, 'c1', provider, T0, true);
  return emailWaitStarted(emailSignedIn(started), prep, T0 + 1000);
}

const gmailMessage = (labelIds: string[], headers = GMAIL_INBOX_HEADERS): MailboxMessage => ({
  id: 'new1',
  location: { provider: 'gmail', labelIds },
  receivedAt: T0 + 5000,
  headers: [...headers, { name: 'X-Raftr-Access-Check', value: 'AB12cd34EF' }],
  subject: '[Raftr check AB12cd34EF] Raftr Access Check',
  from: 'no-reply@raftr.com',
});

const failure = (
  kind: ApiFailure['kind'],
  retryAfterMs: number | null = null,
  status = 0,
): ApiFailure => ({
  kind,
  status,
  retryAfterMs,
  code: '',
  message: '',
});

describe('starting', () => {
  it('goes straight to no-client-id without a configured client', () => {
    const state = emailCheckStarted(null, 'c1', 'microsoft', T0, false);
    expect(state).toMatchObject({
      phase: 'error',
      provider: 'microsoft',
      error: { reason: 'no-client-id' },
    });
    expect(emailUiStateOf(state)).toBe('idle');
  });

  it('signs in, prepares, then waits 15 minutes for the test message', () => {
    const started = emailCheckStarted(null, 'c1', 'gmail', T0, true);
    expect(started.phase).toBe('authorizing');
    expect(emailUiStateOf(started)).toBe('waiting');
    const state = waiting();
    expect(state).toMatchObject({
      phase: 'waiting',
      mode: 'test-message',
      token: 'AB12cd34EF',
      sentAt: T0 + 1000,
      deadline: T0 + 1000 + EMAIL_WAIT_MS,
      nextPollAt: T0 + 1000,
      seenIds: ['old1'],
      stats: { apiCalls: 3, polls: 0 },
    });
    expect(emailRemainingMs(state, T0 + 61_000)).toBe(EMAIL_WAIT_MS - 60_000);
    expect(isEmailPollDue(state, T0 + 1000)).toBe(true);
  });

  it('waits for a password reset email when no test message could be requested', () => {
    const state = waiting('gmail', {
      ...PREP,
      ticket: null,
      testMessageProblem: 'unavailable 503',
    });
    expect(state).toMatchObject({
      mode: 'reset-email',
      token: null,
      testMessageProblem: 'unavailable 503',
    });
  });

  it('records the user declining, and resumes an expired sign-in without a new message', () => {
    expect(emailCheckDeclined(null, 'c2', 'gmail', T0)).toMatchObject({
      phase: 'error',
      error: { reason: 'declined' },
    });
    const expired = emailCheckFailed(waiting(), { reason: 'sign-in-again' });
    expect(expired).toMatchObject({ phase: 'error', nextPollAt: null });
    const again = emailCheckStarted(expired, 'c3', 'gmail', T0 + 60_000, true);
    expect(again).toMatchObject({
      id: 'c1',
      phase: 'authorizing',
      token: 'AB12cd34EF',
      error: null,
    });
    const resumed = emailWaitStarted(emailSignedIn(again), { ...PREP, ticket: null }, T0 + 90_000);
    expect(resumed).toMatchObject({
      phase: 'waiting',
      mode: 'test-message',
      token: 'AB12cd34EF',
      deadline: T0 + 1000 + EMAIL_WAIT_MS,
      nextPollAt: T0 + 90_000,
    });
    // Another provider, another error, or a deadline long passed: a fresh check.
    expect(emailCheckStarted(expired, 'c4', 'microsoft', T0, true).id).toBe('c4');
    const apiError = emailCheckFailed(waiting(), { reason: 'api-error' });
    expect(emailCheckStarted(apiError, 'c5', 'gmail', T0, true).id).toBe('c5');
    expect(
      emailCheckStarted(
        expired,
        'c6',
        'gmail',
        T0 + 1000 + EMAIL_WAIT_MS + EMAIL_RESUME_GRACE_MS,
        true,
      ),
    ).toMatchObject({
      id: 'c6',
      token: null,
    });
  });
});

describe('polling', () => {
  const nothing = (calls = 1): PollOutcome => ({ kind: 'nothing', seenIds: [], calls });

  it('polls every 2 s with a popup open, at the alarm period without', () => {
    expect(EMAIL_SLOW_POLL_MS).toBe(EMAIL_ALARM_PERIOD_MINUTES * 60_000);
    const now = T0 + 3000;
    expect(emailPollApplied(waiting(), nothing(), now, true).nextPollAt).toBe(
      now + EMAIL_FAST_POLL_MS,
    );
    // Due a little before the next alarm, so that an early alarm is not skipped.
    const slow = emailPollApplied(waiting(), nothing(), now, false);
    expect(slow.nextPollAt).toBe(now + EMAIL_SLOW_POLL_MS - EMAIL_ALARM_TOLERANCE_MS);
    expect(isEmailPollDue(slow, now + EMAIL_SLOW_POLL_MS - 1000)).toBe(true);
  });

  it('ends with the placement when the message is found (Gmail SPAM label → spam)', () => {
    const outcome: PollOutcome = {
      kind: 'found',
      message: gmailMessage(['SPAM']),
      seenIds: ['new1'],
      calls: 2,
    };
    const done = emailPollApplied(waiting(), outcome, T0 + 6000, true);
    expect(done.phase).toBe('done');
    expect(emailUiStateOf(done)).toBe('done');
    expect(done.verdict).toMatchObject({
      basis: 'arrived',
      arrivedAt: T0 + 5000,
      sentAt: T0 + 1000,
      evidence: {
        placement: 'spam',
        source: 'mailbox',
        mailbox: 'google-workspace',
        spf: 'pass',
        delay: 'under-1m',
      },
    });
    expect(done.stats).toMatchObject({ polls: 1, apiCalls: 5, lastPollCalls: 2, maxPollCalls: 2 });
    expect(done.verdict?.at).toBe(T0 + 6000);
  });

  it('reads the Microsoft folder and the Focused tab', () => {
    const message: MailboxMessage = {
      ...gmailMessage([], M365_JUNK_HEADERS),
      location: { provider: 'microsoft', folder: 'inbox', inferenceClassification: 'other' },
    };
    const done = emailPollApplied(
      waiting('microsoft'),
      { kind: 'found', message, seenIds: [], calls: 2 },
      T0 + 6000,
      false,
    );
    expect(done.verdict).toMatchObject({
      tab: 'other',
      evidence: { placement: 'inbox', mailbox: 'microsoft-365' },
    });
  });

  it('ends as missing at the deadline, keeping the history', () => {
    const history = { listed: 1, items: [] };
    const state = waiting('gmail', { ...PREP, history });
    const deadline = state.deadline as number;
    expect(emailPollApplied(state, nothing(), deadline - 1, false).phase).toBe('waiting');
    const done = emailPollApplied(state, nothing(), deadline, false);
    expect(done).toMatchObject({
      phase: 'done',
      history,
      verdict: {
        basis: 'deadline',
        evidence: { placement: 'missing', mailbox: 'google-workspace' },
      },
    });
  });

  it('backs off on throttling, at least as long as Retry-After says', () => {
    const now = T0 + 3000;
    const once = emailPollApplied(
      waiting(),
      { kind: 'failed', failure: failure('throttled', 45_000, 429), seenIds: [], calls: 1 },
      now,
      true,
    );
    expect(once).toMatchObject({ phase: 'waiting', failures: 1, nextPollAt: now + 45_000 });
    expect(isEmailPollDue(once, now + 44_999)).toBe(false);
    const twice = emailPollApplied(
      once,
      { kind: 'failed', failure: failure('unavailable', null, 503), seenIds: [], calls: 1 },
      now,
      true,
    );
    expect(twice.nextPollAt).toBe(now + 10_000);
    expect(emailBackoffDelay(1, null)).toBe(5_000);
    expect(emailBackoffDelay(20, null)).toBe(EMAIL_BACKOFF_MAX_MS);
    expect(emailBackoffDelay(1, 600_000)).toBe(600_000);
    // A success resets the count.
    expect(emailPollApplied(twice, nothing(), now, true).failures).toBe(0);
  });

  it('gives up after repeated failures, and at once on 403', () => {
    let state: EmailCheckState = waiting();
    for (let i = 0; i < EMAIL_MAX_POLL_FAILURES; i++) {
      state = emailPollApplied(
        state,
        { kind: 'failed', failure: failure('network'), seenIds: [], calls: 1 },
        T0 + 2000,
        true,
      );
    }
    expect(state).toMatchObject({ phase: 'error', error: { reason: 'api-error' } });
    const forbidden = emailPollApplied(
      waiting(),
      { kind: 'failed', failure: failure('forbidden', null, 403), seenIds: [], calls: 1 },
      T0 + 2000,
      true,
    );
    expect(forbidden).toMatchObject({
      phase: 'error',
      error: { reason: 'api-error', detail: 'forbidden 403' },
    });
  });

  it('asks to sign in again when the token expired (401)', () => {
    const state = emailPollApplied(
      waiting(),
      { kind: 'failed', failure: failure('unauthorized', null, 401), seenIds: [], calls: 1 },
      T0 + 2000,
      true,
    );
    expect(state).toMatchObject({ phase: 'error', error: { reason: 'sign-in-again' } });
    expect(emailUiStateOf(state)).toBe('idle');
  });

  it('ignores poll results for a check that is no longer waiting', () => {
    const done = emailWaitStopped(waiting(), T0 + 2000);
    expect(emailPollApplied(done, nothing(), T0 + 3000, true)).toBe(done);
  });
});

describe('the order the popup shows checks in', () => {
  it('every transition moves a check forward in isEmailCheckBehind, or keeps it level', () => {
    const found = {
      kind: 'found',
      message: gmailMessage(['SPAM']),
      seenIds: [],
      calls: 2,
    } satisfies PollOutcome;
    const failed = {
      kind: 'failed',
      failure: failure('unauthorized', null, 401),
      seenIds: [],
      calls: 1,
    } satisfies PollOutcome;
    const started = emailCheckStarted(null, 'c1', 'gmail', T0, true);
    const signedIn = emailSignedIn(started);
    const wait = emailWaitStarted(signedIn, PREP, T0 + 1000);
    const expired = emailPollApplied(wait, failed, T0 + 3000, true);
    const again = emailCheckStarted(expired, 'c2', 'gmail', T0 + 4000, true);
    const paths: EmailCheckState[][] = [
      [started, signedIn, wait, emailPollApplied(wait, found, T0 + 2000, true)],
      [started, signedIn, wait, emailWaitStopped(wait, T0 + 2000)],
      [started, emailCheckFailed(started, { reason: 'declined' })],
      [wait, expired, again, emailSignedIn(again as MailboxCheckState)],
      [expired, emailWaitStopped(expired, T0 + 5000)],
      [wait, emailCheckResumed(wait, true, T0 + 2000), emailCheckResumed(wait, false, T0 + 2000)],
      [wait, emailPlacementReported(wait, 'c3', 'inbox', T0 + 9000)],
    ];
    for (const path of paths) {
      for (let i = 1; i < path.length; i++) {
        const [before, after] = [path[i - 1], path[i]] as [EmailCheckState, EmailCheckState];
        expect(isEmailCheckBehind(after, before), `${before.phase} → ${after.phase}`).toBe(false);
      }
    }
    // And a step back is one: the verdict is ahead of the wait, a later check of an earlier one.
    expect(isEmailCheckBehind(wait, emailPollApplied(wait, found, T0 + 2000, true))).toBe(true);
    expect(isEmailCheckBehind(wait, emailPlacementReported(wait, 'c3', 'inbox', T0 + 9000))).toBe(
      true,
    );
  });
});

describe('stopping, manual answers, restarts', () => {
  it('stops with the newest message of the last 30 days, or missing without one', () => {
    const evidence = emailPollApplied(
      waiting(),
      { kind: 'found', message: gmailMessage(['INBOX']), seenIds: [], calls: 1 },
      T0,
      true,
    ).verdict?.evidence;
    const history = {
      listed: 2,
      items: [
        {
          kind: 'verification' as const,
          placement: 'inbox' as const,
          tab: null,
          receivedAt: T0 - 86_400_000,
          evidence: evidence as never,
        },
      ],
    };
    expect(
      emailWaitStopped(waiting('gmail', { ...PREP, history }), T0 + 5000).verdict,
    ).toMatchObject({
      basis: 'stopped',
      arrivedAt: T0 - 86_400_000,
      evidence: { placement: 'inbox' },
    });
    // No Raftr mail in the 30 days: missing, and the note must not point at a message.
    expect(emailWaitStopped(waiting(), T0 + 5000).verdict).toMatchObject({
      basis: 'stopped-no-history',
      evidence: { placement: 'missing' },
    });
  });

  it('takes where the user found it as user-reported evidence', () => {
    const state = emailPlacementReported(null, 'm1', 'spam', T0);
    expect(state).toMatchObject({
      phase: 'done',
      provider: null,
      verdict: { basis: 'user-reported', evidence: { placement: 'spam', source: 'user-reported' } },
    });
    const declined = emailCheckDeclined(null, 'c', 'microsoft', T0);
    expect(emailPlacementReported(declined, 'm2', 'missing', T0).verdict?.evidence).toMatchObject({
      mailbox: 'microsoft-365',
      placement: 'missing',
    });
  });

  it('resumes a wait after the worker was stopped, if the session still has the token', () => {
    const state = { ...waiting(), nextPollAt: null };
    expect(emailCheckResumed(state, true, T0 + 9000)).toMatchObject({
      phase: 'waiting',
      resumes: 1,
      nextPollAt: T0 + 9000,
    });
    expect(emailCheckResumed(waiting(), false, T0)).toMatchObject({
      phase: 'error',
      error: { reason: 'sign-in-again' },
    });
    const signingIn = emailCheckStarted(null, 'c', 'gmail', T0, true);
    expect(emailCheckResumed(signingIn, true, T0)).toMatchObject({
      error: { reason: 'sign-in-again' },
    });
    const preparing = emailSignedIn(signingIn);
    expect(emailCheckResumed(preparing, true, T0)).toMatchObject({
      phase: 'preparing',
      resumes: 1,
    });
    const done = emailWaitStopped(waiting(), T0);
    expect(emailCheckResumed(done, false, T0)).toBe(done);
  });

  it('gives up a sign-in window left open too long', () => {
    const signingIn = emailCheckStarted(null, 'c', 'gmail', T0, true);
    expect(emailSignInTimedOut(signingIn, T0 + EMAIL_SIGN_IN_TIMEOUT_MS)).toBe(false);
    expect(emailSignInTimedOut(signingIn, T0 + EMAIL_SIGN_IN_TIMEOUT_MS + 1)).toBe(true);
  });
});

/** An in-memory mailbox: refs to list, messages to get, failures to inject; counts calls. */
function fakeMailbox(
  refs: MessageRef[],
  messages: Record<string, MailboxMessage>,
  failures: { list?: ApiFailure; get?: Record<string, ApiFailure> } = {},
): MailboxClient & { gets: string[] } {
  let calls = 0;
  const gets: string[] = [];
  const list = async (): Promise<ApiResult<MessageRef[]>> => {
    calls += 1;
    return failures.list ? { ok: false, failure: failures.list } : { ok: true, value: refs };
  };
  return {
    provider: 'gmail',
    cache: {},
    gets,
    get calls() {
      return calls;
    },
    address: async () => ({ ok: true, value: 'a@b.edu' }),
    prepare: async () => ({ ok: true, value: undefined }),
    listRaftrMail: list,
    listNewVerificationMail: list,
    async getMessage(ref) {
      calls += 1;
      gets.push(ref.id);
      const failed = failures.get?.[ref.id];
      if (failed) return { ok: false, failure: failed };
      const message = messages[ref.id];
      return message
        ? { ok: true, value: message }
        : { ok: false, failure: failure('not-found', null, 404) };
    },
  };
}

describe('one poll', () => {
  it('costs one call when nothing is new', async () => {
    const client = fakeMailbox([{ id: 'old1' }], {});
    expect(await pollMailbox(client, waiting())).toEqual({
      kind: 'nothing',
      seenIds: [],
      calls: 1,
    });
  });

  it('fetches each new message once and recognises the test message by its token', async () => {
    const other = {
      ...gmailMessage(['INBOX']),
      id: 'new0',
      headers: GMAIL_INBOX_HEADERS,
      subject: 'Verify your email',
    };
    const client = fakeMailbox([{ id: 'new1' }, { id: 'new0' }, { id: 'old1' }], {
      new1: gmailMessage(['INBOX']),
      new0: other,
    });
    const outcome = await pollMailbox(client, waiting());
    expect(outcome).toMatchObject({
      kind: 'found',
      calls: 2,
      seenIds: ['new1'],
      message: { id: 'new1' },
    });

    const noToken = fakeMailbox([{ id: 'new0' }], { new0: other });
    const second = await pollMailbox(noToken, waiting());
    expect(second).toEqual({ kind: 'nothing', seenIds: ['new0'], calls: 2 });
    // Next time that id is known: one call again.
    const after = emailPollApplied(waiting(), second, T0 + 3000, true);
    expect((await pollMailbox(fakeMailbox([{ id: 'new0' }], {}), after)).calls).toBe(1);
  });

  it('skips messages whose listed subject lacks the token without fetching them (Graph)', async () => {
    const client = fakeMailbox(
      [
        { id: 'g1', subject: 'Verify your email' },
        { id: 'g2', subject: '[Raftr check AB12cd34EF] x' },
      ],
      {
        g2: gmailMessage(['INBOX']),
      },
    );
    const outcome = await pollMailbox(client, waiting('microsoft'));
    expect(outcome).toMatchObject({ kind: 'found', calls: 2, seenIds: ['g1', 'g2'] });
    expect(client.gets).toEqual(['g2']);
  });

  it('takes any new no-reply message since the start as the reset email', async () => {
    const state = waiting('gmail', { ...PREP, ticket: null });
    const reset = {
      ...gmailMessage(['INBOX']),
      headers: GMAIL_INBOX_HEADERS,
      subject: 'Reset your password',
    };
    const old = { ...reset, id: 'yesterday', receivedAt: T0 - 86_400_000 };
    const client = fakeMailbox([{ id: 'new1' }, { id: 'yesterday' }], {
      new1: reset,
      yesterday: old,
    });
    expect(await pollMailbox(client, state)).toMatchObject({
      kind: 'found',
      message: { id: 'new1' },
    });
    const onlyOld = fakeMailbox([{ id: 'yesterday' }], { yesterday: old });
    expect(await pollMailbox(onlyOld, state)).toEqual({
      kind: 'nothing',
      seenIds: ['yesterday'],
      calls: 2,
    });
  });

  it('fetches at most three new messages per poll', async () => {
    const refs = ['a', 'b', 'c', 'd', 'e'].map((id) => ({ id }));
    const others = Object.fromEntries(
      refs.map(({ id }) => [id, { ...gmailMessage(['INBOX']), id, headers: [], subject: 'x' }]),
    );
    const client = fakeMailbox(refs, others);
    expect(await pollMailbox(client, waiting())).toEqual({
      kind: 'nothing',
      seenIds: ['a', 'b', 'c'],
      calls: 4,
    });
  });

  it('reports a failed list or get, and passes over a message deleted meanwhile', async () => {
    const throttled = failure('throttled', 5000, 429);
    expect(await pollMailbox(fakeMailbox([], {}, { list: throttled }), waiting())).toEqual({
      kind: 'failed',
      failure: throttled,
      seenIds: [],
      calls: 1,
    });
    const down = failure('unavailable', null, 503);
    const client = fakeMailbox([{ id: 'gone' }, { id: 'new1' }], {}, { get: { new1: down } });
    expect(await pollMailbox(client, waiting())).toEqual({
      kind: 'failed',
      failure: down,
      seenIds: ['gone'],
      calls: 3,
    });
  });
});

describe('the last 30 days', () => {
  it('analyses the newest messages and marks every listed one as seen', async () => {
    const inbox = {
      ...gmailMessage(['INBOX', 'CATEGORY_UPDATES']),
      id: 'h1',
      headers: GMAIL_INBOX_HEADERS,
      subject: 'Verify your email',
      receivedAt: T0 - 1000,
    };
    const spam = {
      ...inbox,
      id: 'h2',
      location: { provider: 'gmail' as const, labelIds: ['SPAM'] },
      from: 'news@digest.raftr.com',
      receivedAt: T0 - 2000,
    };
    const client = fakeMailbox([{ id: 'h2' }, { id: 'h1' }, { id: 'gone' }], {
      h1: inbox,
      h2: spam,
    });
    const result = await readEmailHistory(client, { provider: 'gmail', mxSystem: 'unknown' });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.seenIds).toEqual(['h2', 'h1', 'gone']);
    expect(result.value.history.listed).toBe(3);
    expect(result.value.history.items.map((i) => [i.kind, i.placement, i.tab])).toEqual([
      ['verification', 'inbox', 'updates'],
      ['digest', 'spam', null],
    ]);
    expect(result.value.history.items.map((i) => i.placement).sort()).toEqual(['inbox', 'spam']);
    expect(client.calls).toBe(4);
  });

  it('passes an expired token on', async () => {
    const expired = failure('unauthorized', null, 401);
    expect(
      await readEmailHistory(fakeMailbox([], {}, { list: expired }), {
        provider: 'gmail',
        mxSystem: 'unknown',
      }),
    ).toEqual({
      ok: false,
      failure: expired,
    });
  });
});

/** A clock the fake sleeps advance: what a gate waits is what the clock shows afterwards. */
function fakeClock(start: number) {
  const clock = {
    now: start,
    sleeps: [] as number[],
    sleep: async (ms: number) => {
      clock.sleeps.push(ms);
      clock.now += ms;
    },
  };
  return clock;
}

const NO_IO: PreparationIo = { lookUpMxSystem: async () => 'unknown', requestTestMessage: null };

describe('back-off, whichever phase caused it', () => {
  const preparing = () => emailSignedIn(emailCheckStarted(null, 'c1', 'gmail', T0, true));

  it('a throttled 30-day listing during preparation holds the first poll for its Retry-After', () => {
    const throttled = emailApiBackedOff(preparing(), failure('throttled', 8000, 429), T0 + 500);
    expect(throttled).toMatchObject({
      phase: 'preparing',
      backoffUntil: T0 + 8500,
      failures: 1,
      lastFailure: 'throttled 429',
    });
    // The wait starts 32 ms later: the first poll is not due before the Retry-After.
    const state = emailWaitStarted(throttled, PREP, T0 + 532);
    expect(state.nextPollAt).toBe(T0 + 8500);
    expect(isEmailPollDue(state, T0 + 532)).toBe(false);
    expect(isEmailPollDue(state, T0 + 8499)).toBe(false);
    expect(isEmailPollDue(state, T0 + 8500)).toBe(true);
    // A short Retry-After still gets the exponential minimum (5 s), as a poll's does.
    expect(emailApiBackedOff(preparing(), failure('throttled', 4000, 429), T0).backoffUntil).toBe(
      T0 + 5000,
    );
    // A 503 without Retry-After: the exponential delay.
    const down = emailApiBackedOff(preparing(), failure('unavailable', null, 503), T0);
    expect(down.backoffUntil).toBe(T0 + 5000);
    // Not every failure is a reason to slow down.
    const gone = preparing();
    expect(emailApiBackedOff(gone, failure('not-found', null, 404), T0)).toBe(gone);
  });

  it('survives a stopped worker: stored, resumed, the back-off still holds', () => {
    const throttled = emailApiBackedOff(preparing(), failure('throttled', 60_000, 429), T0);
    const stored = JSON.parse(JSON.stringify(throttled)) as MailboxCheckState;
    const resumed = emailCheckResumed(stored, true, T0 + 1000);
    expect(resumed).toMatchObject({ phase: 'preparing', backoffUntil: T0 + 60_000 });
    expect(emailWaitStarted(resumed, PREP, T0 + 2000).nextPollAt).toBe(T0 + 60_000);
    // A waiting check whose poll schedule was lost resumes no earlier than the back-off.
    const waitingState = { ...emailWaitStarted(resumed, PREP, T0 + 2000), nextPollAt: null };
    expect(emailCheckResumed(waitingState, true, T0 + 3000).nextPollAt).toBe(T0 + 60_000);
    // A state stored by an older version (no backoffUntil) polls at once, as before.
    const old = { ...waiting() } as Partial<EmailCheckState>;
    delete old.backoffUntil;
    expect(isEmailPollDue(old as EmailCheckState, T0 + 1000)).toBe(true);
  });

  it("a poll's back-off holds the preparation and first poll after signing in again", () => {
    const throttled = emailPollApplied(
      waiting(),
      { kind: 'failed', failure: failure('throttled', 90_000, 429), seenIds: [], calls: 1 },
      T0 + 2000,
      true,
    );
    expect(throttled).toMatchObject({ nextPollAt: T0 + 92_000, backoffUntil: T0 + 92_000 });
    const expired = emailPollApplied(
      { ...throttled, nextPollAt: T0 + 2000 },
      { kind: 'failed', failure: failure('unauthorized', null, 401), seenIds: [], calls: 1 },
      T0 + 3000,
      true,
    );
    const again = emailCheckStarted(expired, 'c2', 'gmail', T0 + 10_000, true);
    expect(again).toMatchObject({ id: 'c1', backoffUntil: T0 + 92_000 });
    expect(emailWaitStarted(emailSignedIn(again), PREP, T0 + 20_000).nextPollAt).toBe(T0 + 92_000);
  });

  it('the gate sleeps until the stored back-off has passed, also when it moved meanwhile', async () => {
    const clock = fakeClock(T0);
    let until: number | null = T0 + 3000;
    const failures: [ApiFailure, number][] = [];
    const gate = emailApiGate({
      now: () => clock.now,
      sleep: async (ms) => {
        await clock.sleep(ms);
        // Another phase backed off further while this one slept.
        if (until === T0 + 3000) until = T0 + 7000;
      },
      backoffUntil: () => until,
      backedOff: (f, at) => {
        failures.push([f, at]);
      },
    });
    await gate.ready();
    expect(clock.sleeps).toEqual([3000, 4000]);
    expect(clock.now).toBe(T0 + 7000);
    await gate.ready();
    expect(clock.sleeps).toHaveLength(2);
    await gate.failed(failure('throttled', 1000, 429));
    expect(failures).toEqual([[failure('throttled', 1000, 429), T0 + 7000]]);
  });

  it('Gmail: a 429 on the history listing is honoured by every later call, the first poll included', async () => {
    const clock = fakeClock(T0);
    let listCalls = 0;
    const { http, requests } = fakeHttp(
      (url) =>
        url.pathname.endsWith('/profile') ? json(200, { emailAddress: 'a@b.edu' }) : undefined,
      (url) => {
        if (!url.pathname.endsWith('/messages')) return undefined;
        listCalls += 1;
        return listCalls === 1
          ? json(429, { error: { code: 429, status: 'RESOURCE_EXHAUSTED' } }, '4')
          : json(200, { resultSizeEstimate: 0 });
      },
    );
    const times: number[] = [];
    const timed: typeof http = (url, request) => {
      times.push(clock.now);
      return http(url, request);
    };
    // The stored state, as the background keeps it: every change goes through it.
    let state = preparing();
    const gate = emailApiGate({
      now: () => clock.now,
      sleep: clock.sleep,
      backoffUntil: () => state.backoffUntil,
      backedOff: (f, at) => {
        state = emailApiBackedOff(state, f, at);
      },
    });
    const prep = await prepareEmailWait(
      createGmailMailbox(timed, 'tok', () => clock.now, gate),
      state,
      NO_IO,
    );
    expect('failure' in prep).toBe(false);
    if ('failure' in prep) return;
    expect(prep.history).toBeNull();
    // Retry-After 4 s, raised to the exponential minimum of 5 s.
    expect(state.backoffUntil).toBe(T0 + 5000);
    clock.now += 32;
    state = emailWaitStarted(state, prep, clock.now);
    expect(isEmailPollDue(state, clock.now)).toBe(false);
    // Even a poll started early (a popup opening) waits at the gate.
    const outcome = await pollMailbox(
      createGmailMailbox(timed, 'tok', () => clock.now, gate),
      state,
    );
    expect(outcome.kind).toBe('nothing');
    const listTimes = requests
      .map((r, i) => [r.url.pathname, times[i] as number] as const)
      .filter(([path]) => path.endsWith('/messages'))
      .map(([, at]) => at);
    expect(listTimes).toHaveLength(2);
    expect((listTimes[1] as number) - (listTimes[0] as number)).toBeGreaterThanOrEqual(4000);
  });

  it('Graph: a throttled folder lookup is retried after its Retry-After, not given up', async () => {
    const clock = fakeClock(T0);
    let inboxCalls = 0;
    const { http, requests } = fakeHttp(
      (url) => {
        const name = /\/mailFolders\/(\w+)$/.exec(url.pathname)?.[1];
        if (!name) return undefined;
        if (name === 'inbox' && ++inboxCalls === 1) {
          return json(429, { error: { code: 'ApplicationThrottled', message: '' } }, '2');
        }
        return json(200, { id: `F-${name}` });
      },
      (url) => (url.pathname.endsWith('/me') ? json(200, { mail: 'a@b.edu' }) : undefined),
      (url) => (url.pathname.endsWith('/messages') ? json(200, { value: [] }) : undefined),
    );
    let state = emailSignedIn(emailCheckStarted(null, 'c1', 'microsoft', T0, true));
    const gate = emailApiGate({
      now: () => clock.now,
      sleep: clock.sleep,
      backoffUntil: () => state.backoffUntil,
      backedOff: (f, at) => {
        state = emailApiBackedOff(state, f, at);
      },
    });
    const client = createGraphMailbox(http, 'tok', () => clock.now, {}, gate);
    const prep = await prepareEmailWait(client, state, NO_IO);
    expect(prep).toMatchObject({ cache: { folders: { 'F-inbox': 'inbox' } } });
    expect(clock.sleeps).toEqual([5000]);
    expect(requests.filter((r) => r.url.pathname.endsWith('/mailFolders/inbox'))).toHaveLength(2);
  });
});

describe('preparation', () => {
  it('asks for the test message with the address, and notes why it could not', async () => {
    const { http } = fakeHttp(
      (url) =>
        url.pathname.endsWith('/profile') ? json(200, { emailAddress: 'a@b.edu' }) : undefined,
      (url) => (url.pathname.endsWith('/messages') ? json(200, {}) : undefined),
    );
    const state = emailSignedIn(emailCheckStarted(null, 'c1', 'gmail', T0, true));
    const asked: string[] = [];
    const io: PreparationIo = {
      lookUpMxSystem: async (domain) => (domain === 'b.edu' ? 'microsoft-365' : 'unknown'),
      requestTestMessage: async (to) => {
        asked.push(to);
        return { ok: true, value: { token: 'AB12cd34EF', sentAt: T0 } };
      },
    };
    const prep = await prepareEmailWait(
      createGmailMailbox(http, 'tok', () => T0),
      state,
      io,
    );
    expect(asked).toEqual(['a@b.edu']);
    expect(prep).toMatchObject({
      mxSystem: 'microsoft-365',
      ticket: { token: 'AB12cd34EF' },
      history: { listed: 0 },
      calls: 2,
    });
    const down = await prepareEmailWait(
      createGmailMailbox(http, 'tok', () => T0),
      state,
      {
        ...io,
        requestTestMessage: async () => ({ ok: false, failure: failure('unavailable', null, 503) }),
      },
    );
    expect(down).toMatchObject({ ticket: null, testMessageProblem: 'unavailable 503' });
  });

  it('makes no call but the client preparation for a resumed wait', async () => {
    const { http, requests } = fakeHttp(() => json(200, {}));
    const expired = emailCheckFailed(waiting(), { reason: 'sign-in-again' });
    const again = emailSignedIn(emailCheckStarted(expired, 'c2', 'gmail', T0 + 1000, true));
    const prep = await prepareEmailWait(
      createGmailMailbox(http, 'tok', () => T0),
      again,
      NO_IO,
    );
    expect(prep).toMatchObject({ ticket: null, history: null, calls: 0 });
    expect(requests).toHaveLength(0);
  });
});

describe('stopping without Raftr mail to go by', () => {
  it('says there was none in the last 30 days, or that they could not be read', () => {
    const none = emailWaitStopped(
      waiting('gmail', { ...PREP, history: { listed: 0, items: [] } }),
      T0 + 5000,
    );
    expect(none.verdict).toMatchObject({
      basis: 'stopped-no-history',
      evidence: { placement: 'missing' },
    });
    const unread = emailWaitStopped(waiting('gmail', { ...PREP, history: null }), T0 + 5000);
    expect(unread.verdict).toMatchObject({
      basis: 'stopped-history-unread',
      evidence: { placement: 'missing' },
    });
  });

  it('has a note for every way a verdict is reached', () => {
    const messages = JSON.parse(
      readFileSync(new URL('../../public/_locales/en/messages.json', import.meta.url), 'utf8'),
    ) as Record<string, { message: string }>;
    for (const basis of VERDICT_BASES.filter((b) => b !== 'arrived')) {
      const key = `email_basis_${basis.replace(/-/g, '_')}`;
      expect(messages[key]?.message, key).toBeTruthy();
    }
    expect(messages.email_basis_stopped_no_history?.message).not.toMatch(/this is where/i);
    expect(messages.email_basis_stopped_history_unread?.message).not.toMatch(/this is where/i);
  });
});

describe('signing in again after an expired token', () => {
  const history = (at: number) => ({
    listed: 1,
    items: [
      {
        kind: 'verification' as const,
        placement: 'inbox' as const,
        tab: null,
        receivedAt: at,
        evidence: emailPollApplied(
          waiting(),
          { kind: 'found', message: gmailMessage(['INBOX']), seenIds: [], calls: 1 },
          T0,
          true,
        ).verdict?.evidence as never,
      },
    ],
  });

  it('counts down to the original deadline in every phase: no new 15 minutes', () => {
    const state = waiting('gmail', { ...PREP, history: history(T0 - 86_400_000) });
    const deadline = T0 + 1000 + EMAIL_WAIT_MS;
    expect(state.deadline).toBe(deadline);
    // Ten minutes in, the token expires; the user signs in again two minutes later.
    const expired = emailPollApplied(
      state,
      { kind: 'failed', failure: failure('unauthorized', null, 401), seenIds: [], calls: 1 },
      T0 + 10 * 60_000,
      false,
    );
    const at = T0 + 12 * 60_000;
    const authorizing = emailCheckStarted(expired, 'c2', 'gmail', at, true);
    expect(emailRemainingMs(authorizing, at)).toBe(deadline - at);
    const preparing = emailSignedIn(authorizing);
    expect(emailRemainingMs(preparing, at + 5000)).toBe(deadline - at - 5000);
    const resumed = emailWaitStarted(preparing, { ...PREP, ticket: null }, at + 6000);
    expect(resumed.deadline).toBe(deadline);
    expect(emailRemainingMs(resumed, at + 6000)).toBe(deadline - at - 6000);
    expect(emailRemainingMs(resumed, at + 6000)).toBeLessThan(EMAIL_WAIT_MS / 2);
    // A fresh check shows no countdown before its wait begins.
    expect(emailRemainingMs(emailCheckStarted(null, 'c3', 'gmail', at, true), at)).toBeNull();
  });

  it('can be stopped at any time: in the error, while signing in, preparing and waiting', () => {
    const state = waiting('gmail', { ...PREP, history: history(T0 - 86_400_000) });
    const expired = emailCheckFailed(state, { reason: 'sign-in-again' });
    const authorizing = emailCheckStarted(expired, 'c2', 'gmail', T0 + 60_000, true);
    const preparing = emailSignedIn(authorizing);
    const resumed = emailWaitStarted(preparing, { ...PREP, history: null }, T0 + 70_000);
    for (const phase of [expired, authorizing, preparing, resumed]) {
      expect(isEmailWaitStoppable(phase), phase.phase).toBe(true);
      const stopped = emailWaitStopped(phase, T0 + 80_000);
      expect(stopped, phase.phase).toMatchObject({
        phase: 'done',
        error: null,
        nextPollAt: null,
        verdict: { basis: 'stopped', evidence: { placement: 'inbox' } },
      });
      expect(emailUiStateOf(stopped)).toBe('done');
    }
    // Before any wait began there is nothing to stop (Cancel is there for that).
    const fresh = emailSignedIn(emailCheckStarted(null, 'c3', 'gmail', T0, true));
    expect(isEmailWaitStoppable(fresh)).toBe(false);
    expect(emailWaitStopped(fresh, T0)).toBe(fresh);
    expect(isEmailWaitStoppable(emailCheckFailed(state, { reason: 'api-error' }))).toBe(false);
    expect(isEmailWaitStoppable(emailWaitStopped(state, T0))).toBe(false);
  });

  it('past the deadline, the same message gets one look and the verdict, not 15 more minutes', () => {
    const state = waiting();
    const deadline = state.deadline as number;
    const expired = emailCheckFailed(state, { reason: 'sign-in-again' });
    const at = deadline + 20 * 60_000;
    const again = emailCheckStarted(expired, 'c2', 'gmail', at, true);
    expect(again).toMatchObject({ id: 'c1', token: 'AB12cd34EF', deadline });
    const resumed = emailWaitStarted(emailSignedIn(again), { ...PREP, ticket: null }, at + 1000);
    expect(resumed).toMatchObject({ phase: 'waiting', deadline, nextPollAt: at + 1000 });
    const done = emailPollApplied(
      resumed,
      { kind: 'nothing', seenIds: [], calls: 1 },
      at + 2000,
      true,
    );
    expect(done).toMatchObject({ phase: 'done', verdict: { basis: 'deadline' } });
  });

  it('times a resumed sign-in from when it began, not from the start of the check', () => {
    const expired = emailCheckFailed(waiting(), { reason: 'sign-in-again' });
    const at = T0 + EMAIL_SIGN_IN_TIMEOUT_MS + 60_000;
    const again = emailCheckStarted(expired, 'c2', 'gmail', at, true);
    expect(emailSignInTimedOut(again, at + 1000)).toBe(false);
    expect(emailSignInTimedOut(again, at + EMAIL_SIGN_IN_TIMEOUT_MS + 1)).toBe(true);
  });
});
