import { describe, expect, it } from 'vitest';
import { ENGLISH_CATALOG, translateEnglish as t } from '@/utils/catalogs';
import { decodeCode, encodeEvidence } from '@/utils/diagnostic-code';
import {
  ALLOW_OVERRIDES,
  AUTH_VERDICTS,
  DELAY_BANDS,
  EMAIL_SOURCES,
  type EmailEvidence,
  FILTER_VERDICTS,
  MAIL_SYSTEMS,
  PLACEMENTS,
  SENDING_IP_MATCHES,
} from '@/utils/email/evidence';
import { emailFindings } from '@/utils/email/findings';
import { BROWSER_FAMILIES, type Evidence, findingsFor } from '@/utils/evidence';
import { createTranslator, messageName } from '@/utils/i18n';
import { type NetworkEvidence, networkFindings } from '@/utils/network/findings';
import { ENTRIES, PROBE_TARGET_IDS } from '@/utils/profile';
import {
  describeEvidence,
  describeFinding,
  formatHourUtc,
  mailtoLink,
  probeLabel,
  renderDecodedReport,
  renderItMessage,
} from '@/utils/report';

const ALL_OK = Object.fromEntries(
  PROBE_TARGET_IDS.map((id) => [id, 'ok']),
) as NetworkEvidence['outcomes'];
const PROXY: NetworkEvidence = {
  outcomes: {
    ...ALL_OK,
    'app-https': 'proxy-blocked',
    'web-https': 'proxy-blocked',
    'api-ip-http': 'timeout',
  },
  product: 'zscaler',
};
const SPAM: EmailEvidence = {
  source: 'mailbox',
  placement: 'spam',
  spf: 'pass',
  dkim: 'pass',
  dmarc: 'pass',
  sendingIp: 'expected',
  mailbox: 'microsoft-365',
  gateway: 'unknown',
  filterVerdict: 'spam',
  allowOverride: 'none',
  forwarded: false,
  delay: 'under-1m',
};
const EVIDENCE: Evidence = {
  createdAt: Date.UTC(2026, 10, 2, 14),
  extensionVersion: '0.1.0',
  browser: { family: 'edge', major: 144 },
  profileVersion: 1,
  network: PROXY,
  email: SPAM,
};
const CODE = (() => {
  const encoded = encodeEvidence(EVIDENCE);
  if (!encoded.ok) throw new Error('fixture not encodable');
  return encoded.code;
})();

describe('the message for IT', () => {
  const findings = networkFindings(PROXY);
  const text = renderItMessage(findings, t, { format: 'text', code: CODE });

  it('names every missing entry with value, direction, protocol/port and purpose', () => {
    for (const entry of findings.flatMap((f) => f.entries)) {
      for (const value of entry.values) expect(text).toContain(value);
      expect(text).toContain(t(messageName('direction', entry.direction)));
      expect(text).toContain(t(messageName('entry', entry.entryId, 'purpose')));
    }
    expect(text).toContain('TCP 80');
    expect(text).toContain('HTTPS');
  });

  it('gives the fix in the detected product’s terms and ends with the diagnostic code', () => {
    expect(text).toContain('Zscaler');
    expect(text).toContain(`Diagnostic code: ${CODE}`);
    expect(text.split('\n')[0]).toBe(t('it_message_subject'));
  });

  it('renders the same content as Markdown', () => {
    const md = renderItMessage(findings, t, { format: 'markdown', code: CODE });
    expect(md).toMatch(/^\*\*Raftr access/);
    expect(md).toContain('### 1. ');
    expect(md).toContain(`\`${CODE}\``);
    expect(md).toContain('- **Fix:** ');
    for (const value of ENTRIES['raftr-domains'].values) expect(md).toContain(value);
  });

  it('says all clear, with no numbered problem, when nothing is wrong', () => {
    const clear = renderItMessage(networkFindings({ outcomes: ALL_OK }), t, { format: 'text' });
    expect(clear).toContain(t('it_message_all_clear'));
    expect(clear).not.toMatch(/^1\. /m);
  });

  it('renders an email finding’s remedies in the receiving system’s terms, when they have words', () => {
    const withRemedies = createTranslator({
      ...ENGLISH_CATALOG,
      remedy_microsoft_365_allow_senders: { message: 'Tenant Allow/Block List: allow $1.' },
    });
    const spam = emailFindings(SPAM);
    const remedies = spam.flatMap((f) => f.remedies);
    expect(remedies).toContainEqual({ system: 'microsoft-365', action: 'allow-senders' });
    const message = renderItMessage(spam, withRemedies, { format: 'text' });
    expect(message).toContain('In Microsoft 365: Tenant Allow/Block List: allow raftr.com');
    const md = renderItMessage(spam, withRemedies, { format: 'markdown' });
    expect(md).toContain('- **In Microsoft 365:** Tenant Allow/Block List: allow raftr.com');
  });

  it('leaves out a remedy that has no words yet rather than show a message name', () => {
    const bare = createTranslator(
      Object.fromEntries(
        Object.entries(ENGLISH_CATALOG).filter(([key]) => !key.startsWith('remedy_')),
      ),
    );
    const message = renderItMessage(emailFindings(SPAM), bare, { format: 'text' });
    expect(message).not.toMatch(/remedy_|In Microsoft 365:/);
    expect(describeFinding(emailFindings(SPAM)[0] as never, bare).remedies).toEqual([]);
  });
});

describe('a finding in words', () => {
  it("heads IT's entries as entries to allow, and a setting of the user's own mailbox as the addresses it concerns", () => {
    const [blocked] = emailFindings({ ...SPAM, filterVerdict: 'blocked-sender' });
    expect(blocked?.id).toBe('email-blocked-sender');
    expect(blocked?.entries.length).toBeGreaterThan(0);
    expect(describeFinding(blocked as never, t).entriesHeading).toBe(t('entries_heading_mailbox'));
    const [spam] = emailFindings(SPAM);
    expect(describeFinding(spam as never, t).entriesHeading).toBe(t('entries_heading'));
    expect(t('entries_heading_mailbox')).not.toBe(t('entries_heading'));
  });
});

describe('mailtoLink', () => {
  it('addresses the IT contact and carries subject and body intact (RFC 6068)', () => {
    const body = 'Line 1 & more\nLine 2: 100% ok?\n#3 = "yes"';
    const link = mailtoLink('it@example.edu', 'Raftr access: entries', body);
    expect(link.startsWith('mailto:it@example.edu?subject=')).toBe(true);
    const url = new URL(link);
    expect(url.searchParams.get('subject')).toBe('Raftr access: entries');
    expect(url.searchParams.get('body')).toBe(body.replace(/\n/g, '\r\n'));
    expect(link).not.toMatch(/[\s&]body=.*[\n ]/);
  });

  it('makes a link without an address when there is no IT contact', () => {
    expect(mailtoLink('', 'S', 'B')).toBe('mailto:?subject=S&body=B');
  });
});

describe('the evidence in words', () => {
  it('lists the general fields, each probe, the product and every email field', () => {
    const text = describeEvidence(EVIDENCE, t);
    expect(text.general.map((r) => r.field)).toEqual([
      'createdAt',
      'browser',
      'extensionVersion',
      'profileVersion',
    ]);
    expect(text.general[0]?.value).toBe('2026-11-02 14:00–15:00 UTC');
    expect(text.general[1]?.value).toBe('Microsoft Edge 144');
    expect(text.network?.map((r) => r.field)).toEqual([...PROBE_TARGET_IDS, 'product']);
    expect(text.network?.at(-1)?.value).toBe('Zscaler');
    expect(text.email?.map((r) => r.field)).toHaveLength(12);
    for (const row of [...text.general, ...(text.network ?? []), ...(text.email ?? [])]) {
      expect(row.label, row.field).not.toBe('');
      expect(row.value, row.field).not.toBe('');
    }
  });

  it('has words for every value of every enumeration a code can hold', () => {
    const keys = [
      ...PLACEMENTS.map((v) => messageName('diag_placement', v)),
      ...AUTH_VERDICTS.map((v) => messageName('diag_auth', v)),
      ...SENDING_IP_MATCHES.map((v) => messageName('diag_sending_ip', v)),
      ...FILTER_VERDICTS.map((v) => messageName('diag_filter', v)),
      ...DELAY_BANDS.map((v) => messageName('diag_delay', v)),
      ...ALLOW_OVERRIDES.map((v) => messageName('diag_allow', v)),
      'diag_forwarded_yes',
      'diag_forwarded_no',
      ...EMAIL_SOURCES.map((v) => messageName('diag_source', v)),
      ...MAIL_SYSTEMS.map((v) => messageName('mail_system', v)),
      ...BROWSER_FAMILIES.map((v) => messageName('browser', v)),
      'diag_error_typo',
      'diag_error_empty',
      'diag_error_length',
      'diag_error_character',
      'diag_error_range',
      'diag_error_unknown_version',
    ];
    for (const key of keys) expect(ENGLISH_CATALOG[key]?.message, key).toBeTruthy();
  });

  it('words the browser by family and version', () => {
    const browser = (family: Evidence['browser']['family'], major: number) =>
      describeEvidence({ ...EVIDENCE, browser: { family, major } }, t).general[1]?.value;
    expect(browser('chrome', 144)).toBe('Google Chrome 144');
    expect(browser('firefox', 0)).toBe('Firefox (version unknown)');
    expect(browser('other', 140)).toBe('Another browser (Chromium 140)');
  });

  it('formats the hour the code keeps, in UTC, across a day boundary', () => {
    expect(formatHourUtc(Date.UTC(2026, 11, 31, 23))).toBe('2026-12-31 23:00–00:00 UTC');
  });

  it('says a typo is a typo', () => {
    const typo = CODE.replace(/^./, (c) => (c === '0' ? '1' : '0'));
    const result = decodeCode(typo);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(t(result.messageKey, result.params)).toMatch(
      /^This code has a typo: check it with the user/,
    );
  });
});

describe('the decoded report', () => {
  it('holds the code, every check, every finding and the message for IT', () => {
    const findings = findingsFor(EVIDENCE);
    const report = renderDecodedReport(CODE, EVIDENCE, findings, t);
    expect(report).toContain(CODE);
    for (const id of PROBE_TARGET_IDS) expect(report).toContain(probeLabel(id, t));
    for (const finding of findings) expect(report).toContain(`[${finding.id}]`);
    expect(report).toContain(renderItMessage(findings, t, { format: 'text', code: CODE }));
  });
});
