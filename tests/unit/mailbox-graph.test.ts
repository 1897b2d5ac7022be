import { describe, expect, it } from 'vitest';
import {
  createGraphMailbox,
  graphDateTime,
  graphFolderName,
  graphHeadersUrl,
  graphListUrl,
  graphRaftrSearch,
  graphSearchUrl,
  parseGraphFolder,
  parseGraphHeaders,
  parseGraphList,
  parseGraphMe,
} from '../../utils/email/mailbox/graph';
import { fakeHttp, json } from './mailbox-fake-http';

const NOW = Date.parse('2026-03-03T17:20:00Z');

const listItem = (id: string, folder: string, subject = 'Verify your email') => ({
  id,
  subject,
  from: { emailAddress: { name: 'Raftr', address: 'No-Reply@raftr.com' } },
  receivedDateTime: '2026-03-03T17:15:09Z',
  parentFolderId: folder,
  inferenceClassification: 'focused',
});

describe('Graph URLs', () => {
  it('filters on receivedDateTime first (the $orderby property) and encodes spaces as %20', () => {
    const href = graphListUrl('no-reply@raftr.com', Date.parse('2026-03-03T17:00:00.123Z'), 10);
    expect(href).toContain('/v1.0/me/messages?$filter=');
    expect(href).not.toContain('+');
    const url = new URL(href);
    const filter = url.searchParams.get('$filter') as string;
    expect(filter).toBe(
      "receivedDateTime ge 2026-03-03T17:00:00Z and from/emailAddress/address eq 'no-reply@raftr.com'",
    );
    expect(filter.indexOf('receivedDateTime')).toBe(0);
    expect(url.searchParams.get('$orderby')).toBe('receivedDateTime desc');
    expect(url.searchParams.get('$select')).toContain('parentFolderId');
    expect(url.searchParams.get('$top')).toBe('10');
  });

  it('searches the history with KQL on every sender domain, without $orderby or $filter', () => {
    expect(graphRaftrSearch()).toBe('from:raftr.com OR from:digest.raftr.com');
    const href = graphSearchUrl(graphRaftrSearch(), 25);
    expect(href).not.toContain('+');
    const url = new URL(href);
    expect(url.pathname).toBe('/v1.0/me/messages');
    expect(url.searchParams.get('$search')).toBe('"from:raftr.com OR from:digest.raftr.com"');
    // Graph refuses $orderby and most $filter alongside $search.
    expect(url.searchParams.has('$orderby')).toBe(false);
    expect(url.searchParams.has('$filter')).toBe(false);
    expect(url.searchParams.get('$select')).toContain('parentFolderId');
    expect(url.searchParams.get('$select')).toContain('from');
    expect(url.searchParams.get('$top')).toBe('25');
  });

  it('doubles quotes in a sender (OData string literal)', () => {
    const filter = new URL(graphListUrl("o'brien@raftr.com", 0, 1)).searchParams.get('$filter');
    expect(filter).toContain("eq 'o''brien@raftr.com'");
  });

  it('asks for the headers of one message only', () => {
    const url = new URL(graphHeadersUrl('AAMkAD=/x'));
    expect(url.pathname).toBe('/v1.0/me/messages/AAMkAD%3D%2Fx');
    expect(url.searchParams.get('$select')).toBe('internetMessageHeaders');
    expect(graphDateTime(0)).toBe('1970-01-01T00:00:00Z');
  });
});

describe('Graph answers', () => {
  it('reads a message list, lower-casing the sender', () => {
    expect(parseGraphList({ value: [listItem('m1', 'F-JUNK'), { nope: true }] })).toEqual({
      ok: true,
      value: [
        {
          id: 'm1',
          subject: 'Verify your email',
          receivedAt: Date.parse('2026-03-03T17:15:09Z'),
          from: 'no-reply@raftr.com',
          folderId: 'F-JUNK',
          inferenceClassification: 'focused',
        },
      ],
    });
    expect(parseGraphList({ value: [] })).toEqual({ ok: true, value: [] });
    expect(parseGraphList({ error: {} })).toMatchObject({
      ok: false,
      failure: { kind: 'bad-response' },
    });
  });

  it('reads folders, headers and the address (mail, else the UPN)', () => {
    expect(parseGraphFolder({ id: 'F1', displayName: 'Inbox' })).toEqual({ ok: true, value: 'F1' });
    expect(parseGraphFolder({})).toMatchObject({ ok: false });
    expect(
      parseGraphHeaders({ internetMessageHeaders: [{ name: 'Received', value: 'from x' }] }),
    ).toEqual({ ok: true, value: [{ name: 'Received', value: 'from x' }] });
    expect(parseGraphHeaders({ id: 'draft' })).toEqual({ ok: true, value: [] });
    expect(parseGraphMe({ mail: 'a@campus.edu', userPrincipalName: 'x@y' })).toEqual({
      ok: true,
      value: 'a@campus.edu',
    });
    expect(parseGraphMe({ mail: null, userPrincipalName: 'a@campus.edu' })).toEqual({
      ok: true,
      value: 'a@campus.edu',
    });
    expect(parseGraphMe({ mail: null })).toMatchObject({ ok: false });
  });

  it("names a folder by the well-known folder it is, or 'other'", () => {
    const folders = { F1: 'inbox', F2: 'junkemail' };
    expect(graphFolderName(folders, 'F2')).toBe('junkemail');
    expect(graphFolderName(folders, 'F9')).toBe('other');
    expect(graphFolderName(undefined, 'F1')).toBe('other');
  });
});

function graphMailbox(extra: Parameters<typeof fakeHttp> = []) {
  const folders: Record<string, string> = {
    inbox: 'F-INBOX',
    junkemail: 'F-JUNK',
    deleteditems: 'F-DEL',
  };
  return fakeHttp(
    ...extra,
    (url) => {
      const match = /\/me\/mailFolders\/(\w+)$/.exec(url.pathname);
      if (!match) return undefined;
      const id = folders[match[1] as string];
      return id
        ? json(200, { id, displayName: match[1] })
        : json(404, {
            error: {
              code: 'ErrorItemNotFound',
              message: 'The specified object was not found in the store.',
            },
          });
    },
    (url) =>
      url.pathname === '/v1.0/me/messages'
        ? json(200, { value: [listItem('m1', 'F-JUNK'), listItem('m2', 'F-OTHER')] })
        : undefined,
    (url) =>
      url.pathname.startsWith('/v1.0/me/messages/')
        ? json(200, { internetMessageHeaders: [{ name: 'Subject', value: 'Verify your email' }] })
        : undefined,
  );
}

describe('the Graph client', () => {
  it('learns the folder ids once (a missing archive folder is fine) and reuses them', async () => {
    const { http, requests } = graphMailbox();
    const client = createGraphMailbox(http, 'tok', () => NOW);
    expect(await client.prepare()).toEqual({ ok: true, value: undefined });
    expect(client.cache.folders).toEqual({
      'F-INBOX': 'inbox',
      'F-JUNK': 'junkemail',
      'F-DEL': 'deleteditems',
    });
    expect(client.calls).toBe(4);
    await client.prepare();
    expect(client.calls).toBe(4);
    expect(requests.every((r) => r.request.headers?.authorization === 'Bearer tok')).toBe(true);

    const again = createGraphMailbox(http, 'tok', () => NOW, { folders: { X: 'inbox' } });
    await again.prepare();
    expect(again.calls).toBe(0);
  });

  it('puts a message in its folder with one headers call', async () => {
    const { http } = graphMailbox();
    const client = createGraphMailbox(http, 'tok', () => NOW);
    await client.prepare();
    const listed = await client.listNewVerificationMail(NOW - 60_000, 10);
    expect(listed.ok && listed.value.map((r) => r.id)).toEqual(['m1', 'm2']);
    if (!listed.ok) return;
    const junk = await client.getMessage(listed.value[0] as never);
    expect(junk).toMatchObject({
      ok: true,
      value: {
        location: {
          provider: 'microsoft',
          folder: 'junkemail',
          inferenceClassification: 'focused',
        },
        receivedAt: Date.parse('2026-03-03T17:15:09Z'),
        from: 'no-reply@raftr.com',
        headers: [{ name: 'Subject', value: 'Verify your email' }],
      },
    });
    const moved = await client.getMessage(listed.value[1] as never);
    expect(moved.ok && moved.value.location).toMatchObject({ folder: 'other' });
    expect(client.calls).toBe(4 + 3);
  });

  it('stops preparing when the inbox itself cannot be read', async () => {
    const { http } = fakeHttp(() =>
      json(401, {
        error: {
          code: 'InvalidAuthenticationToken',
          message: 'Lifetime validation failed, the token is expired.',
        },
      }),
    );
    const client = createGraphMailbox(http, 'tok', () => NOW);
    expect(await client.prepare()).toMatchObject({
      ok: false,
      failure: { kind: 'unauthorized', code: 'InvalidAuthenticationToken' },
    });
    expect(client.calls).toBe(1);
  });

  it('reports throttling with its Retry-After', async () => {
    const { http } = fakeHttp(() =>
      json(
        429,
        {
          error: {
            code: 'ApplicationThrottled',
            message: 'Application is over its MailboxConcurrency limit.',
          },
        },
        '17',
      ),
    );
    const client = createGraphMailbox(http, 'tok', () => NOW);
    expect(await client.listRaftrMail(30, 25)).toMatchObject({
      ok: false,
      failure: { kind: 'throttled', retryAfterMs: 17_000, code: 'ApplicationThrottled' },
    });
  });
});

describe('the Graph history', () => {
  const from = (address: string) => ({ emailAddress: { name: 'Raftr', address } });
  const item = (id: string, address: string, received: string) => ({
    ...listItem(id, 'F-INBOX'),
    from: from(address),
    receivedDateTime: received,
  });

  it('finds the digest domain too, in one $search call, within the 30 days', async () => {
    const { http, requests } = fakeHttp((url) =>
      url.pathname === '/v1.0/me/messages' && url.searchParams.has('$search')
        ? json(200, {
            value: [
              item('d1', 'news@digest.raftr.com', '2026-03-02T08:00:00Z'),
              item('v1', 'no-reply@raftr.com', '2026-03-03T08:00:00Z'),
              // KQL matches words: a look-alike domain is not Raftr.
              item('x1', 'promo@raftr.com.example', '2026-03-01T08:00:00Z'),
              // Older than 30 days: $search cannot restrict the time, the client does.
              item('o1', 'no-reply@raftr.com', '2026-01-10T08:00:00Z'),
            ],
          })
        : undefined,
    );
    const client = createGraphMailbox(http, 'tok', () => NOW);
    const listed = await client.listRaftrMail(30, 25);
    expect(listed.ok && listed.value.map((r) => [r.id, r.from])).toEqual([
      ['v1', 'no-reply@raftr.com'],
      ['d1', 'news@digest.raftr.com'],
    ]);
    expect(client.calls).toBe(1);
    expect(requests[0]?.url.searchParams.get('$search')).toBe(
      '"from:raftr.com OR from:digest.raftr.com"',
    );
  });

  it('falls back to the verification sender when the search is refused, not when throttled', async () => {
    const { http, requests } = fakeHttp((url) => {
      if (url.pathname !== '/v1.0/me/messages') return undefined;
      if (url.searchParams.has('$search')) {
        return json(400, { error: { code: 'BadRequest', message: 'Search is not supported.' } });
      }
      return json(200, { value: [item('v1', 'no-reply@raftr.com', '2026-03-03T08:00:00Z')] });
    });
    const client = createGraphMailbox(http, 'tok', () => NOW);
    const listed = await client.listRaftrMail(30, 25);
    expect(listed.ok && listed.value.map((r) => r.id)).toEqual(['v1']);
    expect(client.calls).toBe(2);
    const filter = requests[1]?.url.searchParams.get('$filter');
    expect(filter).toBe(
      "receivedDateTime ge 2026-02-01T17:20:00Z and from/emailAddress/address eq 'no-reply@raftr.com'",
    );

    const throttled = fakeHttp(() =>
      json(429, { error: { code: 'ApplicationThrottled', message: '' } }, '9'),
    );
    const second = createGraphMailbox(throttled.http, 'tok', () => NOW);
    expect(await second.listRaftrMail(30, 25)).toMatchObject({
      ok: false,
      failure: { kind: 'throttled', retryAfterMs: 9000 },
    });
    expect(second.calls).toBe(1);
  });

  it('polls with the exact $filter, one call', async () => {
    const { http, requests } = graphMailbox();
    const client = createGraphMailbox(http, 'tok', () => NOW, { folders: {} });
    await client.listNewVerificationMail(NOW - 60_000, 10);
    expect(client.calls).toBe(1);
    const url = requests[0]?.url as URL;
    expect(url.searchParams.has('$search')).toBe(false);
    expect(url.searchParams.get('$orderby')).toBe('receivedDateTime desc');
  });
});
