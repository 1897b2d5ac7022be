/**
 * The email figures of `npm run bench` (bin/bench.ts), measured on the simulated mail world
 * with the built extension (launch.ts), for the Gmail API and Microsoft Graph:
 *
 * - mailbox API calls to prepare a check (address, folders, the history of the last 30 days),
 *   per poll while waiting, and on the poll that finds the message: from the emulators' call
 *   log (`world.telemetry.calls`), split at the test-message request (what comes before it is
 *   preparation) and grouped into polls by the pauses between them;
 * - the time from the message's arrival in the emulated mailbox (`storedAt`: from then on the
 *   APIs list it) to the verdict: with the popup open, shown in the popup
 *   (`[data-testid="email-check"][data-state="done"]`, stamped by a MutationObserver in the
 *   page, so that Playwright's own polling does not count); with the popup closed, stored in
 *   extension storage (`emailCheck`), stamped by a `storage.onChanged` listener in another
 *   extension page. The closed run is the worst case: the popup closes right after the wait's
 *   first poll and the message arrives just after it, so the verdict waits for the next alarm.
 *
 * Plain functions; no Playwright test imports.
 */
import type { Page } from '@playwright/test';
import { EMAIL_ALARM_PERIOD_MINUTES, EMAIL_FAST_POLL_MS } from '@/utils/email/check/state';
import type { MailProvider } from '@/utils/email/oauth';
import { createPki, type TestPki } from '../ca';
import type { MailboxPlatform } from './constants';
import type { CallRecord } from './http';
import { launchWithMailWorld, type MailLaunch } from './launch';

interface Api {
  provider: MailProvider;
  mailbox: MailboxPlatform;
  label: string;
  /** Endpoint prefix in the emulators' call log. */
  prefix: string;
}

const APIS: readonly Api[] = [
  { provider: 'gmail', mailbox: 'google', label: 'Gmail API', prefix: 'gmail.' },
  { provider: 'microsoft', mailbox: 'microsoft', label: 'Microsoft Graph', prefix: 'graph.' },
];

/**
 * SendGrid's queue in the open runs: long enough for idle polls (every 2 s) first, and spread
 * over one poll interval from run to run, so that the message arrives at different moments
 * between two polls.
 */
const openSendDelayMs = (run: number, runs: number) =>
  4_000 + Math.round((EMAIL_FAST_POLL_MS * run) / runs);
/** In the closed run: the message comes shortly after the popup closed (worst case). */
const CLOSED_SEND_DELAY_MS = 2_000;
const OPEN_TARGET_MS = 5_000;
const ALARM_PERIOD_MS = EMAIL_ALARM_PERIOD_MINUTES * 60_000;
/** Calls of one poll come back to back; polls are ≥ 2 s apart. */
const POLL_GAP_MS = 700;
const TEST_MESSAGE = 'raftr.test-message';

/** One check's mailbox API calls. */
export interface CheckCalls {
  /** Before the test-message request: address, folders, history. */
  prepare: CallRecord[];
  /** After it, grouped into polls; the last one found the message. */
  polls: CallRecord[][];
}

export interface EmailRun {
  calls: CheckCalls;
  /** Message stored → verdict shown (open) or stored (closed), ms. */
  arrivalToVerdictMs: number;
  /** Message stored, ms after the last poll before it. */
  arrivedAfterPollMs: number;
}

export interface EmailFigures {
  api: Api;
  open: EmailRun[];
  closed: EmailRun | null;
  /** Why the closed run has no figure. */
  closedProblem?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms / 1000} s`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** The mailbox calls of the check whose test message was requested at `calls[index]`. */
function splitCalls(calls: readonly CallRecord[], from: number, prefix: string): CheckCalls {
  const own = calls.slice(from);
  const request = own.findIndex((c) => c.endpoint === TEST_MESSAGE);
  if (request < 0) throw new Error('the extension never asked Raftr for a test message');
  const mailbox = (c: CallRecord) => c.endpoint.startsWith(prefix);
  const polls: CallRecord[][] = [];
  for (const call of own.slice(request + 1).filter(mailbox)) {
    const current = polls[polls.length - 1];
    const last = current?.[current.length - 1];
    if (current && last && call.at - last.at < POLL_GAP_MS) current.push(call);
    else polls.push([call]);
  }
  return { prepare: own.slice(0, request).filter(mailbox), polls };
}

/** Resolves with the page's clock when `selector` matches (a MutationObserver in the page). */
function stampWhenShown(page: Page, selector: string): Promise<number> {
  // A string, not a function: tsx's name-keeping helpers do not exist in the page.
  return page.evaluate<number>(`new Promise((resolve) => {
    const selector = ${JSON.stringify(selector)};
    const observer = new MutationObserver(() => check());
    const check = () => {
      if (!document.querySelector(selector)) return false;
      observer.disconnect();
      resolve(Date.now());
      return true;
    };
    if (!check()) observer.observe(document, { subtree: true, attributes: true, childList: true });
  })`);
}

/** Resolves with the page's clock when extension storage holds a finished email check. */
function stampWhenStored(page: Page): Promise<number> {
  return page.evaluate<number>(`new Promise((resolve) => {
    const listener = (changes, area) => {
      const next = changes.emailCheck && changes.emailCheck.newValue;
      if (area !== 'local' || !next || next.phase !== 'done') return;
      chrome.storage.onChanged.removeListener(listener);
      resolve(Date.now());
    };
    chrome.storage.onChanged.addListener(listener);
  })`);
}

/**
 * The popup with the email check idle and its provider buttons ready. Every run ends with
 * `resetCheck`, so no stored verdict replaces the idle view a moment after it opened.
 */
async function idlePopup(launch: MailLaunch, api: Api): Promise<Page> {
  const popup = await launch.browser.openPopup();
  await popup
    .locator(`[data-testid="email-provider"][data-provider="${api.provider}"]:enabled`)
    .waitFor({ timeout: 15_000 });
  return popup;
}

/** "Check again" in a popup showing the verdict: the stored check is gone. */
async function resetCheck(popup: Page): Promise<void> {
  await popup.locator('[data-testid="email-check"][data-state="done"]').waitFor();
  await popup.getByTestId('email-check-again').click();
  await popup.locator('[data-testid="email-check"][data-state="idle"]').waitFor();
}

/**
 * When the check's test message reached the mailbox, and the last poll before that. The
 * message is then deleted, so that the next run's history reads the same mailbox.
 */
function arrivalOf(launch: MailLaunch, calls: CheckCalls): { storedAt: number; pollAt: number } {
  const token = launch.world.testMessages.at(-1)?.token ?? '';
  const stored = launch.world.store.byToken(token);
  if (!stored) throw new Error(`test message ${token} never reached the mailbox`);
  launch.world.store.remove(stored);
  const before = calls.polls.flat().filter((c) => c.at <= stored.storedAt);
  return { storedAt: stored.storedAt, pollAt: before.at(-1)?.at ?? Number.NaN };
}

/** One check with the popup open throughout: arrival → verdict shown. */
async function openRun(launch: MailLaunch, api: Api, sendDelayMs: number): Promise<EmailRun> {
  launch.world.setSendDelay(sendDelayMs);
  const popup = await idlePopup(launch, api);
  try {
    const from = launch.world.telemetry.calls.length;
    const shown = stampWhenShown(popup, '[data-testid="email-check"][data-state="done"]');
    // Awaited below; a failure before that must not become an unhandled rejection.
    shown.catch(() => {});
    await popup.locator(`[data-testid="email-provider"][data-provider="${api.provider}"]`).click();
    const shownAt = await within(shown, 60_000, `${api.label}: the verdict in the popup`);
    const calls = splitCalls(launch.world.telemetry.calls, from, api.prefix);
    const { storedAt, pollAt } = arrivalOf(launch, calls);
    await resetCheck(popup);
    return { calls, arrivalToVerdictMs: shownAt - storedAt, arrivedAfterPollMs: storedAt - pollAt };
  } finally {
    await popup.close();
  }
}

/**
 * One check with the popup closed once the wait began (its first poll done): the message comes
 * after that, and the verdict is stored at the next alarm's poll.
 */
async function closedRun(launch: MailLaunch, api: Api, watcher: Page): Promise<EmailRun> {
  launch.world.setSendDelay(CLOSED_SEND_DELAY_MS);
  const popup = await idlePopup(launch, api);
  const from = launch.world.telemetry.calls.length;
  const stored = stampWhenStored(watcher);
  stored.catch(() => {});
  await popup.locator(`[data-testid="email-provider"][data-provider="${api.provider}"]`).click();
  await popup.getByTestId('email-countdown').waitFor({ timeout: 30_000 });
  // The wait's first poll runs at once (popup open); close the popup right after it.
  const firstPoll = Date.now() + 10_000;
  while (
    splitCallsOrNull(launch.world.telemetry.calls, from, api.prefix)?.polls.length !== 1 &&
    Date.now() < firstPoll
  ) {
    await sleep(20);
  }
  await popup.close();
  const closedAt = Date.now();
  const storedAt = await within(stored, ALARM_PERIOD_MS * 2 + 15_000, `${api.label}: stored`);
  const calls = splitCalls(launch.world.telemetry.calls, from, api.prefix);
  const arrival = arrivalOf(launch, calls);
  const again = await launch.browser.openPopup();
  try {
    await resetCheck(again);
  } finally {
    await again.close();
  }
  if (arrival.storedAt < closedAt) {
    throw new Error('the message arrived before the popup closed: not a closed-popup figure');
  }
  return {
    calls,
    arrivalToVerdictMs: storedAt - arrival.storedAt,
    arrivedAfterPollMs: arrival.storedAt - arrival.pollAt,
  };
}

function splitCallsOrNull(calls: readonly CallRecord[], from: number, prefix: string) {
  try {
    return splitCalls(calls, from, prefix);
  } catch {
    return null;
  }
}

async function measureApi(
  api: Api,
  runs: number,
  pki: TestPki,
  extensionDir?: string,
): Promise<EmailFigures> {
  const launch = await launchWithMailWorld({
    pki,
    extensionDir,
    world: { mailbox: api.mailbox, rateLimitPerMinute: 1_000 },
  });
  try {
    const open: EmailRun[] = [];
    for (let i = 0; i < runs; i++) open.push(await openRun(launch, api, openSendDelayMs(i, runs)));
    const watcher = await launch.browser.context.newPage();
    await watcher.goto(`chrome-extension://${launch.browser.extensionId}/helpdesk.html`);
    let closed: EmailRun | null = null;
    let closedProblem: string | undefined;
    try {
      closed = await closedRun(launch, api, watcher);
    } catch (error) {
      closedProblem = error instanceof Error ? error.message : String(error);
    }
    if (process.env.BENCH_DETAIL) {
      for (const [i, run] of [...open, ...(closed ? [closed] : [])].entries()) {
        const kind = i < open.length ? `open ${i + 1}` : 'closed';
        const polls = run.calls.polls.map((p) => p.map((c) => c.endpoint).join('+')).join(' | ');
        console.log(
          `  ${api.label} ${kind}: ${Math.round(run.arrivalToVerdictMs)} ms (arrived ${Math.round(run.arrivedAfterPollMs)} ms after a poll); prepare ${run.calls.prepare.map((c) => c.endpoint).join('+')}; polls ${polls}`,
        );
      }
    }
    return { api, open, closed, closedProblem };
  } finally {
    await launch.close();
  }
}

/** "5 (gmail.get 3, gmail.list 1, gmail.profile 1)"; a range where runs differ. */
function describeCalls(lists: CallRecord[][], prefix: string): string {
  if (!lists.length) return 'n/a';
  const counts = lists.map((list) => list.length);
  const low = Math.min(...counts);
  const high = Math.max(...counts);
  const typical = lists.find((list) => list.length === median(counts)) ?? lists[0] ?? [];
  const byEndpoint = new Map<string, number>();
  for (const call of typical) {
    const name = call.endpoint.slice(prefix.length);
    byEndpoint.set(name, (byEndpoint.get(name) ?? 0) + 1);
  }
  const detail = [...byEndpoint].map(([name, n]) => `${name} ${n}`).join(', ');
  return `${low === high ? low : `${low}–${high}`} (${detail})`;
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Measures both mailbox APIs and prints the figures as Markdown tables. */
export async function measureEmail(
  options: { runs?: number; pki?: TestPki; extensionDir?: string } = {},
): Promise<EmailFigures[]> {
  const runs = options.runs ?? Number(process.env.BENCH_RUNS ?? 3);
  const pki = options.pki ?? createPki();
  const figures: EmailFigures[] = [];
  try {
    for (const api of APIS) figures.push(await measureApi(api, runs, pki, options.extensionDir));
  } finally {
    if (!options.pki) pki.cleanup();
  }

  console.log('\nEmail check, mailbox API calls (from the emulators’ call logs):');
  console.log('| API | to prepare a check | per poll while waiting | on the poll that finds it |');
  console.log('|---|---|---|---|');
  for (const { api, open, closed } of figures) {
    const all = [...open, ...(closed ? [closed] : [])];
    const idle = all.flatMap((run) => run.calls.polls.slice(0, -1));
    const finding = all.flatMap((run) => run.calls.polls.slice(-1));
    console.log(
      `| ${api.label} | ${describeCalls(
        all.map((run) => run.calls.prepare),
        api.prefix,
      )} | ${describeCalls(idle, api.prefix)} | ${describeCalls(finding, api.prefix)} |`,
    );
  }

  console.log(
    `\nEmail verdict, from the message's arrival in the mailbox (popup open: median of ${runs} runs):`,
  );
  console.log('| API | popup open: median (max) | target | met | popup closed | target | met |');
  console.log('|---|---|---|---|---|---|---|');
  for (const { api, open, closed, closedProblem } of figures) {
    const openMs = median(open.map((run) => run.arrivalToVerdictMs));
    const openMax = Math.max(...open.map((run) => run.arrivalToVerdictMs));
    const closedCell = closed
      ? `${seconds(closed.arrivalToVerdictMs)} (arrived ${seconds(closed.arrivedAfterPollMs)} after a poll)`
      : `n/a: ${closedProblem}`;
    const closedMet = closed && closed.arrivalToVerdictMs < ALARM_PERIOD_MS ? 'yes' : 'NO';
    console.log(
      `| ${api.label} | ${seconds(openMs)} (${seconds(openMax)}) | < ${seconds(OPEN_TARGET_MS)} | ${openMs < OPEN_TARGET_MS ? 'yes' : 'NO'} | ${closedCell} | < ${seconds(ALARM_PERIOD_MS)} (one alarm period) | ${closedMet} |`,
    );
  }
  return figures;
}
