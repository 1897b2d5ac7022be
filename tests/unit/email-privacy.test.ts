/**
 * The consent note promises what the email check does with the user's data (a DNS-over-HTTPS
 * lookup of the mail domain, the address only to Raftr's endpoint, a verdict kept for
 * EMAIL_RESULT_TTL_MS and never the address or subjects). These tests hold the promise and the
 * behaviour together: a change to either breaks one of them.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emailCheckAge, parseEmailCheck } from '../../utils/email/check/schema';
import {
  type PreparationIo,
  pollMailbox,
  prepareEmailWait,
} from '../../utils/email/check/sequences';
import { EMAIL_RESULT_TTL_MS, type EmailCheckState } from '../../utils/email/check/state';
import {
  emailCheckStarted,
  emailPollApplied,
  emailSignedIn,
  emailWaitStarted,
} from '../../utils/email/check/transitions';
import { createGmailMailbox } from '../../utils/email/mailbox/gmail';
import { PROFILE } from '../../utils/profile';
import { fakeHttp, json } from './mailbox-fake-http';

const messages = JSON.parse(
  readFileSync(new URL('../../public/_locales/en/messages.json', import.meta.url), 'utf8'),
) as Record<string, { message: string }>;
const consent = messages.email_consent_note?.message ?? '';

const T0 = Date.parse('2026-03-03T17:00:00Z');
const ADDRESS = 'jane.doe@campus.example.edu';
const HISTORY_SUBJECT = 'Jane, 3 new posts in Chess Club';
const TOKEN = 'AB12cd34EF';

/** A Gmail mailbox holding one old Raftr digest and, once asked, the test message. */
function gmail() {
  const asked = { mx: [] as string[], testMessage: [] as string[] };
  const metadata = (id: string, subject: string, to: string) => ({
    id,
    labelIds: ['INBOX'],
    internalDate: String(T0 + 5_000),
    payload: {
      headers: [
        { name: 'From', value: 'Raftr <no-reply@raftr.com>' },
        { name: 'To', value: `Jane Doe <${to}>` },
        { name: 'Subject', value: subject },
        { name: 'Authentication-Results', value: 'mx.google.com; spf=pass; dkim=pass' },
        { name: 'X-Raftr-Access-Check', value: id === 'new1' ? TOKEN : '' },
      ],
    },
  });
  let listed = 0;
  const { http } = fakeHttp(
    (url) => (url.pathname.endsWith('/profile') ? json(200, { emailAddress: ADDRESS }) : undefined),
    (url) => {
      if (!url.pathname.endsWith('/messages')) return undefined;
      listed += 1;
      const ids = listed === 1 ? ['old1'] : ['new1', 'old1'];
      return json(200, { messages: ids.map((id) => ({ id, threadId: id })) });
    },
    (url) =>
      url.pathname.endsWith('/messages/old1')
        ? json(200, metadata('old1', HISTORY_SUBJECT, ADDRESS))
        : undefined,
    (url) =>
      url.pathname.endsWith('/messages/new1')
        ? json(200, metadata('new1', `[Raftr check ${TOKEN}] Hello Jane Doe`, ADDRESS))
        : undefined,
  );
  const io: PreparationIo = {
    lookUpMxSystem: async (domain) => {
      asked.mx.push(domain);
      return 'google-workspace';
    },
    requestTestMessage: async (to) => {
      asked.testMessage.push(to);
      return { ok: true, value: { token: TOKEN, sentAt: T0 + 1_000 } };
    },
  };
  return { client: createGmailMailbox(http, 'tok', () => T0 + 10_000), io, asked };
}

/** A whole check, from sign-in to the verdict, as the background stores it. */
async function wholeCheck(): Promise<{
  state: EmailCheckState;
  asked: ReturnType<typeof gmail>['asked'];
}> {
  const { client, io, asked } = gmail();
  const signedIn = emailSignedIn(emailCheckStarted(null, 'c1', 'gmail', T0, true));
  const prep = await prepareEmailWait(client, signedIn, io);
  if ('failure' in prep) throw new Error(`preparation failed: ${prep.failure.kind}`);
  const waiting = emailWaitStarted(signedIn, prep, T0 + 1_000);
  const outcome = await pollMailbox(client, waiting);
  return { state: emailPollApplied(waiting, outcome, T0 + 10_000, true), asked };
}

describe('the consent note', () => {
  it('names the DNS-over-HTTPS host the domain is looked up at', () => {
    for (const origin of PROFILE.dnsHostPermissions) {
      expect(consent).toContain(new URL(origin.replace('/*', '/')).hostname);
    }
  });

  it('says how long the verdict is kept, in days, from the constant that enforces it', () => {
    expect(consent).toContain('$1 days');
    expect(EMAIL_RESULT_TTL_MS % 86_400_000).toBe(0);
  });

  it('says the address goes only to the test-message service, and is never kept', () => {
    expect(consent).toMatch(/address goes to Raftr's test-message service only/);
    expect(consent).toMatch(/address and subjects are never kept/);
  });
});

describe('what the check does, against that note', () => {
  it('looks up only the domain, sends the address only to the endpoint, keeps neither', async () => {
    const { state, asked } = await wholeCheck();
    expect(state.phase).toBe('done');
    expect(state.verdict?.evidence.placement).toBe('inbox');
    expect(asked.mx).toEqual(['campus.example.edu']);
    expect(asked.testMessage).toEqual([ADDRESS]);
    const stored = JSON.stringify(state);
    expect(stored).not.toContain('jane.doe');
    expect(stored).not.toContain('Jane Doe');
    expect(stored).not.toContain(HISTORY_SUBJECT);
    expect(stored).not.toContain('Hello');
  });

  it('keeps the verdict until the stated days have passed, then reads it back as nothing', async () => {
    const { state } = await wholeCheck();
    const at = state.verdict?.at ?? Number.NaN;
    expect(parseEmailCheck(state, at + EMAIL_RESULT_TTL_MS)).toEqual(state);
    expect(parseEmailCheck(state, at + EMAIL_RESULT_TTL_MS + 1)).toBeNull();
    expect(emailCheckAge(state, at + 60_000)).toBe(60_000);
  });
});

describe('reading a stored check back', () => {
  it('refuses what is not a check: another shape, a damaged value, an unknown phase', async () => {
    const { state } = await wholeCheck();
    const now = T0 + 20_000;
    expect(parseEmailCheck(undefined, now)).toBeNull();
    expect(parseEmailCheck('done', now)).toBeNull();
    expect(parseEmailCheck({ ...state, phase: 'finished' }, now)).toBeNull();
    expect(parseEmailCheck({ ...state, provider: 'yahoo' }, now)).toBeNull();
    expect(parseEmailCheck({ ...state, seenIds: 'old1' }, now)).toBeNull();
    const { verdict } = state;
    if (!verdict) throw new Error('no verdict');
    const damaged = { ...state, verdict: { ...verdict, evidence: { placement: 'moon' } } };
    expect(parseEmailCheck(damaged, now)).toBeNull();
  });

  it('measures a check without a verdict from its start', () => {
    const started = emailCheckStarted(null, 'c1', 'gmail', T0, true);
    expect(parseEmailCheck(started, T0 + EMAIL_RESULT_TTL_MS)).toEqual(started);
    expect(parseEmailCheck(started, T0 + EMAIL_RESULT_TTL_MS + 1)).toBeNull();
  });
});
