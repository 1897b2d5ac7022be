/**
 * What IT does about an email finding, in the receiving system's own terms: a remedy is a
 * system and an action; its words are the `remedy_<system>_<action>` messages, with
 * `remedyParams()`: $1 the sender domains, $2 the sending IPs, $3 the sender address (all
 * from the profile), $4 the sending IPs quoted for PowerShell, $5 the sender domains quoted,
 * $6 the sender address and domains quoted, $7 the sending IPs in CIDR notation, $8 the
 * finding's own detail. Apart from the rules (findings.ts) so that rendering a finding does
 * not load them: the popup's first paint renders network findings through the same code.
 */

import type { Finding } from '../finding';
import { messageName, type Translate } from '../i18n';
import { ENTRIES } from '../profile';
import type { MailSystemId } from './evidence';

/** What IT does, named once; the words per system are `remedy_<system>_<action>` messages. */
export type RemedyAction =
  | 'allow-senders'
  | 'allow-sending-ips'
  | 'check-quarantine'
  | 'trust-gateway'
  | 'greylisting'
  | 'remove-blocked-sender'
  | 'review-policy'
  | 'approve-app'
  | 'trust-forwarder';

export interface Remedy {
  system: MailSystemId;
  action: RemedyAction;
}

/** A finding with its remedies (utils/email/findings.ts makes them). */
export interface FindingWithRemedies extends Finding<string> {
  remedies: Remedy[];
}

/** "remedy_microsoft_365_allow_senders". */
export function remedyMessageName(remedy: Remedy): string {
  return messageName('remedy', remedy.system, remedy.action);
}

/** The substitutions of every `remedy_*` message (see the file comment), from the profile. */
export function remedyParams(): string[] {
  const quoted = (values: readonly string[]) => values.map((v) => `"${v}"`).join(',');
  const domains = ENTRIES['sender-domains'].values;
  const ips = ENTRIES['sending-ips'].values;
  const address = ENTRIES['sender-no-reply'].values;
  return [
    domains.join(', '),
    ips.join(', '),
    address.join(', '),
    quoted(ips),
    quoted(domains),
    quoted([...address, ...domains]),
    ips.map((ip) => (ip.includes(':') ? `${ip}/128` : `${ip}/32`)).join(', '),
  ];
}

export interface RemedyText {
  system: MailSystemId;
  /** The system's label (`mail_system_<id>`). */
  systemName: string;
  action: RemedyAction;
  text: string;
}

/** A finding's remedies in words, in order: what to do in which system. */
export function describeRemedies(finding: FindingWithRemedies, t: Translate): RemedyText[] {
  const params = [...remedyParams(), finding.params[5] ?? ''];
  return finding.remedies.map((remedy) => ({
    system: remedy.system,
    systemName: t(messageName('mail_system', remedy.system)),
    action: remedy.action,
    text: t(remedyMessageName(remedy), params),
  }));
}
