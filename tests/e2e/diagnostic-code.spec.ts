/**
 * The helpdesk workflow end to end: a network check runs in the simulated internet, the code is
 * read from the popup, and three decoders (the CLI, the extension's helpdesk page and the
 * standalone HTML decoder opened from file://) must show what the popup showed.
 * Screenshots are attached to the test results.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, type Page, type TestInfo, test } from '@playwright/test';
import type { EmailSource, Placement } from '@/utils/email/evidence';
// Types only (a renamed value breaks this file at compile time): utils/email/findings.ts reaches
// the i18n catalog, a JSON import Playwright's ESM loader refuses without an import attribute.
import type { EmailFindingId } from '@/utils/email/findings';
import type { BlockProductId } from '@/utils/network/block-products';
import type { NetworkFindingId } from '@/utils/network/findings';
import type { Outcome } from '@/utils/network/outcomes';
import {
  DECODER_FILE,
  EXTENSION_DIR,
  type LaunchedExtension,
  launchWithExtension,
  REPO_ROOT,
} from '../sim/browser';

const run = promisify(execFile);
const CLI = path.join(REPO_ROOT, 'bin', 'raftr-diag.mjs');

interface Shown {
  outcomes: Record<string, string>;
  findings: string[];
}

/** A full-page screenshot, kept as a file in the test's output directory and attached. */
async function shot(page: Page, info: TestInfo, name: string): Promise<void> {
  const file = info.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await info.attach(name, { path: file, contentType: 'image/png' });
}

/** The outcomes and findings a page shows, from the test hooks popup and helpdesk share. */
async function shown(page: Page): Promise<Shown> {
  const outcomes: Record<string, string> = {};
  for (const check of await page.locator('[data-testid="check"][data-outcome]').all()) {
    outcomes[(await check.getAttribute('data-target')) as string] = (await check.getAttribute(
      'data-outcome',
    )) as string;
  }
  const findings = await page
    .locator('[data-testid="finding"]')
    .evaluateAll((nodes) => nodes.map((n) => n.getAttribute('data-finding') as string));
  return { outcomes, findings };
}

/** Opens the popup, waits for the network verdict and reads the diagnostic code. */
async function popupWithCode(ext: LaunchedExtension): Promise<{ popup: Page; code: string }> {
  const popup = await ext.openPopup();
  await expect(popup.getByTestId('network-check')).toHaveAttribute('data-state', 'done', {
    timeout: 30_000,
  });
  return { popup, code: await codeIn(popup) };
}

async function codeIn(page: Page): Promise<string> {
  return ((await page.getByTestId('diagnostic-code').textContent()) ?? '').trim();
}

async function cliDecode(code: string) {
  const { stdout } = await run(process.execPath, [CLI, 'decode', code, '--json'], {
    cwd: REPO_ROOT,
  });
  return JSON.parse(stdout) as {
    code: string;
    extensionVersion: string;
    browser: { family: string; major: number };
    probes: Record<string, string>;
    blockProduct: string | null;
    email: unknown;
    findings: { id: string }[];
    itMessage: string;
  };
}

/** Types a code into a decoder page and checks the report against what the popup showed. */
async function decodeOnPage(page: Page, code: string, popup: Shown, itMessage: string) {
  await page.getByTestId('code-input').fill(code.toLowerCase().replace(/-/g, ' '));
  await page.getByTestId('code-input').press('Enter');
  await expect(page.getByTestId('report')).toHaveAttribute('data-code', code);
  expect(await shown(page)).toEqual(popup);
  expect(await page.getByTestId('it-message').textContent()).toBe(itMessage);
}

test('a code read from the popup decodes to the same result in the CLI, the helpdesk page and the standalone decoder', async () => {
  const info = test.info();
  test.setTimeout(120_000);
  const ext = await launchWithExtension({ scenario: 'proxy-block-page' });
  try {
    const { popup, code } = await popupWithCode(ext);
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]{6}-[0-9A-HJKMNP-TV-Z]{6}$/);
    const inPopup = await shown(popup);
    expect(inPopup.outcomes['app-https']).toBe('proxy-blocked' satisfies Outcome);
    expect(inPopup.findings).toContain('proxy-block-page' satisfies NetworkFindingId);
    await popup.getByTestId('diagnostic-code-contents').locator('summary').click();
    const previewBrowser = await popup
      .locator('[data-testid="diagnostic-code-contents"] [data-field="browser"] dd')
      .textContent();
    await shot(popup, info, 'popup-with-code');

    // The CLI.
    const decoded = await cliDecode(code);
    expect(decoded.code).toBe(code);
    expect(decoded.probes).toEqual(inPopup.outcomes);
    expect(decoded.findings.map((f) => f.id)).toEqual(inPopup.findings);
    expect(decoded.blockProduct).toBe('fortiguard' satisfies BlockProductId);
    expect(decoded.email).toBeNull();
    const manifest = JSON.parse(fs.readFileSync(path.join(EXTENSION_DIR, 'manifest.json'), 'utf8'));
    expect(decoded.extensionVersion).toBe(manifest.version);
    const uaMajor = Number(
      /Chrome\/(\d+)/.exec(await popup.evaluate(() => navigator.userAgent))?.[1],
    );
    // Debian's Chromium names itself "Chromium" in UA-CH: an 'other' browser, by its Chromium major.
    expect(decoded.browser).toEqual({ family: 'other', major: uaMajor });
    expect(decoded.itMessage).toContain(code);

    // The helpdesk page, opened from the popup's link (which carries the code).
    const [helpdesk] = await Promise.all([
      ext.context.waitForEvent('page'),
      popup.getByTestId('helpdesk-link').click(),
    ]);
    await helpdesk.setViewportSize({ width: 900, height: 1000 });
    await expect(helpdesk.getByTestId('report')).toHaveAttribute('data-code', code);
    expect(await shown(helpdesk)).toEqual(inPopup);
    expect(await helpdesk.getByTestId('it-message').textContent()).toBe(decoded.itMessage);
    expect(
      await helpdesk
        .locator('[data-testid="evidence-field"][data-field="browser"] dd')
        .textContent(),
    ).toBe(previewBrowser);
    await shot(helpdesk, info, 'helpdesk-report');
    // Typed in by hand, sloppily: lower case, spaces.
    await helpdesk.goto(helpdesk.url().replace(/\?.*$/, ''));
    await decodeOnPage(helpdesk, code, inPopup, decoded.itMessage);
    // One wrong character: a typo, never a report.
    const typo = `${code.slice(0, 3)}${code[3] === 'X' ? 'Y' : 'X'}${code.slice(4)}`;
    await helpdesk.getByTestId('code-input').fill(typo);
    await helpdesk.getByTestId('code-input').press('Enter');
    await expect(helpdesk.getByTestId('decode-error')).toHaveAttribute('data-reason', 'typo');
    await expect(helpdesk.getByTestId('report')).toHaveCount(0);
    await shot(helpdesk, info, 'helpdesk-typo');

    // The standalone decoder, from disk: one file, no request for anything else.
    expect(fs.existsSync(DECODER_FILE)).toBe(true);
    const standalone = await ext.context.newPage();
    await standalone.setViewportSize({ width: 900, height: 1000 });
    const requests: string[] = [];
    standalone.on('request', (request) => requests.push(request.url()));
    await standalone.goto(`file://${DECODER_FILE}`);
    await decodeOnPage(standalone, code, inPopup, decoded.itMessage);
    await shot(standalone, info, 'standalone-decoder');
    expect(requests.filter((url) => !url.startsWith('file:') && !url.startsWith('data:'))).toEqual(
      [],
    );
  } finally {
    await ext.close();
  }
});

test('the email check’s evidence joins the code and decodes the same everywhere', async () => {
  test.setTimeout(90_000);
  const info = test.info();
  const ext = await launchWithExtension({ scenario: 'healthy' });
  try {
    const { popup, code: networkOnly } = await popupWithCode(ext);
    // Manual mode: the user says the test message landed in spam (no mailbox access needed).
    await popup.getByTestId('email-manual-open').click();
    await popup.locator('[data-testid="email-manual-answer"][data-placement="spam"]').click();
    await expect(popup.getByTestId('diagnostic-code')).not.toHaveText(networkOnly);
    const code = await codeIn(popup);
    const inPopup = await shown(popup);
    expect(inPopup.findings).toContain('email-in-spam' satisfies EmailFindingId);
    await shot(popup, info, 'popup-with-email-evidence');

    const decoded = await cliDecode(code);
    expect(decoded.email).toMatchObject({
      source: 'user-reported' satisfies EmailSource,
      placement: 'spam' satisfies Placement,
    });
    expect(decoded.probes).toEqual(inPopup.outcomes);
    expect(decoded.findings.map((f) => f.id)).toEqual(inPopup.findings);

    const helpdesk = await ext.context.newPage();
    await helpdesk.setViewportSize({ width: 900, height: 1000 });
    await helpdesk.goto(`chrome-extension://${ext.extensionId}/helpdesk.html?code=${code}`);
    await expect(helpdesk.getByTestId('report')).toHaveAttribute('data-code', code);
    expect(await shown(helpdesk)).toEqual(inPopup);
    await expect(
      helpdesk.locator('[data-testid="email-field"][data-field="placement"] dd'),
    ).toHaveText('junk / spam folder');
    expect(await helpdesk.getByTestId('it-message').textContent()).toBe(decoded.itMessage);
    await shot(helpdesk, info, 'helpdesk-with-email-evidence');
  } finally {
    await ext.close();
  }
});

test('with an IT contact set by policy, the popup and the helpdesk page address the message to it', async () => {
  const info = test.info();
  test.setTimeout(90_000);
  // Managed storage for an extension is its `3rdparty` policy; the launch returns once the
  // extension sees it.
  const ext = await launchWithExtension({
    scenario: 'healthy',
    extensionPolicy: { itContact: 'mailto:it-helpdesk@example.edu' },
  });
  try {
    const { popup, code } = await popupWithCode(ext);
    await expect(popup.getByTestId('email-it')).toHaveAttribute(
      'href',
      /^mailto:it-helpdesk@example\.edu\?subject=/,
    );
    const mailto = (await popup.getByTestId('email-it').getAttribute('href')) ?? '';
    expect(decodeURIComponent(mailto.split('body=')[1] ?? '')).toContain(code);
    await shot(popup, info, 'popup-with-it-contact');

    const helpdesk = await ext.context.newPage();
    await helpdesk.goto(`chrome-extension://${ext.extensionId}/helpdesk.html?code=${code}`);
    await expect(helpdesk.getByTestId('report')).toHaveAttribute('data-code', code);
    await expect(helpdesk.getByTestId('email-it')).toHaveAttribute(
      'href',
      /^mailto:it-helpdesk@example\.edu\?subject=/,
    );
    expect(await shown(helpdesk)).toEqual(await shown(popup));
  } finally {
    await ext.close();
  }
});
