/**
 * Email findings: email evidence in, findings out (pure, like utils/network/findings.ts).
 * The fix is phrased in the receiving system's own terms through `remedies`: one per system
 * that may need changing (the filter that acted or the gateway in front, then the mailbox
 * platform; both Microsoft 365 and Google Workspace when the platform is unknown). Vendor
 * vocabulary and sources: shared/reference/email.md.
 *
 * Messages. A finding's words are `finding_<id>_title|body|steps`, with these substitutions
 * (`emailFindingParams`): $1 the sender domains, $2 the sending IPs, $3 the sender address
 * (all from the profile), $4 the system the finding is about, $5 every system to change
 * (" / " between them), $6 a finding's own detail (the checks that failed; the app's client
 * id). A remedy's words are `remedy_<system>_<action>`, with `remedyParams()`: $1-$3 as above,
 * $4 the sending IPs quoted for PowerShell, $5 the sender domains quoted, $6 the sender
 * address and domains quoted, $7 the sending IPs in CIDR notation, $8 the finding's own detail.
 */

import { entryRef, type Finding, type Severity, type SystemId } from '../finding';
import { ENTRIES } from '../profile';
import type { AuthVerdict, EmailEvidence, FilterVerdict, MailSystemId } from './evidence';
import { isGatewaySystem, mailSystemName } from './mail-systems';
import type { Remedy, RemedyAction } from './remedies';

export const EMAIL_FINDING_IDS = [
  'email-delivered',
  'email-in-spam',
  'email-missing',
  'email-auth-failed',
  'email-gateway-breaks-spf',
  'email-delayed',
  'email-blocked-sender',
  'email-blocked-by-policy',
  'email-archived',
  'email-in-trash',
  'mailbox-access-blocked',
  'email-spam-allowed-by-user',
  'email-user-allow-only',
  'email-marked-spam',
  'email-forwarding-breaks-auth',
  'email-auth-temperror',
] as const;
export type EmailFindingId = (typeof EMAIL_FINDING_IDS)[number];

export interface EmailFinding extends Finding<EmailFindingId> {
  remedies: Remedy[];
}

/**
 * The mailbox platforms to give steps for: the one in the evidence, or both when it is not
 * known. 'other' (an unrecognized server) keeps generic steps.
 */
function mailboxPlatforms(evidence: EmailEvidence): MailSystemId[] {
  if (evidence.mailbox === 'unknown') return ['microsoft-365', 'google-workspace'];
  return [evidence.mailbox];
}

/** The system in front of the mailbox, if any. */
function gatewayOf(evidence: EmailEvidence): MailSystemId | null {
  return evidence.gateway !== 'unknown' && evidence.gateway !== evidence.mailbox
    ? evidence.gateway
    : null;
}

/** Only Microsoft's filter states these verdicts (X-Forefront-Antispam-Report). */
const MICROSOFT_VERDICTS = new Set<EmailEvidence['filterVerdict']>([
  'spam',
  'high-confidence-spam',
  'bulk',
  'blocked-sender',
  'blocked-by-policy',
]);

/** The filter that junked it: Microsoft's when its verdict is stamped, else the mailbox's. */
function spamFilterOf(evidence: EmailEvidence): MailSystemId {
  if (MICROSOFT_VERDICTS.has(evidence.filterVerdict)) return 'microsoft-365';
  return evidence.mailbox === 'unknown'
    ? 'unknown'
    : (mailboxPlatforms(evidence)[0] as MailSystemId);
}

function unique(systems: readonly MailSystemId[]): MailSystemId[] {
  return [...new Set(systems.filter((s) => s !== 'unknown'))];
}

function remediesFor(systems: readonly MailSystemId[], ...actions: RemedyAction[]): Remedy[] {
  return systems.flatMap((system) => actions.map((action) => ({ system, action })));
}

/**
 * A result that counts against the message: fail and softfail, permerror (the receiver treats
 * a broken record as a failure, RFC 7489 §6.6.2) and RFC 8601's `policy` (failed by the
 * receiver's local policy). temperror is not one (it passes on a retry), nor are neutral and
 * none (no statement, RFC 7208 §8.2), nor bestguesspass.
 */
const failed = (verdict: AuthVerdict) =>
  verdict === 'fail' || verdict === 'softfail' || verdict === 'permerror' || verdict === 'policy';

/** A pass, or Microsoft's best guess that it would pass (no DMARC record). */
const passed = (verdict: AuthVerdict) => verdict === 'pass' || verdict === 'bestguesspass';

/** The filter's verdicts that say "spam" (blocked lists are their own findings). */
const SPAM_VERDICTS = new Set<FilterVerdict>(['spam', 'high-confidence-spam', 'bulk', 'phish']);

const AUTH_CHECKS = [
  ['SPF', 'spf'],
  ['DKIM', 'dkim'],
  ['DMARC', 'dmarc'],
] as const;

/** "SPF, DMARC": the checks whose result matches. */
function checksWhere(evidence: EmailEvidence, test: (verdict: AuthVerdict) => boolean): string {
  return AUTH_CHECKS.filter(([, key]) => test(evidence[key]))
    .map(([name]) => name)
    .join(', ');
}

/** The substitutions of a finding's messages (see the file comment). */
export function emailFindingParams(
  primary: MailSystemId,
  systems: readonly MailSystemId[],
  failedChecks = '',
): string[] {
  return [
    ENTRIES['sender-domains'].values.join(', '),
    ENTRIES['sending-ips'].values.join(', '),
    ENTRIES['sender-no-reply'].values.join(', '),
    mailSystemName(primary),
    (systems.length ? systems : [primary]).map(mailSystemName).join(' / '),
    failedChecks,
  ];
}

/**
 * The evidence as the rules read it: a gateway product given as the mailbox (an MX lookup that
 * saw only the gateway) is the gateway in front of an unknown mailbox. The diagnostic code
 * stores this form (utils/diagnostic-code.ts), so a decoded code gives the same findings.
 */
export function canonicalEmailEvidence(evidence: EmailEvidence): EmailEvidence {
  if (!isGatewaySystem(evidence.mailbox)) return evidence;
  return {
    ...evidence,
    mailbox: 'unknown',
    gateway: evidence.gateway === 'unknown' ? evidence.mailbox : evidence.gateway,
  };
}

export function emailFindings(given: EmailEvidence): EmailFinding[] {
  const evidence = canonicalEmailEvidence(given);
  const found: EmailFinding[] = [];
  const gateway = gatewayOf(evidence);
  const mailboxes = mailboxPlatforms(evidence);
  const senderEntries = [entryRef('sender-no-reply'), entryRef('sender-domains')];
  const arrived = evidence.placement !== 'missing';
  const add = (
    id: EmailFindingId,
    severity: Severity,
    system: SystemId,
    entries: Finding['entries'],
    remedies: Remedy[],
    params: string[],
  ) => found.push({ id, severity, system, entries, params, remedies });
  // An authentication problem with the message in the inbox is a warning; elsewhere it is
  // the likely reason it is not in the inbox.
  const authSeverity: Severity = evidence.placement === 'inbox' ? 'minor' : 'blocking';

  // The user's own Blocked Senders list (SFV:BLK) and an anti-spam policy's blocked lists
  // (SFV:SKB) explain a junk placement by themselves: allow-listing would not help.
  const blockedSender = evidence.filterVerdict === 'blocked-sender';
  const blockedByPolicy = evidence.filterVerdict === 'blocked-by-policy';
  if (blockedSender) {
    const system =
      evidence.mailbox === 'unknown' ? 'microsoft-365' : (mailboxes[0] as MailSystemId);
    add(
      'email-blocked-sender',
      'blocking',
      'mailbox',
      senderEntries,
      [{ system, action: 'remove-blocked-sender' }],
      emailFindingParams(system, [system]),
    );
  }
  if (blockedByPolicy) {
    add(
      'email-blocked-by-policy',
      'blocking',
      'spam-filter',
      senderEntries,
      [{ system: 'microsoft-365', action: 'review-policy' }],
      emailFindingParams('microsoft-365', ['microsoft-365']),
    );
  }

  switch (evidence.placement) {
    case 'spam': {
      if (blockedSender || blockedByPolicy) break;
      const filter = spamFilterOf(evidence);
      const systems = unique([filter, ...mailboxes, ...(gateway ? [gateway] : [])]);
      add(
        'email-in-spam',
        'blocking',
        'spam-filter',
        [...senderEntries, entryRef('sending-ips')],
        remediesFor(systems, 'allow-senders', 'allow-sending-ips'),
        emailFindingParams(filter, systems),
      );
      break;
    }
    case 'missing': {
      // Rejected or quarantined before the mailbox: a gateway judges the connection (IP
      // reputation), the platforms quarantine on content and prefer sender-based allow entries.
      // Without a gateway, the platform's own edge judges the connection too.
      const remedies = gateway
        ? [
            ...remediesFor([gateway], 'check-quarantine', 'allow-sending-ips'),
            ...remediesFor(mailboxes, 'check-quarantine', 'allow-senders'),
          ]
        : remediesFor(mailboxes, 'check-quarantine', 'allow-senders', 'allow-sending-ips');
      const primary =
        gateway ?? (evidence.mailbox === 'unknown' ? 'unknown' : (mailboxes[0] as MailSystemId));
      add(
        'email-missing',
        'blocking',
        'mail-gateway',
        [entryRef('sending-ips'), ...senderEntries],
        remedies,
        emailFindingParams(primary, unique([...(gateway ? [gateway] : []), ...mailboxes])),
      );
      break;
    }
    case 'archived':
    case 'trash': {
      const id = evidence.placement === 'archived' ? 'email-archived' : 'email-in-trash';
      add(
        id,
        'minor',
        'mailbox',
        senderEntries,
        [],
        emailFindingParams(evidence.mailbox, mailboxes),
      );
      break;
    }
    case 'inbox': {
      const spamVerdict = SPAM_VERDICTS.has(evidence.filterVerdict);
      const filter = spamFilterOf(evidence);
      const systems = unique([filter, ...mailboxes, ...(gateway ? [gateway] : [])]);
      if (evidence.allowOverride === 'user-safe-sender') {
        // The user's own Safe Senders list decided (Exchange SFV:SFE, Outlook.com
        // OFR:TrustedSenderList): colleagues without that entry get the filter's verdict. With
        // a spam verdict, that is junk; without one, the check cannot tell.
        add(
          spamVerdict ? 'email-spam-allowed-by-user' : 'email-user-allow-only',
          spamVerdict ? 'blocking' : 'minor',
          'spam-filter',
          senderEntries,
          remediesFor(systems, 'allow-senders'),
          emailFindingParams(filter, systems),
        );
      } else if (spamVerdict && evidence.allowOverride === 'none') {
        // Scored as spam and delivered anyway (a filter that only tags, a gateway's verdict
        // the mailbox ignored): a stricter setting or a rule on the tag junks it.
        add(
          'email-marked-spam',
          'minor',
          'spam-filter',
          senderEntries,
          remediesFor(systems, 'allow-senders'),
          emailFindingParams(filter, systems),
        );
      }
      break;
    }
  }

  // A gateway in front makes the mailbox see the gateway's IP, so SPF fails although Raftr's
  // mail is fine (and a gateway that rewrites links or adds banners breaks DKIM too): the
  // mailbox must be told to look past the gateway (Enhanced Filtering for Connectors in
  // Microsoft 365, an inbound gateway in Google Workspace). email.md, "Headers".
  // Forwarding between mailboxes breaks SPF (another server sends it on) and, when the message
  // is changed, DKIM and so DMARC (RFC 7960): the forwarder must rewrite the envelope (SRS) or
  // seal with ARC, and the receiver trust that seal. Raftr's records are not at fault.
  const forwardingBreaksAuth =
    arrived && evidence.forwarded && (failed(evidence.spf) || failed(evidence.dmarc));
  if (forwardingBreaksAuth) {
    add(
      'email-forwarding-breaks-auth',
      authSeverity,
      'mail-gateway',
      [entryRef('mail-authentication')],
      remediesFor(mailboxes, 'trust-forwarder'),
      emailFindingParams(evidence.mailbox, mailboxes, checksWhere(evidence, failed)),
    );
  }

  // A temporary DNS error at the receiver (RFC 8601 §2.7.1 temperror): not an allow-list
  // problem, and the next message usually passes.
  const temporary = checksWhere(evidence, (v) => v === 'temperror');
  if (arrived && temporary) {
    add(
      'email-auth-temperror',
      'minor',
      'mail-gateway',
      [],
      [],
      emailFindingParams(spamFilterOf(evidence), mailboxes, temporary),
    );
  }

  const gatewayBreaksSpf =
    arrived && !forwardingBreaksAuth && gateway !== null && failed(evidence.spf);
  if (gatewayBreaksSpf && gateway) {
    add(
      'email-gateway-breaks-spf',
      authSeverity,
      'mail-gateway',
      [entryRef('mail-authentication')],
      remediesFor(mailboxes, 'trust-gateway'),
      emailFindingParams(gateway, mailboxes, 'SPF'),
    );
  }

  const authFailed =
    arrived &&
    !gatewayBreaksSpf &&
    !forwardingBreaksAuth &&
    (failed(evidence.dmarc) || (failed(evidence.spf) && !passed(evidence.dkim)));
  if (authFailed) {
    const checks = [checksWhere(evidence, failed)];
    // From Raftr's own sending IP, a failure is Raftr's to fix (its SPF or DKIM records);
    // from another address, something relayed the message on the way: trust it as a gateway.
    const fromRaftr = evidence.sendingIp === 'expected';
    add(
      'email-auth-failed',
      authSeverity,
      fromRaftr ? 'raftr' : 'mail-gateway',
      [entryRef('mail-authentication')],
      fromRaftr ? [] : remediesFor(mailboxes, 'trust-gateway'),
      emailFindingParams(spamFilterOf(evidence), mailboxes, checks.join(', ')),
    );
  }

  if (arrived && evidence.delay === 'over-15m') {
    // Greylisting and throttling happen at the first system to accept the connection.
    const systems = gateway ? [gateway] : mailboxes;
    add(
      'email-delayed',
      'minor',
      'mail-gateway',
      [entryRef('sending-ips')],
      remediesFor(systems, 'greylisting'),
      emailFindingParams(systems[0] as MailSystemId, systems),
    );
  }

  if (found.length === 0) {
    add('email-delivered', 'ok', 'none', [], [], emailFindingParams(evidence.mailbox, mailboxes));
  }
  return found;
}

/**
 * The organisation does not let its users approve the app that reads the mailbox (or the
 * sign-in window closed before the provider answered, which is how Google shows it): IT
 * approves the app by its client id, in its own console. Not derived from evidence: the check
 * never got to the mailbox.
 */
export function mailboxAccessFinding(
  provider: 'gmail' | 'microsoft',
  clientId: string,
): EmailFinding {
  const system: MailSystemId = provider === 'gmail' ? 'google-workspace' : 'microsoft-365';
  return {
    id: 'mailbox-access-blocked',
    severity: 'blocking',
    system: 'mailbox',
    entries: [],
    params: emailFindingParams(system, [system], clientId),
    remedies: [{ system, action: 'approve-app' }],
  };
}
