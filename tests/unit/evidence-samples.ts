/**
 * Evidence as the tests (and the summarize benchmark) build it by hand: every probe reachable,
 * the two common email results, and a whole diagnosis at a given hour. One place, so that a
 * change of the evidence's shape is made once.
 */
import type { EmailEvidence } from '../../utils/email/evidence';
import type { Evidence } from '../../utils/evidence';
import type { NetworkEvidence } from '../../utils/network/findings';

export const HOUR = 3_600_000;

export const ALL_OK: NetworkEvidence['outcomes'] = {
  'app-https': 'ok',
  'web-https': 'ok',
  'api-ip-https': 'ok',
  'api-ip-http': 'ok',
  control: 'ok',
};

/** Raftr's message in the inbox, everything passing (Google Workspace). */
export const DELIVERED: EmailEvidence = {
  source: 'mailbox',
  placement: 'inbox',
  spf: 'pass',
  dkim: 'pass',
  dmarc: 'pass',
  sendingIp: 'expected',
  mailbox: 'google-workspace',
  gateway: 'unknown',
  filterVerdict: 'none',
  allowOverride: 'none',
  forwarded: false,
  delay: 'under-1m',
};

/** Raftr's message in junk, authentication passing, the filter's spam verdict (Microsoft 365). */
export const SPAM: EmailEvidence = {
  ...DELIVERED,
  placement: 'spam',
  mailbox: 'microsoft-365',
  filterVerdict: 'spam',
};

/** A diagnosis made at `createdAt` (a whole hour, as codes carry it). */
export function evidenceAt(
  createdAt: number,
  network: NetworkEvidence | null,
  email: EmailEvidence | null = null,
): Evidence {
  return {
    createdAt,
    extensionVersion: '0.2.0',
    browser: { family: 'chrome', major: 144 },
    profileVersion: 1,
    network,
    email,
  };
}
