import { render } from 'preact';
import { HelpdeskViews, viewFromSearch } from '@/components/CodeSummaryView';
import { HelpdeskDecoder } from '@/components/HelpdeskReport';
import { t } from '@/components/i18n';
import { useManagedPolicy } from '@/components/managed-policy';
import { localizePage } from '@/components/page-language';
import '@/components/base.css';
import '@/components/page.css';
import '@/components/helpdesk.css';

/** The allow-list page of this extension, for one code (relative: it sits beside this page). */
const allowlistUrl = (code: string) => `allowlist.html?code=${encodeURIComponent(code)}`;

/**
 * The helpdesk page in the extension: `helpdesk.html?code=…` decodes straight away; its second
 * view summarises many codes (`?view=many` opens it).
 */
function HelpdeskPage() {
  const { policy } = useManagedPolicy();
  const code = new URLSearchParams(location.search).get('code') ?? '';
  return (
    <main class="page helpdesk-page">
      <h1>{t('helpdesk_title')}</h1>
      <p class="intro">{t('helpdesk_intro')}</p>
      <HelpdeskViews
        t={t}
        initialView={viewFromSearch(location.search)}
        one={
          <HelpdeskDecoder
            t={t}
            itContact={policy.itContact}
            initialCode={code}
            allowlistUrl={allowlistUrl}
          />
        }
      />
    </main>
  );
}

localizePage(t, 'helpdesk_title');
render(<HelpdeskPage />, document.getElementById('app') as HTMLElement);
