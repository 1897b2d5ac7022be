/**
 * The standalone decoder: the helpdesk decoder in one self-contained HTML file
 * (.output/raftr-decoder.html, built by scripts/build-decoder.ts), for a helpdesk without the
 * extension. No `browser.*` here: words come from the English catalog bundled into the file.
 */
import { render } from 'preact';
import { HelpdeskDecoder } from '@/components/HelpdeskReport';
import { createTranslator, ENGLISH_CATALOG } from '@/utils/i18n';
import '@/components/base.css';
import '@/components/page.css';
import '@/components/helpdesk.css';

const t = createTranslator(ENGLISH_CATALOG);

function StandaloneDecoder() {
  // `#CODE` as well as `?code=`: a fragment survives pages served from anywhere, even file://.
  const code =
    new URLSearchParams(location.search).get('code') ?? decodeURIComponent(location.hash.slice(1));
  return (
    <main class="page helpdesk-page">
      <h1>{t('helpdesk_title')}</h1>
      <p class="intro">{t('helpdesk_intro')}</p>
      <p class="intro">{t('helpdesk_standalone_note')}</p>
      <HelpdeskDecoder t={t} initialCode={code} />
    </main>
  );
}

document.title = t('helpdesk_title');
render(<StandaloneDecoder />, document.getElementById('app') as HTMLElement);
