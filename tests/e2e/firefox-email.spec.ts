/**
 * The email check in Firefox: Debian's firefox-esr with the built MV2 extension, the simulated
 * mail world on its plan addresses, the extension's client ids from a policies.json "3rdparty"
 * policy, and Firefox's own redirect URL for `identity.launchWebAuthFlow`
 * (https://<sha1(add-on id)>.extensions.allizom.org/, which the OAuth emulators accept as the
 * real providers would once it is registered). Optional permissions are granted without a
 * prompt (`extensions.webextOptionalPermissionPrompts`: Firefox's own test switch), since
 * headless Firefox cannot answer one.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect, type TestInfo, test } from '@playwright/test';
import type { Page } from 'puppeteer-core';
import { FIREFOX_EXTENSION_DIR } from '../sim/browser';
import { createPki, type TestPki } from '../sim/ca';
import { type LaunchedFirefox, launchFirefoxWithExtension } from '../sim/firefox';
import { FIREFOX_ADDON_ID, type MailWorld, startMailWorld } from '../sim/mail';
import { defaultExtensionPolicy } from '../sim/mail/launch';
import { type SimNet, startSimNet } from '../sim/scenarios';

let pki: TestPki;
test.beforeAll(() => {
  pki = createPki();
});
test.afterAll(() => pki?.cleanup());

interface Running {
  world: MailWorld;
  net: SimNet;
  firefox: LaunchedFirefox;
  page: Page;
}

async function start(world: Parameters<typeof startMailWorld>[0]['mailbox']): Promise<Running> {
  const mail = await startMailWorld({ pki, mailbox: world, onPlanAddresses: true });
  let net: SimNet | undefined;
  try {
    net = await startSimNet('healthy', pki, { extraZone: mail.zone, raftrApp: mail.raftrApp });
    const firefox = await launchFirefoxWithExtension({
      extensionDir: FIREFOX_EXTENSION_DIR,
      caCertPath: [pki.root.certPath],
      // https://mozilla.github.io/policy-templates/#3rdparty: the extension's managed storage.
      policies: {
        '3rdparty': { Extensions: { [FIREFOX_ADDON_ID]: defaultExtensionPolicy(mail) } },
      },
      prefs: { 'extensions.webextOptionalPermissionPrompts': false },
    });
    const page = await firefox.openExtensionPage('popup.html');
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid="email-check"]')?.getAttribute('data-state') ===
          'idle' && !!document.querySelector('[data-testid="email-provider"]:not([disabled])'),
      { timeout: 20_000, polling: 100 },
    );
    return { world: mail, net, firefox, page };
  } catch (error) {
    await net?.close();
    await mail.close();
    throw error;
  }
}

async function finish(running: Running | undefined, name: string, testInfo: TestInfo) {
  if (!running) return;
  try {
    const body = Buffer.from(await running.page.screenshot({ fullPage: true }));
    await testInfo.attach(`firefox-email-${name}`, { body, contentType: 'image/png' });
    const file = path.join(testInfo.project.outputDir, 'screenshots', `firefox-email-${name}.png`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, body);
  } finally {
    await running.firefox.close();
    await running.net.close();
    await running.world.close();
  }
}

async function choose(page: Page, provider: 'gmail' | 'microsoft'): Promise<void> {
  await page.click(`[data-testid="email-provider"][data-provider="${provider}"]`);
}

/** The email section once it reached `state`: its placement and findings. */
async function emailResult(page: Page, state: string, timeout = 45_000) {
  await page.waitForFunction(
    (wanted: string) =>
      document.querySelector('[data-testid="email-check"]')?.getAttribute('data-state') === wanted,
    { timeout, polling: 200 },
    state,
  );
  return page.evaluate(() => {
    const section = document.querySelector('[data-testid="email-check"]');
    return {
      placement:
        section?.querySelector('[data-testid="email-placement"]')?.getAttribute('data-placement') ??
        null,
      findings: [...(section?.querySelectorAll('[data-testid="finding"]') ?? [])].map(
        (el) => el.getAttribute('data-finding') ?? '',
      ),
      error:
        section?.querySelector('[data-testid="email-error"]')?.getAttribute('data-reason') ?? null,
      text: section?.textContent ?? '',
    };
  });
}

test.describe('email check in Firefox', () => {
  test('delivered to the inbox (Gmail): signed in through Firefox’s redirect URL', async () => {
    test.setTimeout(120_000);
    let running: Running | undefined;
    try {
      running = await start('google');
      await choose(running.page, 'gmail');
      const result = await emailResult(running.page, 'done');
      expect(result.placement).toBe('inbox');
      expect(result.findings).toEqual(['email-delivered']);
      const [authorization] = running.world.oauth.authorizations;
      expect(authorization?.params.redirect_uri).toMatch(
        /^https:\/\/[0-9a-f]{40}\.extensions\.allizom\.org\//,
      );
    } finally {
      await finish(running, 'delivered', test.info());
    }
  });

  test('in spam (Gmail): the SPAM label, with the senders and sending IPs to allow', async () => {
    test.setTimeout(120_000);
    let running: Running | undefined;
    try {
      running = await start('google');
      running.world.setPolicy('junk');
      await choose(running.page, 'gmail');
      const result = await emailResult(running.page, 'done');
      expect(result.placement).toBe('spam');
      expect(result.findings).toContain('email-in-spam');
      for (const value of ['no-reply@raftr.com', '149.72.222.166', '149.72.230.197']) {
        expect(result.text).toContain(value);
      }
    } finally {
      await finish(running, 'in-spam', test.info());
    }
  });

  test('the user declines at the account’s consent screen (Microsoft)', async () => {
    test.setTimeout(120_000);
    let running: Running | undefined;
    try {
      running = await start('microsoft');
      running.world.setConsent('decline');
      await choose(running.page, 'microsoft');
      await running.page.waitForFunction(
        () => !!document.querySelector('[data-testid="email-error"]'),
        { timeout: 30_000, polling: 200 },
      );
      const reason = await running.page.evaluate(() =>
        document.querySelector('[data-testid="email-error"]')?.getAttribute('data-reason'),
      );
      expect(reason).toBe('declined');
      expect(running.world.oauth.authorizations.map((a) => a.outcome)).toEqual(['access_denied']);
      expect(running.world.testMessages).toHaveLength(0);
    } finally {
      await finish(running, 'declined', test.info());
    }
  });
});
