/**
 * What an unrecognised filter showed, in the form the diagnostic code carries it and every
 * view shows it: the HTTP status, and either the host a block redirect pointed to or the first
 * characters of the page's title, folded to a small alphabet that can be read over the phone
 * (lower case, no accents: "Accès refusé" → "acces refuse"). One form everywhere, so that the
 * popup, the code and the decoders say exactly the same thing.
 *
 * No personal data: a filter's status, its own title and its own host name. A title that
 * carries an address, a number or a user name is cut to 13 characters of letters, digits and
 * `.-:`; the user name a few block pages print in their body is never read.
 */
import type { FilterHint } from './identity';

/** The 40 characters a hint's text may hold (index = digit in the code). */
export const HINT_ALPHABET = ' abcdefghijklmnopqrstuvwxyz0123456789.-:';
/** Characters of text a hint keeps. */
export const HINT_TEXT_MAX = 13;

function fold(text: string, keepSpaces: boolean): string {
  const folded = text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/ß/g, 'ss')
    .split('')
    .map((c) => (HINT_ALPHABET.includes(c) ? c : ' '))
    .join('')
    .replace(/\s+/g, keepSpaces ? ' ' : '')
    .trim();
  return folded.slice(0, HINT_TEXT_MAX).trim();
}

/** The hint as the code holds it, or undefined when there is nothing to hold. */
export function normalizeHint(hint: FilterHint | undefined): FilterHint | undefined {
  if (!hint) return undefined;
  const status =
    typeof hint.status === 'number' &&
    Number.isInteger(hint.status) &&
    hint.status >= 100 &&
    hint.status <= 599
      ? hint.status
      : undefined;
  const host = hint.redirectHost ? fold(hint.redirectHost, false) : '';
  const title = !host && hint.title ? fold(hint.title, true) : '';
  if (status === undefined && !host && !title) return undefined;
  return {
    ...(status !== undefined ? { status } : {}),
    ...(host ? { redirectHost: host } : {}),
    ...(title ? { title } : {}),
  };
}
