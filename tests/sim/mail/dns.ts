/**
 * The test DNS: one in-memory zone that both sides of the simulation read.
 *
 * - The receiving gateways pass `dns.resolve` to mailauth's `resolver` option, so SPF, DKIM and
 *   DMARC are checked for real against these records. It follows Node's
 *   `dns.promises.resolve(name, type)` contract, which is what mailauth expects: TXT → string[][]
 *   (a record's character-strings, RFC 1035 §3.3.14), MX → {exchange, priority}[], errors with
 *   `code` ENOTFOUND (NXDOMAIN) or ENODATA (the name exists, not that type).
 *   https://nodejs.org/api/dns.html#dnspromisesresolvehostname-rrtype
 * - The extension reads MX and TXT records over DNS-over-HTTPS: `dohJson` answers in Google's
 *   JSON format (https://developers.google.com/speed/public-dns/docs/doh/json), served by
 *   `startDohServer` (dns-server.ts) at https://dns.google/resolve and
 *   https://cloudflare-dns.com/dns-query.
 * - The Raftr sender looks up the recipient domain's MX here to decide where to deliver.
 *
 * CNAMEs are followed as a resolver would (SendGrid's authenticated domain is CNAMEs:
 * em1234.raftr.com → u1234.wl.sendgrid.net, s1._domainkey.raftr.com → s1.domainkey.u1234.wl…).
 */
import type { MailboxPlatform, MxKind } from './constants';
import { mxHostFor, SENDGRID_ACCOUNT, SENDGRID_BOUNCE_DOMAIN, STAND_INS } from './constants';

export type RecordType = 'A' | 'AAAA' | 'CNAME' | 'MX' | 'TXT' | 'PTR' | 'NS';

export interface MxRecord {
  exchange: string;
  priority: number;
}

interface NodeRecords {
  A?: string[];
  AAAA?: string[];
  CNAME?: string;
  MX?: MxRecord[];
  /** Each record is its character-strings (≤ 255 bytes each). */
  TXT?: string[][];
  PTR?: string[];
  NS?: string[];
}

/** DNS RR type numbers (RFC 1035 §3.2.2, RFC 3596 for AAAA). */
export const RR_TYPES: Readonly<Record<RecordType | 'SOA', number>> = {
  A: 1,
  NS: 2,
  CNAME: 5,
  SOA: 6,
  PTR: 12,
  MX: 15,
  TXT: 16,
  AAAA: 28,
};

export interface DohAnswer {
  name: string;
  type: number;
  TTL: number;
  data: string;
}

export interface DohResponse {
  Status: number;
  TC: boolean;
  RD: boolean;
  RA: boolean;
  AD: boolean;
  CD: boolean;
  Question: { name: string; type: number }[];
  Answer?: DohAnswer[];
  Authority?: DohAnswer[];
}

export interface DnsQuery {
  name: string;
  type: string;
  /** 'mailauth' (a receiving gateway), 'doh' (the extension), 'sender' (MX routing). */
  by: string;
}

function normalize(name: string): string {
  return name.trim().toLowerCase().replace(/\.$/, '');
}

function dnsError(code: 'ENOTFOUND' | 'ENODATA', name: string, type: string): Error {
  return Object.assign(new Error(`query${type} ${code} ${name}`), { code, hostname: name });
}

/** Splits a long TXT value into 255-character strings, as zone files must (RFC 1035 §3.3). */
export function txtStrings(value: string): string[] {
  const parts: string[] = [];
  for (let i = 0; i < value.length; i += 255) parts.push(value.slice(i, i + 255));
  return parts.length ? parts : [''];
}

const MAX_CNAME_CHAIN = 8;

export class TestDns {
  private readonly zone = new Map<string, NodeRecords>();
  /** Every query, in order (tests assert what the extension and the gateways looked up). */
  readonly queries: DnsQuery[] = [];

  /** Replaces the records of one type at a name. */
  set(name: string, type: 'A' | 'AAAA' | 'PTR' | 'NS', values: string[]): this;
  set(name: string, type: 'CNAME', target: string): this;
  set(name: string, type: 'MX', values: MxRecord[]): this;
  set(name: string, type: 'TXT', values: string[]): this;
  set(name: string, type: RecordType, values: unknown): this {
    const key = normalize(name);
    const node = this.zone.get(key) ?? {};
    switch (type) {
      case 'CNAME':
        node.CNAME = normalize(values as string);
        break;
      case 'TXT':
        node.TXT = (values as string[]).map(txtStrings);
        break;
      case 'MX':
        node.MX = (values as MxRecord[]).map((r) => ({
          exchange: normalize(r.exchange),
          priority: r.priority,
        }));
        break;
      default:
        node[type] = [...(values as string[])];
    }
    this.zone.set(key, node);
    return this;
  }

  /** Removes one type at a name, or the whole name. */
  delete(name: string, type?: RecordType): this {
    const key = normalize(name);
    if (type === undefined) this.zone.delete(key);
    else {
      const node = this.zone.get(key);
      if (node) delete node[type];
    }
    return this;
  }

  /** A name exists if it has records or a name below it does (an empty non-terminal, RFC 8020). */
  private exists(name: string): boolean {
    if (this.zone.has(name)) return true;
    for (const key of this.zone.keys()) if (key.endsWith(`.${name}`)) return true;
    return false;
  }

  /**
   * Follows CNAMEs from `name` for `type`: returns the chain of [owner, node] visited (the
   * last holds the answer or nothing).
   */
  private chase(
    name: string,
    type: string,
  ): { owner: string; node: NodeRecords | undefined; cnames: [string, string][] } {
    let owner = normalize(name);
    const cnames: [string, string][] = [];
    for (let i = 0; i < MAX_CNAME_CHAIN; i++) {
      const node = this.zone.get(owner);
      if (!node?.CNAME || type === 'CNAME') return { owner, node, cnames };
      cnames.push([owner, node.CNAME]);
      owner = node.CNAME;
    }
    return { owner, node: undefined, cnames };
  }

  /**
   * Node's `dns.promises.resolve` semantics, for mailauth's `resolver` option. `by` only labels
   * the query log.
   */
  async resolve(name: string, type: string, by = 'mailauth'): Promise<unknown[]> {
    const rrtype = type.toUpperCase();
    this.queries.push({ name: normalize(name), type: rrtype, by });
    const { owner, node } = this.chase(name, rrtype);
    if (!this.exists(owner)) throw dnsError('ENOTFOUND', name, rrtype);
    switch (rrtype) {
      case 'TXT':
        if (node?.TXT?.length) return node.TXT.map((r) => [...r]);
        break;
      case 'MX':
        if (node?.MX?.length) return node.MX.map((r) => ({ ...r }));
        break;
      case 'CNAME':
        if (node?.CNAME) return [node.CNAME];
        break;
      case 'A':
      case 'AAAA':
      case 'PTR':
      case 'NS': {
        const values = node?.[rrtype as 'A'];
        if (values?.length) return [...values];
        break;
      }
    }
    throw dnsError('ENODATA', name, rrtype);
  }

  /** A resolver bound to this zone, with a label for the query log (mailauth's `resolver`). */
  resolver(by: string): (name: string, type: string) => Promise<never> {
    // mailauth's declared type is string[][] | string[]; MX answers are objects, as Node's are.
    return ((name: string, type: string) => this.resolve(name, type, by)) as (
      name: string,
      type: string,
    ) => Promise<never>;
  }

  /** MX hosts of a domain, most preferred first ([] when none). */
  async mxHosts(domain: string, by = 'sender'): Promise<string[]> {
    try {
      const records = (await this.resolve(domain, 'MX', by)) as MxRecord[];
      return [...records].sort((a, b) => a.priority - b.priority).map((r) => r.exchange);
    } catch {
      return [];
    }
  }

  /** The DNS-over-HTTPS JSON answer for a query (`type` a name such as "MX" or a number). */
  dohJson(name: string, type: string | number): DohResponse {
    const rrtype =
      typeof type === 'number' || /^\d+$/.test(String(type))
        ? (Object.entries(RR_TYPES).find(([, n]) => n === Number(type))?.[0] ?? String(type))
        : String(type).toUpperCase();
    const typeNumber = RR_TYPES[rrtype as RecordType] ?? Number(type);
    const qname = `${normalize(name)}.`;
    this.queries.push({ name: normalize(name), type: rrtype, by: 'doh' });
    const base: DohResponse = {
      Status: 0,
      TC: false,
      RD: true,
      RA: true,
      AD: false,
      CD: false,
      Question: [{ name: qname, type: typeNumber }],
    };
    const { owner, node, cnames } = this.chase(name, rrtype);
    const answers: DohAnswer[] = cnames.map(([from, to]) => ({
      name: `${from}.`,
      type: RR_TYPES.CNAME,
      TTL: 3600,
      data: `${to}.`,
    }));
    if (!this.exists(owner)) {
      // NXDOMAIN carries the zone's SOA in Authority (RFC 2308 §3).
      const zoneApex = owner.split('.').slice(-1)[0] ?? owner;
      return {
        ...base,
        Status: 3,
        ...(answers.length ? { Answer: answers } : {}),
        Authority: [
          {
            name: `${zoneApex}.`,
            type: RR_TYPES.SOA,
            TTL: 1800,
            data: `ns1.${zoneApex}. hostmaster.${zoneApex}. 2025112601 7200 3600 1209600 3600`,
          },
        ],
      };
    }
    const ownerName = `${owner}.`;
    switch (rrtype) {
      case 'MX':
        for (const r of node?.MX ?? [])
          answers.push({
            name: ownerName,
            type: RR_TYPES.MX,
            TTL: 3600,
            data: `${r.priority} ${r.exchange}.`,
          });
        break;
      case 'TXT':
        // Each character-string quoted, as dns.google writes them (email.md: "TXT data is quoted").
        for (const r of node?.TXT ?? []) {
          answers.push({
            name: ownerName,
            type: RR_TYPES.TXT,
            TTL: 300,
            data: r.map((s) => `"${s.replace(/(["\\])/g, '\\$1')}"`).join(''),
          });
        }
        break;
      case 'CNAME':
        if (node?.CNAME)
          answers.push({
            name: ownerName,
            type: RR_TYPES.CNAME,
            TTL: 3600,
            data: `${node.CNAME}.`,
          });
        break;
      case 'A':
      case 'AAAA':
      case 'PTR':
      case 'NS':
        for (const v of node?.[rrtype as 'A'] ?? []) {
          answers.push({
            name: ownerName,
            type: RR_TYPES[rrtype as RecordType],
            TTL: 300,
            data: rrtype === 'A' || rrtype === 'AAAA' ? v : `${v}.`,
          });
        }
        break;
    }
    return answers.length ? { ...base, Answer: answers } : base;
  }
}

/** A PEM SPKI public key as a DKIM key record's `p=` value (RFC 6376 §3.6.1). */
export function dkimKeyRecord(publicKeyPem: string): string {
  const p = publicKeyPem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, '');
  return `v=DKIM1; k=rsa; p=${p}`;
}

export interface RaftrDnsKeys {
  /** DKIM public key (PEM) published at s1._domainkey for raftr.com and digest.raftr.com. */
  raftr: string;
  /** SendGrid's own signing key (d=sendgrid.info; s=smtpapi), published at smtpapi._domainkey.sendgrid.info. */
  sendgrid: string;
}

/**
 * Raftr's public records as the brief gives them, plus what SendGrid's authenticated domain
 * adds: the bounce domain em1234.raftr.com (SPF via sendgrid.net) and CNAMEd DKIM keys.
 * SendGrid's own SPF lists its ranges with ~all; 149.72.0.0/16 covers both Raftr IPs.
 * https://www.twilio.com/docs/sendgrid/ui/account-and-settings/how-to-set-up-domain-authentication
 */
export function seedRaftrRecords(dns: TestDns, keys: RaftrDnsKeys): void {
  const raftrSpf = `v=spf1 ip4:${STAND_INS.sendgrid1.ip} ip4:${STAND_INS.sendgrid2.ip} -all`;
  const wl = `u${SENDGRID_ACCOUNT}.wl.sendgrid.net`;
  dns
    .set('raftr.com', 'TXT', [
      raftrSpf,
      'google-site-verification=r4ftr-e2e-sim-verification-token',
    ])
    .set('raftr.com', 'MX', [{ exchange: 'aspmx.l.google.com', priority: 1 }])
    .set('raftr.com', 'A', ['52.8.243.15'])
    .set('app.raftr.com', 'A', ['52.8.243.15'])
    .set('_dmarc.raftr.com', 'TXT', [
      'v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@raftr.com; fo=1',
    ])
    .set('s1._domainkey.raftr.com', 'CNAME', `s1.domainkey.${wl}`)
    .set(`s1.domainkey.${wl}`, 'TXT', [dkimKeyRecord(keys.raftr)])
    .set('digest.raftr.com', 'TXT', [raftrSpf])
    .set('_dmarc.digest.raftr.com', 'TXT', [
      'v=DMARC1; p=quarantine; rua=mailto:dmarc-reports@raftr.com',
    ])
    .set('s1._domainkey.digest.raftr.com', 'CNAME', `s1.domainkey.${wl}`)
    .set(SENDGRID_BOUNCE_DOMAIN, 'CNAME', wl)
    .set(wl, 'TXT', ['v=spf1 include:sendgrid.net ~all'])
    .set(wl, 'MX', [{ exchange: 'mx.sendgrid.net', priority: 10 }])
    .set('sendgrid.net', 'TXT', [
      'v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ip4:50.31.32.0/19 ip4:198.37.144.0/20 ip4:198.21.0.0/21 ip4:192.254.112.0/20 ip4:168.245.0.0/17 ip4:149.72.0.0/16 ip4:159.183.0.0/16 ~all',
    ])
    .set('smtpapi._domainkey.sendgrid.info', 'TXT', [dkimKeyRecord(keys.sendgrid)]);
  // Reverse DNS of the sending IPs (what a receiver writes in Received).
  for (const standIn of Object.values(STAND_INS)) {
    if (!standIn.rdns) continue;
    dns.set(`${standIn.ip.split('.').reverse().join('.')}.in-addr.arpa`, 'PTR', [standIn.rdns]);
    dns.set(standIn.rdns, 'A', [standIn.ip]);
  }
}

export interface CustomerDomainOptions {
  /** The system the MX records name. */
  mx: MxKind;
  /** The platform holding the mailboxes (behind a gateway MX, or the MX itself). */
  mailbox: MailboxPlatform;
}

/** SPF includes that reveal the mailbox platform (email.md: "the domain's SPF includes"). */
const PLATFORM_SPF: Record<MailboxPlatform, string> = {
  microsoft: 'include:spf.protection.outlook.com',
  google: 'include:_spf.google.com',
};

/**
 * A customer domain: MX records for the chosen system (two hosts for Proofpoint and Google, as
 * they publish), SPF naming the mailbox platform, a DMARC record of its own.
 */
export function setCustomerDomain(
  dns: TestDns,
  domain: string,
  options: CustomerDomainOptions,
): void {
  const primary = mxHostFor(options.mx, domain);
  const mx: MxRecord[] = [{ exchange: primary, priority: options.mx === 'google' ? 1 : 10 }];
  if (options.mx === 'google') {
    mx.push(
      { exchange: 'alt1.aspmx.l.google.com', priority: 5 },
      { exchange: 'alt2.aspmx.l.google.com', priority: 5 },
    );
  }
  if (options.mx === 'proofpoint') mx.push({ exchange: 'mx0b-00123.pphosted.com', priority: 10 });
  if (options.mx === 'mimecast')
    mx.push({ exchange: 'eu-smtp-inbound-2.mimecast.com', priority: 10 });
  dns
    .delete(domain, 'MX')
    .set(domain, 'MX', mx)
    .set(domain, 'TXT', [`v=spf1 ${PLATFORM_SPF[options.mailbox]} -all`])
    .set(`_dmarc.${domain}`, 'TXT', [`v=DMARC1; p=none; rua=mailto:dmarc@${domain}`]);
}
