/**
 * The check's messages as evidence (analysis.ts): one found in the mailbox, one that never
 * came, one the user says they found. The transitions (the verdict) and the sequences (the
 * 30 days) both read messages through these.
 */
import { analyzeMessage } from '../analysis';
import type { EmailEvidence, MailSystemId, Placement } from '../evidence';
import type { MailboxMessage } from '../mailbox/client';
import { gmailTab } from '../mailbox/gmail';
import type { MailProvider } from '../oauth';
import type { EmailCheckState } from './state';

/** The mailbox platform a provider stands for (what the fix must be phrased in). */
function mailboxSystemOf(provider: MailProvider | null): MailSystemId {
  if (provider === 'gmail') return 'google-workspace';
  if (provider === 'microsoft') return 'microsoft-365';
  return 'unknown';
}

/** Evidence for a message found in the mailbox. */
export function messageEvidence(
  message: MailboxMessage,
  context: { provider: MailProvider; sentAt: number | null; mxSystem: MailSystemId },
): EmailEvidence {
  const location = message.location;
  return analyzeMessage({
    headers: message.headers,
    ...(location.provider === 'gmail'
      ? { labelIds: location.labelIds }
      : { folder: location.folder }),
    ...(context.sentAt !== null ? { sentAt: context.sentAt } : {}),
    ...(message.receivedAt !== null ? { receivedAt: message.receivedAt } : {}),
    mailboxSystem: mailboxSystemOf(context.provider),
    mxSystem: context.mxSystem,
    source: 'mailbox',
  });
}

/** Gmail tab or Outlook Focused/Other, for display. */
export function messageTab(message: MailboxMessage): string | null {
  const location = message.location;
  if (location.provider === 'gmail') return gmailTab(location.labelIds);
  return location.folder === 'inbox' ? location.inferenceClassification : null;
}

/**
 * Evidence of a placement alone, with no message to read: the one that never came
 * ('missing', source 'mailbox'), or where the user says they found it ('user-reported').
 */
export function placementEvidence(
  state: Pick<EmailCheckState, 'provider' | 'mxSystem'>,
  placement: Placement,
  source: 'mailbox' | 'user-reported',
): EmailEvidence {
  return analyzeMessage({
    placement,
    mailboxSystem: mailboxSystemOf(state.provider),
    mxSystem: state.mxSystem,
    source,
  });
}
