/**
 * Launches Debian's Chromium with the built extension inside a simulated network.
 *
 * - Extensions load only into a persistent context (Playwright docs, "Chrome extensions":
 *   https://playwright.dev/docs/chrome-extensions). Debian's `chromium` is unbranded, so
 *   `--load-extension` still works (branded Chrome ≥ 137 dropped it).
 * - It runs inside the simulated internet's network namespace (netns.ts): names resolve through
 *   the test DNS to the real addresses, so no flag maps anything and nothing can leave.
 * - HOME points at the NSS database of the test PKI (ca.ts), where the test roots are trusted
 *   like public CAs.
 * - Policies: Chromium on Linux reads managed policy from /etc/chromium/policies/managed/*.json
 *   at start-up and when the directory changes
 *   (https://www.chromium.org/administrators/linux-quick-start/). Inside the namespace that
 *   directory is a private copy (netns.ts): a scenario's URLBlocklist binds no other browser.
 *   Browser policy and our extension's managed storage go in one file per process.
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
import type { DnsZone } from './dns-server';
import {
  type ChromiumPolicy,
  getScenario,
  type Scenario,
  type ScenarioName,
  type SimNet,
  startSimNet,
} from './scenarios';
import type { Handler } from './servers';

export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where `npx wxt build` writes. */
export const BUILD_OUTPUT_DIR = path.join(REPO_ROOT, '.output');
/**
 * The build under test: E2E_OUTPUT_DIR, the e2e run's private copy of WXT's output (made by
 * tests/e2e/global-setup.ts, so a rebuild by someone else mid-run cannot swap the extension
 * under the tests), or WXT's output itself.
 */
export const OUTPUT_DIR = process.env.E2E_OUTPUT_DIR || BUILD_OUTPUT_DIR;
/** WXT's Chrome MV3 build (`npx wxt build`). */
export const EXTENSION_DIR = path.join(OUTPUT_DIR, 'chrome-mv3');
/** The standalone helpdesk decoder every build writes beside it. */
export const DECODER_FILE = path.join(OUTPUT_DIR, 'raftr-decoder.html');
/** A second extension with one declarativeNetRequest rule blocking ||raftr.com. */
export const BLOCKER_EXTENSION_DIR = path.join(REPO_ROOT, 'tests', 'sim', 'blocker-extension');
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const POLICY_DIR = '/etc/chromium/policies/managed';
/** This process's policy file (the directory is private to the simulated internet's run). */
export const POLICY_FILE = path.join(POLICY_DIR, `raftr-e2e-${process.pid}.json`);
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

/** WXT's Firefox MV2 build (`npx wxt build -b firefox`). */
export const FIREFOX_EXTENSION_DIR = path.join(OUTPUT_DIR, 'firefox-mv2');

/** The builds a snapshot holds. */
const SNAPSHOT_BUILDS = ['chrome-mv3', 'firefox-mv2'] as const;

/**
 * Copies WXT's output (the Chrome and Firefox builds and the standalone decoder) to a fresh directory, for
 * E2E_OUTPUT_DIR. A build running meanwhile would show as a changed listing: then it copies
 * again, a moment later.
 */
export async function snapshotBuild(): Promise<{ dir: string; remove(): void }> {
  const listing = () =>
    fs
      .readdirSync(BUILD_OUTPUT_DIR, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => {
        const file = path.join(entry.parentPath, entry.name);
        const stat = fs.statSync(file);
        return `${file} ${stat.size} ${stat.mtimeMs}`;
      })
      .filter(
        (line) =>
          SNAPSHOT_BUILDS.some((build) => line.includes(`/${build}/`)) ||
          line.includes('/raftr-decoder.html '),
      )
      .sort()
      .join('\n');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftr-e2e-build-'));
  const remove = () => fs.rmSync(dir, { recursive: true, force: true });
  const copy = () => {
    for (const build of SNAPSHOT_BUILDS) {
      fs.rmSync(path.join(dir, build), { recursive: true, force: true });
      if (!fs.existsSync(path.join(BUILD_OUTPUT_DIR, build))) continue;
      fs.cpSync(path.join(BUILD_OUTPUT_DIR, build), path.join(dir, build), { recursive: true });
    }
    fs.copyFileSync(
      path.join(BUILD_OUTPUT_DIR, 'raftr-decoder.html'),
      path.join(dir, 'raftr-decoder.html'),
    );
  };
  for (let attempt = 1; ; attempt++) {
    let problem: unknown;
    try {
      const before = listing();
      copy();
      if (listing() === before && extensionBuilt(path.join(dir, 'chrome-mv3'))) {
        return { dir, remove };
      }
      problem = new Error(`${BUILD_OUTPUT_DIR} changed while it was copied`);
    } catch (error) {
      problem = error;
    }
    if (attempt === 5) {
      remove();
      throw problem;
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
  }
}

// ---------------------------------------------------------------------------------------------
// Enterprise policy.

/** One extension's managed storage (Chromium's "3rdparty" policy for it). */
export type ExtensionPolicy = Record<string, unknown>;

/**
 * The policy document of a launch: browser policy (e.g. URLBlocklist) and, for each extension
 * id, its "3rdparty" policy, read into its `storage.managed`.
 * https://www.chromium.org/administrators/configuring-policy-for-extensions/
 */
export function policyDocument(
  browserPolicy: ChromiumPolicy = {},
  extensionPolicies: Record<string, ExtensionPolicy> = {},
): ChromiumPolicy {
  return Object.keys(extensionPolicies).length
    ? { ...browserPolicy, '3rdparty': { extensions: extensionPolicies } }
    : { ...browserPolicy };
}

let policyInUse = false;

/** Writes this process's policy file and returns its removal. One launch with a policy at a time. */
export function writePolicyFile(document: ChromiumPolicy): () => void {
  if (policyInUse) throw new Error(`${POLICY_FILE} is in use by another launch of this process`);
  policyInUse = true;
  fs.mkdirSync(POLICY_DIR, { recursive: true });
  fs.writeFileSync(POLICY_FILE, `${JSON.stringify(document, null, 2)}\n`);
  return () => {
    fs.rmSync(POLICY_FILE, { force: true });
    policyInUse = false;
  };
}

/** Policy files still in the (private) policy directory: a launch that never removed its own. */
export function policyFilesLeft(): string[] {
  try {
    return fs.readdirSync(POLICY_DIR).filter((name) => name.endsWith('.json'));
  } catch {
    return [];
  }
}

// ---------------------------------------------------------------------------------------------
// Launching.

/** What a launch must undo, undone last first, once; a failing step does not stop the rest. */
export class Cleanups {
  private readonly steps: (() => unknown)[] = [];
  private running: Promise<void> | undefined;

  push(step: () => unknown): void {
    this.steps.push(step);
  }

  /** `given`, or a new PKI that run() removes (last). */
  pki(given: TestPki | undefined): TestPki {
    if (given) return given;
    const pki = createPki();
    this.push(() => pki.cleanup());
    return pki;
  }

  run(): Promise<void> {
    this.running ??= (async () => {
      for (const step of this.steps.reverse()) {
        try {
          await step();
        } catch {
          // Keep closing the rest: a leaked server or browser is worse than a lost error.
        }
      }
    })();
    return this.running;
  }
}

export interface BrowserOptions {
  /** The network condition: a scenario name or a scenario object. */
  scenario: ScenarioName | Scenario;
  /** Reuse a PKI (e.g. one per test file); otherwise one is made and removed on close(). */
  pki?: TestPki;
  /** Extra Chromium flags (never a mapping of names or addresses: the namespace does that). */
  extraArgs?: string[];
  /** More names for the test DNS (the mail world's hosts). */
  extraZone?: DnsZone;
  /** Raftr's application endpoints (`/api/…`, `/reset`), served by Raftr's host (mail world). */
  raftrApp?: Handler;
  /** Managed browser policy for this launch (overrides the scenario's own `policy`). */
  policy?: ChromiumPolicy;
  /** Managed extension policies ("3rdparty"), by extension id. */
  extensionPolicies?: Record<string, ExtensionPolicy>;
  /** Unpacked extensions to load (the scenario may add the blocker). */
  extensions?: string[];
  /** Default true. A headed run needs a display (e.g. Xvfb). */
  headless?: boolean;
  /**
   * The browser's UI language (a `_locales` name such as `es`), which `i18n.getMessage` follows.
   * Chromium on Linux takes it from the environment, not from `--lang`.
   */
  language?: string;
}

export interface LaunchedBrowser {
  context: BrowserContext;
  /** The running simulated network (its servers count connections and requests). */
  net: SimNet;
  pki: TestPki;
  /**
   * The network changes under the running browser (IT's fix lands, the user moves): the
   * scenario's servers and rules are replaced by another's; `net` is the new one.
   */
  switchScenario(scenario: ScenarioName | Scenario): Promise<SimNet>;
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
  // The namespace's DNS and addresses are what keep every request on this machine.
  if (
    options.extraArgs?.some((arg) => /^--(host-resolver-rules|proxy-server|host-rules)/.test(arg))
  ) {
    throw new Error('extraArgs may not map names or addresses: describe the network as a scenario');
  }
  const policy = policyDocument(options.policy ?? scenario.policy, options.extensionPolicies);
  const cleanups = new Cleanups();
  const pki = cleanups.pki(options.pki);
  const close = () => cleanups.run();
  try {
    const simOptions = { extraZone: options.extraZone, raftrApp: options.raftrApp };
    let net = await startSimNet(scenario, pki, simOptions);
    cleanups.push(() => net.close());
    if (Object.keys(policy).length) cleanups.push(writePolicyFile(policy));
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
      env: {
        ...process.env,
        HOME: pki.home,
        ...(options.language ? { LANGUAGE: options.language, LC_ALL: '', LANG: '' } : {}),
      },
      args: [...BASE_ARGS, ...extensionArgs, ...(options.extraArgs ?? [])],
    });
    cleanups.push(() => context.close());
    const launched: LaunchedBrowser = {
      context,
      net,
      pki,
      close,
      async switchScenario(next) {
        await net.close();
        net = await startSimNet(getScenario(next), pki, simOptions);
        launched.net = net;
        return net;
      },
    };
    return launched;
  } catch (error) {
    await close();
    throw error;
  }
}

export interface LaunchOptions extends Omit<BrowserOptions, 'extensions'> {
  /** More unpacked extensions to load beside ours. */
  extraExtensions?: string[];
  /** Unpacked extension under test; default EXTENSION_DIR. */
  extensionDir?: string;
  /**
   * Our extension's managed policy (itContact, client ids, …). The launch returns once the
   * extension sees it, so that a popup never opens without it.
   */
  extensionPolicy?: ExtensionPolicy | null;
}

export interface LaunchedExtension extends LaunchedBrowser {
  extensionId: string;
  /** chrome-extension://ID/popup.html */
  popupUrl: string;
  /** The extension's background service worker as first started. */
  serviceWorker: Worker;
  /** How long the extension took to see its managed policy after the launch (0 without one). */
  policyWaitMs: number;
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
  const { extensionDir = EXTENSION_DIR, extraExtensions = [], extensionPolicy, ...rest } = options;
  if (!extensionBuilt(extensionDir)) {
    throw new Error(`no extension build at ${extensionDir}: run \`npx wxt build\` first`);
  }
  const extensionId = unpackedExtensionId(extensionDir);
  const browser = await launchInScenario({
    ...rest,
    extensions: [extensionDir, ...extraExtensions],
    extensionPolicies: {
      ...rest.extensionPolicies,
      ...(extensionPolicy ? { [extensionId]: extensionPolicy } : {}),
    },
  });
  try {
    const { context } = browser;
    // Pick our worker by id: the blocker has none, but an extra extension may have one.
    const ours = (w: Worker) => w.url().startsWith(`chrome-extension://${extensionId}/`);
    const serviceWorker =
      context.serviceWorkers().find(ours) ??
      (await context.waitForEvent('serviceworker', { predicate: ours, timeout: 15_000 }));
    const policyWaitStart = Date.now();
    if (extensionPolicy) await waitForManagedPolicy(serviceWorker, extensionPolicy);
    const policyWaitMs = Date.now() - policyWaitStart;
    const popupUrl = `chrome-extension://${extensionId}/popup.html`;
    return {
      ...browser,
      extensionId,
      popupUrl,
      serviceWorker,
      policyWaitMs,
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
 * Waits until the extension's `storage.managed` holds `policy`. Chromium applies an extension's
 * "3rdparty" policy only once the extension's schema is registered, and re-reads a policy
 * directory that just changed only after a settle delay (AsyncPolicyLoader, 5 s): measured
 * 2.7-5 s after launch on this machine.
 */
async function waitForManagedPolicy(worker: Worker, policy: ExtensionPolicy): Promise<void> {
  const expected = Object.entries(policy).map(([key, value]) => [key, JSON.stringify(value)]);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const managed = await worker.evaluate(() =>
      (
        globalThis as unknown as {
          chrome: { storage: { managed: { get(): Promise<Record<string, unknown>> } } };
        }
      ).chrome.storage.managed.get(),
    );
    if (expected.every(([key, value]) => JSON.stringify(managed[key as string]) === value)) return;
    if (Date.now() > deadline) {
      throw new Error(`the extension never saw its managed policy (${POLICY_FILE})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
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
