/**
 * The network check's controller: starts, resumes and ends runs. The run lives in storage:
 * closing the popup does not stop it, and a service worker stopped mid-run picks the
 * unfinished probes up again when it starts (through the popup's port or the watchdog alarm).
 * Probes: probe.ts; the browser's evidence: web-request.ts; classification: utils/network.
 */
import { browser } from 'wxt/browser';
import { onMessage } from '@/utils/messaging';
import {
  classifyProbe,
  type ProbeEvidence,
  type ProbeObservation,
  summarizeObservation,
} from '@/utils/network/classify';
import { finishRun } from '@/utils/network/finish';
import {
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
import { networkChangedAtItem, networkRunItem } from '@/utils/storage';
import { setUpBadge } from './badge';
import { setUpHistory } from './history';
import { setUpNavigationWatch } from './navigation-watch';
import { addressOf, observe, observeInTab } from './probe';
import { setUpWebRequestRecorder } from './web-request';

/** The control probe's URL: the default, or the build's WXT_CONTROL_URL (README). */
const CONTROL_URL = controlUrlFrom(import.meta.env.WXT_CONTROL_URL);
const TARGETS = probeTargets(CONTROL_URL);
/** A run resumed this often without finishing ends with what it has. */
const MAX_RESUMES = 3;
/** The longest the tab probe waits for its name's fetch before it opens anyway. */
const TAB_DELAY_MS = 150;
/** The alarm that resumes a run if the worker was stopped while no popup was open. */
const WATCHDOG_ALARM = 'network-check-watchdog';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

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

/** The runs this worker is executing, by id: a click never joins another run by mistake. */
const active = new Map<string, Promise<NetworkRun>>();

/**
 * Chromium holds back an extension's request to a URL (scheme, host, port and path) that
 * answered 500, 503 or 509 three times in a row, with exponential back-off
 * (`net::ERR_TEMPORARILY_THROTTLED`; extensions/renderer/extension_throttle_entry.cc). Checking
 * again while Raftr, or a filter, answers 503 meets it. The browser refuses to ask because of
 * the answers it had: the last of them, from the previous run, stands for this one.
 */
function carriedOver(
  observation: ProbeObservation,
  previous: NetworkRun | null,
): ProbeEvidence | null {
  // Chromium's throttle cancels the request before webRequest sees it: the fetch fails with no
  // event at all (seen in Chromium 156); a build that reports the error names it.
  const throttled = observation.notSent || observation.error?.includes('ERR_TEMPORARILY_THROTTLED');
  if (!throttled) return null;
  const before = previous?.probes[observation.targetId]?.evidence;
  const status = before?.status;
  return before && status !== undefined && [500, 503, 509].includes(status)
    ? { ...before, carriedOver: true }
    : null;
}

/** A name that failed before any answer gets the address it led to (probe.ts addressOf). */
async function withAddress(
  target: ProbeTarget,
  observation: ProbeObservation,
  nonce: string,
): Promise<ProbeObservation> {
  if (target.role !== 'raftr-name' || !observation.error || observation.ip) return observation;
  const left = PROFILE.probeTimeoutMs - (observation.elapsedMs ?? 0);
  if (left <= 250) return observation;
  const ip = await addressOf(target, nonce, Math.min(left, 2_000));
  return ip ? { ...observation, ip } : observation;
}

async function execute(run: NetworkRun, previous: NetworkRun | null): Promise<NetworkRun> {
  const pending = new Set(pendingTargets(run));
  // Not awaited: the probes start now; the watchdog only matters if this worker is stopped.
  const watchdog = browser.alarms.create(WATCHDOG_ALARM, { delayInMinutes: 0.5 });
  await Promise.all(
    TARGETS.filter((target) => pending.has(target.id)).map(async (target) => {
      const nonce = `${run.id}-${run.resumes}`;
      const fetched = observe(target, nonce, PROFILE.probeTimeoutMs);
      // A tab costs a renderer process, which on a small machine slows the fetches running
      // beside it (measured: 45 ms for the five alone, 90–300 ms with the tab opening at the
      // same time). So it opens once the fetch of its name has ended, or after TAB_DELAY_MS
      // when the network is slow to answer, whichever comes first.
      const inTab = target.openedInTab
        ? Promise.race([fetched, sleep(TAB_DELAY_MS)]).then(() =>
            observeInTab(target, nonce, PROFILE.probeTimeoutMs),
          )
        : null;
      const [observation, inBrowser] = await Promise.all([fetched, inTab]);
      const evidence =
        carriedOver(observation, previous) ??
        summarizeObservation(await withAddress(target, observation, nonce));
      const result = classifyProbe(target, evidence);
      // What stops the user's own tabs outranks what the worker's fetch saw.
      const combined = inBrowser ? { ...result, outcome: inBrowser } : result;
      await updateRun((current) => withProbeResult(current, combined, evidence), run.id);
    }),
  );
  const done = await updateRun(
    (current) => (isComplete(current) ? finishRun(current, Date.now(), TARGETS) : current),
    run.id,
  );
  await watchdog;
  await browser.alarms.clear(WATCHDOG_ALARM);
  return done ?? run;
}

/**
 * Ends a run with what it has when its execution failed (storage or alarms refused): a run
 * must never stay `running` with nobody executing it.
 */
async function endWithWhatItHas(runId: string): Promise<NetworkRun | null> {
  try {
    return await updateRun(
      (current) =>
        current.state === 'running' ? finishRun(current, Date.now(), TARGETS) : current,
      runId,
    );
  } catch {
    return null;
  }
}

/** Executes a run once in this worker; failures end it with what it has. */
function runOnce(run: NetworkRun, previous: NetworkRun | null = null): Promise<NetworkRun> {
  let running = active.get(run.id);
  if (!running) {
    running = execute(run, previous)
      .catch(async () => (await endWithWhatItHas(run.id)) ?? run)
      .finally(() => active.delete(run.id));
    active.set(run.id, running);
  }
  return running;
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
    // Both reads at once: the popup waits for this answer before its probes start.
    const [last, changedAt] = await Promise.all([
      networkRunItem.getValue(),
      networkChangedAtItem.getValue(),
    ]);
    if (last?.state === 'running') return active.has(last.id) ? last : resume(last);
    if (!force && isFresh(last, Date.now(), PROFILE.freshResultMs, changedAt) && last) return last;
    const run = newRun(crypto.randomUUID(), Date.now());
    // Queued before any probe result, so the probes can start while it is written.
    void queueWrite(run).catch(() => {});
    void runOnce(run, last);
    return run;
  });
}

/** Pick up a run a stopped worker left behind: only its unfinished probes run again. */
async function resume(run: NetworkRun): Promise<NetworkRun> {
  if (run.resumes >= MAX_RESUMES) {
    const ended = finishRun(run, Date.now(), TARGETS);
    await queueWrite(ended);
    return ended;
  }
  const resumed = { ...run, resumes: run.resumes + 1 };
  await queueWrite(resumed);
  void runOnce(resumed);
  return resumed;
}

/**
 * Resumes the stored run if it is still `running` and nobody executes it; never starts one.
 * What a reconnecting popup and the watchdog alarm ask for: a popup left open must not start
 * new runs by itself when the browser stops and restarts the worker.
 */
export function resumeNetworkCheck(): Promise<NetworkRun | null> {
  return oneAtATime(async () => {
    const last = await networkRunItem.getValue();
    if (last?.state === 'running' && !active.has(last.id)) return resume(last);
    return last;
  });
}

/** The URL patterns of the Raftr names the extension may see navigations to (HTTPS and HTTP). */
function raftrNameUrls(): string[] {
  return TARGETS.filter((target) => target.role === 'raftr-name').flatMap((target) => {
    const { host } = new URL(target.url);
    return [`https://${host}/*`, `http://${host}/*`];
  });
}

/**
 * A verdict from before the connection changed is no longer this network's: the worker notes
 * the change (while it runs: a worker stopped at that moment hears nothing, and the verdict
 * then ages out as usual). `navigator.connection` is Chromium's; online/offline are everywhere.
 * https://developer.mozilla.org/docs/Web/API/NetworkInformation/change_event
 */
function watchConnection(): void {
  const changed = () => {
    networkChangedAtItem.setValue(Date.now()).catch(() => {});
  };
  const connection = (navigator as Navigator & { connection?: EventTarget }).connection;
  connection?.addEventListener('change', changed);
  globalThis.addEventListener?.('online', changed);
  globalThis.addEventListener?.('offline', changed);
}

export function setUpNetworkCheck(): void {
  setUpWebRequestRecorder(hostPermissionsFor(CONTROL_URL));
  setUpNavigationWatch(raftrNameUrls(), () => startNetworkCheck(true));
  setUpBadge();
  setUpHistory();
  watchConnection();
  onMessage('startNetworkCheck', ({ data }) => startNetworkCheck(data.force));
  onMessage('resumeNetworkCheck', () => resumeNetworkCheck());
  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === WATCHDOG_ALARM) resumeNetworkCheck().catch(() => {});
  });
  // The popup's port: opening it wakes a stopped worker, which then resumes the run.
  browser.runtime.onConnect.addListener(() => {});
  resumeNetworkCheck().catch(() => {});
}
