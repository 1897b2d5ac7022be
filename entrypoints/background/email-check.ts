/**
 * The email check's background adapter: sign-in (identity.launchWebAuthFlow, code + PKCE),
 * the mailbox APIs, DNS over HTTPS, Raftr's test-message endpoint, alarms and notifications.
 * Every decision is a pure transition of utils/email/check/state.ts; this file does the I/O.
 *
 * The wait survives the popup closing and the worker being stopped: the state is in `local:`
 * storage, the access token in `session:` storage, and a 30-second alarm polls while no popup
 * is open (Chrome's minimum period, https://developer.chrome.com/docs/extensions/reference/api/alarms).
 * With a popup connected (port EMAIL_PORT_NAME) the poll runs every 2 s instead.
 *
 * Every mailbox API call, in preparation and in polls, goes through one gate
 * (`emailApiGate`): it waits for the back-off stored with the check (a 429's Retry-After, a
 * 5xx's delay), whichever phase set it, so a restarted worker honours it as well.
 */
import { browser } from 'wxt/browser';
import { emailApiBackedOff, emailApiGate } from '@/utils/email/check/backoff';
import { type PreparationIo, pollMailbox, prepareEmailWait } from '@/utils/email/check/sequences';
import {
  EMAIL_ALARM_PERIOD_MINUTES,
  type EmailCheckError,
  type EmailCheckState,
  emailNextPollAt,
  emailSignInTimedOut,
  isEmailCheckActive,
  isEmailPollDue,
  isMailboxCheck,
  type MailboxCheckState,
} from '@/utils/email/check/state';
import {
  emailCheckDeclined,
  emailCheckFailed,
  emailCheckResumed,
  emailCheckStarted,
  emailPlacementReported,
  emailPollApplied,
  emailSignedIn,
  emailVerdictNotified,
  emailWaitStarted,
  emailWaitStopped,
} from '@/utils/email/check/transitions';
import type { MailSystemId, Placement } from '@/utils/email/evidence';
import { parseDohMxAnswer, systemOfMxHosts } from '@/utils/email/mail-systems';
import {
  type ApiFailure,
  type ApiGate,
  type Http,
  networkFailure,
  parseTestMessageResponse,
  testMessageRequest,
} from '@/utils/email/mailbox/client';
import { createGmailMailbox } from '@/utils/email/mailbox/gmail';
import { createGraphMailbox } from '@/utils/email/mailbox/graph';
import {
  type AccessToken,
  ADDRESS_DATA_COLLECTION,
  authFlowErrorReason,
  buildAuthorizeUrl,
  codeChallengeS256,
  createCodeVerifier,
  createState,
  type EmailCheckConfig,
  type EmailConfigInput,
  isTokenValid,
  MAILBOX_API_HOST_PERMISSIONS,
  type MailProvider,
  oauthClient,
  parseRedirect,
  parseTokenResponse,
  permissionOriginsFor,
  resolveEmailConfig,
  summarizeEmailConfig,
  TOKEN_HOST_PERMISSIONS,
  tokenRequestBody,
} from '@/utils/email/oauth';
import { messageName } from '@/utils/i18n';
import { EMAIL_PORT_NAME, onMessage } from '@/utils/messaging';
import { parsePolicy } from '@/utils/policy';
import { PROFILE } from '@/utils/profile';
import { emailCheckItem, mailboxTokenItem } from '@/utils/storage';

declare global {
  // WXT exposes WXT_-prefixed environment variables to the bundle (https://wxt.dev/guide/essentials/config/environment-variables).
  interface ImportMetaEnv {
    readonly WXT_GMAIL_CLIENT_ID?: string;
    readonly WXT_GMAIL_CLIENT_SECRET?: string;
    readonly WXT_MICROSOFT_CLIENT_ID?: string;
    readonly WXT_MICROSOFT_TENANT?: string;
    readonly WXT_TEST_MESSAGE_ENDPOINT?: string;
  }
}

const POLL_ALARM = 'email-check-poll';
const NOTIFICATION_ID = 'raftr-email-verdict';
/** Every request is bounded: a hung API must not hold a poll (and its worker) forever. */
const REQUEST_TIMEOUT_MS = 15_000;
/** How long an intent (Firefox: popup closed by the permission prompt) stays valid. */
const INTENT_MS = 2 * 60_000;
/** Extension API calls reset the worker's idle timer; the sign-in window can take a while. */
const KEEPALIVE_MS = 20_000;

const BUILD_CONFIG: EmailConfigInput = {
  gmailClientId: import.meta.env.WXT_GMAIL_CLIENT_ID,
  gmailClientSecret: import.meta.env.WXT_GMAIL_CLIENT_SECRET,
  microsoftClientId: import.meta.env.WXT_MICROSOFT_CLIENT_ID,
  microsoftTenant: import.meta.env.WXT_MICROSOFT_TENANT,
  testMessageEndpoint: import.meta.env.WXT_TEST_MESSAGE_ENDPOINT,
};

/**
 * Policy over build time. Chrome returns {} without policy; Firefox throws ("Managed storage
 * manifest not found"): both mean no policy. Read on every use: policy can change at run time.
 */
async function loadConfig(): Promise<EmailCheckConfig> {
  let raw: unknown = {};
  try {
    raw = await browser.storage.managed.get();
  } catch {
    raw = {};
  }
  return resolveEmailConfig(parsePolicy(raw).policy, BUILD_CONFIG);
}

const http: Http = async (url, request = {}) => {
  const response = await fetch(url, {
    method: request.method ?? 'GET',
    headers: request.headers,
    body: request.body,
    cache: 'no-store',
    credentials: 'omit',
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  return {
    status: response.status,
    text: await response.text(),
    retryAfter: response.headers.get('retry-after'),
  };
};

// ---------------------------------------------------------------------------------------------
// State, one writer at a time.

let writes: Promise<unknown> = Promise.resolve();
/** Read-modify-write through one queue: two events never overwrite each other's change. */
function update(
  change: (state: EmailCheckState | null) => EmailCheckState | null,
): Promise<EmailCheckState | null> {
  const next = writes.then(async () => {
    const current = await emailCheckItem.getValue();
    const changed = change(current);
    if (changed !== current) await emailCheckItem.setValue(changed);
    return changed;
  });
  writes = next.catch(() => {});
  return next;
}

/** Change only the check `id`: a reset or a new check makes stale continuations no-ops. */
function updateCheck(id: string, change: (state: EmailCheckState) => EmailCheckState) {
  return update((current) => (current && current.id === id ? change(current) : current));
}

/** Change only the mailbox check `id` (a manual-mode verdict has no mailbox to act on). */
function updateMailboxCheck(id: string, change: (state: MailboxCheckState) => EmailCheckState) {
  return update((current) =>
    isMailboxCheck(current) && current.id === id ? change(current) : current,
  );
}

// ---------------------------------------------------------------------------------------------
// The access token: memory first, session storage across worker restarts.

let token: AccessToken | null = null;

async function currentToken(provider: MailProvider): Promise<AccessToken | null> {
  const now = Date.now();
  if (isTokenValid(token, provider, now)) return token;
  const stored = await mailboxTokenItem.getValue();
  if (isTokenValid(stored, provider, now)) {
    token = stored;
    return stored;
  }
  return null;
}

async function forgetToken(): Promise<void> {
  token = null;
  await mailboxTokenItem.removeValue();
}

function mailboxClient(state: EmailCheckState, accessToken: AccessToken, gate: ApiGate) {
  const now = () => Date.now();
  // A copy: the client fills it, the state keeps it.
  const cache = { ...state.cache };
  return accessToken.provider === 'gmail'
    ? createGmailMailbox(http, accessToken.accessToken, now, gate)
    : createGraphMailbox(http, accessToken.accessToken, now, cache, gate);
}

/**
 * The gate of check `id`'s mailbox calls: each waits until the stored back-off has passed
 * (read afresh before every call: a poll's back-off holds a preparation after "sign in
 * again", a preparation's holds the first poll). With `record` (preparation), a failure sets
 * the back-off in the stored state, and the alarm is set so that a worker stopped during a
 * long back-off is woken to resume; a poll's failure is recorded by `emailPollApplied`.
 */
function apiGate(id: string, record: boolean): ApiGate {
  // The last back-off seen: a call still under way when the check is cancelled honours it too.
  let last: number | null = null;
  return emailApiGate({
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    backoffUntil: async () => {
      const state = await emailCheckItem.getValue();
      if (state?.id === id) last = Math.max(last ?? 0, state.backoffUntil ?? 0) || null;
      return last;
    },
    backedOff: record
      ? async (failure, at) => {
          const next = await updateCheck(id, (c) => emailApiBackedOff(c, failure, at));
          if (next?.id === id && (next.backoffUntil ?? 0) > Date.now()) await ensurePollAlarm();
        }
      : undefined,
  });
}

/** The 30-second alarm: polls while waiting; wakes a stopped worker to resume a check. */
async function ensurePollAlarm(): Promise<void> {
  if (await browser.alarms.get(POLL_ALARM)) return;
  await browser.alarms.create(POLL_ALARM, {
    delayInMinutes: EMAIL_ALARM_PERIOD_MINUTES,
    periodInMinutes: EMAIL_ALARM_PERIOD_MINUTES,
  });
}

function failureError(failure: ApiFailure): EmailCheckError {
  const detail = `${failure.kind} ${failure.status || ''} ${failure.code}`
    .replace(/\s+/g, ' ')
    .trim();
  return failure.kind === 'unauthorized'
    ? { reason: 'sign-in-again', detail }
    : { reason: 'api-error', detail };
}

// ---------------------------------------------------------------------------------------------
// Popups: a connected one means "poll fast" and "no notification needed".

const popupPorts = new Set<Browser.runtime.Port>();
const popupOpen = () => popupPorts.size > 0;

// ---------------------------------------------------------------------------------------------
// Sign-in.

/** The sign-in in progress in this worker, if any (its window is open). */
let signingIn: string | null = null;

function requiredOrigins(provider: MailProvider): string[] {
  return [MAILBOX_API_HOST_PERMISSIONS[provider], TOKEN_HOST_PERMISSIONS[provider]];
}

async function signIn(
  state: MailboxCheckState,
  config: EmailCheckConfig,
): Promise<{ ok: true; token: AccessToken } | { ok: false; error: EmailCheckError }> {
  const provider = state.provider;
  const client = oauthClient(provider, config);
  if (!client) return { ok: false, error: { reason: 'no-client-id' } };
  const redirectUri = browser.identity.getRedirectURL();
  const verifier = createCodeVerifier();
  const expectedState = createState();
  const url = buildAuthorizeUrl(client, {
    redirectUri,
    state: expectedState,
    codeChallenge: await codeChallengeS256(verifier),
  });
  let redirect: string | undefined;
  try {
    redirect = await browser.identity.launchWebAuthFlow({ url, interactive: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = authFlowErrorReason(message);
    const mapped =
      reason === 'window-closed'
        ? 'window-closed'
        : reason === 'page-error'
          ? 'sign-in-page-error'
          : 'api-error';
    return { ok: false, error: { reason: mapped, detail: message } };
  }
  const answer = parseRedirect(redirect, expectedState);
  if (!answer.ok) {
    if (answer.reason === 'blocked-by-admin') {
      return { ok: false, error: { reason: 'blocked-by-admin', detail: answer.error } };
    }
    const reason = answer.reason === 'declined' ? 'declined' : 'api-error';
    return { ok: false, error: { reason, detail: `${answer.reason}: ${answer.error}` } };
  }
  let response: Awaited<ReturnType<Http>>;
  try {
    response = await http(client.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: tokenRequestBody(client, answer.code, verifier, redirectUri).toString(),
    });
  } catch (error) {
    return { ok: false, error: { reason: 'api-error', detail: `token: ${String(error)}` } };
  }
  const parsed = parseTokenResponse(client, response.status, response.text, Date.now());
  if (!parsed.ok) {
    const reason = parsed.reason === 'declined' ? 'declined' : 'api-error';
    return { ok: false, error: { reason, detail: `token: ${parsed.error}` } };
  }
  return { ok: true, token: parsed.token };
}

async function runSignIn(state: MailboxCheckState): Promise<void> {
  signingIn = state.id;
  // launchWebAuthFlow waits for the user; pings keep the worker from being stopped meanwhile.
  const keepalive = setInterval(() => void browser.runtime.getPlatformInfo(), KEEPALIVE_MS);
  try {
    const config = await loadConfig();
    const result = await signIn(state, config);
    if (!result.ok) {
      await updateMailboxCheck(state.id, (current) => emailCheckFailed(current, result.error));
      return;
    }
    token = result.token;
    await mailboxTokenItem.setValue(result.token);
    const next = await updateCheck(state.id, (current) =>
      current.phase === 'authorizing' ? emailSignedIn(current) : current,
    );
    if (next?.id === state.id && next.phase === 'preparing' && isMailboxCheck(next))
      await runPreparation(next, config);
    // Stopped or cancelled while the sign-in window was open: the token is not needed.
    else if (!next || (next.id === state.id && !isEmailCheckActive(next))) await forgetToken();
  } finally {
    clearInterval(keepalive);
    if (signingIn === state.id) signingIn = null;
  }
}

// ---------------------------------------------------------------------------------------------
// Preparation: address, MX, history, test message.

/** The mail system behind the domain's MX records; 'unknown' without permission or answer. */
async function lookUpMxSystem(domain: string): Promise<MailSystemId> {
  const origins = [...PROFILE.dnsHostPermissions];
  try {
    if (!(await browser.permissions.contains({ origins }))) return 'unknown';
    const url = `https://dns.google/resolve?name=${encodeURIComponent(domain)}&type=MX`;
    const response = await http(url, { headers: { accept: 'application/dns-json' } });
    const answer = parseDohMxAnswer(response.text);
    if (!answer.ok) return 'unknown';
    const system = systemOfMxHosts(answer.hosts);
    // An MX host no rule knows says little (consumer domains have their own); the headers
    // show a real on-premises relay better than a guess from the name.
    return system === 'other' ? 'unknown' : system;
  } catch {
    return 'unknown';
  }
}

/** The preparation under way in this worker, if any (one per check). */
let preparing: string | null = null;

/**
 * Whether the user's address may go to Raftr's test-message endpoint. In Firefox it is data
 * collection the user grants (manifest `data_collection_permissions`, optional
 * `personallyIdentifyingInfo`, asked at the click: components/EmailCheck.tsx); without it the
 * check guides the user to a password reset instead and sends the address nowhere.
 * https://extensionworkshop.com/documentation/develop/firefox-builtin-data-consent/
 */
async function mayShareAddress(): Promise<boolean> {
  if (!import.meta.env.FIREFOX) return true;
  try {
    return await browser.permissions.contains({
      data_collection: [ADDRESS_DATA_COLLECTION],
    } as Parameters<typeof browser.permissions.contains>[0]);
  } catch {
    return false;
  }
}

async function preparationIo(config: EmailCheckConfig): Promise<PreparationIo> {
  const endpoint = (await mayShareAddress()) ? config.testMessageEndpoint : null;
  return {
    lookUpMxSystem,
    requestTestMessage: endpoint
      ? async (to) => {
          try {
            return parseTestMessageResponse(
              await http(endpoint, testMessageRequest(to)),
              Date.now(),
            );
          } catch (error) {
            return { ok: false, failure: networkFailure(error) };
          }
        }
      : null,
  };
}

async function runPreparation(state: MailboxCheckState, config: EmailCheckConfig): Promise<void> {
  if (preparing === state.id) return;
  const provider = state.provider;
  const accessToken = await currentToken(provider);
  if (!accessToken) {
    const next = await updateMailboxCheck(state.id, (c) =>
      emailCheckFailed(c, { reason: 'sign-in-again' }),
    );
    return afterChange(next);
  }
  preparing = state.id;
  const keepalive = setInterval(() => void browser.runtime.getPlatformInfo(), KEEPALIVE_MS);
  try {
    const client = mailboxClient(state, accessToken, apiGate(state.id, true));
    const prep = await prepareEmailWait(client, state, await preparationIo(config));
    if ('failure' in prep) {
      const failure = prep.failure;
      const next = await updateCheck(state.id, (c) =>
        c.phase === 'preparing' ? emailCheckFailed(c, failureError(failure)) : c,
      );
      return afterChange(next);
    }
    const next = await updateCheck(state.id, (c) =>
      c.phase === 'preparing' ? emailWaitStarted(c, prep, Date.now()) : c,
    );
    if (next?.id === state.id && next.phase === 'waiting') {
      await ensurePollAlarm();
      pollSoon();
    }
  } finally {
    clearInterval(keepalive);
    if (preparing === state.id) preparing = null;
  }
}

// ---------------------------------------------------------------------------------------------
// The poll.

let polling: Promise<void> | null = null;
let fastTimer: ReturnType<typeof setTimeout> | undefined;

/** One poll at a time; a request for another while one runs is absorbed by it. */
function pollSoon(): void {
  if (polling) return;
  polling = pollOnce().finally(() => {
    polling = null;
  });
}

async function pollOnce(): Promise<void> {
  const state = await emailCheckItem.getValue();
  if (state?.phase !== 'waiting') return;
  if (!isEmailPollDue(state, Date.now())) return void scheduleFastPoll(state);
  const accessToken = await currentToken(state.provider);
  if (!accessToken) {
    const next = await updateMailboxCheck(state.id, (c) =>
      emailCheckFailed(c, { reason: 'sign-in-again', detail: 'token expired' }),
    );
    return void (await afterChange(next));
  }
  const outcome = await pollMailbox(
    mailboxClient(state, accessToken, apiGate(state.id, false)),
    state,
  );
  const next = await updateCheck(state.id, (c) =>
    emailPollApplied(c, outcome, Date.now(), popupOpen()),
  );
  await afterChange(next);
}

/** While a popup is open, the next poll comes from a timer, not the 30-second alarm. */
function scheduleFastPoll(state: EmailCheckState | null): void {
  clearTimeout(fastTimer);
  const at = emailNextPollAt(state);
  if (!popupOpen() || at === null) return;
  fastTimer = setTimeout(pollSoon, Math.max(at - Date.now(), 0));
}

/** After a change: keep polling, or end the wait (alarm off, notification, token gone). */
async function afterChange(state: EmailCheckState | null): Promise<void> {
  if (state?.phase === 'waiting') return scheduleFastPoll(state);
  clearTimeout(fastTimer);
  await browser.alarms.clear(POLL_ALARM);
  // The check is over: the token is not kept a moment longer than it is needed.
  if (state?.phase === 'done' || state?.phase === 'error') await forgetToken();
  const announce =
    state?.phase === 'done' ||
    (state?.phase === 'error' && state.error?.reason === 'sign-in-again');
  if (state && announce && !state.notified && !popupOpen()) await notify(state);
}

/** The verdict (or "sign in again") while no popup is open to show it. */
async function notify(state: EmailCheckState): Promise<void> {
  const placement = state.verdict?.evidence.placement ?? 'missing';
  const t = (key: string) => browser.i18n.getMessage(key as never);
  try {
    await browser.notifications.create(NOTIFICATION_ID, {
      type: 'basic',
      iconUrl: browser.runtime.getURL('/icon/128.png'),
      title: t('email_notification_title'),
      message:
        state.phase === 'done'
          ? t(messageName('email_placement', placement))
          : t('email_error_sign_in_again'),
    });
    await updateCheck(state.id, emailVerdictNotified);
  } catch {
    // Notifications turned off for the browser or the extension: the popup still shows it.
  }
}

// ---------------------------------------------------------------------------------------------
// Starting, stopping, resuming.

let intent: { provider: MailProvider; at: number } | null = null;

export async function startEmailCheck(provider: MailProvider): Promise<EmailCheckState> {
  const config = await loadConfig();
  const hasClient = oauthClient(provider, config) !== null;
  const granted = hasClient
    ? await browser.permissions.contains({ origins: requiredOrigins(provider) })
    : true;
  const state = await update((current) => {
    // Two clicks (or the click and Firefox's onAdded) never start two checks; a sign-in
    // whose window this worker no longer has is started again.
    if (current && isEmailCheckActive(current)) {
      const orphaned =
        current.phase === 'authorizing' &&
        (signingIn !== current.id || emailSignInTimedOut(current, Date.now()));
      if (!orphaned) return current;
    }
    const id = crypto.randomUUID();
    if (!granted) return emailCheckDeclined(current, id, provider, Date.now());
    return emailCheckStarted(current, id, provider, Date.now(), hasClient);
  });
  intent = null;
  if (state?.phase === 'authorizing' && isMailboxCheck(state) && signingIn !== state.id)
    void runSignIn(state);
  return state as EmailCheckState;
}

async function resetEmailCheck(): Promise<null> {
  clearTimeout(fastTimer);
  await browser.alarms.clear(POLL_ALARM);
  await forgetToken();
  await update(() => null);
  await browser.notifications.clear(NOTIFICATION_ID).catch(() => false);
  return null;
}

/** A worker starts: pick up a wait (or a preparation) a stopped worker left behind. */
async function resumeEmailCheck(): Promise<void> {
  // A kept verdict past its week is deleted, not just hidden (PRIVACY.md, the consent note).
  await emailCheckItem.removeIfStale();
  const stored = await emailCheckItem.getValue();
  if (!stored || !isEmailCheckActive(stored)) return;
  const hasToken = stored.provider !== null && (await currentToken(stored.provider)) !== null;
  const next = await updateCheck(stored.id, (c) => emailCheckResumed(c, hasToken, Date.now()));
  if (!next) return;
  if (next.phase === 'preparing' && isMailboxCheck(next))
    return runPreparation(next, await loadConfig());
  if (next.phase === 'waiting') {
    // Alarms outlive the worker, but not a browser restart or an extension reload.
    await ensurePollAlarm();
    return pollSoon();
  }
  await afterChange(next);
}

export function setUpEmailCheck(): void {
  onMessage('getEmailConfig', async () => summarizeEmailConfig(await loadConfig()));
  onMessage('intendEmailCheck', ({ data }) => {
    intent = { provider: data.provider, at: Date.now() };
  });
  onMessage('startEmailCheck', ({ data }) => startEmailCheck(data.provider));
  onMessage('declineEmailCheck', async ({ data }) => {
    intent = null;
    const state = await update((current) =>
      current && isEmailCheckActive(current)
        ? current
        : emailCheckDeclined(current, crypto.randomUUID(), data.provider, Date.now()),
    );
    return state as EmailCheckState;
  });
  onMessage('stopEmailWait', async () => {
    let stopped = false;
    const state = await update((current) => {
      const next = current ? emailWaitStopped(current, Date.now()) : current;
      stopped = next !== current;
      return next;
    });
    // Nothing to stop (no wait under way): leave the check, its alarm and its token alone.
    if (stopped) await afterChange(state);
    return state;
  });
  onMessage('reportEmailPlacement', async ({ data }) => {
    const placement: Placement = data.placement;
    const state = await update((current) =>
      emailPlacementReported(current, crypto.randomUUID(), placement, Date.now()),
    );
    clearTimeout(fastTimer);
    await browser.alarms.clear(POLL_ALARM);
    // The user is looking at the popup: no notification for their own answer.
    return (state ? await updateCheck(state.id, emailVerdictNotified) : state) as EmailCheckState;
  });
  onMessage('resetEmailCheck', () => resetEmailCheck());

  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === POLL_ALARM) pollSoon();
  });
  browser.runtime.onConnect.addListener((port) => {
    if (port.name !== EMAIL_PORT_NAME) return;
    popupPorts.add(port);
    port.onDisconnect.addListener(() => {
      popupPorts.delete(port);
      if (!popupOpen()) clearTimeout(fastTimer);
    });
    // A popup opened: poll now rather than at the next alarm.
    pollSoon();
  });
  // Firefox closes the popup when its permission prompt opens: the grant arrives here.
  browser.permissions.onAdded.addListener(async () => {
    const pending = intent;
    if (!pending || Date.now() - pending.at > INTENT_MS) return;
    const origins = permissionOriginsFor(pending.provider, []);
    if (await browser.permissions.contains({ origins })) void startEmailCheck(pending.provider);
  });
  browser.notifications.onClicked.addListener((id) => {
    if (id !== NOTIFICATION_ID) return;
    void browser.notifications.clear(id);
    // openPopup needs Chrome 127+ (and no user gesture since); otherwise the popup page in a tab.
    const action = browser.action ?? browser.browserAction;
    Promise.resolve(action?.openPopup?.()).catch(() =>
      browser.tabs.create({ url: browser.runtime.getURL('/popup.html') }),
    );
  });
  void resumeEmailCheck();
}
