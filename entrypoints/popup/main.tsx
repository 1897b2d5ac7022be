import { render } from 'preact';
import { DiagnosticCode } from '@/components/DiagnosticCode';
import { EmailCheck } from '@/components/EmailCheck';
import { t } from '@/components/i18n';
import { NetworkCheck } from '@/components/NetworkCheck';
import './style.css';

function Popup() {
  return (
    <main class="popup">
      <h1>{t('popup_title')}</h1>
      <NetworkCheck />
      <EmailCheck />
      <DiagnosticCode />
    </main>
  );
}

render(<Popup />, document.getElementById('app') as HTMLElement);
