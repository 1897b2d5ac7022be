/**
 * Corpus of real, published e-mail header blocks with hand-written expected facts.
 * See SOURCES.md in this folder for where each block comes from and what it covers.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An SPF or DKIM result as the receiving organisation stamped it (RFC 8601 vocabulary). */
export type AuthResult =
  | 'pass'
  | 'fail'
  | 'softfail'
  | 'neutral'
  | 'none'
  | 'temperror'
  | 'permerror'
  | 'policy';

/** A DMARC result: the same vocabulary plus Microsoft's `bestguesspass`. */
export type DmarcResult = AuthResult | 'bestguesspass';

export type ReceivingSystem =
  | 'microsoft-365'
  | 'google-workspace'
  | 'outlook-com'
  | 'gmail-consumer'
  | 'yahoo'
  | 'protonmail'
  | 'fastmail'
  | 'icloud'
  | 'zoho'
  | 'postfix-spamassassin'
  | 'rspamd'
  | 'other';

export type Gateway =
  | 'proofpoint'
  | 'mimecast'
  | 'barracuda'
  | 'cisco'
  | 'sophos'
  | 'symantec'
  | 'hornetsecurity'
  | 'trend-micro';

export type SpamVerdict = 'not-spam' | 'spam' | 'high-confidence-spam' | 'bulk' | 'phish';

export type AllowOverride = 'user-safe-sender' | 'org-allow';

export type PlacementHint = 'inbox' | 'junk' | 'quarantine';

/** The facts an expert reads off the raw header block; `null` = the headers do not say. */
export interface EmailCorpusFacts {
  spf: AuthResult | null;
  dkim: AuthResult | null;
  dmarc: DmarcResult | null;
  /** The address the receiving organisation's own edge saw connect. */
  sendingIp: string | null;
  spamVerdict: SpamVerdict | null;
  allowOverride: AllowOverride | null;
  forwarded: boolean;
  placementHint: PlacementHint | null;
}

export interface EmailCorpusSample {
  id: string;
  /** File name of the raw header block, relative to this folder. */
  file: string;
  /** Where the header block was published. */
  source: string;
  sourceNote: string;
  receivingSystem: ReceivingSystem;
  gateway: Gateway | null;
  facts: EmailCorpusFacts;
  /** Which header line decided each non-obvious fact, and why the others do not count. */
  why: string;
}

const here = dirname(fileURLToPath(import.meta.url));

/** Every sample with its raw header block, read synchronously from this folder. */
export function loadEmailCorpus(): (EmailCorpusSample & { raw: string })[] {
  const samples = JSON.parse(readFileSync(join(here, 'facts.json'), 'utf8')) as EmailCorpusSample[];
  return samples.map((sample) => ({
    ...sample,
    raw: readFileSync(join(here, sample.file), 'utf8'),
  }));
}
