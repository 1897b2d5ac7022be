/**
 * The code the standalone decoder opens with, from its own address. Pure (no `location`), so
 * that it can be tested without a page.
 */

/**
 * `?code=` first, else the `#fragment`. A fragment survives pages served from anywhere, even
 * file://, but it is whatever someone pasted or typed: a stray `%` (`#%E0%A4%A`) makes
 * decodeURIComponent throw a URIError, which used to leave the page blank. Such a fragment is
 * kept as it is, so the decoder shows its usual "not a valid code" message for it.
 */
export function codeFromLocation(search: string, hash: string): string {
  const fromQuery = new URLSearchParams(search).get('code');
  if (fromQuery !== null) return fromQuery;
  const fragment = hash.replace(/^#/, '');
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}
