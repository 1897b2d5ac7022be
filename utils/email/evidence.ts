/**
 * The email check's evidence: what the diagnostic code carries about the Raftr message and
 * what the email findings are derived from. Every list is FIXED ORDER, append only: the
 * diagnostic code stores indexes into them.
 */

/** Where the message was found (Gmail labels / Graph folders; see shared/reference/email.md). */
export const PLACEMENTS = ['inbox', 'spam', 'archived', 'trash', 'missing'] as const;
export type Placement = (typeof PLACEMENTS)[number];

/**
 * An SPF, DKIM or DMARC result as the receiving system stamped it: RFC 8601 §2.7's words and
 * Microsoft's DMARC `bestguesspass` (no DMARC record, but aligned: it would pass), kept apart
 * because they call for different answers (temperror: retry; permerror: the sender's record is
 * broken; neutral is treated like none, RFC 7208 §8.2). 'unknown': no result was read.
 * Layouts v1 and v2 of the diagnostic code know the first five (the others fold to them).
 */
export const AUTH_VERDICTS = [
  'unknown',
  'pass',
  'fail',
  'softfail',
  'none',
  'neutral',
  'temperror',
  'permerror',
  'policy',
  'bestguesspass',
] as const;
export type AuthVerdict = (typeof AUTH_VERDICTS)[number];

/** A receiving mail system, from MX records and the hops in Received headers. */
export const MAIL_SYSTEMS = [
  'unknown',
  'microsoft-365',
  'google-workspace',
  'proofpoint',
  'mimecast',
  'barracuda',
  'cisco',
  'symantec',
  'sophos',
  'hornetsecurity',
  'trend-micro',
  'other',
] as const;
export type MailSystemId = (typeof MAIL_SYSTEMS)[number];

/**
 * The spam filter's own verdict on the content, where it states one (Microsoft's
 * X-Forefront-Antispam-Report SFV/SCL/CAT, X-Microsoft-Antispam BCL; SpamAssassin, Rspamd and
 * the gateways' fields: utils/email/headers/spam-headers.ts). Gmail states none: its verdict is the
 * SPAM label. Kept apart from the placement (a safe-senders entry can put spam in the inbox)
 * and from the allow list that overrode it (`allowOverride`). 'allowed' is what layouts v1 and
 * v2 stored for an override; since v3 the override is its own field.
 */
export const FILTER_VERDICTS = [
  'none',
  'not-spam',
  'spam',
  'high-confidence-spam',
  'bulk',
  'blocked-sender',
  'blocked-by-policy',
  'allowed',
  'phish',
] as const;
export type FilterVerdict = (typeof FILTER_VERDICTS)[number];

/**
 * An allow list that decided instead of the filter: the user's own Safe Senders (Exchange
 * SFV:SFE, Outlook.com's OFR:TrustedSenderList) or the organisation's (SFV:SKA/SKN, IPV:CAL, a
 * gateway's allow list). Only an organisation-wide one is the allow-list entry Raftr asks for.
 */
export const ALLOW_OVERRIDES = ['none', 'user-safe-sender', 'org-allow'] as const;
export type AllowOverrideId = (typeof ALLOW_OVERRIDES)[number];

/** Whether the connecting IP the receiver saw is one of Raftr's sending IPs. */
export const SENDING_IP_MATCHES = ['unknown', 'expected', 'other'] as const;
export type SendingIpMatch = (typeof SENDING_IP_MATCHES)[number];

/** Delay between sending and arrival, in the bands that tell greylisting from normal. */
export const DELAY_BANDS = ['unknown', 'under-1m', 'under-15m', 'over-15m'] as const;
export type DelayBand = (typeof DELAY_BANDS)[number];

/** Where the evidence came from. */
export const EMAIL_SOURCES = ['mailbox', 'pasted-headers', 'user-reported'] as const;
export type EmailSource = (typeof EMAIL_SOURCES)[number];

export interface EmailEvidence {
  source: EmailSource;
  placement: Placement;
  spf: AuthVerdict;
  dkim: AuthVerdict;
  dmarc: AuthVerdict;
  sendingIp: SendingIpMatch;
  /** The mailbox platform (Microsoft 365, Google Workspace), from the provider, MX or headers. */
  mailbox: MailSystemId;
  /** A filtering gateway in front of the mailbox (from MX and Received hops); 'unknown' = none seen. */
  gateway: MailSystemId;
  filterVerdict: FilterVerdict;
  allowOverride: AllowOverrideId;
  /**
   * The message was forwarded or relayed between mailboxes on the way (utils/email/headers/forwarding.ts):
   * a failed SPF or DMARC is then the forwarder's doing, not Raftr's.
   */
  forwarded: boolean;
  delay: DelayBand;
}

export const UNKNOWN_EMAIL_EVIDENCE: EmailEvidence = {
  source: 'user-reported',
  placement: 'missing',
  spf: 'unknown',
  dkim: 'unknown',
  dmarc: 'unknown',
  sendingIp: 'unknown',
  mailbox: 'unknown',
  gateway: 'unknown',
  filterVerdict: 'none',
  allowOverride: 'none',
  forwarded: false,
  delay: 'unknown',
};
