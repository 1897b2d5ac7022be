/**
 * The header analysis against the email header corpus: 72 real header blocks from public
 * sources with the facts a mail administrator reads off them written by hand
 * (tests/corpus/email/facts.json, SOURCES.md). Every sample, every one of the 10 facts.
 */
import { describe, expect, it } from 'vitest';
import { headerFacts } from '../../utils/email/headers/facts';
import { parseHeaderBlock } from '../../utils/email/headers/parse';
import { loadEmailCorpus } from '../corpus/email/index';
import { FACT_NAMES, flatFacts, scoreEmailCorpus } from '../corpus/email/score';

const corpus = loadEmailCorpus();

describe('email header corpus', () => {
  it('keeps at least 60 samples from at least 8 receiving systems and gateways', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    const systems = new Set<string>();
    for (const sample of corpus) {
      systems.add(sample.receivingSystem);
      if (sample.gateway) systems.add(sample.gateway);
    }
    expect(systems.size).toBeGreaterThanOrEqual(8);
    expect(new Set(corpus.map((s) => s.id)).size).toBe(corpus.length);
  });

  it.each(corpus.map((sample) => [sample.id, sample] as const))('%s: all 10 facts', (_, sample) => {
    const expected = flatFacts(sample);
    const got = flatFacts(headerFacts(sample.raw));
    for (const fact of FACT_NAMES) {
      expect.soft(got[fact], `${sample.id}: ${fact} (${sample.why})`).toEqual(expected[fact]);
    }
  });

  it('reads the same facts from a mailbox API header list as from the raw block', () => {
    for (const sample of corpus) {
      const fields = parseHeaderBlock(sample.raw).fields.map((f) => ({ ...f }));
      expect.soft(headerFacts(fields), sample.id).toEqual(headerFacts(sample.raw));
    }
  });

  it('scores every fact right', () => {
    const score = scoreEmailCorpus();
    expect(score.wrong).toEqual([]);
    expect(score).toMatchObject({
      samples: corpus.length,
      facts: corpus.length * 10,
      factsRight: corpus.length * 10,
      samplesFullyRight: corpus.length,
    });
  });
});
