/**
 * Which mail system receives a domain's mail, so that a fix can be phrased in that system's
 * own terms: from the domain's MX records (read over DNS over HTTPS), from the host names in
 * Received hops, and from the domain's SPF record (which reveals the mailbox platform behind a
 * filtering gateway). Host suffixes: shared/reference/email.md ("Which system receives the
 * mail: MX suffixes").
 *
 * Pure: no `browser.*`, no Node APIs. The caller fetches; this module reads the JSON.
 */
import { messageRef } from '../i18n';
import type { MailSystemId } from './evidence';

/**
 * Names as the vendors write them. Product names are the same in every language, so findings
 * carry them as parameters (like utils/network/block-pages.ts's product names); the UI's own labels
 * are the `mail_system_<id>` messages. The two that are not names are message references,
 * put into the reader's language by the translator.
 */
export const MAIL_SYSTEM_NAMES: Readonly<Record<MailSystemId, string>> = {
  unknown: messageRef('mail_system_name_unknown'),
  'microsoft-365': 'Microsoft 365',
  'google-workspace': 'Google Workspace',
  proofpoint: 'Proofpoint',
  mimecast: 'Mimecast',
  barracuda: 'Barracuda',
  cisco: 'Cisco Secure Email',
  symantec: 'Symantec Email Security',
  sophos: 'Sophos Email',
  hornetsecurity: 'Hornetsecurity',
  'trend-micro': 'Trend Micro Email Security',
  other: messageRef('mail_system_name_other'),
};

export function mailSystemName(id: MailSystemId): string {
  return MAIL_SYSTEM_NAMES[id] ?? MAIL_SYSTEM_NAMES.unknown;
}

/** Systems that hold the mailboxes. */
export const MAILBOX_PLATFORMS: readonly MailSystemId[] = ['microsoft-365', 'google-workspace'];

/** Filtering gateways: they sit in front of a mailbox platform (or an on-premises server). */
export const GATEWAY_SYSTEMS: readonly MailSystemId[] = [
  'proofpoint',
  'mimecast',
  'barracuda',
  'cisco',
  'symantec',
  'sophos',
  'hornetsecurity',
  'trend-micro',
];

export function isMailboxPlatform(id: MailSystemId): boolean {
  return MAILBOX_PLATFORMS.includes(id);
}

export function isGatewaySystem(id: MailSystemId): boolean {
  return GATEWAY_SYSTEMS.includes(id);
}

type HostRule = readonly [pattern: RegExp, system: MailSystemId];

/** MX host names (email.md). A host matches a suffix when it is the suffix or ends in ".suffix". */
const MX_RULES: readonly HostRule[] = [
  [/(^|\.)mail\.protection\.outlook\.com$/, 'microsoft-365'],
  // The DNSSEC-signed MX Microsoft has been rolling out: <domain>.<x>-v1.mx.microsoft.
  [/(^|\.)mx\.microsoft$/, 'microsoft-365'],
  [/(^|\.)aspmx\.l\.google\.com$/, 'google-workspace'],
  [/(^|\.)googlemail\.com$/, 'google-workspace'],
  [/^smtp\.google\.com$/, 'google-workspace'],
  [/(^|\.)pphosted\.com$/, 'proofpoint'],
  [/(^|\.)ppe-hosted\.com$/, 'proofpoint'],
  [/(^|\.)mimecast\.com$/, 'mimecast'],
  [/(^|\.)mimecast\.co\.za$/, 'mimecast'],
  [/(^|\.)mimecast-offshore\.com$/, 'mimecast'],
  [/(^|\.)barracudanetworks\.com$/, 'barracuda'],
  [/(^|\.)iphmx\.com$/, 'cisco'],
  [/(^|\.)messagelabs\.com$/, 'symantec'],
  [/(^|\.)sophos\.com$/, 'sophos'],
  [/(^|\.)hornetsecurity\.com$/, 'hornetsecurity'],
  [/(^|\.)tmes\.trendmicro\.[a-z.]+$/, 'trend-micro'],
];

/**
 * Host names seen in Received hops but never in MX records: the systems' internal relays.
 * Microsoft's are *.prod.outlook.com / *.protection.outlook.com / *.outlook.office365.com
 * (the hops in Exchange Online headers); Google's are *.google.com (mx.google.com);
 * Proofpoint's filtering hosts are *.ppops.net.
 */
const RELAY_RULES: readonly HostRule[] = [
  ...MX_RULES,
  [/(^|\.)outlook\.com$/, 'microsoft-365'],
  [/(^|\.)office365\.com$/, 'microsoft-365'],
  [/(^|\.)google\.com$/, 'google-workspace'],
  [/(^|\.)ppops\.net$/, 'proofpoint'],
  [/(^|\.)trendmicro\.(com|eu)$/, 'trend-micro'],
];

function normalizeHost(host: string): string {
  return host.trim().toLowerCase().replace(/\.$/, '');
}

function matchHost(rules: readonly HostRule[], host: string): MailSystemId | null {
  const name = normalizeHost(host);
  if (!name) return null;
  for (const [pattern, system] of rules) if (pattern.test(name)) return system;
  return null;
}

/** The system behind one MX host: 'other' for a host no rule knows, 'unknown' for no host. */
export function systemOfMxHost(host: string): MailSystemId {
  if (!normalizeHost(host)) return 'unknown';
  return matchHost(MX_RULES, host) ?? 'other';
}

/**
 * The system that receives a domain's mail: the one behind its most preferred MX host
 * (hosts sorted by preference, as `parseDohMxAnswer` returns them).
 */
export function systemOfMxHosts(hosts: readonly string[]): MailSystemId {
  const first = hosts.find((h) => normalizeHost(h));
  return first === undefined ? 'unknown' : systemOfMxHost(first);
}

/** The system a Received hop's host name belongs to (MX or internal relay), or null. */
export function systemOfRelayHost(host: string | null | undefined): MailSystemId | null {
  return host ? matchHost(RELAY_RULES, host) : null;
}

// ---------------------------------------------------------------------------------------------
// Receiving systems in the header analysis: wider than MailSystemId (which the diagnostic code
// stores), because reading headers also meets consumer services and on-premises filters.

/** The systems the header analysis tells apart (the corpus facts' `receivingSystem`). */
export const RECEIVING_SYSTEMS = [
  'microsoft-365',
  'google-workspace',
  'outlook-com',
  'gmail-consumer',
  'yahoo',
  'protonmail',
  'fastmail',
  'icloud',
  'zoho',
  'postfix-spamassassin',
  'rspamd',
  'other',
] as const;
export type ReceivingSystemId = (typeof RECEIVING_SYSTEMS)[number];

/** The large mailbox providers whose hosts are recognizable by name. */
export type MailboxProvider =
  | 'microsoft'
  | 'google'
  | 'yahoo'
  | 'protonmail'
  | 'fastmail'
  | 'icloud'
  | 'zoho';

type ProviderRule = readonly [pattern: RegExp, provider: MailboxProvider];

/**
 * Host names of the providers' own mail servers, as they appear in Received "by" clauses and
 * as Authentication-Results authserv-ids: Exchange Online (*.outlook.com, *.office365.com,
 * *.mx.microsoft, the older *.hotmail.com), Google (mx.google.com), Yahoo and AOL
 * (*.yahoo.com, *.yahoodns.net, *.aol.com), Proton (*.protonmail.ch), Fastmail
 * (*.messagingengine.com), iCloud Mail (*.mail.icloud.com) and Zoho (*.zoho.com, *.zohomail.com).
 */
const PROVIDER_RULES: readonly ProviderRule[] = [
  [/(^|\.)(outlook|office365|hotmail)\.com$/, 'microsoft'],
  [/(^|\.)mx\.microsoft$/, 'microsoft'],
  [/(^|\.)(google|googlemail)\.com$/, 'google'],
  [/(^|\.)(yahoo|yahoodns|aol)\.(com|net)$/, 'yahoo'],
  [/(^|\.)(protonmail|proton)\.(ch|com|me)$/, 'protonmail'],
  [/(^|\.)(messagingengine|fastmail)\.(com|fm)$/, 'fastmail'],
  [/(^|\.)icloud\.com$/, 'icloud'],
  [/(^|\.)(zoho|zohomail)\.(com|eu|in|com\.au|jp)$/, 'zoho'],
];

/** The provider a host name belongs to, or null. Tolerates a trailing dot and any case. */
export function providerOfHost(host: string | null | undefined): MailboxProvider | null {
  if (!host) return null;
  const name = normalizeHost(host);
  for (const [pattern, provider] of PROVIDER_RULES) if (pattern.test(name)) return provider;
  return null;
}

/**
 * Exchange Online's outbound relays (`*.outbound.protection.outlook.com`, and the older
 * Hotmail `…-OMC…` hosts): they hand mail from one organisation to another, so a hop from one
 * of them is the receiving organisation's edge, not an internal hop.
 */
export function isMicrosoftOutboundHost(host: string | null | undefined): boolean {
  if (!host) return false;
  const name = normalizeHost(host);
  return /(^|\.)outbound\.protection\.outlook\.com$/.test(name) || /-omc\d/.test(name);
}

/**
 * Signs of Outlook.com, Microsoft's consumer service, rather than a Microsoft 365 tenant.
 * Outlook.com mail is stamped with the tenant id 84df9e7f-e9f6-40af-b435-aaaaaaaaaaaa
 * (X-MS-Exchange-CrossTenant-Id, X-EOPTenantAttributedMessage), which every published
 * Outlook.com/Hotmail header block carries; older blocks show the consumer servers instead:
 * *.hotmail.com and Exchange Online Protection's "HT" servers (BN3NAM04HT075, SN1NAM02HT182…)
 * that served the consumer forest, and the consumer domains as the receiving domain of the
 * Authentication-Results field.
 */
export const OUTLOOK_COM_TENANT_ID = '84df9e7f-e9f6-40af-b435-aaaaaaaaaaaa';

export function isOutlookComHost(host: string | null | undefined): boolean {
  if (!host) return false;
  const name = normalizeHost(host);
  return /(^|\.)hotmail\.com$/.test(name) || /^[a-z]{2}\d[a-z]{3}\d{2}ht\d{3}(\.|:|$)/.test(name);
}

/** outlook.com, hotmail.com, live.com, msn.com and their country variants (outlook.de…). */
export function isOutlookComDomain(domain: string | null | undefined): boolean {
  if (!domain) return false;
  return /^(outlook|hotmail|live|msn|windowslive)\.[a-z]{2,3}(\.[a-z]{2})?$/.test(
    normalizeHost(domain),
  );
}

/** gmail.com and googlemail.com: addresses of consumer Gmail, not of a Workspace domain. */
export function isGmailConsumerDomain(domain: string | null | undefined): boolean {
  if (!domain) return false;
  return /^(gmail|googlemail)\.com$/.test(normalizeHost(domain));
}

/**
 * Second-level labels under which country-code registries sell names (example.co.uk,
 * example.com.br): an approximation of the public-suffix list, enough to tell two hosts of one
 * organisation from two hosts of different ones.
 */
const SECOND_LEVEL = new Set([
  'ac',
  'co',
  'com',
  'edu',
  'gob',
  'go',
  'gov',
  'net',
  'ne',
  'or',
  'org',
]);

/** The organisational domain of a host (RFC 7489 §3.2), approximated without the PSL. */
export function organizationalDomain(host: string | null | undefined): string | null {
  if (!host) return null;
  const labels = normalizeHost(host).split('.').filter(Boolean);
  if (labels.length < 2 || !labels.every((l) => /^[a-z0-9_-]+$/.test(l))) return null;
  const tld = labels[labels.length - 1] as string;
  const second = labels[labels.length - 2] as string;
  const take = tld.length === 2 && SECOND_LEVEL.has(second) && labels.length >= 3 ? 3 : 2;
  return labels.slice(-take).join('.');
}

/**
 * Providers whose servers carry many organisations' mail under one domain (a Gmail user
 * writing to a Gmail user, two SendGrid customers): a shared domain there says nothing about
 * two hosts belonging to one organisation.
 */
const SHARED_PROVIDER_DOMAINS = new Set([
  'amazonses.com',
  'aol.com',
  'gmail.com',
  'google.com',
  'googlemail.com',
  'hotmail.com',
  'icloud.com',
  'mailgun.org',
  'me.com',
  'messagingengine.com',
  'office365.com',
  'outlook.com',
  'proton.ch',
  'protonmail.ch',
  'sendgrid.net',
  'sparkpostmail.com',
  'yahoo.com',
  'yahoodns.net',
  'zoho.com',
]);

/** Two host names of one organisation (same organisational domain, not a shared provider). */
export function sameOrganization(a: string | null | undefined, b: string | null | undefined) {
  const domain = organizationalDomain(a);
  return (
    domain !== null && domain === organizationalDomain(b) && !SHARED_PROVIDER_DOMAINS.has(domain)
  );
}

// ---------------------------------------------------------------------------------------------
// DNS over HTTPS, JSON format (https://developers.google.com/speed/public-dns/docs/doh/json,
// https://developers.cloudflare.com/1.1.1.1/encryption/dns-over-https/make-api-requests/dns-json/).

/**
 * Why there is no MX answer. 'nxdomain': the domain does not exist (RCODE 3); 'no-mx': it
 * exists but publishes no MX; 'null-mx': it says it accepts no mail (RFC 7505 "0 ."); other
 * RCODEs are 'server-failure' (2) or 'refused' (5) or 'dns-error'; 'malformed': not a DoH answer.
 */
export type DohError =
  | 'nxdomain'
  | 'no-mx'
  | 'null-mx'
  | 'server-failure'
  | 'refused'
  | 'dns-error'
  | 'malformed';

export type DohMxAnswer =
  | { ok: true; hosts: string[] }
  | { ok: false; error: DohError; status?: number };

export type DohTxtAnswer =
  | { ok: true; records: string[] }
  | { ok: false; error: DohError; status?: number };

const MX_TYPE = 15;
const TXT_TYPE = 16;

interface DohRecord {
  type: number;
  data: string;
}

function readDoh(
  json: unknown,
): { ok: true; records: DohRecord[] } | { ok: false; error: DohError; status?: number } {
  let value = json;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return { ok: false, error: 'malformed' };
    }
  }
  if (!value || typeof value !== 'object') return { ok: false, error: 'malformed' };
  const { Status: status, Answer: answer } = value as { Status?: unknown; Answer?: unknown };
  if (typeof status !== 'number') return { ok: false, error: 'malformed' };
  if (status === 3) return { ok: false, error: 'nxdomain', status };
  if (status === 2) return { ok: false, error: 'server-failure', status };
  if (status === 5) return { ok: false, error: 'refused', status };
  if (status !== 0) return { ok: false, error: 'dns-error', status };
  if (answer !== undefined && !Array.isArray(answer)) return { ok: false, error: 'malformed' };
  const records: DohRecord[] = [];
  for (const item of (answer as unknown[] | undefined) ?? []) {
    if (!item || typeof item !== 'object') continue;
    const { type, data } = item as { type?: unknown; data?: unknown };
    if (typeof type === 'number' && typeof data === 'string') records.push({ type, data });
  }
  return { ok: true, records };
}

/**
 * MX hosts from a DoH JSON answer (`{Status, Answer:[{type:15, data:"10 mx.example.edu."}]}`),
 * most preferred first, lower case, without the trailing dot. CNAME records that a resolver
 * adds to the answer are skipped. Errors are values, never exceptions.
 */
export function parseDohMxAnswer(json: unknown): DohMxAnswer {
  const read = readDoh(json);
  if (!read.ok) return read;
  const mx: { preference: number; host: string }[] = [];
  for (const record of read.records) {
    if (record.type !== MX_TYPE) continue;
    const match = /^\s*(\d{1,5})\s+(\S+)\s*$/.exec(record.data);
    if (!match) continue;
    mx.push({ preference: Number(match[1]), host: normalizeHost(match[2] as string) });
  }
  if (mx.length === 0) return { ok: false, error: 'no-mx', status: 0 };
  // RFC 7505: a single MX of "." means the domain accepts no mail at all.
  if (mx.every((r) => r.host === '')) return { ok: false, error: 'null-mx', status: 0 };
  mx.sort((a, b) => a.preference - b.preference || a.host.localeCompare(b.host));
  return { ok: true, hosts: [...new Set(mx.map((r) => r.host).filter(Boolean))] };
}

/**
 * TXT strings from a DoH JSON answer. The data is quoted and a long record is split into
 * several quoted strings (RFC 7208 §3.3: they are joined without a separator).
 */
export function parseDohTxtAnswer(json: unknown): DohTxtAnswer {
  const read = readDoh(json);
  if (!read.ok) return read;
  const records = read.records
    .filter((r) => r.type === TXT_TYPE)
    .map((r) => {
      const parts = [...r.data.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) =>
        (m[1] as string).replace(/\\(.)/g, '$1'),
      );
      return parts.length ? parts.join('') : r.data;
    });
  return { ok: true, records };
}

/**
 * The mailbox platform a domain's SPF record authorizes: Microsoft 365 publishes
 * `include:spf.protection.outlook.com`, Google Workspace `include:_spf.google.com`
 * (https://learn.microsoft.com/defender-office-365/email-authentication-spf-configure,
 * https://support.google.com/a/answer/10685031). 'unknown' when neither or both.
 */
export function mailboxFromSpf(records: readonly string[]): MailSystemId {
  const spf = records
    .filter((r) => /^\s*v=spf1(\s|$)/i.test(r))
    .join(' ')
    .toLowerCase();
  const microsoft = /\binclude:spf\.protection\.outlook\.com\b/.test(spf);
  const google = /\binclude:_spf\.google\.com\b/.test(spf);
  if (microsoft === google) return 'unknown';
  return microsoft ? 'microsoft-365' : 'google-workspace';
}
