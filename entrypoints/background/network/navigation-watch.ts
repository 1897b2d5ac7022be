/**
 * The user's own navigations to the Raftr names, watched for trouble (issue #12): a top-level
 * navigation that fails, is answered by a filter, is redirected off the Raftr names or hangs
 * starts a network check in the background (at most one per few minutes,
 * utils/network/navigation.ts). A navigation that succeeds starts nothing. Nothing of the
 * navigation is stored: only when the last such check started.
 *
 * webRequest reports main-frame requests only for hosts the extension may access: the Raftr
 * names of its host permissions. The probes' own tab carries PROBE_PARAM and is left out.
 */
import { browser } from 'wxt/browser';
import {
  isNavigationTrouble,
  mayAutoCheck,
  NAVIGATION_SLOW_MS,
  type NavigationEvent,
} from '@/utils/network/navigation';
import { autoCheckAtItem } from '@/utils/storage';
import { PROBE_PARAM } from './web-request';

/** Navigations seen starting and not answered yet: their slow-answer timers, by request id. */
const waiting = new Map<string, ReturnType<typeof setTimeout>>();

function answered(requestId: string): void {
  clearTimeout(waiting.get(requestId));
  waiting.delete(requestId);
}

export function setUpNavigationWatch(raftrNameUrls: string[], startCheck: () => unknown): void {
  const filter = { urls: raftrNameUrls, types: ['main_frame' as const] };
  const ours = (url: string) => url.includes(`${PROBE_PARAM}=`);

  let deciding: Promise<void> = Promise.resolve();
  const noticed = (event: NavigationEvent) => {
    if (!isNavigationTrouble(event)) return;
    // One decision at a time, so that two failing navigations start one check.
    deciding = deciding
      .then(async () => {
        const now = Date.now();
        if (!mayAutoCheck(await autoCheckAtItem.getValue(), now)) return;
        await autoCheckAtItem.setValue(now);
        await startCheck();
      })
      .catch(() => {});
  };

  browser.webRequest.onBeforeRequest.addListener((details) => {
    if (ours(details.url) || details.tabId < 0) return undefined;
    answered(details.requestId);
    const { requestId } = details;
    waiting.set(
      requestId,
      setTimeout(() => {
        waiting.delete(requestId);
        noticed({ kind: 'slow' });
      }, NAVIGATION_SLOW_MS),
    );
    return undefined;
  }, filter);
  browser.webRequest.onResponseStarted.addListener((details) => {
    answered(details.requestId);
  }, filter);
  browser.webRequest.onBeforeRedirect.addListener((details) => {
    answered(details.requestId);
    if (ours(details.url) || details.tabId < 0) return;
    noticed({ kind: 'redirect', redirectUrl: details.redirectUrl });
  }, filter);
  browser.webRequest.onCompleted.addListener((details) => {
    answered(details.requestId);
    if (ours(details.url) || details.tabId < 0) return;
    noticed({ kind: 'completed', statusCode: details.statusCode });
  }, filter);
  browser.webRequest.onErrorOccurred.addListener((details) => {
    answered(details.requestId);
    if (ours(details.url) || details.tabId < 0) return;
    noticed({ kind: 'error', error: details.error });
  }, filter);
}
