import type { Translate } from '@/utils/i18n';

/**
 * The page in the language its words are in: `lang` from the catalog actually used (a browser
 * in German gets the English fallback, so its pages say `en`), and the title from the catalog.
 * The HTML files carry no language of their own (https://www.w3.org/International/questions/qa-html-language-declarations).
 */
export function localizePage(t: Translate, titleKey: string): void {
  document.documentElement.lang = t('locale_code') || 'en';
  document.title = t(titleKey);
}
