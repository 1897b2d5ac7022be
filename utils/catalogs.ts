/**
 * The shipped catalogs as data, for what runs outside the browser's i18n: the CLI, the
 * standalone decoder, the helpdesk page's language choice and the tests. Kept apart from
 * utils/i18n.ts so that the popup, which translates through `browser.i18n`, never bundles them.
 */
import english from '../public/_locales/en/messages.json' with { type: 'json' };
import spanish from '../public/_locales/es/messages.json' with { type: 'json' };
import french from '../public/_locales/fr/messages.json' with { type: 'json' };
import { type Catalog, createTranslator, type Translate } from './i18n';

/** The languages the extension ships, in `_locales` directory names. */
export const LANGUAGES = ['en', 'es', 'fr'] as const;
export type Language = (typeof LANGUAGES)[number];

export const CATALOGS: Readonly<Record<Language, Catalog>> = {
  en: english,
  es: spanish,
  fr: french,
};

export const ENGLISH_CATALOG: Catalog = english;
export const translateEnglish: Translate = createTranslator(english);

export function isLanguage(value: string): value is Language {
  return (LANGUAGES as readonly string[]).includes(value);
}

/**
 * The translator for one of the shipped languages (the CLI's and the decoders' `--lang`), with
 * English for a message the language lacks, as the browser does: a missing translation shows
 * English, never a blank (tests/unit/locales.test.ts keeps them complete).
 */
export function translatorFor(language: Language): Translate {
  return createTranslator(language === 'en' ? english : { ...english, ...CATALOGS[language] });
}
