/**
 * Every storage item of the extension, in one place
 * (https://wxt.dev/storage), and the one reader of the enterprise policy (managed storage).
 * Nothing personal and no token is ever written here.
 */
import { browser } from 'wxt/browser';
import { storage } from 'wxt/utils/storage';
import type { EmailCheckState } from './email/check/state';
import type { AccessToken } from './email/oauth';
import type { NetworkResult } from './network/history';
import type { NetworkRun } from './network/run';
import { parseNetworkRun } from './network/run-schema';
import type { ParsedPolicy } from './policy';

/**
 * The current or last network check. Session storage: in memory, so writes reach the popup
 * without a disk round trip, and it outlives a stopped service worker (not a browser restart,
 * after which a result would be too old to show anyway).
 */
const storedNetworkRun = storage.defineItem<NetworkRun | null>('session:networkRun', {
  fallback: null,
  // v2: a probe's state may carry its evidence (utils/network/classify.ts ProbeEvidence), from
  // which the finished run is classified. A v1 run is a valid v2 run (evidence is optional):
  // it is shown, or resumed, as it is.
  version: 2,
  migrations: { 2: (run: NetworkRun | null) => run },
});

/** The network run item, validated when read back (utils/network/run-schema.ts). */
export const networkRunItem = {
  async getValue(): Promise<NetworkRun | null> {
    return parseNetworkRun(await storedNetworkRun.getValue());
  },
  setValue(run: NetworkRun | null): Promise<void> {
    return storedNetworkRun.setValue(run);
  },
  watch(callback: (run: NetworkRun | null) => void): () => void {
    return storedNetworkRun.watch((run) => callback(parseNetworkRun(run)));
  },
};

const storedNetworkHistory = storage.defineItem<NetworkResult[]>('local:networkHistory', {
  fallback: [],
  version: 1,
});

/** The history's validator, loaded when first needed: the popup's first paint does not use it. */
async function parseHistory(value: unknown): Promise<NetworkResult[]> {
  const { parseNetworkHistory } = await import('./network/history');
  return parseNetworkHistory(value);
}

/**
 * The last few finished network results (utils/network/history.ts), for "what changed since
 * the last check". Local: IT's fix may land the next day. Evidence only; validated when read.
 */
export const networkHistoryItem = {
  async getValue(): Promise<NetworkResult[]> {
    return parseHistory(await storedNetworkHistory.getValue());
  },
  setValue(history: NetworkResult[]): Promise<void> {
    return storedNetworkHistory.setValue(history);
  },
  watch(callback: (history: NetworkResult[]) => void): () => void {
    return watchInOrder(storedNetworkHistory, parseHistory, callback);
  },
};

/** A stored time, or null for anything that is not one (damaged or another version's value). */
function asTime(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : null;
}

function timeItem(key: `session:${string}`) {
  const item = storage.defineItem<number | null>(key, { fallback: null, version: 1 });
  return {
    async getValue(): Promise<number | null> {
      return asTime(await item.getValue());
    },
    setValue: (at: number) => item.setValue(at),
  };
}

/**
 * When browsing last started a network check (utils/network/navigation.ts): at most one per
 * few minutes. Only this time is kept: nothing of the navigation itself.
 */
export const autoCheckAtItem = timeItem('session:autoNetworkCheckAt');

const storedPendingNavigations = storage.defineItem<Record<string, number>>(
  'session:pendingRaftrNavigations',
  { fallback: {}, version: 1 },
);

/**
 * The user's navigations to a Raftr name still waiting for an answer: tab number → when it
 * started, for the few seconds until an answer or the slow-navigation check
 * (utils/network/navigation.ts). In memory, deleted as soon as decided; kept here only so that a
 * worker restarted meanwhile picks the wait up instead of forgetting it.
 */
export const pendingNavigationsItem = {
  async getValue(): Promise<Record<string, number>> {
    const value = await storedPendingNavigations.getValue();
    if (typeof value !== 'object' || value === null) return {};
    return Object.fromEntries(
      Object.entries(value).filter(([, at]) => asTime(at) !== null),
    ) as Record<string, number>;
  },
  setValue: (value: Record<string, number>) => storedPendingNavigations.setValue(value),
};

/**
 * When the worker last saw the connection change (online, offline, another network type): a
 * verdict from before it is no longer this network's, however young.
 */
export const networkChangedAtItem = timeItem('session:networkChangedAt');

/**
 * Watches an item whose validator is imported when first needed (the email check's and the
 * history's schemas stay out of the popup's first paint, `npm run bench`): each change is
 * validated, then handed on in the order it was written, never overtaken by an earlier one.
 */
function watchInOrder<Stored, Parsed>(
  item: { watch(callback: (value: Stored) => void): () => void },
  parse: (value: unknown) => Promise<Parsed>,
  callback: (value: Parsed) => void,
): () => void {
  let delivered: Promise<void> = Promise.resolve();
  return item.watch((value) => {
    delivered = delivered.then(() => parse(value).then(callback)).catch(() => {});
  });
}

const storedEmailCheck = storage.defineItem<EmailCheckState | null>('local:emailCheck', {
  fallback: null,
  // v2: error reasons 'blocked-by-admin', 'window-closed', 'sign-in-page-error' may appear; a
  // v1 state is a valid v2 state.
  version: 2,
  migrations: { 2: (state: EmailCheckState | null) => state },
});

/**
 * The current or last email check (utils/email/check/state.ts): phase, provider, deadline, the
 * test message's token, the evidence. Local, so the wait survives a stopped worker and the
 * popup shows the verdict later; validated when read back, and forgotten after
 * EMAIL_RESULT_TTL_MS (utils/email/check/schema.ts). No address, subject or access token goes
 * in here.
 */
async function parseEmail(value: unknown): Promise<EmailCheckState | null> {
  const { parseEmailCheck } = await import('./email/check/schema');
  return parseEmailCheck(value, Date.now());
}

export const emailCheckItem = {
  async getValue(): Promise<EmailCheckState | null> {
    return parseEmail(await storedEmailCheck.getValue());
  },
  setValue(state: EmailCheckState | null): Promise<void> {
    return storedEmailCheck.setValue(state);
  },
  watch(callback: (state: EmailCheckState | null) => void): () => void {
    return watchInOrder(storedEmailCheck, parseEmail, callback);
  },
  /** Deletes a stored check that is past its time (or not a check at all). */
  async removeIfStale(): Promise<void> {
    const stored = await storedEmailCheck.getValue();
    if (stored !== null && (await parseEmail(stored)) === null) {
      await storedEmailCheck.removeValue();
    }
  },
};

/**
 * The mailbox access token. Session storage only (never local or sync): it survives the
 * service worker being stopped, not the browser being closed, and content scripts cannot read
 * it (Chrome's default access level is TRUSTED_CONTEXTS).
 * https://developer.chrome.com/docs/extensions/reference/api/storage#property-session
 */
export const mailboxTokenItem = storage.defineItem<AccessToken | null>('session:mailboxToken', {
  fallback: null,
});

/**
 * Enterprise policy from managed storage (public/managed_schema.json), parsed and validated
 * (utils/policy.ts). Chrome returns {} when no policy is set; Firefox throws ("Managed storage
 * manifest not found"), as may a browser that has no value for the schema: all mean "no
 * policy". Read on every use: policy can change at run time.
 * https://developer.chrome.com/docs/extensions/reference/api/storage#property-managed
 * The parser is imported when first needed: the popup's first paint reads stored runs through
 * this module, and the policy's schema would add 3 KB gzipped to it (`npm run bench`).
 */
export async function readManagedPolicy(): Promise<ParsedPolicy> {
  const { parsePolicy } = await import('./policy');
  let raw: unknown = {};
  try {
    raw = await browser.storage.managed.get();
  } catch {
    raw = {};
  }
  return parsePolicy(raw);
}

/**
 * Calls `callback` whenever the policy changes: administrators can change it while a page is
 * open, and Chromium loads an extension's policy asynchronously, possibly after the page
 * opened. Returns the function that stops watching.
 */
export function watchManagedPolicy(callback: () => void): () => void {
  const onChanged = (_changes: unknown, area: string) => {
    if (area === 'managed') callback();
  };
  browser.storage.onChanged.addListener(onChanged);
  return () => browser.storage.onChanged.removeListener(onChanged);
}
