/**
 * Evidence: everything one diagnosis is made of, and nothing else. The diagnostic code
 * carries exactly this (utils/diagnostic-code.ts); every report is derived from it with the
 * same rules (`findingsFor`), so a decoder re-derives the findings the user saw.
 *
 * No personal data by construction: no email address, no name, no IP address, no URL the
 * user visited. Pure: no `browser.*` (the popup passes in what it read from the browser).
 */
import type { EmailEvidence } from './email/evidence';
import { type EmailFinding, emailFindings } from './email/findings';
import type { Finding } from './finding';
import { type NetworkEvidence, networkFindings } from './network/findings';

/** FIXED ORDER, append only: the diagnostic code stores the index. */
export const BROWSER_FAMILIES = ['chrome', 'edge', 'firefox', 'other'] as const;
export type BrowserFamily = (typeof BROWSER_FAMILIES)[number];

export interface BrowserInfo {
  family: BrowserFamily;
  /**
   * Major version; 0 = unknown. For 'other' browsers built on Chromium (Brave, Opera,
   * Vivaldi, plain Chromium) it is the Chromium major, which is what decides behaviour.
   */
  major: number;
}

export interface Evidence {
  /** When the evidence was gathered, in ms since the epoch, floored to the code's resolution. */
  createdAt: number;
  /** The extension's own version, "x.y.z". */
  extensionVersion: string;
  browser: BrowserInfo;
  /** The allow-list catalog version the findings were made with (utils/profile.ts). */
  profileVersion: number;
  network: NetworkEvidence | null;
  email: EmailEvidence | null;
}

/** The code stores the hour: enough to find the run in firewall and mail logs. */
export const EVIDENCE_TIME_RESOLUTION_MS = 3_600_000;

export function roundCreatedAt(ms: number): number {
  return Math.floor(ms / EVIDENCE_TIME_RESOLUTION_MS) * EVIDENCE_TIME_RESOLUTION_MS;
}

/** What the popup knows, assembled into one evidence. */
export interface EvidenceParts {
  extensionVersion: string;
  browser: BrowserInfo;
  profileVersion: number;
  network: NetworkEvidence | null;
  /** When the network check finished. */
  networkAt?: number;
  email: EmailEvidence | null;
  /** When the email evidence was gathered. */
  emailAt?: number;
}

/** One diagnosis from its parts; it is dated by its latest part. Null when there is none. */
export function assembleEvidence(parts: EvidenceParts): Evidence | null {
  if (!parts.network && !parts.email) return null;
  const times = [
    parts.network ? parts.networkAt : undefined,
    parts.email ? parts.emailAt : undefined,
  ];
  const known = times.filter((x): x is number => typeof x === 'number' && Number.isFinite(x));
  return {
    createdAt: roundCreatedAt(known.length ? Math.max(...known) : 0),
    extensionVersion: parts.extensionVersion,
    browser: parts.browser,
    profileVersion: parts.profileVersion,
    network: parts.network,
    email: parts.email,
  };
}

/** Every finding of a diagnosis: the network's first, then the email's. */
export function findingsFor(evidence: Evidence): (Finding | EmailFinding)[] {
  return [
    ...(evidence.network ? networkFindings(evidence.network) : []),
    ...(evidence.email ? emailFindings(evidence.email) : []),
  ];
}

/** One entry of `navigator.userAgentData.brands` (https://wicg.github.io/ua-client-hints/). */
export interface UaBrand {
  brand: string;
  version: string;
}

function majorOf(version: string | undefined): number {
  const major = Number.parseInt(version ?? '', 10);
  return Number.isFinite(major) && major > 0 ? major : 0;
}

/**
 * The browser family and major version. UA Client Hints brands are preferred where the
 * browser gives them: they name Edge, Brave and Opera, which the UA string of a Chromium
 * browser may not (Brave's is Chrome's, byte for byte). The brand list carries "GREASE"
 * entries like "Not_A Brand" on purpose; only known names are read.
 * https://developer.mozilla.org/en-US/docs/Web/API/NavigatorUAData/brands
 */
export function browserFromUserAgent(ua: string, brands?: readonly UaBrand[]): BrowserInfo {
  if (brands && brands.length > 0) {
    const find = (name: string) => brands.find((b) => b.brand === name);
    const chromium = majorOf(find('Chromium')?.version);
    const edge = find('Microsoft Edge');
    if (edge) return { family: 'edge', major: majorOf(edge.version) };
    const chrome = find('Google Chrome');
    if (chrome) return { family: 'chrome', major: majorOf(chrome.version) };
    if (chromium) return { family: 'other', major: chromium };
  }
  const token = (name: string) => new RegExp(`\\b${name}/(\\d+)`).exec(ua)?.[1];
  if (token('Firefox')) return { family: 'firefox', major: majorOf(token('Firefox')) };
  // Order matters: Edge and Opera also carry a Chrome/ token.
  if (token('Edg')) return { family: 'edge', major: majorOf(token('Edg')) };
  if (token('OPR') || token('SamsungBrowser') || token('YaBrowser') || token('Vivaldi')) {
    return { family: 'other', major: majorOf(token('Chrome')) };
  }
  if (token('Chrome')) return { family: 'chrome', major: majorOf(token('Chrome')) };
  return { family: 'other', major: 0 };
}
