/**
 * The network corpus (tests/corpus/network: block pages captured on real networks and
 * published, and responses Raftr's own servers can give), each served for its Raftr name the
 * way an inspecting proxy in the path serves it, with everything else healthy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CORPUS_DIR, loadNetworkCorpus, type NetworkCorpusSample } from '../corpus/network';
import { HOLDOUT_DIR, loadHoldoutCorpus } from '../corpus/network/holdout';
import { outcomesWith, raftrsOwn, scoreNetworkCorpus } from '../corpus/network/score';

const corpus = loadNetworkCorpus();
const holdout = loadHoldoutCorpus();
const filters = corpus.filter((s) => s.class === 'filter');
const genuine = corpus.filter((s) => s.class === 'genuine');
const probeOf = (name: string) => (name === 'app.raftr.com' ? 'app-https' : 'web-https');

describe('the corpus itself', () => {
  it('holds at least 25 filter responses from 12 products and 10 genuine ones', () => {
    expect(filters.length).toBeGreaterThanOrEqual(25);
    const products = new Set(
      filters.map((s) => (s.product === 'unknown' ? s.productName : s.product)),
    );
    expect(products.size).toBeGreaterThanOrEqual(12);
    expect(genuine.length).toBeGreaterThanOrEqual(10);
  });

  it('cites a source for every sample in SOURCES.md', () => {
    const cited = (dir: string, samples: NetworkCorpusSample[]) => {
      const sources = fs.readFileSync(path.join(dir, 'SOURCES.md'), 'utf8');
      return samples.map((sample) => [sources, sample] as const);
    };
    for (const [sources, sample] of [
      ...cited(CORPUS_DIR, corpus),
      ...cited(HOLDOUT_DIR, holdout),
    ]) {
      expect(sources, sample.id).toContain(sample.id);
      // A URL, or the exact string that finds the file in the search index (SOURCES.md says so).
      expect(sample.source, sample.id).toMatch(/https?:\/\/|find_string "/);
    }
  });
});

describe('a filter’s answer is never taken for Raftr’s', () => {
  it.each(filters.map((s) => [s.id, s] as const))('%s', (_id, sample) => {
    const own = outcomesWith(sample, 'own')[probeOf(sample.servedFor)];
    const both = outcomesWith(sample, 'both');
    for (const outcome of [own, both['app-https'], both['web-https']]) {
      expect(outcome).not.toBe('ok');
      // "Raftr is down" while its server answers by its IP is never the verdict.
      expect(outcome).not.toBe('server-error');
    }
    // And it is named for what it is: a filter (a web proxy, a DNS filter or a portal).
    expect(['proxy-blocked', 'dns-failed', 'captive-portal']).toContain(own);
  });
});

describe('Raftr’s own answers are taken for Raftr’s', () => {
  it.each(genuine.map((s) => [s.id, s] as const))('%s', (_id, sample) => {
    expect(outcomesWith(sample, 'own')).toEqual({
      'app-https': 'ok',
      'web-https': 'ok',
      'api-ip-https': 'ok',
      'api-ip-http': 'ok',
      control: 'ok',
    });
  });
});

/**
 * The held-out corpus (tests/corpus/network/holdout): collected by someone who never saw the
 * classifier, after it was written, to measure it on material it was not tuned on. A proxy's
 * own error page (it could not reach Raftr) may stay "unknown": never "ok", never Raftr's fault.
 */
describe('held out: never taken for Raftr’s', () => {
  it.each(holdout.filter((s) => s.class === 'filter').map((s) => [s.id, s] as const))(
    '%s',
    (_id, sample) => {
      const own = outcomesWith(sample, 'own')[probeOf(sample.servedFor)];
      const both = outcomesWith(sample, 'both');
      for (const outcome of [own, both['app-https'], both['web-https']]) {
        expect(['proxy-blocked', 'dns-failed', 'captive-portal', 'unknown']).toContain(outcome);
      }
    },
  );
});

describe('held out: Raftr’s own answers are Raftr’s', () => {
  it.each(holdout.filter((s) => s.class === 'genuine').map((s) => [s.id, s] as const))(
    '%s',
    (_id, sample) => {
      expect(outcomesWith(sample, 'own')[probeOf(sample.servedFor)]).toBe(raftrsOwn(sample));
    },
  );
});

describe('the score npm run bench prints', () => {
  it('adds up', () => {
    const score = scoreNetworkCorpus(corpus);
    expect(score.filters).toBe(filters.length);
    expect(score.detected + score.missed.length).toBe(filters.length);
    expect(score.accepted + score.falseAlarms.length).toBe(genuine.length);
  });
});
