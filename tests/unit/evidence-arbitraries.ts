/**
 * fast-check arbitraries for evidence: `v1Evidence` spans the whole space a v1 code can hold
 * (every enumeration value, every hour, version and browser major in range); `rawEvidence`
 * is anything the popup could hand the encoder, in range or not.
 */
import fc from 'fast-check';
import {
  ALLOW_OVERRIDES,
  AUTH_VERDICTS,
  DELAY_BANDS,
  EMAIL_SOURCES,
  type EmailEvidence,
  FILTER_VERDICTS,
  MAIL_SYSTEMS,
  PLACEMENTS,
  SENDING_IP_MATCHES,
} from '@/utils/email/evidence';
import { BROWSER_FAMILIES, type BrowserFamily, type Evidence } from '@/utils/evidence';
import { BLOCK_PRODUCT_IDS } from '@/utils/network/block-products';
import type { NetworkEvidence } from '@/utils/network/findings';
import { OUTCOMES, type Outcome } from '@/utils/network/outcomes';
import { PROBE_TARGET_IDS, type ProbeTargetId } from '@/utils/profile';

export const V1_EPOCH = Date.UTC(2026, 0, 1);
export const V1_HOURS = 43_824;
const HOUR = 3_600_000;
const BASE: Record<BrowserFamily, number> = { chrome: 88, edge: 88, firefox: 109, other: 88 };

/** Plain objects, as JSON and the codec make them (toStrictEqual compares prototypes). */
const NO_NULL_PROTOTYPE = { noNullPrototype: true } as const;

const outcomes = fc.record(
  Object.fromEntries(PROBE_TARGET_IDS.map((id) => [id, fc.constantFrom(...OUTCOMES)])) as Record<
    ProbeTargetId,
    fc.Arbitrary<Outcome>
  >,
  NO_NULL_PROTOTYPE,
);

const carries = (o: Record<ProbeTargetId, Outcome>) =>
  Object.values(o).some((x) => x === 'proxy-blocked' || x === 'dns-failed');

/** Any network evidence; the product only where an outcome can name one (v1's space). */
export const v1Network: fc.Arbitrary<NetworkEvidence> = fc
  .tuple(outcomes, fc.option(fc.constantFrom(...BLOCK_PRODUCT_IDS), { nil: undefined }))
  .map(([o, product]) => (product && carries(o) ? { outcomes: o, product } : { outcomes: o }));

/** Network evidence with a product wherever (the encoder drops it where no outcome names one). */
export const rawNetwork: fc.Arbitrary<NetworkEvidence> = fc
  .tuple(outcomes, fc.option(fc.constantFrom(...BLOCK_PRODUCT_IDS), { nil: undefined }))
  .map(([o, product]) => (product ? { outcomes: o, product } : { outcomes: o }));

/** Email evidence with any value of every field (v3 normalizes what it cannot hold). */
export const email: fc.Arbitrary<EmailEvidence> = fc.record(
  {
    source: fc.constantFrom(...EMAIL_SOURCES),
    placement: fc.constantFrom(...PLACEMENTS),
    spf: fc.constantFrom(...AUTH_VERDICTS),
    dkim: fc.constantFrom(...AUTH_VERDICTS),
    dmarc: fc.constantFrom(...AUTH_VERDICTS),
    sendingIp: fc.constantFrom(...SENDING_IP_MATCHES),
    mailbox: fc.constantFrom(...MAIL_SYSTEMS),
    gateway: fc.constantFrom(...MAIL_SYSTEMS),
    filterVerdict: fc.constantFrom(...FILTER_VERDICTS),
    allowOverride: fc.constantFrom(...ALLOW_OVERRIDES),
    forwarded: fc.boolean(),
    delay: fc.constantFrom(...DELAY_BANDS),
  },
  NO_NULL_PROTOTYPE,
);

/** The email values layouts v1 and v2 know (their counts: V1_COUNTS). */
export const v1Email: fc.Arbitrary<EmailEvidence> = fc.record(
  {
    source: fc.constantFrom(...EMAIL_SOURCES),
    placement: fc.constantFrom(...PLACEMENTS),
    spf: fc.constantFrom(...AUTH_VERDICTS.slice(0, 5)),
    dkim: fc.constantFrom(...AUTH_VERDICTS.slice(0, 5)),
    dmarc: fc.constantFrom(...AUTH_VERDICTS.slice(0, 5)),
    sendingIp: fc.constantFrom(...SENDING_IP_MATCHES),
    mailbox: fc.constantFrom(...MAIL_SYSTEMS),
    gateway: fc.constantFrom(...MAIL_SYSTEMS),
    filterVerdict: fc.constantFrom(...FILTER_VERDICTS.slice(0, 8)),
    allowOverride: fc.constant('none' as const),
    forwarded: fc.constant(false),
    delay: fc.constantFrom(...DELAY_BANDS),
  },
  NO_NULL_PROTOTYPE,
);

const v1Browser = fc
  .tuple(fc.constantFrom(...BROWSER_FAMILIES), fc.integer({ min: -1, max: 127 }))
  .map(([family, offset]) => ({ family, major: offset < 0 ? 0 : BASE[family] + offset }));

export const v1Evidence: fc.Arbitrary<Evidence> = fc.record(
  {
    createdAt: fc.integer({ min: 0, max: V1_HOURS - 1 }).map((h) => V1_EPOCH + h * HOUR),
    extensionVersion: fc
      .tuple(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 0, max: 9 }),
      )
      .map((v) => v.join('.')),
    browser: v1Browser,
    profileVersion: fc.constant(1),
    network: fc.option(v1Network, { nil: null }),
    email: fc.option(v1Email, { nil: null }),
  },
  NO_NULL_PROTOTYPE,
);

/** In the v1 time and version range, but with any ms, any browser major, a product anywhere. */
export const rawEvidence: fc.Arbitrary<Evidence> = fc.record(
  {
    createdAt: fc.integer({ min: V1_EPOCH, max: V1_EPOCH + V1_HOURS * HOUR - 1 }),
    extensionVersion: fc
      .tuple(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 0, max: 9 }),
      )
      .map((v) => v.join('.')),
    browser: fc.record(
      {
        family: fc.constantFrom(...BROWSER_FAMILIES),
        major: fc.integer({ min: 0, max: 400 }),
      },
      NO_NULL_PROTOTYPE,
    ),
    profileVersion: fc.constant(1),
    network: fc.option(rawNetwork, { nil: null }),
    email: fc.option(v1Email, { nil: null }),
  },
  NO_NULL_PROTOTYPE,
);

const BASE_V2: Record<BrowserFamily, number> = { chrome: 120, edge: 120, firefox: 115, other: 120 };

/** A hint as the code holds it (utils/network/hint.ts): folded text, one kind of it. */
const hintText = fc
  .array(fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789.-:'.split('')), {
    minLength: 1,
    maxLength: 13,
  })
  .map((chars) => chars.join(''));
const hint = fc
  .tuple(
    fc.option(fc.integer({ min: 100, max: 599 }), { nil: undefined }),
    fc.constantFrom('title', 'redirectHost', 'none'),
    hintText,
  )
  .filter(([status, kind]) => status !== undefined || kind !== 'none')
  .map(([status, kind, text]) => ({
    ...(status !== undefined ? { status } : {}),
    ...(kind === 'none' ? {} : { [kind]: text }),
  }));

const v2Network: fc.Arbitrary<NetworkEvidence> = fc
  .tuple(v1Network, fc.option(hint, { nil: undefined }))
  .map(([network, h]) => (h ? { ...network, hint: h } : network));

/** The whole space a v2 code holds. */
export const v2Evidence: fc.Arbitrary<Evidence> = fc.record(
  {
    createdAt: fc.integer({ min: 0, max: V1_HOURS - 1 }).map((h) => V1_EPOCH + h * HOUR),
    extensionVersion: fc
      .tuple(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 63 }),
        fc.integer({ min: 0, max: 9 }),
      )
      .map((v) => v.join('.')),
    browser: fc
      .tuple(fc.constantFrom(...BROWSER_FAMILIES), fc.integer({ min: -1, max: 63 }))
      .map(([family, offset]) => ({ family, major: offset < 0 ? 0 : BASE_V2[family] + offset })),
    profileVersion: fc.constant(1),
    network: fc.option(v2Network, { nil: null }),
    email: fc.option(v1Email, { nil: null }),
  },
  NO_NULL_PROTOTYPE,
);

export const V3_EPOCH = Date.UTC(2026, 10, 1);
export const V3_HOURS = 35_064;

/**
 * What the popup could hand a v3 encoder: any email value (v3 normalizes: folds, the canonical
 * mailbox), any hour and version in v3's range, any browser major.
 */
export const v3RawEvidence: fc.Arbitrary<Evidence> = fc.record(
  {
    createdAt: fc.integer({ min: V3_EPOCH, max: V3_EPOCH + V3_HOURS * HOUR - 1 }),
    extensionVersion: fc
      .tuple(
        fc.integer({ min: 0, max: 1 }),
        fc.integer({ min: 0, max: 15 }),
        fc.integer({ min: 0, max: 9 }),
      )
      .map((v) => v.join('.')),
    browser: fc.record(
      {
        family: fc.constantFrom(...BROWSER_FAMILIES),
        major: fc.integer({ min: 0, max: 400 }),
      },
      NO_NULL_PROTOTYPE,
    ),
    profileVersion: fc.constant(1),
    network: fc.option(v2Network, { nil: null }),
    email: fc.option(email, { nil: null }),
  },
  NO_NULL_PROTOTYPE,
);
