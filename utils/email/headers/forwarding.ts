/**
 * Whether the message was forwarded on its way: delivered to one mailbox, list or alias and
 * passed on to the final receiver (RFC 7960 "indirect mail flows"). A forward explains an SPF
 * result for the forwarder's address rather than the sender's, and tells IT that an allow-list
 * entry at the final receiver will not see Raftr's own servers.
 *
 * Each rule is a sign a mail administrator reads off the header block; any one is enough.
 *
 * Pure: no `browser.*`, no Node APIs.
 */

import { organizationalDomain } from '../mail-systems';
import type { AuthResult, HeaderField, TrustedAuthResults } from './parse';
import { parseMailAddress, receivedFor } from './parse';
import { rspamdSymbols } from './spam-headers';
import type { TrustBoundary } from './trust';
import { receiverValues } from './trust';

export interface ForwardingInput {
  fields: readonly HeaderField[];
  trace: TrustBoundary;
  /** The receiving organisation's own Authentication-Results, or null. */
  auth: TrustedAuthResults | null;
  /** The author's domain (From, else DMARC's header.from), lower case. */
  authorDomain: string | null;
}

function values(fields: readonly HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
}

function has(fields: readonly HeaderField[], pattern: RegExp): boolean {
  return fields.some((f) => pattern.test(f.name));
}

/** Two domains of one organisation (or one the subdomain of the other). */
function related(a: string | null, b: string | null): boolean {
  if (!a || !b) return false;
  return organizationalDomain(a) === organizationalDomain(b);
}

/**
 * Fields only a resending system writes: Resent-* (RFC 5322 §3.6.6, a message reintroduced by a
 * user or a forwarder), X-Forwarded-To / X-Forwarded-For that Gmail writes on automatic
 * forwarding, and X-MS-Exchange-ForwardingLoop / X-MS-Exchange-Inbox-Rules-Loop that Exchange
 * writes when a mailbox rule or forwarding setting sends the message on (neither vendor
 * documents these fields; they are what forwarded copies carry).
 */
const RESENDER_FIELDS =
  /^(resent-(from|sender|to|date|message-id)|x-forwarded-(to|for)|x-ms-exchange-forwardingloop|x-ms-exchange-inbox-rules-loop)$/i;

/**
 * Fields a mailing list adds when it redistributes a post: List-Post (RFC 2369 §3.4, the address
 * to post to), Mailman's X-BeenThere and X-Mailman-Version, majordomo's and procmail's X-Loop,
 * ezmlm's Mailing-List, X-Mailing-List. List-Id and List-Unsubscribe alone are not among them:
 * bulk senders write those on their own mail.
 */
const LIST_FIELDS =
  /^(list-post|x-beenthere|x-mailman-version|x-loop|mailing-list|x-mailing-list)$/i;

/** A Sender Rewriting Scheme address ("SRS0=hash=tt=domain=local@forwarder", libsrs2). */
const SRS = /^<?\s*srs[01][=+-]/i;

/** The SRS rewriting of the envelope sender: Return-Path or the SPF identity. */
function hasSrsEnvelope(input: ForwardingInput): boolean {
  const returnPath = values(input.fields, 'Return-Path')[0];
  if (returnPath && SRS.test(returnPath.trim())) return true;
  return (input.auth?.results ?? []).some(
    (r) => r.method === 'spf' && SRS.test(r.props['smtp.mailfrom'] ?? ''),
  );
}

/**
 * ARC (RFC 8617) is added by each intermediary that handles a message: the receiver's own
 * result `arc=pass|fail` says ARC sets arrived with the message; a receiver's seal with i=2 or
 * more says an earlier intermediary sealed before it. Exchange Online seals every pass with the
 * one domain microsoft.com, so a second Microsoft seal over a Microsoft seal only shows two
 * Exchange Online passes, which may both be the sender's own (its tenant relaying outbound).
 */
function arcShowsIntermediary(input: ForwardingInput): boolean {
  if (
    (input.auth?.results ?? []).some((r) => r.method === 'arc' && /^(pass|fail)$/.test(r.result))
  ) {
    return true;
  }
  const seals = values(input.fields, 'ARC-Seal').map((value) => ({
    i: Number(/\bi\s*=\s*(\d+)/.exec(value)?.[1] ?? 0),
    d: (/\bd\s*=\s*([^\s;]+)/.exec(value)?.[1] ?? '').toLowerCase() || null,
  }));
  const top = seals[0];
  if (!top || top.i < 2 || !receiverValues(input.fields, input.trace, 'ARC-Seal').length) {
    return false;
  }
  const earlier = seals.slice(1).filter((s) => s.i < top.i);
  return !(top.d !== null && earlier.length > 0 && earlier.every((s) => s.d === top.d));
}

/**
 * Header fields a receiving filter writes (OpenDMARC's DMARC-Filter, OpenARC's ARC-Filter,
 * SpamAssassin's X-Spam-*, amavis's X-Virus-Scanned, other filters' *spfcheck / *dkimcheck /
 * spamtally, Authentication-Results, Received-SPF).
 */
const RECEIVER_CHECK_FIELD =
  /^(dmarc-filter|arc-filter|x-spam-[\w-]+|x-virus-scanned|[\w-]*spfcheck|[\w-]*dkimcheck|[\w-]*spamtally|authentication-results|received-spf)$/i;

/**
 * The receiver's own ARC-Message-Signature lists the fields present when it sealed (RFC 8617
 * §4.1.2, tag h=): if they include fields only a receiving filter writes, an earlier system
 * had received and checked the message before passing it on.
 */
function sealedEarlierChecks(input: ForwardingInput): boolean {
  const signature = receiverValues(input.fields, input.trace, 'ARC-Message-Signature')[0];
  const signed = /\bh\s*=\s*([^;]*)/i.exec(signature ?? '')?.[1] ?? '';
  return signed
    .split(':')
    .map((name) => name.trim())
    .some((name) => RECEIVER_CHECK_FIELD.test(name));
}

/**
 * The Exchange Online mailbox servers that handled the message, as X-MS-TrafficTypeDiagnostic
 * lists them ("AS5PR10MB8174:EE_|VI1EUR06FT004:EE_|DB9P192MB1634:EE_…"), grouped by forest:
 * the letters after the site code ("PR10", "P192"; "PR08" in the older "HE1PR0801MB1850") name
 * the forest a tenant's mailboxes live in.
 * Frontend servers (…FT004, …PEPF…) are shared and left out. Microsoft does not document the
 * field; it is read only for these server names.
 */
function exchangeForests(fields: readonly HeaderField[]): Set<string> {
  const forests = new Set<string>();
  for (const value of values(fields, 'X-MS-TrafficTypeDiagnostic')) {
    for (const server of value.split(/[|\s,;]+/)) {
      const forest = /^[A-Z]{2,3}\d?[A-Z]?(P\d{3}|PR\d{2})\d{0,2}MB\d+(?::|$)/i.exec(
        server.trim(),
      )?.[1];
      if (forest) forests.add(forest.toUpperCase());
    }
  }
  return forests;
}

/**
 * Exchange Online renames another organisation's anti-spam fields when a message re-enters it
 * (X-Forefront-Antispam-Report-Untrusted, X-Microsoft-Antispam-Untrusted,
 * X-Microsoft-Antispam-Message-Info-Original, X-MS-Exchange-AntiSpam-MessageData-Original-*).
 * Senders' own outbound mail carries such copies too (their tenant relaying through an
 * outbound service and back), so they show an earlier organisation's delivery only when the
 * mailbox servers that handled the message sit in more than one forest (more than one
 * organisation held it) and no renamed report says the earlier pass was outbound (DIR:OUT).
 */
function earlierExchangeDelivery(fields: readonly HeaderField[]): boolean {
  const copies = fields.filter((f) =>
    /^(x-forefront-antispam-report-untrusted|x-microsoft-antispam-untrusted|x-microsoft-antispam-message-info-original|x-ms-exchange-antispam-messagedata-original-[\w-]+)$/i.test(
      f.name,
    ),
  );
  if (copies.length === 0 || exchangeForests(fields).size < 2) return false;
  return !copies.some(
    (f) =>
      /^x-forefront-antispam-report-untrusted$/i.test(f.name) && /\bDIR:\s*OUT\b/i.test(f.value),
  );
}

/**
 * The recipient changed on the way: Received "for" clauses (RFC 5321 §4.4) naming different
 * addresses, or more than one Delivered-To address (each final delivery adds one: Postfix's
 * local(8) and virtual(8), https://www.postfix.org/local.8.html, and Gmail write it).
 */
function recipientChanged(input: ForwardingInput): boolean {
  const recipients = new Set<string>();
  for (const { value } of input.trace.hops) {
    const address = receivedFor(value);
    if (address) recipients.add(address);
  }
  if (recipients.size > 1) return true;
  const delivered = new Set(
    values(input.fields, 'Delivered-To')
      .map((v) => parseMailAddress(v)?.address)
      .filter((a): a is string => Boolean(a)),
  );
  return delivered.size > 1;
}

function dkimDomainOf(result: AuthResult): string {
  return (result.props['header.d'] ?? result.props['header.i']?.replace(/^.*@/, '') ?? '')
    .toLowerCase()
    .replace(/^@/, '');
}

/**
 * A signing domain that names the author's domain in its first label, as the mailbox
 * providers' default signatures do (Google Workspace without its own key signs as
 * "example-com.20230601.gappssmtp.com", https://support.google.com/a/answer/174124): the
 * author's own provider, not a third party.
 */
function providerSignsForAuthor(domain: string, author: string): boolean {
  return domain.split('.')[0] === author.replace(/\./g, '-');
}

/**
 * Email service providers sign the messages they send with a domain of their own beside the
 * customer's: Amazon SES with amazonses.com (the corpus's outlookcom-ses-dkim-not-author-inbox
 * and protonmail-amazonses-multi-ar-redacted samples), SendGrid with s=smtpapi under
 * sendgrid.net (sendgrid.info on older mail), Mailgun with mailgun.org, Mailchimp and
 * Mandrill with mcsv.net and mandrillapp.com, SparkPost with sparkpostmail.com, Postmark with
 * mtasv.net. That signature was on the message when it left the sender, so its passing says
 * nothing about a forwarder: a message sent through the provider from an address the author's
 * SPF does not list fails SPF with that signature intact, and that is the author's SPF record
 * at fault, not a forward.
 */
const SENDING_PROVIDER_SIGNERS = new Set([
  'sendgrid.info',
  'sendgrid.net',
  'amazonses.com',
  'mailgun.org',
  'mcsv.net',
  'mandrillapp.com',
  'sparkpostmail.com',
  'mtasv.net',
]);

/**
 * RFC 7960 §3.2: a forwarder re-sends from its own servers, so SPF no longer passes for the
 * author's own envelope domain (classic forwarding keeps the envelope) while the content is
 * still signed, by the author or by the forwarder re-signing. When the passing signature is a
 * third party's (not the sending provider's own), or the recipient changed, that is a forward and not a spoof or a broken SPF
 * record. Read from the receiver's Authentication-Results, or from Rspamd's symbols
 * (R_SPF_* and R_DKIM_ALLOW, the names lua_auth_results.lua maps to spf= and dkim=).
 */
function indirectFlow(input: ForwardingInput): boolean {
  const results = input.auth?.results ?? [];
  const spf = results.find((r) => r.method === 'spf' && r.props['smtp.mailfrom'] !== undefined);
  const author = input.authorDomain;
  if (spf && author) {
    const envelope = spf.props['smtp.mailfrom']?.replace(/^.*@/, '').toLowerCase() ?? '';
    if (spf.result === 'pass' || !related(envelope, author)) return false;
    const passing = results.filter((r) => r.method === 'dkim' && r.result === 'pass');
    const thirdParty = passing.some((r) => {
      const domain = dkimDomainOf(r);
      return (
        domain !== '' &&
        !related(domain, author) &&
        !providerSignsForAuthor(domain, author) &&
        !SENDING_PROVIDER_SIGNERS.has(organizationalDomain(domain) ?? domain)
      );
    });
    return passing.length > 0 && (thirdParty || recipientChanged(input));
  }
  // Rspamd: the DMARC_POLICY_* symbol's first option is the author's domain, and
  // FORGED_RECIPIENTS says the envelope recipient is not among the header's recipients.
  const symbols = rspamdSymbols(
    receiverValues(input.fields, input.trace, 'X-Spamd-Result')[0] ?? null,
  );
  const dmarc = [...symbols].find(([name]) => name.startsWith('DMARC_POLICY_'))?.[1];
  const rspamdAuthor = author ?? dmarc?.split(',')[0]?.trim().toLowerCase() ?? null;
  const spfFailed = ['R_SPF_FAIL', 'R_SPF_SOFTFAIL', 'R_SPF_NEUTRAL'].some((s) => symbols.has(s));
  const envelope = parseMailAddress(values(input.fields, 'Return-Path')[0])?.domain ?? null;
  return (
    spfFailed &&
    symbols.has('R_DKIM_ALLOW') &&
    related(envelope, rspamdAuthor) &&
    (symbols.has('FORGED_RECIPIENTS') || recipientChanged(input))
  );
}

/**
 * A forwarder that rewrites the envelope into its own name (SRS, as PostSRSd does with the
 * host's domain) while the author's DKIM signature still passes: the envelope domain is the
 * very host that connected to the receiver (its HELO name), not the author's organisation, and
 * SPF does not authorise it. (Bulk senders also send under a bounce domain of their own, but
 * authorise their servers for it in SPF.)
 */
function envelopeRewrittenByRelay(input: ForwardingInput): boolean {
  const author = input.authorDomain;
  const edge = input.trace.entry >= 0 ? input.trace.hops[input.trace.entry]?.hop : undefined;
  const relay = (edge?.helo ?? '').toLowerCase();
  const results = input.auth?.results ?? [];
  const spf = results.find((r) => r.method === 'spf');
  const envelope = spf?.props['smtp.mailfrom']?.replace(/^.*@/, '').toLowerCase() ?? '';
  if (!author || !relay || envelope !== relay || related(envelope, author)) return false;
  if (spf?.result === 'pass') return false;
  return results.some(
    (r) => r.method === 'dkim' && r.result === 'pass' && related(dkimDomainOf(r), author),
  );
}

/** The signs of a forward, by name (see the rules above). */
export type ForwardingSign =
  | 'resent-fields'
  | 'list-fields'
  | 'srs-envelope'
  | 'arc-intermediary'
  | 'sealed-earlier-checks'
  | 'earlier-exchange-delivery'
  | 'recipient-changed'
  | 'indirect-flow'
  | 'envelope-rewritten';

/** Every sign of a forward that shows, in the order above. */
export function forwardingSigns(input: ForwardingInput): ForwardingSign[] {
  const signs: [ForwardingSign, () => boolean][] = [
    ['resent-fields', () => has(input.fields, RESENDER_FIELDS)],
    ['list-fields', () => has(input.fields, LIST_FIELDS)],
    ['srs-envelope', () => hasSrsEnvelope(input)],
    ['arc-intermediary', () => arcShowsIntermediary(input)],
    ['sealed-earlier-checks', () => sealedEarlierChecks(input)],
    ['earlier-exchange-delivery', () => earlierExchangeDelivery(input.fields)],
    ['recipient-changed', () => recipientChanged(input)],
    ['indirect-flow', () => indirectFlow(input)],
    ['envelope-rewritten', () => envelopeRewrittenByRelay(input)],
  ];
  return signs.filter(([, test]) => test()).map(([name]) => name);
}

/** Whether any sign of a forward shows. */
export function wasForwarded(input: ForwardingInput): boolean {
  return forwardingSigns(input).length > 0;
}
