/**
 * What every finding is, network or email: an id, a severity, the system where the fix is made,
 * the exact allow-list entries (values from the profile, never literals) and the parameters of
 * its i18n messages (`finding_<id>_title|body|steps`, utils/i18n.ts). The rules that make them
 * live with their feature: utils/network/findings.ts, utils/email/findings.ts.
 */
import { type Direction, ENTRIES, type EntryId } from './profile';

export type Severity = 'ok' | 'info' | 'minor' | 'blocking';

/** The system a finding concerns: where the fix is made. */
export type SystemId =
  | 'none'
  | 'network-connection'
  | 'firewall'
  | 'web-proxy'
  | 'dns-filter'
  | 'web-filter'
  | 'tls-inspection'
  | 'captive-portal'
  | 'browser-policy'
  | 'extension'
  | 'raftr'
  | 'mail-gateway'
  | 'spam-filter'
  | 'mailbox';

/** An exact allow-list entry as IT must add it: values from the profile, never literals. */
export interface FindingEntry {
  entryId: EntryId;
  values: readonly string[];
  direction: Direction;
  protocol: string;
  ports: readonly number[];
}

export interface Finding<Id extends string = string> {
  id: Id;
  severity: Severity;
  system: SystemId;
  entries: FindingEntry[];
  /** Substitutions for the finding's i18n messages ($1, $2, …). */
  params: string[];
  /**
   * One more line of evidence, as a message id and its substitutions (e.g. what an
   * unrecognised filter showed: `detail_filter_page`, ["403", "Acceso denegado"]).
   */
  detail?: FindingDetail;
}

export interface FindingDetail {
  id: string;
  params: string[];
}

/** An entry from the catalog, optionally narrowed to the ports that failed. */
export function entryRef(entryId: EntryId, ports?: readonly number[]): FindingEntry {
  const entry = ENTRIES[entryId];
  return {
    entryId,
    values: entry.values,
    direction: entry.direction,
    protocol: entry.protocol,
    ports: ports ?? entry.ports,
  };
}

/** "TCP 443, 80" — ports as IT types them. */
export function formatProtocol(entry: FindingEntry): string {
  return entry.ports.length && entry.protocol === 'TCP'
    ? `${entry.protocol} ${entry.ports.join(', ')}`
    : entry.protocol;
}
