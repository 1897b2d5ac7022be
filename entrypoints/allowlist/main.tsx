/**
 * The allow-list page, for IT (issue #11): every entry of Raftr's support article with its
 * value, direction, protocol and ports, purpose and the system it goes in, including the inbound
 * entry for integrations that no browser can test. `allowlist.html?code=…` (linked from the
 * popup's diagnostic code and the helpdesk report) adds what that user's checks verified.
 * The same rows and words as `raftr-diag allowlist` (utils/allowlist.ts); the code is decoded
 * on this page, nothing is sent.
 */
import { render } from 'preact';
import { useState } from 'preact/hooks';
import { t } from '@/components/i18n';
import { localizePage } from '@/components/page-language';
import {
  type AllowlistRow,
  allowlistRows,
  describeAllowlistRow,
  renderAllowlist,
} from '@/utils/allowlist';
import { decodeCode } from '@/utils/diagnostic-code';
import { decodeErrorText } from '@/utils/report';
import '@/components/base.css';
import '@/components/page.css';
import '@/components/helpdesk.css';
import './style.css';

function codeFromSearch(): string {
  return new URLSearchParams(location.search).get('code') ?? '';
}

function AllowlistPage() {
  const [input, setInput] = useState(codeFromSearch);
  const [shown, setShown] = useState(codeFromSearch);
  const [copied, setCopied] = useState<'text' | 'markdown' | 'failed' | null>(null);
  const decoded = shown.trim() ? decodeCode(shown) : null;
  const code = decoded?.ok ? decoded.code : undefined;
  const rows = allowlistRows(decoded?.ok ? decoded.evidence : null);

  const show = (value: string) => {
    setShown(value);
    setCopied(null);
    // The address keeps the code: a reload, or the link sent on, shows the same.
    const url = new URL(location.href);
    if (value.trim()) url.searchParams.set('code', value.trim());
    else url.searchParams.delete('code');
    history.replaceState(null, '', url);
  };
  const copy = (format: 'text' | 'markdown') => {
    const text = renderAllowlist(rows, t, { format, code });
    if (!navigator.clipboard) {
      setCopied('failed');
      return;
    }
    navigator.clipboard.writeText(text).then(
      () => setCopied(format),
      () => setCopied('failed'),
    );
  };

  return (
    <main class="page allowlist-page">
      <h1>{t('allowlist_page_title')}</h1>
      <p class="intro">{t('allowlist_page_intro')}</p>
      <form
        class="helpdesk__form"
        onSubmit={(event) => {
          event.preventDefault();
          show(input);
        }}
      >
        <label for="allowlist-code">{t('allowlist_page_code_label')}</label>
        <div class="helpdesk__row">
          <input
            id="allowlist-code"
            class="code-field"
            data-testid="allowlist-code"
            value={input}
            placeholder="XXXXXX-XXXXXX-XXXXXX"
            autocomplete="off"
            autocapitalize="characters"
            spellcheck={false}
            onInput={(event) => setInput((event.currentTarget as HTMLInputElement).value)}
          />
          <button type="submit" data-testid="allowlist-show">
            {t('allowlist_page_show')}
          </button>
        </div>
      </form>
      {decoded && !decoded.ok && (
        <p
          class="helpdesk__error"
          data-testid="allowlist-error"
          data-reason={decoded.reason}
          role="alert"
        >
          {decodeErrorText(decoded, t)}
        </p>
      )}
      <h2 id="allowlist-heading">
        {code ? t('allowlist_heading_code', [code]) : t('allowlist_heading')}
      </h2>
      <div class="allowlist__scroll">
        <table
          class="allowlist"
          data-testid="allowlist"
          data-code={code ?? ''}
          aria-labelledby="allowlist-heading"
        >
          <thead>
            <tr>
              <th scope="col">{t('allowlist_col_entry')}</th>
              <th scope="col">{t('allowlist_col_direction')}</th>
              <th scope="col">{t('allowlist_col_protocol')}</th>
              <th scope="col">{t('allowlist_col_purpose')}</th>
              <th scope="col">{t('allowlist_col_systems')}</th>
              {code && <th scope="col">{t('allowlist_col_status')}</th>}
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <Row key={row.entry.id} row={row} withStatus={code !== undefined} />
            ))}
          </tbody>
        </table>
      </div>
      <p class="visually-hidden" role="status">
        {copied === 'text' || copied === 'markdown' ? t('copied') : ''}
      </p>
      {copied === 'failed' && <p class="intro">{t('copy_failed')}</p>}
      <div class="actions">
        <button type="button" data-testid="allowlist-copy" onClick={() => copy('text')}>
          {copied === 'text' ? t('copied') : t('allowlist_page_copy')}
        </button>
        <button
          type="button"
          data-testid="allowlist-copy-markdown"
          onClick={() => copy('markdown')}
        >
          {copied === 'markdown' ? t('copied') : t('helpdesk_copy_markdown')}
        </button>
      </div>
      <p class="intro">{t('it_message_source')}</p>
    </main>
  );
}

function Row({ row, withStatus }: { row: AllowlistRow; withStatus: boolean }) {
  const words = describeAllowlistRow(row, t);
  return (
    <tr data-testid="allowlist-row" data-entry={row.entry.id} data-status={row.status}>
      <th scope="row">
        {row.entry.values.map((value) => (
          <code key={value} class="allowlist__value">
            {value}
          </code>
        ))}
      </th>
      <td>{words.direction}</td>
      <td class="allowlist__protocol">{words.protocol}</td>
      <td>{words.purpose}</td>
      <td>{words.systems}</td>
      {withStatus && (
        <td
          class={`allowlist__status allowlist__status--${row.status}`}
          data-testid="allowlist-status"
        >
          {words.status}
        </td>
      )}
    </tr>
  );
}

localizePage(t, 'allowlist_page_title');
render(<AllowlistPage />, document.getElementById('app') as HTMLElement);
