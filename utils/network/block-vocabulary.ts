/**
 * The words filters use on their pages, in the languages of US and Canadian campuses (English,
 * Spanish, French) and of the products' other default translations (German, Portuguese,
 * Italian, Dutch). A block page of a product nobody listed still says what it is: "Access
 * denied", "Acceso denegado", "Accès refusé", "Web page blocked".
 *
 * Taken from the pages of tests/corpus/network (Squid's translated ERR_ACCESS_DENIED templates,
 * e2guardian's language packs, FortiGuard, Palo Alto, WatchGuard, Cisco WSA, Untangle,
 * squidGuard) and the OONI fingerprints' texts (shared/data/ooni-fingerprints_http.csv).
 *
 * Patterns run on normalized text (lower case, accents removed: "accès refusé" is matched as
 * "acces refuse"), so each is written without accents. They are deliberately phrases, not
 * single common words, except for participles that only block pages put in a title
 * ("blocked", "bloqueado", "gesperrt"). Where a word matters (title or heading, or only the
 * page's text) is decided by utils/network/identity.ts.
 */
export interface BlockTerm {
  id: string;
  lang: 'en' | 'es' | 'fr' | 'de' | 'pt' | 'it' | 'nl';
  pattern: RegExp;
}

const PLACE = '(?:site|page|web ?page|website|web ?site|url|resource|content|request|domain)';

export const BLOCK_VOCABULARY: readonly BlockTerm[] = [
  { id: 'en-blocked', lang: 'en', pattern: /\bblocked\b/ },
  { id: 'en-access-denied', lang: 'en', pattern: /\baccess (?:is |was |has been )?denied\b/ },
  { id: 'en-access-restricted', lang: 'en', pattern: /\baccess (?:is )?restricted\b/ },
  {
    id: 'en-place-denied',
    lang: 'en',
    pattern: new RegExp(
      `\\b${PLACE} (?:is |was |has been )?(?:denied|restricted|filtered|not allowed)\\b`,
    ),
  },
  { id: 'en-request-denied', lang: 'en', pattern: /\brequest (?:was |has been )?denied\b/ },
  { id: 'en-web-filter', lang: 'en', pattern: /\b(?:web|content|url|internet) filter(?:ing)?\b/ },
  {
    id: 'en-policy-violation',
    lang: 'en',
    pattern: /\b(?:policy violation|violation of (?:your |the )?[\w' ]{0,40}polic(?:y|ies))\b/,
  },
  { id: 'en-acceptable-use', lang: 'en', pattern: /\bacceptable use polic(?:y|ies)\b/ },
  // FortiGate's titles: "Web Filter Violation", "Application Control Violation".
  { id: 'en-violation', lang: 'en', pattern: /\bviolation\b/ },
  { id: 'en-not-retrieved', lang: 'en', pattern: /\brequested url could not be retrieved\b/ },
  { id: 'es-bloqueado', lang: 'es', pattern: /\bbloquead[oa]s?\b/ },
  {
    id: 'es-acceso-denegado',
    lang: 'es',
    pattern: /\bacceso (?:ha sido )?(?:denegado|restringido)\b/,
  },
  {
    id: 'es-no-permitido',
    lang: 'es',
    pattern: /\b(?:no (?:esta|es) permitid[oa]|prohibid[oa])\b/,
  },
  { id: 'es-filtro', lang: 'es', pattern: /\bfiltro (?:web|de contenidos?|de url|de internet)\b/ },
  { id: 'es-no-conseguir', lang: 'es', pattern: /\burl solicitada no (?:se )?ha podido\b/ },
  {
    id: 'fr-acces-refuse',
    lang: 'fr',
    pattern: /\bacces (?:est )?(?:refuse|interdit|restreint|bloque)e?\b/,
  },
  {
    id: 'fr-place-bloque',
    lang: 'fr',
    pattern:
      /\b(?:site|page|url|contenu|requete) (?:web )?(?:a ete |est )?(?:bloquee?|interdite?|refusee?)s?\b/,
  },
  { id: 'fr-non-autorise', lang: 'fr', pattern: /\bnon autorisee?s?\b/ },
  {
    id: 'fr-filtrage',
    lang: 'fr',
    pattern: /\b(?:filtrage|filtre) (?:web|de contenus?|url|internet)\b/,
  },
  { id: 'fr-pu-etre-charge', lang: 'fr', pattern: /\burl demandee n'a pu etre charge/ },
  { id: 'de-gesperrt', lang: 'de', pattern: /\b(?:gesperrt|blockiert|geblockt)\b/ },
  {
    id: 'de-zugriff-verweigert',
    lang: 'de',
    pattern: /\b(?:zugriff|zugang) (?:wurde )?verweigert\b/,
  },
  { id: 'de-nicht-erlaubt', lang: 'de', pattern: /\bnicht (?:erlaubt|gestattet)\b/ },
  { id: 'de-webfilter', lang: 'de', pattern: /\b(?:web|inhalts|url)filter\b/ },
  {
    id: 'pt-acesso-negado',
    lang: 'pt',
    pattern: /\bacesso (?:foi )?(?:negado|bloqueado|restrito)\b/,
  },
  { id: 'pt-nao-permitido', lang: 'pt', pattern: /\b(?:nao (?:e )?permitid[oa]|proibid[oa])\b/ },
  {
    id: 'it-accesso-negato',
    lang: 'it',
    pattern: /\baccesso (?:e )?(?:negato|bloccato|vietato)\b/,
  },
  { id: 'it-bloccato', lang: 'it', pattern: /\bbloccat[oa]\b/ },
  { id: 'nl-geblokkeerd', lang: 'nl', pattern: /\b(?:geblokkeerd|toegang geweigerd)\b/ },
];

/** Lower case, accents removed, whitespace collapsed: the form the patterns are written for. */
export function normalizeText(text: string): string {
  return text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[’‘`´]/g, "'")
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
}

/** The ids of the terms found in already normalized text. */
export function blockTermsIn(normalized: string): string[] {
  if (!normalized) return [];
  return BLOCK_VOCABULARY.filter((term) => term.pattern.test(normalized)).map((term) => term.id);
}
