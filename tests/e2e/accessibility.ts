/**
 * What every e2e state of a page must pass: axe-core (the npm package, evaluated into the page
 * through the DevTools protocol, which extension pages' CSP does not block) with zero
 * violations, in the light and in the dark colour scheme; and, for the popup, its verdict,
 * first finding and next step on screen at Chrome's popup height without scrolling.
 * https://github.com/dequelabs/axe-core/blob/develop/doc/API.md
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, type Page } from '@playwright/test';
import axe from 'axe-core';
import { POPUP_VIEWPORT } from '../sim/browser';

export const COLOR_SCHEMES = ['light', 'dark'] as const;

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[]; failureSummary?: string }[];
}

/** axe's violations of the page as it is now, one line each (rule, impact, where, why). */
async function violations(page: Page): Promise<string[]> {
  const loaded = await page.evaluate(() => 'axe' in globalThis);
  if (!loaded) await page.evaluate(axe.source);
  const found = await page.evaluate(async () => {
    const run = (globalThis as unknown as { axe: { run(): Promise<{ violations: unknown[] }> } })
      .axe.run;
    return (await run()).violations;
  });
  return (found as AxeViolation[]).flatMap((violation) =>
    violation.nodes.map(
      (node) =>
        `${violation.id} (${violation.impact}): ${violation.help} at ${node.target.join(' ')}${
          node.failureSummary ? ` — ${node.failureSummary.replace(/\s+/g, ' ')}` : ''
        }`,
    ),
  );
}

/**
 * No axe violations in either colour scheme. The page is left in the light scheme. Each scheme
 * waits a frame for the colour change, so that contrast is measured on the new colours.
 */
export async function expectAccessible(page: Page, state: string): Promise<void> {
  for (const colorScheme of COLOR_SCHEMES) {
    await page.emulateMedia({ colorScheme });
    await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(resolve)));
    expect(await violations(page), `axe violations: ${state}, ${colorScheme}`).toEqual([]);
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Screenshots at the popup's real size (380 × 600, not the full page), one per scheme. */
export async function screenshotSchemes(page: Page, dir: string, name: string): Promise<string[]> {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const colorScheme of COLOR_SCHEMES) {
    await page.emulateMedia({ colorScheme });
    const file = path.join(dir, `${name}-${colorScheme}.png`);
    await page.screenshot({ path: file });
    files.push(file);
  }
  await page.emulateMedia({ colorScheme: 'light' });
  return files;
}

/**
 * At 600 px of height (Chrome's cap for a popup) the user sees, without scrolling, the verdict,
 * the first finding's headline and what to do next (its steps, or its explanation when it has
 * none): every one of them ends above the fold.
 */
export async function expectAboveTheFold(page: Page): Promise<void> {
  expect(page.viewportSize()?.height).toBe(POPUP_VIEWPORT.height);
  await page.evaluate(() => window.scrollTo(0, 0));
  const first = page.locator('[data-testid="network-check"] [data-testid="finding"]').first();
  const next = first.locator('.finding__steps');
  const targets = [
    ['verdict', page.getByTestId('verdict')],
    ['first finding headline', first.locator('.finding__title')],
    ['what to do next', (await next.count()) ? next : first.locator('.finding__body')],
  ] as const;
  for (const [what, locator] of targets) {
    const box = await locator.boundingBox();
    expect(box, `${what} is shown`).not.toBeNull();
    expect(
      (box?.y ?? 0) + (box?.height ?? 0),
      `${what} ends above the fold (${POPUP_VIEWPORT.height} px)`,
    ).toBeLessThanOrEqual(POPUP_VIEWPORT.height);
  }
}
