/**
 * Every user can read it (issue #10), end to end in Chromium with the built extension:
 * - axe-core finds no violation, light and dark, in the popup of every network scenario, in the
 *   helpdesk page with a decoded report (also rendered in Spanish) and in the headers page with
 *   an analysis (the email states are checked in email-check.spec.ts);
 * - at the popup's real size (380 × 600) the verdict, the first finding's headline and what to
 *   do next are on screen without scrolling, in every scenario; screenshots of each, light and
 *   dark, and of a few in Spanish, go to test-results/popup-size/;
 * - a keyboard-only walk through the popup reaches every control, keeps the focus where the
 *   user is, and shows where it is.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { translateEnglish, translatorFor } from '@/utils/catalogs';
import { type LaunchedExtension, launchWithExtension } from '../sim/browser';
import { createPki, type TestPki } from '../sim/ca';
import { SCENARIO_NAMES, type ScenarioName } from '../sim/scenarios';
import { expectAboveTheFold, expectAccessible, screenshotSchemes } from './accessibility';

const SCREENSHOTS = path.join('test-results', 'popup-size');
const DONE = '[data-testid="network-check"][data-state="done"]';
/** A few scenarios in Spanish: the longest words, the same layout. */
const SPANISH: readonly ScenarioName[] = ['healthy', 'proxy-block-page', 'ip-dropped'];

let pki: TestPki;
let current: LaunchedExtension | undefined;
test.beforeAll(() => {
  pki = createPki();
});
test.afterAll(() => pki?.cleanup());
test.afterEach(async () => {
  await current?.close();
  current = undefined;
});

async function popupDone(
  scenario: ScenarioName,
  language?: string,
): Promise<{ ext: LaunchedExtension; page: Page }> {
  current = await launchWithExtension({ scenario, pki, language });
  const page = await current.openPopup();
  await expect(page.locator(DONE)).toBeVisible({ timeout: 15_000 });
  // The lazily loaded sections are part of what the user sees.
  await expect(page.getByTestId('diagnostic-code')).toBeVisible();
  return { ext: current, page };
}

test.describe('the popup at its real size, accessible in light and dark', () => {
  for (const scenario of SCENARIO_NAMES) {
    test(`${scenario}: no axe violation, verdict and next step above the fold`, async () => {
      const { page } = await popupDone(scenario);
      await expect(page.locator('html')).toHaveAttribute('lang', 'en');
      await screenshotSchemes(page, SCREENSHOTS, scenario);
      await expectAboveTheFold(page);
      await expectAccessible(page, `popup, ${scenario}`);
    });
  }

  for (const scenario of SPANISH) {
    test(`${scenario} in Spanish: the same, in the user's language`, async () => {
      const { page } = await popupDone(scenario, 'es');
      await expect(page.locator('html')).toHaveAttribute('lang', 'es');
      await expect(page.getByTestId('check-again')).toHaveText('Comprobar de nuevo');
      await screenshotSchemes(page, SCREENSHOTS, `${scenario}-es`);
      await expectAboveTheFold(page);
      await expectAccessible(page, `popup in Spanish, ${scenario}`);
    });
  }
});

test('the helpdesk page with a decoded report, in English and rendered in Spanish', async () => {
  const { ext, page } = await popupDone('proxy-block-page');
  const code = (await page.getByTestId('diagnostic-code').textContent())?.trim() ?? '';
  const helpdesk = await ext.context.newPage();
  await helpdesk.goto(
    `chrome-extension://${ext.extensionId}/helpdesk.html?code=${encodeURIComponent(code)}`,
  );
  await expect(helpdesk.getByTestId('report')).toBeVisible();
  await expect(helpdesk).toHaveTitle('Raftr Access Check: helpdesk decoder');
  await expectAccessible(helpdesk, 'helpdesk, decoded report');
  await helpdesk.getByTestId('report-language').selectOption('es');
  await expect(helpdesk.getByTestId('report')).toHaveAttribute('lang', 'es');
  const spanish = translatorFor('es');
  await expect(helpdesk.getByTestId('it-message')).toContainText(spanish('it_message_subject'));
  await expect(helpdesk.getByTestId('it-message')).toContainText('*.raftr.com');
  await expect(helpdesk.getByTestId('it-message')).not.toContainText(
    translateEnglish('it_message_subject'),
  );
  await expectAccessible(helpdesk, 'helpdesk, report in Spanish');
});

test('the headers page with an analysis', async () => {
  const { ext } = await popupDone('healthy');
  const headers = await ext.context.newPage();
  await headers.goto(`chrome-extension://${ext.extensionId}/headers.html`);
  await expectAccessible(headers, 'headers page, empty');
  const sample = fs.readFileSync(
    path.join('tests', 'corpus', 'email', 'm365-sendgrid-bestguesspass-bugalert.txt'),
    'utf8',
  );
  await headers.getByTestId('headers-input').fill(sample);
  await headers.getByTestId('headers-analyze').click();
  await expect(headers.getByTestId('headers-summary')).toBeVisible();
  await expectAccessible(headers, 'headers page, analysed');
});

/** What has the focus: its test id, or its tag and text. */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const active = document.activeElement as HTMLElement | null;
    if (!active || active === document.body) return 'body';
    const id = active.dataset.testid;
    if (id) return active.dataset.provider ? `${id}:${active.dataset.provider}` : id;
    return `${active.tagName.toLowerCase()}:${active.textContent?.trim()}`;
  });
}

test('keyboard only: every control in reach, the focus shown and kept where the user is', async () => {
  const { page } = await popupDone('ip-dropped');
  await expect(page.locator('[data-testid="email-provider"]').first()).toBeEnabled();
  const order: string[] = [];
  for (let press = 0; press < 40; press += 1) {
    await page.keyboard.press('Tab');
    const now = await focused(page);
    // Past the last control the focus leaves the page (body), then starts over.
    if (now === 'body' || order.includes(now)) break;
    order.push(now);
    // Where the focus is can be seen: the :focus-visible outline.
    const outline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element);
      return `${style.outlineStyle} ${style.outlineWidth}`;
    });
    expect(outline, `focus ring on ${now}`).not.toMatch(/^none|0px$/);
  }
  for (const control of [
    'check-again',
    'email-provider:gmail',
    'email-provider:microsoft',
    'email-manual-open',
    'copy-diagnostic-code',
    'copy-it-message',
    'helpdesk-link',
  ]) {
    expect(order, `${control} reachable by Tab`).toContain(control);
  }
  // In reading order: the network check's controls come before the email check's.
  expect(order.indexOf('check-again')).toBeLessThan(order.indexOf('email-provider:gmail'));

  // "Check again" with Enter: the check runs again and the focus stays on the button (it is
  // aria-disabled while running, not disabled, so the focus is not dropped to the page).
  await page.getByTestId('check-again').focus();
  const runId = await page.getByTestId('network-check').getAttribute('data-run-id');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('network-check')).not.toHaveAttribute('data-run-id', runId ?? '');
  expect(await focused(page)).toBe('check-again');
  await expect(page.getByTestId('check-again')).toHaveAttribute('aria-disabled', 'true');
  await expect(page.locator(DONE)).toBeVisible({ timeout: 15_000 });
  expect(await focused(page)).toBe('check-again');

  // The technical details open from the keyboard.
  const details = page.locator('[data-testid="network-check"] details');
  await details.locator('summary').focus();
  await page.keyboard.press('Enter');
  await expect(details).toHaveAttribute('open', '');

  // The manual email check: its control disappears once chosen; the focus stays in the section.
  await page.getByTestId('email-manual-open').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('email-manual-open')).toHaveCount(0);
  const inEmail = await page.evaluate(
    () =>
      document.querySelector('[data-testid="email-check"]')?.contains(document.activeElement) ??
      false,
  );
  expect(inEmail, 'focus stays in the email check').toBe(true);
});
