/**
 * From headers (plus folder/labels and times from a mailbox API) to the email evidence, and the
 * paste-headers report. Fixture sources: tests/unit/fixtures/headers/SOURCES.md.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { translateEnglish } from '../../utils/catalogs';
import {
  analyzeMessage,
  authVerdictOf,
  delayBandOf,
  type ExplainReport,
  explainHeaders,
  filterVerdictOf,
  placementFromGmailLabels,
  placementFromGraphFolder,
  sendingIpMatch,
} from '../../utils/email/analysis';
import type { EmailEvidence } from '../../utils/email/evidence';
import { parseForefrontReport, parseHeaderBlock } from '../../utils/email/headers/parse';
import { readExchangeOnline } from '../../utils/email/headers/spam-headers';
import { ENTRIES } from '../../utils/profile';

/** The problems as the page shows them, in English. */
const said = (problems: readonly { id: string; params: string[] }[]) =>
  problems.map((p) => translateEnglish(p.id, p.params));
const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/headers/${name}`, import.meta.url), 'utf8');
const [IP_A, IP_B] = ENTRIES['sending-ips'].values as [string, string];
const ids = (report: ExplainReport) => report.findings.map((f) => f.id);

describe('placement', () => {
  it('maps Gmail labels (Gmail API labels guide; email.md)', () => {
    expect(placementFromGmailLabels(['SPAM', 'UNREAD'])).toBe('spam');
    expect(placementFromGmailLabels(['INBOX', 'CATEGORY_UPDATES', 'UNREAD'])).toBe('inbox');
    expect(placementFromGmailLabels(['TRASH'])).toBe('trash');
    expect(placementFromGmailLabels(['Label_12', 'UNREAD'])).toBe('archived');
    expect(placementFromGmailLabels([])).toBe('archived');
  });

  it('maps Graph well-known folders (and their display names)', () => {
    expect(placementFromGraphFolder('inbox')).toBe('inbox');
    expect(placementFromGraphFolder('junkemail')).toBe('spam');
    expect(placementFromGraphFolder('Junk Email')).toBe('spam');
    expect(placementFromGraphFolder('deleteditems')).toBe('trash');
    expect(placementFromGraphFolder('archive')).toBe('archived');
    expect(placementFromGraphFolder('Raftr')).toBe('archived');
  });
});

describe('filterVerdictOf (learn.microsoft.com/defender-office-365/message-headers-eop-mdo)', () => {
  /** Exchange Online's report as the analysis reads it: the verdict, and the override apart. */
  const read = (value: string) => {
    const reading = readExchangeOnline((name) =>
      name === 'X-Forefront-Antispam-Report' ? value : null,
    );
    return {
      verdict: filterVerdictOf(parseForefrontReport(value), reading?.verdict ?? null),
      override: reading?.override ?? null,
    };
  };
  const verdict = (value: string) => read(value).verdict;

  it('reads the blocked lists first', () => {
    expect(verdict('SFV:BLK;SCL:6;')).toBe('blocked-sender');
    expect(verdict('SFV:SKB;SCL:6;')).toBe('blocked-by-policy');
  });

  it('keeps an allow list apart from the verdict: no verdict of its own', () => {
    expect(read('SFV:SKA;SCL:-1;')).toEqual({ verdict: 'none', override: 'org-allow' });
    expect(read('SFV:SFE;SCL:-1;')).toEqual({ verdict: 'none', override: 'user-safe-sender' });
    expect(read('SFV:SKN;SCL:-1;')).toEqual({ verdict: 'none', override: 'org-allow' });
    expect(read('IPV:CAL;SCL:-1;SFV:NSPM;')).toEqual({ verdict: 'none', override: 'org-allow' });
  });

  it('then the content verdict, most severe first', () => {
    expect(verdict('SCL:9;SFV:SPM;CAT:HSPM;')).toBe('high-confidence-spam');
    expect(verdict('SCL:7;SFV:SPM;')).toBe('high-confidence-spam');
    expect(verdict('SCL:6;SFV:SPM;CAT:BULK;SRV:BULK;')).toBe('bulk');
    expect(verdict('SCL:5;SFV:SPM;CAT:SPM;')).toBe('spam');
    expect(verdict('SCL:5;SFV:SPM;CAT:PHSH;')).toBe('phish');
    expect(verdict('SCL:6;')).toBe('spam');
    expect(verdict('SFV:SKS;')).toBe('spam');
    expect(verdict('SCL:1;SFV:NSPM;CAT:NONE;')).toBe('not-spam');
    // SCL -1: filtering was skipped, which is not a verdict of "not spam".
    expect(verdict('SCL:-1;')).toBe('none');
    expect(verdict('CTRY:US;')).toBe('none');
  });

  it("takes any other filter's verdict as it is", () => {
    expect(filterVerdictOf(null, 'bulk')).toBe('bulk');
    expect(filterVerdictOf(null, null)).toBe('none');
  });
});

describe('verdict helpers', () => {
  it('folds authentication results (RFC 8601 §2.7, Microsoft bestguesspass)', () => {
    // RFC 8601's words kept apart: each calls for another answer (email/findings.ts).
    for (const word of [
      'pass',
      'fail',
      'softfail',
      'none',
      'neutral',
      'temperror',
      'permerror',
      'policy',
      'bestguesspass',
    ]) {
      expect(authVerdictOf(word)).toBe(word);
      expect(authVerdictOf(word.toUpperCase())).toBe(word);
    }
    expect(authVerdictOf('hardfail')).toBe('fail');
    expect(authVerdictOf('unknown')).toBe('unknown');
    expect(authVerdictOf('maybe')).toBe('unknown');
    expect(authVerdictOf(undefined)).toBe('unknown');
  });

  it('bands delays', () => {
    expect(delayBandOf(null)).toBe('unknown');
    expect(delayBandOf(-10 * 60_000)).toBe('unknown');
    expect(delayBandOf(-60_000)).toBe('under-1m');
    expect(delayBandOf(59_999)).toBe('under-1m');
    expect(delayBandOf(60_000)).toBe('under-15m');
    expect(delayBandOf(15 * 60_000 - 1)).toBe('under-15m');
    expect(delayBandOf(15 * 60_000)).toBe('over-15m');
  });

  it("matches the profile's sending IPs", () => {
    expect(sendingIpMatch(IP_A)).toBe('expected');
    expect(sendingIpMatch(IP_B)).toBe('expected');
    expect(sendingIpMatch('149.72.167.116')).toBe('other');
    expect(sendingIpMatch(null)).toBe('unknown');
  });
});

describe('analyzeMessage', () => {
  it('Gmail, inbox, through SendGrid: everything passes', () => {
    const evidence = analyzeMessage({
      headers: fixture('raftr-gmail-inbox.txt'),
      labelIds: ['INBOX', 'CATEGORY_UPDATES'],
      mailboxSystem: 'google-workspace',
    });
    expect(evidence).toEqual<EmailEvidence>({
      source: 'mailbox',
      placement: 'inbox',
      spf: 'pass',
      dkim: 'pass',
      dmarc: 'pass',
      sendingIp: 'expected',
      mailbox: 'google-workspace',
      gateway: 'unknown',
      filterVerdict: 'none',
      allowOverride: 'none',
      forwarded: false,
      delay: 'under-1m',
    });
  });

  it('Gmail API header list and SPAM label', () => {
    const fields = parseHeaderBlock(fixture('raftr-gmail-inbox.txt')).fields;
    const evidence = analyzeMessage({ headers: fields, labelIds: ['SPAM'] });
    expect(evidence).toMatchObject({
      placement: 'spam',
      mailbox: 'google-workspace',
      sendingIp: 'expected',
    });
  });

  it("Microsoft 365 junk: Microsoft's own verdict and the connecting IP", () => {
    const evidence = analyzeMessage({
      headers: fixture('raftr-m365-junk.txt'),
      folder: 'junkemail',
    });
    expect(evidence).toMatchObject({
      placement: 'spam',
      spf: 'pass',
      dkim: 'pass',
      dmarc: 'pass',
      sendingIp: 'expected',
      mailbox: 'microsoft-365',
      gateway: 'unknown',
      filterVerdict: 'spam',
    });
  });

  it('Proofpoint in front of Microsoft 365: origin past the gateway, SPF broken by it', () => {
    const evidence = analyzeMessage({
      headers: fixture('raftr-proofpoint-m365.txt'),
      folder: 'junkemail',
    });
    expect(evidence).toMatchObject({
      spf: 'softfail',
      dkim: 'pass',
      sendingIp: 'expected',
      mailbox: 'microsoft-365',
      gateway: 'proofpoint',
    });
  });

  it('Mimecast in front of Google Workspace', () => {
    const evidence = analyzeMessage({
      headers: fixture('raftr-mimecast-google.txt'),
      labelIds: ['INBOX'],
    });
    expect(evidence).toMatchObject({
      placement: 'inbox',
      spf: 'softfail',
      sendingIp: 'expected',
      mailbox: 'google-workspace',
      gateway: 'mimecast',
    });
  });

  it('an unrecognized relay in front shows as gateway "other"', () => {
    const edge =
      'Received: from mx.university.example (203.0.113.5) by BN2PEPF0000449A.mail.protection.outlook.com (10.167.243.104) with Microsoft SMTP Server id 15.20.8489.16; Tue, 3 Mar 2026 17:15:09 +0000';
    const relay = `Received: from o1.outbound-mail.sendgrid.net (o1.outbound-mail.sendgrid.net [${IP_B}]) by mx.university.example (Postfix) with ESMTPS id 1; Tue, 3 Mar 2026 17:15:08 +0000`;
    const results =
      'Authentication-Results: spf=softfail (sender IP is 203.0.113.5) smtp.mailfrom=em1234.raftr.com; dkim=pass (signature was verified) header.d=raftr.com;dmarc=pass action=none header.from=raftr.com;compauth=pass reason=100';
    // Where Exchange Online writes its results: above its edge hop.
    const headers = [results, edge, relay, 'From: no-reply@raftr.com'].join('\n');
    expect(analyzeMessage({ headers, folder: 'inbox' })).toMatchObject({
      sendingIp: 'expected',
      mailbox: 'microsoft-365',
      gateway: 'other',
      spf: 'softfail',
    });
    // Below the relay's own hop the same field was written before the recipient's systems had
    // the message (RFC 8601 §5): not the receiver's result, so SPF is unknown.
    const below = [edge, relay, results, 'From: no-reply@raftr.com'].join('\n');
    expect(analyzeMessage({ headers: below, folder: 'inbox' })).toMatchObject({
      sendingIp: 'expected',
      mailbox: 'microsoft-365',
      gateway: 'other',
      spf: 'unknown',
    });
  });

  it('an on-premises server that greylisted the message', () => {
    expect(analyzeMessage({ headers: fixture('raftr-postfix-greylisted.txt') })).toMatchObject({
      placement: 'inbox',
      mailbox: 'other',
      delay: 'over-15m',
    });
  });

  it("prefers the caller's send and arrival times", () => {
    const sentAt = Date.UTC(2026, 2, 3, 16, 0);
    const evidence = analyzeMessage({
      headers: fixture('raftr-gmail-inbox.txt'),
      sentAt,
      receivedAt: sentAt + 20 * 60_000,
    });
    expect(evidence.delay).toBe('over-15m');
  });

  it('a message that never arrived: mailbox and gateway from the MX records', () => {
    expect(
      analyzeMessage({
        placement: 'missing',
        mxSystem: 'mimecast',
        mailboxSystem: 'microsoft-365',
      }),
    ).toEqual({
      source: 'mailbox',
      placement: 'missing',
      spf: 'unknown',
      dkim: 'unknown',
      dmarc: 'unknown',
      sendingIp: 'unknown',
      mailbox: 'microsoft-365',
      gateway: 'mimecast',
      filterVerdict: 'none',
      allowOverride: 'none',
      forwarded: false,
      delay: 'unknown',
    });
    expect(analyzeMessage({ headers: null })).toMatchObject({
      placement: 'missing',
      mailbox: 'unknown',
    });
    // An unrecognized MX in front of a Microsoft 365 mailbox is an on-premises gateway.
    expect(
      analyzeMessage({ placement: 'missing', mxSystem: 'other', mailboxSystem: 'microsoft-365' })
        .gateway,
    ).toBe('other');
    expect(analyzeMessage({ placement: 'missing', mxSystem: 'google-workspace' })).toMatchObject({
      mailbox: 'google-workspace',
      gateway: 'unknown',
    });
  });

  it("does not count a gateway's connecting IP as the sending IP without hops", () => {
    const headers =
      'X-Forefront-Antispam-Report: CIP:148.163.150.14;SFV:NSPM;SCL:1;\nFrom: no-reply@raftr.com';
    expect(analyzeMessage({ headers, mxSystem: 'proofpoint' })).toMatchObject({
      sendingIp: 'unknown',
      gateway: 'proofpoint',
      mailbox: 'microsoft-365',
    });
    expect(analyzeMessage({ headers }).sendingIp).toBe('other');
  });

  it('takes the sending IPs from the profile', () => {
    for (const ip of ENTRIES['sending-ips'].values) {
      const headers = `Received: from o1.outbound-mail.sendgrid.net (o1.outbound-mail.sendgrid.net. [${ip}]) by mx.google.com with ESMTPS id x; Tue, 03 Mar 2026 09:15:07 -0800 (PST)`;
      expect(analyzeMessage({ headers }).sendingIp).toBe('expected');
    }
  });
});

describe('explainHeaders', () => {
  it('has the shape the CLI and the paste page use', () => {
    const report = explainHeaders(fixture('raftr-m365-junk.txt'));
    expect(Object.keys(report)).toEqual(
      expect.arrayContaining([
        'auth',
        'sendingIp',
        'sendingIpExpected',
        'placementHint',
        'receivingSystem',
        'gateway',
        'evidence',
        'findings',
        'problems',
      ]),
    );
    expect(report).toMatchObject({
      readable: true,
      auth: {
        spf: 'pass',
        dkim: 'pass',
        dmarc: 'pass',
        compauth: { result: 'pass', reason: '100' },
      },
      sendingIp: IP_B,
      sendingIpExpected: true,
      connectingIp: IP_B,
      placementHint: 'spam',
      receivingSystem: 'microsoft-365',
      gateway: 'unknown',
      filter: { scl: 5, sfv: 'SPM', cat: 'SPM', ipv: 'NLI', bcl: 3, cip: IP_B },
      filterVerdict: 'spam',
      sendgrid: true,
      from: 'no-reply@raftr.com',
      hops: 4,
      problems: [],
    });
    expect(report.evidence.source).toBe('pasted-headers');
    expect(ids(report)).toEqual(['email-in-spam']);
  });

  it('Gmail headers: inbox assumed, and said so', () => {
    const report = explainHeaders(fixture('raftr-gmail-inbox.txt'));
    expect(report).toMatchObject({
      placementHint: 'unknown',
      receivingSystem: 'google-workspace',
      sendingIp: IP_A,
      sendingIpExpected: true,
      delayMs: 2000,
    });
    expect(ids(report)).toEqual(['email-delivered']);
    expect(said(report.problems).join(' ')).toMatch(/which folder/);
    expect(ids(explainHeaders(fixture('raftr-gmail-inbox.txt'), { placement: 'spam' }))).toEqual([
      'email-in-spam',
    ]);
  });

  it('Proofpoint in front: the gateway breaks SPF and the message is in junk', () => {
    const report = explainHeaders(fixture('raftr-proofpoint-m365.txt'));
    expect(report).toMatchObject({
      sendingIp: IP_A,
      sendingIpExpected: true,
      connectingIp: '148.163.150.14',
      gateway: 'proofpoint',
      receivingSystem: 'microsoft-365',
    });
    expect(ids(report)).toEqual(['email-in-spam', 'email-gateway-breaks-spf']);
  });

  it("Mimecast in front of Gmail, the user's own Blocked Senders, greylisting, failed authentication", () => {
    expect(ids(explainHeaders(fixture('raftr-mimecast-google.txt')))).toEqual([
      'email-gateway-breaks-spf',
    ]);
    expect(ids(explainHeaders(fixture('raftr-m365-blocked-sender.txt')))).toEqual([
      'email-blocked-sender',
    ]);
    expect(ids(explainHeaders(fixture('raftr-postfix-greylisted.txt')))).toEqual(['email-delayed']);
    const failed = explainHeaders(fixture('raftr-gmail-auth-failed.txt'), { placement: 'spam' });
    expect(failed.auth).toMatchObject({ spf: 'softfail', dkim: 'fail', dmarc: 'fail' });
    expect(ids(failed)).toEqual(['email-in-spam', 'email-auth-failed']);
    expect(failed.findings[1]?.system).toBe('raftr');
  });

  it("real Outlook paste (bugalert#38): another SendGrid customer's IP, bestguesspass", () => {
    const report = explainHeaders(fixture('outlook-bugalert-38.txt'));
    expect(report).toMatchObject({
      auth: { spf: 'pass', dkim: 'pass', dmarc: 'bestguesspass', authservId: null },
      sendingIp: '149.72.167.116',
      sendingIpExpected: false,
      receivingSystem: 'microsoft-365',
      hops: 3,
    });
  });

  it('real one-line paste (postsrsd#101) and Gmail excerpts (mailserver#61, github-gmail#86)', () => {
    expect(explainHeaders(fixture('outlook-postsrsd-101-one-line.txt'))).toMatchObject({
      auth: { spf: 'none', dkim: 'pass', dmarc: 'pass', authservId: 'outlook.com' },
      sendingIp: '136.243.169.56',
      receivingSystem: 'microsoft-365',
    });
    expect(explainHeaders(fixture('gmail-mailserver-61.txt'))).toMatchObject({
      auth: { spf: 'pass', dkim: 'pass', dmarc: 'unknown', authservId: 'mx.google.com' },
      sendingIp: '163.172.52.11',
      receivingSystem: 'google-workspace',
    });
    const arcOnly = explainHeaders(fixture('gmail-github-gmail-86.txt'));
    expect(arcOnly.auth).toMatchObject({ spf: 'unknown', dkim: 'unknown', dmarc: 'unknown' });
    expect(said(arcOnly.problems).join(' ')).toMatch(/no Authentication-Results/);
  });

  it('reads DKIM for the From domain (RFC 8601 B.6) and flags a sender other than Raftr', () => {
    const report = explainHeaders(fixture('rfc8601-b6-multitiered.txt'));
    expect(report.auth.dkim).toBe('fail');
    expect(said(report.problems).join(' ')).toMatch(
      /not from Raftr \(From: sender@newyork\.example\.com\)/,
    );
  });

  it('unreadable input gives a problem, no evidence-based findings, and never throws', () => {
    for (const input of [
      '',
      '\u0000\u0001\u0002\u0003'.repeat(50),
      'just some words',
      // Field-shaped lines that are not a message's headers: a link, a note, the visible lines.
      'https://mail.google.com/mail/u/0/#inbox/FMfcgzQXJkq',
      'Note: the Raftr email never came',
      'From: Raftr <no-reply@raftr.com>\nSubject: Verify your email\nTo: me@example.edu',
      undefined as unknown as string,
    ]) {
      const report = explainHeaders(input);
      expect(report.readable).toBe(false);
      expect(report.findings).toEqual([]);
      expect(report.problems.length).toBeGreaterThan(0);
    }
  });

  it('headers without Authentication-Results or Received say what is missing', () => {
    const report = explainHeaders(
      'Return-Path: <bounces+123@em1234.raftr.com>\nFrom: Raftr <no-reply@raftr.com>\nSubject: hi\nDate: Tue, 3 Mar 2026 17:15:05 +0000\n',
    );
    expect(report.readable).toBe(true);
    expect(said(report.problems).join(' ')).toMatch(/no Authentication-Results/);
    expect(said(report.problems).join(' ')).toMatch(/no Received/);
  });

  it('reads a 1 MB paste up to its cap, and says so', () => {
    const paste = `${fixture('raftr-proofpoint-m365.txt')}\n${'x'.repeat(1_100_000)}`;
    const report = explainHeaders(paste);
    expect(report.gateway).toBe('proofpoint');
    expect(said(report.problems).join(' ')).toMatch(/only the first \d+ were read/);
  });

  it('never throws, whatever is pasted', () => {
    const pieces = fc.constantFrom(
      ...fixture('raftr-proofpoint-m365.txt').split('\n'),
      ...fixture('raftr-gmail-inbox.txt').split('\n'),
      '',
      '(',
      '[',
      ';',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.array(pieces, { maxLength: 60 }).map((l) => l.join('\n')),
        ),
        (text) => {
          const report = explainHeaders(text);
          expect(Array.isArray(report.problems)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
