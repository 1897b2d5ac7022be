/**
 * One probe: a fetch() from the background, bounded by AbortSignal.timeout so that a silently
 * dropped host is classified in ~4 s instead of the browser's 30–120 s, with the browser's own
 * evidence for the same URL from webRequest (web-request.ts). Never throws: a failure is
 * evidence.
 */
import { browser } from 'wxt/browser';
import { classifyError, type ProbeObservation } from '@/utils/network/classify';
import { decodeBody, MAX_PAGE_CHARS } from '@/utils/network/page';
import type { ProbeTarget } from '@/utils/profile';
import {
  forget,
  PROBE_PARAM,
  recordOf,
  recordWhen,
  settledBy,
  track,
  type WebRequestRecord,
} from './web-request';

/**
 * After the fetch settles, how long the request's last webRequest event may still take to
 * arrive. Events and the fetch's settling travel separately; this bounds the wait for a
 * browser that never sends the event, it is not a pause (settledBy returns at the event).
 */
const SETTLE_GRACE_MS = 1_000;

async function readBodyStart(response: Response): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < MAX_PAGE_CHARS) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, MAX_PAGE_CHARS));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
  }
  return bytes;
}

function headersOf(response: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return headers;
}

export async function observe(
  target: ProbeTarget,
  nonce: string,
  timeoutMs: number,
): Promise<ProbeObservation> {
  const url = new URL(target.url);
  url.searchParams.set(PROBE_PARAM, nonce);
  const key = url.href;
  track(key);
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  let status: number | undefined;
  let headers: Record<string, string> | undefined;
  let body: string | undefined;
  let timedOut = false;
  let failed = false;
  try {
    const response = await fetch(key, {
      signal,
      redirect: 'manual',
      cache: 'no-store',
      credentials: 'omit',
    });
    if (response.type !== 'opaqueredirect') {
      status = response.status;
      // The fetch's own headers: complete, and in hand before any webRequest event arrives.
      headers = headersOf(response);
      // Only the time bound that is left may be spent on the body.
      const bytes = await Promise.race([
        readBodyStart(response),
        new Promise<Uint8Array>((resolve) =>
          signal.addEventListener('abort', () => resolve(new Uint8Array())),
        ),
      ]);
      body = decodeBody(bytes, headers['content-type']);
    }
  } catch {
    timedOut = signal.aborted;
    failed = true;
  }
  const elapsedMs = Math.round(performance.now() - started);
  const seen = await settledBy(key, performance.now() + SETTLE_GRACE_MS);
  forget(key);
  // Firefox hands a `redirect: 'manual'` fetch no onBeforeRedirect: the 3xx arrives in
  // onResponseStarted and its target is only in the Location header (tests/sim/FIREFOX.md).
  const finalStatus = status ?? seen.status;
  const location = (headers ?? seen.headers)?.location;
  const redirectUrl =
    seen.redirectUrl ??
    (finalStatus !== undefined && finalStatus >= 300 && finalStatus < 400 && location
      ? resolved(location, key)
      : undefined);
  return {
    targetId: target.id,
    ...(seen.error !== undefined ? { error: seen.error } : {}),
    timedOut,
    ...((status ?? seen.status) !== undefined ? { status: status ?? seen.status } : {}),
    ...((headers ?? seen.headers) ? { headers: headers ?? seen.headers } : {}),
    ...(redirectUrl ? { redirectUrl } : {}),
    ...(body !== undefined ? { body } : {}),
    ...(seen.ip ? { ip: seen.ip } : {}),
    // The fetch failed and webRequest never saw the request: the browser did not make it.
    ...(failed && !timedOut && !seen.started && seen.error === undefined ? { notSent: true } : {}),
    elapsedMs,
  };
}

function resolved(location: string, base: string): string | undefined {
  try {
    return new URL(location, base).href;
  } catch {
    return undefined;
  }
}

/**
 * The address a name led to, when its HTTPS probe failed before any answer and the browser
 * reported none (Chromium gives no `ip` with a certificate error): the same name over plain
 * HTTP, redirects not followed, bounded. The browser resolves the name the same way, so the
 * address it connects to is the one the HTTPS probe met (a DNS filter's block server, say).
 */
export async function addressOf(
  target: ProbeTarget,
  nonce: string,
  timeoutMs: number,
): Promise<string | undefined> {
  const url = new URL(target.url);
  url.protocol = 'http:';
  url.searchParams.set(PROBE_PARAM, `address-${nonce}`);
  const key = url.href;
  track(key);
  try {
    await fetch(key, {
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'manual',
      cache: 'no-store',
      credentials: 'omit',
    }).then((response) => response.body?.cancel());
  } catch {
    // Whatever happened, the address is in the record if the connection was made.
  }
  const seen = await settledBy(key, performance.now() + SETTLE_GRACE_MS);
  forget(key);
  return seen.ip;
}

/**
 * The browser-level probe. A URLBlocklist policy and other extensions' blocking rules apply to
 * navigations in tabs, not to this worker's fetch() (measured in Chromium 156: see
 * tests/e2e/network-check.spec.ts), so the app is also opened in a background tab, closed at
 * its first evidence. It is an ordinary page load of https://app.raftr.com/favicon.ico: like
 * any visit it carries the user's Raftr cookies (README, "Privacy").
 *
 * The evidence, in order of weight:
 * - the request left the browser (onSendHeaders) or got an answer: nothing blocked the tab;
 * - it failed before that: another extension (`net::ERR_BLOCKED_BY_CLIENT`, Firefox's
 *   `NS_ERROR_ABORT` before sending) or a policy (`net::ERR_BLOCKED_BY_ADMINISTRATOR`);
 * - it never became a request at all within the probe's bound, and scripts cannot run in the
 *   tab: the browser itself refused the navigation (a policy block shows its own page). A tab
 *   reported complete is not enough on its own: Firefox reports its first about:blank complete
 *   before the navigation's request even starts (seen: 300 ms later).
 * Only https URLs of our own host permissions are opened.
 */
export async function observeInTab(
  target: ProbeTarget,
  nonce: string,
  timeoutMs: number,
): Promise<'blocked-by-policy' | 'blocked-by-extension' | null> {
  const url = new URL('/favicon.ico', target.url);
  url.searchParams.set(PROBE_PARAM, `tab-${nonce}`);
  const key = url.href;
  track(key);
  let tabId: number | undefined;
  try {
    const tab = await browser.tabs.create({ url: key, active: false });
    tabId = tab.id;
    const deadline = performance.now() + timeoutMs;
    const decided = (r: WebRequestRecord) => !!(r.error || r.status || r.sent || r.settled);
    // Chromium shows a policy block at once, as an error page it names: the fast path. Any
    // other browser, or wording, waits for the bound: a navigation that never starts.
    let seen = recordOf(key);
    while (!seen.started && !decided(seen) && performance.now() < deadline) {
      seen = await recordWhen(
        key,
        (r) => decided(r) || !!r.started,
        Math.min(deadline, performance.now() + 100),
      );
      if (seen.started || decided(seen) || tabId === undefined) break;
      if ((await browser.tabs.get(tabId)).status === 'complete' && (await namesErrorPage(tabId))) {
        return 'blocked-by-policy';
      }
    }
    if (!decided(seen)) seen = await recordWhen(key, decided, deadline);
    if (seen.error) {
      const outcome = classifyError(seen.error);
      if (outcome === 'blocked-by-extension' || outcome === 'blocked-by-policy') return outcome;
      // Firefox ends a navigation another extension blocked with NS_ERROR_ABORT before the
      // request is sent (tests/sim/FIREFOX.md); Chromium says ERR_BLOCKED_BY_CLIENT.
      if (/NS_ERROR_ABORT\b/.test(seen.error) && !seen.sent) return 'blocked-by-extension';
      return null;
    }
    if (seen.started || decided(seen) || tabId === undefined) return null;
    // The bound passed and the navigation never became a request: a browser refusal, if
    // scripts cannot run in the tab either (an unloaded tab proves nothing).
    return (await scriptsRefused(tabId)) ? 'blocked-by-policy' : null;
  } catch {
    return null;
  } finally {
    forget(key);
    if (tabId !== undefined) browser.tabs.remove(tabId).catch(() => {});
  }
}

/** Chromium refuses scripting in its error page, and says so: "…is showing error page". */
async function namesErrorPage(tabId: number): Promise<boolean> {
  try {
    await browser.scripting.executeScript({ target: { tabId }, func: () => true });
    return false;
  } catch (error) {
    return /showing error page/i.test(String(error));
  }
}

/** Scripts cannot run in a tab that finished loading (whatever the browser says why). */
async function scriptsRefused(tabId: number): Promise<boolean> {
  try {
    if ((await browser.tabs.get(tabId)).status !== 'complete') return false;
    await browser.scripting.executeScript({ target: { tabId }, func: () => true });
    return false;
  } catch {
    return true;
  }
}
