/**
 * The simulated mail world's fixed facts: who sends, from which address, which real IP each
 * loopback stand-in plays, and the host names of the real services the extension talks to.
 *
 * Real values come from the product brief's catalog (shared/brief/PRODUCT.md) and
 * shared/reference/email.md; invented ones (the SendGrid account number, the Proofpoint
 * customer id, Microsoft's datacenter host names) follow the shapes real headers show.
 */

/** The extension's id, fixed by the manifest `key` in wxt.config.ts. */
export const EXTENSION_ID = 'pmjpmiefbohcdlahgchelppbpceahbjo';
/** Where launchWebAuthFlow expects the authorization server to send the browser back. */
export const EXTENSION_REDIRECT_ORIGIN = `https://${EXTENSION_ID}.chromiumapp.org`;

/** The Firefox build's add-on id (wxt.config.ts browser_specific_settings.gecko.id). */
export const FIREFOX_ADDON_ID = 'access-check@raftr.com';
/**
 * Firefox's `identity.getRedirectURL()`: https://<SHA-1 of the add-on id, hex>.extensions.allizom.org/
 * (toolkit/components/extensions/parent/ext-identity.js; the host never resolves: Firefox
 * catches the redirect before loading it). For access-check@raftr.com:
 */
export const FIREFOX_REDIRECT_ORIGIN =
  'https://00dcf998049471240bb6e521f315614e084588c2.extensions.allizom.org';

/** Test OAuth clients: shaped like real ones (Google: "<number>-<32 chars>.apps.googleusercontent.com"). */
export const GMAIL_CLIENT_ID =
  '284716902241-r4ftrcheck0e2e0sim0gmail0client0.apps.googleusercontent.com';
export const MICROSOFT_CLIENT_ID = '7d5c3a51-2b6e-4f0a-9c1d-8e2f4a6b9c01';
export const MICROSOFT_TENANT = 'organizations';

/** Raftr's sender addresses (catalog: no-reply@raftr.com, @raftr.com, @digest.raftr.com). */
export const RAFTR_NO_REPLY = 'no-reply@raftr.com';
export const RAFTR_DIGEST_FROM = 'digest@digest.raftr.com';
/**
 * SendGrid's authenticated-domain return path (email.md: "return-path emNNNN.raftr.com"):
 * VERP-style, `bounces+<account>-<hash>-<local>=<domain>@em1234.raftr.com`.
 */
export const SENDGRID_BOUNCE_DOMAIN = 'em1234.raftr.com';
export const SENDGRID_ACCOUNT = '38125467';

/** The customer's mail domains. */
export const CAMPUS_DOMAIN = 'campus.test';
export const COLLEGE_DOMAIN = 'college.test';
export const DEFAULT_USER = `student@${CAMPUS_DOMAIN}`;

/** A mail system that can sit behind a domain's MX. */
export type MailboxPlatform = 'microsoft' | 'google';
export type GatewayKind = 'proofpoint' | 'mimecast';
export type MxKind = MailboxPlatform | GatewayKind;

/** MX host names per system, as the brief gives them (campus.test's M365 MX follows Microsoft's `<domain-with-dashes>` rule). */
export function mxHostFor(kind: MxKind, domain: string): string {
  switch (kind) {
    case 'microsoft':
      return `${domain.replace(/\./g, '-')}.mail.protection.outlook.com`;
    case 'google':
      return 'aspmx.l.google.com';
    case 'proofpoint':
      return 'mx0a-00123.pphosted.com';
    case 'mimecast':
      return 'eu-smtp-inbound-1.mimecast.com';
  }
}

/**
 * One sending host: a loopback address the simulation binds to, and the real address,
 * reverse-DNS name and HELO name it stands for. The receiving side maps the connecting
 * loopback address back to `ip`, so SPF is checked against the real address.
 */
export interface StandIn {
  loopback: string;
  ip: string;
  /** Reverse DNS of `ip` (what the receiver writes in its Received line). */
  rdns: string | null;
  helo: string;
}

/** Sending hosts, keyed by role. */
export const STAND_INS = {
  /** SendGrid dedicated IP 1 (catalog: 149.72.222.166), reverse DNS set up by the account. */
  sendgrid1: {
    loopback: '127.0.0.2',
    ip: '149.72.222.166',
    rdns: 'o1.ptr1234.raftr.com',
    helo: 'o1.ptr1234.raftr.com',
  },
  /** SendGrid dedicated IP 2 (catalog: 149.72.230.197). */
  sendgrid2: {
    loopback: '127.0.0.3',
    ip: '149.72.230.197',
    rdns: 'o2.ptr1234.raftr.com',
    helo: 'o2.ptr1234.raftr.com',
  },
  /** Proofpoint's outbound relay to the mailbox (148.163.0.0/16 is Proofpoint's). */
  proofpoint: {
    loopback: '127.0.0.4',
    ip: '148.163.150.14',
    rdns: 'mx0a-00123.pphosted.com',
    helo: 'mx0a-00123.pphosted.com',
  },
  /** Mimecast's EU outbound relay (195.130.217.0/24 is Mimecast's). */
  mimecast: {
    loopback: '127.0.0.5',
    ip: '195.130.217.85',
    rdns: 'eu-smtp-delivery-1.mimecast.com',
    helo: 'eu-smtp-delivery-1.mimecast.com',
  },
  /** An address in no SPF record (RFC 5737 TEST-NET-3): a spoofer, or a sender Raftr never listed. */
  unlisted: {
    loopback: '127.0.0.9',
    ip: '203.0.113.9',
    rdns: null,
    helo: 'mail.raftr-notifications.example',
  },
} as const satisfies Record<string, StandIn>;
export type SenderRole = keyof typeof STAND_INS;

/** The real address a connecting loopback address stands for (unknown ones stay as they are). */
export function realIpOf(remoteAddress: string): string {
  const address = remoteAddress.replace(/^::ffff:/i, '');
  for (const standIn of Object.values(STAND_INS))
    if (standIn.loopback === address) return standIn.ip;
  return address;
}

export function standInOfIp(ip: string): StandIn | undefined {
  return Object.values(STAND_INS).find((s) => s.ip === ip);
}

/** The HTTPS hosts the mail world serves (each gets a `MAP host:443 127.0.0.1:P` rule). */
export const MAIL_HTTPS_HOSTS = [
  'gmail.googleapis.com',
  'graph.microsoft.com',
  'accounts.google.com',
  'oauth2.googleapis.com',
  'login.microsoftonline.com',
  'dns.google',
  'cloudflare-dns.com',
  'app.raftr.com',
] as const;
export type MailHttpsHost = (typeof MAIL_HTTPS_HOSTS)[number];

export const GMAIL_READONLY_SCOPE = 'https://www.googleapis.com/auth/gmail.readonly';
export const GMAIL_METADATA_SCOPE = 'https://www.googleapis.com/auth/gmail.metadata';
