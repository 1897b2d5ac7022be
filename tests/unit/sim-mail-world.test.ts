/**
 * The simulated mail world on its own (no browser): real SMTP, DKIM, SPF/DKIM/DMARC checks,
 * OAuth code + PKCE and the mailbox APIs, driven over HTTPS exactly as the extension drives
 * them. These pin the sim's contract, so an e2e failure points at the extension, not the sim.
 */
import { createHash, randomBytes } from 'node:crypto';
import https from 'node:https';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPki, type TestPki } from '../sim/ca';
import {
  CROCKFORD_ALPHABET,
  EXTENSION_REDIRECT_ORIGIN,
  GMAIL_CLIENT_ID,
  GMAIL_READONLY_SCOPE,
  type MailHttpsHost,
  type MailWorld,
  MICROSOFT_CLIENT_ID,
  startMailWorld,
} from '../sim/mail';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

let pki: TestPki;
let world: MailWorld;

function call(
  host: MailHttpsHost,
  path: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: world.ports[host] as number,
        servername: host,
        ca: pki.root.cert,
        method: init.method ?? 'GET',
        path,
        headers: { host, ...init.headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text) as Record<string, unknown>,
          });
        });
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

const REDIRECT = `${EXTENSION_REDIRECT_ORIGIN}/`;

/** The whole code + PKCE dance, as the extension does it; returns the access token. */
async function signIn(
  provider: 'google' | 'microsoft',
  verifier = randomBytes(32).toString('base64url'),
): Promise<string> {
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const params = new URLSearchParams({
    client_id: provider === 'google' ? GMAIL_CLIENT_ID : MICROSOFT_CLIENT_ID,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope:
      provider === 'google'
        ? GMAIL_READONLY_SCOPE
        : 'https://graph.microsoft.com/Mail.Read https://graph.microsoft.com/User.Read',
    state: 'st4te',
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  const authorize =
    provider === 'google'
      ? await call('accounts.google.com', `/o/oauth2/v2/auth?${params}`)
      : await call('login.microsoftonline.com', `/organizations/oauth2/v2.0/authorize?${params}`);
  expect(authorize.status).toBe(302);
  const location = new URL(String(authorize.headers.location));
  expect(location.origin).toBe(EXTENSION_REDIRECT_ORIGIN);
  expect(location.searchParams.get('state')).toBe('st4te');
  const code = location.searchParams.get('code') ?? '';
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: REDIRECT,
    client_id: params.get('client_id') ?? '',
    code_verifier: verifier,
  });
  const token = await call(
    provider === 'google' ? 'oauth2.googleapis.com' : 'login.microsoftonline.com',
    provider === 'google' ? '/token' : '/organizations/oauth2/v2.0/token',
    {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        origin: `chrome-extension://${EXTENSION_REDIRECT_ORIGIN.slice(8, 40)}`,
      },
      body: body.toString(),
    },
  );
  expect(token.status).toBe(200);
  return String(token.json().access_token);
}

beforeAll(async () => {
  pki = createPki();
  world = await startMailWorld({ pki, mailbox: 'microsoft', sendDelayMs: 50 });
}, 30_000);

afterAll(async () => {
  await world?.close();
  pki?.cleanup();
});

describe('test DNS', () => {
  it('serves Raftr’s SPF, DMARC and CNAMEd DKIM key to mailauth and over DNS-over-HTTPS', async () => {
    expect(await world.dns.resolve('raftr.com', 'TXT')).toContainEqual([
      'v=spf1 ip4:149.72.222.166 ip4:149.72.230.197 -all',
    ]);
    expect(await world.dns.resolve('_dmarc.raftr.com', 'TXT')).toEqual([
      ['v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@raftr.com; fo=1'],
    ]);
    const key = (await world.dns.resolve('s1._domainkey.raftr.com', 'TXT')) as string[][];
    expect(key[0]?.join('')).toMatch(/^v=DKIM1; k=rsa; p=MIIB/);
    const doh = await call('dns.google', '/resolve?name=campus.test&type=MX');
    expect(doh.json()).toMatchObject({
      Status: 0,
      Answer: [
        { name: 'campus.test.', type: 15, data: '10 campus-test.mail.protection.outlook.com.' },
      ],
    });
    expect(
      (await call('dns.google', '/resolve?name=nowhere.campus.invalid&type=MX')).json().Status,
    ).toBe(3);
    const bounce = (await call('dns.google', '/resolve?name=em1234.raftr.com&type=TXT')).json()
      .Answer as { type: number; data: string }[];
    expect(bounce.map((a) => a.type)).toEqual([5, 16]);
  });

  it('routes campus.test through a gateway when asked, and back', async () => {
    world.setRouting('microsoft', 'proofpoint');
    expect(await world.dns.mxHosts('campus.test')).toEqual([
      'mx0a-00123.pphosted.com',
      'mx0b-00123.pphosted.com',
    ]);
    world.setRouting('microsoft');
    expect(await world.dns.mxHosts('campus.test')).toEqual([
      'campus-test.mail.protection.outlook.com',
    ]);
  });
});

describe('OAuth code + PKCE', () => {
  it('issues a token for the right verifier only, and only once per code', async () => {
    const verifier = randomBytes(32).toString('base64url');
    const params = new URLSearchParams({
      client_id: GMAIL_CLIENT_ID,
      response_type: 'code',
      redirect_uri: REDIRECT,
      scope: GMAIL_READONLY_SCOPE,
      state: 's',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const location = new URL(
      String((await call('accounts.google.com', `/o/oauth2/v2/auth?${params}`)).headers.location),
    );
    const code = location.searchParams.get('code') ?? '';
    const exchange = (v: string) =>
      call('oauth2.googleapis.com', '/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: REDIRECT,
          client_id: GMAIL_CLIENT_ID,
          code_verifier: v,
        }).toString(),
      });
    const wrong = await exchange(randomBytes(32).toString('base64url'));
    expect(wrong.status).toBe(400);
    expect(wrong.json()).toMatchObject({
      error: 'invalid_grant',
      error_description: 'Invalid code verifier.',
    });
    // The failed attempt used the code up, as a real server does (RFC 6749 §4.1.2).
    expect((await exchange(verifier)).status).toBe(400);
    expect(await signIn('google')).toMatch(/^ya29\./);
  });

  it('refuses a foreign redirect URI on a page, and redirects a declined consent with access_denied', async () => {
    const bad = await call(
      'accounts.google.com',
      `/o/oauth2/v2/auth?${new URLSearchParams({ client_id: GMAIL_CLIENT_ID, response_type: 'code', redirect_uri: 'https://evil.example/', scope: GMAIL_READONLY_SCOPE, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('redirect_uri_mismatch');
    world.setConsent('decline');
    try {
      const declined = await call(
        'login.microsoftonline.com',
        `/organizations/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: MICROSOFT_CLIENT_ID, response_type: 'code', redirect_uri: REDIRECT, scope: 'Mail.Read', state: 'z', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' })}`,
      );
      const location = new URL(String(declined.headers.location));
      expect(location.searchParams.get('error')).toBe('access_denied');
      expect(location.searchParams.get('state')).toBe('z');
    } finally {
      world.setConsent('auto');
    }
  });
});

describe('test message, delivery and the mailbox APIs', () => {
  it('accepts a request, delivers a DKIM-signed message that passes SPF, DKIM and DMARC, and Graph finds it in the inbox', async () => {
    const reply = await call('app.raftr.com', '/api/access-check/test-message', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ to: world.user }),
    });
    expect(reply.status).toBe(202);
    const { token, sentAt } = reply.json() as { token: string; sentAt: string };
    expect(token).toMatch(new RegExp(`^[${CROCKFORD_ALPHABET}]{10}$`));
    expect(Date.parse(sentAt)).toBeGreaterThan(Date.now() - 10_000);
    const outcome = await world.waitForOutcome(token, 15_000);
    expect(outcome.event?.event).toBe('stored');

    const access = await signIn('microsoft');
    const auth = { authorization: `Bearer ${access}` };
    const since = new Date(Date.now() - 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const filter = encodeURIComponent(
      `receivedDateTime ge ${since} and from/emailAddress/address eq 'no-reply@raftr.com'`,
    );
    const list = await call(
      'graph.microsoft.com',
      `/v1.0/me/messages?$filter=${filter}&$orderby=receivedDateTime%20desc&$select=id,subject,from,receivedDateTime,parentFolderId`,
      { headers: auth },
    );
    expect(list.status).toBe(200);
    const value = list.json().value as { id: string; subject: string; parentFolderId: string }[];
    const found = value.find((m) => m.subject.includes(`[Raftr check ${token}]`));
    expect(found).toBeDefined();
    const inbox = (
      await call('graph.microsoft.com', '/v1.0/me/mailFolders/inbox?$select=id', { headers: auth })
    ).json();
    expect(found?.parentFolderId).toBe(inbox.id);
    const headers = (
      await call(
        'graph.microsoft.com',
        `/v1.0/me/messages/${found?.id}?$select=internetMessageHeaders`,
        { headers: auth },
      )
    ).json().internetMessageHeaders as { name: string; value: string }[];
    const ar = headers.find((h) => h.name === 'Authentication-Results')?.value ?? '';
    expect(ar).toMatch(/spf=pass \(sender IP is 149\.72\.222\.166\)/);
    expect(ar).toMatch(/dkim=pass .*header\.d=raftr\.com/);
    expect(ar).toMatch(/dmarc=pass action=none header\.from=raftr\.com;compauth=pass reason=100/);
    expect(headers.find((h) => h.name === 'X-Raftr-Access-Check')?.value).toBe(token);
    expect(headers.find((h) => h.name === 'X-Forefront-Antispam-Report')?.value).toMatch(
      /CIP:149\.72\.222\.166;.*SFV:NSPM/,
    );
  });

  it('answers InefficientFilter when $orderby is not first in $filter, and /me needs User.Read', async () => {
    const access = await signIn('microsoft');
    const auth = { authorization: `Bearer ${access}` };
    const filter = encodeURIComponent(
      "from/emailAddress/address eq 'no-reply@raftr.com' and receivedDateTime ge 2020-01-01T00:00:00Z",
    );
    const bad = await call(
      'graph.microsoft.com',
      `/v1.0/me/messages?$filter=${filter}&$orderby=receivedDateTime%20desc`,
      { headers: auth },
    );
    expect(bad.status).toBe(400);
    expect((bad.json().error as { code: string }).code).toBe('InefficientFilter');
    expect(
      (
        await call('graph.microsoft.com', '/v1.0/me?$select=mail,userPrincipalName', {
          headers: auth,
        })
      ).json(),
    ).toMatchObject({ mail: world.user });
  });

  it('answers $search as KQL: from: by address or domain (digests too, no look-alikes), newest first, 400 beside $orderby', async () => {
    const access = await signIn('microsoft');
    const auth = { authorization: `Bearer ${access}` };
    const lookAlike = (from: string, subject: string) =>
      world.store.add({
        owner: world.user,
        platform: 'microsoft',
        raw: `From: Raftr <${from}>\r\nTo: ${world.user}\r\nSubject: ${subject}\r\nMessage-ID: <${randomBytes(6).toString('hex')}@evil.test>\r\n\r\nHello\r\n`,
        receivedAt: Date.now() - 60_000,
        placement: 'inbox',
        kind: 'other',
      });
    lookAlike('no-reply@raftr.com.evil.test', 'Look-alike 1');
    lookAlike('no-reply@notraftr.com', 'Look-alike 2');
    const search = encodeURIComponent('"from:raftr.com OR from:digest.raftr.com"');
    const select = 'id,subject,from,receivedDateTime,parentFolderId,inferenceClassification';
    const list = await call(
      'graph.microsoft.com',
      `/v1.0/me/messages?$search=${search}&$select=${select}&$top=25`,
      { headers: auth },
    );
    expect(list.status).toBe(200);
    const value = list.json().value as {
      from: { emailAddress: { address: string } };
      receivedDateTime: string;
    }[];
    const senders = value.map((m) => m.from.emailAddress.address);
    expect(senders).toContain('no-reply@raftr.com');
    expect(senders.some((a) => a.endsWith('@digest.raftr.com'))).toBe(true);
    expect(senders.every((a) => /@(digest\.)?raftr\.com$/.test(a))).toBe(true);
    const dates = value.map((m) => Date.parse(m.receivedDateTime));
    expect(dates).toEqual([...dates].sort((a, b) => b - a));
    // Implicit AND; a bare word is a substring of subject, sender or body.
    const lookAlikes = await call(
      'graph.microsoft.com',
      `/v1.0/me/messages?$search=${encodeURIComponent('"Look-alike from:evil.test"')}&$select=subject`,
      { headers: auth },
    );
    expect((lookAlikes.json().value as { subject: string }[]).map((m) => m.subject)).toEqual([
      'Look-alike 1',
    ]);
    const bad = await call(
      'graph.microsoft.com',
      `/v1.0/me/messages?$search=${search}&$orderby=receivedDateTime%20desc`,
      { headers: auth },
    );
    expect(bad.status).toBe(400);
    expect((bad.json().error as { code: string }).code).toBe('ErrorInvalidUrlQuery');
  });

  it('puts junk in Gmail’s SPAM label, hidden from a list without includeSpamTrash or in:anywhere', async () => {
    const gmailUser = world.otherUser;
    world.setPolicy('junk');
    try {
      const handle = world.sendTestMessage(gmailUser);
      expect((await world.waitForOutcome(handle.token, 15_000)).message?.labels).toContain('SPAM');
    } finally {
      world.setPolicy('accept');
    }
    const access = await signIn('google');
    const auth = { authorization: `Bearer ${access}` };
    const q = (query: string, extra = '') =>
      call(
        'gmail.googleapis.com',
        `/gmail/v1/users/me/messages?q=${encodeURIComponent(query)}${extra}`,
        { headers: auth },
      ).then((r) => r.json());
    const query = 'from:(no-reply@raftr.com OR digest.raftr.com) newer_than:1d';
    expect(await q(query)).toEqual({ resultSizeEstimate: 0 });
    const listed = (await q(query, '&includeSpamTrash=true')).messages as { id: string }[];
    expect(listed).toHaveLength(1);
    expect((await q(`${query} in:anywhere`)).messages).toHaveLength(1);
    const message = (
      await call(
        'gmail.googleapis.com',
        `/gmail/v1/users/me/messages/${listed[0]?.id}?format=metadata&metadataHeaders=Authentication-Results&metadataHeaders=Received`,
        { headers: auth },
      )
    ).json();
    expect(message.labelIds).toContain('SPAM');
    const headers = (message.payload as { headers: { name: string; value: string }[] }).headers;
    expect(headers.map((h) => h.name)).toEqual(
      expect.arrayContaining(['Authentication-Results', 'Received']),
    );
    expect(headers.every((h) => h.name === 'Authentication-Results' || h.name === 'Received')).toBe(
      true,
    );
    expect(headers.find((h) => h.name === 'Authentication-Results')?.value).toMatch(
      /^mx\.google\.com;/,
    );
    // History: the 41-day-old verification is outside newer_than:30d, the rest inside.
    const all = (await q('from:(no-reply@raftr.com OR digest.raftr.com)', '&includeSpamTrash=true'))
      .messages as unknown[];
    const recent = (
      await q(
        'from:(no-reply@raftr.com OR digest.raftr.com) newer_than:30d',
        '&includeSpamTrash=true',
      )
    ).messages as unknown[];
    expect(all.length - recent.length).toBe(1);
  });

  it('fails the next calls with 429 and Retry-After, counts calls, and 401s an expired token', async () => {
    const access = await signIn('google');
    const auth = { authorization: `Bearer ${access}` };
    world.resetCallCounts();
    world.failNext('gmail.list', 2, 7);
    const path = `/gmail/v1/users/me/messages?q=${encodeURIComponent('from:raftr.com')}`;
    const first = await call('gmail.googleapis.com', path, { headers: auth });
    expect(first.status).toBe(429);
    expect(first.headers['retry-after']).toBe('7');
    expect((first.json().error as { status: string }).status).toBe('RESOURCE_EXHAUSTED');
    expect((await call('gmail.googleapis.com', path, { headers: auth })).status).toBe(429);
    expect((await call('gmail.googleapis.com', path, { headers: auth })).status).toBe(200);
    expect(world.callCounts()['gmail.list']).toBe(3);
    world.expireTokens();
    const expired = await call('gmail.googleapis.com', path, { headers: auth });
    expect(expired.status).toBe(401);
    expect(expired.headers['www-authenticate']).toContain('invalid_token');
  });

  it('rate-limits the test-message endpoint past 3 requests a minute, and refuses a bad address', async () => {
    const post = (to: unknown) =>
      call('app.raftr.com', '/api/access-check/test-message', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ to }),
      });
    expect((await post('not-an-address')).status).toBe(400);
    const address = 'student2@campus.test';
    for (let i = 0; i < 3; i++) expect((await post(address)).status).toBe(202);
    const limited = await post(address);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
  });
});

describe('the customer’s policy', () => {
  it('quarantines (never stored), rejects at SMTP (a bounce), and greylists (deferred, then stored late)', async () => {
    world.setPolicy('quarantine');
    const quarantined = world.sendTestMessage();
    expect((await world.waitForOutcome(quarantined.token, 10_000)).event?.event).toBe(
      'quarantined',
    );
    expect(world.store.byToken(quarantined.token)).toBeUndefined();

    world.setPolicy('reject');
    const rejected = world.sendTestMessage();
    const bounce = await rejected.delivery;
    expect(bounce.status).toBe('bounced');
    expect(bounce.attempts[0]?.code).toBe(550);

    world.configure({ policy: 'delay', greylistS: 1, greylistReportedDelayS: 1200 });
    try {
      const delayed = world.sendTestMessage();
      const result = await delayed.delivery;
      expect(result.attempts.map((a) => a.code)).toEqual([451, 250]);
      const stored = world.store.byToken(delayed.token);
      expect((stored?.receivedAt ?? 0) - Date.parse(delayed.sentAt)).toBeGreaterThan(19 * 60_000);
    } finally {
      world.configure({ policy: 'accept', greylistReportedDelayS: undefined });
    }
  }, 30_000);

  it('fails SPF, DKIM and DMARC for mail from an unlisted IP with a stray key, and puts it in junk (p=quarantine)', async () => {
    world.setSending({ from: 'unlisted', dkim: 'stray-key', mailFrom: 'no-reply@raftr.com' });
    try {
      const handle = world.sendTestMessage();
      const { message } = await world.waitForOutcome(handle.token, 10_000);
      expect(message?.placement).toBe('spam');
      const ar = message?.headers.find((h) => h.name === 'Authentication-Results')?.value ?? '';
      expect(ar).toMatch(/spf=fail \(sender IP is 203\.0\.113\.9\)/);
      expect(ar).toMatch(/dkim=fail/);
      expect(ar).toMatch(/dmarc=fail action=quarantine/);
    } finally {
      world.setSending({});
    }
  });
});

describe('the user’s own rules', () => {
  it('archives (Gmail: no INBOX label; Graph: the Archive folder) and trashes', async () => {
    try {
      world.setPolicy('archive');
      const gmail = await world.waitForOutcome(
        world.sendTestMessage(world.otherUser).token,
        10_000,
      );
      expect(gmail.message?.labels).not.toContain('INBOX');
      expect(gmail.message?.labels).not.toContain('SPAM');
      const graph = await world.waitForOutcome(world.sendTestMessage().token, 10_000);
      const access = await signIn('microsoft');
      const auth = { authorization: `Bearer ${access}` };
      const archive = (
        await call('graph.microsoft.com', '/v1.0/me/mailFolders/archive', { headers: auth })
      ).json();
      const listed = (
        await call('graph.microsoft.com', '/v1.0/me/messages?$select=id,parentFolderId&$top=50', {
          headers: auth,
        })
      ).json().value as { id: string; parentFolderId: string }[];
      expect(listed.find((m) => m.id === graph.message?.graphId)?.parentFolderId).toBe(archive.id);
      world.setPolicy('trash');
      expect(
        (await world.waitForOutcome(world.sendTestMessage(world.otherUser).token, 10_000)).message
          ?.labels,
      ).toEqual(['TRASH']);
    } finally {
      world.setPolicy('accept');
    }
  });
});

describe('wiring', () => {
  it('frees every port on close', async () => {
    const other = await startMailWorld({ pki, history: false });
    const ports = [...Object.values(other.ports), ...Object.values(other.smtpPorts)].filter(
      (port): port is number => port !== undefined,
    );
    await other.close();
    const refused = await Promise.all(
      [...new Set(ports)].map(
        (port) =>
          new Promise<boolean>((resolve) => {
            const socket = net.connect(port, '127.0.0.1');
            socket.once('connect', () => {
              socket.destroy();
              resolve(false);
            });
            socket.once('error', () => resolve(true));
          }),
      ),
    );
    expect(refused.every(Boolean)).toBe(true);
  });
});
