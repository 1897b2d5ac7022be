import { render } from 'preact';
import { t } from '@/components/i18n';
import { LazySection } from '@/components/LazySection';
import { NetworkCheck } from '@/components/NetworkCheck';
import { localizePage } from '@/components/page-language';
import { beginNetworkCheck } from '@/components/use-network-run';
import type { NetworkRun } from '@/utils/network/run';
import { networkRunItem } from '@/utils/storage';
import '@/components/base.css';
import './style.css';

const loadEmailCheck = () => import('@/components/EmailCheck').then((m) => m.EmailCheck);
const loadNetworkChange = () => import('@/components/NetworkChange').then((m) => m.NetworkChange);
const loadDiagnosticCode = () =>
  import('@/components/DiagnosticCode').then((m) => m.DiagnosticCode);

function Popup({ initialRun }: { initialRun: NetworkRun | null }) {
  return (
    <main class="popup">
      <h1>{t('popup_title')}</h1>
      <NetworkCheck initialRun={initialRun} />
      <LazySection load={loadNetworkChange} />
      <LazySection load={loadEmailCheck} />
      <LazySection load={loadDiagnosticCode} />
    </main>
  );
}

beginNetworkCheck();
localizePage(t, 'popup_title');
// The last verdict (a check the popup or a failed navigation started) is in the first paint:
// one session-storage read, in memory, before rendering (issue #12; `npm run bench`).
networkRunItem
  .getValue()
  .catch(() => null)
  .then((initialRun) => {
    render(<Popup initialRun={initialRun} />, document.getElementById('app') as HTMLElement);
  });
