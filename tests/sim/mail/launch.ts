/**
 * Chromium with the built extension inside a network scenario AND the mail world: browser.ts's
 * `launchWithExtension` with the mail world's hosts in the test DNS (`extraZone`) and Raftr's
 * app endpoints on Raftr's host (`raftrApp`), the extension's enterprise policy (client ids, tenant, test-message endpoint)
 * and then the optional host permissions pre-granted through chrome://extensions, the one route
 * that works headless (README.md, "The permission prompt").
 *
 * It imports Playwright (through browser.ts); the world itself (world.ts) does not.
 */
import type { Page } from '@playwright/test';
import {
  Cleanups,
  type ExtensionPolicy,
  type LaunchedExtension,
  launchWithExtension,
} from '../browser';
import type { TestPki } from '../ca';
import type { ScenarioName, SimNet } from '../scenarios';
import { MICROSOFT_TENANT } from './constants';
import { type MailWorld, type MailWorldOptions, startMailWorld } from './world';

/** Every origin the email check may ask for (mailbox APIs, token endpoints, DNS over HTTPS). */
export const EMAIL_CHECK_ORIGINS = [
  'https://gmail.googleapis.com/*',
  'https://oauth2.googleapis.com/*',
  'https://graph.microsoft.com/*',
  'https://login.microsoftonline.com/*',
  'https://dns.google/*',
] as const;

/** The policy the world's OAuth servers and Raftr endpoint expect. */
export function defaultExtensionPolicy(world: MailWorld): ExtensionPolicy {
  return {
    gmailClientId: world.clientIds.gmail,
    microsoftClientId: world.clientIds.microsoft,
    microsoftTenant: MICROSOFT_TENANT,
    testMessageEndpoint: 'https://app.raftr.com/api/access-check/test-message',
  };
}

/**
 * Grants optional host permissions the way the extensions page's "Site access" does
 * (`chrome.developerPrivate.addHostPermission`). A later `permissions.request` for them
 * resolves true at once, without a prompt (Chromium skips the prompt for permissions the
 * user granted before). Verified on headless Chromium 156.
 */
export async function grantHostPermissions(
  page: Page,
  extensionId: string,
  origins: readonly string[],
): Promise<void> {
  await page.goto(`chrome://extensions/?id=${extensionId}`);
  const errors = await page.evaluate(
    async ({ id, list }) => {
      const api = (
        globalThis as unknown as {
          chrome: {
            developerPrivate: { addHostPermission(id: string, host: string): Promise<void> };
          };
        }
      ).chrome.developerPrivate;
      const failed: string[] = [];
      for (const host of list)
        await api
          .addHostPermission(id, host)
          .catch((e: Error) => failed.push(`${host}: ${e.message}`));
      return failed;
    },
    { id: extensionId, list: [...origins] },
  );
  if (errors.length) throw new Error(`could not grant ${errors.join('; ')}`);
}

export interface MailLaunchOptions {
  /** Mail world options (the PKI is made here or given). */
  world?: Omit<MailWorldOptions, 'pki'>;
  /** The network condition; default 'healthy'. */
  scenario?: ScenarioName;
  pki?: TestPki;
  /** The extension's managed policy; default `defaultExtensionPolicy`, null for none. */
  extensionPolicy?: ExtensionPolicy | null;
  /** Origins to pre-grant; default all of EMAIL_CHECK_ORIGINS, [] for none. */
  grant?: readonly string[];
  extraArgs?: string[];
  /** Unpacked extension under test; default browser.ts's EXTENSION_DIR. */
  extensionDir?: string;
  /** Default true; `npm run demo` opens one case headed when there is a display. */
  headless?: boolean;
}

export interface MailLaunch {
  browser: LaunchedExtension;
  world: MailWorld;
  net: SimNet;
  pki: TestPki;
  /** How long the extension took to see its managed policy after the launch. */
  policyWaitMs: number;
  /** Closes the browser (and its policy file), then the world, then an own PKI. */
  close(): Promise<void>;
}

export async function launchWithMailWorld(options: MailLaunchOptions = {}): Promise<MailLaunch> {
  const cleanups = new Cleanups();
  const pki = cleanups.pki(options.pki);
  const close = () => cleanups.run();
  try {
    const world = await startMailWorld({ pki, ...options.world, onPlanAddresses: true });
    cleanups.push(() => world.close());
    const browser = await launchWithExtension({
      scenario: options.scenario ?? 'healthy',
      pki,
      extraZone: world.zone,
      raftrApp: world.raftrApp,
      extensionPolicy:
        options.extensionPolicy === undefined
          ? defaultExtensionPolicy(world)
          : options.extensionPolicy,
      extraArgs: options.extraArgs,
      extensionDir: options.extensionDir,
      headless: options.headless,
    });
    cleanups.push(() => browser.close());
    const origins = options.grant ?? EMAIL_CHECK_ORIGINS;
    if (origins.length) {
      const page = await browser.context.newPage();
      try {
        await grantHostPermissions(page, browser.extensionId, origins);
      } finally {
        await page.close();
      }
    }
    return { browser, world, net: browser.net, pki, policyWaitMs: browser.policyWaitMs, close };
  } catch (error) {
    await close();
    throw error;
  }
}
