/**
 * The helpdesk decoder: a code in, the user's report out. It takes its translator as a prop
 * and never touches `browser.*`, so the very same component runs in the extension's helpdesk
 * page (browser.i18n) and in the standalone single-file decoder (the English catalog).
 */
import { useState } from 'preact/hooks';
import { FindingCard } from '@/components/FindingCard';
import { outcomeWords, ProbeChangeItems } from '@/components/ProbeChanges';
import { isLanguage, LANGUAGES, type Language, translatorFor } from '@/utils/catalogs';
import { compareEvidence } from '@/utils/code/compare';
import {
  type DecodeResult,
  decodeCode,
  LONG_CODE_SYMBOLS,
  parseSymbols,
} from '@/utils/diagnostic-code';
import type { Evidence } from '@/utils/evidence';
import { findingsFor } from '@/utils/evidence';
import type { Finding } from '@/utils/finding';
import type { Translate } from '@/utils/i18n';
import { messageName } from '@/utils/i18n';
import { networkFindings, verdictOf } from '@/utils/network/findings';
import type { Outcome } from '@/utils/network/outcomes';
import { PROBE_TARGET_IDS } from '@/utils/profile';
import {
  decodeErrorText,
  describeEvidence,
  describeFinding,
  formatHourUtc,
  itMessageSubject,
  mailtoLink,
  probeLabel,
  renderItMessage,
  verdictText,
} from '@/utils/report';
import './compare.css';

export interface HelpdeskDecoderProps {
  t: Translate;
  /** From enterprise policy, when there is one: the "Email IT" link is addressed to it. */
  itContact?: string;
  /** A code to decode straight away (e.g. from `?code=`). */
  initialCode?: string;
  /**
   * Where the allow-list page for a code is, when there is one (the extension's
   * `allowlist.html?code=…`; the standalone decoder has none).
   */
  allowlistUrl?: (code: string) => string;
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

/**
 * What a code field shows while typed: nothing for a code still being typed (a short one, or the
 * first half of a long one), until it is submitted.
 */
function decodedAsTyped(input: string, submitted: boolean): DecodeResult | null {
  const decoded = submitted || worthDecoding(input) ? decodeCode(input) : null;
  return decoded && !decoded.ok && decoded.messageKey === 'diag_error_incomplete' && !submitted
    ? null
    : decoded;
}

/** The page's own language, as its catalog names it; English for anything else. */
function pageLanguage(t: Translate): Language {
  const code = t('locale_code');
  return isLanguage(code) ? code : 'en';
}

export function HelpdeskDecoder({
  t,
  itContact,
  initialCode = '',
  allowlistUrl,
}: HelpdeskDecoderProps) {
  const [input, setInput] = useState(initialCode);
  // A user's code read by a helpdesk in another language, or an IT message for IT's language:
  // the report renders in any shipped language, whatever the page's.
  const [language, setLanguage] = useState<Language>(() => pageLanguage(t));
  const reportT = language === pageLanguage(t) ? t : translatorFor(language);
  const [submitted, setSubmitted] = useState(initialCode !== '');
  // The first half of a long code, while the rest is still being typed, is not an error yet.
  const result = decodedAsTyped(input, submitted);

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
          allowlistUrl={allowlistUrl}
        />
      )}
      {result?.ok && (
        <CompareCodes t={t} later={{ code: result.code, evidence: result.evidence }} />
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
  allowlistUrl?: (code: string) => string;
}

function localTime(ms: number): string {
  try {
    return new Date(ms).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  } catch {
    return new Date(ms).toISOString();
  }
}

export function HelpdeskReport({
  t,
  code,
  version,
  evidence,
  itContact,
  allowlistUrl,
}: HelpdeskReportProps) {
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
        {allowlistUrl && (
          <a
            class="button"
            data-testid="allowlist-link"
            href={allowlistUrl(code)}
            target="_blank"
            rel="noreferrer"
          >
            {t('allowlist_page_link')}
          </a>
        )}
      </div>
    </article>
  );
}

interface DecodedCode {
  code: string;
  evidence: Evidence;
}

/**
 * "Compare with an earlier code": the same user's earlier code beside the one decoded above,
 * and what changed between them (utils/code/compare.ts), all in catalog words from ids.
 */
function CompareCodes({ t, later }: { t: Translate; later: DecodedCode }) {
  const [input, setInput] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const result = decodedAsTyped(input, submitted);
  return (
    <section class="compare" data-testid="compare" aria-labelledby="compare-heading">
      <h2 id="compare-heading">{t('compare_heading')}</h2>
      <p class="intro">{t('compare_intro')}</p>
      <form
        class="helpdesk__form"
        onSubmit={(event) => {
          event.preventDefault();
          setSubmitted(true);
        }}
      >
        <label for="compare-input">{t('compare_code_label')}</label>
        <div class="helpdesk__row">
          <input
            id="compare-input"
            class="code-field"
            data-testid="compare-input"
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
          <button type="submit" data-testid="compare-run">
            {t('compare_run')}
          </button>
        </div>
      </form>
      {result && !result.ok && (
        <p
          class="helpdesk__error"
          data-testid="compare-error"
          data-reason={result.reason}
          role="alert"
        >
          {decodeErrorText(result, t)}
        </p>
      )}
      {result?.ok && (
        <Comparison
          t={t}
          earlier={{ code: result.code, evidence: result.evidence }}
          later={later}
        />
      )}
    </section>
  );
}

function Comparison({
  t,
  earlier,
  later,
}: {
  t: Translate;
  earlier: DecodedCode;
  later: DecodedCode;
}) {
  const diff = compareEvidence(earlier.evidence, later.evidence);
  const before = findingsFor(earlier.evidence);
  const after = findingsFor(later.evidence);
  const title = (findings: readonly Finding[], id: string) => {
    const finding = findings.find((f) => f.id === id);
    return finding ? describeFinding(finding, t).title : id;
  };
  const outcomeText = (outcome: Outcome | null) => outcomeWords(outcome, t);
  const changed = new Set<string>(diff.changedProbes.map((p) => p.id));
  const probes = PROBE_TARGET_IDS.filter(
    (id) => earlier.evidence.network?.outcomes[id] ?? later.evidence.network?.outcomes[id],
  );
  const nothingChanged =
    diff.changedProbes.length + diff.findingsAdded.length + diff.findingsResolved.length === 0;
  const findingsList = (findings: readonly Finding[]) => (
    <ul class="compare__findings">
      {findings.map((f) => (
        <li key={f.id} data-finding={f.id}>
          {describeFinding(f, t).title}
        </li>
      ))}
    </ul>
  );
  const side = (evidence: Evidence, id: (typeof PROBE_TARGET_IDS)[number]) =>
    evidence.network?.outcomes[id] ?? null;

  return (
    <div class="compare__result" data-testid="comparison">
      <h3>{t('compare_changes_heading')}</h3>
      {earlier.code === later.code && <p class="report__muted">{t('compare_same_code')}</p>}
      {earlier.evidence.createdAt > later.evidence.createdAt && (
        <p class="report__muted" data-testid="compare-order-note">
          {t('compare_order_note')}
        </p>
      )}
      {nothingChanged && <p data-testid="compare-no-change">{t('compare_no_change')}</p>}
      <ul class="compare__changes" data-testid="compare-changes">
        <ProbeChangeItems changes={diff.changedProbes} t={t} testId="compare-probe-change" />
        {diff.findingsResolved.map((id) => (
          <li
            key={`resolved:${id}`}
            data-testid="compare-finding"
            data-change="resolved"
            data-finding={id}
          >
            {t('compare_finding_resolved', [title(before, id)])}
          </li>
        ))}
        {diff.findingsAdded.map((id) => (
          <li
            key={`added:${id}`}
            data-testid="compare-finding"
            data-change="added"
            data-finding={id}
          >
            {t('compare_finding_added', [title(after, id)])}
          </li>
        ))}
        {diff.findingsKept.map((id) => (
          <li key={`kept:${id}`} data-testid="compare-finding" data-change="kept" data-finding={id}>
            {t('compare_finding_kept', [title(after, id)])}
          </li>
        ))}
      </ul>
      <div class="compare__scroll">
        <table class="compare__table" data-testid="compare-table">
          <caption>{t('compare_table_caption')}</caption>
          <thead>
            <tr>
              <th scope="col">{t('compare_col_check')}</th>
              <th scope="col">{t('compare_earlier', [earlier.code])}</th>
              <th scope="col">{t('compare_later', [later.code])}</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <th scope="row">{t('compare_when')}</th>
              <td>{formatHourUtc(earlier.evidence.createdAt)}</td>
              <td>{formatHourUtc(later.evidence.createdAt)}</td>
            </tr>
            {probes.map((id) => {
              const was = side(earlier.evidence, id);
              const now = side(later.evidence, id);
              return (
                <tr
                  key={id}
                  class={changed.has(id) ? 'compare__row--changed' : undefined}
                  data-testid="compare-row"
                  data-target={id}
                  data-changed={changed.has(id) ? 'true' : 'false'}
                >
                  <th scope="row">
                    {probeLabel(id, t)}
                    {changed.has(id) && (
                      <span class="compare__changed"> ({t('compare_changed')})</span>
                    )}
                  </th>
                  <td class={was ? `check--${was}` : undefined}>
                    <span class="check__outcome">{outcomeText(was)}</span>
                  </td>
                  <td class={now ? `check--${now}` : undefined}>
                    <span class="check__outcome">{outcomeText(now)}</span>
                  </td>
                </tr>
              );
            })}
            <tr>
              <th scope="row">{t('diag_findings_heading')}</th>
              <td data-testid="compare-findings-earlier">{findingsList(before)}</td>
              <td data-testid="compare-findings-later">{findingsList(after)}</td>
            </tr>
          </tbody>
        </table>
      </div>
    </div>
  );
}
