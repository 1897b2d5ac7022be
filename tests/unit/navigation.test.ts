/**
 * Which of the user's navigations start a check, how often, and what the badge shows
 * (utils/network/navigation.ts, issue #12).
 */
import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '@/utils/network/classify';
import {
  AUTO_CHECK_MIN_GAP_MS,
  badgeFor,
  isNavigationTrouble,
  mayAutoCheck,
} from '@/utils/network/navigation';
import type { Outcome } from '@/utils/network/outcomes';
import { isFresh, type NetworkRun, newRun, withProbeResult } from '@/utils/network/run';
import { PROBE_TARGET_IDS, type ProbeTargetId } from '@/utils/profile';

function doneRun(outcomes: Partial<Record<ProbeTargetId, Outcome>>): NetworkRun {
  let run = newRun('r', 0);
  for (const targetId of PROBE_TARGET_IDS) {
    const result: ProbeResult = { targetId, outcome: outcomes[targetId] ?? 'ok' };
    run = withProbeResult(run, result);
  }
  return { ...run, state: 'done', finishedAt: 1000 };
}

describe('a navigation worth a check', () => {
  it('is a network error, a filter’s answer, a redirect off the Raftr names or a hang', () => {
    for (const error of [
      'net::ERR_NAME_NOT_RESOLVED',
      'net::ERR_CONNECTION_REFUSED',
      'net::ERR_CONNECTION_RESET',
      'net::ERR_CONNECTION_TIMED_OUT',
      'net::ERR_CERT_AUTHORITY_INVALID',
      'net::ERR_BLOCKED_BY_ADMINISTRATOR',
      'net::ERR_BLOCKED_BY_CLIENT',
    ]) {
      expect(isNavigationTrouble({ kind: 'error', error }), error).toBe(true);
    }
    for (const statusCode of [403, 407, 451, 500, 502, 503]) {
      expect(isNavigationTrouble({ kind: 'completed', statusCode }), String(statusCode)).toBe(true);
    }
    expect(
      isNavigationTrouble({
        kind: 'redirect',
        redirectUrl: 'http://block.campus.example/?url=app.raftr.com',
      }),
    ).toBe(true);
    expect(isNavigationTrouble({ kind: 'redirect', redirectUrl: 'not a url' })).toBe(true);
    expect(isNavigationTrouble({ kind: 'slow' })).toBe(true);
  });

  it('is never a healthy navigation, nor one the user stopped', () => {
    for (const statusCode of [200, 204, 301, 302, 304, 404]) {
      expect(isNavigationTrouble({ kind: 'completed', statusCode }), String(statusCode)).toBe(
        false,
      );
    }
    for (const redirectUrl of [
      'https://app.raftr.com/login',
      'https://www.raftr.com/',
      'https://raftr.com/',
      'http://app.raftr.com/',
    ]) {
      expect(isNavigationTrouble({ kind: 'redirect', redirectUrl }), redirectUrl).toBe(false);
    }
    expect(isNavigationTrouble({ kind: 'error', error: 'net::ERR_ABORTED' })).toBe(false);
    expect(isNavigationTrouble({ kind: 'error', error: 'NS_BINDING_ABORTED' })).toBe(false);
  });

  it('starts at most one check per few minutes', () => {
    expect(mayAutoCheck(null, 5)).toBe(true);
    expect(mayAutoCheck(1_000, 1_000 + AUTO_CHECK_MIN_GAP_MS - 1)).toBe(false);
    expect(mayAutoCheck(1_000, 1_000 + AUTO_CHECK_MIN_GAP_MS)).toBe(true);
  });
});

describe('the badge', () => {
  it('marks a check that found Raftr blocked, behind a portal, or offline', () => {
    expect(
      badgeFor(doneRun({ 'app-https': 'proxy-blocked', 'web-https': 'proxy-blocked' })),
    ).toEqual({ text: '!', titleKey: 'badge_title_blocked' });
    expect(
      badgeFor(doneRun({ 'api-ip-https': 'timeout', 'api-ip-http': 'timeout' }))?.titleKey,
    ).toBe('badge_title_blocked');
    const offline = Object.fromEntries(PROBE_TARGET_IDS.map((id) => [id, 'offline' as const]));
    expect(badgeFor(doneRun(offline))?.titleKey).toBe('badge_title_offline');
  });

  it('shows nothing while all is well, unknown or still running', () => {
    expect(badgeFor(null)).toBeNull();
    expect(badgeFor(doneRun({}))).toBeNull();
    expect(badgeFor(newRun('r', 0))).toBeNull();
  });

  it('has a title in every locale for every mark it can show', async () => {
    const { CATALOGS, LANGUAGES } = await import('@/utils/catalogs');
    for (const language of LANGUAGES) {
      for (const key of [
        'badge_title_blocked',
        'badge_title_captive_portal',
        'badge_title_offline',
      ]) {
        expect(CATALOGS[language][key]?.message, `${language} ${key}`).toBeTruthy();
      }
    }
  });
});

describe('a verdict’s freshness', () => {
  it('ends when the connection changed after it, however young it is', () => {
    const done = doneRun({});
    expect(isFresh(done, 2_000, 60_000, null)).toBe(true);
    expect(isFresh(done, 2_000, 60_000, 500)).toBe(true);
    expect(isFresh(done, 2_000, 60_000, 1_000)).toBe(false);
    expect(isFresh(done, 2_000, 60_000, 1_500)).toBe(false);
  });
});
