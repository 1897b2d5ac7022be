/**
 * Many diagnostic codes at once (issue #11), on the helpdesk page: paste the codes a rollout
 * collected (one per line, ticket text, a CSV) or drop a file, and see how many users each
 * finding affects, the entries IT must add, a chart of codes over time, and one combined message
 * for IT. The same summary as `raftr-diag summarize` (utils/code/summary.ts), worked out on this
 * page: a file is read with File.text(), nothing is uploaded.
 *
 * Like the single-code decoder it takes its translator as a prop and never touches `browser.*`,
 * so the extension's helpdesk page and the standalone decoder both run it. A large paste is
 * summarised in steps with a macrotask between them, so the page keeps painting and taking
 * input (a Web Worker is no option for the standalone decoder: its CSP allows inline scripts
 * only).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type CodeSummary,
  codesOverTime,
  type FindingSummary,
  formatHour,
  renderSummaryItMessage,
  type SummaryProgress,
  summarizeCodesAsync,
} from '@/utils/code/summary';
import { messageName, type Translate } from '@/utils/i18n';
import { describeEntry, describeFinding } from '@/utils/report';
import './code-summary.css';

/** A newer paste (or file) replaces the one being summarised: its steps stop. */
const SUPERSEDED = Symbol('superseded');

/** A macrotask: the page paints and handles input before the next step. */
const nextTask = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** How far along, 0 to 100: reading the lines is most of the work, counting the rest. */
function percentOf(progress: SummaryProgress): number {
  const share = progress.total ? progress.done / progress.total : 1;
  return Math.floor(progress.phase === 'reading' ? share * 80 : 80 + share * 20);
}

export interface CodeSummaryViewProps {
  t: Translate;
}

export function CodeSummaryView({ t }: CodeSummaryViewProps) {
  const [input, setInput] = useState('');
  const [summary, setSummary] = useState<CodeSummary | null>(null);
  const [percent, setPercent] = useState<number | null>(null);
  const [fileNote, setFileNote] = useState<{ error: boolean; text: string } | null>(null);
  const [dragging, setDragging] = useState(false);
  const [announcement, setAnnouncement] = useState('');
  const run = useRef(0);
  // A run still going when the page goes away stops at its next step.
  useEffect(
    () => () => {
      run.current++;
    },
    [],
  );

  const summarize = async (text: string) => {
    const id = ++run.current;
    const current = () => {
      if (run.current !== id) throw SUPERSEDED;
    };
    setPercent(0);
    setAnnouncement('');
    try {
      const result = await summarizeCodesAsync(text, async (progress) => {
        current();
        setPercent(percentOf(progress));
        await nextTask();
        current();
      });
      current();
      setSummary(result);
      setPercent(null);
      setAnnouncement(t('summary_view_done', [String(result.codes), String(result.valid)]));
    } catch (error) {
      if (error !== SUPERSEDED) throw error;
    }
  };

  const readFile = async (file: File) => {
    try {
      const text = await file.text();
      setInput(text);
      setFileNote({ error: false, text: t('summary_view_file_read', [file.name]) });
      await summarize(text);
    } catch (error) {
      if (error === SUPERSEDED) return;
      setFileNote({
        error: true,
        text: t('summary_view_file_error', [file.name, String((error as Error)?.message ?? '')]),
      });
    }
  };

  return (
    <section
      class={`code-summary${dragging ? ' code-summary--dragging' : ''}`}
      aria-labelledby="code-summary-heading"
      data-testid="code-summary"
      onDragOver={(event) => {
        // Without this the browser opens a dropped file instead of handing it to the page.
        event.preventDefault();
        if (event.dataTransfer) event.dataTransfer.dropEffect = 'copy';
        setDragging(true);
      }}
      onDragLeave={(event) => {
        if (!(event.currentTarget as Node).contains(event.relatedTarget as Node | null)) {
          setDragging(false);
        }
      }}
      onDrop={(event) => {
        event.preventDefault();
        setDragging(false);
        const file = event.dataTransfer?.files[0];
        if (file) void readFile(file);
      }}
    >
      <h2 id="code-summary-heading">{t('summary_view_heading')}</h2>
      <p class="intro">{t('summary_view_intro')}</p>
      <form
        class="code-summary__form"
        onSubmit={(event) => {
          event.preventDefault();
          void summarize(input);
        }}
      >
        <label for="summary-input">{t('summary_view_input_label')}</label>
        <textarea
          id="summary-input"
          data-testid="summary-input"
          rows={8}
          spellcheck={false}
          autocomplete="off"
          value={input}
          onInput={(event) => setInput((event.currentTarget as HTMLTextAreaElement).value)}
        />
        <label for="summary-file">{t('summary_view_file_label')}</label>
        <input
          id="summary-file"
          data-testid="summary-file"
          type="file"
          accept=".txt,.csv,.tsv,text/plain,text/csv"
          onChange={(event) => {
            const field = event.currentTarget as HTMLInputElement;
            const file = field.files?.[0];
            if (file) void readFile(file);
            // The same file chosen again (after an edit) is read again.
            field.value = '';
          }}
        />
        {fileNote && (
          <p
            class={fileNote.error ? 'helpdesk__error' : 'code-summary__note'}
            data-testid="summary-file-note"
            role={fileNote.error ? 'alert' : undefined}
          >
            {fileNote.text}
          </p>
        )}
        <div class="actions">
          <button type="submit" data-testid="summary-run">
            {t('summary_view_run')}
          </button>
          {percent !== null && (
            <progress
              class="code-summary__progress"
              data-testid="summary-progress"
              max={100}
              value={percent}
              aria-label={t('summary_view_working', [String(percent)])}
            />
          )}
        </div>
      </form>
      {/* Present from the start, so that what it says is announced (ARIA22). */}
      <p class="visually-hidden" role="status">
        {announcement}
      </p>
      {summary && <SummaryResult t={t} summary={summary} />}
    </section>
  );
}

function SummaryResult({ t, summary }: { t: Translate; summary: CodeSummary }) {
  const counts: [key: string, value: number][] = [
    ['summary_view_count_codes', summary.codes],
    ['summary_view_count_valid', summary.valid],
    ['summary_view_count_distinct', summary.distinct],
    ['summary_view_count_mistyped', summary.mistyped.length],
    ['summary_view_count_unknown_version', summary.unknownVersion],
  ];
  return (
    <div class="code-summary__result" data-testid="summary-result">
      <h3>{t('summary_view_counts_heading')}</h3>
      <dl
        class="code-summary__counts"
        data-testid="summary-counts"
        data-codes={summary.codes}
        data-valid={summary.valid}
        data-distinct={summary.distinct}
        data-mistyped={summary.mistyped.length}
        data-unknown-version={summary.unknownVersion}
      >
        {counts.map(([key, value]) => (
          <div key={key}>
            <dt>{t(key)}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {summary.firstSeen !== null && summary.lastSeen !== null && (
        <p class="code-summary__note">
          {t('summary_period', [formatHour(summary.firstSeen), formatHour(summary.lastSeen)])}
        </p>
      )}
      {summary.codes === 0 && (
        <p class="helpdesk__error" data-testid="summary-empty">
          {t('summary_view_empty')}
        </p>
      )}
      {summary.codes > 0 && summary.valid === 0 && summary.mistyped.length > 0 && (
        <p class="helpdesk__error" data-testid="summary-no-valid">
          {t('summary_view_no_valid', [String(summary.mistyped.length)])}
        </p>
      )}
      {summary.unknownVersion > 0 && (
        <p class="code-summary__note">
          {t('summary_view_unknown_version', [String(summary.unknownVersion)])}
        </p>
      )}
      {summary.mistyped.length > 0 && (
        <>
          <h3>{t('summary_mistyped_heading')}</h3>
          <ul class="code-summary__mistyped" data-testid="summary-mistyped">
            {summary.mistyped.map((m) => (
              <li key={`${m.line}:${m.text}`} data-line={m.line}>
                {t('summary_mistyped_line', [String(m.line), m.text, t(m.messageKey, m.params)])}
              </li>
            ))}
          </ul>
        </>
      )}
      {summary.findings.length > 0 && (
        <>
          <FindingsTable t={t} summary={summary} />
          <CodesChart t={t} summary={summary} />
          <SummaryItMessage t={t} summary={summary} />
        </>
      )}
    </div>
  );
}

function FindingsTable({ t, summary }: { t: Translate; summary: CodeSummary }) {
  return (
    <>
      <h3 id="summary-findings-heading">{t('summary_findings_heading')}</h3>
      <div class="code-summary__scroll">
        <table class="code-summary__table" aria-labelledby="summary-findings-heading">
          <thead>
            <tr>
              <th scope="col" class="code-summary__number">
                {t('summary_col_users')}
              </th>
              <th scope="col">{t('summary_col_finding')}</th>
              <th scope="col">{t('summary_view_col_entries')}</th>
              <th scope="col">{t('summary_col_systems')}</th>
              <th scope="col">{t('summary_col_first_seen')}</th>
              <th scope="col">{t('summary_col_last_seen')}</th>
            </tr>
          </thead>
          <tbody>
            {summary.findings.map((finding) => (
              <FindingRow key={finding.id} t={t} finding={finding} />
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function FindingRow({ t, finding }: { t: Translate; finding: FindingSummary }) {
  const text = describeFinding(finding.example, t);
  return (
    <tr
      class={`code-summary__finding code-summary__finding--${finding.severity}`}
      data-testid="summary-finding"
      data-finding={finding.id}
      data-count={finding.count}
    >
      <td class="code-summary__number">{finding.count}</td>
      <th scope="row">
        <span class="code-summary__title">{text.title}</span>
        <span class="code-summary__muted">
          {t(messageName('severity', finding.severity))} · <code>{finding.id}</code>
        </span>
      </th>
      <td>
        {finding.entries.length ? (
          <ul class="code-summary__entries">
            {finding.entries.map((entry) => (
              <li key={entry.entryId}>
                <code>{describeEntry(entry, t)}</code>
              </li>
            ))}
          </ul>
        ) : (
          <span class="code-summary__muted">{t('summary_view_no_entries')}</span>
        )}
      </td>
      <td>{finding.systems.join(', ') || t('system_none')}</td>
      <td class="code-summary__time">{formatHour(finding.firstSeen)}</td>
      <td class="code-summary__time">{formatHour(finding.lastSeen)}</td>
    </tr>
  );
}

/**
 * The codes per hour (or day), as a table whose count cells carry a bar: the numbers are the
 * text alternative, read as any table; the bars only draw them. A choice narrows it to one
 * finding (did it stop after IT's change?).
 */
function CodesChart({ t, summary }: { t: Translate; summary: CodeSummary }) {
  const [of, setOf] = useState('');
  const shown = summary.findings.find((f) => f.id === of);
  const chart = codesOverTime(summary.byHour, shown?.id);
  const what = shown ? describeFinding(shown.example, t).title : t('summary_view_chart_all');
  const day = chart.unit === 'day';
  const label = (start: number) =>
    day ? new Date(start).toISOString().slice(0, 10) : formatHour(start);
  return (
    <>
      <h3>{t('summary_view_chart_heading')}</h3>
      <p class="code-summary__chart-choice">
        <label for="summary-chart-of">{t('summary_view_chart_show')}</label>
        <select
          id="summary-chart-of"
          data-testid="summary-chart-of"
          value={shown?.id ?? ''}
          onChange={(event) => setOf((event.currentTarget as HTMLSelectElement).value)}
        >
          <option value="">{t('summary_view_chart_all')}</option>
          {summary.findings.map((f) => (
            <option key={f.id} value={f.id}>
              {describeFinding(f.example, t).title}
            </option>
          ))}
        </select>
      </p>
      <div class="code-summary__scroll">
        <table
          class="code-summary__chart"
          data-testid="summary-chart"
          data-unit={chart.unit}
          data-of={shown?.id ?? 'all'}
        >
          <caption>
            {t(day ? 'summary_view_chart_caption_day' : 'summary_view_chart_caption_hour', [what])}
          </caption>
          <thead>
            <tr>
              <th scope="col">
                {t(day ? 'summary_view_chart_col_day' : 'summary_view_chart_col_hour')}
              </th>
              <th scope="col">{t('summary_view_chart_col_count')}</th>
            </tr>
          </thead>
          <tbody>
            {chart.buckets.map((bucket) => (
              <tr key={bucket.start} data-testid="summary-chart-row" data-count={bucket.count}>
                <th scope="row" class="code-summary__time">
                  {label(bucket.start)}
                </th>
                <td>
                  <div class="code-summary__bar-cell">
                    <span class="code-summary__track" aria-hidden="true">
                      <span
                        class={`code-summary__bar${bucket.count ? '' : ' code-summary__bar--empty'}`}
                        style={{ width: `${chart.max ? (bucket.count / chart.max) * 100 : 0}%` }}
                      />
                    </span>
                    <span class="code-summary__bar-count">{bucket.count}</span>
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}

function SummaryItMessage({ t, summary }: { t: Translate; summary: CodeSummary }) {
  const [copied, setCopied] = useState<'text' | 'markdown' | 'failed' | null>(null);
  const message = renderSummaryItMessage(summary, t, { format: 'text' });
  // A new summary, a new message: "Copied" no longer applies.
  useEffect(() => setCopied(null), [summary]);
  const copy = (format: 'text' | 'markdown') => {
    const value =
      format === 'text' ? message : renderSummaryItMessage(summary, t, { format: 'markdown' });
    const clipboard = navigator.clipboard;
    if (!clipboard) {
      setCopied('failed');
      return;
    }
    clipboard.writeText(value).then(
      () => setCopied(format),
      () => setCopied('failed'),
    );
  };
  return (
    <>
      <h3>{t('diag_it_message_heading')}</h3>
      <p class="visually-hidden" role="status" data-testid="summary-copy-status">
        {copied === 'text' || copied === 'markdown' ? t('copied') : ''}
      </p>
      <pre class="report__message" data-testid="summary-it-message">
        {message}
      </pre>
      {copied === 'failed' && <p class="code-summary__note">{t('copy_failed')}</p>}
      <div class="actions">
        <button type="button" data-testid="copy-summary-it-message" onClick={() => copy('text')}>
          {copied === 'text' ? t('copied') : t('copy_it_message')}
        </button>
        <button
          type="button"
          data-testid="copy-summary-it-markdown"
          onClick={() => copy('markdown')}
        >
          {copied === 'markdown' ? t('copied') : t('helpdesk_copy_markdown')}
        </button>
      </div>
    </>
  );
}

export type HelpdeskView = 'one' | 'many';

export interface HelpdeskViewsProps {
  t: Translate;
  /** The single-code decoder (HelpdeskDecoder), as the page configures it. */
  one: ComponentChildren;
  initialView?: HelpdeskView;
}

const VIEWS: readonly HelpdeskView[] = ['one', 'many'];

/** `?view=many` opens the page on many codes. */
export function viewFromSearch(search: string): HelpdeskView {
  return new URLSearchParams(search).get('view') === 'many' ? 'many' : 'one';
}

/**
 * The helpdesk page's two views, one code and many codes, as tabs (WAI-ARIA tabs pattern: arrow
 * keys, Home and End move between them; https://www.w3.org/WAI/ARIA/apg/patterns/tabs/). Both
 * stay mounted, so what was typed or pasted in one is kept while the other is shown.
 */
export function HelpdeskViews({ t, one, initialView = 'one' }: HelpdeskViewsProps) {
  const [view, setView] = useState<HelpdeskView>(initialView);
  const tabs = useRef<Partial<Record<HelpdeskView, HTMLButtonElement | null>>>({});
  const select = (next: HelpdeskView) => {
    setView(next);
    tabs.current[next]?.focus();
  };
  const onKeyDown = (event: KeyboardEvent) => {
    const index = VIEWS.indexOf(view);
    const last = VIEWS.length - 1;
    const target = {
      ArrowRight: index === last ? 0 : index + 1,
      ArrowLeft: index === 0 ? last : index - 1,
      Home: 0,
      End: last,
    }[event.key];
    if (target === undefined) return;
    event.preventDefault();
    select(VIEWS[target] as HelpdeskView);
  };
  return (
    <div class="helpdesk-views">
      <div class="helpdesk-views__tabs" role="tablist" aria-label={t('summary_view_tabs_label')}>
        {VIEWS.map((id) => (
          <button
            key={id}
            ref={(element) => {
              tabs.current[id] = element;
            }}
            type="button"
            role="tab"
            id={`view-tab-${id}`}
            data-testid={`view-tab-${id}`}
            aria-selected={view === id}
            aria-controls={`view-${id}`}
            tabIndex={view === id ? 0 : -1}
            onClick={() => setView(id)}
            onKeyDown={onKeyDown}
          >
            {t(messageName('summary_view_tab', id))}
          </button>
        ))}
      </div>
      <div role="tabpanel" id="view-one" aria-labelledby="view-tab-one" hidden={view !== 'one'}>
        {one}
      </div>
      <div role="tabpanel" id="view-many" aria-labelledby="view-tab-many" hidden={view !== 'many'}>
        <CodeSummaryView t={t} />
      </div>
    </div>
  );
}
