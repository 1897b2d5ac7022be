/**
 * The user's own navigations to the Raftr names, watched for trouble (issue #12): a top-level
 * navigation that fails, is answered by a filter, is redirected off the Raftr names or hangs
 * starts a network check in the background (at most one per few minutes,
 * utils/network/navigation.ts). A navigation that succeeds starts nothing. Nothing of the
 * navigation is kept: only when the last such check started, and, while a navigation waits for
 * its first answer, its tab and start time (deleted once it is decided).
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
import { autoCheckAtItem, pendingNavigationsItem } from '@/utils/storage';
import { PROBE_PARAM } from './web-request';

/**
 * Tabs whose navigation to a Raftr name has had no answer yet: their slow-answer timers. By
 * tab, not by request, and an abort clears nothing: Chromium may abort a navigation's request
 * and restart it, in either order of events (keyed by request and cleared on abort, the silent-
 * drop e2e failed 1 run in 3). A user who stops the page meanwhile costs one check at most,
 * and a badge only if that check finds Raftr blocked. The wait is also noted in session storage
 * (pendingNavigationsItem): a worker restarted during it re-arms the timer instead of
 * forgetting the navigation (seen: the e2e's check never started, 1 run in 4).
 */
const waiting = new Map<number, ReturnType<typeof setTimeout>>();

/** Storage updates one at a time, so that two tabs never overwrite each other's entry. */
let pendingWrites: Promise<unknown> = Promise.resolve();
function updatePending(change: (pending: Record<string, number>) => void): void {
  pendingWrites = pendingWrites
    .then(async () => {
      const pending = await pendingNavigationsItem.getValue();
      change(pending);
      await pendingNavigationsItem.setValue(pending);
    })
    .catch(() => {});
}

function answered(tabId: number): void {
  clearTimeout(waiting.get(tabId));
  if (waiting.delete(tabId)) {
    updatePending((pending) => {
      delete pending[String(tabId)];
    });
  }
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

  /** Waits for an answer until `startedAt + NAVIGATION_SLOW_MS`, then counts the hang. */
  const arm = (tabId: number, startedAt: number) => {
    clearTimeout(waiting.get(tabId));
    waiting.set(
      tabId,
      setTimeout(
        () => {
          waiting.delete(tabId);
          updatePending((pending) => {
            delete pending[String(tabId)];
          });
          noticed({ kind: 'slow' });
        },
        Math.max(0, startedAt + NAVIGATION_SLOW_MS - Date.now()),
      ),
    );
  };

  browser.webRequest.onBeforeRequest.addListener((details) => {
    if (ours(details.url) || details.tabId < 0) return undefined;
    const { tabId } = details;
    const startedAt = Date.now();
    arm(tabId, startedAt);
    updatePending((pending) => {
      pending[String(tabId)] = startedAt;
    });
    return undefined;
  }, filter);
  // A worker restarted while a navigation waited picks the wait up where it was.
  pendingNavigationsItem
    .getValue()
    .then((pending) => {
      for (const [tabId, startedAt] of Object.entries(pending)) {
        if (!waiting.has(Number(tabId))) arm(Number(tabId), startedAt);
      }
    })
    .catch(() => {});
  browser.webRequest.onResponseStarted.addListener((details) => {
    if (!ours(details.url)) answered(details.tabId);
  }, filter);
  browser.webRequest.onBeforeRedirect.addListener((details) => {
    if (ours(details.url) || details.tabId < 0) return;
    answered(details.tabId);
    noticed({ kind: 'redirect', redirectUrl: details.redirectUrl });
  }, filter);
  browser.webRequest.onCompleted.addListener((details) => {
    if (ours(details.url) || details.tabId < 0) return;
    answered(details.tabId);
    noticed({ kind: 'completed', statusCode: details.statusCode });
  }, filter);
  browser.webRequest.onErrorOccurred.addListener((details) => {
    if (ours(details.url) || details.tabId < 0) return;
    // An abort is often a restart of the same navigation: the timer stays.
    if (!isNavigationTrouble({ kind: 'error', error: details.error })) return;
    answered(details.tabId);
    noticed({ kind: 'error', error: details.error });
  }, filter);
}
