/**
 * The email check's controller: the one object that holds the background's mutable state of
 * the check (the stored state's write queue, the access token in memory, the sign-in and the
 * preparation under way, the poll, its fast timer, the connected popups, the user's intent) and
 * does its I/O: the mailbox APIs, alarms and notifications. Every decision is a pure transition
 * of utils/email/check/transitions.ts; sign-in: sign-in.ts; wiring: index.ts.
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
import { type Browser, browser } from 'wxt/browser';
import { emailApiBackedOff, emailApiGate } from '@/utils/email/check/backoff';
import { pollMailbox, prepareEmailWait } from '@/utils/email/check/sequences';
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
import type { Placement } from '@/utils/email/evidence';
import type { ApiFailure, ApiGate } from '@/utils/email/mailbox/client';
import { createGmailMailbox } from '@/utils/email/mailbox/gmail';
import { createGraphMailbox } from '@/utils/email/mailbox/graph';
import {
  type AccessToken,
  type EmailCheckConfig,
  isTokenValid,
  type MailProvider,
  oauthClient,
} from '@/utils/email/oauth';
import { messageName } from '@/utils/i18n';
import { emailCheckItem, mailboxTokenItem } from '@/utils/storage';
import { loadEmailConfig } from './config';
import { http } from './http';
import { preparationIo } from './preparation-io';
import { hasMailboxOrigins, signIn } from './sign-in';

/** The 30-second alarm: polls while waiting; wakes a stopped worker to resume a check. */
export const EMAIL_POLL_ALARM = 'email-check-poll';
/** The notification of the verdict (or of "sign in again"). */
export const EMAIL_NOTIFICATION_ID = 'raftr-email-verdict';
/** How long an intent (Firefox: popup closed by the permission prompt) stays valid. */
const INTENT_MS = 2 * 60_000;
/** Extension API calls reset the worker's idle timer; the sign-in window can take a while. */
const KEEPALIVE_MS = 20_000;

/** Keeps the worker from being stopped while it waits on something other than an event. */
function keepWorkerAlive(): () => void {
  const keepalive = setInterval(() => void browser.runtime.getPlatformInfo(), KEEPALIVE_MS);
  return () => clearInterval(keepalive);
}

async function ensurePollAlarm(): Promise<void> {
  if (await browser.alarms.get(EMAIL_POLL_ALARM)) return;
  await browser.alarms.create(EMAIL_POLL_ALARM, {
    delayInMinutes: EMAIL_ALARM_PERIOD_MINUTES,
    periodInMinutes: EMAIL_ALARM_PERIOD_MINUTES,
  });
}

function mailboxClient(state: EmailCheckState, accessToken: AccessToken, gate: ApiGate) {
  const now = () => Date.now();
  // A copy: the client fills it, the state keeps it.
  const cache = { ...state.cache };
  return accessToken.provider === 'gmail'
    ? createGmailMailbox(http, accessToken.accessToken, now, gate)
    : createGraphMailbox(http, accessToken.accessToken, now, cache, gate);
}

function failureError(failure: ApiFailure): EmailCheckError {
  const detail = `${failure.kind} ${failure.status || ''} ${failure.code}`
    .replace(/\s+/g, ' ')
    .trim();
  return failure.kind === 'unauthorized'
    ? { reason: 'sign-in-again', detail }
    : { reason: 'api-error', detail };
}

export class EmailCheckController {
  /** The tail of the write queue of the stored state. */
  private writes: Promise<unknown> = Promise.resolve();
  /** The access token: memory first, session storage across worker restarts. */
  private token: AccessToken | null = null;
  /** The sign-in in progress in this worker, if any (its window is open). */
  private signingIn: string | null = null;
  /** The preparation under way in this worker, if any (one per check). */
  private preparing: string | null = null;
  /** The poll under way, if any. */
  private polling: Promise<void> | null = null;
  private fastTimer: ReturnType<typeof setTimeout> | undefined;
  /** Connected popups: one means "poll fast" and "no notification needed". */
  private readonly popupPorts = new Set<Browser.runtime.Port>();
  /** The provider the user chose just before the permission prompt (see `permissionsAdded`). */
  private intent: { provider: MailProvider; at: number } | null = null;

  // -------------------------------------------------------------------------------------------
  // What the popup asks for.

  async start(provider: MailProvider): Promise<EmailCheckState> {
    const config = await loadEmailConfig();
    const hasClient = oauthClient(provider, config) !== null;
    const granted = hasClient ? await hasMailboxOrigins(provider) : true;
    const state = await this.update((current) => {
      // Two clicks (or the click and Firefox's onAdded) never start two checks; a sign-in
      // whose window this worker no longer has is started again.
      if (current && isEmailCheckActive(current)) {
        const orphaned =
          current.phase === 'authorizing' &&
          (this.signingIn !== current.id || emailSignInTimedOut(current, Date.now()));
        if (!orphaned) return current;
      }
      const id = crypto.randomUUID();
      if (!granted) return emailCheckDeclined(current, id, provider, Date.now());
      return emailCheckStarted(current, id, provider, Date.now(), hasClient);
    });
    this.intent = null;
    if (state?.phase === 'authorizing' && isMailboxCheck(state) && this.signingIn !== state.id)
      void this.runSignIn(state);
    return state as EmailCheckState;
  }

  /**
   * The popup is about to ask for the host permissions: Firefox closes it when its permission
   * prompt opens, so the start is finished here on permissions.onAdded.
   */
  intend(provider: MailProvider): void {
    this.intent = { provider, at: Date.now() };
  }

  /** Firefox closes the popup when its permission prompt opens: the grant arrives here. */
  async permissionsAdded(): Promise<void> {
    const pending = this.intent;
    if (!pending || Date.now() - pending.at > INTENT_MS) return;
    if (await hasMailboxOrigins(pending.provider)) void this.start(pending.provider);
  }

  async decline(provider: MailProvider): Promise<EmailCheckState> {
    this.intent = null;
    const state = await this.update((current) =>
      current && isEmailCheckActive(current)
        ? current
        : emailCheckDeclined(current, crypto.randomUUID(), provider, Date.now()),
    );
    return state as EmailCheckState;
  }

  async stopWait(): Promise<EmailCheckState | null> {
    let stopped = false;
    const state = await this.update((current) => {
      const next = current ? emailWaitStopped(current, Date.now()) : current;
      stopped = next !== current;
      return next;
    });
    // Nothing to stop (no wait under way): leave the check, its alarm and its token alone.
    if (stopped) await this.afterChange(state);
    return state;
  }

  async reportPlacement(placement: Placement): Promise<EmailCheckState> {
    const state = await this.update((current) =>
      emailPlacementReported(current, crypto.randomUUID(), placement, Date.now()),
    );
    clearTimeout(this.fastTimer);
    await browser.alarms.clear(EMAIL_POLL_ALARM);
    // The user is looking at the popup: no notification for their own answer.
    return (
      state ? await this.updateCheck(state.id, emailVerdictNotified) : state
    ) as EmailCheckState;
  }

  async reset(): Promise<null> {
    clearTimeout(this.fastTimer);
    await browser.alarms.clear(EMAIL_POLL_ALARM);
    await this.forgetToken();
    await this.update(() => null);
    await browser.notifications.clear(EMAIL_NOTIFICATION_ID).catch(() => false);
    return null;
  }

  /** A popup connected: poll fast while it stays, and poll now rather than at the next alarm. */
  popupConnected(port: Browser.runtime.Port): void {
    this.popupPorts.add(port);
    port.onDisconnect.addListener(() => {
      this.popupPorts.delete(port);
      if (!this.popupOpen()) clearTimeout(this.fastTimer);
    });
    this.pollSoon();
  }

  /** A worker starts: pick up a wait (or a preparation) a stopped worker left behind. */
  async resume(): Promise<void> {
    // A kept verdict past its week is deleted, not just hidden (PRIVACY.md, the consent note).
    await emailCheckItem.removeIfStale();
    const stored = await emailCheckItem.getValue();
    if (!stored || !isEmailCheckActive(stored)) return;
    const hasToken =
      stored.provider !== null && (await this.currentToken(stored.provider)) !== null;
    const next = await this.updateCheck(stored.id, (c) =>
      emailCheckResumed(c, hasToken, Date.now()),
    );
    if (!next) return;
    if (next.phase === 'preparing' && isMailboxCheck(next))
      return this.runPreparation(next, await loadEmailConfig());
    if (next.phase === 'waiting') {
      // Alarms outlive the worker, but not a browser restart or an extension reload.
      await ensurePollAlarm();
      return this.pollSoon();
    }
    await this.afterChange(next);
  }

  // -------------------------------------------------------------------------------------------
  // State, one writer at a time.

  /** Read-modify-write through one queue: two events never overwrite each other's change. */
  private update(
    change: (state: EmailCheckState | null) => EmailCheckState | null,
  ): Promise<EmailCheckState | null> {
    const next = this.writes.then(async () => {
      const current = await emailCheckItem.getValue();
      const changed = change(current);
      if (changed !== current) await emailCheckItem.setValue(changed);
      return changed;
    });
    this.writes = next.catch(() => {});
    return next;
  }

  /** Change only the check `id`: a reset or a new check makes stale continuations no-ops. */
  private updateCheck(id: string, change: (state: EmailCheckState) => EmailCheckState) {
    return this.update((current) => (current && current.id === id ? change(current) : current));
  }

  /** Change only the mailbox check `id` (a manual-mode verdict has no mailbox to act on). */
  private updateMailboxCheck(id: string, change: (state: MailboxCheckState) => EmailCheckState) {
    return this.update((current) =>
      isMailboxCheck(current) && current.id === id ? change(current) : current,
    );
  }

  // -------------------------------------------------------------------------------------------
  // The access token.

  private async currentToken(provider: MailProvider): Promise<AccessToken | null> {
    const now = Date.now();
    if (isTokenValid(this.token, provider, now)) return this.token;
    const stored = await mailboxTokenItem.getValue();
    if (isTokenValid(stored, provider, now)) {
      this.token = stored;
      return stored;
    }
    return null;
  }

  private async forgetToken(): Promise<void> {
    this.token = null;
    await mailboxTokenItem.removeValue();
  }

  /**
   * The gate of check `id`'s mailbox calls: each waits until the stored back-off has passed
   * (read afresh before every call: a poll's back-off holds a preparation after "sign in
   * again", a preparation's holds the first poll). With `record` (preparation), a failure sets
   * the back-off in the stored state, and the alarm is set so that a worker stopped during a
   * long back-off is woken to resume; a poll's failure is recorded by `emailPollApplied`.
   */
  private apiGate(id: string, record: boolean): ApiGate {
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
            const next = await this.updateCheck(id, (c) => emailApiBackedOff(c, failure, at));
            if (next?.id === id && (next.backoffUntil ?? 0) > Date.now()) await ensurePollAlarm();
          }
        : undefined,
    });
  }

  // -------------------------------------------------------------------------------------------
  // Sign-in, then preparation: address, MX, history, test message.

  private async runSignIn(state: MailboxCheckState): Promise<void> {
    this.signingIn = state.id;
    // launchWebAuthFlow waits for the user; pings keep the worker from being stopped meanwhile.
    const stopKeepalive = keepWorkerAlive();
    try {
      const config = await loadEmailConfig();
      const result = await signIn(state.provider, config);
      if (!result.ok) {
        await this.updateMailboxCheck(state.id, (current) =>
          emailCheckFailed(current, result.error),
        );
        return;
      }
      this.token = result.token;
      await mailboxTokenItem.setValue(result.token);
      const next = await this.updateCheck(state.id, (current) =>
        current.phase === 'authorizing' ? emailSignedIn(current) : current,
      );
      if (next?.id === state.id && next.phase === 'preparing' && isMailboxCheck(next))
        await this.runPreparation(next, config);
      // Stopped or cancelled while the sign-in window was open: the token is not needed.
      else if (!next || (next.id === state.id && !isEmailCheckActive(next)))
        await this.forgetToken();
    } finally {
      stopKeepalive();
      if (this.signingIn === state.id) this.signingIn = null;
    }
  }

  private async runPreparation(state: MailboxCheckState, config: EmailCheckConfig): Promise<void> {
    if (this.preparing === state.id) return;
    const accessToken = await this.currentToken(state.provider);
    if (!accessToken) {
      const next = await this.updateMailboxCheck(state.id, (c) =>
        emailCheckFailed(c, { reason: 'sign-in-again' }),
      );
      return this.afterChange(next);
    }
    this.preparing = state.id;
    const stopKeepalive = keepWorkerAlive();
    try {
      const client = mailboxClient(state, accessToken, this.apiGate(state.id, true));
      const prep = await prepareEmailWait(client, state, await preparationIo(config));
      if ('failure' in prep) {
        const failure = prep.failure;
        const next = await this.updateCheck(state.id, (c) =>
          c.phase === 'preparing' ? emailCheckFailed(c, failureError(failure)) : c,
        );
        return this.afterChange(next);
      }
      const next = await this.updateCheck(state.id, (c) =>
        c.phase === 'preparing' ? emailWaitStarted(c, prep, Date.now()) : c,
      );
      if (next?.id === state.id && next.phase === 'waiting') {
        await ensurePollAlarm();
        this.pollSoon();
      }
    } finally {
      stopKeepalive();
      if (this.preparing === state.id) this.preparing = null;
    }
  }

  // -------------------------------------------------------------------------------------------
  // The poll.

  private popupOpen(): boolean {
    return this.popupPorts.size > 0;
  }

  /** One poll at a time; a request for another while one runs is absorbed by it. */
  pollSoon(): void {
    if (this.polling) return;
    this.polling = this.pollOnce().finally(() => {
      this.polling = null;
    });
  }

  private async pollOnce(): Promise<void> {
    const state = await emailCheckItem.getValue();
    if (state?.phase !== 'waiting') return;
    if (!isEmailPollDue(state, Date.now())) return void this.scheduleFastPoll(state);
    const accessToken = await this.currentToken(state.provider);
    if (!accessToken) {
      const next = await this.updateMailboxCheck(state.id, (c) =>
        emailCheckFailed(c, { reason: 'sign-in-again', detail: 'token expired' }),
      );
      return void (await this.afterChange(next));
    }
    const outcome = await pollMailbox(
      mailboxClient(state, accessToken, this.apiGate(state.id, false)),
      state,
    );
    const next = await this.updateCheck(state.id, (c) =>
      emailPollApplied(c, outcome, Date.now(), this.popupOpen()),
    );
    await this.afterChange(next);
  }

  /** While a popup is open, the next poll comes from a timer, not the 30-second alarm. */
  private scheduleFastPoll(state: EmailCheckState | null): void {
    clearTimeout(this.fastTimer);
    const at = emailNextPollAt(state);
    if (!this.popupOpen() || at === null) return;
    this.fastTimer = setTimeout(() => this.pollSoon(), Math.max(at - Date.now(), 0));
  }

  /** After a change: keep polling, or end the wait (alarm off, notification, token gone). */
  private async afterChange(state: EmailCheckState | null): Promise<void> {
    if (state?.phase === 'waiting') return this.scheduleFastPoll(state);
    clearTimeout(this.fastTimer);
    await browser.alarms.clear(EMAIL_POLL_ALARM);
    // The check is over: the token is not kept a moment longer than it is needed.
    if (state?.phase === 'done' || state?.phase === 'error') await this.forgetToken();
    const announce =
      state?.phase === 'done' ||
      (state?.phase === 'error' && state.error?.reason === 'sign-in-again');
    if (state && announce && !state.notified && !this.popupOpen()) await this.notify(state);
  }

  /** The verdict (or "sign in again") while no popup is open to show it. */
  private async notify(state: EmailCheckState): Promise<void> {
    const placement = state.verdict?.evidence.placement ?? 'missing';
    const t = (key: string) => browser.i18n.getMessage(key as never);
    try {
      await browser.notifications.create(EMAIL_NOTIFICATION_ID, {
        type: 'basic',
        iconUrl: browser.runtime.getURL('/icon/128.png'),
        title: t('email_notification_title'),
        message:
          state.phase === 'done'
            ? t(messageName('email_placement', placement))
            : t('email_error_sign_in_again'),
      });
      await this.updateCheck(state.id, emailVerdictNotified);
    } catch {
      // Notifications turned off for the browser or the extension: the popup still shows it.
    }
  }
}
