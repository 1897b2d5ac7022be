/**
 * Noticing Raftr fail while the user browses (issue #12): which of the user's own top-level
 * navigations to a Raftr name say "something may be in the way", so that a network check starts
 * in the background; and what the toolbar badge shows for a check's result.
 *
 * Pure: the background feeds it webRequest events of main-frame requests to the Raftr names
 * (entrypoints/background/network/navigation-watch.ts) and nothing about the navigation is
 * kept: not its URL, not its time. A navigation only ever starts a check; the verdict is the
 * check's, from its own evidence, so a false alarm here costs one check and no badge.
 */
import { isRaftrHost } from '../profile';
import { type NetworkEvidence, networkFindings, type VerdictId, verdictOf } from './findings';
import { evidenceOf, type NetworkRun } from './run';

/** What the browser said of one navigation, reduced to what the decision needs. */
export type NavigationEvent =
  | { kind: 'error'; error: string }
  | { kind: 'completed'; statusCode: number }
  | { kind: 'redirect'; redirectUrl: string }
  /** No answer yet after NAVIGATION_SLOW_MS: a silent drop looks like this for minutes. */
  | { kind: 'slow' };

/** A navigation still unanswered after this long is worth a check (a dropped host hangs ~2 min). */
export const NAVIGATION_SLOW_MS = 8_000;
/** At most one check started by browsing per this many milliseconds. */
export const AUTO_CHECK_MIN_GAP_MS = 3 * 60_000;

/**
 * Errors that are the user's or the page's doing, not the network's: a navigation stopped,
 * replaced or turned into a download.
 * https://source.chromium.org/chromium/chromium/src/+/main:net/base/net_error_list.h
 */
const NOT_THE_NETWORK = new Set(['net::ERR_ABORTED', 'NS_BINDING_ABORTED']);

/**
 * Whether this navigation event is a sign of trouble worth a check:
 * - a network error (DNS, refused, reset, timed out, certificate, a policy or extension block);
 * - an answer a filter gives: 407, or a 403/451/5xx, which a block page or a failing proxy sends
 *   (Raftr's own 5xx is sorted out by the check, which asks Raftr's IP too);
 * - a redirect off the Raftr names (a block or portal redirect), except to HTTPS on another
 *   Raftr name;
 * - no answer for NAVIGATION_SLOW_MS.
 * A 2xx or 3xx within the Raftr names is not: a healthy navigation never starts a check.
 */
export function isNavigationTrouble(event: NavigationEvent): boolean {
  switch (event.kind) {
    case 'error':
      return !NOT_THE_NETWORK.has(event.error);
    case 'completed':
      return event.statusCode === 407 || event.statusCode === 403 || event.statusCode === 451
        ? true
        : event.statusCode >= 500;
    case 'redirect':
      return !isRaftrRedirect(event.redirectUrl);
    case 'slow':
      return true;
  }
}

function isRaftrRedirect(url: string): boolean {
  try {
    const { hostname, protocol } = new URL(url);
    return isRaftrHost(hostname) && (protocol === 'https:' || protocol === 'http:');
  } catch {
    return false;
  }
}

/** Whether a check may start now, given when browsing last started one. */
export function mayAutoCheck(lastAutoCheckAt: number | null, now: number): boolean {
  return lastAutoCheckAt === null || now - lastAutoCheckAt >= AUTO_CHECK_MIN_GAP_MS;
}

/** The badge for a check's result: a mark and its title's message id, or none. */
export interface Badge {
  text: string;
  titleKey: string;
}

/** Verdicts the badge reports: Raftr cannot be used from here. */
const BADGED: ReadonlySet<VerdictId> = new Set(['blocked', 'captive-portal', 'offline']);

/**
 * The toolbar badge for a run: a mark after a failed check, nothing while all is well or the
 * result is unknown (running, Raftr's own trouble, only a minor finding).
 */
export function badgeFor(run: NetworkRun | null): Badge | null {
  const evidence: NetworkEvidence | null = run?.state === 'done' ? evidenceOf(run) : null;
  if (!evidence) return null;
  const verdict = verdictOf(networkFindings(evidence));
  return BADGED.has(verdict)
    ? { text: '!', titleKey: `badge_title_${verdict.replace(/-/g, '_')}` }
    : null;
}
