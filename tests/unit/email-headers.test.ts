/**
 * Header parsers against published samples. Every fixture's source is listed in
 * tests/unit/fixtures/headers/SOURCES.md; inline samples cite theirs next to them.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { translateEnglish } from '../../utils/catalogs';
import {
  decodeEncodedWords,
  headerValues,
  ipInSpfText,
  isIpv6,
  isPrivateIp,
  MAX_HEADER_INPUT_CHARS,
  normalizeHeaderFields,
  parseAuthenticationResults,
  parseForefrontReport,
  parseHeaderBlock,
  parseMailAddress,
  parseMailboxDelivery,
  parseMailDate,
  parseMicrosoftAntispam,
  parseReceived,
  parseReceivedSpf,
  readMessageHeaders,
  receivedFor,
  trustedAuthResults,
} from '../../utils/email/headers/parse';

/** The problems as the page shows them, in English. */
const said = (problems: readonly { id: string; params: string[] }[]) =>
  problems.map((p) => translateEnglish(p.id, p.params));
const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/headers/${name}`, import.meta.url), 'utf8');

describe('parseHeaderBlock', () => {
  it('unfolds continuation lines and stops at the body (RFC 8601 B.3)', () => {
    const { fields, problems } = parseHeaderBlock(fixture('rfc8601-b3-spf.txt'));
    expect(fields.map((f) => f.name)).toEqual([
      'Authentication-Results',
      'Received',
      'From',
      'Date',
      'To',
      'Message-Id',
      'Subject',
    ]);
    expect(fields[0]?.value).toBe('example.com;          spf=pass smtp.mailfrom=example.net');
    expect(problems).toEqual([]);
  });

  it('reads CRLF, LF and CR line ends alike, and skips a leading mbox "From " line', () => {
    const lf = fixture('raftr-gmail-inbox.txt');
    const expected = parseHeaderBlock(lf).fields;
    expect(parseHeaderBlock(lf.replace(/\n/g, '\r\n')).fields).toEqual(expected);
    expect(parseHeaderBlock(lf.replace(/\n/g, '\r')).fields).toEqual(expected);
    const mbox = `From MAILER-DAEMON Tue Mar  3 17:15:07 2026\r\n${lf.replace(/\n/g, '\r\n')}`;
    expect(parseHeaderBlock(mbox).fields).toEqual(expected);
  });

  it('keeps reading across the blank lines Outlook on the web puts between fields (bugalert#38)', () => {
    const { fields, problems } = parseHeaderBlock(fixture('outlook-bugalert-38.txt'));
    expect(fields.map((f) => f.name)).toEqual([
      'Received',
      'Received',
      'Received',
      'Authentication-Results',
      'Received-SPF',
    ]);
    expect(problems).toEqual([]);
  });

  it('splits a header block that lost its line breaks (postsrsd#101)', () => {
    const { fields, problems } = parseHeaderBlock(fixture('outlook-postsrsd-101-one-line.txt'));
    expect(fields.map((f) => f.name)).toEqual([
      'Received',
      'Received',
      'Authentication-Results',
      'Received-SPF',
      'Received',
    ]);
    expect(fields[2]?.value).toMatch(/^spf=none \(sender IP is 136\.243\.169\.56\)/);
    expect(said(problems).join(' ')).toMatch(/one line/);
  });

  it('does not split a Subject that merely contains "Date: " and "To: "', () => {
    const { fields } = parseHeaderBlock(
      'Subject: Meeting Date: Monday To: all\nReceived: by x; Tue, 3 Mar 2026 17:15:07 +0000\n',
    );
    expect(fields[0]).toEqual({ name: 'Subject', value: 'Meeting Date: Monday To: all' });
  });

  it('skips Gmail\'s "Show original" summary table and reads the headers under it', () => {
    const page = fixture('gmail-show-original-summary.txt') + fixture('raftr-gmail-inbox.txt');
    const { fields, problems } = parseHeaderBlock(page);
    expect(headerValues(fields, 'Received')).toHaveLength(4);
    expect(headerValues(fields, 'Authentication-Results')).toHaveLength(1);
    expect(problems).toEqual([{ id: 'headers_problem_skipped_lines', params: ['4', '1'] }]);
    expect(said(problems)).toEqual([
      '4 line(s) that are not header fields were skipped (the first is line 1).',
    ]);
  });

  it('reports pasted junk between fields without losing the fields', () => {
    const { fields, problems } = parseHeaderBlock(
      'Hi IT, here are the headers:\nReceived: by a; Tue, 3 Mar 2026 17:15:07 +0000\n-- \nFrom: x@raftr.com\n',
    );
    expect(fields.map((f) => f.name)).toEqual(['Received', 'From']);
    expect(said(problems)[0]).toMatch(/^2 line\(s\)/);
  });

  it('reports empty, non-text and binary input instead of throwing', () => {
    expect(parseHeaderBlock('')).toEqual({
      fields: [],
      problems: [{ id: 'headers_problem_no_fields', params: [] }],
    });
    expect(parseHeaderBlock('   \n\n\t\n').fields).toEqual([]);
    const notText = [{ id: 'headers_problem_not_text', params: [] }];
    expect(parseHeaderBlock(undefined).problems).toEqual(notText);
    expect(parseHeaderBlock(42).problems).toEqual(notText);
    // A PNG signature and IHDR chunk, as if an image had been pasted.
    const png =
      '\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00';
    const binary = parseHeaderBlock(png);
    expect(binary.fields).toEqual([]);
    expect(said(binary.problems).join(' ')).toMatch(/binary data/);
  });

  it('reads only the first 256 KB of a 1 MB paste, quickly', () => {
    const body = 'lorem ipsum dolor sit amet '.repeat(40_000);
    const paste = `${fixture('raftr-m365-junk.txt')}\n${body}`;
    expect(paste.length).toBeGreaterThan(1_000_000);
    const started = performance.now();
    const { fields, problems } = parseHeaderBlock(paste);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(headerValues(fields, 'X-Forefront-Antispam-Report')).toHaveLength(1);
    expect(said(problems)[0]).toMatch(new RegExp(`only the first ${MAX_HEADER_INPUT_CHARS}`));
  });

  it('survives a 1 MB paste of header-shaped lines and one giant folded field', () => {
    const manyFields = 'X-Junk: aaaaaaaaaaaaaaaaaaaa\n'.repeat(40_000);
    const giant = `Received: from a${' (b'.repeat(200_000)}\n`;
    const started = performance.now();
    expect(parseHeaderBlock(manyFields).fields.length).toBeGreaterThan(1000);
    expect(parseReceived(parseHeaderBlock(giant).fields[0]?.value ?? '').helo).toBe('a');
    expect(performance.now() - started).toBeLessThan(2000);
  });
});

describe('parseHeaderBlock: what pasting does to a header block', () => {
  const names = (raw: string) => parseHeaderBlock(raw).fields.map((f) => f.name);

  it('reads a block quoted in a reply ("> ") and one inside Markdown backticks', () => {
    // github.com/RainLoop/rainloop-webmail/issues/950 (quoted), akvo/akvo-rsr#397 (inline code).
    const quoted = parseHeaderBlock(
      '> Authentication-Results: grid.kura.io; spf=pass smtp.mailfrom=a@gmail.com\n> Authentication-Results: grid.kura.io/C7;\n>     dkim=pass header.d=gmail.com',
    ).fields;
    expect(quoted).toEqual([
      { name: 'Authentication-Results', value: 'grid.kura.io; spf=pass smtp.mailfrom=a@gmail.com' },
      { name: 'Authentication-Results', value: 'grid.kura.io/C7;    dkim=pass header.d=gmail.com' },
    ]);
    expect(
      names(
        '`Received-SPF: neutral client-ip=192.0.2.1;\nAuthentication-Results: mx.google.com;\n spf=neutral smtp.mail=a@a.example`',
      ),
    ).toEqual(['Received-SPF', 'Authentication-Results']);
  });

  it("reads syslog's #012 line breaks, the MHA table and a double-spaced copy", () => {
    const syslog = parseHeaderBlock(
      'Authentication-Results: spf=pass (sender IP is 192.0.2.1)#012 smtp.mailfrom=a.example; b.example; dkim=pass (signature was#012 verified) header.d=a.example',
    ).fields;
    expect(syslog).toHaveLength(1);
    expect(syslog[0]?.value).toMatch(/was verified\) header\.d=a\.example$/);
    expect(
      names(
        '`1\tMIME-Version\t1.0\n2\tReceived\tfrom a (192.0.2.1) by b; Tue, 3 Mar 2026 17:15:07 +0000',
      ),
    ).toEqual(['MIME-Version', 'Received']);
    const doubled = parseHeaderBlock(
      'Received: from a.example\n\n (192.0.2.1) by b.example; Tue, 3 Mar\n\n 2026 17:15:07 +0000\n\nAuthentication-Results: spf=pass (s',
    ).fields;
    expect(doubled.map((f) => f.name)).toEqual(['Received', 'Authentication-Results']);
    expect(parseReceived(doubled[0]?.value ?? '').ip).toBe('192.0.2.1');
  });

  it('reads a block that lost its folding (continuation lines at column 0)', () => {
    // github.com/forwardemail/free-email-forwarding/issues/214, as stored by the issue index.
    const fields = parseHeaderBlock(
      [
        'Received: from AM7PR07MB6264.eurprd07.prod.outlook.com (2603:10a6:4:3f::44) by',
        'DB6PR07MB4245.eurprd07.prod.outlook.com with HTTPS via',
        'DB6PR0201CA0034.EURPRD02.PROD.OUTLOOK.COM; Mon, 20 Apr 2020 07:48:41 +0000',
        'Authentication-Results: spf=pass (sender IP is 209.85.167.171)',
        'smtp.mailfrom=diwala.io; dataforeningen.no; dkim=none (message not signed)',
        'header.d=none;dataforeningen.no; dmarc=none action=none',
      ].join('\n'),
    ).fields;
    expect(fields.map((f) => f.name)).toEqual(['Received', 'Authentication-Results']);
    expect(parseReceived(fields[0]?.value ?? '').by).toBe(
      'db6pr07mb4245.eurprd07.prod.outlook.com',
    );
    expect(
      parseAuthenticationResults(fields[1]?.value ?? '').results.map(
        (r) => `${r.method}=${r.result}`,
      ),
    ).toEqual(['spf=pass', 'dkim=none', 'dmarc=none']);
  });

  it('reads the value of an Authentication-Results field pasted without its name', () => {
    // github.com/hardware/mailserver/issues/91.
    expect(
      parseHeaderBlock(
        '`mx.google.com; dkim=fail header.i=@domain.tld; spf=pass smtp.mailfrom=user@domain.tld`',
      ),
    ).toEqual({
      fields: [
        {
          name: 'Authentication-Results',
          value:
            'mx.google.com; dkim=fail header.i=@domain.tld; spf=pass smtp.mailfrom=user@domain.tld',
        },
      ],
      problems: [],
    });
  });
});

describe('normalizeHeaderFields (Gmail payload.headers, Graph internetMessageHeaders)', () => {
  it('unfolds values and drops malformed entries', () => {
    expect(
      normalizeHeaderFields([
        { name: 'Received', value: 'from a\r\n by b; Tue, 3 Mar 2026 17:15:07 +0000' },
        { name: 'X' },
        null,
        'Subject: nope',
        { name: 'Subject', value: ' hi ' },
      ]),
    ).toEqual([
      { name: 'Received', value: 'from a by b; Tue, 3 Mar 2026 17:15:07 +0000' },
      { name: 'Subject', value: 'hi' },
    ]);
    expect(normalizeHeaderFields('not a list')).toEqual([]);
  });
});

describe('parseAuthenticationResults', () => {
  it('reads RFC 8601 B.2 "no result"', () => {
    // RFC 8601 Appendix B.2: Authentication-Results: example.org 1; none
    expect(parseAuthenticationResults('example.org 1; none')).toEqual({
      authservId: 'example.org',
      results: [],
      dialect: 'rfc8601',
    });
  });

  it('reads RFC 8601 B.6: reasons as quoted strings, two DKIM results', () => {
    const value = headerValues(
      parseHeaderBlock(fixture('rfc8601-b6-multitiered.txt')).fields,
      'Authentication-Results',
    )[0] as string;
    const parsed = parseAuthenticationResults(value);
    expect(parsed.authservId).toBe('example.com');
    expect(parsed.results).toEqual([
      {
        method: 'dkim',
        result: 'pass',
        reason: 'good signature',
        comments: [],
        props: { 'header.i': '@mail-router.example.net' },
      },
      {
        method: 'dkim',
        result: 'fail',
        reason: 'bad signature',
        comments: [],
        props: { 'header.i': '@newyork.example.com' },
      },
    ]);
  });

  it("reads Gmail's dialect: comments, quoted values containing '=' (github-gmail#86)", () => {
    const arc = headerValues(
      parseHeaderBlock(fixture('gmail-github-gmail-86.txt')).fields,
      'ARC-Authentication-Results',
    )[0] as string;
    // ARC-Authentication-Results is "i=N; " + an Authentication-Results value (RFC 8617 §4.1.1).
    const parsed = parseAuthenticationResults(arc.replace(/^i=\d+;\s*/, ''));
    expect(parsed.authservId).toBe('mx.google.com');
    expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual([
      'dkim=pass',
      'dkim=pass',
      'spf=pass',
      'dmarc=pass',
    ]);
    expect(parsed.results[0]?.props).toEqual({
      'header.i': '@finami.mx',
      'header.s': 'esputnik',
      'header.b': 'PR+cH4/R',
    });
    expect(parsed.results[2]?.props['smtp.mailfrom']).toBe(
      'bounce+3-adrianalara280824=gmail.com@send.finami.mx',
    );
    expect(parsed.results[2]?.comments[0]).toMatch(/designates 52\.48\.123\.228 as permitted/);
    expect(parsed.results[3]?.comments).toEqual(['p=REJECT sp=REJECT dis=NONE']);
  });

  it("reads Microsoft's dialect: receiving domain after the first result, compauth (email.md)", () => {
    // shared/reference/email.md, from learn.microsoft.com/defender-office-365/message-headers-eop-mdo
    const parsed = parseAuthenticationResults(
      'spf=softfail (sender IP is 148.163.150.14) smtp.mailfrom=gmail.com; contoso.com; dkim=pass (signature was verified) header.d=gmail.com;contoso.com; dmarc=pass action=none header.from=gmail.com;compauth=pass reason=100',
    );
    expect(parsed.dialect).toBe('microsoft');
    expect(parsed.authservId).toBe('contoso.com');
    expect(parsed.results.map((r) => [r.method, r.result, r.reason])).toEqual([
      ['spf', 'softfail', null],
      ['dkim', 'pass', null],
      ['dmarc', 'pass', null],
      ['compauth', 'pass', '100'],
    ]);
    expect(parsed.results[0]?.comments).toEqual(['sender IP is 148.163.150.14']);
    expect(parsed.results[2]?.props).toEqual({ action: 'none', 'header.from': 'gmail.com' });
  });

  it("reads Microsoft's form without any receiving domain (bugalert#38)", () => {
    const value = headerValues(
      parseHeaderBlock(fixture('outlook-bugalert-38.txt')).fields,
      'Authentication-Results',
    )[0] as string;
    const parsed = parseAuthenticationResults(value);
    expect(parsed).toMatchObject({ authservId: null, dialect: 'microsoft' });
    expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual([
      'spf=pass',
      'dkim=pass',
      'dmarc=bestguesspass',
      'compauth=pass',
    ]);
  });

  it("reads Yahoo's properties-first layout, and several results in one segment", () => {
    // Yahoo's older Authentication-Results (github.com/M66B/FairEmail issues, yahoo-mta sample).
    const parsed = parseAuthenticationResults(
      'mta1192.mail.ir2.yahoo.com header.i=@plezi.co header.s=s1 dkim=pass (ok) header.i=@sendgrid.info header.s=smtpapi dkim=pass (ok); spfDomain=emails.plezi.co spfResult=pass; dmarc=success(p=none) header.from=plezi.co',
    );
    expect(parsed.authservId).toBe('mta1192.mail.ir2.yahoo.com');
    expect(parsed.results.map((r) => [r.method, r.result, r.props])).toEqual([
      ['dkim', 'pass', { 'header.i': '@plezi.co', 'header.s': 's1' }],
      ['dkim', 'pass', { 'header.i': '@sendgrid.info', 'header.s': 'smtpapi' }],
      ['spf', 'pass', { 'smtp.mailfrom': 'emails.plezi.co' }],
      ['dmarc', 'pass', { 'header.from': 'plezi.co' }],
    ]);
    expect(
      parseAuthenticationResults('a.example; dkim=dkim_pass header.i=@a.example').results[0]
        ?.result,
    ).toBe('pass');
  });

  it('keeps the result before a comment that was cut off (mailserver#61)', () => {
    const value = headerValues(
      parseHeaderBlock(fixture('gmail-mailserver-61.txt')).fields,
      'Authentication-Results',
    )[0] as string;
    const parsed = parseAuthenticationResults(value);
    expect(parsed.results.map((r) => `${r.method}=${r.result}`)).toEqual(['dkim=pass', 'spf=pass']);
    expect(parsed.results[1]?.comments[0]).toMatch(/^google\.com: domain of/);
  });
});

describe('trustedAuthResults', () => {
  const authValues = (name: string) =>
    headerValues(parseHeaderBlock(fixture(name)).fields, 'Authentication-Results');

  it('reads every field of the receiving ADMD at the top (RFC 8601 B.5)', () => {
    const trusted = trustedAuthResults(authValues('rfc8601-b5-multiple.txt'));
    expect(trusted?.authservId).toBe('example.com');
    expect(trusted?.fieldsRead).toBe(2);
    expect(trusted?.results.map((r) => `${r.method}=${r.result}`)).toEqual([
      'sender-id=fail',
      'dkim=pass',
      'auth=pass',
      'spf=fail',
    ]);
  });

  it("ignores results stamped by an earlier ADMD (RFC 8601 B.6's example.net)", () => {
    const trusted = trustedAuthResults(authValues('rfc8601-b6-multitiered.txt'));
    expect(trusted).toMatchObject({ authservId: 'example.com', fieldsRead: 1, fieldsIgnored: 1 });
  });

  it("ignores a pass forged below the receiver's own field", () => {
    const trusted = trustedAuthResults([
      'mx.google.com; spf=softfail smtp.mailfrom=raftr.com; dmarc=fail header.from=raftr.com',
      'mx.evil.example; spf=pass smtp.mailfrom=raftr.com; dmarc=pass header.from=raftr.com',
    ]);
    expect(trusted?.results.map((r) => r.result)).toEqual(['softfail', 'fail']);
    expect(trustedAuthResults([])).toBeNull();
  });
});

describe('parseReceived', () => {
  it("reads Gmail's hop: HELO, reverse DNS and the bracketed address (mailserver#61)", () => {
    const value = headerValues(
      parseHeaderBlock(fixture('gmail-mailserver-61.txt')).fields,
      'Received',
    )[1];
    expect(parseReceived(value as string)).toEqual({
      helo: 'mail.shuguenot.fr',
      rdns: 'mail.shuguenot.fr',
      ip: '163.172.52.11',
      by: 'mx.google.com',
      with: 'ESMTPS',
      time: Date.UTC(2016, 10, 18, 11, 29, 31),
      sendgrid: false,
    });
  });

  it("reads Microsoft's hop: the parenthesised address, not the receiver's own (postsrsd#101)", () => {
    const fields = parseHeaderBlock(fixture('outlook-postsrsd-101-one-line.txt')).fields;
    const edge = parseReceived(headerValues(fields, 'Received')[2] as string);
    expect(edge).toMatchObject({
      helo: 'mx1.emailforward.mx',
      rdns: null,
      ip: '136.243.169.56',
      by: 'vi1eur05ft036.mail.protection.outlook.com',
      time: null,
    });
    const internal = parseReceived(headerValues(fields, 'Received')[1] as string);
    expect(internal.ip).toBe('2a01:111:e400:fc12::3c');
    expect(internal.time).toBe(Date.UTC(2020, 2, 1, 20, 10, 55));
  });

  it("reads RFC 8601's sendmail hop and its month-first date (B.3)", () => {
    const value = headerValues(
      parseHeaderBlock(fixture('rfc8601-b3-spf.txt')).fields,
      'Received',
    )[0];
    expect(parseReceived(value as string)).toMatchObject({
      helo: 'dialup-1-2-3-4.example.net',
      rdns: 'dialup-1-2-3-4.example.net',
      ip: '192.0.2.200',
      by: 'mail-router.example.com',
      with: 'ESMTP',
      time: Date.UTC(2002, 1, 16, 1, 19, 7),
    });
  });

  it("marks SendGrid's own hops and reads their date without a ';'", () => {
    const received = headerValues(
      parseHeaderBlock(fixture('raftr-gmail-inbox.txt')).fields,
      'Received',
    );
    const sg = parseReceived(received[3] as string);
    expect(sg).toMatchObject({ helo: 'mtaxnja', ip: null, by: 'geopod-ismtpd-3', sendgrid: true });
    expect(sg.time).toBe(Date.UTC(2026, 2, 3, 17, 15, 5));
  });

  it('reads Postfix, Exim and IPv6 literal forms (RFC 5321 §4.1.3)', () => {
    expect(
      parseReceived(
        'from helo.example (unknown [203.0.113.9]) by mx.example.org (Postfix) with ESMTP id X; Tue, 3 Mar 2026 17:15:07 +0000',
      ),
    ).toMatchObject({ helo: 'helo.example', rdns: null, ip: '203.0.113.9', by: 'mx.example.org' });
    expect(
      parseReceived(
        'from [198.51.100.7] (helo=mail.example.net) by mx.example.org with esmtps (Exim 4.96) id 1abc; Tue, 03 Mar 2026 17:15:07 +0000',
      ),
    ).toMatchObject({ helo: 'mail.example.net', ip: '198.51.100.7', with: 'esmtps' });
    expect(
      parseReceived(
        'from mail.example.net (mail.example.net [IPv6:2001:db8::25]) by mx.example.org; Tue, 3 Mar 2026 17:15:07 +0000',
      ).ip,
    ).toBe('2001:db8::25');
  });
});

describe('the address the receiver saw and the recipient a hop was for', () => {
  it('prefers the address in the comment to a literal HELO (RFC 5321 §4.4 TCP-info)', () => {
    // github.com/vstakhov/rmilter issues: an authenticated submission from behind NAT.
    expect(
      parseReceived(
        'from [192.168.1.196] (host-126-6-5-39.la.net [126.6.5.39]) (Authenticated sender: serg@domain.com) by zm.domain.com (Postfix) with ESMTPSA id 0267A8009F for <serg@domain.com>; Wed, 17 Feb 2016 20:15:21 +0200 (EET)',
      ),
    ).toMatchObject({ ip: '126.6.5.39', rdns: 'host-126-6-5-39.la.net' });
  });

  it('reads the "for" clause', () => {
    expect(
      receivedFor(
        `${'from a (a [192.0.2.1]) by mx.google.com with ESMTPS id x'} for <Student@University.example> (version=TLS1_3); Tue, 03 Mar 2026 09:15:07 -0800`,
      ),
    ).toBe('student@university.example');
    expect(receivedFor('from a by b; Tue, 03 Mar 2026 09:15:07 -0800')).toBeNull();
  });

  it('reads the address out of the SPF comments receivers write', () => {
    expect(ipInSpfText('sender IP is 192.0.2.1')).toBe('192.0.2.1');
    expect(ipInSpfText('google.com: domain of a@b designates 192.0.2.2 as permitted sender')).toBe(
      '192.0.2.2',
    );
    expect(
      ipInSpfText('domain of transitioning b does not designate 192.0.2.3 as permitted sender'),
    ).toBe('192.0.2.3');
    expect(
      ipInSpfText('domain of transitioning b discourages use of 192.0.2.4 as permitted sender'),
    ).toBe('192.0.2.4');
    expect(
      ipInSpfText('google.com: 192.0.2.5 is neither permitted nor denied by domain of a@b'),
    ).toBe('192.0.2.5');
    expect(ipInSpfText('designates 89.38.xxx.xxx as permitted sender')).toBeNull();
  });
});

describe('parseReceivedSpf', () => {
  it('reads the RFC 7208 §9.1 examples', () => {
    // RFC 7208 §9.1, first example.
    expect(
      parseReceivedSpf(
        'pass (mybox.example.org: domain of myname@example.com designates 192.0.2.1 as permitted sender) receiver=mybox.example.org; client-ip=192.0.2.1; envelope-from="myname@example.com"; helo=foo.example.com;',
      ),
    ).toEqual({
      result: 'pass',
      clientIp: '192.0.2.1',
      helo: 'foo.example.com',
      envelopeFrom: 'myname@example.com',
      receiver: 'mybox.example.org',
    });
    // RFC 7208 §9.1, second example.
    expect(
      parseReceivedSpf(
        'fail (mybox.example.org: domain of myname@example.com does not designate 192.0.2.1 as permitted sender) identity=mailfrom; client-ip=192.0.2.1; envelope-from="myname@example.com";',
      ),
    ).toMatchObject({ result: 'fail', clientIp: '192.0.2.1' });
  });

  it("reads Microsoft's form (bugalert#38)", () => {
    const value = headerValues(
      parseHeaderBlock(fixture('outlook-bugalert-38.txt')).fields,
      'Received-SPF',
    )[0];
    expect(parseReceivedSpf(value as string)).toMatchObject({
      result: 'pass',
      clientIp: '149.72.167.116',
      receiver: 'protection.outlook.com',
    });
  });
});

describe("Microsoft's anti-spam headers", () => {
  it("reads Microsoft Learn's example fields", () => {
    // learn.microsoft.com/defender-office-365/message-headers-eop-mdo: "...CTRY:;LANG:hr;SCL:1;SRV:;IPV:NLI;SFV:NSPM;PTR:;SFTY:;..."
    expect(
      parseForefrontReport('CTRY:;LANG:hr;SCL:1;SRV:;IPV:NLI;SFV:NSPM;PTR:;SFTY:;'),
    ).toMatchObject({
      cip: null,
      ipv: 'NLI',
      sfv: 'NSPM',
      scl: 1,
      cat: null,
      srv: null,
    });
  });

  it('keeps the first of a repeated key and reads SCL -1 and IPV:CAL', () => {
    // github.com/bwya77/O365-Admin-Center/issues/12 (X-Forefront-Antispam-Report-Untrusted, shortened).
    const report = parseForefrontReport(
      'CIP:52.169.0.179;IPV:CAL;SCL:-1;CTRY:US;EFV:NLI;SFV:NSPM;SFS:(10009020)(346002);DIR:OUT;SFP:1101;SCL:1;SRVR:VI1PR0401MB2336;H:eu2.smtp.exclaimer.net;FPR:;SPF:Fail;LANG:nl;PTR:eu2.smtp.exclaimer.net;A:1;MX:1;',
    );
    expect(report).toMatchObject({ cip: '52.169.0.179', ipv: 'CAL', scl: -1, sfv: 'NSPM' });
    expect(report.fields.SFS).toBe('(10009020)(346002)');
  });

  it('reads an IPv6 CIP and the BCL', () => {
    expect(
      parseForefrontReport('CIP:2a01:111:f400:7e1a::205;SCL:5;SFV:SPM;CAT:BULK;SRV:BULK;').cip,
    ).toBe('2a01:111:f400:7e1a::205');
    expect(parseMicrosoftAntispam('BCL:7;ARA:13230040|4022899009;')).toEqual({ bcl: 7 });
    expect(parseMicrosoftAntispam('ARA:1')).toEqual({ bcl: null });
  });

  it('reads where Exchange delivered it (microsoft-365-docs#1067)', () => {
    expect(
      parseMailboxDelivery(
        'abwl:0;wl:0;pcwl:0;kl:0;iwl:0;dwl:0;dkl:0;rwl:0;ucf:0;jmr:0;ex:0;auth:1;dest:J;OFR:SpamFilterAuthJ;ENG:(5062000261)(5061607266);RF:JunkEmail;',
      ),
    ).toEqual({ dest: 'J', rf: 'JunkEmail' });
  });
});

describe('parseMailDate', () => {
  it('reads RFC 5322 dates, obsolete zones and two-digit years (RFC 5322 §3.3, §4.3)', () => {
    // RFC 5322 Appendix A.1.1.
    expect(parseMailDate('Fri, 21 Nov 1997 09:55:06 -0600')).toBe(
      Date.UTC(1997, 10, 21, 15, 55, 6),
    );
    expect(parseMailDate('Tue, 1 Jul 2003 10:52:37 +0200')).toBe(Date.UTC(2003, 6, 1, 8, 52, 37));
    expect(parseMailDate('Fri, 18 Nov 2016 03:29:31 -0800 (PST)')).toBe(
      Date.UTC(2016, 10, 18, 11, 29, 31),
    );
    expect(parseMailDate('21 Nov 97 09:55:06 GMT')).toBe(Date.UTC(1997, 10, 21, 9, 55, 6));
    expect(parseMailDate('Thu, 13 Feb 1969 23:32 -0330 (Newfoundland Time)')).toBe(
      Date.UTC(1969, 1, 14, 3, 2, 0),
    );
    expect(parseMailDate('Mon, 3 Mar 2026 09:15:07 EST')).toBe(Date.UTC(2026, 2, 3, 14, 15, 7));
  });

  it('returns null for anything else', () => {
    for (const junk of [
      '',
      'yesterday',
      '2026-03-03T17:15:05Z',
      '32 Jan 2026 10:00:00 +0000',
      null,
    ]) {
      expect(parseMailDate(junk)).toBeNull();
    }
  });
});

describe('addresses, Message-ID and encoded words', () => {
  it('reads the first mailbox of an address header', () => {
    expect(parseMailAddress('Raftr <No-Reply@Raftr.com>')).toEqual({
      address: 'no-reply@raftr.com',
      domain: 'raftr.com',
      display: 'Raftr',
    });
    expect(parseMailAddress('sender@example.net')).toMatchObject({
      domain: 'example.net',
      display: null,
    });
    expect(parseMailAddress('<>')).toBeNull();
    expect(parseMailAddress('undisclosed-recipients:;')).toBeNull();
  });

  it('decodes RFC 2047 encoded words (RFC 2047 §8 examples)', () => {
    expect(decodeEncodedWords('=?ISO-8859-1?Q?Keld_J=F8rn_Simonsen?=')).toBe('Keld Jørn Simonsen');
    expect(
      decodeEncodedWords(
        '=?ISO-8859-1?B?SWYgeW91IGNhbiByZWFkIHRoaXMgeW8=?= =?ISO-8859-2?B?dSB1bmRlcnN0YW5kIHRoZSBleGFtcGxlLg==?=',
      ),
    ).toBe('If you can read this you understand the example.');
    expect(decodeEncodedWords('=?x-unknown?B?!!!?=')).toBe('=?x-unknown?B?!!!?=');
  });
});

describe('IP addresses', () => {
  it('tells IPv6 literals and private ranges apart', () => {
    expect(isIpv6('2603:10a6:208:4d::33')).toBe(true);
    expect(isIpv6('::ffff:192.0.2.1')).toBe(true);
    expect(isIpv6('2001:db8::1::2')).toBe(false);
    expect(isIpv6('15.20.4951.12')).toBe(false);
    for (const ip of [
      '10.1.2.3',
      '127.0.0.1',
      '172.16.0.1',
      '192.168.1.1',
      '100.64.0.1',
      'fd00::1',
      '::1',
    ]) {
      expect(isPrivateIp(ip)).toBe(true);
    }
    // Exchange Online's CIP:255.255.255.255 placeholder and the reserved 240.0.0.0/4.
    expect(isPrivateIp('255.255.255.255')).toBe(true);
    expect(isPrivateIp('240.0.0.1')).toBe(true);
    for (const ip of ['149.72.222.166', '148.163.150.14', '2603:10a6:208:4d::33']) {
      expect(isPrivateIp(ip)).toBe(false);
    }
  });
});

describe('readMessageHeaders', () => {
  it("finds SendGrid's markers on a Raftr message", () => {
    const headers = readMessageHeaders(fixture('raftr-gmail-inbox.txt'));
    expect(headers.sendgrid).toEqual({
      sendgrid: true,
      eid: true,
      hops: 1,
      returnPathDomain: 'em1234.raftr.com',
    });
    expect(headers.from?.address).toBe('no-reply@raftr.com');
    expect(headers.subject).toBe('Raftr Access Check: test message ✓');
    expect(headers.messageId).toBe('AbCdEfGhIjKlMnOpQrStUv@geopod-ismtpd-3');
    expect(headers.date).toBe(Date.UTC(2026, 2, 3, 17, 15, 5));
  });

  it('has no trusted results when only ARC-Authentication-Results is present (github-gmail#86)', () => {
    const headers = readMessageHeaders(fixture('gmail-github-gmail-86.txt'));
    expect(headers.trustedAuth).toBeNull();
    expect(headers.received[0]?.ip).toBe('52.48.123.228');
  });

  it('reads API header lists as well as raw text', () => {
    const raw = readMessageHeaders(fixture('raftr-m365-junk.txt'));
    const fromApi = readMessageHeaders(raw.fields.map((f) => ({ name: f.name, value: f.value })));
    expect(fromApi.forefront).toEqual(raw.forefront);
    expect(fromApi.trustedAuth).toEqual(raw.trustedAuth);
    expect(said(readMessageHeaders({ not: 'headers' }).problems)).toEqual([
      'The input is not text.',
    ]);
  });
});

describe('never throws', () => {
  const headerish = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          'Received: ',
          'Authentication-Results: ',
          'Received-SPF: ',
          'X-Forefront-Antispam-Report: ',
          'X-Microsoft-Antispam: BCL:',
          'From: ',
          'Date: ',
          'Subject: =?',
          ' ',
          '\t',
          '\r\n',
          '\n',
          '(',
          ')',
          '[',
          ']',
          '"',
          ';',
          '=',
          ':',
          '\\',
          'from ',
          ' by ',
          'spf=',
          'dkim=pass ',
          'IPv6:',
          '149.72.222.166',
          '::',
          '?Q?',
          '?B?',
        ),
        fc.string({ unit: 'binary', maxLength: 20 }),
      ),
      { maxLength: 80 },
    )
    .map((parts) => parts.join(''));

  it('no parser throws on arbitrary or header-shaped text', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary' }), headerish), (text) => {
        parseHeaderBlock(text);
        parseAuthenticationResults(text);
        trustedAuthResults([text, text]);
        parseReceived(text);
        parseReceivedSpf(text);
        parseForefrontReport(text);
        parseMicrosoftAntispam(text);
        parseMailboxDelivery(text);
        parseMailDate(text);
        parseMailAddress(text);
        decodeEncodedWords(text);
        readMessageHeaders(text);
      }),
      { numRuns: 500 },
    );
  });

  it('readMessageHeaders accepts any value', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        readMessageHeaders(value);
        normalizeHeaderFields(value);
      }),
      { numRuns: 300 },
    );
  });
});
