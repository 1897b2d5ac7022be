/**
 * Launches Debian's Chromium with the built extension inside a simulated network.
 *
 * - Extensions load only into a persistent context (Playwright docs, "Chrome extensions":
 *   https://playwright.dev/docs/chrome-extensions). Debian's `chromium` is unbranded, so
 *   `--load-extension` still works (branded Chrome ≥ 137 dropped it).
 * - `--host-resolver-rules` ending in `MAP * ~NOTFOUND` keeps every request on 127.0.0.1.
 * - HOME points at the NSS database of the test PKI (ca.ts), where the test roots are trusted
 *   like public CAs.
 * - Policies: Chromium on Linux reads managed policy from /etc/chromium/policies/managed/*.json
 *   at start-up (https://www.chromium.org/administrators/linux-quick-start/); that needs root.
 *
 * No Playwright *test* imports here: the benchmark and demo command use this module too.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type BrowserContext,
  type CDPSession,
  chromium,
  type Page,
  type Worker,
} from '@playwright/test';
import { createPki, type TestPki } from './ca';
import {
  type ChromiumPolicy,
  getScenario,
  type Scenario,
  type ScenarioName,
  type SimNet,
  startSimNet,
} from './scenarios';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** WXT's Chrome MV3 build output (`npx wxt build`). */
export const EXTENSION_DIR = path.join(REPO_ROOT, '.output', 'chrome-mv3');
/** A second extension with one declarativeNetRequest rule blocking ||raftr.com. */
export const BLOCKER_EXTENSION_DIR = path.join(REPO_ROOT, 'tests', 'sim', 'blocker-extension');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const POLICY_DIR = '/etc/chromium/policies/managed';
/** The only policy file the tests ever write (and remove). */
export const POLICY_FILE = path.join(POLICY_DIR, 'raftr-e2e.json');
/** Roughly a browser-action popup's size. */
export const POPUP_VIEWPORT = { width: 380, height: 600 } as const;

/** Flags every launch carries: no background traffic, no sandbox (CI runs as root), no QUIC. */
export const BASE_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
] as const;

export function writeManagedPolicy(policy: ChromiumPolicy): void {
  fs.mkdirSync(POLICY_DIR, { recursive: true });
  fs.writeFileSync(POLICY_FILE, `${JSON.stringify(policy, null, 2)}\n`);
}

export function removeManagedPolicy(): void {
  fs.rmSync(POLICY_FILE, { force: true });
}

export interface BrowserOptions {
  /** The network condition: a scenario name or a scenario object. */
  scenario: ScenarioName | Scenario;
  /** Reuse a PKI (e.g. one per test file); otherwise one is made and removed on close(). */
  pki?: TestPki;
  /** Extra Chromium flags. */
  extraArgs?: string[];
  /** Managed policy for this launch (overrides the scenario's own `policy`). */
  policy?: ChromiumPolicy;
  /** Unpacked extensions to load (the scenario may add the blocker). */
  extensions?: string[];
  /** Default true. A headed run needs a display (e.g. Xvfb). */
  headless?: boolean;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  /** The running simulated network (its servers count connections and requests). */
  net: SimNet;
  pki: TestPki;
  /** Closes the browser, the servers, the temp profile, the policy file and an own PKI. */
  close(): Promise<void>;
}

/** Starts the scenario's servers and Chromium routed into them (no extension of ours). */
export async function launchInScenario(options: BrowserOptions): Promise<LaunchedBrowser> {
  const scenario = getScenario(options.scenario);
  const extensions = [
    ...(options.extensions ?? []),
    ...(scenario.blockerExtension ? [BLOCKER_EXTENSION_DIR] : []),
  ];
  // The resolver rules are what keep every request on this machine: no caller replaces them.
  if (options.extraArgs?.some((arg) => arg.startsWith('--host-resolver-rules'))) {
    throw new Error(
      'extraArgs may not set --host-resolver-rules: describe the routing as a scenario',
    );
  }
  const policy = options.policy ?? scenario.policy;
  const ownPki = options.pki === undefined;
  const pki = options.pki ?? createPki();
  const cleanups: (() => Promise<void> | void)[] = [];
  if (ownPki) cleanups.push(() => pki.cleanup());
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const step of cleanups.reverse()) {
        try {
          await step();
        } catch {
          // Keep closing the rest: a leaked server or browser is worse than a lost error.
        }
      }
    })();
    return closing;
  };
  try {
    const net = await startSimNet(scenario, pki);
    cleanups.push(() => net.close());
    if (policy) {
      writeManagedPolicy(policy);
      cleanups.push(removeManagedPolicy);
    }
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftr-e2e-profile-'));
    cleanups.push(() => fs.rmSync(userDataDir, { recursive: true, force: true }));
    const extensionArgs = extensions.length
      ? [
          `--disable-extensions-except=${extensions.join(',')}`,
          `--load-extension=${extensions.join(',')}`,
        ]
      : [];
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM_PATH,
      headless: options.headless ?? true,
      viewport: POPUP_VIEWPORT,
      env: { ...process.env, HOME: pki.home },
      args: [
        ...BASE_ARGS,
        ...extensionArgs,
        `--host-resolver-rules=${net.rules}`,
        ...(options.extraArgs ?? []),
      ],
    });
    cleanups.push(() => context.close());
    return { context, net, pki, close };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface LaunchOptions extends Omit<BrowserOptions, 'extensions'> {
  /** More unpacked extensions to load beside ours. */
  extraExtensions?: string[];
  /** Unpacked extension under test; default `.output/chrome-mv3`. */
  extensionDir?: string;
}

export interface LaunchedExtension extends LaunchedBrowser {
  extensionId: string;
  /** chrome-extension://ID/popup.html */
  popupUrl: string;
  /** The extension's background service worker as first started. */
  serviceWorker: Worker;
  /** Opens the popup as a tab, sized like a popup. */
  openPopup(): Promise<Page>;
}

/**
 * The id Chromium gives an unpacked extension: the SHA-256 of its manifest `key` (DER public
 * key) or, without one, of its absolute path; first 32 hex digits, each mapped 0-f → a-p.
 * https://source.chromium.org/chromium/chromium/src/+/main:components/crx_file/id_util.cc
 */
export function unpackedExtensionId(dir: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as {
    key?: string;
  };
  const input = manifest.key
    ? Buffer.from(manifest.key, 'base64')
    : Buffer.from(fs.realpathSync(dir));
  const hex = createHash('sha256').update(input).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + Number.parseInt(c, 16))).join('');
}

export function extensionBuilt(dir: string = EXTENSION_DIR): boolean {
  return fs.existsSync(path.join(dir, 'manifest.json'));
}

/** Starts the scenario's servers and Chromium with our extension loaded. */
export async function launchWithExtension(options: LaunchOptions): Promise<LaunchedExtension> {
  const extensionDir = options.extensionDir ?? EXTENSION_DIR;
  if (!extensionBuilt(extensionDir)) {
    throw new Error(`no extension build at ${extensionDir}: run \`npx wxt build\` first`);
  }
  const browser = await launchInScenario({
    ...options,
    extensions: [extensionDir, ...(options.extraExtensions ?? [])],
  });
  try {
    const { context } = browser;
    // Pick our worker by id: the blocker has none, but an extra extension may have one.
    const extensionId = unpackedExtensionId(extensionDir);
    const ours = (w: Worker) => w.url().startsWith(`chrome-extension://${extensionId}/`);
    const serviceWorker =
      context.serviceWorkers().find(ours) ??
      (await context.waitForEvent('serviceworker', { predicate: ours, timeout: 15_000 }));
    const popupUrl = `chrome-extension://${extensionId}/popup.html`;
    return {
      ...browser,
      extensionId,
      popupUrl,
      serviceWorker,
      async openPopup() {
        const page = await context.newPage();
        await page.goto(popupUrl);
        return page;
      },
    };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/**
 * Stops the extension's service worker the way Chromium does when it idles, mid-run.
 *
 * Verified with Playwright 1.65 + Chromium 156: `ServiceWorker.stopAllWorkers` sent through a
 * CDP session of an extension page (the popup) stops the extension's worker; the
 * `ServiceWorker.workerVersionUpdated` events show it go running → stopping → stopped, and a
 * later event (runtime message, alarm) starts it again. Playwright keeps the old `Worker`
 * object and emits no 'serviceworker' event for the restart; evaluating in the stale object
 * hangs, so never call `serviceWorker.evaluate` after this.
 * https://chromedevtools.github.io/devtools-protocol/tot/ServiceWorker/
 */
export async function stopServiceWorker(
  page: Page,
  extensionId: string,
): Promise<ServiceWorkerStop> {
  const cdp = await page.context().newCDPSession(page);
  const statuses: string[] = [];
  const scope = `chrome-extension://${extensionId}/`;
  cdp.on('ServiceWorker.workerVersionUpdated', (event) => {
    for (const version of event.versions) {
      if (version.scriptURL.startsWith(scope)) statuses.push(version.runningStatus);
    }
  });
  await cdp.send('ServiceWorker.enable');
  await cdp.send('ServiceWorker.stopAllWorkers');
  const deadline = Date.now() + 5_000;
  while (!statuses.includes('stopped') && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    stopped: statuses.includes('stopped'),
    statuses,
    cdp,
    detach: () => cdp.detach().catch(() => {}),
  };
}

export interface ServiceWorkerStop {
  /** True once CDP reported the extension's worker `stopped`. */
  stopped: boolean;
  /** Every runningStatus seen for the extension's worker, in order (keeps updating). */
  statuses: string[];
  cdp: CDPSession;
  detach(): Promise<void>;
}
