/**
 * Launches Debian's Firefox ESR with an unpacked build of the extension (`wxt build -b firefox`,
 * MV2), driven by puppeteer-core over WebDriver BiDi, inside the simulated internet's network
 * namespace. What each part rests on was measured with Firefox ESR 153 and puppeteer-core 24.43;
 * see FIREFOX.md beside this file.
 *
 * - The extension is installed as a temporary add-on (BiDi `webExtension.install`) from a private
 *   copy of the build, so a rebuild meanwhile cannot swap it. Its internal UUID is fixed through
 *   the pref `extensions.webextensions.uuids` (keyed by the manifest's gecko id), so its pages
 *   are at a known `moz-extension://<uuid>/`.
 * - BiDi refuses to navigate a tab to `moz-extension://` unless Firefox runs with
 *   `--remote-allow-system-access`; with it, `browsingContext.navigate` opens any extension page
 *   in a tab. BiDi sends no events for extension documents (Firefox skips them in
 *   isBrowsingContextCompatible, bug 1755014): puppeteer's `goto()` would wait for a load event
 *   that never comes, and `page.url()` stays `about:blank`. Commands work: evaluate,
 *   waitForFunction, click, screenshot. So pages are opened with a raw BiDi navigate that waits
 *   for the document to be complete.
 * - Trusted test roots go into the profile's own NSS database (`cert9.db`, trust "C,,"), made
 *   with certutil before the launch; Firefox on Linux does not read the system store or
 *   `$HOME/.pki/nssdb`, even with `security.enterprise_roots.enabled`.
 * - Enterprise policies (policies.json): Firefox reads `/etc/firefox/policies/policies.json` if it
 *   exists, else `<install>/distribution/policies.json`. The launcher bind-mounts a directory of
 *   its own over the (real path of the) distribution directory, which needs a private mount
 *   namespace (`unshare --mount`): nothing outside the namespace sees it.
 *
 * No Playwright imports: this module is plain puppeteer-core.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import type { WxtBrowser } from 'wxt/browser';

export const FIREFOX_PATH = process.env.FIREFOX_PATH ?? '/usr/bin/firefox-esr';
/** Where Debian's firefox-esr looks for policies.json (a symlink into /usr/share). */
export const FIREFOX_DISTRIBUTION_DIR = '/usr/lib/firefox-esr/distribution';
/** Read instead of the distribution directory's file when it exists (Firefox's SysConfD). */
export const FIREFOX_SYSTEM_POLICIES_FILE = '/etc/firefox/policies/policies.json';
/** Roughly a browser-action popup's size. */
export const POPUP_VIEWPORT = { width: 380, height: 600 } as const;

export type PrefValue = string | number | boolean;

/**
 * Prefs every launch carries, on top of puppeteer's own test profile (which already turns off
 * updates, Safe Browsing, telemetry upload, Normandy, the blocklist server, search updates and
 * `network.manage-offline-status`).
 */
export const BASE_PREFS: Readonly<Record<string, PrefValue>> = {
  // DNS over HTTPS off (5 = off by choice): names resolve through the namespace's resolver.
  'network.trr.mode': 5,
  // No captive-portal probe (detectportal.firefox.com) and no connectivity checks of its own.
  'network.captive-portal-service.enabled': false,
  'network.connectivity-service.enabled': false,
  // Direct connections (the default, 5, reads the system proxy settings).
  'network.proxy.type': 0,
  // No speculative or background traffic that would show up in the test servers' logs.
  'network.dns.disablePrefetch': true,
  'network.prefetch-next': false,
  'network.predictor.enabled': false,
  'network.http.speculative-parallel-limit': 0,
  // No HTTP/3 (as Chromium's --disable-quic): the simulated servers speak TCP only.
  'network.http.http3.enable': false,
  // No OCSP or CRLite fetches to the test CA's (absent) responders.
  'security.OCSP.enabled': 0,
  'security.remote_settings.crlite_filters.enabled': false,
  // Nothing else phones home.
  'toolkit.telemetry.enabled': false,
  'toolkit.telemetry.unified': false,
  'toolkit.telemetry.archive.enabled': false,
  'browser.ping-centre.telemetry': false,
  'browser.region.update.enabled': false,
  'browser.region.network.url': '',
  'app.update.auto': false,
  'extensions.getAddons.cache.enabled': false,
  'extensions.systemAddon.update.enabled': false,
  'browser.newtabpage.activity-stream.feeds.snippets': false,
  // Unsigned add-ons beside ours (ESR honours it); temporary add-ons need no signature anyway.
  'xpinstall.signatures.required': false,
};

export interface FirefoxLaunchOptions {
  /** Unpacked extension build (e.g. a copy of `.output/firefox-mv2`); copied before install. */
  extensionDir: string;
  /** Prefs on top of BASE_PREFS (e.g. `network.proxy.*`, `intl.locale.requested`). */
  prefs?: Record<string, PrefValue>;
  /** PEM/DER root certificate(s) to trust for TLS servers, in the profile's NSS database. */
  caCertPath?: string | readonly string[];
  /** Enterprise policies: the value of `policies` in policies.json (e.g. `{ WebsiteFilter }`). */
  policies?: Record<string, unknown>;
  /** Default true. A headed run needs a display. */
  headless?: boolean;
  /** Fixed internal UUID of the extension (default: a random one per launch). */
  extensionUuid?: string;
  /** More unpacked extensions (directories), installed temporarily after ours, as given. */
  extraExtensions?: readonly string[];
  /** Default FIREFOX_PATH. */
  executablePath?: string;
  /** Launch even outside a private network namespace (the real internet is then reachable). */
  allowHostNetwork?: boolean;
}

export interface LaunchedFirefox {
  browser: Browser;
  /** The extension's gecko id (from its manifest). */
  extensionId: string;
  extensionUuid: string;
  /** `moz-extension://<uuid>/` */
  extensionBase: string;
  /** Ids of `extraExtensions`, in order. */
  extraExtensionIds: string[];
  /** The profile directory (its cert9.db holds the trusted test roots). */
  profileDir: string;
  /**
   * Opens an extension page (e.g. `popup.html`) in a new tab of the given size (default: a
   * popup's) and returns once its document is complete. Puppeteer gets no events from extension
   * documents: use evaluate / waitForFunction / click / screenshot, not goto, url() or console.
   */
  openExtensionPage(pagePath: string, viewport?: { width: number; height: number }): Promise<Page>;
  /**
   * Runs `fn` in an extension page with the background page's window as its first argument:
   * `background.browser.*` calls and `background.fetch()` act as the background (MV2 keeps the
   * background page in the same process, `runtime.getBackgroundPage()`). `fn` is serialized
   * (no closures) and `args` must be JSON values.
   */
  withBackground<T, A extends unknown[]>(
    fn: (background: BackgroundWindow, ...args: A) => T | Promise<T>,
    ...args: A
  ): Promise<T>;
  /** Evaluates a JavaScript expression in the browser's privileged (chrome) window; JSON result. */
  chromeEvaluate<T = unknown>(expression: string): Promise<T>;
  /** Sets prefs in the running browser (e.g. a proxy), as about:config would. */
  setPrefs(prefs: Record<string, PrefValue>): Promise<void>;
  /** File > Work Offline: every request then fails with NS_ERROR_OFFLINE. */
  setOffline(offline: boolean): Promise<void>;
  /** Closes the browser and removes the profile, the copy of the build and any policy mount. */
  close(): Promise<void>;
}

/** The background page's window, as an extension page sees it (MV2: same process). */
export type BackgroundWindow = Window & { browser: WxtBrowser };

/** The raw BiDi connection of a puppeteer Firefox browser (not part of puppeteer's types). */
interface BidiConnection {
  send(method: string, params: Record<string, unknown>): Promise<{ result: unknown }>;
}

function bidi(browser: Browser): BidiConnection {
  const connection = (browser as unknown as { connection?: Partial<BidiConnection> }).connection;
  if (typeof connection?.send !== 'function') {
    throw new Error('no WebDriver BiDi connection: launch Firefox with puppeteer-core 24');
  }
  return connection as BidiConnection;
}

/** The BiDi browsing-context id of a page's main frame (BidiFrame._id, internal). */
function contextId(page: Page): string {
  const id = (page.mainFrame() as unknown as { _id?: unknown })._id;
  if (typeof id !== 'string') throw new Error('no BiDi browsing context id for this page');
  return id;
}

function namespaceOf(pid: number | 'self', kind: 'net' | 'mnt'): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/${kind}`);
  } catch {
    return undefined;
  }
}

function parentPid(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after "(comm)": state, ppid, …
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

/**
 * Whether this process runs in a namespace of its own of that kind: some ancestor (the shell
 * that ran `unshare`) is in another one. PID 1's namespace links are not readable in every
 * container, so the ancestors are asked instead.
 */
export function inPrivateNamespace(kind: 'net' | 'mnt'): boolean {
  const own = namespaceOf('self', kind);
  if (!own) return false;
  for (let pid = process.pid; pid > 1; ) {
    try {
      pid = parentPid(pid);
    } catch {
      return false;
    }
    const theirs = namespaceOf(pid, kind);
    if (theirs && theirs !== own) return true;
  }
  return false;
}

/** browser.close() can resolve before Firefox has exited: wait for it (5 s, then kill). */
async function closeAndWait(browser: Browser): Promise<void> {
  const child = browser.process();
  await browser.close().catch(() => {});
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve();
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

function run(cmd: string, args: string[]): void {
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

function geckoIdOf(extensionDir: string): string | undefined {
  const manifest = JSON.parse(
    fs.readFileSync(path.join(extensionDir, 'manifest.json'), 'utf8'),
  ) as {
    browser_specific_settings?: { gecko?: { id?: string } };
    applications?: { gecko?: { id?: string } };
  };
  return (
    manifest.browser_specific_settings?.gecko?.id ?? manifest.applications?.gecko?.id ?? undefined
  );
}

/** Creates `profileDir/cert9.db` trusting each root for TLS servers ("C,,"). */
export function trustRootsInProfile(profileDir: string, certPaths: readonly string[]): void {
  const db = `sql:${profileDir}`;
  run('certutil', ['-d', db, '-N', '--empty-password']);
  certPaths.forEach((certPath, i) => {
    run('certutil', ['-d', db, '-A', '-t', 'C,,', '-n', `raftr-test-root-${i}`, '-i', certPath]);
  });
}

let policiesMounted = false;

/**
 * Puts `policies` where Firefox reads them, visible to this mount namespace only: a copy of the
 * distribution directory with policies.json, bind-mounted over the directory's real path (the
 * Debian path is a symlink: writing through it would change the machine). Returns the undo.
 */
function mountPolicies(policies: Record<string, unknown>, scratch: string): () => void {
  if (!inPrivateNamespace('mnt')) {
    throw new Error('policies need a private mount namespace (run inside `unshare --net --mount`)');
  }
  if (fs.existsSync(FIREFOX_SYSTEM_POLICIES_FILE)) {
    throw new Error(`${FIREFOX_SYSTEM_POLICIES_FILE} exists and would be read instead of ours`);
  }
  if (policiesMounted) throw new Error('another launch of this process has policies mounted');
  const target = fs.realpathSync(FIREFOX_DISTRIBUTION_DIR);
  const dir = path.join(scratch, 'distribution');
  fs.cpSync(target, dir, { recursive: true, dereference: true });
  if (!fs.lstatSync(dir).isDirectory() || fs.lstatSync(dir).isSymbolicLink()) {
    throw new Error(`${dir} is not a directory of its own`);
  }
  fs.writeFileSync(path.join(dir, 'policies.json'), `${JSON.stringify({ policies }, null, 2)}\n`);
  run('mount', ['--bind', dir, target]);
  policiesMounted = true;
  return () => {
    run('umount', [target]);
    policiesMounted = false;
  };
}

/**
 * Launches Firefox with the extension installed and returns handles to drive it. Must run inside
 * the simulated internet's network namespace (nothing may reach the real one), as root when
 * `policies` are given.
 */
export async function launchFirefoxWithExtension(
  options: FirefoxLaunchOptions,
): Promise<LaunchedFirefox> {
  if (!options.allowHostNetwork && !inPrivateNamespace('net')) {
    throw new Error(
      'Firefox would reach the real internet: run inside the network namespace (`unshare --net --mount`)',
    );
  }
  const extensionId = geckoIdOf(options.extensionDir);
  if (!extensionId) {
    throw new Error(
      `${options.extensionDir}/manifest.json has no browser_specific_settings.gecko.id`,
    );
  }
  const extensionUuid = options.extensionUuid ?? randomUUID();
  const extensionBase = `moz-extension://${extensionUuid}/`;

  const undo: (() => unknown)[] = [];
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      for (const step of undo.reverse()) {
        try {
          await step();
        } catch {
          // Keep undoing the rest: a leaked mount or browser is worse than a lost error.
        }
      }
    })();
    return closing;
  };

  try {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raftr-firefox-'));
    // Retried: a Firefox process that is still exiting may write into the profile meanwhile.
    undo.push(() =>
      fs.rmSync(scratch, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 }),
    );
    const profileDir = path.join(scratch, 'profile');
    const home = path.join(scratch, 'home');
    const extensionCopy = path.join(scratch, 'extension');
    fs.mkdirSync(profileDir);
    fs.mkdirSync(home);
    fs.cpSync(options.extensionDir, extensionCopy, { recursive: true, dereference: true });

    const roots =
      typeof options.caCertPath === 'string' ? [options.caCertPath] : (options.caCertPath ?? []);
    if (roots.length) trustRootsInProfile(profileDir, roots);
    if (options.policies) undo.push(mountPolicies(options.policies, scratch));

    const browser = await puppeteer.launch({
      browser: 'firefox',
      executablePath: options.executablePath ?? FIREFOX_PATH,
      headless: options.headless ?? true,
      userDataDir: profileDir,
      // Lets BiDi navigate tabs to moz-extension:// and evaluate in the chrome window.
      args: ['--remote-allow-system-access'],
      // A HOME of its own: nothing is written to the real one.
      env: { ...process.env, HOME: home, MOZ_CRASHREPORTER_DISABLE: '1' },
      extraPrefsFirefox: {
        ...BASE_PREFS,
        'extensions.webextensions.uuids': JSON.stringify({ [extensionId]: extensionUuid }),
        ...options.prefs,
      },
    });
    undo.push(() => closeAndWait(browser));

    const installed = await browser.installExtension(extensionCopy);
    if (installed !== extensionId) {
      throw new Error(`installed ${installed}, expected ${extensionId}`);
    }
    const extraExtensionIds: string[] = [];
    for (const extra of options.extraExtensions ?? []) {
      extraExtensionIds.push(await browser.installExtension(extra));
    }

    const connection = bidi(browser);

    const openExtensionPage = async (
      pagePath: string,
      viewport: { width: number; height: number } = POPUP_VIEWPORT,
    ): Promise<Page> => {
      const page = await browser.newPage();
      await page.setViewport(viewport);
      await connection.send('browsingContext.navigate', {
        context: contextId(page),
        url: new URL(pagePath, extensionBase).href,
        wait: 'complete',
      });
      return page;
    };

    // A harmless extension document (manifest.json is shown as text, with the extension's APIs)
    // through which the background page is reached; opened on first use.
    let bridge: Promise<Page> | undefined;
    const withBackground = async <T, A extends unknown[]>(
      fn: (background: BackgroundWindow, ...args: A) => T | Promise<T>,
      ...args: A
    ): Promise<T> => {
      bridge ??= openExtensionPage('manifest.json');
      const page = await bridge;
      // One expression, compiled by BiDi (extension pages forbid eval() in their own code).
      return (await page.evaluate(`(async () => {
        const background = await browser.runtime.getBackgroundPage();
        if (!background) throw new Error('the extension has no background page');
        return (${fn.toString()})(background, ...${JSON.stringify(args)});
      })()`)) as T;
    };

    const chromeEvaluate = async <T = unknown>(expression: string): Promise<T> => {
      const tree = (await connection.send('browsingContext.getTree', { 'moz:scope': 'chrome' }))
        .result as { contexts: { context: string }[] };
      const chrome = tree.contexts[0]?.context;
      if (!chrome) throw new Error('no chrome window (is --remote-allow-system-access set?)');
      const { result } = await connection.send('script.evaluate', {
        expression: `(async () => JSON.stringify((await (${expression})) ?? null))()`,
        target: { context: chrome },
        awaitPromise: true,
        resultOwnership: 'none',
      });
      const outcome = result as {
        type: 'success' | 'exception';
        result?: { value?: string };
        exceptionDetails?: { text?: string };
      };
      if (outcome.type !== 'success') {
        throw new Error(`chrome evaluation failed: ${outcome.exceptionDetails?.text ?? 'unknown'}`);
      }
      return JSON.parse(outcome.result?.value ?? 'null') as T;
    };

    const setPrefs = async (prefs: Record<string, PrefValue>): Promise<void> => {
      for (const [name, value] of Object.entries(prefs)) {
        const setter =
          typeof value === 'boolean'
            ? 'setBoolPref'
            : typeof value === 'number'
              ? 'setIntPref'
              : 'setStringPref';
        await chromeEvaluate(
          `Services.prefs.${setter}(${JSON.stringify(name)}, ${JSON.stringify(value)})`,
        );
      }
    };

    const setOffline = async (offline: boolean): Promise<void> => {
      await chromeEvaluate(`(Services.io.offline = ${offline})`);
    };

    // Return only once the extension's background page is up.
    await withBackground((background) => background.location.href);

    return {
      browser,
      extensionId,
      extensionUuid,
      extensionBase,
      extraExtensionIds,
      profileDir,
      openExtensionPage,
      withBackground,
      chromeEvaluate,
      setPrefs,
      setOffline,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
