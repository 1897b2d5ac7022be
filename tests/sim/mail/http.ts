/**
 * What every HTTPS emulator of the mail world shares: a TLS server on 127.0.0.1 that frees
 * every socket on close() (`track`, tests/sim/servers.ts, as every simulated server does),
 * per-endpoint call counts, fault injection (the next N calls of an endpoint answer 429 with
 * Retry-After), CORS for extension origins, and small JSON helpers.
 */
import type http from 'node:http';
import https from 'node:https';
import { type ListenAt, type TlsCredentials, track } from '../servers';

export { sendHtml } from '../servers';

export interface Service {
  readonly name: string;
  readonly port: number;
  close(): Promise<void>;
}

export type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
) => void | Promise<void>;

/**
 * Starts an HTTPS server (default on 127.0.0.1, a port the OS picks); a handler error becomes a
 * 500 (and is logged to stderr).
 */
export async function startHttpsService(
  name: string,
  tls: TlsCredentials,
  handler: Handler,
  at: ListenAt = {},
): Promise<Service> {
  const server = https.createServer({ key: tls.key, cert: tls.cert }, (req, res) => {
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? name}`);
    Promise.resolve()
      .then(() => handler(req, res, url))
      .catch((error: unknown) => {
        process.stderr.write(
          `[mail-sim ${name}] ${req.method} ${req.url}: ${String((error as Error)?.stack ?? error)}\n`,
        );
        if (!res.headersSent)
          sendJson(res, 500, { error: { code: 500, message: 'simulator error' } });
        else res.destroy();
      });
  });
  // Keep-alive as the real APIs allow, but short, so idle sockets do not pile up.
  server.keepAliveTimeout = 5_000;
  return track(name, server, [], at);
}

export interface CallRecord {
  at: number;
  endpoint: string;
  method: string;
  path: string;
  status: number;
}

/**
 * Call counts and injected faults, keyed by endpoint id ("gmail.list", "graph.messages", …).
 * A fault registered for a service prefix ("gmail") applies to each of its endpoints.
 */
export class Telemetry {
  private readonly counts = new Map<string, number>();
  private readonly faults = new Map<string, { remaining: number; retryAfterS: number }>();
  readonly calls: CallRecord[] = [];

  failNext(endpoint: string, n: number, retryAfterS: number): void {
    this.faults.set(endpoint, { remaining: n, retryAfterS });
  }

  /** Counts one call; returns the fault to inject now, if one is pending for it. */
  hit(endpoint: string): { retryAfterS: number } | null {
    this.counts.set(endpoint, (this.counts.get(endpoint) ?? 0) + 1);
    for (const key of [endpoint, endpoint.split('.')[0] as string]) {
      const fault = this.faults.get(key);
      if (fault && fault.remaining > 0) {
        fault.remaining -= 1;
        if (fault.remaining === 0) this.faults.delete(key);
        return { retryAfterS: fault.retryAfterS };
      }
    }
    return null;
  }

  record(call: CallRecord): void {
    this.calls.push(call);
  }

  /** Records `req` (to `endpoint`) with the status it is answered with, when called. */
  recorder(endpoint: string, req: http.IncomingMessage, url: URL): (status: number) => void {
    return (status) =>
      this.record({
        at: Date.now(),
        endpoint,
        method: req.method ?? 'GET',
        path: url.pathname + url.search,
        status,
      });
  }

  callCounts(): Record<string, number> {
    return Object.fromEntries([...this.counts.entries()].sort(([a], [b]) => a.localeCompare(b)));
  }

  reset(): void {
    this.counts.clear();
    this.calls.length = 0;
  }
}

/** Extension origins get CORS (the APIs allow browser clients; email.md, "Microsoft Graph"). */
function extensionOrigin(req: http.IncomingMessage): string | null {
  const origin = req.headers.origin;
  return origin && /^(chrome|moz)-extension:\/\/[^/]+$/.test(origin) ? origin : null;
}

/**
 * Sets CORS headers for an extension origin and answers a preflight. Returns true when the
 * request was a preflight (already answered). `Retry-After` and `WWW-Authenticate` are exposed so
 * that a caller without host permission can still read them.
 */
export function handleCors(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const origin = extensionOrigin(req);
  if (origin) {
    res.setHeader('access-control-allow-origin', origin);
    res.setHeader('vary', 'Origin');
    res.setHeader(
      'access-control-expose-headers',
      'Retry-After, WWW-Authenticate, request-id, client-request-id',
    );
  }
  if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
    if (origin) {
      res.setHeader('access-control-allow-methods', 'GET, POST, OPTIONS');
      res.setHeader(
        'access-control-allow-headers',
        req.headers['access-control-request-headers'] ?? 'authorization, content-type',
      );
      res.setHeader('access-control-max-age', '3600');
    }
    res.writeHead(origin ? 204 : 403, { 'content-length': 0 });
    res.end();
    return true;
  }
  return false;
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: http.OutgoingHttpHeaders = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

export function redirect(
  res: http.ServerResponse,
  location: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(302, { location, 'content-length': 0, 'cache-control': 'no-store', ...headers });
  res.end();
}

export async function readBody(req: http.IncomingMessage, limit = 64 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new Error('request body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The bearer token of a request, or null. */
export function bearerToken(req: http.IncomingMessage): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return match ? (match[1] as string) : null;
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
