/**
 * The diagnostic code: the evidence of one diagnosis (utils/evidence.ts) in 18 symbols a user
 * can read over the phone, e.g. `07VM9F-CHGSRF-Z7HMT2` (v1: a Zscaler block page on the Raftr
 * names, 2026-03-02 14:00 UTC, Chrome 144, extension 0.1.0; more in
 * tests/unit/fixtures/diagnostic-codes-v*.json). It carries evidence, never prose: a decoder
 * re-derives the findings with the same rules, so an old code still decodes to the findings
 * it had (and to a rule's fix, when a rule is fixed later).
 *
 * ## Format (every version)
 * - 18 symbols of Crockford base32 (https://www.crockford.com/base32.html), shown upper case
 *   in three groups of six: 18 + 2 dashes = 20 characters. Decoding ignores case, spaces and
 *   dashes, and reads O as 0 and I, L as 1. U is not a symbol.
 * - From v2, a code may have a second block of 18 symbols (36 in all, six groups), when the
 *   first says one follows: what an unrecognised filter showed (layout below). Each block has
 *   its own check symbol, so a typo in either is caught; a first block alone that announces a
 *   second is reported as incomplete, never decoded short.
 * - Symbols 1-17 are the data: a big-endian base-32 integer D < 32^17 = 2^85.
 *   Symbol 18 is the check symbol (below).
 * - D = versionDigit · 2^83 + payload. The version is D's top two bits, i.e. the top two bits
 *   of the first symbol: v1 codes start with 0-7, v2 with 8-F, v3 with G-Q, v4 with R-Z.
 *   Digit 3 (v4) is kept for a future format that needs more versions: it will split its
 *   2^83 codes again. Every version has 18 symbols, so a length change is always a typo.
 * - The payload is a mixed-radix number whose digits are indexes into the fixed-order,
 *   append-only enumerations (OUTCOMES, BLOCK_PRODUCT_IDS, PLACEMENTS, …). Each layout keeps
 *   the *count* of each enumeration it knows (a snapshot), so appending to an enumeration
 *   never changes how an existing code decodes; a code needs a new layout to use new values.
 *
 * ## Check symbol
 * One symbol c over GF(32) (primitive polynomial x^5 + x^2 + 1, α = 2) such that
 * Σ_{i=0}^{17} α^i · x_i = 1, with x_17 = c (symbol values 0-31 as field elements). All weights α^0 … α^17 are distinct and nonzero
 * (α has order 31 > 18), so:
 * - a single substitution x_i → x_i + e (e ≠ 0) changes the sum by α^i · e ≠ 0;
 * - swapping adjacent x_i ≠ x_{i+1} changes it by (α^i + α^{i+1})(x_i + x_{i+1})
 *   = α^i (1 + α)(x_i + x_{i+1}) ≠ 0 (a field has no zero divisors; + is − in GF(2^5)).
 * Both are also checked exhaustively by tests/unit/diagnostic-code.test.ts. Any other
 * corruption passes the check with probability 1/32 (then 7% of those fall outside v1's
 * payload range, which uses 2^82.89 of its 2^83 values, and are reported as malformed).
 *
 * ## Layout v1 (profile version 1), payload digits, least significant first
 * | field | radix | bits |
 * |---|---|---|
 * | email: 0 = not checked, else 1 + source(3)·placement(5)·spf(5)·dkim(5)·dmarc(5)·sendingIp(3)·mailbox(12)·gateway(12)·filterVerdict(8)·delay(4) | 25,920,001 | 24.63 |
 * | network: 0 = not checked, else 1 + outcomes of the 5 probes (13 each) and the block product (55 + none), the product kept only when a probe is `proxy-blocked` or `dns-failed` (the only outcomes that name one) | 11,934,604 | 23.51 |
 * | browser major: 0 = unknown, else 1 + (major − base); base 88 for Chromium-based families (MV3's first Chrome), 109 for Firefox (its first MV3 release); other majors are stored as unknown | 129 | 7.01 |
 * | browser family (chrome, edge, firefox, other) | 4 | 2 |
 * | extension version patch 0-9, minor 0-63, major 0-1 | 10 · 64 · 2 | 10.32 |
 * | hours since 2026-01-01T00:00Z, up to 2031-01-01T00:00Z | 43,824 | 15.42 |
 * Total 2^82.89 ≤ 2^83. The profile version is not stored: v1 means profile 1.
 * Time is floored to the hour: enough to find the run in firewall and mail logs.
 * Out of the layout's range (after 2030, extension ≥ 2.0.0, minor ≥ 64, patch ≥ 10, another
 * profile version) `encodeEvidence` returns `out-of-range`: the next layout must cover it.
 *
 * ## Layout v2 (profile version 1)
 * As v1, but the browser major covers 64 versions from 120 (Chromium-based) and 115 (Firefox,
 * its ESR line), and one more digit (radix 2) says whether a hint block follows:
 * `hint: 0 = none, 1 = a second block`. Total ≤ 2^82.91.
 * The hint block's 17 data symbols (no version bits) hold, least significant first: the HTTP
 * status (0 = none, else status − 99, radix 501), the kind of text (0 none, 1 page title,
 * 2 redirect host; radix 3), its length (0-13, radix 14) and 13 characters of
 * utils/network/hint.ts HINT_ALPHABET (radix 40): 2^83.55 ≤ 2^85.
 *
 * ## Layout v3 (profile version 1)
 * As v2 (the hint digit and block included), with three changes:
 * - time: hours since 2026-11-01T00:00Z, up to 2030-11-01T00:00Z (35,064);
 * - extension version: patch 0-9, minor 0-15, major 0-1 (320);
 * - email, in the header analysis' own words (utils/email/evidence.ts): 0 = not checked, else
 *   1 + one of two variants. A message that never arrived: source(3)·mailbox(4)·gateway(12)·
 *   filterVerdict(8) (1,152 values; what the rules read of it). One that arrived, after those:
 *   source(3)·placement(4)·spf(8)·dkim(7)·dmarc(7)·sendingIp(3)·mailbox(4)·gateway(12)·
 *   filterVerdict(8)·allowOverride(3)·delay(4)·forwarded(2). Each check keeps the results
 *   RFC 8601 gives it (V3_SPF, V3_DKIM, V3_DMARC; `policy` is stored as fail); the mailbox is a
 *   platform, another server or unknown (a gateway product given as the mailbox is the gateway:
 *   canonicalEmailEvidence); the filter's 'allowed' of v1 is an `allowOverride` since v3.
 *   A decoded v3 code gives the findings of the evidence it was made from.
 * Total ≤ 2^82.91.
 *
 * No personal data can be in a code: the evidence has no field for one (the hint is a filter's
 * status and its own title or host, folded: utils/network/hint.ts).
 */

import {
  ALLOW_OVERRIDES,
  AUTH_VERDICTS,
  type AuthVerdict,
  DELAY_BANDS,
  EMAIL_SOURCES,
  type EmailEvidence,
  FILTER_VERDICTS,
  type FilterVerdict,
  MAIL_SYSTEMS,
  type MailSystemId,
  PLACEMENTS,
  SENDING_IP_MATCHES,
  UNKNOWN_EMAIL_EVIDENCE,
} from './email/evidence';
import { canonicalEmailEvidence } from './email/findings';
import {
  BROWSER_FAMILIES,
  type BrowserFamily,
  type BrowserInfo,
  EVIDENCE_TIME_RESOLUTION_MS,
  type Evidence,
} from './evidence';
import { BLOCK_PRODUCT_IDS, type BlockProductId } from './network/block-products';
import type { NetworkEvidence } from './network/findings';
import { HINT_ALPHABET, HINT_TEXT_MAX, normalizeHint } from './network/hint';
import type { FilterHint } from './network/identity';
import { OUTCOMES, type Outcome } from './network/outcomes';
import { PROBE_TARGET_IDS, type ProbeTargetId } from './profile';

export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Symbols per code, check symbol included (every version). */
export const CODE_SYMBOLS = 18;
const DATA_SYMBOLS = CODE_SYMBOLS - 1;
export const GROUP_SIZE = 6;
/** Characters as displayed: symbols and the dashes between groups. */
export const CODE_LENGTH = CODE_SYMBOLS + CODE_SYMBOLS / GROUP_SIZE - 1;
/** The format version new codes are made in. */
export const CURRENT_VERSION = 3;
/** Symbols of a code with its hint block (v2 and later). */
export const LONG_CODE_SYMBOLS = 2 * CODE_SYMBOLS;
const VERSION_SHIFT = 83n;

// ---------------------------------------------------------------------------------------------
// GF(32) arithmetic for the check symbol.

const PRIMITIVE_POLYNOMIAL = 0b100101; // x^5 + x^2 + 1
const GF_EXP: number[] = [];
const GF_LOG: number[] = new Array(32).fill(0);
for (let i = 0, x = 1; i < 31; i++) {
  GF_EXP[i] = x;
  GF_LOG[x] = i;
  x <<= 1;
  if (x & 32) x ^= PRIMITIVE_POLYNOMIAL;
}

function gfMul(a: number, b: number): number {
  if (a === 0 || b === 0) return 0;
  return GF_EXP[((GF_LOG[a] as number) + (GF_LOG[b] as number)) % 31] as number;
}

/** α^i: the weight of position i. */
function weight(i: number): number {
  return GF_EXP[i % 31] as number;
}

/**
 * What the weighted sum of a valid code equals. Any nonzero constant keeps both proofs above
 * (they only look at differences) and makes the all-zero string "000000-000000-000000",
 * which a bored tester types first, fail the check.
 */
const CHECK_TARGET = 1;

/** Σ α^i · x_i over the symbols given (XOR is addition in GF(2^5)). */
function syndrome(symbols: readonly number[]): number {
  let sum = 0;
  symbols.forEach((x, i) => {
    sum ^= gfMul(weight(i), x);
  });
  return sum;
}

/** The check symbol for 17 data symbols: brings the weighted sum of all 18 to CHECK_TARGET. */
export function checkSymbol(data: readonly number[]): number {
  const inverseLastWeight = GF_EXP[(31 - (DATA_SYMBOLS % 31)) % 31] as number;
  return gfMul(syndrome(data) ^ CHECK_TARGET, inverseLastWeight);
}

export function isValidCheck(symbols: readonly number[]): boolean {
  return symbols.length === CODE_SYMBOLS && syndrome(symbols) === CHECK_TARGET;
}

// ---------------------------------------------------------------------------------------------
// Mixed-radix helpers. Digits are little-endian: the first digit pushed is the least significant.

class DigitWriter {
  value = 0n;
  private scale = 1n;
  push(digit: number | bigint, radix: number | bigint): void {
    const d = BigInt(digit);
    const r = BigInt(radix);
    if (d < 0n || d >= r) throw new Unrepresentable(`digit ${d} outside radix ${r}`);
    this.value += d * this.scale;
    this.scale *= r;
  }
}

class DigitReader {
  constructor(private rest: bigint) {}
  pop(radix: number | bigint): number {
    const r = BigInt(radix);
    const digit = this.rest % r;
    this.rest /= r;
    return Number(digit);
  }
  popBig(radix: bigint): bigint {
    const digit = this.rest % radix;
    this.rest /= radix;
    return digit;
  }
  get remainder(): bigint {
    return this.rest;
  }
}

/** Thrown inside the codec for values a layout cannot hold; never escapes the API. */
class Unrepresentable extends Error {}

function indexIn<T>(list: readonly T[], count: number, value: T): number {
  const index = list.indexOf(value);
  if (index < 0 || index >= count) throw new Unrepresentable(`${String(value)} not in layout`);
  return index;
}

function at<T>(list: readonly T[], index: number): T {
  const value = list[index];
  if (value === undefined) throw new Unrepresentable(`index ${index} outside list`);
  return value;
}

const product = (radices: readonly number[]) => radices.reduce((a, r) => a * BigInt(r), 1n);

// ---------------------------------------------------------------------------------------------
// Layout v1.

/** Snapshots: how many values of each append-only enumeration layout v1 knows. */
export const V1_COUNTS = {
  probes: 5,
  outcomes: 13,
  products: 55,
  browserFamilies: 4,
  sources: 3,
  placements: 5,
  authVerdicts: 5,
  sendingIps: 3,
  mailSystems: 12,
  filterVerdicts: 8,
  delays: 4,
} as const;

const V1_EPOCH = Date.UTC(2026, 0, 1);
const V1_HOURS = 43_824; // 2026-01-01T00:00Z to 2031-01-01T00:00Z
const V1_EXTENSION = { major: 2, minor: 64, patch: 10 } as const;
const V1_BROWSER_MAJORS = 128;
const V1_BROWSER_BASE: Readonly<Record<BrowserFamily, number>> = {
  chrome: 88,
  edge: 88,
  firefox: 109,
  other: 88,
};
const V1_PROFILE_VERSION = 1;

const V1_PROBES = PROBE_TARGET_IDS.slice(0, V1_COUNTS.probes);
const V1_OUTCOMES = OUTCOMES.slice(0, V1_COUNTS.outcomes);
/** The outcomes that can name a product: a block page / 407, or a DNS filter's answer. */
const CARRIERS: readonly Outcome[] = ['proxy-blocked', 'dns-failed'];
const V1_PLAIN = V1_OUTCOMES.filter((o) => !CARRIERS.includes(o));
/** 0 = no product, else 1 + index. */
const V1_PRODUCT_RADIX = V1_COUNTS.products + 1;

const EMAIL_FIELDS = [
  ['source', EMAIL_SOURCES, V1_COUNTS.sources],
  ['placement', PLACEMENTS, V1_COUNTS.placements],
  ['spf', AUTH_VERDICTS, V1_COUNTS.authVerdicts],
  ['dkim', AUTH_VERDICTS, V1_COUNTS.authVerdicts],
  ['dmarc', AUTH_VERDICTS, V1_COUNTS.authVerdicts],
  ['sendingIp', SENDING_IP_MATCHES, V1_COUNTS.sendingIps],
  ['mailbox', MAIL_SYSTEMS, V1_COUNTS.mailSystems],
  ['gateway', MAIL_SYSTEMS, V1_COUNTS.mailSystems],
  ['filterVerdict', FILTER_VERDICTS, V1_COUNTS.filterVerdicts],
  ['delay', DELAY_BANDS, V1_COUNTS.delays],
] as const satisfies readonly (readonly [keyof EmailEvidence, readonly string[], number])[];

const V1_EMAIL_SIZE = product(EMAIL_FIELDS.map(([, , count]) => count));

function packEmail(email: EmailEvidence): bigint {
  // Fields v1 has no digit for: only their "nothing seen" value fits.
  if (email.allowOverride !== 'none') throw new Unrepresentable('allowOverride');
  if (email.forwarded) throw new Unrepresentable('forwarded');
  const w = new DigitWriter();
  for (const [key, list, count] of EMAIL_FIELDS) {
    w.push(indexIn(list as readonly string[], count, email[key]), count);
  }
  return w.value;
}

function unpackEmail(n: bigint): EmailEvidence {
  const r = new DigitReader(n);
  const email: Record<string, string> = {};
  for (const [key, list, count] of EMAIL_FIELDS) email[key] = at(list, r.pop(count));
  return { ...email, allowOverride: 'none', forwarded: false } as unknown as EmailEvidence;
}

/** How a layout holds the email part: a number below `size`. */
interface EmailCodec {
  size: bigint;
  /** The evidence as this codec holds it; throws Unrepresentable when it cannot. */
  normalize(email: EmailEvidence): EmailEvidence;
  pack(email: EmailEvidence): bigint;
  unpack(n: bigint): EmailEvidence;
}

const EMAIL_V1: EmailCodec = {
  size: V1_EMAIL_SIZE,
  normalize: (email) => unpackEmail(packEmail(email)),
  pack: packEmail,
  unpack: unpackEmail,
};

/**
 * The network part is a union of six variants, so that the product costs nothing when no
 * outcome can name one: `plain` (no carrier outcome: 11^5 values), then for each position j of
 * the first carrier outcome: 11^j plain outcomes before it, 2 carriers at j, 13^(4-j) outcomes
 * after it, and the product (56).
 */
const V1_NETWORK_VARIANTS: readonly bigint[] = [
  BigInt(V1_PLAIN.length) ** BigInt(V1_PROBES.length),
  ...V1_PROBES.map(
    (_, j) =>
      BigInt(V1_PLAIN.length) ** BigInt(j) *
      BigInt(CARRIERS.length) *
      BigInt(V1_OUTCOMES.length) ** BigInt(V1_PROBES.length - 1 - j) *
      BigInt(V1_PRODUCT_RADIX),
  ),
];
const V1_NETWORK_SIZE = V1_NETWORK_VARIANTS.reduce((a, b) => a + b, 0n);

function variantOffset(variant: number): bigint {
  return V1_NETWORK_VARIANTS.slice(0, variant).reduce((a, b) => a + b, 0n);
}

function packNetwork(network: NetworkEvidence): bigint {
  const outcomes = V1_PROBES.map((id) => network.outcomes[id]);
  const first = outcomes.findIndex((o) => o !== undefined && CARRIERS.includes(o));
  const w = new DigitWriter();
  if (first < 0) {
    for (const o of outcomes) w.push(indexIn(V1_PLAIN, V1_PLAIN.length, o), V1_PLAIN.length);
    return w.value;
  }
  outcomes.forEach((o, i) => {
    if (i < first) w.push(indexIn(V1_PLAIN, V1_PLAIN.length, o), V1_PLAIN.length);
    else if (i === first) w.push(indexIn(CARRIERS, CARRIERS.length, o), CARRIERS.length);
    else w.push(indexIn(V1_OUTCOMES, V1_OUTCOMES.length, o), V1_OUTCOMES.length);
  });
  const product = network.product
    ? indexIn(BLOCK_PRODUCT_IDS, V1_COUNTS.products, network.product) + 1
    : 0;
  w.push(product, V1_PRODUCT_RADIX);
  return variantOffset(first + 1) + w.value;
}

function unpackNetwork(n: bigint): NetworkEvidence {
  let variant = 0;
  let local = n;
  while (local >= (V1_NETWORK_VARIANTS[variant] as bigint)) {
    local -= V1_NETWORK_VARIANTS[variant] as bigint;
    variant += 1;
  }
  const r = new DigitReader(local);
  const outcomes = {} as Record<ProbeTargetId, Outcome>;
  const first = variant - 1;
  V1_PROBES.forEach((id, i) => {
    if (first < 0 || i < first) outcomes[id] = at(V1_PLAIN, r.pop(V1_PLAIN.length));
    else if (i === first) outcomes[id] = at(CARRIERS, r.pop(CARRIERS.length));
    else outcomes[id] = at(V1_OUTCOMES, r.pop(V1_OUTCOMES.length));
  });
  if (first < 0) return { outcomes };
  const product = r.pop(V1_PRODUCT_RADIX);
  return product === 0 ? { outcomes } : { outcomes, product: at(BLOCK_PRODUCT_IDS, product - 1) };
}

function parseVersion(version: string): [number, number, number] | null {
  const match = /^(\d{1,6})(?:\.(\d{1,6}))?(?:\.(\d{1,6}))?$/.exec(version.trim());
  if (!match) return null;
  return [Number(match[1]), Number(match[2] ?? 0), Number(match[3] ?? 0)];
}

interface Layout {
  version: number;
  /** How many payload values the layout uses (≤ 2^83). */
  size: bigint;
  /** Whether the layout has a hint block (a second block of 18 symbols). */
  hasHint: boolean;
  /** The evidence as this layout can hold it; throws Unrepresentable when it cannot. */
  normalize(evidence: Evidence): Evidence;
  pack(evidence: Evidence): bigint;
  unpack(payload: bigint): Evidence;
}

// ---------------------------------------------------------------------------------------------
// Layout v3: the email part in the header analysis' own words.

const V3_EPOCH = Date.UTC(2026, 10, 1);
const V3_HOURS = 35_064; // 2026-11-01T00:00Z to 2030-11-01T00:00Z
const V3_EXTENSION = { major: 2, minor: 16, patch: 10 } as const;

/**
 * Each check's results as RFC 8601 §2.7 lists them for it (DKIM has no softfail, DMARC no
 * softfail or neutral; only Microsoft writes bestguesspass, for DMARC). `policy` is stored as
 * fail, and a word a method does not have as the one the rules read alike (utils/email/findings.ts
 * `failed`, `passed`), so a decoded code gives the same findings.
 */
const V3_SPF: readonly AuthVerdict[] = [
  'unknown',
  'pass',
  'fail',
  'softfail',
  'none',
  'neutral',
  'temperror',
  'permerror',
];
const V3_DKIM: readonly AuthVerdict[] = [
  'unknown',
  'pass',
  'fail',
  'none',
  'neutral',
  'temperror',
  'permerror',
];
const V3_DMARC: readonly AuthVerdict[] = [
  'unknown',
  'pass',
  'fail',
  'none',
  'temperror',
  'permerror',
  'bestguesspass',
];
const V3_FOLD: Readonly<
  Record<'spf' | 'dkim' | 'dmarc', Partial<Record<AuthVerdict, AuthVerdict>>>
> = {
  spf: { policy: 'fail', bestguesspass: 'pass' },
  dkim: { policy: 'fail', softfail: 'fail', bestguesspass: 'pass' },
  dmarc: { policy: 'fail', softfail: 'fail', neutral: 'none' },
};
/** The mailbox after canonicalEmailEvidence: a platform, another server, or unknown. */
const V3_MAILBOXES: readonly MailSystemId[] = [
  'unknown',
  'microsoft-365',
  'google-workspace',
  'other',
];
/** v1's 'allowed' is an override since v3 (`allowOverride`); the rules read it as 'none'. */
const V3_FILTER_VERDICTS: readonly FilterVerdict[] = FILTER_VERDICTS.filter((v) => v !== 'allowed');
const V3_ARRIVED = PLACEMENTS.filter((p) => p !== 'missing');

/** The digits of a message that arrived, least significant first. */
const V3_ARRIVED_FIELDS = [
  ['source', EMAIL_SOURCES],
  ['placement', V3_ARRIVED],
  ['spf', V3_SPF],
  ['dkim', V3_DKIM],
  ['dmarc', V3_DMARC],
  ['sendingIp', SENDING_IP_MATCHES],
  ['mailbox', V3_MAILBOXES],
  ['gateway', MAIL_SYSTEMS],
  ['filterVerdict', V3_FILTER_VERDICTS],
  ['allowOverride', ALLOW_OVERRIDES],
  ['delay', DELAY_BANDS],
] as const satisfies readonly (readonly [keyof EmailEvidence, readonly string[]])[];
/** A message that never arrived: what the rules read of it (a blocked list still explains it). */
const V3_MISSING_FIELDS = [
  ['source', EMAIL_SOURCES],
  ['mailbox', V3_MAILBOXES],
  ['gateway', MAIL_SYSTEMS],
  ['filterVerdict', V3_FILTER_VERDICTS],
] as const satisfies readonly (readonly [keyof EmailEvidence, readonly string[]])[];

const V3_MISSING_SIZE = product(V3_MISSING_FIELDS.map(([, list]) => list.length));
/** Arrived: the fields above and `forwarded` (radix 2). */
const V3_ARRIVED_SIZE = product(V3_ARRIVED_FIELDS.map(([, list]) => list.length)) * 2n;

function normalizeEmailV3(given: EmailEvidence): EmailEvidence {
  const email = canonicalEmailEvidence(given);
  if (email.placement === 'missing') {
    return {
      source: email.source,
      placement: 'missing',
      spf: 'unknown',
      dkim: 'unknown',
      dmarc: 'unknown',
      sendingIp: 'unknown',
      mailbox: email.mailbox,
      gateway: email.gateway,
      filterVerdict: email.filterVerdict === 'allowed' ? 'none' : email.filterVerdict,
      allowOverride: 'none',
      forwarded: false,
      delay: 'unknown',
    };
  }
  const fold = (key: 'spf' | 'dkim' | 'dmarc') => V3_FOLD[key][email[key]] ?? email[key];
  return {
    ...email,
    spf: fold('spf'),
    dkim: fold('dkim'),
    dmarc: fold('dmarc'),
    filterVerdict: email.filterVerdict === 'allowed' ? 'none' : email.filterVerdict,
    forwarded: email.forwarded === true,
  };
}

function packEmailV3(email: EmailEvidence): bigint {
  const w = new DigitWriter();
  if (email.placement === 'missing') {
    for (const [key, list] of V3_MISSING_FIELDS) {
      w.push(indexIn<string>(list, list.length, email[key]), list.length);
    }
    return w.value;
  }
  for (const [key, list] of V3_ARRIVED_FIELDS) {
    w.push(indexIn<string>(list, list.length, email[key] as string), list.length);
  }
  w.push(email.forwarded ? 1 : 0, 2);
  return V3_MISSING_SIZE + w.value;
}

function unpackEmailV3(n: bigint): EmailEvidence {
  const email: Record<string, string | boolean> = { ...UNKNOWN_EMAIL_EVIDENCE };
  if (n < V3_MISSING_SIZE) {
    const r = new DigitReader(n);
    for (const [key, list] of V3_MISSING_FIELDS) email[key] = at(list, r.pop(list.length));
    email.placement = 'missing';
    return email as unknown as EmailEvidence;
  }
  const r = new DigitReader(n - V3_MISSING_SIZE);
  for (const [key, list] of V3_ARRIVED_FIELDS) email[key] = at(list, r.pop(list.length));
  email.forwarded = r.pop(2) === 1;
  if (r.remainder !== 0n) throw new Unrepresentable('email beyond layout');
  return email as unknown as EmailEvidence;
}

const EMAIL_V3: EmailCodec = {
  size: V3_MISSING_SIZE + V3_ARRIVED_SIZE,
  normalize: (email) => unpackEmailV3(packEmailV3(normalizeEmailV3(email))),
  pack: packEmailV3,
  unpack: unpackEmailV3,
};

/** What differs between the layouts that share v1's structure. */
interface LayoutSpec {
  version: number;
  browserMajors: number;
  browserBase: Readonly<Record<BrowserFamily, number>>;
  /** A digit saying whether a hint block follows (v2). */
  hint: boolean;
  /** The first hour a code can hold, and how many. */
  epoch: number;
  hours: number;
  /** Extension versions below major.minor.patch (each part separately). */
  extension: { readonly major: number; readonly minor: number; readonly patch: number };
  email: EmailCodec;
}

const V2_SPEC: LayoutSpec = {
  version: 2,
  browserMajors: 64,
  browserBase: { chrome: 120, edge: 120, firefox: 115, other: 120 },
  hint: true,
  epoch: V1_EPOCH,
  hours: V1_HOURS,
  extension: V1_EXTENSION,
  email: EMAIL_V1,
};

function layoutOf(spec: LayoutSpec): Layout {
  const majors = spec.browserMajors;
  const browserMajor = (browser: BrowserInfo): number => {
    const base = spec.browserBase[browser.family];
    const major = browser.major;
    return Number.isInteger(major) && major >= base && major < base + majors ? major : 0;
  };
  const hintRadix = spec.hint ? 2n : 1n;
  const { epoch, hours, extension, email: emailCodec } = spec;
  return {
    version: spec.version,
    size:
      BigInt(hours) *
      product([extension.major, extension.minor, extension.patch]) *
      BigInt(V1_COUNTS.browserFamilies) *
      BigInt(majors + 1) *
      hintRadix *
      (V1_NETWORK_SIZE + 1n) *
      (emailCodec.size + 1n),
    hasHint: spec.hint,
    normalize(evidence) {
      const hour = Math.floor((evidence.createdAt - epoch) / EVIDENCE_TIME_RESOLUTION_MS);
      if (!(hour >= 0 && hour < hours)) throw new Unrepresentable('createdAt');
      const version = parseVersion(evidence.extensionVersion);
      if (
        !version ||
        version[0] >= extension.major ||
        version[1] >= extension.minor ||
        version[2] >= extension.patch
      ) {
        throw new Unrepresentable('extensionVersion');
      }
      if (evidence.profileVersion !== V1_PROFILE_VERSION) {
        throw new Unrepresentable('profileVersion');
      }
      indexIn(BROWSER_FAMILIES, V1_COUNTS.browserFamilies, evidence.browser.family);
      let network: NetworkEvidence | null = null;
      if (evidence.network) {
        const outcomes = {} as Record<ProbeTargetId, Outcome>;
        for (const id of V1_PROBES) outcomes[id] = evidence.network.outcomes[id];
        const carries = V1_PROBES.some((id) => CARRIERS.includes(outcomes[id]));
        let product: BlockProductId | undefined = carries ? evidence.network.product : undefined;
        // A product appended after this layout still says "a filter answered": keep that much.
        if (product && BLOCK_PRODUCT_IDS.indexOf(product) >= V1_COUNTS.products) {
          product = 'unknown-proxy';
        }
        const hint = spec.hint ? normalizeHint(evidence.network.hint) : undefined;
        network = { outcomes, ...(product ? { product } : {}), ...(hint ? { hint } : {}) };
      }
      const email = evidence.email ? emailCodec.normalize(evidence.email) : null;
      return {
        createdAt: epoch + hour * EVIDENCE_TIME_RESOLUTION_MS,
        extensionVersion: version.join('.'),
        browser: { family: evidence.browser.family, major: browserMajor(evidence.browser) },
        profileVersion: V1_PROFILE_VERSION,
        network,
        email,
      };
    },
    pack(e) {
      const w = new DigitWriter();
      w.push(e.email ? emailCodec.pack(e.email) + 1n : 0n, emailCodec.size + 1n);
      w.push(e.network ? packNetwork(e.network) + 1n : 0n, V1_NETWORK_SIZE + 1n);
      if (spec.hint) w.push(e.network?.hint ? 1 : 0, 2);
      const major = e.browser.major;
      w.push(major === 0 ? 0 : major - spec.browserBase[e.browser.family] + 1, majors + 1);
      w.push(indexIn(BROWSER_FAMILIES, V1_COUNTS.browserFamilies, e.browser.family), 4);
      const [vMajor, vMinor, vPatch] = parseVersion(e.extensionVersion) ?? [0, 0, 0];
      w.push(vPatch, extension.patch);
      w.push(vMinor, extension.minor);
      w.push(vMajor, extension.major);
      w.push((e.createdAt - epoch) / EVIDENCE_TIME_RESOLUTION_MS, hours);
      return w.value;
    },
    unpack(payload) {
      const r = new DigitReader(payload);
      const email = r.popBig(emailCodec.size + 1n);
      const network = r.popBig(V1_NETWORK_SIZE + 1n);
      const hintFollows = spec.hint ? r.pop(2) === 1 : false;
      const majorDigit = r.pop(majors + 1);
      const family = at(BROWSER_FAMILIES, r.pop(V1_COUNTS.browserFamilies));
      const patch = r.pop(extension.patch);
      const minor = r.pop(extension.minor);
      const major = r.pop(extension.major);
      const hour = r.pop(hours);
      if (r.remainder !== 0n) throw new Unrepresentable('payload beyond layout');
      const unpackedNetwork = network === 0n ? null : unpackNetwork(network - 1n);
      if (hintFollows && !unpackedNetwork) throw new Unrepresentable('hint without network');
      return {
        createdAt: epoch + hour * EVIDENCE_TIME_RESOLUTION_MS,
        extensionVersion: `${major}.${minor}.${patch}`,
        browser: {
          family,
          major: majorDigit === 0 ? 0 : spec.browserBase[family] + majorDigit - 1,
        },
        profileVersion: V1_PROFILE_VERSION,
        // A hint announced here is filled in from the second block by the decoder.
        network:
          unpackedNetwork && hintFollows ? { ...unpackedNetwork, hint: {} } : unpackedNetwork,
        email: email === 0n ? null : emailCodec.unpack(email - 1n),
      };
    },
  };
}

const LAYOUT_V1 = layoutOf({
  ...V2_SPEC,
  version: 1,
  browserMajors: V1_BROWSER_MAJORS,
  browserBase: V1_BROWSER_BASE,
  hint: false,
});
const LAYOUT_V2 = layoutOf(V2_SPEC);
const LAYOUT_V3 = layoutOf({
  ...V2_SPEC,
  version: 3,
  epoch: V3_EPOCH,
  hours: V3_HOURS,
  extension: V3_EXTENSION,
  email: EMAIL_V3,
});

/** Every layout ever released, by version digit (version − 1). Never remove one. */
const LAYOUTS: readonly (Layout | undefined)[] = [LAYOUT_V1, LAYOUT_V2, LAYOUT_V3];

// ---------------------------------------------------------------------------------------------
// The hint block (v2).

const HINT_STATUS_RADIX = 501;
const HINT_KINDS = 3;
const HINT_LENGTH_RADIX = HINT_TEXT_MAX + 1;
const HINT_CHAR_RADIX = HINT_ALPHABET.length;

function packHint(hint: FilterHint): bigint {
  const w = new DigitWriter();
  w.push(hint.status === undefined ? 0 : hint.status - 99, HINT_STATUS_RADIX);
  const text = hint.redirectHost ?? hint.title ?? '';
  w.push(hint.redirectHost ? 2 : hint.title ? 1 : 0, HINT_KINDS);
  w.push(text.length, HINT_LENGTH_RADIX);
  for (let i = 0; i < HINT_TEXT_MAX; i++) {
    w.push(i < text.length ? HINT_ALPHABET.indexOf(text[i] as string) : 0, HINT_CHAR_RADIX);
  }
  return w.value;
}

function unpackHint(payload: bigint): FilterHint {
  const r = new DigitReader(payload);
  const status = r.pop(HINT_STATUS_RADIX);
  const kind = r.pop(HINT_KINDS);
  const length = r.pop(HINT_LENGTH_RADIX);
  let text = '';
  for (let i = 0; i < HINT_TEXT_MAX; i++) {
    const c = r.pop(HINT_CHAR_RADIX);
    if (i < length) text += HINT_ALPHABET[c];
  }
  if (r.remainder !== 0n) throw new Unrepresentable('hint beyond layout');
  if ((kind === 0) !== (length === 0)) throw new Unrepresentable('hint text');
  return {
    ...(status ? { status: status + 99 } : {}),
    ...(kind === 1 ? { title: text } : kind === 2 ? { redirectHost: text } : {}),
  };
}

/** For tests: the hint block's payload size, to check it fits 17 symbols (2^85). */
export const HINT_BLOCK_SIZE =
  BigInt(HINT_STATUS_RADIX) *
  BigInt(HINT_KINDS) *
  BigInt(HINT_LENGTH_RADIX) *
  BigInt(HINT_CHAR_RADIX) ** BigInt(HINT_TEXT_MAX);

/** For tests: the layout's payload size, to check it fits its 2^83 share. */
export function layoutSize(version: number): bigint | undefined {
  return LAYOUTS[version - 1]?.size;
}

// ---------------------------------------------------------------------------------------------
// Public API: errors are values.

export type EncodeResult =
  | { ok: true; code: string; evidence: Evidence }
  | { ok: false; reason: 'out-of-range'; field: string };

export type DecodeErrorReason = 'typo' | 'malformed' | 'unknown-version';

export interface DecodeFailure {
  ok: false;
  reason: DecodeErrorReason;
  /** The i18n message that explains it (utils/i18n.ts), and its substitutions. */
  messageKey: string;
  params: string[];
}

export type DecodeResult =
  | { ok: true; code: string; version: number; evidence: Evidence }
  | DecodeFailure;

function fail(reason: DecodeErrorReason, messageKey: string, params: string[] = []): DecodeFailure {
  return { ok: false, reason, messageKey, params };
}

/** "ABCDEFGHJKMNPQRSTV" → "ABCDEF-GHJKMN-PQRSTV". */
export function formatCode(symbols: string): string {
  const groups: string[] = [];
  for (let i = 0; i < symbols.length; i += GROUP_SIZE)
    groups.push(symbols.slice(i, i + GROUP_SIZE));
  return groups.join('-');
}

/** 17 data symbols for a value < 2^85, most significant first. */
function toSymbols(value: bigint): number[] {
  const data: number[] = new Array(DATA_SYMBOLS);
  let rest = value;
  for (let i = DATA_SYMBOLS - 1; i >= 0; i--) {
    data[i] = Number(rest & 31n);
    rest >>= 5n;
  }
  return [...data, checkSymbol(data)];
}

function fromSymbols(block: readonly number[]): bigint {
  let value = 0n;
  for (const s of block.slice(0, DATA_SYMBOLS)) value = (value << 5n) | BigInt(s);
  return value;
}

/**
 * The evidence exactly as a code made now would carry it; `out-of-range` if it cannot. An
 * older `version` makes the code an older decoder reads (and the tests' golden codes).
 */
export function encodeEvidence(evidence: Evidence, version = CURRENT_VERSION): EncodeResult {
  const layout = LAYOUTS[version - 1];
  if (!layout) return { ok: false, reason: 'out-of-range', field: 'version' };
  let normalized: Evidence;
  let payload: bigint;
  try {
    normalized = layout.normalize(evidence);
    payload = layout.pack(normalized);
  } catch (error) {
    if (error instanceof Unrepresentable) {
      return { ok: false, reason: 'out-of-range', field: error.message };
    }
    throw error;
  }
  const symbols = toSymbols((BigInt(version - 1) << VERSION_SHIFT) + payload);
  const hint = normalized.network?.hint;
  if (hint) symbols.push(...toSymbols(packHint(hint)));
  return {
    ok: true,
    code: formatCode(symbols.map((s) => ALPHABET[s]).join('')),
    evidence: normalized,
  };
}

/** Separators a user may type or paste between groups: spaces and dashes of any kind. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]/g;
const ALIASES: Readonly<Record<string, string>> = { O: '0', I: '1', L: '1' };

/** The symbols of a typed code, or why it is not one. */
export function parseSymbols(input: string): number[] | DecodeFailure {
  const compact = input.replace(SEPARATORS, '').toUpperCase();
  if (compact.length === 0) return fail('malformed', 'diag_error_empty');
  const symbols: number[] = [];
  for (const char of compact) {
    const index = ALPHABET.indexOf(ALIASES[char] ?? char);
    if (index < 0) return fail('malformed', 'diag_error_character', [char]);
    symbols.push(index);
  }
  if (symbols.length !== CODE_SYMBOLS && symbols.length !== LONG_CODE_SYMBOLS) {
    return fail('malformed', 'diag_error_length', [String(symbols.length), String(CODE_SYMBOLS)]);
  }
  return symbols;
}

/** Any string in, a report's evidence or a typed reason out. Never throws. */
export function decodeCode(input: unknown): DecodeResult {
  try {
    if (typeof input !== 'string') return fail('malformed', 'diag_error_empty');
    const symbols = parseSymbols(input);
    if (!Array.isArray(symbols)) return symbols;
    const first = symbols.slice(0, CODE_SYMBOLS);
    const second = symbols.length > CODE_SYMBOLS ? symbols.slice(CODE_SYMBOLS) : null;
    if (!isValidCheck(first)) return fail('typo', 'diag_error_typo');
    if (second && !isValidCheck(second)) return fail('typo', 'diag_error_typo');
    const value = fromSymbols(first);
    const digit = Number(value >> VERSION_SHIFT);
    const layout = LAYOUTS[digit];
    if (!layout) return fail('unknown-version', 'diag_error_unknown_version', [String(digit + 1)]);
    const payload = value & ((1n << VERSION_SHIFT) - 1n);
    if (payload >= layout.size) return fail('malformed', 'diag_error_range');
    const evidence = layout.unpack(payload);
    const hintFollows = evidence.network?.hint !== undefined;
    if (hintFollows && !second) return fail('malformed', 'diag_error_incomplete');
    if (!hintFollows && second) {
      return fail('malformed', 'diag_error_length', [String(symbols.length), String(CODE_SYMBOLS)]);
    }
    if (second && evidence.network) {
      const hintPayload = fromSymbols(second);
      if (hintPayload >= HINT_BLOCK_SIZE) return fail('malformed', 'diag_error_range');
      const hint = unpackHint(hintPayload);
      evidence.network = { ...evidence.network, hint };
    }
    return {
      ok: true,
      code: formatCode(symbols.map((s) => ALPHABET[s]).join('')),
      version: layout.version,
      evidence,
    };
  } catch {
    return fail('malformed', 'diag_error_range');
  }
}
