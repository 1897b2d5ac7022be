/**
 * Chromium with the built extension inside a network scenario AND the mail world. It launches
 * the way tests/sim/browser.ts's `launchWithExtension` does (same flags, profile, HOME with the
 * test root, extension id), reusing its exports, because browser.ts builds
 * `--host-resolver-rules` from the scenario alone and refuses another one in `extraArgs` (rightly:
 * Chromium keeps the LAST occurrence of a switch, verified on 156). Here the one rules flag is
 * the mail world's rules merged before the scenario's, still ending in `MAP * ~NOTFOUND`
 * (`mergeHostResolverRules`). An `extraRules` option in browser.ts would make this a thin
 * wrapper (see the report). Also:
 * - the extension's enterprise policy (client ids, tenant, test-message endpoint) as a
 *   Chromium "3rdparty" managed policy file of its own, so it never clobbers the network
 *   tests' file (browser.ts POLICY_FILE);
 * - the optional host permissions pre-granted through chrome://extensions, the one route
 *   that works headless (README.md, "The permission prompt").
 *
 * It imports Playwright (through browser.ts); the world itself (world.ts) does not.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type BrowserContext, chromium, type Page, type Worker } from '@playwright/test';
import {
  BASE_ARGS,
  BLOCKER_EXTENSION_DIR,
  CHROMIUM_PATH,
  EXTENSION_DIR,
  extensionBuilt,
  POLICY_DIR,
  POPUP_VIEWPORT,
  unpackedExtensionId,
} from '../browser';
import { createPki, type TestPki } from '../ca';
import { getScenario, type ScenarioName, type SimNet, startSimNet } from '../scenarios';
import { EXTENSION_ID, MICROSOFT_TENANT } from './constants';
import {
  type MailWorld,
  type MailWorldOptions,
  mergeHostResolverRules,
  startMailWorld,
} from './world';

/**
 * The email tests' managed-policy file, one per process: Chromium reads every *.json file in
 * the directory, which every e2e run on the machine shares, so a concurrent run removing its
 * own file never removes ours (a fixed name did, and hid the policy mid-run).
 */
export const EMAIL_POLICY_FILE = path.join(POLICY_DIR, `raftr-e2e-email-${process.pid}.json`);
const EMAIL_POLICY_PATTERN = /^raftr-e2e-email-(\d+)\.json$/;

/** Every origin the email check may ask for (mailbox APIs, token endpoints, DNS over HTTPS). */
export const EMAIL_CHECK_ORIGINS = [
  'https://gmail.googleapis.com/*',
  'https://oauth2.googleapis.com/*',
  'https://graph.microsoft.com/*',
  'https://login.microsoftonline.com/*',
  'https://dns.google/*',
] as const;

export type ExtensionPolicy = Record<string, string>;

/**
 * Writes the extension's policy (Chromium's "3rdparty" extension policy, read into
 * `storage.managed`) and, beside it, a scenario's own browser policy (e.g. URLBlocklist).
 * https://www.chromium.org/administrators/configuring-policy-for-extensions/
 */
export function writeExtensionPolicy(
  policy: ExtensionPolicy | null,
  browserPolicy: Record<string, unknown> = {},
  extensionId = EXTENSION_ID,
): void {
  fs.mkdirSync(POLICY_DIR, { recursive: true });
  const document = {
    ...browserPolicy,
    ...(policy ? { '3rdparty': { extensions: { [extensionId]: policy } } } : {}),
  };
  fs.writeFileSync(EMAIL_POLICY_FILE, `${JSON.stringify(document, null, 2)}\n`);
}

function extensionPolicyIn(file: string, extensionId: string): unknown {
  try {
    const document = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      '3rdparty'?: { extensions?: Record<string, unknown> };
    };
    return document['3rdparty']?.extensions?.[extensionId];
  } catch {
    return undefined;
  }
}

/**
 * Other policy files that set this extension's "3rdparty" policy to something else. Chromium
 * does not merge one policy from two sources (one wins), so while another e2e run on the
 * machine has such a file (tests/e2e/diagnostic-code.spec.ts writes one through browser.ts),
 * ours may be hidden. Identical ones (this spec run twice at once) do no harm.
 */
export function competingPolicyFiles(
  policy: ExtensionPolicy | null,
  extensionId = EXTENSION_ID,
): string[] {
  let names: string[] = [];
  try {
    names = fs.readdirSync(POLICY_DIR);
  } catch {
    return [];
  }
  const ours = JSON.stringify(policy);
  return names
    .filter((name) => name.endsWith('.json'))
    .map((name) => path.join(POLICY_DIR, name))
    .filter((file) => file !== EMAIL_POLICY_FILE)
    .filter((file) => {
      const theirs = extensionPolicyIn(file, extensionId);
      return theirs !== undefined && JSON.stringify(theirs) !== ours;
    });
}

export function removeExtensionPolicy(): void {
  fs.rmSync(EMAIL_POLICY_FILE, { force: true });
}

/** Removes the email policy files of runs that are no longer alive (a killed run leaves one). */
export function removeStaleExtensionPolicies(): void {
  let names: string[] = [];
  try {
    names = fs.readdirSync(POLICY_DIR);
  } catch {
    return;
  }
  for (const name of names) {
    const pid = Number(EMAIL_POLICY_PATTERN.exec(name)?.[1]);
    if (!pid) continue;
    try {
      process.kill(pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH')
        fs.rmSync(path.join(POLICY_DIR, name), { force: true });
    }
  }
}

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
  /** Unpacked extension under test; default browser.ts's EXTENSION_DIR (.output/chrome-mv3). */
  extensionDir?: string;
}

/** The launched browser, shaped like browser.ts's LaunchedExtension. */
export interface MailBrowser {
  context: BrowserContext;
  extensionId: string;
  /** chrome-extension://ID/popup.html */
  popupUrl: string;
  serviceWorker: Worker;
  /** Opens the popup as a tab, sized like a popup. */
  openPopup(): Promise<Page>;
}

export interface MailLaunch {
  browser: MailBrowser;
  world: MailWorld;
  net: SimNet;
  pki: TestPki;
  /** How long the extension took to see its managed policy after the launch. */
  policyWaitMs: number;
  close(): Promise<void>;
}

export async function launchWithMailWorld(options: MailLaunchOptions = {}): Promise<MailLaunch> {
  const ownPki = options.pki === undefined;
  const pki = options.pki ?? createPki();
  const cleanups: (() => Promise<void> | void)[] = [];
  if (ownPki) cleanups.push(() => pki.cleanup());
  const close = async () => {
    for (const step of cleanups.reverse()) {
      try {
        await step();
      } catch {
        // Keep closing the rest: a leaked server or browser is worse than a lost error.
      }
    }
    cleanups.length = 0;
  };
  try {
    const world = await startMailWorld({ pki, ...options.world });
    cleanups.push(() => world.close());
    const scenario = getScenario(options.scenario ?? 'healthy');
    const net = await startSimNet(scenario, pki);
    cleanups.push(() => net.close());
    const policy =
      options.extensionPolicy === undefined
        ? defaultExtensionPolicy(world)
        : options.extensionPolicy;
    // Wait out another run's policy for this extension (up to a minute) rather than be hidden by it.
    for (
      const until = Date.now() + 60_000;
      competingPolicyFiles(policy).length && Date.now() < until;
    ) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (policy || scenario.policy) {
      writeExtensionPolicy(policy, scenario.policy);
      cleanups.push(removeExtensionPolicy);
    }
    const extensionDir = options.extensionDir ?? EXTENSION_DIR;
    if (!extensionBuilt(extensionDir)) {
      throw new Error(`no extension build at ${extensionDir}: run \`npx wxt build\` first`);
    }
    const extensions = [
      extensionDir,
      ...(scenario.blockerExtension ? [BLOCKER_EXTENSION_DIR] : []),
    ];
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftr-e2e-profile-'));
    cleanups.push(() => fs.rmSync(userDataDir, { recursive: true, force: true }));
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      viewport: POPUP_VIEWPORT,
      env: { ...process.env, HOME: pki.home },
      args: [
        ...BASE_ARGS,
        `--disable-extensions-except=${extensions.join(',')}`,
        `--load-extension=${extensions.join(',')}`,
        `--host-resolver-rules=${mergeHostResolverRules(world.rules, net.rules)}`,
        ...(options.extraArgs ?? []),
      ],
    });
    cleanups.push(() => context.close());
    const extensionId = unpackedExtensionId(extensionDir);
    const ours = (w: Worker) => w.url().startsWith(`chrome-extension://${extensionId}/`);
    const serviceWorker =
      context.serviceWorkers().find(ours) ??
      (await context.waitForEvent('serviceworker', { predicate: ours, timeout: 15_000 }));
    const popupUrl = `chrome-extension://${extensionId}/popup.html`;
    const browser: MailBrowser = {
      context,
      extensionId,
      popupUrl,
      serviceWorker,
      async openPopup() {
        const page = await context.newPage();
        await page.goto(popupUrl);
        return page;
      },
    };
    // Chromium applies an extension's "3rdparty" policy only once the extension's schema is
    // registered, and re-reads a policy directory that just changed only after a settle delay
    // (AsyncPolicyLoader, 5 s): wait until the extension really sees it, so the popup never
    // opens without its client ids.
    const policyWaitStart = Date.now();
    if (policy) {
      const expected = Object.keys(policy);
      const deadline = Date.now() + 30_000;
      for (;;) {
        const managed = await serviceWorker.evaluate(() =>
          (
            globalThis as unknown as {
              chrome: { storage: { managed: { get(): Promise<Record<string, unknown>> } } };
            }
          ).chrome.storage.managed.get(),
        );
        if (expected.every((key) => key in managed)) break;
        if (Date.now() > deadline) {
          const others = competingPolicyFiles(policy);
          throw new Error(
            `the extension never saw its managed policy (${EMAIL_POLICY_FILE})${others.length ? `: hidden by ${others.join(', ')}` : ''}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    const policyWaitMs = Date.now() - policyWaitStart;
    const origins = options.grant ?? EMAIL_CHECK_ORIGINS;
    if (origins.length) {
      const page = await browser.context.newPage();
      try {
        await grantHostPermissions(page, browser.extensionId, origins);
      } finally {
        await page.close();
      }
    }
    return { browser, world, net, pki, policyWaitMs, close };
  } catch (error) {
    await close();
    throw error;
  }
}
