/**
 * Scores the header analysis (`headerFacts`, utils/email/headers/facts.ts) against the corpus's
 * hand-written facts: 10 facts per sample (receivingSystem, gateway and the 8 `facts`).
 * Used by tests/unit/email-corpus.test.ts and printed by the benchmark.
 */
import { headerFacts } from '../../../utils/email/headers/facts';
import { type EmailCorpusSample, loadEmailCorpus } from './index';

/** The facts scored, in a fixed order. */
export const FACT_NAMES = [
  'receivingSystem',
  'gateway',
  'spf',
  'dkim',
  'dmarc',
  'sendingIp',
  'spamVerdict',
  'allowOverride',
  'forwarded',
  'placementHint',
] as const;
export type FactName = (typeof FACT_NAMES)[number];

export interface WrongFact {
  id: string;
  fact: FactName;
  expected: unknown;
  got: unknown;
}

export interface EmailCorpusScore {
  samples: number;
  facts: number;
  factsRight: number;
  samplesFullyRight: number;
  wrong: WrongFact[];
}

/** A sample's facts as one flat record, in FACT_NAMES order. */
export function flatFacts(facts: {
  receivingSystem: unknown;
  gateway: unknown;
  facts: EmailCorpusSample['facts'] | Record<string, unknown>;
}): Record<FactName, unknown> {
  const inner = facts.facts as Record<string, unknown>;
  const out = {} as Record<FactName, unknown>;
  for (const name of FACT_NAMES) {
    out[name] =
      name === 'receivingSystem'
        ? facts.receivingSystem
        : name === 'gateway'
          ? facts.gateway
          : inner[name];
  }
  return out;
}

/** Runs `headerFacts` over every sample and compares each fact with the hand-written one. */
export function scoreEmailCorpus(): EmailCorpusScore {
  const corpus = loadEmailCorpus();
  const wrong: WrongFact[] = [];
  let factsRight = 0;
  let samplesFullyRight = 0;
  for (const sample of corpus) {
    const expected = flatFacts(sample);
    const got = flatFacts(headerFacts(sample.raw));
    let allRight = true;
    for (const fact of FACT_NAMES) {
      if (Object.is(expected[fact], got[fact])) factsRight++;
      else {
        allRight = false;
        wrong.push({ id: sample.id, fact, expected: expected[fact], got: got[fact] });
      }
    }
    if (allRight) samplesFullyRight++;
  }
  return {
    samples: corpus.length,
    facts: corpus.length * FACT_NAMES.length,
    factsRight,
    samplesFullyRight,
    wrong,
  };
}
