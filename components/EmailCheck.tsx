/**
 * The email check in the popup: "Check my email" with Gmail or Microsoft 365, the wait with
 * its countdown, where Raftr's message landed and why (findings, with the fix in the mail
 * system's own terms), the last 30 days of Raftr mail, and a manual mode without mailbox
 * access. The background does the work (entrypoints/background/email/); this renders
 * the stored state and forwards clicks.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import {
  EMAIL_RESULT_TTL_MS,
  type EmailCheckState,
  type EmailHistory,
  emailRemainingMs,
  emailUiStateOf,
  isEmailWaitStoppable,
} from '@/utils/email/check/state';
import { emailFindings, mailboxAccessFinding } from '@/utils/email/findings';
import {
  ADDRESS_DATA_COLLECTION,
  type EmailConfigSummary,
  MAIL_PROVIDERS,
  type MailProvider,
  permissionOriginsFor,
} from '@/utils/email/oauth';
import { messageName } from '@/utils/i18n';
import { sendMessage } from '@/utils/messaging';
import { PASSWORD_RESET_URL, PROFILE } from '@/utils/profile';
import { EmailManual } from './EmailManual';
import { FindingCard } from './FindingCard';
import { t } from './i18n';
import { useEmailCheck, useNow } from './use-email-check';

/** "4:59": minutes and seconds left. */
function formatCountdown(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** "2 min 5 s", "12 s": a delay as people say it. */
function formatDuration(ms: number): string {
  const seconds = Math.max(Math.round(ms / 1000), 0);
  if (seconds < 60) return t('email_seconds', [String(seconds)]);
  return t('email_minutes', [String(Math.floor(seconds / 60)), String(seconds % 60)]);
}

function formatDate(ms: number | null): string {
  return ms === null
    ? ''
    : new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function providerName(provider: MailProvider): string {
  return t(messageName('email_provider_name', provider));
}

function History({ history }: { history: EmailHistory | null }) {
  if (!history) return null;
  return (
    <details class="details email-history" data-testid="email-history" data-count={history.listed}>
      <summary>{t('email_history_heading', [String(history.listed)])}</summary>
      {history.items.length === 0 ? (
        <p>{t('email_history_none')}</p>
      ) : (
        <ul>
          {history.items.map((item, index) => (
            <li
              key={index}
              data-testid="email-history-item"
              data-placement={item.placement}
              data-kind={item.kind}
            >
              {t('email_history_item', [
                t(messageName('email_kind', item.kind)),
                formatDate(item.receivedAt),
                t(messageName('diag_placement', item.placement)),
              ])}
            </li>
          ))}
        </ul>
      )}
    </details>
  );
}

/** What the check is doing, in one line: the text of the section's live region. */
function PhaseText({ state }: { state: EmailCheckState }) {
  return (
    <>
      {state.phase === 'authorizing' &&
        t('email_phase_authorizing', [providerName(state.provider ?? 'gmail')])}
      {state.phase === 'preparing' && t('email_phase_preparing')}
      {state.phase === 'waiting' &&
        (state.mode === 'test-message' ? t('email_waiting_test') : t('email_waiting_reset'))}
    </>
  );
}

/** Where the message landed, in one line: the live region's text once the verdict is in. */
function PlacementText({ state }: { state: EmailCheckState }) {
  const placement = state.verdict?.evidence.placement;
  if (!placement) return null;
  return (
    <span data-testid="email-placement" data-placement={placement}>
      {t(messageName('email_placement', placement))}
    </span>
  );
}

/** "Promotions": the inbox tab as the mail client names it (the API's raw id otherwise). */
function tabName(tab: string): string {
  return t(messageName('email_tab_name', tab)) || tab;
}

function Waiting({ state }: { state: EmailCheckState }) {
  // Read the clock at render: the state may be newer than the last tick. A wait resumed after
  // "sign in again" shows its original deadline while signing in and preparing too.
  const left = emailRemainingMs(state, Date.now());
  return (
    <div class="email-waiting">
      {state.phase === 'waiting' && state.mode === 'reset-email' && (
        <>
          {state.testMessageProblem && <p class="email-note">{t('email_test_message_problem')}</p>}
          <p>
            <a
              href={PASSWORD_RESET_URL}
              target="_blank"
              rel="noreferrer"
              data-testid="email-reset-link"
            >
              {t('email_open_reset')}
            </a>
          </p>
        </>
      )}
      {left !== null && (
        <p class="email-countdown" data-testid="email-countdown" data-remaining-ms={left}>
          {t('email_countdown', [formatCountdown(left)])}
        </p>
      )}
      {state.phase === 'waiting' && <p class="email-note">{t('email_wait_survives')}</p>}
    </div>
  );
}

/** The verdict's time in the browser's own words: a kept verdict may be days old. */
function formatCheckedAt(at: number): string {
  return new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(at);
}

function Verdict({ state }: { state: EmailCheckState }) {
  const verdict = state.verdict;
  if (!verdict) return null;
  const { evidence } = verdict;
  const findings = emailFindings(evidence);
  const delay =
    verdict.arrivedAt !== null && verdict.sentAt !== null
      ? verdict.arrivedAt - verdict.sentAt
      : null;
  return (
    <div class="email-verdict">
      {verdict.tab && <p class="email-note">{t('email_tab', [tabName(verdict.tab)])}</p>}
      {delay !== null && evidence.placement !== 'missing' && (
        <p class="email-note" data-testid="email-delay" data-delay-ms={delay}>
          {t('email_delay', [formatDuration(delay)])}
        </p>
      )}
      <p class="email-note" data-testid="email-checked-at">
        {t('email_checked_at', [formatCheckedAt(verdict.at)])}
      </p>
      {verdict.basis !== 'arrived' && (
        <p class="email-note">{t(messageName('email_basis', verdict.basis))}</p>
      )}
      <ul class="findings">
        {findings.map((finding) => (
          <FindingCard key={finding.id} finding={finding} t={t} />
        ))}
      </ul>
    </div>
  );
}

function ProviderButtons({
  config,
  onChoose,
  label,
}: {
  config: EmailConfigSummary | null;
  onChoose: (provider: MailProvider) => void;
  label: 'email_check_with' | 'email_sign_in_again_with';
}) {
  return (
    <div class="actions email-providers">
      {MAIL_PROVIDERS.map((provider) => (
        <button
          key={provider}
          type="button"
          data-testid="email-provider"
          data-provider={provider}
          data-configured={config ? String(config[provider]) : undefined}
          disabled={config === null}
          onClick={() => onChoose(provider)}
        >
          {t(label, [providerName(provider)])}
        </button>
      ))}
    </div>
  );
}

export function EmailCheck() {
  const { state, config, problem, replied, setProblem } = useEmailCheck();
  const [manual, setManual] = useState(false);
  const ui = emailUiStateOf(state);
  // Re-renders every second while waiting: the countdown.
  useNow(ui === 'waiting');
  const error = state?.phase === 'error' ? state.error : null;
  const sectionRef = useRef<HTMLElement>(null);
  const firstRender = useRef(true);
  // The clicked control may be gone (provider buttons while waiting, "Stop" when done): keep
  // keyboard users in the section instead of at the top of the page.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    const section = sectionRef.current;
    const active = document.activeElement;
    if (!section || (active && active !== document.body && document.contains(active))) return;
    const target =
      section.querySelector<HTMLElement>('[data-focus-first]') ??
      section.querySelector<HTMLElement>('button:not([disabled])') ??
      section.querySelector('h2');
    target?.focus();
  }, [ui, error?.reason, manual]);

  const report = (promise: Promise<EmailCheckState | null>) => {
    promise
      .then((next) => {
        setProblem(null);
        replied(next);
      })
      .catch((reason: unknown) =>
        setProblem(String(reason instanceof Error ? reason.message : reason)),
      );
  };

  /**
   * The click. permissions.request must run inside the user gesture, so it is called first,
   * before any await (https://developer.chrome.com/docs/extensions/reference/api/permissions#method-request).
   * The intent goes to the background at the same time: Firefox closes the popup when its
   * prompt opens, and the background then starts the check on permissions.onAdded.
   */
  const choose = (provider: MailProvider) => {
    setManual(false);
    if (config && !config[provider]) {
      report(sendMessage('startEmailCheck', { provider }));
      return;
    }
    sendMessage('intendEmailCheck', { provider }).catch(() => {});
    const origins = permissionOriginsFor(provider, PROFILE.dnsHostPermissions);
    // Firefox asks the user, in the same prompt, whether the address may go to Raftr for the
    // test message (background email/preparation-io.ts mayShareAddress); Chromium has no such
    // category.
    const dataCollection =
      import.meta.env.FIREFOX && config?.testMessage
        ? { data_collection: [ADDRESS_DATA_COLLECTION] }
        : {};
    report(
      browser.permissions
        .request({ origins, ...dataCollection } as Parameters<
          typeof browser.permissions.request
        >[0])
        .then((granted) =>
          sendMessage(granted ? 'startEmailCheck' : 'declineEmailCheck', { provider }),
        ),
    );
  };

  const stop = () => report(sendMessage('stopEmailWait'));

  const accessBlocked =
    (error?.reason === 'blocked-by-admin' ||
      error?.reason === 'window-closed' ||
      error?.reason === 'sign-in-page-error') &&
    state?.provider
      ? mailboxAccessFinding(state.provider, config?.clientIds[state.provider] ?? '')
      : null;
  const showManual =
    manual ||
    accessBlocked !== null ||
    error?.reason === 'declined' ||
    error?.reason === 'no-client-id' ||
    error?.reason === 'api-error';

  return (
    <section class="email-check" data-testid="email-check" data-state={ui} ref={sectionRef}>
      <h2 tabIndex={-1}>{t('email_heading')}</h2>
      {/* The check's one live region, there from the start: the phase while waiting, the
          placement when done. No aria-busy: a wait may last 15 minutes. */}
      <p class="verdict" role="status" data-testid="email-status">
        {ui === 'waiting' && state && <PhaseText state={state} />}
        {ui === 'done' && state && <PlacementText state={state} />}
      </p>
      {ui === 'idle' && !error && <p>{t('email_intro')}</p>}
      {error && (
        <p class="email-error" data-testid="email-error" data-reason={error.reason} role="alert">
          {error.reason === 'no-client-id' &&
          state?.provider &&
          config?.invalidPolicy?.[state.provider]
            ? t('policy_email_provider_invalid', [providerName(state.provider)])
            : t(messageName('email_error', error.reason), [
                state?.provider ? providerName(state.provider) : '',
                error.detail ?? '',
              ])}
        </p>
      )}
      {problem && <p class="email-error">{t('run_failed', [problem])}</p>}
      {accessBlocked && (
        <ul class="findings">
          <FindingCard finding={accessBlocked} t={t} />
        </ul>
      )}

      {ui === 'idle' && (
        <>
          <ProviderButtons
            config={config}
            onChoose={choose}
            label={
              error?.reason === 'sign-in-again' ? 'email_sign_in_again_with' : 'email_check_with'
            }
          />
          {/* An expired token interrupted a wait: the user may also just stop it here. */}
          {isEmailWaitStoppable(state) && (
            <div class="actions">
              <button type="button" data-testid="email-stop" onClick={stop}>
                {t('email_stop_waiting')}
              </button>
            </div>
          )}
          <p class="email-note">
            {t('email_consent_note', [String(EMAIL_RESULT_TTL_MS / 86_400_000)])}
          </p>
        </>
      )}

      {ui === 'waiting' && state && (
        <>
          <Waiting state={state} />
          <div class="actions">
            {/* Whenever a wait is under way, also while signing in again and preparing. */}
            {isEmailWaitStoppable(state) && (
              <button type="button" data-testid="email-stop" onClick={stop}>
                {t('email_stop_waiting')}
              </button>
            )}
            <button
              type="button"
              data-testid="email-cancel"
              onClick={() => report(sendMessage('resetEmailCheck'))}
            >
              {t('email_cancel')}
            </button>
          </div>
        </>
      )}

      {ui === 'done' && state && (
        <>
          <Verdict state={state} />
          <div class="actions">
            <button
              type="button"
              data-testid="email-check-again"
              onClick={() => report(sendMessage('resetEmailCheck'))}
            >
              {t('email_check_again')}
            </button>
          </div>
        </>
      )}

      {state?.history && <History history={state.history} />}

      {showManual ? (
        <EmailManual
          onReport={(placement) => {
            setManual(false);
            report(sendMessage('reportEmailPlacement', { placement }));
          }}
        />
      ) : (
        ui !== 'waiting' && (
          <p>
            <button
              type="button"
              class="link"
              data-testid="email-manual-open"
              onClick={() => setManual(true)}
            >
              {t('email_other_provider')}
            </button>
          </p>
        )
      )}
    </section>
  );
}
