/**
 * The simulated internet's DNS: the recursive resolver every browser in the namespace asks
 * (/etc/resolv.conf names it: netns.ts), on UDP and TCP port 53 of DNS_SERVER_IP.
 *
 * It answers per scenario, the ways resolvers answer in the field:
 * - `{ a: [...] }`: the addresses (the real one, or a DNS filter's block address);
 * - `'nxdomain'`: the name does not exist (RCODE 3), what a filtering resolver often says;
 * - `'servfail'`: the resolver failed (RCODE 2);
 * - `'no-answer'`: silence; the client times out.
 * A name the zone does not know is NXDOMAIN: nothing resolves to anything outside the plan.
 * AAAA and other types for a known name get an empty NOERROR answer (NODATA): the simulated
 * internet is IPv4 only. Wire format by dns-packet (RFC 1035 §4; over TCP, a two-byte length
 * prefix, §4.2.2).
 */
import dgram from 'node:dgram';
import net from 'node:net';
import dnsPacket, { type Answer, type Packet, type Question } from 'dns-packet';
import { DNS_SERVER_IP } from './addresses';

export type DnsAnswer = { a: readonly string[] } | 'nxdomain' | 'servfail' | 'no-answer';
export type DnsZone = Readonly<Record<string, DnsAnswer>>;

export interface DnsQueryLog {
  name: string;
  type: string;
  at: number;
}

export interface DnsServer {
  readonly queries: readonly DnsQueryLog[];
  /** Replaces the zone (e.g. a DNS filter switched on mid-test). */
  setZone(zone: DnsZone): void;
  close(): Promise<void>;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;
const TTL_S = 30;

function normalize(name: string): string {
  return name.toLowerCase().replace(/\.$/, '');
}

/** The answer to one query, or null for silence (exported for unit tests). */
export function answerQuery(zone: DnsZone, query: Packet): Buffer | null {
  const questions: Question[] = query.questions ?? [];
  const question = questions[0];
  const reply = (rcode: number, answers: Answer[] = []): Buffer =>
    dnsPacket.encode({
      type: 'response',
      id: query.id,
      flags: dnsPacket.RECURSION_DESIRED | dnsPacket.RECURSION_AVAILABLE | rcode,
      questions,
      answers,
    });
  if (!question) return reply(RCODE.SERVFAIL);
  const entry = zone[normalize(question.name)];
  if (entry === undefined || entry === 'nxdomain') return reply(RCODE.NXDOMAIN);
  if (entry === 'servfail') return reply(RCODE.SERVFAIL);
  if (entry === 'no-answer') return null;
  if (question.type !== 'A') return reply(RCODE.NOERROR);
  return reply(
    RCODE.NOERROR,
    entry.a.map((data) => ({ type: 'A', class: 'IN', name: question.name, ttl: TTL_S, data })),
  );
}

export async function startDnsServer(initial: DnsZone, port = 53): Promise<DnsServer> {
  let zone = initial;
  const queries: DnsQueryLog[] = [];
  const handle = (message: Buffer): Buffer | null => {
    let query: Packet;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return null;
    }
    for (const q of query.questions ?? []) {
      queries.push({ name: normalize(q.name), type: q.type, at: Date.now() });
    }
    return answerQuery(zone, query);
  };

  const udp = dgram.createSocket('udp4');
  udp.on('message', (message, remote) => {
    const response = handle(message);
    if (response) udp.send(response, remote.port, remote.address);
  });
  await new Promise<void>((resolve, reject) => {
    udp.once('error', reject);
    udp.bind(port, DNS_SERVER_IP, () => {
      udp.off('error', reject);
      resolve();
    });
  });

  const sockets = new Set<net.Socket>();
  const tcp = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 2) {
        const length = buffered.readUInt16BE(0);
        if (buffered.length < 2 + length) break;
        const response = handle(buffered.subarray(2, 2 + length));
        buffered = buffered.subarray(2 + length);
        if (response) {
          const prefix = Buffer.alloc(2);
          prefix.writeUInt16BE(response.length);
          socket.write(Buffer.concat([prefix, response]));
        }
      }
    });
  });
  try {
    await new Promise<void>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(port, DNS_SERVER_IP, () => {
        tcp.off('error', reject);
        resolve();
      });
    });
  } catch (error) {
    udp.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    queries,
    setZone(next) {
      zone = next;
    },
    close() {
      closing ??= Promise.all([
        new Promise<void>((resolve) => udp.close(() => resolve())),
        new Promise<void>((resolve) => {
          tcp.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
      ]).then(() => {});
      return closing;
    },
  };
}
