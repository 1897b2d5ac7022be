/**
 * The probe engine: the background adapter between the browser and utils/network/classify.ts.
 *
 * Each probe is a fetch() from the service worker, bounded by AbortSignal.timeout so that a
 * silently dropped host is classified in ~4 s instead of the browser's 30–120 s. fetch()
 * hides why it failed, so webRequest listeners record the browser's own evidence for the
 * same URL (error string, status, headers, redirect target, address connected to).
 * The run lives in storage: closing the popup does not stop it, and a service worker stopped
 * mid-run picks the unfinished probes up again when it starts.
 */
import { browser } from 'wxt/browser';
import { onMessage } from '@/utils/messaging';
import { classifyError, classifyProbe, type ProbeObservation } from '@/utils/network/classify';
import {
  finishRun,
  isComplete,
  isFresh,
  type NetworkRun,
  newRun,
  pendingTargets,
  withProbeResult,
} from '@/utils/network/run';
import {
  controlUrlFrom,
  hostPermissionsFor,
  PROFILE,
  type ProbeTarget,
  probeTargets,
} from '@/utils/profile';
import { networkRunItem } from '@/utils/storage';

/** The query parameter that ties a probe's fetch to its webRequest events (and busts caches). */
const PROBE_PARAM = 'raftr-access-check';
/** Block pages are recognised from their first bytes; never read more. */
const BODY_LIMIT = 64 * 1024;
/** The control probe's URL: the default, or the build's WXT_CONTROL_URL (README). */
const CONTROL_URL = controlUrlFrom(import.meta.env.WXT_CONTROL_URL);
/** A run resumed this often without finishing ends with what it has. */
const MAX_RESUMES = 3;
/** The alarm that resumes a run if the worker was stopped while no popup was open. */
const WATCHDOG_ALARM = 'network-check-watchdog';

interface WebRequestRecord {
  /** onBeforeRequest fired: the navigation became a request (a policy block never does). */
  started?: boolean;
  /** onSendHeaders fired: every extension's blocking rules let the request go to the network. */
  sent?: boolean;
  error?: string;
  status?: number;
  headers?: Record<string, string>;
  redirectUrl?: string;
  ip?: string;
}

/** Evidence per probe URL, filled by the webRequest listeners. In memory only. */
const records = new Map<string, WebRequestRecord>();

function record(url: string): WebRequestRecord | undefined {
  if (!url.includes(`${PROBE_PARAM}=`)) return undefined;
  let entry = records.get(url);
  if (!entry) {
    entry = {};
    records.set(url, entry);
  }
  return entry;
}

function headersOf(list: { name: string; value?: string }[] | undefined): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const { name, value } of list ?? []) headers[name.toLowerCase()] = value ?? '';
  return headers;
}

/** Registered synchronously in main(), as MV3 requires for a worker woken by an event. */
function setUpWebRequestListeners(): void {
  const filter = { urls: hostPermissionsFor(CONTROL_URL) };
  browser.webRequest.onBeforeRequest.addListener((details) => {
    const entry = record(details.url);
    if (entry) entry.started = true;
    return undefined;
  }, filter);
  browser.webRequest.onSendHeaders.addListener((details) => {
    const entry = record(details.url);
    if (entry) entry.sent = true;
  }, filter);
  browser.webRequest.onErrorOccurred.addListener((details) => {
    const entry = record(details.url);
    if (entry) entry.error = details.error;
  }, filter);
  browser.webRequest.onBeforeRedirect.addListener(
    (details) => {
      const entry = record(details.url);
      if (!entry) return;
      entry.status = details.statusCode;
      entry.redirectUrl = details.redirectUrl;
      entry.headers = headersOf(details.responseHeaders);
      entry.ip = details.ip ?? entry.ip;
    },
    filter,
    ['responseHeaders'],
  );
  browser.webRequest.onResponseStarted.addListener(
    (details) => {
      const entry = record(details.url);
      if (!entry) return;
      entry.status = details.statusCode;
      entry.headers = headersOf(details.responseHeaders);
      entry.ip = details.ip ?? entry.ip;
    },
    filter,
    ['responseHeaders'],
  );
}

async function readBodyStart(response: Response): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < BODY_LIMIT) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(Math.min(size, BODY_LIMIT));
  let offset = 0;
  for (const chunk of chunks) {
    const part = chunk.subarray(0, bytes.length - offset);
    bytes.set(part, offset);
    offset += part.length;
  }
  return new TextDecoder().decode(bytes);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The browser-level probe. A URLBlocklist policy and other extensions' blocking rules apply to
 * navigations in tabs, not to this worker's fetch() (measured in Chromium 156: see
 * tests/e2e/network-check.spec.ts), so a name is also opened in a background tab, closed at
 * its first evidence. Another extension's block is reported by webRequest
 * (`net::ERR_BLOCKED_BY_CLIENT`); a policy block happens before any request exists, so it is
 * recognised as a tab that shows an error page (scripting refuses to run in error pages)
 * without any request having been seen. Only https URLs of our own host permissions are opened.
 */
export async function observeInTab(
  target: ProbeTarget,
  nonce: string,
  timeoutMs: number,
): Promise<'blocked-by-policy' | 'blocked-by-extension' | null> {
  const url = new URL('/favicon.ico', target.url);
  url.searchParams.set(PROBE_PARAM, `tab-${nonce}`);
  const key = url.href;
  records.set(key, {});
  let tabId: number | undefined;
  try {
    const tab = await browser.tabs.create({ url: key, active: false });
    tabId = tab.id;
    const deadline = performance.now() + timeoutMs;
    let loaded = false;
    while (performance.now() < deadline) {
      const seen = records.get(key);
      if (seen?.error || seen?.status || seen?.sent) break;
      if (tabId !== undefined) loaded = (await browser.tabs.get(tabId)).status === 'complete';
      if (loaded) break;
      await sleep(25);
    }
    const seen = records.get(key) ?? {};
    if (seen.error) {
      const outcome = classifyError(seen.error);
      return outcome === 'blocked-by-extension' || outcome === 'blocked-by-policy' ? outcome : null;
    }
    if (seen.sent || seen.started || seen.status !== undefined || !loaded || tabId === undefined) {
      return null;
    }
    // A tab whose navigation never became a request and shows an error page was stopped by the
    // browser itself; give late webRequest events a moment before concluding.
    await sleep(100);
    if (records.get(key)?.started) return null;
    return (await showsErrorPage(tabId)) ? 'blocked-by-policy' : null;
  } catch {
    return null;
  } finally {
    records.delete(key);
    if (tabId !== undefined) browser.tabs.remove(tabId).catch(() => {});
  }
}

/** Scripting refuses to run in an error page: "Frame with ID 0 is showing error page". */
async function showsErrorPage(tabId: number): Promise<boolean> {
  try {
    await browser.scripting.executeScript({ target: { tabId }, func: () => true });
    return false;
  } catch (error) {
    return /error page/i.test(String(error));
  }
}

/** One probe. Never throws: a failure is evidence. */
export async function observe(
  target: ProbeTarget,
  nonce: string,
  timeoutMs: number,
): Promise<ProbeObservation> {
  const url = new URL(target.url);
  url.searchParams.set(PROBE_PARAM, nonce);
  const key = url.href;
  records.set(key, {});
  const started = performance.now();
  const signal = AbortSignal.timeout(timeoutMs);
  let status: number | undefined;
  let body: string | undefined;
  let timedOut = false;
  try {
    const response = await fetch(key, {
      signal,
      redirect: 'manual',
      cache: 'no-store',
      credentials: 'omit',
    });
    if (response.type !== 'opaqueredirect') {
      status = response.status;
      // Only the time bound that is left may be spent on the body.
      body = await Promise.race([
        readBodyStart(response),
        new Promise<string>((resolve) => signal.addEventListener('abort', () => resolve(''))),
      ]);
    }
  } catch (error) {
    timedOut = signal.aborted;
    void error;
  }
  const elapsedMs = Math.round(performance.now() - started);
  // webRequest events may arrive just after fetch settles: give them a moment.
  for (
    let i = 0;
    i < 10 &&
    !timedOut &&
    status === undefined &&
    !records.get(key)?.error &&
    !records.get(key)?.status;
    i++
  ) {
    await sleep(20);
  }
  const seen = records.get(key) ?? {};
  records.delete(key);
  return {
    targetId: target.id,
    error: seen.error,
    timedOut,
    status: status ?? seen.status,
    headers: seen.headers,
    redirectUrl: seen.redirectUrl,
    body,
    ip: seen.ip,
    elapsedMs,
  };
}

/** Writes go through one queue so that parallel probes never overwrite each other's results. */
let writes: Promise<unknown> = Promise.resolve();
/** What this worker last wrote: saves a storage read per update while the worker lives. */
let lastWritten: NetworkRun | null = null;

function queueWrite(run: NetworkRun): Promise<NetworkRun> {
  const next = writes.then(async () => {
    lastWritten = run;
    await networkRunItem.setValue(run);
    return run;
  });
  writes = next.catch(() => {});
  return next;
}

function updateRun(
  change: (run: NetworkRun) => NetworkRun,
  runId: string,
): Promise<NetworkRun | null> {
  const next = writes.then(async () => {
    const current = lastWritten?.id === runId ? lastWritten : await networkRunItem.getValue();
    if (!current || current.id !== runId) return null;
    const updated = change(current);
    lastWritten = updated;
    await networkRunItem.setValue(updated);
    return updated;
  });
  writes = next.catch(() => {});
  return next;
}

/** The run this worker is executing, if any: two clicks never start two runs. */
let active: Promise<NetworkRun> | null = null;

async function execute(run: NetworkRun): Promise<NetworkRun> {
  const targets = probeTargets(CONTROL_URL);
  const pending = new Set(pendingTargets(run));
  // Not awaited: the probes start now; the watchdog only matters if this worker is stopped.
  const watchdog = browser.alarms.create(WATCHDOG_ALARM, { delayInMinutes: 0.5 });
  await Promise.all(
    targets
      .filter((target) => pending.has(target.id))
      .map(async (target) => {
        const nonce = `${run.id}-${run.resumes}`;
        const [observation, inBrowser] = await Promise.all([
          observe(target, nonce, PROFILE.probeTimeoutMs),
          target.openedInTab ? observeInTab(target, nonce, PROFILE.probeTimeoutMs) : null,
        ]);
        const result = classifyProbe(target, observation);
        // What stops the user's own tabs outranks what the worker's fetch saw.
        const combined = inBrowser ? { ...result, outcome: inBrowser } : result;
        await updateRun((current) => withProbeResult(current, combined), run.id);
      }),
  );
  const done = await updateRun(
    (current) => (isComplete(current) ? finishRun(current, Date.now()) : current),
    run.id,
  );
  await watchdog;
  await browser.alarms.clear(WATCHDOG_ALARM);
  return done ?? run;
}

function runOnce(run: NetworkRun): Promise<NetworkRun> {
  active ??= execute(run).finally(() => {
    active = null;
  });
  return active;
}

/**
 * Starting, resuming and reading the run go through one queue, so a click arriving while a
 * restarted worker is resuming never starts a second run.
 */
let decisions: Promise<unknown> = Promise.resolve();
function oneAtATime<T>(decide: () => Promise<T>): Promise<T> {
  const next = decisions.then(decide);
  decisions = next.catch(() => {});
  return next;
}

export function startNetworkCheck(force: boolean): Promise<NetworkRun> {
  return oneAtATime(async () => {
    const last = await networkRunItem.getValue();
    if (last?.state === 'running') return active ? last : resume(last);
    if (!force && last && isFresh(last, Date.now(), PROFILE.freshResultMs)) return last;
    const run = newRun(crypto.randomUUID(), Date.now());
    // Queued before any probe result, so the probes can start while it is written.
    void queueWrite(run);
    void runOnce(run);
    return run;
  });
}

/** Pick up a run a stopped worker left behind: only its unfinished probes run again. */
async function resume(run: NetworkRun): Promise<NetworkRun> {
  if (run.resumes >= MAX_RESUMES) {
    const ended = finishRun(run, Date.now());
    await queueWrite(ended);
    return ended;
  }
  const resumed = { ...run, resumes: run.resumes + 1 };
  await queueWrite(resumed);
  void runOnce(resumed);
  return resumed;
}

function resumeIfInterrupted(): Promise<void> {
  return oneAtATime(async () => {
    const last = await networkRunItem.getValue();
    if (last?.state === 'running' && !active) await resume(last);
  });
}

export function setUpNetworkCheck(): void {
  setUpWebRequestListeners();
  onMessage('startNetworkCheck', ({ data }) => startNetworkCheck(data.force));
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === WATCHDOG_ALARM) void resumeIfInterrupted();
  });
  // The popup's port: opening it wakes a stopped worker, which then resumes the run.
  browser.runtime.onConnect.addListener(() => {});
  void resumeIfInterrupted();
}
