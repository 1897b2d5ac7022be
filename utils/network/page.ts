/**
 * What a probe's answer says about who wrote it, read from its body in the service worker
 * (which has no DOMParser: https://developer.chrome.com/docs/extensions/develop/migrate/to-service-workers):
 * the kind of body, the page title and headings as text, the block vocabulary it uses, whether
 * it names Raftr, and a compact shape for comparing the answers of two names.
 *
 * Pure and small on purpose: only the first MAX_PAGE_CHARS characters are read, and what is
 * kept (ReadPage) is a few hundred bytes, stored with the run instead of the body.
 */
import { blockTermsIn, normalizeText } from './block-vocabulary';

export const MAX_PAGE_CHARS = 64 * 1024;
/** The title kept for the report, the finding and the diagnostic code: trimmed text. */
export const MAX_TITLE_CHARS = 80;
/** Tokens kept for comparing two answers. */
const MAX_SHAPE_TOKENS = 200;

export type BodyKind = 'html' | 'json' | 'text' | 'empty' | 'other';

export interface PageReading {
  kind: BodyKind;
  /** The `<title>`, as text (entities decoded, tags stripped), trimmed; null without one. */
  title: string | null;
  /** Block vocabulary in the title or the first headings (h1/h2). */
  titleTerms: string[];
  /** Block vocabulary in the rest of the visible text. */
  textTerms: string[];
  /**
   * The page names Raftr as itself: "Raftr" as a word in its title or text once every host
   * name and URL is taken out (a block page echoes the URL it blocked; it does not speak as
   * Raftr).
   */
  namesRaftr: boolean;
  /** Distinct words of the visible text, host names, URLs and numbers removed (for comparison). */
  shape: string[];
  /**
   * The URL a page with next to no text of its own sends the browser to: a meta refresh, a
   * script setting `location`, or a frame filling the page (how Netsweeper shows its deny
   * page). Null when it sends nowhere.
   */
  sendsTo: string | null;
}

/** Below this many words of its own, a page that frames or forwards to a URL is only that. */
const FORWARDER_MAX_WORDS = 40;

function forwardTarget(html: string): string | null {
  const patterns = [
    /<meta[^>]+http-equiv\s*=\s*["']?refresh["']?[^>]*content\s*=\s*["']?\s*\d*\s*;?\s*url\s*=\s*['"]?([^"'>\s]+)/i,
    /<i?frame\b[^>]*\bsrc\s*=\s*["']([^"']+)["']/i,
    /\b(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=\s*["']([^"']+)["']/i,
    /\blocation\.(?:replace|assign)\(\s*["']([^"']+)["']/i,
  ];
  for (const pattern of patterns) {
    const url = pattern.exec(html)?.[1];
    if (url) return decodeEntities(url);
  }
  return null;
}

/**
 * The named character references block pages and ordinary pages use (HTML's Latin-1 set and
 * the common punctuation); numeric references are decoded in full.
 * https://html.spec.whatwg.org/multipage/named-characters.html
 */
const NAMED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  copy: '©',
  reg: '®',
  laquo: '«',
  raquo: '»',
  middot: '·',
  hellip: '…',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  bull: '•',
  iexcl: '¡',
  iquest: '¿',
  szlig: 'ß',
  agrave: 'à',
  aacute: 'á',
  acirc: 'â',
  atilde: 'ã',
  auml: 'ä',
  aring: 'å',
  aelig: 'æ',
  ccedil: 'ç',
  egrave: 'è',
  eacute: 'é',
  ecirc: 'ê',
  euml: 'ë',
  igrave: 'ì',
  iacute: 'í',
  icirc: 'î',
  iuml: 'ï',
  ntilde: 'ñ',
  ograve: 'ò',
  oacute: 'ó',
  ocirc: 'ô',
  otilde: 'õ',
  ouml: 'ö',
  oslash: 'ø',
  ugrave: 'ù',
  uacute: 'ú',
  ucirc: 'û',
  uuml: 'ü',
  yacute: 'ý',
  yuml: 'ÿ',
  Agrave: 'À',
  Aacute: 'Á',
  Acirc: 'Â',
  Atilde: 'Ã',
  Auml: 'Ä',
  Aring: 'Å',
  AElig: 'Æ',
  Ccedil: 'Ç',
  Egrave: 'È',
  Eacute: 'É',
  Ecirc: 'Ê',
  Euml: 'Ë',
  Igrave: 'Ì',
  Iacute: 'Í',
  Icirc: 'Î',
  Iuml: 'Ï',
  Ntilde: 'Ñ',
  Ograve: 'Ò',
  Oacute: 'Ó',
  Ocirc: 'Ô',
  Otilde: 'Õ',
  Ouml: 'Ö',
  Oslash: 'Ø',
  Ugrave: 'Ù',
  Uacute: 'Ú',
  Ucirc: 'Û',
  Uuml: 'Ü',
  Yacute: 'Ý',
  oelig: 'œ',
  OElig: 'Œ',
};

export function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z][a-z0-9]*);?/gi, (whole, ref: string) => {
    if (ref[0] === '#') {
      const code =
        ref[1] === 'x' || ref[1] === 'X'
          ? Number.parseInt(ref.slice(2), 16)
          : Number.parseInt(ref.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code <= 0x10ffff
        ? String.fromCodePoint(code)
        : whole;
    }
    return NAMED_ENTITIES[ref] ?? whole;
  });
}

/** Text of an HTML fragment: no scripts, styles, comments or tags; entities decoded. */
function visibleText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<(script|style|noscript|template)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<[^>]*>/g, ' '),
  )
    .replace(/\s+/g, ' ')
    .trim();
}

function firstMatches(html: string, tag: string, limit: number): string[] {
  const out: string[] = [];
  const pattern = new RegExp(`<${tag}\\b[^>]*>([\\s\\S]*?)</${tag}\\s*>`, 'gi');
  for (const match of html.matchAll(pattern)) {
    const text = visibleText(match[1] ?? '');
    if (text) out.push(text);
    if (out.length >= limit) break;
  }
  return out;
}

function kindOf(body: string, contentType: string | undefined): BodyKind {
  const type = (contentType ?? '').toLowerCase();
  const start = body.trimStart().slice(0, 256).toLowerCase();
  if (!body.trim()) return 'empty';
  if (/json/.test(type)) return 'json';
  if (/html|xml/.test(type)) return 'html';
  if (
    /^<!doctype html|^<html|<(?:head|body|title|meta|i?frame|frameset|div|script|style|p|a)\b/.test(
      start,
    )
  ) {
    return 'html';
  }
  if (/^[[{]/.test(start)) return 'json';
  if (type.startsWith('text/') || !type) return 'text';
  return 'other';
}

/** Host names (anything dotted that ends in a letter label) and URLs, which pages echo. */
const HOSTS_AND_URLS =
  /\b[a-z][a-z0-9+.-]*:\/\/\S+|\b(?:[a-z0-9-]+\.)+[a-z]{2,}(?::\d+)?(?:\/\S*)?/gi;

export function clipTitle(title: string): string {
  // \p{Cc}: control characters, which a title shown to people and put in a code must not carry.
  const clean = title
    .replace(/\p{Cc}/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return clean.length > MAX_TITLE_CHARS ? `${clean.slice(0, MAX_TITLE_CHARS - 1)}…` : clean;
}

/** Reads a probe's body (the first MAX_PAGE_CHARS characters of it). */
export function readPage(
  rawBody: string | undefined,
  contentType: string | undefined,
): PageReading {
  const body = (rawBody ?? '').slice(0, MAX_PAGE_CHARS);
  const kind = kindOf(body, contentType);
  if (kind !== 'html' && kind !== 'text') {
    return {
      kind,
      title: null,
      titleTerms: [],
      textTerms: [],
      namesRaftr: false,
      shape: [],
      sendsTo: null,
    };
  }
  const titleText = kind === 'html' ? (firstMatches(body, 'title', 1)[0] ?? null) : null;
  const headings =
    kind === 'html' ? [...firstMatches(body, 'h1', 2), ...firstMatches(body, 'h2', 2)] : [];
  const text = kind === 'html' ? visibleText(body) : body.replace(/\s+/g, ' ').trim();
  const withoutHosts = (value: string) => value.replace(HOSTS_AND_URLS, ' ');
  const titleTerms = blockTermsIn(
    normalizeText(withoutHosts([titleText ?? '', ...headings].join(' · '))),
  );
  const allTerms = blockTermsIn(normalizeText(withoutHosts(text)));
  const textTerms = allTerms.filter((id) => !titleTerms.includes(id));
  const ownWords = normalizeText(withoutHosts(`${titleText ?? ''} ${text}`));
  const shape = [
    ...new Set(
      ownWords
        .replace(/[0-9]+/g, ' ')
        .split(/[^\p{L}]+/u)
        .filter((word) => word.length > 1),
    ),
  ]
    .sort()
    .slice(0, MAX_SHAPE_TOKENS);
  const words = ownWords.split(' ').filter(Boolean).length;
  return {
    kind,
    title: titleText === null ? null : clipTitle(titleText),
    titleTerms,
    textTerms,
    namesRaftr: /\braftr\b/.test(ownWords),
    shape,
    sendsTo: kind === 'html' && words <= FORWARDER_MAX_WORDS ? forwardTarget(body) : null,
  };
}

/**
 * Whether two answers are the same page (a filter serves one page for every name it blocks):
 * the same words, give or take the URL they echo. Jaccard similarity of the word sets ≥ 0.9,
 * and enough words for the comparison to mean something.
 */
export function samePage(a: PageReading | undefined, b: PageReading | undefined): boolean {
  if (!a || !b || a.kind !== 'html' || b.kind !== 'html') return false;
  if (a.shape.length < 5 || b.shape.length < 5) return false;
  const setB = new Set(b.shape);
  const shared = a.shape.filter((word) => setB.has(word)).length;
  const union = new Set([...a.shape, ...b.shape]).size;
  return shared / union >= 0.9;
}

/**
 * The body's characters: the charset of Content-Type, else of a `<meta charset>` in its first
 * kilobyte (https://html.spec.whatwg.org/multipage/parsing.html#prescan-a-byte-stream-to-determine-its-encoding,
 * simplified), else UTF-8. A block page in windows-1252 still reads "Accès refusé".
 */
export function decodeBody(bytes: Uint8Array, contentType: string | undefined): string {
  const fromHeader = /charset\s*=\s*["']?([\w.:-]+)/i.exec(contentType ?? '')?.[1];
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, 1024));
  const fromMeta = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
  for (const label of [fromHeader, fromMeta, 'utf-8']) {
    if (!label) continue;
    try {
      return new TextDecoder(label).decode(bytes);
    } catch {
      // An unknown label: try the next source.
    }
  }
  return new TextDecoder().decode(bytes);
}
