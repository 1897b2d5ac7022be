/**
 * The simulated internet's servers. Each listens on 127.0.0.1 on a port the OS picks
 * (listen(0)) and returns a handle with that port and a close() that also destroys every
 * socket still open, so that a finished test leaves nothing that keeps Node alive.
 *
 * Chromium reaches them through `--host-resolver-rules` (see scenarios.ts): the extension
 * keeps probing its production URLs, https://app.raftr.com/, https://52.8.243.15/ …
 *
 * Plain functions only (no Playwright imports): the e2e tests, the benchmark and the demo
 * command all use them.
 */
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';

export interface SimRequest {
  method: string;
  /** The Host header as sent (for the IP probe: "52.8.243.15"). */
  host: string;
  url: string;
  tls: boolean;
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
  /** TCP connections accepted so far (0 for a refused port). */
  readonly connections: number;
  /**
   * Every connection's lifetime: on a silent-drop server, how long the client waited before
   * giving up (the extension's probe bound).
   */
  readonly connectionLog: readonly SimConnection[];
  /** HTTP requests answered so far (empty for the TCP-level servers). */
  readonly requests: readonly SimRequest[];
  close(): Promise<void>;
}

export interface TlsCredentials {
  key: string;
  cert: string;
}

const LOOPBACK = '127.0.0.1';

/**
 * Listens on 127.0.0.1:0 and tracks sockets. `server.close()` alone waits for open
 * connections, and a silent-drop server's connections never end on their own. Every server of
 * the simulation (the mail world's too, mail/http.ts) listens through this.
 */
export async function track(
  name: string,
  server: net.Server,
  requests: SimRequest[] = [],
): Promise<SimServer> {
  const sockets = new Set<net.Socket>();
  const connectionLog: SimConnection[] = [];
  server.on('connection', (socket: net.Socket) => {
    const entry: SimConnection = { openedAt: Date.now() };
    connectionLog.push(entry);
    sockets.add(socket);
    // Chromium aborts connections it gives up on (timeouts, certificate errors): not our error.
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
    server.listen(0, LOOPBACK, () => {
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

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function startHttp(name: string, handler: Handler, tls?: TlsCredentials): Promise<SimServer> {
  const requests: SimRequest[] = [];
  const listener: Handler = (req, res) => {
    requests.push({
      method: req.method ?? 'GET',
      host: req.headers.host ?? '',
      url: req.url ?? '/',
      tls: tls !== undefined,
    });
    // No keep-alive: every probe opens its own connection, as it would after a network change.
    res.setHeader('connection', 'close');
    handler(req, res);
  };
  const server = tls
    ? https.createServer({ key: tls.key, cert: tls.cert }, listener)
    : http.createServer(listener);
  return track(name, server, requests);
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

export const RAFTR_PAGE =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Raftr</title></head>' +
  '<body><h1>Raftr</h1><p>Your campus community.</p></body></html>';

export const SERVICE_UNAVAILABLE_PAGE =
  '<!doctype html><html><head><title>503 Service Unavailable</title></head>' +
  '<body><h1>Service Unavailable</h1><p>The server is temporarily unable to service your request.</p></body></html>';

export interface RaftrServerOptions {
  /** Answer every request with this status (e.g. 503) instead of Raftr's normal answer. */
  status?: number;
}

/** Raftr over HTTPS: 200 with the Raftr page (or `status`, e.g. 503 Service Unavailable). */
export function startRaftrHttps(
  creds: TlsCredentials,
  options: RaftrServerOptions = {},
): Promise<SimServer> {
  const status = options.status ?? 200;
  return startHttp(
    status === 200 ? 'raftr-https' : `raftr-https-${status}`,
    (_req, res) => sendHtml(res, status, status >= 500 ? SERVICE_UNAVAILABLE_PAGE : RAFTR_PAGE),
    creds,
  );
}

/** Raftr's port 80: a 301 to https://app.raftr.com/ (or `status`, e.g. 503, when given). */
export function startRaftrHttp(options: RaftrServerOptions = {}): Promise<SimServer> {
  const { status } = options;
  return startHttp(status === undefined ? 'raftr-http' : `raftr-http-${status}`, (_req, res) => {
    if (status !== undefined) {
      sendHtml(res, status, status >= 500 ? SERVICE_UNAVAILABLE_PAGE : RAFTR_PAGE);
      return;
    }
    res.writeHead(301, { location: 'https://app.raftr.com/', 'content-length': 0 });
    res.end();
  });
}

/**
 * The control URL http://connectivitycheck.gstatic.com/generate_204 answers 204 No Content,
 * which is what Android and ChromeOS expect from it.
 */
export function startControl(): Promise<SimServer> {
  return startHttp('control', (req, res) => {
    if (req.url?.startsWith('/generate_204')) {
      res.writeHead(204, { 'content-length': 0 });
      res.end();
      return;
    }
    sendHtml(res, 404, '<!doctype html><title>404 Not Found</title><p>Not Found</p>');
  });
}

/** A firewall that silently drops: the connection is accepted and nothing is ever written. */
export function startSilentDrop(): Promise<SimServer> {
  return track(
    'silent-drop',
    net.createServer(() => {}),
  );
}

/**
 * A filter that resets the connection once it has seen the client's first bytes (the TLS
 * ClientHello carrying the SNI, or the HTTP request line): what an SNI / URL filter does.
 */
export function startReset(): Promise<SimServer> {
  return track(
    'reset',
    net.createServer((socket) => {
      const reset = () => {
        if (!socket.destroyed) socket.resetAndDestroy();
      };
      socket.once('data', reset);
      // A client that connects and sends nothing is reset too, a moment later.
      const timer = setTimeout(reset, 1000);
      socket.once('close', () => clearTimeout(timer));
    }),
  );
}

/**
 * A closed port: bound to get a free port from the OS, then closed at once, so a
 * connection to it is refused (RST). Another process could take the port in between; on a
 * test machine that is a negligible risk.
 */
export async function reserveClosedPort(): Promise<SimServer> {
  const probe = await track('refused', net.createServer());
  await probe.close();
  return {
    name: 'refused',
    port: probe.port,
    connections: 0,
    connectionLog: [],
    requests: [],
    close: async () => {},
  };
}

/**
 * A FortiGuard Web Filtering block page, as a FortiGate serves it in place of a blocked site.
 * Its texts match OONI's fingerprints cp.a_prod_fortinet_1 ("FortiGuard Web Filtering"),
 * cl.prod_fortiguard_webfilter_blocktext and cl.prod_fortiguard_webfilter_poweredby
 * (shared/data/ooni-fingerprints_http.csv; https://github.com/ooni/blocking-fingerprints).
 */
export function fortiGuardBlockPage(host: string, url: string): string {
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

/**
 * A web filter's block page: 403 with the FortiGuard page for every request. With `tls`, it
 * is served over HTTPS with the filter's certificate for the requested name (a managed
 * device that trusts the filter's inspection CA sees no certificate error).
 */
export function startBlockPage(tls?: TlsCredentials): Promise<SimServer> {
  return startHttp(
    tls ? 'block-page-https' : 'block-page-http',
    (req, res) => sendHtml(res, 403, fortiGuardBlockPage(req.headers.host ?? '', req.url ?? '/')),
    tls,
  );
}

/** The captive portal's own host (mapped to the portal server by the scenarios). */
export const CAPTIVE_PORTAL_HOST = 'login.campus-wifi.test';

/**
 * A captive portal: every plain-HTTP request is answered with a 302 to the portal's login
 * page (how Android / ChromeOS detect portals from generate_204); the portal's own host serves
 * the login page with 200.
 */
export function startCaptivePortal(): Promise<SimServer> {
  return startHttp('captive-portal', (req, res) => {
    const host = req.headers.host ?? '';
    if (host.split(':')[0] === CAPTIVE_PORTAL_HOST) {
      sendHtml(
        res,
        200,
        '<!doctype html><html><head><title>Campus Wi-Fi</title></head><body><h1>Campus Wi-Fi</h1><form><label>Student ID <input name="id"></label><button>Sign in</button></form></body></html>',
      );
      return;
    }
    const original = `http://${host}${req.url ?? '/'}`;
    const location = `http://${CAPTIVE_PORTAL_HOST}/portal?continue=${encodeURIComponent(original)}`;
    sendHtml(res, 302, `<!doctype html><a href="${location}">Sign in to Campus Wi-Fi</a>`, {
      location,
    });
  });
}

/**
 * A TLS-intercepting proxy whose CA the browser does not trust: the handshake ends in
 * `net::ERR_CERT_AUTHORITY_INVALID`. If a client went on anyway, it would get Raftr's page,
 * as a relaying proxy would deliver it.
 */
export function startInterception(creds: TlsCredentials): Promise<SimServer> {
  return startHttp('interception', (_req, res) => sendHtml(res, 200, RAFTR_PAGE), creds);
}

/** Closes every server given, concurrently. */
export async function closeAll(servers: Iterable<SimServer>): Promise<void> {
  await Promise.all([...servers].map((s) => s.close()));
}
