/**
 * The badge in Firefox (issue #12): the same user navigation to app.raftr.com, answered by a
 * block page, starts the check in the background and turns the toolbar badge on, with its
 * title; a healthy navigation starts no check. Debian's firefox-esr with the built MV2
 * extension over WebDriver BiDi (tests/sim/firefox.ts), in the same simulated internet.
 * Extension pages send no BiDi events in Firefox: the state is read by polling a page of ours.
 */
import { expect, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import { translateEnglish } from '@/utils/catalogs';
import { FIREFOX_EXTENSION_DIR } from '../sim/browser';
import { createPki, type TestPki } from '../sim/ca';
import { type LaunchedFirefox, launchFirefoxWithExtension } from '../sim/firefox';
import { type ScenarioName, type SimNet, startSimNet } from '../sim/scenarios';

let pki: TestPki;
test.beforeAll(() => {
  pki = createPki();
});
test.afterAll(() => pki?.cleanup());

interface State {
  text: string;
  title: string;
  run: string | null;
}

/** The toolbar button and the stored run's state, read from an extension page. */
function state(page: Page): Promise<State> {
  return page.evaluate(async () => {
    const api = (
      globalThis as unknown as {
        browser: {
          browserAction: {
            getBadgeText(d: object): Promise<string>;
            getTitle(d: object): Promise<string>;
          };
          storage: { session: { get(key: string): Promise<Record<string, unknown>> } };
        };
      }
    ).browser;
    const run = (await api.storage.session.get('networkRun')).networkRun as
      | { state: string }
      | undefined;
    return {
      text: await api.browserAction.getBadgeText({}),
      title: await api.browserAction.getTitle({}),
      run: run?.state ?? null,
    };
  });
}

async function inFirefox(
  scenario: ScenarioName,
  body: (firefox: LaunchedFirefox, inspector: Page) => Promise<void>,
): Promise<void> {
  test.setTimeout(90_000);
  let net: SimNet | undefined;
  let firefox: LaunchedFirefox | undefined;
  try {
    net = await startSimNet(scenario, pki);
    firefox = await launchFirefoxWithExtension({
      extensionDir: FIREFOX_EXTENSION_DIR,
      caCertPath: [pki.root.certPath, pki.filter.certPath],
    });
    const inspector = await firefox.openExtensionPage('helpdesk.html');
    await body(firefox, inspector);
  } finally {
    await firefox?.close();
    await net?.close();
  }
}

test('Firefox: a block page on app.raftr.com turns the badge on without the popup', async () => {
  await inFirefox('proxy-block-page', async (firefox, inspector) => {
    expect((await state(inspector)).text).toBe('');
    const tab = await firefox.browser.newPage();
    await tab.goto('https://app.raftr.com/', { timeout: 20_000 }).catch(() => {});
    await expect
      .poll(() => state(inspector), { timeout: 30_000 })
      .toEqual({ text: '!', title: translateEnglish('badge_title_blocked'), run: 'done' });
  });
});

test('Firefox: a healthy navigation starts no check and shows no badge', async () => {
  await inFirefox('healthy', async (firefox, inspector) => {
    const tab = await firefox.browser.newPage();
    await tab.goto('https://app.raftr.com/', { timeout: 20_000 });
    await new Promise((resolve) => setTimeout(resolve, 9_000));
    expect(await state(inspector)).toMatchObject({ text: '', run: null });
  });
});
