/**
 * Raftr's web app at https://app.raftr.com, as far as the extension and a user need it:
 *
 * - `POST /api/access-check/test-message` `{ "to": "<address>" }` → `202 { token, sentAt }`: the
 *   contract the extension implements against. The token is 10 Crockford base32 characters
 *   (https://www.crockford.com/base32.html: 0-9 A-Z without I L O U); the message comes from
 *   no-reply@raftr.com, its Subject contains `[Raftr check <token>]` and it carries
 *   `X-Raftr-Access-Check: <token>`. 400 on a missing or invalid address, 429 (with
 *   Retry-After) past 3 requests a minute for one address.
 * - `GET /reset` and `POST /reset`: the password-reset page the guided mode sends the user to;
 *   posting an address sends a real reset message.
 * - Anything else: Raftr's page (200), so the network check's probe of https://app.raftr.com/
 *   sees a healthy app.
 */
import { randomInt } from 'node:crypto';
import type http from 'node:http';
import { RAFTR_APP_PAGE } from '../servers';
import { escapeHtml, handleCors, readBody, sendHtml, sendJson, type Telemetry } from './http';

export const CROCKFORD_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export function makeToken(length = 10): string {
  let token = '';
  for (let i = 0; i < length; i++)
    token += CROCKFORD_ALPHABET[randomInt(CROCKFORD_ALPHABET.length)];
  return token;
}

/** Deliberately simple address check (one @, a dot in the domain, no spaces). */
export function isAddress(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    value.length <= 254 &&
    /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[A-Za-z0-9-]+$/.test(value)
  );
}

export interface TestMessageRequest {
  token: string;
  to: string;
  /** ISO 8601, when Raftr handed the message to its sender. */
  sentAt: string;
}

export interface RaftrAppOptions {
  telemetry: Telemetry;
  /** Requests per address per minute before 429 (default 3). */
  rateLimitPerMinute?: number;
  /** Sends the test message (the world wires this to the SendGrid-like sender). */
  sendTestMessage(to: string, token: string): void;
  sendReset(to: string): void;
}

export function raftrAppHandler(options: RaftrAppOptions) {
  const recent = new Map<string, number[]>();
  const limit = options.rateLimitPerMinute ?? 3;
  const requests: TestMessageRequest[] = [];

  const handler = async (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): Promise<void> => {
    if (url.pathname === '/api/access-check/test-message') {
      if (handleCors(req, res)) return;
      const fault = options.telemetry.hit('raftr.test-message');
      if (fault) {
        sendJson(
          res,
          429,
          { error: 'rate_limited', retryAfter: fault.retryAfterS },
          { 'retry-after': String(fault.retryAfterS) },
        );
        return;
      }
      if (req.method !== 'POST') {
        sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'POST' });
        return;
      }
      let body: unknown;
      try {
        body = JSON.parse(await readBody(req, 4096));
      } catch {
        sendJson(res, 400, { error: 'invalid_body', message: 'Send JSON: {"to": "<address>"}' });
        return;
      }
      const to = (body as { to?: unknown } | null)?.to;
      if (!isAddress(to)) {
        sendJson(res, 400, {
          error: 'invalid_address',
          message: 'Give the address to send the test message to: {"to": "<address>"}',
        });
        return;
      }
      const key = to.toLowerCase();
      const now = Date.now();
      const window = (recent.get(key) ?? []).filter((t) => now - t < 60_000);
      if (window.length >= limit) {
        const retryAfter = Math.max(1, Math.ceil((60_000 - (now - (window[0] as number))) / 1000));
        recent.set(key, window);
        sendJson(
          res,
          429,
          { error: 'rate_limited', retryAfter },
          { 'retry-after': String(retryAfter) },
        );
        return;
      }
      window.push(now);
      recent.set(key, window);
      const token = makeToken();
      const sentAt = new Date(now).toISOString();
      requests.push({ token, to: key, sentAt });
      options.sendTestMessage(key, token);
      // In the call log too, so that the mailbox calls before it (preparation) and after it
      // (polls) can be told apart.
      options.telemetry.recorder('raftr.test-message', req, url)(202);
      sendJson(res, 202, { token, sentAt });
      return;
    }
    if (url.pathname === '/reset') {
      if (req.method === 'POST') {
        const email = new URLSearchParams(await readBody(req, 4096)).get('email') ?? '';
        if (isAddress(email)) options.sendReset(email.toLowerCase());
        sendHtml(
          res,
          200,
          page(
            'Check your email',
            `<p>If an account exists for ${escapeHtml(email)}, we sent a link to reset your password from <b>no-reply@raftr.com</b>. It can take a few minutes.</p>`,
          ),
        );
        return;
      }
      sendHtml(
        res,
        200,
        page(
          'Reset your password',
          '<form method="post" action="/reset"><label>Email <input type="email" name="email" required autocomplete="email"></label> <button type="submit">Send reset link</button></form>',
        ),
      );
      return;
    }
    sendHtml(res, 200, RAFTR_APP_PAGE);
  };
  return { handler, requests };
}

function page(title: string, content: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)} · Raftr</title></head><body><h1>${escapeHtml(title)}</h1>${content}</body></html>`;
}

/** DNS over HTTPS in Google's JSON API (dns.google/resolve) and Cloudflare's (/dns-query). */
export function dohHandler(
  resolveJson: (name: string, type: string) => unknown,
  telemetry: Telemetry,
) {
  return (req: http.IncomingMessage, res: http.ServerResponse, url: URL): void => {
    // Both services answer any origin (they are public APIs meant for browsers).
    res.setHeader('access-control-allow-origin', '*');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'access-control-allow-methods': 'GET',
        'access-control-allow-headers': 'accept, content-type',
        'content-length': 0,
      });
      res.end();
      return;
    }
    const fault = telemetry.hit('doh');
    if (fault) {
      sendJson(
        res,
        429,
        { Status: 2, Comment: 'rate limited' },
        { 'retry-after': String(fault.retryAfterS) },
      );
      return;
    }
    if (url.pathname !== '/resolve' && url.pathname !== '/dns-query') {
      sendJson(res, 404, { error: 'not found' });
      return;
    }
    const name = url.searchParams.get('name');
    if (!name) {
      sendJson(res, 400, { error: 'Invalid name: missing name parameter' });
      return;
    }
    sendJson(res, 200, resolveJson(name, url.searchParams.get('type') ?? 'A'));
  };
}
