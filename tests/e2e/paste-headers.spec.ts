/**
 * The paste-headers page end to end: the built extension in Chromium, the page reached from the
 * popup as a user reaches it (email section → "Check by hand" → "Analyse the message headers",
 * a new tab), real published header blocks from tests/corpus/email pasted through the
 * clipboard, and the verdict, summary and findings the page shows. Unreadable input must say so
 * and keep the text. The analysis runs on the page: no request may leave it.
 *
 * Page contract: [data-testid="headers-input"], [data-testid="headers-placement"],
 * [data-testid="headers-analyze"], [data-testid="headers-report"][data-readable][data-placement],
 * [data-testid="headers-summary"] dd[data-field], [data-testid="headers-unreadable"],
 * [data-testid="headers-problem"], [data-testid="finding"][data-finding]. Finding ids and
 * placements are the product's own types: a renamed one breaks this file at compile time.
 */
import { expect, type Locator, type Page, type TestInfo, test } from '@playwright/test';
import type { Placement } from '@/utils/email/evidence';
// Types only: utils/email/findings.ts reaches the i18n catalog, a JSON import Playwright's ESM
// loader refuses without an import attribute.
import type { EmailFindingId } from '@/utils/email/findings';
import { MAX_HEADER_INPUT_CHARS } from '@/utils/email/headers/parse';
import { ENTRIES } from '@/utils/profile';
import { type EmailCorpusFacts, loadEmailCorpus } from '../corpus/email';
import { type LaunchedExtension, launchWithExtension } from '../sim/browser';
import { createPki, type TestPki } from '../sim/ca';

const SENDERS = [...ENTRIES['sender-no-reply'].values, ...ENTRIES['sender-domains'].values];
const SENDING_IPS = ENTRIES['sending-ips'].values;
const AUTHENTICATION = ENTRIES['mail-authentication'].values;
const CORPUS = loadEmailCorpus();
/** A page, not a popup: wide enough for the summary (and for a full-page screenshot). */
const PAGE_VIEWPORT = { width: 900, height: 1000 } as const;

let pki: TestPki;
let current: { ext: LaunchedExtension; page?: Page } | undefined;

test.describe.configure({ timeout: 60_000 });

test.beforeAll(() => {
  pki = createPki();
});

test.afterAll(() => pki?.cleanup());

// biome-ignore lint/correctness/noEmptyPattern: Playwright hooks take the fixtures first; none are needed.
test.afterEach(async ({}, testInfo) => {
  const run = current;
  current = undefined;
  if (!run) return;
  try {
    if (run.page && !run.page.isClosed()) await screenshot(run.page, testInfo);
  } finally {
    await run.ext.close();
  }
});

async function screenshot(page: Page, testInfo: TestInfo, name = 'headers-page'): Promise<void> {
  const file = testInfo.outputPath(`${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  await testInfo.attach(name, { path: file, contentType: 'image/png' });
}

/** What the headers page did besides rendering: requests off the extension, errors, crashes. */
interface PageWatch {
  requests: string[];
  errors: string[];
}

function isExtensionUrl(url: string): boolean {
  return /^(chrome-extension|data|blob|about):/.test(url);
}

/**
 * Launches Chromium with the extension, opens the popup and follows its link to the headers
 * page, which opens in a new tab. The tab is watched from its creation (context 'page' event,
 * before its first request): every request that is not the extension's own is recorded.
 */
async function openHeadersPage(): Promise<{ page: Page; watch: PageWatch }> {
  const ext = await launchWithExtension({ scenario: 'healthy', pki });
  current = { ext };
  await ext.context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const popup = await ext.openPopup();
  const emailCheck = popup.getByTestId('email-check');
  await expect(emailCheck).toBeVisible();
  // No mailbox access configured in this build: the user checks by hand.
  await emailCheck.getByTestId('email-manual-open').click();
  const link = emailCheck.getByTestId('email-headers-link');
  await expect(link).toHaveText('Analyse the message headers');

  const watch: PageWatch = { requests: [], errors: [] };
  ext.context.once('page', (page) => {
    page.on('request', (request) => {
      if (!isExtensionUrl(request.url())) watch.requests.push(request.url());
    });
    page.on('pageerror', (error) => watch.errors.push(`pageerror: ${error.message}`));
    page.on('crash', () => watch.errors.push('crash'));
  });
  const [page] = await Promise.all([ext.context.waitForEvent('page'), link.click()]);
  current.page = page;
  await page.setViewportSize(PAGE_VIEWPORT);
  expect(page.url()).toBe(`chrome-extension://${ext.extensionId}/headers.html`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(
    'Raftr Access Check: message headers',
  );
  await expect(page.getByTestId('headers-report')).toHaveCount(0);
  return { page, watch };
}

/** What a textarea holds after a paste of `text`: line ends as LF, cut at its maxlength. */
function asPasted(text: string): string {
  return text.replace(/\r\n?/g, '\n').slice(0, MAX_HEADER_INPUT_CHARS);
}

/** Replaces the textarea's content with `text` the way a user does: select all, Ctrl+V. */
async function paste(page: Page, text: string): Promise<void> {
  await page.evaluate((value) => navigator.clipboard.writeText(value), text);
  const input = page.getByTestId('headers-input');
  await input.focus();
  await page.keyboard.press('ControlOrMeta+A');
  await page.keyboard.press('ControlOrMeta+V');
  await expect.poll(() => input.inputValue()).toBe(asPasted(text));
}

async function analyze(page: Page): Promise<Locator> {
  const button = page.getByTestId('headers-analyze');
  await expect(button).toBeEnabled();
  await button.click();
  const report = page.getByTestId('headers-report');
  await expect(report).toBeVisible();
  return report;
}

async function findingIds(report: Locator): Promise<string[]> {
  return report
    .locator('[data-testid="finding"]')
    .evaluateAll((nodes) => nodes.map((n) => (n as HTMLElement).dataset.finding ?? ''));
}

function sample(id: string): (typeof CORPUS)[number] {
  const found = CORPUS.find((s) => s.id === id);
  if (!found) throw new Error(`no corpus sample ${id}`);
  return found;
}

/** The page's words (English catalog) for the corpus facts the cases below rely on. */
const AUTH_WORDS: Partial<Record<string, string>> = {
  pass: 'pass',
  fail: 'fail',
  softfail: 'softfail',
  none: 'none (no record or signature)',
};
const SPAM_WORDS: Partial<Record<string, string>> = {
  'not-spam': 'not spam',
  spam: 'spam',
  'high-confidence-spam': 'high-confidence spam',
};
const PLACEMENT_WORDS: Partial<Record<Placement, string>> = {
  inbox: 'inbox',
  spam: 'junk / spam folder',
  trash: 'deleted items / trash',
};

interface Case {
  id: string;
  /** The facts the case relies on, checked against facts.json first. */
  facts: Partial<EmailCorpusFacts>;
  placement: Placement;
  receivingSystem: string;
  findings: EmailFindingId[];
  /** Visible text of each finding card: its title, then the entries IT must add. */
  cards: Partial<Record<EmailFindingId, readonly string[]>>;
  /** The From address the "not from Raftr" note names. */
  from: string;
}

const CASES: readonly Case[] = [
  {
    // Outlook.com, SendGrid, everything passes, SCL 1: the inbox, nothing to fix.
    id: 'outlookcom-sendgrid-pass-inbox',
    facts: { spf: 'pass', dkim: 'pass', dmarc: 'pass', spamVerdict: 'not-spam' },
    placement: 'inbox',
    receivingSystem: 'Microsoft 365',
    findings: ['email-delivered'],
    cards: { 'email-delivered': ["Raftr's email was delivered"] },
    from: 'raunaq.s@quantinsti.com',
  },
  {
    // SPF softfail, SCL 5, dest:J: junk, and the authentication failure behind it.
    id: 'outlookcom-softfail-scl5-junk',
    facts: { spf: 'softfail', dkim: 'none', spamVerdict: 'spam', placementHint: 'junk' },
    placement: 'spam',
    receivingSystem: 'Microsoft 365',
    findings: ['email-in-spam', 'email-auth-failed'],
    cards: {
      'email-in-spam': ["Raftr's email went to junk / spam", ...SENDERS, ...SENDING_IPS],
      'email-auth-failed': ["Raftr's email failed sender authentication", ...AUTHENTICATION],
    },
    from: 'shore@suksapan.or.th',
  },
  {
    // SCL 7, but the user's own safe-senders list put it in the inbox: colleagues without
    // that entry get it in junk (the org-wide allow is the fix), and DMARC failed.
    id: 'outlookcom-scl7-trusted-override-inbox',
    facts: {
      dmarc: 'fail',
      spamVerdict: 'high-confidence-spam',
      allowOverride: 'user-safe-sender',
      placementHint: 'inbox',
    },
    placement: 'inbox',
    receivingSystem: 'Microsoft 365',
    findings: ['email-spam-allowed-by-user', 'email-auth-failed'],
    cards: {
      'email-spam-allowed-by-user': [
        "Raftr's email reached your inbox only because of your own safe senders list",
        ...SENDERS,
      ],
      'email-auth-failed': ["Raftr's email failed sender authentication", ...AUTHENTICATION],
    },
    from: 'otto-newsletter@newsletter.otto.de',
  },
];

test('reached from the popup: three real header blocks, three verdicts, no request leaves the page', async () => {
  const { page, watch } = await openHeadersPage();
  for (const c of CASES) {
    await test.step(c.id, async () => {
      const { raw, facts } = sample(c.id);
      expect(facts).toMatchObject(c.facts);
      await paste(page, raw);
      const report = await analyze(page);
      await expect(report).toHaveAttribute('data-readable', 'true');
      await expect(report).toHaveAttribute('data-placement', c.placement);
      // The summary says what facts.json says, in the page's words.
      const summary = report.getByTestId('headers-summary');
      const row = (field: string) => summary.locator(`dd[data-field="${field}"]`);
      await expect(row('placement')).toHaveText(PLACEMENT_WORDS[c.placement] ?? c.placement);
      for (const field of ['spf', 'dkim', 'dmarc'] as const) {
        await expect(row(field)).toHaveText(AUTH_WORDS[facts[field] ?? 'unknown'] ?? 'not known');
      }
      await expect(row('filterVerdict')).toHaveText(
        SPAM_WORDS[facts.spamVerdict ?? 'none'] ?? 'no verdict stated',
      );
      await expect(row('sendingIp')).toContainText(
        facts.sendingIp ?? 'no sending IP in facts.json',
      );
      await expect(row('receivingSystem')).toHaveText(c.receivingSystem);
      expect(await findingIds(report)).toEqual(c.findings);
      for (const [id, texts] of Object.entries(c.cards)) {
        const card = report.locator(`[data-testid="finding"][data-finding="${id}"]`);
        await expect(card).toBeVisible();
        await expect(card.locator('h3')).toHaveText(texts[0] ?? '');
        for (const text of texts.slice(1)) await expect(card).toContainText(text);
      }
      if (c.findings.includes('email-delivered')) {
        // Nothing for IT to add.
        await expect(report.locator('.finding__entries')).toHaveCount(0);
      }
      // None of these is Raftr's own mail: the page says so rather than pretending.
      await expect(report.getByTestId('headers-problem')).toContainText([
        `This message is not from Raftr (From: ${c.from})`,
      ]);
      // The pasted text stays for another look.
      await expect(page.getByTestId('headers-input')).toHaveValue(asPasted(raw));
    });
  }
  expect(watch.errors).toEqual([]);
  expect(watch.requests).toEqual([]);
  // The watch is live: a request the page does make shows up in it.
  await page.evaluate(() => fetch('https://app.raftr.com/').catch(() => undefined));
  await expect.poll(() => watch.requests).toEqual(['https://app.raftr.com/']);
});

test('where the user found the message decides when the headers do not say', async () => {
  const { page, watch } = await openHeadersPage();
  const { raw, facts } = sample('m365-sendgrid-bestguesspass-bugalert');
  expect(facts.placementHint).toBeNull();
  await paste(page, raw);
  const noFolder = 'The headers do not say which folder the message was in';

  let report = await analyze(page);
  await expect(report).toHaveAttribute('data-placement', 'inbox');
  await expect(report.getByTestId('headers-problem').filter({ hasText: noFolder })).toHaveCount(1);
  expect(await findingIds(report)).toEqual(['email-delivered']);

  await page.getByTestId('headers-placement').selectOption('spam' satisfies Placement);
  report = await analyze(page);
  await expect(report).toHaveAttribute('data-placement', 'spam');
  await expect(report.locator('dd[data-field="placement"]')).toHaveText(PLACEMENT_WORDS.spam ?? '');
  expect(await findingIds(report)).toEqual(['email-in-spam']);
  const card = report.locator('[data-testid="finding"][data-finding="email-in-spam"]');
  for (const entry of [...SENDERS, ...SENDING_IPS]) await expect(card).toContainText(entry);
  await expect(report.getByTestId('headers-problem').filter({ hasText: noFolder })).toHaveCount(0);

  await page.getByTestId('headers-placement').selectOption('trash' satisfies Placement);
  report = await analyze(page);
  await expect(report).toHaveAttribute('data-placement', 'trash');
  await expect(report.locator('dd[data-field="placement"]')).toHaveText(
    PLACEMENT_WORDS.trash ?? '',
  );
  expect(await findingIds(report)).toEqual(['email-in-trash']);
  await expect(report.locator('[data-testid="finding"] h3')).toHaveText([
    "Raftr's email is in the deleted items",
  ]);
  expect(watch.errors).toEqual([]);
  expect(watch.requests).toEqual([]);
});

test('unreadable input: empty, random text, a huge binary paste: a clear message, the text kept', async () => {
  const { page, watch } = await openHeadersPage();
  const input = page.getByTestId('headers-input');
  const button = page.getByTestId('headers-analyze');
  const unreadable =
    'No message headers could be read from this text. Copy the whole header block (it starts ' +
    'with lines like Received: and Authentication-Results:).';

  // Nothing, or only white space: nothing to analyse.
  await expect(input).toHaveValue('');
  await expect(button).toBeDisabled();
  await paste(page, ' \n\t\n  ');
  await expect(button).toBeDisabled();
  await expect(page.getByTestId('headers-report')).toHaveCount(0);

  // A note to IT instead of the headers.
  const note = 'Hi, I never got the Raftr email.\nCould you check it please\nThanks, Sam';
  await paste(page, note);
  let report = await analyze(page);
  await expect(report).toHaveAttribute('data-readable', 'false');
  await expect(report).not.toHaveAttribute('data-placement');
  await expect(report.getByTestId('headers-unreadable')).toHaveText(unreadable);
  await expect(report.getByTestId('finding')).toHaveCount(0);
  await expect(report.getByTestId('headers-summary')).toHaveCount(0);
  await expect(report.getByTestId('headers-problem')).toContainText([
    'No message header fields were found in the input.',
  ]);
  await expect(input).toHaveValue(note);
  await screenshot(page, test.info(), 'headers-unreadable');

  // The message's link instead of its headers: shaped like a field ("https: //…"), read as
  // nothing, never as "delivered".
  const link = 'https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJkqWbTvHnBpRsLdMcZxKfGhJ';
  await paste(page, link);
  report = await analyze(page);
  await expect(report).toHaveAttribute('data-readable', 'false');
  await expect(report.getByTestId('finding')).toHaveCount(0);
  await expect(report.locator('[data-problem="headers_problem_no_trace"]')).toHaveCount(1);
  await expect(input).toHaveValue(link);

  // A file opened as text: control characters, no line breaks, longer than the textarea takes.
  const garbage = 'PK\u0003\u0004\u0014\u0000\u0008\u0000\u00ff\u00fe\u0001\u0002'.repeat(30_000);
  expect(garbage.length).toBeGreaterThan(MAX_HEADER_INPUT_CHARS);
  await paste(page, garbage);
  // The textarea keeps the first MAX_HEADER_INPUT_CHARS characters: what the analysis reads.
  expect((await input.inputValue()).length).toBe(MAX_HEADER_INPUT_CHARS);
  report = await analyze(page);
  await expect(report).toHaveAttribute('data-readable', 'false');
  await expect(report.getByTestId('headers-unreadable')).toHaveText(unreadable);
  await expect(report.getByTestId('headers-problem')).toContainText([
    'The input contains binary data: it does not look like message headers.',
  ]);
  await expect(report.getByTestId('finding')).toHaveCount(0);
  await expect(input).toHaveValue(asPasted(garbage));

  // Still alive: real headers pasted over the garbage are read.
  const { raw } = sample('outlookcom-sendgrid-pass-inbox');
  await paste(page, raw);
  report = await analyze(page);
  await expect(report).toHaveAttribute('data-readable', 'true');
  expect(await findingIds(report)).toEqual(['email-delivered']);
  expect(watch.errors).toEqual([]);
  expect(watch.requests).toEqual([]);
});
