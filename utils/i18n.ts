/**
 * One way to turn a message name into words, everywhere: the extension passes
 * `browser.i18n.getMessage`; the CLI and the standalone decoder use the same catalog through
 * `createTranslator`, which follows the WebExtension substitution rules ($1…$9 and
 * `$NAME$` placeholders; https://developer.chrome.com/docs/extensions/reference/api/i18n).
 */
import english from '../public/_locales/en/messages.json' with { type: 'json' };

export type Catalog = Record<
  string,
  { message: string; placeholders?: Record<string, { content: string }> }
>;
export type MessageKey = keyof typeof english;
/** A translator: the message for `key`, with substitutions. Unknown keys give "". */
export type Translate = (key: string, substitutions?: readonly string[]) => string;

export function createTranslator(catalog: Catalog): Translate {
  return (key, substitutions = []) => {
    const entry = catalog[key];
    if (!entry) return '';
    let text = entry.message.replace(/\$([A-Za-z0-9_@]+)\$/g, (whole, name: string) => {
      const placeholder = entry.placeholders?.[name.toLowerCase()];
      return placeholder ? placeholder.content : whole;
    });
    text = text.replace(
      /\$(\d)/g,
      (_whole, digit: string) => substitutions[Number(digit) - 1] ?? '',
    );
    return text.replace(/\$\$/g, '$');
  };
}

export const ENGLISH_CATALOG: Catalog = english;
export const translateEnglish: Translate = createTranslator(english);

/** "ip-blocked" → "ip_blocked": message names allow only [A-Za-z0-9_@]. */
export function messageName(...parts: string[]): string {
  return parts.join('_').replace(/-/g, '_');
}
