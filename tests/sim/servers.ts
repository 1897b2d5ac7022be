/**
 * The simulated internet's servers, on the real addresses and ports of the address plan
 * (addresses.ts) inside the namespace, or on 127.0.0.1 with a port the OS picks for the unit
 * tests that run outside it. Each returns a handle whose close() also destroys every socket
 * still open, so a finished test leaves nothing that keeps Node alive.
 *
 * Plain functions only (no Playwright imports): the e2e tests, the benchmark and the demo
 * command all use them.
 */
import http from 'node:http';
import https from 'node:https';
import type net from 'node:net';
import { CAPTIVE_PORTAL_HOST, CONTROL_IP, RAFTR_IP, RAFTR_UPSTREAM_PORTS } from './addresses';

export interface SimRequest {
  method: string;
  /** The Host header as sent (for the IP probe: "52.8.243.15"). */
  host: string;
  url: string;
  tls: boolean;
  /** The local port it arrived on (443 directly, 10443 handed on by a middlebox). */
  port: number;
}

/** One accepted TCP connection: when it opened and when it closed (ms since the epoch). */
export interface SimConnection {
  openedAt: number;
  closedAt?: number;
}

export interface SimServer {
  /** What this server stands for (used in logs and by the demo command). */
  readonly name: string;
  readonly port: number;
  /** TCP connections accepted so far. */
  readonly connections: number;
  readonly connectionLog: readonly SimConnection[];
  /** HTTP requests answered so far (empty for the TCP-level servers). */
  readonly requests: readonly SimRequest[];
  close(): Promise<void>;
}

export interface TlsCredentials {
  key: string;
  cert: string;
}

/** Where a server listens: default 127.0.0.1 and a port the OS picks. */
export interface ListenAt {
  host?: string;
  port?: number;
}

/**
 * Listens and tracks sockets. `server.close()` alone waits for open connections, and a held
 * connection never ends on its own. Every server of the simulation (the mail world's too,
 * mail/http.ts) listens through this.
 */
export async function track(
  name: string,
  server: net.Server,
  requests: SimRequest[] = [],
  at: ListenAt = {},
): Promise<SimServer> {
  const sockets = new Set<net.Socket>();
  const connectionLog: SimConnection[] = [];
  server.on('connection', (socket: net.Socket) => {
    const entry: SimConnection = { openedAt: Date.now() };
    connectionLog.push(entry);
    sockets.add(socket);
    // Browsers abort connections they give up on (timeouts, certificate errors): not our error.
    socket.on('error', () => {});
    socket.on('close', () => {
      entry.closedAt = Date.now();
      sockets.delete(socket);
    });
  });
  // A TLS handshake the client aborts (e.g. the IP probe's certificate name error).
  server.on('tlsClientError', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(at.port ?? 0, at.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`${name}: no TCP address`);
  let closing: Promise<void> | undefined;
  return {
    name,
    port: address.port,
    get connections() {
      return connectionLog.length;
    },
    connectionLog,
    requests,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
        sockets.clear();
      });
      return closing;
    },
  };
}

export type Handler = (
  req: http.IncomingMessage,
  res: http.ServerResponse,
  url: URL,
) => void | Promise<void>;

export async function startHttp(
  name: string,
  handler: Handler,
  options: { tls?: TlsCredentials; at?: ListenAt; requests?: SimRequest[] } = {},
): Promise<SimServer> {
  const { tls, at } = options;
  const requests = options.requests ?? [];
  const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
    requests.push({
      method: req.method ?? 'GET',
      host: req.headers.host ?? '',
      url: req.url ?? '/',
      tls: tls !== undefined,
      port: req.socket.localPort ?? 0,
    });
    // No keep-alive: every probe opens its own connection, as it would after a network change.
    res.setHeader('connection', 'close');
    const url = new URL(req.url ?? '/', `${tls ? 'https' : 'http'}://${req.headers.host ?? name}`);
    void handler(req, res, url);
  };
  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert }, listener)
    : http.createServer(listener);
  return track(name, server, requests, at);
}

/** An HTML answer nobody caches (the mail world's pages use it too, mail/http.ts). */
export function sendHtml(
  res: http.ServerResponse,
  status: number,
  body: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** An answer as a scenario describes it: status, headers and body, exactly. */
export interface SimResponse {
  status: number;
  /** Lower-case header names; `content-length` is computed. */
  headers?: Readonly<Record<string, string>>;
  /** The body, or a function of the request (block pages echo the URL they blocked). */
  body?: string | ((request: { host: string; url: string }) => string);
  /** A Location header that depends on the request (a portal's `continue=` parameter). */
  location?: (request: { host: string; url: string }) => string;
}

export function sendRaw(
  res: http.ServerResponse,
  response: SimResponse,
  request: { host: string; url: string },
): void {
  const body = typeof response.body === 'function' ? response.body(request) : (response.body ?? '');
  const headers: http.OutgoingHttpHeaders = { ...response.headers };
  delete headers['content-length'];
  delete headers['transfer-encoding'];
  headers['content-length'] = Buffer.byteLength(body);
  if (response.location) headers.location = response.location(request);
  res.writeHead(response.status, headers);
  res.end(body);
}

/**
 * What app.raftr.com serves at `/`: the shell of a single-page app, the shape every React / Vite
 * build serves (https://vite.dev/guide/#index-html-and-project-root).
 */
export const RAFTR_APP_PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="UTF-8" />
    <link rel="icon" href="/favicon.ico" />
    <meta name="viewport" content="width=device-width, initial-scale=1.0" />
    <meta name="description" content="Raftr: your campus community" />
    <title>Raftr</title>
    <script type="module" crossorigin src="/assets/index-4f1c2a9b.js"></script>
    <link rel="stylesheet" href="/assets/index-8d0e7f31.css" />
  </head>
  <body>
    <noscript>You need to enable JavaScript to run Raftr.</noscript>
    <div id="root"></div>
  </body>
</html>
`;

/** What www.raftr.com serves at `/`: a WordPress marketing page (its real site is WordPress). */
export const RAFTR_WEB_PAGE = `<!DOCTYPE html>
<html lang="en-US">
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Raftr &#8211; Community engagement for higher education</title>
<link rel='stylesheet' id='wp-block-library-css' href='https://www.raftr.com/wp-includes/css/dist/block-library/style.min.css?ver=6.4.3' media='all' />
<meta name="generator" content="WordPress 6.4.3" />
</head>
<body class="home page-template-default page">
<header class="site-header"><a href="https://www.raftr.com/" rel="home">Raftr</a></header>
<main id="main" class="site-main">
<h1>Build community on campus</h1>
<p>Rafts are places where members can see what events are happening when, find out what others are talking about, and connect with people with similar interests.</p>
<p><a href="https://app.raftr.com/">Sign in to Raftr</a></p>
</main>
<footer class="site-footer">&copy; Raftr</footer>
</body>
</html>
`;

export const SERVICE_UNAVAILABLE_PAGE =
  '<!doctype html><html><head><title>503 Service Unavailable</title></head>' +
  '<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request.</p></body></html>';

export interface RaftrOptions {
  /** Answer every request with this status (e.g. 503) instead of Raftr's normal answers. */
  status?: number;
  /** Raftr's application endpoints (`/api/…`, `/reset`), e.g. the mail world's. */
  app?: Handler;
  /** Listen here instead of RAFTR_IP's real ports (unit tests outside the namespace). */
  local?: boolean;
}

export interface RaftrServers {
  https: SimServer;
  http: SimServer;
  /** Every request Raftr answered, over both ports, direct or handed on by a middlebox. */
  readonly requests: readonly SimRequest[];
  close(): Promise<void>;
}

/**
 * Raftr's host 52.8.243.15 on 443 and 80 (and its upstream ports for middleboxes that pass
 * connections on). HTTPS presents the certificate for the Raftr names, so the IP probe meets a
 * certificate name error, exactly as the real host's does. Names get their own pages; the bare
 * address and port 80 redirect to https://app.raftr.com/.
 */
export async function startRaftr(
  tls: TlsCredentials,
  options: RaftrOptions = {},
): Promise<RaftrServers> {
  const requests: SimRequest[] = [];
  const handler: Handler = (req, res, url) => {
    if (options.status !== undefined) {
      sendHtml(res, options.status, options.status >= 500 ? SERVICE_UNAVAILABLE_PAGE : '');
      return;
    }
    const host = (req.headers.host ?? '').replace(/:\d+$/, '').toLowerCase();
    const secure = url.protocol === 'https:';
    if (!secure) {
      res.writeHead(301, {
        location: `https://${host === RAFTR_IP ? 'app.raftr.com' : host}${url.pathname}`,
        'content-length': 0,
      });
      res.end();
      return;
    }
    if (options.app && (url.pathname.startsWith('/api/') || url.pathname === '/reset')) {
      Promise.resolve(options.app(req, res, url)).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
      return;
    }
    if (host === 'app.raftr.com') sendHtml(res, 200, RAFTR_APP_PAGE);
    else if (host === 'www.raftr.com') sendHtml(res, 200, RAFTR_WEB_PAGE);
    else {
      res.writeHead(301, { location: 'https://www.raftr.com/', 'content-length': 0 });
      res.end();
    }
  };
  const host = options.local ? '127.0.0.1' : RAFTR_IP;
  const ports = options.local
    ? [undefined, undefined, undefined, undefined]
    : [443, RAFTR_UPSTREAM_PORTS.https, 80, RAFTR_UPSTREAM_PORTS.http];
  const [direct443, upstream443, direct80, upstream80] = await Promise.all([
    startHttp('raftr-https', handler, { tls, requests, at: { host, port: ports[0] } }),
    startHttp('raftr-https-upstream', handler, { tls, requests, at: { host, port: ports[1] } }),
    startHttp('raftr-http', handler, { requests, at: { host, port: ports[2] } }),
    startHttp('raftr-http-upstream', handler, { requests, at: { host, port: ports[3] } }),
  ]);
  const all = [direct443, upstream443, direct80, upstream80];
  return {
    https: direct443,
    http: direct80,
    requests,
    close: () => closeAll(all),
  };
}

/**
 * The control URL http://connectivitycheck.gstatic.com/generate_204 answers 204 No Content,
 * which is what Android and ChromeOS expect from it.
 */
export function startControl(at: ListenAt = { host: CONTROL_IP, port: 80 }): Promise<SimServer> {
  return startHttp(
    'control',
    (req, res) => {
      if (req.url?.startsWith('/generate_204')) {
        res.writeHead(204, { 'content-length': 0 });
        res.end();
        return;
      }
      sendHtml(res, 404, '<!doctype html><title>404 Not Found</title><p>Not Found</p>');
    },
    { at },
  );
}

/**
 * A FortiGuard Web Filtering block page, as a FortiGate serves it in place of a blocked site.
 * Its texts match OONI's fingerprints cp.a_prod_fortinet_1 ("FortiGuard Web Filtering"),
 * cl.prod_fortiguard_webfilter_blocktext and cl.prod_fortiguard_webfilter_poweredby
 * (shared/data/ooni-fingerprints_http.csv; https://github.com/ooni/blocking-fingerprints).
 */
export function fortiGuardBlockPage({ host, url }: { host: string; url: string }): string {
  const shown = `${host}${url}`.replace(/[<>&"]/g, '');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Web Filter Violation</title>
<style>body{font-family:Arial,sans-serif;background:#f4f4f4;color:#333}main{max-width:640px;margin:40px auto;background:#fff;padding:24px;border-top:6px solid #da291c}h1{font-size:20px}h2{color:#da291c;font-size:26px}td{padding:2px 12px 2px 0}</style>
</head>
<body>
<main>
<h1>FortiGuard Web Filtering</h1>
<h2>Web Page Blocked</h2>
<p>You have tried to access a web page which is in violation of your internet usage policy.</p>
<table>
<tr><td>URL:</td><td>${shown}</td></tr>
<tr><td>Category:</td><td>Social Networking</td></tr>
<tr><td>User name:</td><td></td></tr>
<tr><td>Group name:</td><td></td></tr>
</table>
<p>To have the rating of this web page re-evaluated <a href="https://www.fortiguard.com/webfilter?q=${encodeURIComponent(host)}">please click here</a>.</p>
<p><small>Powered By FortiGuard</small></p>
</main>
</body>
</html>
`;
}

/** A captive portal's answer to any plain-HTTP request that is not for the portal itself. */
export function captivePortalRedirect({ host, url }: { host: string; url: string }): string {
  return `<!doctype html><a href="${portalLocation(host, url)}">Sign in to Campus Wi-Fi</a>`;
}

export function portalLocation(host: string, url: string): string {
  return `http://${CAPTIVE_PORTAL_HOST}/portal?continue=${encodeURIComponent(`http://${host}${url}`)}`;
}

export const CAPTIVE_PORTAL_PAGE =
  '<!doctype html><html><head><title>Campus Wi-Fi</title></head><body><h1>Campus Wi-Fi</h1><form><label>Student ID <input name="id"></label><button>Sign in</button></form></body></html>';

/** Closes every server given, concurrently. */
export async function closeAll(servers: Iterable<{ close(): Promise<void> }>): Promise<void> {
  await Promise.all([...servers].map((s) => s.close()));
}
