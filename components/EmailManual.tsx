/**
 * The email check without mailbox access (no client id, another provider, access declined):
 * open the webmail search for Raftr mail, say where the message is (evidence with source
 * 'user-reported'), or paste the message's headers on the extension's headers page.
 */
import { browser } from 'wxt/browser';
import type { Placement } from '@/utils/email/evidence';
import { PLACEMENTS } from '@/utils/email/evidence';
import { messageName } from '@/utils/i18n';
import { t } from './i18n';

/** Gmail's search in every folder ("in:anywhere" includes Spam and Trash). */
export const GMAIL_SEARCH_URL =
  'https://mail.google.com/mail/u/0/#search/from%3Araftr.com+in%3Aanywhere';
/** Outlook on the web has no stable search URL: the user types the query shown. */
export const OUTLOOK_URL = 'https://outlook.office.com/mail/';
export const OUTLOOK_QUERY = 'from:raftr.com';

export function EmailManual({ onReport }: { onReport: (placement: Placement) => void }) {
  const headersUrl = browser.runtime.getURL('/headers.html');
  return (
    <div class="email-manual" data-testid="email-manual">
      {/* Where the focus goes when this panel replaces the control that opened it. */}
      <h3 tabIndex={-1} data-focus-first>
        {t('email_manual_heading')}
      </h3>
      <p>{t('email_manual_intro')}</p>
      <p class="actions">
        <a
          href={GMAIL_SEARCH_URL}
          target="_blank"
          rel="noreferrer"
          data-testid="email-manual-gmail"
        >
          {t('email_manual_open_gmail')}
        </a>
        <a href={OUTLOOK_URL} target="_blank" rel="noreferrer" data-testid="email-manual-outlook">
          {t('email_manual_open_outlook')}
        </a>
      </p>
      <p class="email-note">
        {t('email_manual_outlook_hint')} <code>{OUTLOOK_QUERY}</code>
      </p>
      <p>{t('email_manual_where')}</p>
      <div class="actions email-manual__answers">
        {PLACEMENTS.map((placement) => (
          <button
            key={placement}
            type="button"
            data-testid="email-manual-answer"
            data-placement={placement}
            onClick={() => onReport(placement)}
          >
            {t(messageName('email_manual', placement))}
          </button>
        ))}
      </div>
      <p>
        <a href={headersUrl} target="_blank" rel="noreferrer" data-testid="email-headers-link">
          {t('email_paste_headers')}
        </a>
      </p>
    </div>
  );
}
