/**
 * Email findings: email evidence in, findings out (pure, like utils/findings.ts).
 * The fix is phrased in the receiving system's own terms through `remedies`: one per system
 * that may need changing (the gateway in front, then the mailbox platform; both Microsoft 365
 * and Google Workspace when the platform is unknown). Vendor vocabulary and sources:
 * shared/reference/email.md.
 */
import type { EmailEvidence, MailSystemId } from './email-evidence';
import { entryRef, type Finding, type Severity, type SystemId } from './findings';

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
] as const;
export type EmailFindingId = (typeof EMAIL_FINDING_IDS)[number];

/** What IT does, named once; the words per system are `remedy_<system>_<action>` messages. */
export type RemedyAction =
  | 'allow-senders'
  | 'allow-sending-ips'
  | 'check-quarantine'
  | 'trust-gateway'
  | 'greylisting'
  | 'remove-blocked-sender'
  | 'review-policy';

export interface Remedy {
  system: MailSystemId;
  action: RemedyAction;
}

export interface EmailFinding extends Finding<EmailFindingId> {
  remedies: Remedy[];
}

/** The systems whose settings may need the change: the gateway first, then the mailbox. */
function systemsToFix(evidence: EmailEvidence): MailSystemId[] {
  const systems: MailSystemId[] = [];
  if (evidence.gateway !== 'unknown') systems.push(evidence.gateway);
  if (evidence.mailbox !== 'unknown' && evidence.mailbox !== evidence.gateway) {
    systems.push(evidence.mailbox);
  }
  if (evidence.mailbox === 'unknown') systems.push('microsoft-365', 'google-workspace');
  return systems;
}

function remediesFor(systems: MailSystemId[], ...actions: RemedyAction[]): Remedy[] {
  return systems.flatMap((system) => actions.map((action) => ({ system, action })));
}

function emailFinding(
  id: EmailFindingId,
  severity: Severity,
  system: SystemId,
  entries: Finding['entries'],
  remedies: Remedy[],
): EmailFinding {
  return { id, severity, system, entries, params: [], remedies };
}

const failed = (verdict: EmailEvidence['spf']) => verdict === 'fail' || verdict === 'softfail';

export function emailFindings(evidence: EmailEvidence): EmailFinding[] {
  const found: EmailFinding[] = [];
  const systems = systemsToFix(evidence);
  const senderEntries = [entryRef('sender-no-reply'), entryRef('sender-domains')];

  // A gateway in front makes the mailbox see the gateway's IP, so SPF fails although Raftr's
  // mail is fine: the mailbox must be told to look past the gateway (Enhanced Filtering for
  // Connectors in Microsoft 365, an inbound gateway in Google Workspace).
  const gatewayBreaksSpf =
    evidence.gateway !== 'unknown' && evidence.sendingIp === 'other' && failed(evidence.spf);
  const authFailed =
    !gatewayBreaksSpf &&
    (evidence.dmarc === 'fail' || (failed(evidence.spf) && evidence.dkim !== 'pass'));

  if (evidence.filterVerdict === 'blocked-sender') {
    found.push(
      emailFinding('email-blocked-sender', 'blocking', 'mailbox', senderEntries, [
        { system: evidence.mailbox, action: 'remove-blocked-sender' },
      ]),
    );
  }
  if (evidence.filterVerdict === 'blocked-by-policy') {
    found.push(
      emailFinding(
        'email-blocked-by-policy',
        'blocking',
        'spam-filter',
        senderEntries,
        remediesFor(systems, 'review-policy'),
      ),
    );
  }

  switch (evidence.placement) {
    case 'spam':
      found.push(
        emailFinding(
          'email-in-spam',
          'blocking',
          'spam-filter',
          [...senderEntries, entryRef('sending-ips')],
          remediesFor(systems, 'allow-senders', 'allow-sending-ips'),
        ),
      );
      break;
    case 'missing':
      found.push(
        emailFinding(
          'email-missing',
          'blocking',
          'mail-gateway',
          [entryRef('sending-ips'), ...senderEntries],
          remediesFor(systems, 'check-quarantine', 'allow-sending-ips'),
        ),
      );
      break;
    case 'archived':
      found.push(emailFinding('email-archived', 'minor', 'mailbox', senderEntries, []));
      break;
    case 'trash':
      found.push(emailFinding('email-in-trash', 'minor', 'mailbox', senderEntries, []));
      break;
    case 'inbox':
      break;
  }

  if (gatewayBreaksSpf) {
    found.push(
      emailFinding(
        'email-gateway-breaks-spf',
        'blocking',
        'mail-gateway',
        [entryRef('mail-authentication')],
        evidence.mailbox === 'unknown'
          ? remediesFor(['microsoft-365', 'google-workspace'], 'trust-gateway')
          : [{ system: evidence.mailbox, action: 'trust-gateway' }],
      ),
    );
  }
  if (authFailed) {
    found.push(
      emailFinding('email-auth-failed', 'blocking', 'mail-gateway', [entryRef('mail-authentication')], []),
    );
  }
  if (evidence.delay === 'over-15m') {
    found.push(
      emailFinding(
        'email-delayed',
        'minor',
        'mail-gateway',
        [entryRef('sending-ips')],
        remediesFor(systems, 'greylisting'),
      ),
    );
  }
  if (!found.length) found.push(emailFinding('email-delivered', 'ok', 'none', [], []));
  return found;
}
