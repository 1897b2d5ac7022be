/**
 * One way to turn a message name into words, everywhere: the extension passes
 * `browser.i18n.getMessage`; the CLI and the standalone decoder use the same catalogs
 * (utils/catalogs.ts) through `createTranslator`, which follows the WebExtension substitution rules ($1…$9 and
 * `$NAME$` placeholders; https://developer.chrome.com/docs/extensions/reference/api/i18n).
 */
export type Catalog = Record<
  string,
  { message: string; placeholders?: Record<string, { content: string }> }
>;
export type MessageKey = keyof typeof import('../public/_locales/en/messages.json');
/** A translator: the message for `key`, with substitutions. Unknown keys give "". */
export type Translate = (key: string, substitutions?: readonly string[]) => string;

/**
 * A substitution that is itself a message, written as the manifest writes one
 * (`__MSG_name__`, https://developer.chrome.com/docs/extensions/mv3/i18n/#overview-predefined):
 * pure rules pass words such as "your mail system" this way, and every translator resolves them
 * in the reader's language, so no rule ever returns English.
 */
export function messageRef(key: string): string {
  return `__MSG_${key}__`;
}

const MESSAGE_REFS = /__MSG_([A-Za-z0-9_@]+)__/g;

/** Substitutions with their message references put into words by `translate`. */
export function resolveSubstitutions(
  substitutions: readonly string[],
  translate: Translate,
): string[] {
  // Anywhere in the value: a list such as "Microsoft 365 / __MSG_mail_system_name_other__".
  return substitutions.map((value) =>
    value.replace(MESSAGE_REFS, (_whole, key: string) => translate(key)),
  );
}

/** A text that may be a message reference (a product or system name), in words. */
export function resolveText(value: string, translate: Translate): string {
  return resolveSubstitutions([value], translate)[0] ?? value;
}

export function createTranslator(catalog: Catalog): Translate {
  const translate: Translate = (key, given = []) => {
    const entry = catalog[key];
    if (!entry) return '';
    const substitutions = resolveSubstitutions(given, translate);
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
  return translate;
}

/** "ip-blocked" → "ip_blocked": message names allow only [A-Za-z0-9_@]. */
export function messageName(...parts: string[]): string {
  return parts.join('_').replace(/-/g, '_');
}
