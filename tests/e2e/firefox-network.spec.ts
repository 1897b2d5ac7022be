/**
 * The network check in Firefox: Debian's firefox-esr with the built MV2 extension, driven over
 * WebDriver BiDi (tests/sim/firefox.ts), in the same simulated internet and the same scenarios
 * as Chromium (tests/sim/scenarios.ts), with the same expectations. Firefox says things its own
 * way (NS_ERROR_* names, certificate errors as text in its own language, no onBeforeRedirect
 * for a manual redirect, no address with an error); the verdicts must not differ.
 *
 * Extension pages send no BiDi events in Firefox, so the popup is read by polling its DOM.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, type TestInfo, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import { PROBE_TARGET_IDS, type ProbeTargetId } from '@/utils/profile';
import { BLOCKER_EXTENSION_DIR, FIREFOX_EXTENSION_DIR } from '../sim/browser';
import { createPki, type TestPki } from '../sim/ca';
import { type LaunchedFirefox, launchFirefoxWithExtension } from '../sim/firefox';
import {
  SCENARIO_NAMES,
  SCENARIOS,
  type ScenarioName,
  type SimNet,
  startSimNet,
} from '../sim/scenarios';

let pki: TestPki;
test.beforeAll(() => {
  pki = createPki();
});
test.afterAll(() => pki?.cleanup());

interface Shown {
  state: string | null;
  outcomes: Record<string, string | null>;
  findings: string[];
  findingTexts: Record<string, string>;
}

async function shown(page: Page): Promise<Shown> {
  return page.evaluate(() => {
    const check = document.querySelector('[data-testid="network-check"]');
    const outcomes: Record<string, string | null> = {};
    for (const el of document.querySelectorAll('[data-testid="check"]')) {
      outcomes[el.getAttribute('data-target') ?? ''] = el.getAttribute('data-outcome');
    }
    const findingTexts: Record<string, string> = {};
    for (const el of document.querySelectorAll('[data-testid="finding"]')) {
      findingTexts[el.getAttribute('data-finding') ?? ''] = el.textContent ?? '';
    }
    return {
      state: check?.getAttribute('data-state') ?? null,
      outcomes,
      findings: Object.keys(findingTexts).sort(),
      findingTexts,
    };
  });
}

async function screenshot(page: Page, name: string, testInfo: TestInfo): Promise<void> {
  const body = Buffer.from(await page.screenshot());
  await testInfo.attach('popup (Firefox)', { body, contentType: 'image/png' });
  const file = path.join(testInfo.project.outputDir, 'screenshots', `firefox-${name}.png`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, body);
}

/**
 * A temporary add-on's declarativeNetRequest rules take effect a moment after it is installed
 * (Chromium loads the blocker at start-up instead): wait until a plain tab is blocked, so the
 * check meets the blocker, not the moment before it.
 */
async function untilBlocked(firefox: LaunchedFirefox): Promise<void> {
  const deadline = Date.now() + 15_000;
  const tab = await firefox.browser.newPage();
  try {
    for (;;) {
      const error = await tab.goto('https://app.raftr.com/ready', { timeout: 5_000 }).then(
        () => null,
        (e: unknown) => String(e),
      );
      if (error?.includes('NS_ERROR_ABORT')) return;
      if (Date.now() > deadline) throw new Error(`the blocker extension never blocked: ${error}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    await tab.close();
  }
}

test.describe('network check in Firefox', () => {
  for (const name of SCENARIO_NAMES) {
    const scenario = SCENARIOS[name as ScenarioName];
    test(`${name}: ${scenario.title}`, async () => {
      test.setTimeout(90_000);
      const testInfo = test.info();
      let net: SimNet | undefined;
      let firefox: LaunchedFirefox | undefined;
      let page: Page | undefined;
      try {
        net = await startSimNet(scenario, pki);
        firefox = await launchFirefoxWithExtension({
          extensionDir: FIREFOX_EXTENSION_DIR,
          caCertPath: [pki.root.certPath, pki.filter.certPath],
          ...(scenario.firefoxPolicy ? { policies: scenario.firefoxPolicy } : {}),
          ...(scenario.blockerExtension ? { extraExtensions: [BLOCKER_EXTENSION_DIR] } : {}),
        });
        if (scenario.blockerExtension) await untilBlocked(firefox);
        page = await firefox.openExtensionPage('popup.html');
        await page.waitForFunction(
          () =>
            document.querySelector('[data-testid="network-check"]')?.getAttribute('data-state') ===
            'done',
          { timeout: 20_000, polling: 100 },
        );
        const view = await shown(page);
        for (const id of PROBE_TARGET_IDS) {
          const expected = scenario.expected.outcomes[id as ProbeTargetId];
          if (expected) expect(view.outcomes[id], `outcome of ${id}`).toBe(expected);
          else expect(view.outcomes[id], `outcome of ${id}`).toBeTruthy();
        }
        expect(view.findings, 'findings').toEqual([...scenario.expected.findings].sort());
        for (const [id, texts] of Object.entries(scenario.expected.findingTexts)) {
          for (const text of texts ?? []) {
            if (typeof text === 'string')
              expect(view.findingTexts[id], `${id} names ${text}`).toContain(text);
            else expect(view.findingTexts[id], `${id} names ${text}`).toMatch(text);
          }
        }
      } finally {
        if (page) {
          await screenshot(page, name, testInfo).catch(() => {});
          // The stored run, for whoever reads a failure: every probe's evidence and result.
          const run = await page
            .evaluate(async () => {
              const api = (
                globalThis as unknown as {
                  browser: {
                    storage: { session: { get(key: string): Promise<Record<string, unknown>> } };
                  };
                }
              ).browser;
              return (await api.storage.session.get('networkRun')).networkRun;
            })
            .catch((error: unknown) => String(error));
          await testInfo.attach('stored run', {
            body: JSON.stringify(run, null, 2),
            contentType: 'application/json',
          });
          if (process.env.E2E_DEBUG) console.log(JSON.stringify(run, null, 1));
        }
        await firefox?.close();
        await net?.close();
      }
    });
  }
});
