/**
 * `npm run demo [-- <scenario or email case>…]`: see the product work without the real Raftr.
 *
 * Loads the built extension into Debian's Chromium on the simulated internet of tests/sim (a
 * network namespace with the real addresses and a test DNS, no route out: nothing leaves the
 * machine; `npm run demo` starts it there), opens the popup in each network condition, and prints
 * what a user would read: the verdict, each check, each finding with its entries, and the
 * diagnostic code. Then the email check, on the simulated mail world of tests/sim/mail (real
 * SMTP, DKIM, SPF and DMARC; Gmail API, Microsoft Graph and OAuth emulators; Raftr's
 * test-message endpoint), in four cases (EMAIL_CASES): the same build, configured as IT would
 * configure it, by enterprise policy (the emulators' client ids, the test-message endpoint).
 * Screenshots go to .output/demo/<scenario>.png and .output/demo/email-<case>.png.
 * With a display (DISPLAY set) and one scenario or case named, Chromium opens headed and stays
 * open until Ctrl-C, so you can click around.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { assertInsideSimulatedInternet } from '../tests/sim/addresses';
import { launchWithExtension, REPO_ROOT } from '../tests/sim/browser';
import { createPki, type TestPki } from '../tests/sim/ca';
import {
  launchWithMailWorld,
  type MailLaunch,
  type MailLaunchOptions,
} from '../tests/sim/mail/launch';
import { SCENARIO_NAMES, type ScenarioName } from '../tests/sim/scenarios';

interface EmailCase {
  title: string;
  /** The provider button the user clicks: `[data-testid="email-provider"][data-provider]`. */
  provider: 'gmail' | 'microsoft';
  world: NonNullable<MailLaunchOptions['world']>;
  /** How the check ends: a verdict, or the verdict once the user stops a wait that cannot end. */
  ends: 'verdict' | 'stopped' | 'error';
}

/** The email cases, in the simulated mail world (tests/sim/mail/README.md). */
const EMAIL_CASES = {
  'email-inbox': {
    title: 'Gmail: the school’s mail system accepts Raftr’s mail',
    provider: 'gmail',
    world: { mailbox: 'google', policy: 'accept' },
    ends: 'verdict',
  },
  'email-spam': {
    title: 'Microsoft 365: the school’s spam policy files Raftr’s mail as junk',
    provider: 'microsoft',
    world: { mailbox: 'microsoft', policy: 'junk' },
    ends: 'verdict',
  },
  'email-blocked-sender': {
    title:
      'Microsoft 365: the user once blocked Raftr’s address (Blocked Senders, SFV:BLK): junk, and the fix is the user’s own list',
    provider: 'microsoft',
    world: { mailbox: 'microsoft', policy: 'blocked-sender' },
    ends: 'verdict',
  },
  'email-blocked': {
    title:
      'Microsoft 365 refuses Raftr’s mail (550 at the end of SMTP DATA): it never arrives, the user stops the wait',
    provider: 'microsoft',
    world: { mailbox: 'microsoft', policy: 'reject' },
    ends: 'stopped',
  },
  'email-consent-blocked': {
    title:
      'Microsoft 365: the school lets no user consent to mailbox access (AADSTS65001, admin consent never granted)',
    provider: 'microsoft',
    world: { mailbox: 'microsoft', oauth: { consent: 'not-configured' } },
    ends: 'error',
  },
} as const satisfies Record<string, EmailCase>;
type EmailCaseName = keyof typeof EMAIL_CASES;
const EMAIL_CASE_NAMES = Object.keys(EMAIL_CASES) as EmailCaseName[];

function isEmailCase(name: string): name is EmailCaseName {
  return Object.hasOwn(EMAIL_CASES, name);
}

assertInsideSimulatedInternet('npm run demo');
const requested = process.argv.slice(2).filter((arg) => !arg.startsWith('-'));
const unknown = requested.filter(
  (name) => !(SCENARIO_NAMES as readonly string[]).includes(name) && !isEmailCase(name),
);
if (unknown.length) {
  console.error(
    `unknown scenario or email case: ${unknown.join(', ')}\n` +
      `network scenarios: ${SCENARIO_NAMES.join(', ')}\n` +
      `email cases: ${EMAIL_CASE_NAMES.join(', ')}`,
  );
  process.exit(2);
}
const names: (ScenarioName | EmailCaseName)[] = requested.length
  ? (requested as (ScenarioName | EmailCaseName)[])
  : [...SCENARIO_NAMES, ...EMAIL_CASE_NAMES];
const interactive = !!process.env.DISPLAY && names.length === 1;
const outDir = path.join(REPO_ROOT, '.output', 'demo');
fs.mkdirSync(outDir, { recursive: true });

/**
 * Each finding card: `id: title`, then its entries (what IT must add), one a line; a finding
 * without entries (e.g. mailbox access blocked) shows what IT must do instead, per system.
 */
async function findingsIn(scope: Locator | Page): Promise<string[]> {
  return scope.locator('[data-testid="finding"]').evaluateAll((cards) =>
    cards.map((card) => {
      const title = card.querySelector('h3')?.textContent ?? '';
      let lines = [...card.querySelectorAll('code')].map((code) => code.textContent ?? '');
      if (lines.length === 0) {
        lines = [...card.querySelectorAll('[data-testid="remedy"]')].map(
          (remedy) => remedy.textContent ?? '',
        );
      }
      return `${(card as HTMLElement).dataset.finding}: ${title}${lines.map((e) => `\n      ${e}`).join('')}`;
    }),
  );
}

async function diagnosticCode(page: Page): Promise<string> {
  return ((await page.locator('[data-testid="diagnostic-code"]').textContent()) ?? '').trim();
}

function printCode(code: string): void {
  if (code) console.log(`  diagnostic code: ${code}   (decode: npx raftr-diag decode ${code})`);
}

async function stayOpen(): Promise<void> {
  if (!interactive) return;
  console.log('\nChromium is open on the simulated network: Ctrl-C to stop.');
  await new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
}

async function runNetworkScenario(name: ScenarioName, pki: TestPki): Promise<void> {
  const launched = await launchWithExtension({ scenario: name, pki, headless: !interactive });
  try {
    const page = await launched.openPopup();
    await page.waitForSelector('[data-testid="network-check"][data-state="done"]', {
      timeout: 20_000,
    });
    const verdict = await page.locator('[data-testid="verdict"]').textContent();
    const checks = await page
      .locator('[data-testid="check"]')
      .evaluateAll((rows) =>
        rows.map(
          (row) => `${(row as HTMLElement).dataset.target}=${(row as HTMLElement).dataset.outcome}`,
        ),
      );
    const findings = await findingsIn(page);
    const code = await diagnosticCode(page).catch(() => '');
    const screenshot = path.join(outDir, `${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`\n■ ${name}: ${launched.net.scenario.title}`);
    console.log(`  verdict: ${verdict}`);
    console.log(`  checks:  ${checks.join('  ')}`);
    for (const finding of findings) console.log(`  finding ${finding}`);
    printCode(code);
    console.log(`  screenshot: ${path.relative(REPO_ROOT, screenshot)}`);
    await stayOpen();
  } finally {
    await launched.close();
  }
}

/** The last test message's fate at the receiver (the sim saw it): "550 5.7.1 …". */
async function refusal(launch: MailLaunch, page: Page): Promise<string> {
  const emailCheck = page.getByTestId('email-check');
  await emailCheck.locator('[data-testid="email-countdown"]').waitFor({ timeout: 30_000 });
  const deadline = Date.now() + 20_000;
  while (launch.world.testMessages.length === 0) {
    if (Date.now() > deadline)
      throw new Error('the extension never asked Raftr for a test message');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const handle = launch.world.testMessages[launch.world.testMessages.length - 1];
  const outcome = await launch.world.waitForOutcome(handle?.token ?? '', 20_000);
  return `${outcome.event?.event ?? 'no outcome'} by ${outcome.event?.system ?? '?'}: ${outcome.event?.detail ?? ''}`;
}

async function runEmailCase(name: EmailCaseName, pki: TestPki): Promise<void> {
  const emailCase: EmailCase = EMAIL_CASES[name];
  const launch = await launchWithMailWorld({ pki, world: emailCase.world, headless: !interactive });
  try {
    const page = await launch.browser.openPopup();
    const emailCheck = page.getByTestId('email-check');
    await page
      .locator('[data-testid="email-check"][data-state="idle"]')
      .waitFor({ timeout: 20_000 });
    // The user clicks "Check my email with …"; the sign-in and the permission (granted
    // beforehand, as a user would in the prompt) need nothing more from them.
    await emailCheck
      .locator(`[data-testid="email-provider"][data-provider="${emailCase.provider}"]`)
      .click();
    let fate = '';
    if (emailCase.ends === 'stopped') {
      // The countdown is 15 minutes: once Raftr's message was refused, the user stops it.
      fate = await refusal(launch, page);
      await emailCheck.getByTestId('email-stop').click();
    }
    if (emailCase.ends === 'error') {
      await emailCheck.getByTestId('email-error').waitFor({ timeout: 30_000 });
    } else {
      await page
        .locator('[data-testid="email-check"][data-state="done"]')
        .waitFor({ timeout: 45_000 });
    }
    await page.waitForSelector('[data-testid="network-check"][data-state="done"]', {
      timeout: 20_000,
    });
    if (emailCase.ends !== 'error') {
      // The code is re-encoded with the email verdict: its contents list the placement.
      await page
        .locator('[data-testid="diagnostic-code-contents"] [data-field="placement"]')
        .waitFor({ state: 'attached', timeout: 10_000 });
    }
    const verdict = await emailCheck
      .getByTestId('email-placement')
      .textContent({ timeout: 1_000 })
      .catch(() => null);
    const placement = await emailCheck
      .getByTestId('email-placement')
      .getAttribute('data-placement', { timeout: 1_000 })
      .catch(() => null);
    const error = await emailCheck
      .getByTestId('email-error')
      .textContent({ timeout: 1_000 })
      .catch(() => null);
    const reason = await emailCheck
      .getByTestId('email-error')
      .getAttribute('data-reason', { timeout: 1_000 })
      .catch(() => null);
    const delay = await emailCheck
      .getByTestId('email-delay')
      .textContent({ timeout: 1_000 })
      .catch(() => null);
    const history = await emailCheck
      .locator('[data-testid="email-history"] summary')
      .textContent({ timeout: 1_000 })
      .catch(() => null);
    const findings = await findingsIn(emailCheck);
    const code = await diagnosticCode(page).catch(() => '');
    const screenshot = path.join(outDir, `${name}.png`);
    await page.screenshot({ path: screenshot, fullPage: true });
    console.log(`\n■ ${name}: ${emailCase.title}`);
    if (fate) console.log(`  at the receiver: ${fate}`);
    if (verdict) console.log(`  email verdict: ${verdict}   (placement ${placement})`);
    if (delay) console.log(`  ${delay}`);
    if (error) console.log(`  email check: ${error}   (reason ${reason})`);
    if (history) console.log(`  ${history}`);
    for (const finding of findings) console.log(`  finding ${finding}`);
    printCode(code);
    console.log(`  screenshot: ${path.relative(REPO_ROOT, screenshot)}`);
    await stayOpen();
  } finally {
    await launch.close();
  }
}

const pki = createPki();
try {
  for (const name of names) {
    if (isEmailCase(name)) await runEmailCase(name, pki);
    else await runNetworkScenario(name, pki);
  }
  console.log(
    `\nStandalone helpdesk decoder: ${path.relative(REPO_ROOT, path.join(REPO_ROOT, '.output', 'raftr-decoder.html'))}`,
  );
} finally {
  pki.cleanup();
}
