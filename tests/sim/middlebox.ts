/**
 * An in-path middlebox: what a campus firewall, SNI filter or inspecting web proxy does to a
 * connection, decided per server name as the real products decide it.
 *
 * The firewall (firewall.ts) redirects the browser's connections to a destination and port to
 * this box; the browser still believes it talks to the original address (webRequest's `ip` is
 * that address). The box reads the first bytes: the TLS ClientHello's server name (SNI,
 * RFC 6066 §3) on the HTTPS port, the Host header on the HTTP port. A probe by IP literal sends
 * no SNI (RFC 6066: "Literal IPv4 and IPv6 addresses are not permitted") and an IP Host header,
 * so a box can treat names and bare addresses differently, as SNI and URL filters do. Then:
 * - `pass`: the bytes go on, unchanged, to the real server (Raftr's upstream port);
 * - `drop`: nothing is ever answered (a firewall that drops after the handshake looks the same
 *   to the browser as one that drops the SYN: no answer until its own bound);
 * - `reset`: TCP RST after the first bytes, as SNI filters do;
 * - `respond`: the box answers itself (a block page, a proxy error, a captive portal's
 *   redirect), over TLS with the certificate given for the HTTPS port (its inspection CA's leaf:
 *   trusted on a managed device, untrusted otherwise).
 */
import net from 'node:net';
import type { TlsCredentials } from './servers';
import { type SimResponse, type SimServer, sendRaw, startHttp, track } from './servers';

export type MiddleboxAction =
  | { kind: 'pass' }
  | { kind: 'drop' }
  | { kind: 'reset' }
  | { kind: 'respond'; response: SimResponse; tls?: TlsCredentials };

/**
 * What the box does with a connection on a port, given the name the client sent (null: none,
 * or an IP literal).
 */
export type MiddleboxPolicy = (port: 'https' | 'http', name: string | null) => MiddleboxAction;

export interface MiddleboxConnection {
  port: 'https' | 'http';
  /** SNI or Host name (without port); null when the client sent none or an IP literal. */
  name: string | null;
  action: MiddleboxAction['kind'];
  at: number;
}

export interface Middlebox {
  /** Where the firewall must redirect HTTPS (`https`) and HTTP (`http`) connections. */
  readonly ports: { https: number; http: number };
  readonly connections: readonly MiddleboxConnection[];
  /** Requests it answered itself (`respond`). */
  readonly responses: readonly { host: string; url: string; status: number }[];
  close(): Promise<void>;
}

/** Upstream for `pass`: where the real server listens for connections handed on. */
export interface Upstream {
  host: string;
  https: number;
  http: number;
}

/** How many bytes the box waits for before it decides without a name. */
const MAX_PEEK = 16 * 1024 + 5;

/**
 * The server name of a TLS ClientHello (RFC 8446 §4.1.2, RFC 6066 §3), `null` if it carries
 * none or is not a ClientHello, `undefined` while more bytes are needed. Exported for tests.
 */
export function serverNameOf(data: Buffer): string | null | undefined {
  if (data.length < 5) return undefined;
  if (data[0] !== 0x16) return null; // not a handshake record
  const recordLength = data.readUInt16BE(3);
  if (data.length < 5 + recordLength) return data.length >= MAX_PEEK ? null : undefined;
  const hello = data.subarray(5, 5 + recordLength);
  if (hello[0] !== 0x01) return null; // not a ClientHello
  let at = 4 + 2 + 32; // handshake header, legacy_version, random
  const skip = (lengthBytes: 1 | 2): boolean => {
    if (at + lengthBytes > hello.length) return false;
    const length = lengthBytes === 1 ? (hello[at] as number) : hello.readUInt16BE(at);
    at += lengthBytes + length;
    return at <= hello.length;
  };
  if (!skip(1) || !skip(2) || !skip(1)) return null; // session id, cipher suites, compression
  if (at + 2 > hello.length) return null;
  const end = Math.min(hello.length, at + 2 + hello.readUInt16BE(at));
  at += 2;
  while (at + 4 <= end) {
    const type = hello.readUInt16BE(at);
    const length = hello.readUInt16BE(at + 2);
    const body = hello.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    if (type !== 0x0000) continue; // server_name
    // ServerNameList: list length (2), then name_type (1, 0 = host_name), length (2), name.
    if (body.length < 5 || body[2] !== 0) return null;
    const nameLength = body.readUInt16BE(3);
    return body
      .subarray(5, 5 + nameLength)
      .toString('latin1')
      .toLowerCase();
  }
  return null;
}

/** The Host of an HTTP/1.x request head, `null` if absent, `undefined` while incomplete. */
export function hostOf(data: Buffer): string | null | undefined {
  const text = data.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return data.length >= MAX_PEEK ? null : undefined;
  const match = /\r\nhost:[ \t]*([^\r\n]*)/i.exec(text.slice(0, headEnd));
  if (!match?.[1]) return null;
  return match[1].trim().toLowerCase().replace(/:\d+$/, '');
}

const withoutIpLiteral = (name: string | null): string | null =>
  name && net.isIP(name.replace(/^\[|\]$/g, '')) === 0 ? name : null;

export async function startMiddlebox(
  policy: MiddleboxPolicy,
  upstream: Upstream,
): Promise<Middlebox> {
  const connections: MiddleboxConnection[] = [];
  const responses: { host: string; url: string; status: number }[] = [];
  const held = new Set<net.Socket>();
  /**
   * One HTTP(S) server per `respond` action, on 127.0.0.1: the box pipes a connection to it as
   * it would to the real server (Node's HTTP and TLS servers read a handed-over socket's handle
   * directly, which would lose the bytes the box already read).
   */
  const responders = new Map<MiddleboxAction, Promise<SimServer>>();
  const responder = (action: Extract<MiddleboxAction, { kind: 'respond' }>, https: boolean) => {
    let server = responders.get(action);
    if (!server) {
      server = startHttp(
        'middlebox-responder',
        (req, res, url) => {
          const host = (req.headers.host ?? '').replace(/:\d+$/, '');
          const path = url.pathname + url.search;
          responses.push({ host, url: path, status: action.response.status });
          sendRaw(res, action.response, { host, url: path });
        },
        { tls: https ? action.tls : undefined },
      );
      responders.set(action, server);
    }
    return server;
  };
  const pipeTo = (socket: net.Socket, peeked: Buffer, port: number, host: string) => {
    const onward = net.connect(port, host, () => {
      onward.write(peeked);
      socket.pipe(onward).pipe(socket);
      socket.resume();
    });
    held.add(onward);
    onward.on('close', () => {
      held.delete(onward);
      socket.destroy();
    });
    onward.on('error', () => socket.destroy());
    socket.on('close', () => onward.destroy());
  };

  const listen = (port: 'https' | 'http') =>
    net.createServer((socket) => {
      held.add(socket);
      socket.on('close', () => held.delete(socket));
      socket.on('error', () => {});
      let peeked = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        peeked = Buffer.concat([peeked, chunk]);
        const found = port === 'https' ? serverNameOf(peeked) : hostOf(peeked);
        if (found === undefined) return;
        socket.off('data', onData);
        socket.pause();
        const name = withoutIpLiteral(found);
        const action = policy(port, name);
        connections.push({ port, name, action: action.kind, at: Date.now() });
        switch (action.kind) {
          case 'drop':
            return; // held open, never answered, until the client gives up
          case 'reset':
            socket.resetAndDestroy();
            return;
          case 'pass':
            pipeTo(socket, peeked, upstream[port], upstream.host);
            return;
          case 'respond': {
            if (port === 'https' && !action.tls) {
              socket.resetAndDestroy(); // a scenario bug: no certificate to answer TLS with
              return;
            }
            void responder(action, port === 'https').then(
              (server) => pipeTo(socket, peeked, server.port, '127.0.0.1'),
              () => socket.destroy(),
            );
            return;
          }
        }
      };
      socket.on('data', onData);
    });

  const servers = await Promise.all([
    track('middlebox-https', listen('https')),
    track('middlebox-http', listen('http')),
  ]);
  const [httpsServer, httpServer] = servers as [
    Awaited<ReturnType<typeof track>>,
    Awaited<ReturnType<typeof track>>,
  ];
  let closing: Promise<void> | undefined;
  return {
    ports: { https: httpsServer.port, http: httpServer.port },
    connections,
    responses,
    close() {
      closing ??= (async () => {
        for (const socket of held) socket.destroy();
        held.clear();
        await Promise.all(servers.map((s) => s.close()));
        await Promise.all(
          [...responders.values()].map((server) =>
            server.then(
              (s) => s.close(),
              () => {},
            ),
          ),
        );
      })();
      return closing;
    },
  };
}
