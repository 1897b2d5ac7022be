/**
 * Same evidence, same verdict, in the browser: real block pages from the corpus served for the
 * Raftr names by a filter in the path, and every scenario whose verdict rests on headers,
 * redirects or bodies, each checked again 20 times in one popup. Every run must end with the
 * same outcomes and the same findings: nothing may depend on which webRequest event or fetch
 * settles first.
 */
import { expect, type Page, test } from '@playwright/test';
import type { ProbeTargetId } from '@/utils/profile';
import { PROBE_TARGET_IDS } from '@/utils/profile';
import { loadNetworkCorpus, type NetworkCorpusSample } from '../corpus/network';
import { launchWithExtension } from '../sim/browser';
import { createPki, type TestPki } from '../sim/ca';
import { SCENARIOS, type Scenario, type ScenarioName } from '../sim/scenarios';

const RUNS = 20;
const DONE = '[data-testid="network-check"][data-state="done"]';

let pki: TestPki;
test.beforeAll(() => {
  pki = createPki();
});
test.afterAll(() => pki?.cleanup());

interface Verdict {
  outcomes: Record<ProbeTargetId, string | null>;
  findings: string[];
  details: string[];
}

async function verdictOf(page: Page): Promise<Verdict> {
  const outcomes = {} as Record<ProbeTargetId, string | null>;
  for (const id of PROBE_TARGET_IDS) {
    outcomes[id] = await page
      .locator(`[data-testid="check"][data-target="${id}"]`)
      .getAttribute('data-outcome');
  }
  const findings = await page
    .locator('[data-testid="finding"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-finding') ?? '').sort());
  const details = await page
    .locator('[data-testid="finding-detail"]')
    .evaluateAll((els) => els.map((e) => e.textContent ?? '').sort());
  return { outcomes, findings, details };
}

/** Opens the popup, then checks again until `runs` verdicts are in; returns them all. */
async function repeatedVerdicts(scenario: Scenario, runs: number): Promise<Verdict[]> {
  const ext = await launchWithExtension({ scenario, pki });
  try {
    const page = await ext.openPopup();
    const verdicts: Verdict[] = [];
    let runId: string | null = null;
    for (let i = 0; i < runs; i++) {
      if (i > 0) await page.locator('[data-testid="check-again"]').click();
      const done = page.locator(DONE);
      // A new run each time: a verdict read off the previous run would prove nothing.
      await expect(done).toBeVisible({ timeout: 15_000 });
      await expect(done).not.toHaveAttribute('data-run-id', runId ?? '', { timeout: 15_000 });
      runId = await done.getAttribute('data-run-id');
      verdicts.push(await verdictOf(page));
    }
    return verdicts;
  } finally {
    await ext.close();
  }
}

/** A filter in the path serving a corpus response for both Raftr names; the bare IP passes. */
function servedByFilter(sample: NetworkCorpusSample): Scenario {
  const response = {
    status: sample.status,
    headers: Object.fromEntries(
      Object.entries(sample.headers).filter(
        ([name]) => !/^(content-length|connection|transfer-encoding)$/.test(name),
      ),
    ),
    ...(sample.body !== null ? { body: sample.body } : {}),
  };
  return {
    name: `corpus-${sample.id}`,
    title: `${sample.productName ?? sample.product}: ${sample.id} served for the Raftr names`,
    middlebox: {
      https: { names: { respond: response, tls: 'filter' }, bareIp: 'pass' },
      http: { names: { respond: response }, bareIp: 'pass' },
    },
    expected: { outcomes: {}, findings: ['proxy-block-page'], findingTexts: {} },
  };
}

const SAMPLES = [
  'paloalto-url-block-v10', // 503, newer wording no fingerprint matches
  'e2guardian-denied-es', // 200, Spanish, product nobody lists
  'squid-access-denied-fr', // 403 with Squid's headers, French
  'websense-blockpage-redirect', // 302 to the filter's block server
  'netsweeper-iframe-inject', // 200, a frame onto the deny page
  'watchguard-request-denied-plunker', // 403, unmatched fingerprint
];

const corpus = loadNetworkCorpus();

test.describe('real block pages, served by a filter in the path', () => {
  for (const id of SAMPLES) {
    const sample = corpus.find((s) => s.id === id);
    test(`${id}: named as a filter, ${RUNS} times the same`, async () => {
      test.setTimeout(120_000);
      if (!sample) throw new Error(`corpus sample ${id} is missing`);
      const verdicts = await repeatedVerdicts(servedByFilter(sample), RUNS);
      const first = verdicts[0] as Verdict;
      expect(first.outcomes['app-https']).toBe('proxy-blocked');
      expect(first.outcomes['web-https']).toBe('proxy-blocked');
      expect(first.outcomes['api-ip-https']).toBe('ok');
      expect(first.findings).toEqual(['proxy-block-page']);
      if (sample.product === 'unknown') {
        // What IT needs to recognise a product nobody listed: its status (and title or host).
        expect(first.details.join(' ')).toContain(`HTTP ${sample.status}`);
      }
      for (const [i, verdict] of verdicts.entries()) expect(verdict, `run ${i + 1}`).toEqual(first);
    });
  }
});

/** The scenarios whose verdict rests on headers, redirects or bodies. */
const REPEATED: ScenarioName[] = [
  'healthy',
  'dns-filter',
  'proxy-block-page',
  'captive-portal',
  'raftr-503',
];

test.describe(`every run the same (${RUNS} runs)`, () => {
  for (const name of REPEATED) {
    test(`${name}: ${SCENARIOS[name].title}`, async () => {
      test.setTimeout(120_000);
      const verdicts = await repeatedVerdicts(SCENARIOS[name], RUNS);
      const first = verdicts[0] as Verdict;
      expect(first.findings).toEqual([...SCENARIOS[name].expected.findings].sort());
      for (const [id, outcome] of Object.entries(SCENARIOS[name].expected.outcomes)) {
        expect(first.outcomes[id as ProbeTargetId], id).toBe(outcome);
      }
      for (const [i, verdict] of verdicts.entries()) expect(verdict, `run ${i + 1}`).toEqual(first);
    });
  }
});
