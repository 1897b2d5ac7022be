/**
 * The words of `raftr-diag --lang`: the shipped catalog of that language, and English for a
 * message it does not have yet, as the browser does with the manifest's default_locale (the
 * catalogs are translated after the English one changes). Apart from bin/raftr-diag.ts so that
 * tests can build the same translator without loading the CLI.
 */
import { type Language, translateEnglish, translatorFor } from '../utils/catalogs';
import type { Translate } from '../utils/i18n';

export function cliTranslator(language: Language): Translate {
  if (language === 'en') return translateEnglish;
  const chosen = translatorFor(language);
  return (key, substitutions) => chosen(key, substitutions) || translateEnglish(key, substitutions);
}
