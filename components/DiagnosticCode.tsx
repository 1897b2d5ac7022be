/**
 * The diagnostic code in the popup: the code for the current evidence, a copy button, what
 * to do with it, and exactly what it contains (the user sees what leaves with it).
 */
import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { encodeEvidence } from '@/utils/diagnostic-code';
import { isEmailCheckBehind } from '@/utils/email/check/state';
import { assembleEvidence, type Evidence, findingsFor } from '@/utils/evidence';
import { evidenceOf, isNetworkRunBehind } from '@/utils/network/run';
import { policyProblemMessage } from '@/utils/policy';
import { PROFILE_VERSION } from '@/utils/profile';
import { describeEvidence, itMessageSubject, mailtoLink, renderItMessage } from '@/utils/report';
import { emailCheckItem, networkRunItem } from '@/utils/storage';
import { currentBrowser } from './current-browser';
import { t } from './i18n';
import { useManagedPolicy } from './managed-policy';
import { useStoredItem } from './use-stored-item';
import './diagnostic-code.css';

export function DiagnosticCode() {
  // The checks themselves are started by NetworkCheck and EmailCheck; the code only reads what
  // they stored.
  const [run] = useStoredItem(networkRunItem, isNetworkRunBehind);
  const [emailCheck] = useStoredItem(emailCheckItem, isEmailCheckBehind);
  const email = emailCheck?.phase === 'done' ? emailCheck.verdict : null;
  const { policy, problems } = useManagedPolicy();
  const [copied, setCopied] = useState<'idle' | 'copied' | 'failed'>('idle');
  const [messageCopied, setMessageCopied] = useState<'idle' | 'copied' | 'failed'>('idle');

  const network = run?.state === 'done' ? evidenceOf(run) : null;
  // Cheap to rebuild on every render: a few object reads and BigInt operations.
  const evidence = assembleEvidence({
    extensionVersion: browser.runtime.getManifest().version,
    browser: currentBrowser(),
    profileVersion: PROFILE_VERSION,
    network,
    networkAt: run?.finishedAt,
    email: email?.evidence ?? null,
    emailAt: email?.at,
  });
  const encoded = evidence ? encodeEvidence(evidence) : null;
  const code = encoded?.ok ? encoded.code : '';
  // One message for IT covering everything this code holds (network and email), ending in it.
  const itMessage =
    encoded?.ok && evidence
      ? renderItMessage(findingsFor(encoded.evidence), t, { format: 'text', code })
      : '';
  useEffect(() => {
    setCopied('idle');
    setMessageCopied('idle');
  }, [code]);

  const copy = (text: string, setState: (state: 'copied' | 'failed') => void) => {
    navigator.clipboard.writeText(text).then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };

  return (
    <section class="diagnostic-code" data-testid="diagnostic-code-section">
      <h2>{t('diag_code_heading')}</h2>
      {/* Present from the start, so that "Copied" is announced (a region added with its text
          is not reliably read: https://www.w3.org/WAI/WCAG22/Techniques/aria/ARIA22). */}
      <p class="visually-hidden" role="status" data-testid="copy-status">
        {copied === 'copied' || messageCopied === 'copied' ? t('copied') : ''}
      </p>
      {!encoded && <p class="diagnostic-code__note">{t('diag_code_waiting')}</p>}
      {encoded && !encoded.ok && (
        <p class="diagnostic-code__note" data-testid="diagnostic-code-unavailable">
          {t('diag_code_unavailable', [encoded.field])}
        </p>
      )}
      {encoded?.ok && (
        <>
          <p class="diagnostic-code__row">
            <code class="diagnostic-code__code" data-testid="diagnostic-code">
              {code}
            </code>
            <button
              type="button"
              data-testid="copy-diagnostic-code"
              onClick={() => copy(code, setCopied)}
            >
              {copied === 'copied' ? t('copied') : t('diag_copy_code')}
            </button>
          </p>
          <p class="diagnostic-code__note">{t('diag_code_explain')}</p>
          {copied === 'failed' && <p class="diagnostic-code__note">{t('copy_failed')}</p>}
          <p class="diagnostic-code__row">
            <button
              type="button"
              data-testid="copy-it-message"
              onClick={() => copy(itMessage, setMessageCopied)}
            >
              {messageCopied === 'copied' ? t('copied') : t('copy_it_message')}
            </button>
          </p>
          {messageCopied === 'failed' && (
            <>
              <p class="diagnostic-code__note">{t('copy_failed')}</p>
              <textarea
                readOnly
                rows={8}
                value={itMessage}
                aria-label={t('it_message_fallback_label')}
                data-testid="it-message-fallback"
              />
            </>
          )}
          <CodeContents evidence={encoded.evidence} />
          <p class="diagnostic-code__links">
            <a
              href={`${browser.runtime.getURL('/helpdesk.html')}?code=${encodeURIComponent(code)}`}
              target="_blank"
              rel="noreferrer"
              data-testid="helpdesk-link"
            >
              {t('diag_helpdesk_link')}
            </a>
            <a
              href={`${browser.runtime.getURL('/allowlist.html')}?code=${encodeURIComponent(code)}`}
              target="_blank"
              rel="noreferrer"
              data-testid="allowlist-link"
            >
              {t('allowlist_page_link')}
            </a>
            {policy.itContact && (
              <a
                href={mailtoLink(policy.itContact, itMessageSubject(t), itMessage)}
                target="_blank"
                rel="noreferrer"
                data-testid="email-it"
              >
                {t('diag_email_it')}
              </a>
            )}
          </p>
        </>
      )}
      {problems.map((problem) => {
        const { name, substitutions } = policyProblemMessage(problem);
        return (
          <p
            key={problem.key}
            class="diagnostic-code__note"
            data-testid="policy-problem"
            data-key={problem.key}
            data-reason={problem.reason}
          >
            {t(name, substitutions)}
          </p>
        );
      })}
    </section>
  );
}

/** "What this code contains": every value the code holds, as the helpdesk will see it. */
function CodeContents({ evidence }: { evidence: Evidence }) {
  const text = describeEvidence(evidence, t);
  const rows = [...text.general, ...(text.network ?? []), ...(text.email ?? [])];
  return (
    <details class="diagnostic-code__contents" data-testid="diagnostic-code-contents">
      <summary>{t('diag_contents_heading')}</summary>
      <p>{t('diag_contents_intro')}</p>
      <dl>
        {rows.map((row) => (
          <div key={row.field} data-field={row.field}>
            <dt>{row.label}</dt>
            <dd>{row.value}</dd>
          </div>
        ))}
        {!text.network && (
          <div data-field="network">
            <dt>{t('diag_network_heading')}</dt>
            <dd>{t('diag_not_run')}</dd>
          </div>
        )}
        {!text.email && (
          <div data-field="email">
            <dt>{t('diag_email_heading')}</dt>
            <dd>{t('diag_not_run')}</dd>
          </div>
        )}
      </dl>
      <p>{t('diag_contents_not')}</p>
    </details>
  );
}
