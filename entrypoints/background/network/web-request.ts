/**
 * The browser's own evidence for the probes: webRequest events for the probe URLs only (those
 * carrying PROBE_PARAM, under our host permissions), kept in memory by URL.
 *
 * A probe is classified only when all the evidence it will get is in: every record settles on
 * the request's last event (onCompleted, onErrorOccurred, or onBeforeRedirect for a
 * `redirect: 'manual'` fetch, which goes no further), and the probe waits for that (bounded),
 * not for a fixed pause. So the same network gives the same evidence, however the browser
 * interleaves the events with the fetch's own settling.
 * https://developer.chrome.com/docs/extensions/reference/api/webRequest#life-cycle-of-requests
 */
import { browser } from 'wxt/browser';

/** The query parameter that ties a probe's fetch to its webRequest events (and busts caches). */
export const PROBE_PARAM = 'raftr-access-check';

export interface WebRequestRecord {
  /** onBeforeRequest fired: the navigation became a request (a policy block never does). */
  started?: boolean;
  /** onSendHeaders fired: every extension's blocking rules let the request go to the network. */
  sent?: boolean;
  error?: string;
  status?: number;
  headers?: Record<string, string>;
  redirectUrl?: string;
  ip?: string;
  /** The request's last event arrived. */
  settled: boolean;
}

interface Entry {
  record: WebRequestRecord;
  /** Checks run at every change of the record (recordWhen). */
  waiters: (() => void)[];
}

const entries = new Map<string, Entry>();

function entryFor(url: string): Entry | undefined {
  if (!url.includes(`${PROBE_PARAM}=`)) return undefined;
  return entries.get(url);
}

/** Starts recording a probe URL (before its request is made). */
export function track(url: string): void {
  entries.set(url, { record: { settled: false }, waiters: [] });
}

/** What was recorded so far for a URL. */
export function recordOf(url: string): WebRequestRecord {
  return entries.get(url)?.record ?? { settled: false };
}

/**
 * Resolves as soon as the URL's record satisfies `done` (checked at every event), or at
 * `deadline` (performance.now()) with what there is.
 */
export function recordWhen(
  url: string,
  done: (record: WebRequestRecord) => boolean,
  deadline: number,
): Promise<WebRequestRecord> {
  const entry = entries.get(url);
  if (!entry || done(entry.record)) return Promise.resolve(recordOf(url));
  return new Promise((resolve) => {
    const finish = () => {
      clearTimeout(timer);
      entry.waiters = entry.waiters.filter((waiter) => waiter !== check);
      resolve(recordOf(url));
    };
    const check = () => {
      if (done(entry.record)) finish();
    };
    const timer = setTimeout(finish, Math.max(0, deadline - performance.now()));
    entry.waiters.push(check);
  });
}

/** Resolves when the URL's request has had its last event, or at `deadline` (performance.now()). */
export function settledBy(url: string, deadline: number): Promise<WebRequestRecord> {
  return recordWhen(url, (record) => record.settled, deadline);
}

/** Stops recording a URL. */
export function forget(url: string): void {
  entries.delete(url);
}

/** Tells the waiters of an entry that its record changed. */
function changed(entry: Entry): void {
  for (const check of [...entry.waiters]) check();
}

function settle(entry: Entry): void {
  entry.record.settled = true;
  changed(entry);
}

function headersOf(list: { name: string; value?: string }[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { name, value } of list ?? []) headers[name.toLowerCase()] = value ?? '';
  return headers;
}

/** Registered synchronously in main(), as MV3 requires for a worker woken by an event. */
export function setUpWebRequestRecorder(urls: string[]): void {
  const filter = { urls };
  browser.webRequest.onBeforeRequest.addListener((details) => {
    const entry = entryFor(details.url);
    if (!entry) return undefined;
    entry.record.started = true;
    changed(entry);
    return undefined;
  }, filter);
  browser.webRequest.onSendHeaders.addListener((details) => {
    const entry = entryFor(details.url);
    if (!entry) return;
    entry.record.sent = true;
    changed(entry);
  }, filter);
  browser.webRequest.onResponseStarted.addListener(
    (details) => {
      const entry = entryFor(details.url);
      if (!entry) return;
      entry.record.status = details.statusCode;
      entry.record.headers = headersOf(details.responseHeaders);
      entry.record.ip = details.ip ?? entry.record.ip;
      changed(entry);
    },
    filter,
    ['responseHeaders'],
  );
  browser.webRequest.onBeforeRedirect.addListener(
    (details) => {
      const entry = entryFor(details.url);
      if (!entry) return;
      entry.record.status = details.statusCode;
      entry.record.redirectUrl = details.redirectUrl;
      entry.record.headers = headersOf(details.responseHeaders);
      entry.record.ip = details.ip ?? entry.record.ip;
      // A manual-redirect fetch stops here; a tab follows, under another URL.
      settle(entry);
    },
    filter,
    ['responseHeaders'],
  );
  browser.webRequest.onCompleted.addListener((details) => {
    const entry = entryFor(details.url);
    if (!entry) return;
    entry.record.status ??= details.statusCode;
    entry.record.ip = details.ip ?? entry.record.ip;
    settle(entry);
  }, filter);
  browser.webRequest.onErrorOccurred.addListener((details) => {
    const entry = entryFor(details.url);
    if (!entry) return;
    // After a manual redirect the browser ends the request with an abort: keep the redirect.
    entry.record.error ??= details.error;
    entry.record.ip = (details as { ip?: string }).ip ?? entry.record.ip;
    settle(entry);
  }, filter);
}
