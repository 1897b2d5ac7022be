import { render } from 'preact';
import { NetworkCheck } from '@/components/NetworkCheck';
import { t } from '@/components/i18n';
import './style.css';

function Popup() {
  return (
    <main class="popup">
      <h1>{t('popup_title')}</h1>
      <NetworkCheck />
    </main>
  );
}

render(<Popup />, document.getElementById('app') as HTMLElement);
