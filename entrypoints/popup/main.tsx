import { render } from 'preact';
import { t } from '@/components/i18n';
import { LazySection } from '@/components/LazySection';
import { NetworkCheck } from '@/components/NetworkCheck';
import { localizePage } from '@/components/page-language';
import { beginNetworkCheck } from '@/components/use-network-run';
import '@/components/base.css';
import './style.css';

const loadEmailCheck = () => import('@/components/EmailCheck').then((m) => m.EmailCheck);
const loadDiagnosticCode = () =>
  import('@/components/DiagnosticCode').then((m) => m.DiagnosticCode);

function Popup() {
  return (
    <main class="popup">
      <h1>{t('popup_title')}</h1>
      <NetworkCheck />
      <LazySection load={loadEmailCheck} />
      <LazySection load={loadDiagnosticCode} />
    </main>
  );
}

beginNetworkCheck();
localizePage(t, 'popup_title');
render(<Popup />, document.getElementById('app') as HTMLElement);
