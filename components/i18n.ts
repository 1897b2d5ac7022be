import { browser } from 'wxt/browser';
import { resolveSubstitutions, type Translate } from '@/utils/i18n';

/** The extension's translator: the browser's i18n, so the user's language is used. */
export const t: Translate = (key, substitutions) =>
  browser.i18n.getMessage(
    key as never,
    substitutions ? resolveSubstitutions(substitutions, t) : undefined,
  );
