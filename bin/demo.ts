/**
 * `npm run demo [-- <scenario>…]`: see the product work without the real Raftr.
 *
 * Loads the built extension into Debian's Chromium on the simulated internet of tests/sim (a
 * network namespace with the real addresses and a test DNS, no route out: nothing leaves the
 * machine; `npm run demo` starts it there), opens the popup in each network condition, and prints
 * what a user would read: the verdict, each check, each finding with its entries, and the
 * diagnostic code. Screenshots go to .output/demo/<scenario>.png.
 * With a display (DISPLAY set) and one scenario named, Chromium opens headed and stays open
 * until Ctrl-C, so you can click around.
 */
import fs from 'node:fs';
import path from 'node:path';
import { assertInsideSimulatedInternet } from '../tests/sim/addresses';
import { launchWithExtension, REPO_ROOT } from '../tests/sim/browser';
import { createPki } from '../tests/sim/ca';
import { SCENARIO_NAMES, type ScenarioName } from '../tests/sim/scenarios';

assertInsideSimulatedInternet('npm run demo');
const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = requested.filter((name) => !(SCENARIO_NAMES as readonly string[]).includes(name));
if (unknown.length) {
  console.error(`unknown scenario: ${unknown.join(', ')}\nscenarios: ${SCENARIO_NAMES.join(', ')}`);
  process.exit(2);
}
const names = (requested.length ? requested : SCENARIO_NAMES) as ScenarioName[];
const interactive = !!process.env.DISPLAY && names.length === 1;
const outDir = path.join(REPO_ROOT, '.output', 'demo');
fs.mkdirSync(outDir, { recursive: true });

const pki = createPki();
try {
  for (const name of names) {
    const launched = await launchWithExtension({ scenario: name, pki, headless: !interactive });
    try {
      const page = await launched.openPopup();
      await page.waitForSelector('[data-testid="network-check"][data-state="done"]', {
        timeout: 20_000,
      });
      const verdict = await page.locator('[data-testid="verdict"]').textContent();
      const checks = await page
        .locator('[data-testid="check"]')
        .evaluateAll((rows) =>
          rows.map(
            (row) =>
              `${(row as HTMLElement).dataset.target}=${(row as HTMLElement).dataset.outcome}`,
          ),
        );
      const findings = await page.locator('[data-testid="finding"]').evaluateAll((cards) =>
        cards.map((card) => {
          const title = card.querySelector('h3')?.textContent ?? '';
          const entries = [...card.querySelectorAll('code')].map((code) => code.textContent);
          return `${(card as HTMLElement).dataset.finding}: ${title}${entries.map((e) => `\n      ${e}`).join('')}`;
        }),
      );
      const code = await page
        .locator('[data-testid="diagnostic-code"]')
        .textContent()
        .catch(() => '');
      const screenshot = path.join(outDir, `${name}.png`);
      await page.screenshot({ path: screenshot, fullPage: true });
      console.log(`\n■ ${name}: ${launched.net.scenario.title}`);
      console.log(`  verdict: ${verdict}`);
      console.log(`  checks:  ${checks.join('  ')}`);
      for (const finding of findings) console.log(`  finding ${finding}`);
      if (code) console.log(`  diagnostic code: ${code}   (decode: npx raftr-diag decode ${code})`);
      console.log(`  screenshot: ${path.relative(REPO_ROOT, screenshot)}`);
      if (interactive) {
        console.log('\nChromium is open on the simulated network: Ctrl-C to stop.');
        await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
      }
    } finally {
      await launched.close();
    }
  }
  console.log(
    `\nStandalone helpdesk decoder: ${path.relative(REPO_ROOT, path.join(REPO_ROOT, '.output', 'raftr-decoder.html'))}`,
  );
} finally {
  pki.cleanup();
}
