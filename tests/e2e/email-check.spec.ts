/**
 * The email check end to end: the built extension in Chromium, signing in to a simulated
 * Google or Microsoft account (real OAuth code + PKCE), asking Raftr's simulated endpoint for
 * a test message, which travels over real SMTP with real DKIM, is judged by real SPF / DKIM /
 * DMARC checks and the customer's policy, and is found (or not) through the Gmail API or
 * Microsoft Graph emulators. tests/sim/mail/README.md describes the world.
 *
 * Popup contract: [data-testid="email-check"][data-state=idle|waiting|done],
 * [data-testid="email-provider"][data-provider], [data-testid="email-countdown"],
 * [data-testid="email-placement"][data-placement], [data-testid="email-error"][data-reason],
 * [data-testid="finding"][data-finding]. Their values are the product's own types (finding
 * ids, placements, error reasons, providers): a renamed one breaks this file at compile time.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { expect, type Locator, type Page, type TestInfo, test } from '@playwright/test';
import type { EmailErrorReason } from '@/utils/email/check/state';
import type { Placement } from '@/utils/email/evidence';
// Types only: utils/email/findings.ts reaches the i18n catalog, a JSON import Playwright's ESM
// loader refuses without an import attribute.
import type { EmailFindingId } from '@/utils/email/findings';
import type { MailProvider } from '@/utils/email/oauth';
import { ENTRIES } from '@/utils/profile';
import { stopServiceWorker } from '../sim/browser';
import { createPki, type TestPki } from '../sim/ca';
import { MICROSOFT_CLIENT_ID, MICROSOFT_TENANT } from '../sim/mail';
import { launchWithMailWorld, type MailLaunch, type MailLaunchOptions } from '../sim/mail/launch';
import { expectAccessible } from './accessibility';

const SCREENSHOT_DIR = path.join('test-results', 'screenshots');
const SENDERS = [...ENTRIES['sender-no-reply'].values, ...ENTRIES['sender-domains'].values];
const SENDING_IPS = ENTRIES['sending-ips'].values;
const AUTHENTICATION = ENTRIES['mail-authentication'].values;

let pki: TestPki;
let current: { launch: MailLaunch; page?: Page; name: string } | undefined;

// Each test launches its own browser and worlds, so they are independent. The extension's
// policy goes in this process's own policy file; the launch waits out another run's conflicting
// one and returns once the extension sees ours (tests/sim/browser.ts).
test.describe.configure({ timeout: 90_000 });

test.beforeAll(() => {
  pki = createPki();
  fs.mkdirSync(SCREENSHOT_DIR, { recursive: true });
});

test.afterAll(() => pki?.cleanup());

// biome-ignore lint/correctness/noEmptyPattern: Playwright hooks take the fixtures first; none are needed.
test.afterEach(async ({}, testInfo) => {
  const run = current;
  current = undefined;
  if (!run) return;
  try {
    if (run.page && !run.page.isClosed()) await screenshot(run.page, testInfo, run.name);
  } finally {
    await run.launch.close();
  }
});

async function screenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  const file = path.join(SCREENSHOT_DIR, `email-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(`email-${name}`, { path: file, contentType: 'image/png' });
}

/** Starts the worlds and opens the popup with the email check idle and configured. */
async function start(
  name: string,
  options: MailLaunchOptions = {},
): Promise<{ launch: MailLaunch; page: Page; emailCheck: Locator }> {
  const launch = await launchWithMailWorld({ pki, ...options });
  current = { launch, name };
  test
    .info()
    .annotations.push({ type: 'policy-wait-ms', description: String(launch.policyWaitMs) });
  const page = await launch.browser.openPopup();
  current.page = page;
  const emailCheck = page.getByTestId('email-check');
  await expect(emailCheck).toHaveAttribute('data-state', 'idle');
  return { launch, page, emailCheck };
}

function providerButton(emailCheck: Locator, provider: MailProvider): Locator {
  return emailCheck.locator(`[data-testid="email-provider"][data-provider="${provider}"]`);
}

async function chooseProvider(emailCheck: Locator, provider: MailProvider): Promise<void> {
  const button = providerButton(emailCheck, provider);
  await expect(button).toBeEnabled();
  await button.click();
}

/** The findings shown: exactly `exactly`, or including `includes` and none of `excludes`. */
async function expectFindings(
  emailCheck: Locator,
  expected:
    | { exactly: EmailFindingId[] }
    | { includes: EmailFindingId[]; excludes?: EmailFindingId[] },
): Promise<void> {
  const ids = await emailCheck
    .locator('[data-testid="finding"]')
    .evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.finding ?? ''));
  if ('exactly' in expected) {
    expect(ids).toEqual(expected.exactly);
    return;
  }
  expect(ids).toEqual(expect.arrayContaining(expected.includes));
  for (const id of expected.excludes ?? []) expect(ids).not.toContain(id);
}

function finding(emailCheck: Locator, id: EmailFindingId): Locator {
  return emailCheck.locator(`[data-testid="finding"][data-finding="${id}"]`);
}

async function expectError(emailCheck: Locator, reason: EmailErrorReason, timeout?: number) {
  await expect(emailCheck.locator('[data-testid="email-error"]')).toHaveAttribute(
    'data-reason',
    reason,
    { timeout },
  );
}

async function expectEntries(card: Locator, values: readonly string[]): Promise<void> {
  await expect(card).toBeVisible();
  for (const value of values) await expect(card).toContainText(value);
}

/** Waits for the verdict and checks the placement. */
async function expectPlacement(
  emailCheck: Locator,
  placement: Placement,
  timeout = 45_000,
): Promise<void> {
  await expect(emailCheck).toHaveAttribute('data-state', 'done', { timeout });
  await expect(emailCheck.getByTestId('email-placement')).toHaveAttribute(
    'data-placement',
    placement,
  );
}

/** The token of the test message the extension asked Raftr for (the sim saw the request). */
async function requestedToken(launch: MailLaunch): Promise<string> {
  await expect.poll(() => launch.world.testMessages.length, { timeout: 20_000 }).toBeGreaterThan(0);
  return launch.world.testMessages[launch.world.testMessages.length - 1]?.token ?? '';
}

test('delivered to the inbox: one finding, email-delivered, and the history of the last 30 days', async () => {
  const { launch, emailCheck } = await start('delivered', { world: { mailbox: 'google' } });
  await chooseProvider(emailCheck, 'gmail');
  await expectPlacement(emailCheck, 'inbox');
  await expectFindings(emailCheck, { exactly: ['email-delivered'] });
  // Seeded history: a verification 41 days ago (outside the 30 days), a reset and two digests.
  await expect(emailCheck.getByTestId('email-history')).toHaveAttribute('data-count', '3');
  const token = await requestedToken(launch);
  expect(launch.world.store.byToken(token)?.labels).toContain('INBOX');
});

test('in spam: Gmail’s SPAM label, with the senders and sending IPs to allow', async () => {
  const { launch, page, emailCheck } = await start('in-spam', { world: { mailbox: 'google' } });
  await expectAccessible(page, 'email check, idle');
  launch.world.setPolicy('junk');
  await chooseProvider(emailCheck, 'gmail');
  await expectPlacement(emailCheck, 'spam');
  await expect(emailCheck.getByTestId('email-status')).toContainText(/spam/i);
  await expectAccessible(page, 'email check, in spam');
  await expectFindings(emailCheck, { includes: ['email-in-spam'] });
  await expectEntries(finding(emailCheck, 'email-in-spam'), [...SENDERS, ...SENDING_IPS]);
});

test('missing: quarantined before the mailbox (Microsoft 365), concluded when the user stops waiting', async () => {
  // Quarantine from the start: the seeded history never arrived either.
  const { launch, page, emailCheck } = await start('missing', {
    world: { mailbox: 'microsoft', policy: 'quarantine' },
  });
  await chooseProvider(emailCheck, 'microsoft');
  await expect(emailCheck).toHaveAttribute('data-state', 'waiting', { timeout: 30_000 });
  await expect(emailCheck.getByTestId('email-countdown')).toBeVisible();
  // The wait is announced through the check's one live region, there from the start.
  await expect(emailCheck.getByTestId('email-status')).not.toBeEmpty();
  await expect(emailCheck).not.toHaveAttribute('aria-busy', 'true');
  await expectAccessible(page, 'email check, waiting');
  const token = await requestedToken(launch);
  expect((await launch.world.waitForOutcome(token, 20_000)).event?.event).toBe('quarantined');
  // The countdown is 15 minutes; the user may stop it once the message is clearly late.
  await page.getByTestId('email-stop').click();
  await expectPlacement(emailCheck, 'missing');
  await expectFindings(emailCheck, { includes: ['email-missing'] });
  await expectEntries(finding(emailCheck, 'email-missing'), [...SENDING_IPS, ...SENDERS]);
});

test('authentication failed: SPF, DKIM and DMARC fail for mail from an unlisted IP with a stray key', async () => {
  const { emailCheck } = await start('auth-failed', {
    world: {
      mailbox: 'google',
      sending: {
        from: 'unlisted',
        dkim: 'stray-key',
        mailFrom: ENTRIES['sender-no-reply'].values[0],
      },
    },
  });
  await chooseProvider(emailCheck, 'gmail');
  // raftr.com publishes p=quarantine: Gmail honours it.
  await expectPlacement(emailCheck, 'spam');
  await expectFindings(emailCheck, { includes: ['email-auth-failed'] });
  await expectEntries(finding(emailCheck, 'email-auth-failed'), AUTHENTICATION);
});

test('a gateway in front breaks SPF: Proofpoint relays to Microsoft 365, which sees Proofpoint’s IP', async () => {
  const { launch, emailCheck } = await start('gateway-breaks-spf', {
    world: { mailbox: 'microsoft', gateway: 'proofpoint' },
  });
  await chooseProvider(emailCheck, 'microsoft');
  await expectPlacement(emailCheck, 'inbox');
  await expectFindings(emailCheck, { includes: ['email-gateway-breaks-spf'] });
  const card = finding(emailCheck, 'email-gateway-breaks-spf');
  await expectEntries(card, AUTHENTICATION);
  await expect(card).toContainText('Proofpoint');
  // The extension looked the MX up over DNS-over-HTTPS (the sim's dns.google).
  expect(launch.world.dns.queries).toContainEqual({ name: 'campus.test', type: 'MX', by: 'doh' });
  const stored = launch.world.store.byToken(await requestedToken(launch));
  expect(stored?.headers.find((h) => h.name === 'Authentication-Results')?.value).toMatch(
    /spf=softfail \(sender IP is 148\.163\.150\.14\)/,
  );
});

test('delayed by greylisting: deferred with 451, accepted on retry, arrival 20 minutes after the request', async () => {
  const { launch, emailCheck } = await start('delayed', {
    world: {
      mailbox: 'microsoft',
      greylistS: 2,
      greylistReportedDelayS: 20 * 60,
      senderRetryDelaysMs: [2500, 2500, 2500],
    },
  });
  launch.world.setPolicy('delay');
  await chooseProvider(emailCheck, 'microsoft');
  await expectPlacement(emailCheck, 'inbox');
  await expectFindings(emailCheck, { includes: ['email-delayed'] });
  await expectEntries(finding(emailCheck, 'email-delayed'), SENDING_IPS);
  const result = await launch.world.testMessages[0]?.delivery;
  expect(result?.attempts.map((a) => a.code)).toEqual([451, 250]);
});

test('the user’s Blocked Senders list: junk with SFV:BLK, the fix is the user’s own list', async () => {
  const { launch, emailCheck } = await start('blocked-sender', { world: { mailbox: 'microsoft' } });
  launch.world.setPolicy('blocked-sender');
  await chooseProvider(emailCheck, 'microsoft');
  await expectPlacement(emailCheck, 'spam');
  // Microsoft's 30-day history ($search) finds the digests too, like Gmail's.
  await expect(emailCheck.getByTestId('email-history')).toHaveAttribute('data-count', '3');
  await expectFindings(emailCheck, {
    includes: ['email-blocked-sender'],
    excludes: ['email-in-spam'],
  });
  await expectEntries(
    finding(emailCheck, 'email-blocked-sender'),
    ENTRIES['sender-no-reply'].values,
  );
});

test('an expired token asks the user to sign in again, and signing in again resumes the same wait', async () => {
  // SendGrid holds the message 12 s, so the wait is still on when the token expires.
  const { launch, emailCheck } = await start('sign-in-again', {
    world: { mailbox: 'google', sendDelayMs: 12_000 },
  });
  await chooseProvider(emailCheck, 'gmail');
  await expect(emailCheck.getByTestId('email-countdown')).toBeVisible({ timeout: 30_000 });
  // Access and refresh tokens dead, and no browser session: a silent sign-in cannot help.
  launch.world.expireTokens({ sessions: true });
  await expectError(emailCheck, 'sign-in-again', 20_000);
  await chooseProvider(emailCheck, 'gmail');
  await expectPlacement(emailCheck, 'inbox');
  // The same test message: signing in again continues the wait, it does not ask Raftr again.
  expect(launch.world.testMessages).toHaveLength(1);
  expect(launch.world.oauth.authorizations.map((a) => a.outcome)).toEqual(['code', 'code']);
});

test('429 from the mailbox API: the check backs off for Retry-After and still completes', async () => {
  // SendGrid holds the message 8 s: the first polls meet the throttling, not the message.
  const { launch, emailCheck } = await start('throttled', {
    world: { mailbox: 'google', sendDelayMs: 8_000 },
  });
  await chooseProvider(emailCheck, 'gmail');
  // The countdown shows once the wait proper has begun (sign-in, history and request done):
  // from here on every mailbox call is a poll.
  await expect(emailCheck.getByTestId('email-countdown')).toBeVisible({ timeout: 30_000 });
  const retryAfterS = 4;
  launch.world.failNext('gmail.list', 2, retryAfterS);
  await expectPlacement(emailCheck, 'inbox');
  await expectFindings(emailCheck, { exactly: ['email-delivered'] });
  const calls = launch.world.telemetry.calls.filter((c) => c.endpoint === 'gmail.list');
  const throttled = calls.filter((c) => c.status === 429);
  expect(throttled).toHaveLength(2);
  const log = calls
    .map((c) => `${new Date(c.at).toISOString().slice(17, 23)} ${c.status} ${c.path.slice(0, 90)}`)
    .join('\n');
  for (const hit of throttled) {
    const next = calls.find((c) => c.at > hit.at);
    expect(next, `a call after the 429:\n${log}`).toBeDefined();
    expect(
      (next?.at ?? 0) - hit.at,
      `gap after a 429 with Retry-After ${retryAfterS}:\n${log}`,
    ).toBeGreaterThanOrEqual(retryAfterS * 1000 - 250);
  }
});

test('the user declines: the permission prompt, then the account’s consent screen', async () => {
  const { launch, page, emailCheck } = await start('declined', { world: { mailbox: 'microsoft' } });
  // Headless Chromium cannot answer a real permission prompt (README.md): the one browser API
  // replaced in these tests is permissions.request, made to answer "Deny" when asked to.
  await page.evaluate(() => {
    const g = globalThis as unknown as {
      chrome: { permissions: Record<string, unknown> };
      browser?: { permissions?: Record<string, unknown> };
      __denyPermission?: boolean;
    };
    for (const api of [g.chrome.permissions, g.browser?.permissions]) {
      if (!api) continue;
      const original = (api.request as (...args: unknown[]) => unknown).bind(api);
      api.request = (...args: unknown[]) => {
        if (!g.__denyPermission) return original(...args);
        const callback = args.find((a) => typeof a === 'function') as
          | ((granted: boolean) => void)
          | undefined;
        if (callback) callback(false);
        return Promise.resolve(false);
      };
    }
    g.__denyPermission = true;
  });
  await chooseProvider(emailCheck, 'microsoft');
  await expectError(emailCheck, 'declined');
  expect(launch.world.oauth.authorizations).toHaveLength(0);

  await page.evaluate(() => {
    (globalThis as unknown as { __denyPermission?: boolean }).__denyPermission = false;
  });
  launch.world.setConsent('decline');
  await chooseProvider(emailCheck, 'microsoft');
  await expect
    .poll(() => launch.world.oauth.authorizations.map((a) => a.outcome))
    .toEqual(['access_denied']);
  await expectError(emailCheck, 'declined');
  expect(launch.world.testMessages).toHaveLength(0);
});

test('the service worker stopped while waiting: the wait resumes and still ends done', async () => {
  const { launch, page, emailCheck } = await start('worker-stopped', {
    world: { mailbox: 'google', sendDelayMs: 8_000 },
  });
  await chooseProvider(emailCheck, 'gmail');
  await expect(emailCheck.getByTestId('email-countdown')).toBeVisible({ timeout: 30_000 });
  const stop = await stopServiceWorker(page, launch.browser.extensionId);
  try {
    expect(stop.stopped, `worker statuses: ${stop.statuses.join(' → ')}`).toBe(true);
    await expectPlacement(emailCheck, 'inbox', 50_000);
    await expectFindings(emailCheck, { exactly: ['email-delivered'] });
  } finally {
    await stop.detach();
  }
});

test('no test-message endpoint: the user is guided to a password reset, and the reset email gives the verdict', async () => {
  const { launch, page, emailCheck } = await start('reset-mode', {
    world: { mailbox: 'microsoft' },
    // The policy sets client ids only: no endpoint, so no address goes anywhere.
    extensionPolicy: {
      microsoftClientId: MICROSOFT_CLIENT_ID,
      microsoftTenant: MICROSOFT_TENANT,
    },
  });
  await chooseProvider(emailCheck, 'microsoft');
  const resetLink = emailCheck.getByTestId('email-reset-link');
  await expect(resetLink).toBeVisible({ timeout: 20_000 });
  await expect(resetLink).toHaveAttribute('href', 'https://app.raftr.com/reset');
  // The user follows the link and asks Raftr for a reset, as on the real site.
  const reset = await page.context().newPage();
  await reset.goto('https://app.raftr.com/reset');
  await reset.getByLabel('Email').fill(launch.world.user);
  await reset.getByRole('button', { name: 'Send reset link' }).click();
  await expect(reset.getByRole('heading', { name: 'Check your email' })).toBeVisible();
  await reset.close();
  await expectPlacement(emailCheck, 'inbox');
  await expectFindings(emailCheck, { includes: ['email-delivered'] });
  // No test message was asked for: the address went nowhere but to Raftr's own reset form.
  expect(launch.world.testMessages).toHaveLength(0);
  expect(
    launch.world.messages().some((m) => m.kind === 'reset' && m.storedAt > Date.now() - 60_000),
  ).toBe(true);
});

/** The sign-in window launchWebAuthFlow opened (a page of the browser context), once it shows `text`. */
async function authWindow(launch: MailLaunch, text: string): Promise<Page> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    for (const candidate of launch.browser.context.pages()) {
      const body = await candidate.textContent('body').catch(() => null);
      if (body?.includes(text)) return candidate;
    }
    if (Date.now() > deadline) throw new Error(`no sign-in window showing "${text}"`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

async function expectAccessBlockedFinding(emailCheck: Locator, clientId: string, where: string) {
  const card = finding(emailCheck, 'mailbox-access-blocked');
  await expect(card).toBeVisible();
  await expect(card).toContainText(clientId);
  await expect(card).toContainText(where);
}

test('the school blocks mailbox access (Microsoft: Need admin approval, AADSTS90094)', async () => {
  const { launch, emailCheck } = await start('admin-approval-microsoft', {
    world: { mailbox: 'microsoft' },
  });
  launch.world.setConsent('admin-approval');
  await chooseProvider(emailCheck, 'microsoft');
  // The user reads Microsoft's page and goes back without consent, as it offers.
  const window = await authWindow(launch, 'Need admin approval');
  await window.getByText('Return to the application without granting consent').click();
  await expectError(emailCheck, 'blocked-by-admin');
  await expect(emailCheck.getByTestId('email-error')).toContainText('AADSTS90094');
  await expectAccessBlockedFinding(
    emailCheck,
    launch.world.clientIds.microsoft,
    'Enterprise applications',
  );
  // What the user can still do: check by hand.
  await expect(emailCheck.getByTestId('email-manual')).toBeVisible();
  expect(launch.world.testMessages).toHaveLength(0);
});

test('the school blocks mailbox access (Google: Access blocked, admin_policy_enforced, an HTTP 400 page)', async () => {
  const { launch, emailCheck } = await start('admin-policy-google', {
    world: { mailbox: 'google' },
  });
  launch.world.setConsent('admin-approval');
  await chooseProvider(emailCheck, 'gmail');
  // Google serves its "Access blocked" page with HTTP 400, and Chromium gives up on it.
  await expectError(emailCheck, 'sign-in-page-error');
  await expectAccessBlockedFinding(emailCheck, launch.world.clientIds.gmail, 'App access control');
  expect(launch.world.oauth.authorizations.map((a) => a.outcome)).toEqual([
    'admin_policy_enforced',
  ]);
});

test('the sign-in window closed without an answer (Microsoft: Need admin approval, closed)', async () => {
  const { launch, emailCheck } = await start('window-closed-microsoft', {
    world: { mailbox: 'microsoft' },
  });
  launch.world.setConsent('admin-approval');
  await chooseProvider(emailCheck, 'microsoft');
  const window = await authWindow(launch, 'Need admin approval');
  await window.close();
  await expectError(emailCheck, 'window-closed');
  await expectAccessBlockedFinding(
    emailCheck,
    launch.world.clientIds.microsoft,
    'Enterprise applications',
  );
});

test('the school blocks mailbox access (Microsoft: AADSTS65001 sent straight back)', async () => {
  const { launch, emailCheck } = await start('not-configured-microsoft', {
    world: { mailbox: 'microsoft' },
  });
  launch.world.setConsent('not-configured');
  await chooseProvider(emailCheck, 'microsoft');
  await expectError(emailCheck, 'blocked-by-admin');
  await expect(emailCheck.getByTestId('email-error')).toContainText('AADSTS65001');
  await expectAccessBlockedFinding(
    emailCheck,
    launch.world.clientIds.microsoft,
    'Grant admin consent',
  );
});

test('a verdict older than 7 days is gone: the popup offers a new check and the code says email not checked', async () => {
  const { launch, page, emailCheck } = await start('verdict-expired', {
    world: { mailbox: 'google' },
  });
  launch.world.setPolicy('junk');
  await chooseProvider(emailCheck, 'gmail');
  await expectPlacement(emailCheck, 'spam');
  await expect(emailCheck.getByTestId('email-checked-at')).toBeVisible();
  await expect(page.getByTestId('network-check')).toHaveAttribute('data-state', 'done', {
    timeout: 30_000,
  });
  const code = page.getByTestId('diagnostic-code');
  const withEmail = ((await code.textContent()) ?? '').trim();
  expect(await decodedEmail(withEmail)).not.toBeNull();

  // Eight days pass: every time the stored check carries moves back by eight days.
  const eightDays = 8 * 24 * 3_600_000;
  await page.evaluate(async (shift) => {
    const local = localStorageOfExtension();
    const { emailCheck: stored } = await local.get('emailCheck');
    const back = (t: unknown) => (typeof t === 'number' ? t - shift : t);
    const verdict = stored.verdict && {
      ...stored.verdict,
      at: back(stored.verdict.at),
      arrivedAt: back(stored.verdict.arrivedAt),
      sentAt: back(stored.verdict.sentAt),
    };
    await local.set({
      emailCheck: {
        ...stored,
        startedAt: back(stored.startedAt),
        deadline: back(stored.deadline),
        sentAt: back(stored.sentAt),
        signInStartedAt: back(stored.signInStartedAt),
        verdict,
      },
    });
    // Inside the page: the extension's own storage.local (this function is serialised).
    function localStorageOfExtension() {
      return (
        globalThis as unknown as {
          chrome: {
            storage: {
              local: {
                // biome-ignore lint/suspicious/noExplicitAny: the stored JSON, shifted as is
                get(key: string): Promise<Record<string, any>>;
                set(items: Record<string, unknown>): Promise<void>;
              };
            };
          };
        }
      ).chrome.storage.local;
    }
  }, eightDays);

  // The open popup drops it at once (it watches the stored check), and a popup opened later
  // offers a new check; the worker, started afresh, deletes it.
  await expect(emailCheck).toHaveAttribute('data-state', 'idle');
  const stop = await stopServiceWorker(page, launch.browser.extensionId);
  await stop.detach();
  await page.reload();
  await expect(page.getByTestId('email-check')).toHaveAttribute('data-state', 'idle');
  await expect(providerButton(page.getByTestId('email-check'), 'gmail')).toBeEnabled();
  await expect(page.getByTestId('email-checked-at')).toHaveCount(0);
  await expect(page.getByTestId('network-check')).toHaveAttribute('data-state', 'done', {
    timeout: 30_000,
  });
  await expect.poll(async () => decodedEmail(((await code.textContent()) ?? '').trim())).toBeNull();
  await expect
    .poll(() =>
      page.evaluate(async () => {
        const { chrome } = globalThis as unknown as {
          chrome: { storage: { local: { get(key: string): Promise<Record<string, unknown>> } } };
        };
        return (await chrome.storage.local.get('emailCheck')).emailCheck;
      }),
    )
    .toBeUndefined();
});

/** The email part of a code, as the CLI decodes it (null: email not checked). */
async function decodedEmail(code: string): Promise<unknown> {
  const cli = path.join(process.cwd(), 'bin', 'raftr-diag.mjs');
  const { stdout } = await promisify(execFile)(process.execPath, [cli, 'decode', code, '--json']);
  return (JSON.parse(stdout) as { email: unknown }).email;
}
