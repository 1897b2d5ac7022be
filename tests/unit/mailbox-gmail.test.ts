import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseHeaderBlock } from '../../utils/email/headers/parse';
import {
  type ApiFailure,
  apiFailure,
  isRaftrSender,
  parseRetryAfter,
  parseTestMessageResponse,
  raftrMessageKind,
  subjectHasToken,
  testMessageRequest,
  testTokenOf,
} from '../../utils/email/mailbox/client';
import {
  createGmailMailbox,
  gmailListUrl,
  gmailMessageUrl,
  gmailRaftrQuery,
  gmailTab,
  gmailVerificationQuery,
  parseGmailList,
  parseGmailMessage,
  parseGmailProfile,
} from '../../utils/email/mailbox/gmail';
import { fakeHttp, json } from './mailbox-fake-http';

const NOW = Date.parse('2026-03-03T17:20:00Z');
const headerFields = parseHeaderBlock(
  readFileSync(new URL('./fixtures/headers/raftr-gmail-inbox.txt', import.meta.url), 'utf8'),
).fields;

describe('Gmail queries and URLs', () => {
  it('searches every Raftr sender of the profile for 30 days', () => {
    expect(gmailRaftrQuery(30)).toBe(
      'from:(no-reply@raftr.com OR digest.raftr.com OR raftr.com) newer_than:30d',
    );
    expect(gmailVerificationQuery()).toBe('from:no-reply@raftr.com newer_than:1d');
  });

  it('includes spam and trash in every list', () => {
    const url = new URL(gmailListUrl('from:x', 10));
    expect(url.pathname).toBe('/gmail/v1/users/me/messages');
    expect(url.searchParams.get('includeSpamTrash')).toBe('true');
    expect(url.searchParams.get('q')).toBe('from:x');
    expect(url.searchParams.get('maxResults')).toBe('10');
  });

  it('gets metadata only (every header, never the body), as Graph and a paste give them', () => {
    const url = new URL(gmailMessageUrl('18e1f/a'));
    expect(url.pathname).toBe('/gmail/v1/users/me/messages/18e1f%2Fa');
    expect([...url.searchParams.keys()]).toEqual(['format']);
    expect(url.searchParams.get('format')).toBe('metadata');
  });
});

describe('Gmail answers', () => {
  it('reads a list, an empty list (no `messages` key) and refuses a malformed one', () => {
    expect(
      parseGmailList({ messages: [{ id: 'a', threadId: 't' }, { id: 'b' }, { x: 1 }] }),
    ).toEqual({
      ok: true,
      value: [{ id: 'a' }, { id: 'b' }],
    });
    expect(parseGmailList({ resultSizeEstimate: 0 })).toEqual({ ok: true, value: [] });
    expect(parseGmailList({ messages: 'nope' })).toMatchObject({
      ok: false,
      failure: { kind: 'bad-response' },
    });
    expect(parseGmailList(null)).toMatchObject({ ok: false });
  });

  it('reads a metadata message: labels, arrival, headers, sender', () => {
    const parsed = parseGmailMessage({
      id: 'm1',
      threadId: 't1',
      labelIds: ['SPAM', 'UNREAD'],
      internalDate: '1772558107000',
      payload: { headers: headerFields },
    });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.value).toMatchObject({
      id: 'm1',
      location: { provider: 'gmail', labelIds: ['SPAM', 'UNREAD'] },
      receivedAt: 1772558107000,
      from: 'no-reply@raftr.com',
    });
    expect(parsed.value.headers.length).toBe(headerFields.length);
  });

  it('survives a message without payload or date, and refuses one without id', () => {
    expect(parseGmailMessage({ id: 'm' })).toMatchObject({
      ok: true,
      value: { receivedAt: null, headers: [], subject: null, from: null },
    });
    expect(parseGmailMessage({ labelIds: [] })).toMatchObject({ ok: false });
  });

  it('reads the profile address', () => {
    expect(parseGmailProfile({ emailAddress: 'student@university.example' })).toEqual({
      ok: true,
      value: 'student@university.example',
    });
    expect(parseGmailProfile({})).toMatchObject({ ok: false });
  });

  it('names the inbox tab from the category label', () => {
    expect(gmailTab(['INBOX', 'CATEGORY_PROMOTIONS'])).toBe('promotions');
    expect(gmailTab(['INBOX'])).toBeNull();
    expect(gmailTab(['SPAM', 'CATEGORY_UPDATES'])).toBeNull();
  });
});

describe('API failures', () => {
  it('sorts error answers by what to do about them', () => {
    const gmailError = (status: number, reason: string) =>
      json(status, { error: { code: status, message: 'm', errors: [{ reason }], status: 'X' } });
    expect(apiFailure(gmailError(401, 'authError'), NOW).kind).toBe('unauthorized');
    expect(apiFailure(gmailError(403, 'userRateLimitExceeded'), NOW).kind).toBe('throttled');
    expect(apiFailure(gmailError(403, 'insufficientPermissions'), NOW).kind).toBe('forbidden');
    expect(apiFailure(gmailError(404, 'notFound'), NOW).kind).toBe('not-found');
    expect(apiFailure(gmailError(400, 'invalidArgument'), NOW).kind).toBe('rejected');
    expect(apiFailure(json(503, 'Service Unavailable', '7'), NOW)).toMatchObject({
      kind: 'unavailable',
      retryAfterMs: 7000,
      message: 'Service Unavailable',
    });
  });

  it('reads Retry-After as seconds or as a date (RFC 9110 §10.2.3)', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(new Date(NOW + 30_000).toUTCString(), NOW)).toBe(30_000);
    expect(parseRetryAfter('soon', NOW)).toBeNull();
    expect(parseRetryAfter(null, NOW)).toBeNull();
  });
});

describe('the Gmail client', () => {
  it('counts its calls and turns every failure into a value', async () => {
    const { http, requests } = fakeHttp(
      (url) =>
        url.pathname.endsWith('/profile') ? json(200, { emailAddress: 'a@b.edu' }) : undefined,
      (url) =>
        url.pathname.endsWith('/messages') ? json(429, { error: { code: 429 } }, '3') : undefined,
      (url) => (url.pathname.endsWith('/messages/bad') ? json(200, 'not json') : undefined),
      (url) =>
        url.pathname.endsWith('/messages/down') ? new TypeError('Failed to fetch') : undefined,
    );
    const client = createGmailMailbox(http, 'tok', () => NOW);
    expect(await client.address()).toEqual({ ok: true, value: 'a@b.edu' });
    expect(await client.listNewVerificationMail(0, 10)).toMatchObject({
      ok: false,
      failure: { kind: 'throttled', retryAfterMs: 3000 },
    });
    expect(await client.getMessage({ id: 'bad' })).toMatchObject({
      failure: { kind: 'bad-response' },
    });
    expect(await client.getMessage({ id: 'down' })).toMatchObject({ failure: { kind: 'network' } });
    expect(client.calls).toBe(4);
    expect(requests[0]?.request.headers?.authorization).toBe('Bearer tok');
  });

  it('passes every call through the gate: waits before it, reports its failure after', async () => {
    const log: string[] = [];
    const { http } = fakeHttp((url) => {
      log.push(`call ${url.pathname.replace(/^.*\/users\/me/, '')}`);
      if (url.pathname.endsWith('/messages')) {
        return json(429, { error: { code: 429, status: 'RESOURCE_EXHAUSTED' } }, '4');
      }
      return url.pathname.endsWith('/profile')
        ? json(200, { emailAddress: 'a@b.edu' })
        : json(200, { id: 'm1', labelIds: ['INBOX'] });
    });
    const gate = {
      ready: async () => {
        log.push('ready');
      },
      failed: (failure: ApiFailure) => {
        log.push(`failed ${failure.kind} ${failure.retryAfterMs}`);
      },
    };
    const client = createGmailMailbox(http, 'tok', () => NOW, gate);
    await client.address();
    await client.listRaftrMail(30, 25);
    await client.getMessage({ id: 'm1' });
    expect(log).toEqual([
      'ready',
      'call /profile',
      'ready',
      'call /messages',
      'failed throttled 4000',
      'ready',
      'call /messages/m1',
    ]);
  });
});

describe('Raftr messages', () => {
  it("knows Raftr's senders: raftr.com and its subdomains, nothing that merely resembles them", () => {
    expect(isRaftrSender('no-reply@raftr.com')).toBe(true);
    expect(isRaftrSender('News@Digest.Raftr.com')).toBe(true);
    expect(isRaftrSender('x@mail.digest.raftr.com')).toBe(true);
    expect(isRaftrSender('x@notraftr.com')).toBe(false);
    expect(isRaftrSender('x@raftr.com.example')).toBe(false);
    expect(isRaftrSender(null)).toBe(false);
  });

  it('finds the test token in the header or the subject', () => {
    expect(testTokenOf(null, [{ name: 'x-raftr-access-check', value: ' K7QM2HFD9X ' }])).toBe(
      'K7QM2HFD9X',
    );
    expect(testTokenOf('Welcome [Raftr check AB12cd34EF]', [])).toBe('AB12cd34EF');
    expect(testTokenOf('Reset your password', [])).toBeNull();
    expect(subjectHasToken('[Raftr check AB12cd34EF] hello', 'AB12cd34EF')).toBe(true);
    expect(subjectHasToken('[Raftr check OTHER12345]', 'AB12cd34EF')).toBe(false);
  });

  it('tells verification, reset, digest and test mail apart', () => {
    const kind = (from: string, subject: string) =>
      raftrMessageKind({ from, subject, headers: [] });
    expect(kind('no-reply@raftr.com', 'Verify your email')).toBe('verification');
    expect(kind('no-reply@raftr.com', 'Reset your password')).toBe('reset');
    expect(kind('news@digest.raftr.com', 'This week on Raftr')).toBe('digest');
    expect(kind('no-reply@raftr.com', '[Raftr check AB12cd34EF]')).toBe('test');
    expect(kind('no-reply@raftr.com', 'Something new')).toBe('other');
  });
});

describe('the test-message endpoint contract', () => {
  it('posts the address as JSON', () => {
    const request = testMessageRequest('student@university.example');
    expect(request.method).toBe('POST');
    expect(request.headers?.['content-type']).toBe('application/json');
    expect(JSON.parse(request.body as string)).toEqual({ to: 'student@university.example' });
  });

  it('reads 202 {token, sentAt}, and refuses anything else', () => {
    const ok = json(202, { token: 'AB12cd34EF', sentAt: '2026-03-03T17:15:05Z' });
    expect(parseTestMessageResponse(ok, NOW)).toEqual({
      ok: true,
      value: { token: 'AB12cd34EF', sentAt: Date.parse('2026-03-03T17:15:05Z') },
    });
    expect(parseTestMessageResponse(json(202, { token: 'AB12cd34EF' }), NOW)).toMatchObject({
      value: { sentAt: NOW },
    });
    expect(parseTestMessageResponse(json(202, { token: 'bad token!' }), NOW)).toMatchObject({
      ok: false,
    });
    expect(parseTestMessageResponse(json(202, 'oops'), NOW)).toMatchObject({ ok: false });
    expect(parseTestMessageResponse(json(429, { error: 'slow_down' }, '60'), NOW)).toMatchObject({
      ok: false,
      failure: { kind: 'throttled', retryAfterMs: 60_000 },
    });
  });
});
