/**
 * The standalone decoder: the helpdesk decoder in one self-contained HTML file
 * (.output/raftr-decoder.html, built by scripts/build-decoder.ts), for a helpdesk without the
 * extension. No `browser.*` here: words come from the catalogs bundled into the file, in the
 * language `?lang=` names or else the browser's first shipped one (English otherwise). Both views
 * of the extension's helpdesk page: one code, and many codes at once (`?view=many`).
 */
import { render } from 'preact';
import { HelpdeskViews, viewFromSearch } from '@/components/CodeSummaryView';
import { codeFromLocation } from '@/components/decoder/code-from-location';
import { HelpdeskDecoder } from '@/components/HelpdeskReport';
import { localizePage } from '@/components/page-language';
import { isLanguage, type Language, translatorFor } from '@/utils/catalogs';
import '@/components/base.css';
import '@/components/page.css';
import '@/components/helpdesk.css';

function decoderLanguage(): Language {
  const asked = new URLSearchParams(location.search).get('lang');
  const candidates = [asked ?? '', ...navigator.languages].map((tag) => tag.slice(0, 2));
  return candidates.find(isLanguage) ?? 'en';
}

const t = translatorFor(decoderLanguage());

function StandaloneDecoder() {
  // `#CODE` as well as `?code=`; a malformed fragment is shown as an invalid code, not thrown.
  const code = codeFromLocation(location.search, location.hash);
  return (
    <main class="page helpdesk-page">
      <h1>{t('helpdesk_title')}</h1>
      <p class="intro">{t('helpdesk_intro')}</p>
      <p class="intro">{t('helpdesk_standalone_note')}</p>
      <HelpdeskViews
        t={t}
        initialView={viewFromSearch(location.search)}
        one={<HelpdeskDecoder t={t} initialCode={code} />}
      />
    </main>
  );
}

localizePage(t, 'helpdesk_title');
render(<StandaloneDecoder />, document.getElementById('app') as HTMLElement);
