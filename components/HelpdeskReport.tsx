/**
 * The helpdesk decoder: a code in, the user's report out. It takes its translator as a prop
 * and never touches `browser.*`, so the very same component runs in the extension's helpdesk
 * page (browser.i18n) and in the standalone single-file decoder (the English catalog).
 */
import { useState } from 'preact/hooks';
import { FindingCard } from '@/components/FindingCard';
import { isLanguage, LANGUAGES, type Language, translatorFor } from '@/utils/catalogs';
import { decodeCode, LONG_CODE_SYMBOLS, parseSymbols } from '@/utils/diagnostic-code';
import type { Evidence } from '@/utils/evidence';
import { findingsFor } from '@/utils/evidence';
import type { Translate } from '@/utils/i18n';
import { messageName } from '@/utils/i18n';
import { networkFindings, verdictOf } from '@/utils/network/findings';
import { PROBE_TARGET_IDS } from '@/utils/profile';
import {
  decodeErrorText,
  describeEvidence,
  itMessageSubject,
  mailtoLink,
  probeLabel,
  renderItMessage,
  verdictText,
} from '@/utils/report';

export interface HelpdeskDecoderProps {
  t: Translate;
  /** From enterprise policy, when there is one: the "Email IT" link is addressed to it. */
  itContact?: string;
  /** A code to decode straight away (e.g. from `?code=`). */
  initialCode?: string;
}

/**
 * Decoding runs as the code is typed, but a half-typed code is not an error yet: a short code
 * is only reported once submitted. A foreign character or a code too long is reported at once.
 */
function worthDecoding(input: string): boolean {
  const symbols = parseSymbols(input);
  if (Array.isArray(symbols)) return true;
  if (symbols.messageKey === 'diag_error_empty') return false;
  if (symbols.messageKey === 'diag_error_length') {
    return Number(symbols.params[0]) > LONG_CODE_SYMBOLS;
  }
  return true;
}

/** The page's own language, as its catalog names it; English for anything else. */
function pageLanguage(t: Translate): Language {
  const code = t('locale_code');
  return isLanguage(code) ? code : 'en';
}

export function HelpdeskDecoder({ t, itContact, initialCode = '' }: HelpdeskDecoderProps) {
  const [input, setInput] = useState(initialCode);
  // A user's code read by a helpdesk in another language, or an IT message for IT's language:
  // the report renders in any shipped language, whatever the page's.
  const [language, setLanguage] = useState<Language>(() => pageLanguage(t));
  const reportT = language === pageLanguage(t) ? t : translatorFor(language);
  const [submitted, setSubmitted] = useState(initialCode !== '');
  const decoded = submitted || worthDecoding(input) ? decodeCode(input) : null;
  // The first half of a long code, while the rest is still being typed, is not an error yet.
  const result =
    decoded && !decoded.ok && decoded.messageKey === 'diag_error_incomplete' && !submitted
      ? null
      : decoded;

  return (
    <div class="helpdesk">
      <form
        class="helpdesk__form"
        onSubmit={(event) => {
          event.preventDefault();
          setSubmitted(true);
        }}
      >
        <label for="code-input">{t('helpdesk_code_label')}</label>
        <div class="helpdesk__row">
          <input
            id="code-input"
            data-testid="code-input"
            value={input}
            placeholder="XXXXXX-XXXXXX-XXXXXX"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            onInput={(event) => {
              setInput((event.target as HTMLInputElement).value);
              setSubmitted(false);
            }}
          />
          <button type="submit" data-testid="decode">
            {t('helpdesk_decode')}
          </button>
        </div>
        <label for="report-language">{t('helpdesk_report_language')}</label>
        <select
          id="report-language"
          data-testid="report-language"
          value={language}
          onChange={(event) => {
            const value = (event.target as HTMLSelectElement).value;
            if (isLanguage(value)) setLanguage(value);
          }}
        >
          {LANGUAGES.map((code) => (
            <option key={code} value={code} lang={code}>
              {t(messageName('language_name', code))}
            </option>
          ))}
        </select>
      </form>
      {result && !result.ok && (
        <p
          class="helpdesk__error"
          data-testid="decode-error"
          data-reason={result.reason}
          role="alert"
        >
          {decodeErrorText(result, t)}
        </p>
      )}
      {result?.ok && (
        <HelpdeskReport
          t={reportT}
          code={result.code}
          version={result.version}
          evidence={result.evidence}
          itContact={itContact}
        />
      )}
    </div>
  );
}

export interface HelpdeskReportProps {
  t: Translate;
  code: string;
  version: number;
  evidence: Evidence;
  itContact?: string;
}

function localTime(ms: number): string {
  try {
    return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    return new Date(ms).toISOString();
  }
}

export function HelpdeskReport({ t, code, version, evidence, itContact }: HelpdeskReportProps) {
  const [copied, setCopied] = useState<'text' | 'markdown' | null>(null);
  const findings = findingsFor(evidence);
  const text = describeEvidence(evidence, t);
  const itMessage = renderItMessage(findings, t, { format: 'text', code });
  const copy = (format: 'text' | 'markdown') => {
    const value = format === 'text' ? itMessage : renderItMessage(findings, t, { format, code });
    navigator.clipboard?.writeText(value).then(
      () => setCopied(format),
      () => setCopied(null),
    );
  };
  const outcomes = evidence.network?.outcomes;

  return (
    <article class="report" data-testid="report" data-code={code} lang={t('locale_code')}>
      <h2>{t('helpdesk_valid_code', [code, String(version)])}</h2>
      <dl class="report__general">
        {text.general.map((row) => (
          <div key={row.field} data-testid="evidence-field" data-field={row.field}>
            <dt>{row.label}</dt>
            <dd>
              {row.value}
              {row.field === 'createdAt' && (
                <span class="report__muted">
                  {' '}
                  ({t('helpdesk_local_time', [localTime(evidence.createdAt)])})
                </span>
              )}
            </dd>
          </div>
        ))}
      </dl>

      <h3>{t('diag_network_heading')}</h3>
      {evidence.network && outcomes ? (
        <>
          <p class="report__verdict" data-testid="network-verdict">
            {verdictText(verdictOf(networkFindings(evidence.network)), t)}
          </p>
          <ul class="report__checks">
            {PROBE_TARGET_IDS.filter((id) => outcomes[id] !== undefined).map((id) => (
              <li
                key={id}
                class={`check check--${outcomes[id]}`}
                data-testid="check"
                data-target={id}
                data-outcome={outcomes[id]}
              >
                <span class="check__name">{probeLabel(id, t)}</span>
                <span class="check__outcome">{t(messageName('outcome', outcomes[id]))}</span>
              </li>
            ))}
            {text.network
              ?.filter((row) => row.field === 'product')
              .map((row) => (
                <li key={row.field} class="check" data-testid="evidence-field" data-field="product">
                  <span class="check__name">{row.label}</span>
                  <span class="check__outcome">{row.value}</span>
                </li>
              ))}
          </ul>
        </>
      ) : (
        <p class="report__muted" data-testid="network-not-run">
          {t('diag_not_run')}
        </p>
      )}

      <h3>{t('diag_email_heading')}</h3>
      {text.email ? (
        <dl class="report__email">
          {text.email.map((row) => (
            <div key={row.field} data-testid="email-field" data-field={row.field}>
              <dt>{row.label}</dt>
              <dd>{row.value}</dd>
            </div>
          ))}
        </dl>
      ) : (
        <p class="report__muted" data-testid="email-not-run">
          {t('diag_not_run')}
        </p>
      )}

      <h3>{t('diag_findings_heading')}</h3>
      <ul class="findings">
        {findings.map((finding) => (
          <FindingCard key={finding.id} finding={finding} t={t} />
        ))}
      </ul>

      <h3>{t('diag_it_message_heading')}</h3>
      <p class="visually-hidden" role="status">
        {copied ? t('copied') : ''}
      </p>
      <pre class="report__message" data-testid="it-message">
        {itMessage}
      </pre>
      <div class="actions">
        <button type="button" data-testid="copy-it-message" onClick={() => copy('text')}>
          {copied === 'text' ? t('copied') : t('copy_it_message')}
        </button>
        <button type="button" data-testid="copy-it-markdown" onClick={() => copy('markdown')}>
          {copied === 'markdown' ? t('copied') : t('helpdesk_copy_markdown')}
        </button>
        <a
          class="button"
          data-testid="email-it"
          href={mailtoLink(itContact ?? '', itMessageSubject(t), itMessage)}
        >
          {t('diag_email_it')}
        </a>
      </div>
    </article>
  );
}
