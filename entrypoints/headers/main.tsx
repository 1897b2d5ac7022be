/**
 * The paste-headers page: the email check without mailbox access. The user copies a Raftr
 * message's headers (Gmail: ⋮ → Show original; Outlook: … → View → View message details) and
 * gets the same analysis and findings as the mailbox check (utils/email/analysis.ts
 * `explainHeaders`). Nothing leaves the page: the analysis runs here.
 */
import { Fragment, render } from 'preact';
import { useState } from 'preact/hooks';
import { FindingCard } from '@/components/FindingCard';
import { t } from '@/components/i18n';
import { localizePage } from '@/components/page-language';
import { type ExplainReport, explainHeaders } from '@/utils/email/analysis';
import { PLACEMENTS, type Placement } from '@/utils/email/evidence';
import { MAX_HEADER_INPUT_CHARS } from '@/utils/email/headers/parse';
import { messageName } from '@/utils/i18n';
import { mailSystemLabel } from '@/utils/report';
import '@/components/base.css';
import '@/components/page.css';
import './style.css';

function Summary({ report }: { report: ExplainReport }) {
  const auth = (v: string) => t(messageName('diag_auth', v));
  const rows: [field: string, label: string, value: string][] = [
    [
      'placement',
      t('diag_email_placement'),
      t(messageName('diag_placement', report.evidence.placement)),
    ],
    ['spf', t('diag_email_spf'), auth(report.auth.spf)],
    ['dkim', t('diag_email_dkim'), auth(report.auth.dkim)],
    ['dmarc', t('diag_email_dmarc'), auth(report.auth.dmarc)],
    [
      'sendingIp',
      t('diag_explain_sending_ip'),
      `${report.sendingIp ?? t('diag_auth_unknown')} (${t(messageName('diag_sending_ip', report.evidence.sendingIp))})`,
    ],
    [
      'receivingSystem',
      t('diag_explain_receiving_system'),
      mailSystemLabel(report.receivingSystem, t),
    ],
    [
      'gateway',
      t('diag_email_gateway'),
      report.gateway === 'unknown' ? t('diag_none_seen') : mailSystemLabel(report.gateway, t),
    ],
    [
      'filterVerdict',
      t('diag_email_filterVerdict'),
      t(messageName('diag_filter', report.filterVerdict)),
    ],
    [
      'allowOverride',
      t('diag_email_allowOverride'),
      t(messageName('diag_allow', report.evidence.allowOverride)),
    ],
    [
      'forwarded',
      t('diag_email_forwarded'),
      t(report.evidence.forwarded ? 'diag_forwarded_yes' : 'diag_forwarded_no'),
    ],
    ['delay', t('diag_email_delay'), t(messageName('diag_delay', report.evidence.delay))],
  ];
  return (
    <dl class="summary" data-testid="headers-summary">
      {rows.map(([field, label, value]) => (
        <Fragment key={field}>
          <dt>{label}</dt>
          <dd data-field={field}>{value}</dd>
        </Fragment>
      ))}
    </dl>
  );
}

function HeadersPage() {
  const [raw, setRaw] = useState('');
  const [placement, setPlacement] = useState<Placement | ''>('');
  const [report, setReport] = useState<ExplainReport | null>(null);

  const analyze = () => {
    setReport(explainHeaders(raw, placement ? { placement } : {}));
  };

  return (
    <main class="page headers-page">
      <h1>{t('headers_title')}</h1>
      <p>{t('headers_intro')}</p>
      <ul class="muted">
        <li>{t('headers_how_gmail')}</li>
        <li>{t('headers_how_outlook')}</li>
      </ul>
      <label for="headers-input">{t('headers_input_label')}</label>
      <textarea
        id="headers-input"
        data-testid="headers-input"
        rows={14}
        maxLength={MAX_HEADER_INPUT_CHARS}
        spellcheck={false}
        value={raw}
        onInput={(event) => setRaw((event.currentTarget as HTMLTextAreaElement).value)}
      />
      <div class="actions">
        <label for="headers-placement">{t('headers_placement_label')}</label>
        <select
          id="headers-placement"
          data-testid="headers-placement"
          value={placement}
          onChange={(event) =>
            setPlacement((event.currentTarget as HTMLSelectElement).value as Placement | '')
          }
        >
          <option value="">{t('headers_placement_unknown')}</option>
          {PLACEMENTS.filter((p) => p !== 'missing').map((p) => (
            <option key={p} value={p}>
              {t(messageName('diag_placement', p))}
            </option>
          ))}
        </select>
        <button
          type="button"
          data-testid="headers-analyze"
          onClick={analyze}
          disabled={!raw.trim()}
        >
          {t('headers_analyze')}
        </button>
      </div>
      {report && (
        <section
          data-testid="headers-report"
          data-readable={String(report.readable)}
          data-placement={report.readable ? report.evidence.placement : undefined}
        >
          <h2>{t('diag_explain_heading')}</h2>
          {!report.readable ? (
            <p data-testid="headers-unreadable">{t('headers_unreadable')}</p>
          ) : (
            <>
              <Summary report={report} />
              <ul class="findings">
                {report.findings.map((finding) => (
                  <FindingCard key={finding.id} finding={finding} t={t} />
                ))}
              </ul>
            </>
          )}
          {report.problems.length > 0 && (
            <>
              <h2>{t('diag_explain_problems')}</h2>
              <ul class="problems" data-testid="headers-problems">
                {report.problems.map((problem) => (
                  <li key={problem.id} data-testid="headers-problem" data-problem={problem.id}>
                    {t(problem.id, problem.params)}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
    </main>
  );
}

localizePage(t, 'headers_title');
render(<HeadersPage />, document.getElementById('app') as HTMLElement);
