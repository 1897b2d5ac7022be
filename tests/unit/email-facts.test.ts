/**
 * The rules of the header analysis one by one (utils/email/headers/facts.ts, email/headers/trust.ts,
 * email/headers/spam-headers.ts, email/headers/forwarding.ts), on small header blocks. Each block cites the
 * vendor documentation or published header it is modelled on; the real-world coverage is the
 * corpus (tests/unit/email-corpus.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { headerFacts, readHeaderFacts } from '../../utils/email/headers/facts';
import { forwardingSigns } from '../../utils/email/headers/forwarding';
import {
  readBarracuda,
  readCisco,
  readExchangeOnline,
  readMimecast,
  readProofpoint,
  readRspamd,
  readSophos,
  readSymantec,
  readTrendMicro,
  readXSpam,
  verdictOfScl,
} from '../../utils/email/headers/spam-headers';
import { traceReceived } from '../../utils/email/headers/trust';

const block = (...lines: string[]) => lines.join('\n');
/** A field lookup over literal fields, as readSpamFilters gets it. */
const lookup = (fields: Record<string, string>) => (name: string) => {
  const key = Object.keys(fields).find((k) => k.toLowerCase() === name.toLowerCase());
  return key === undefined ? null : (fields[key] as string);
};
const signs = (raw: string) => {
  const r = readHeaderFacts(raw);
  return forwardingSigns({
    fields: r.headers.fields,
    trace: r.trace,
    auth: r.auth,
    authorDomain: r.authorDomain,
  });
};

// A Gmail delivery: the edge hop, Google's Received-SPF and Authentication-Results under it,
// then the sender's own hop (shape of tests/unit/fixtures/headers/raftr-gmail-inbox.txt).
const GMAIL_EDGE =
  'Received: from o1.outbound-mail.sendgrid.net (o1.outbound-mail.sendgrid.net. [149.72.222.166]) by mx.google.com with ESMTPS id x for <student@university.example>; Tue, 03 Mar 2026 09:15:07 -0800 (PST)';
const SENDER_HOP =
  'Received: from MTAxNjA (unknown) by geopod-ismtpd-3 (SG) with HTTP id y Tue, 03 Mar 2026 17:15:05.100 +0000 (UTC)';

describe('trust boundary (RFC 8601 §5, §7.2)', () => {
  it("reads the receiver's Authentication-Results and ignores one written below the sender's hop", () => {
    const raw = block(
      GMAIL_EDGE,
      'Authentication-Results: mx.google.com; spf=softfail smtp.mailfrom=em1234.raftr.com; dkim=fail header.d=raftr.com; dmarc=fail header.from=raftr.com',
      SENDER_HOP,
      'Authentication-Results: mx.evil.example; spf=pass smtp.mailfrom=em1234.raftr.com; dkim=pass header.d=raftr.com; dmarc=pass header.from=raftr.com',
      'From: no-reply@raftr.com',
    );
    expect(headerFacts(raw).facts).toMatchObject({
      spf: 'softfail',
      dkim: 'fail',
      dmarc: 'fail',
      sendingIp: '149.72.222.166',
    });
    const trace = traceReceived(readHeaderFacts(raw).headers.fields);
    expect(trace).toMatchObject({ entry: 0, boundary: 2 });
  });

  it('with only a forged field below the boundary, there are no results', () => {
    const raw = block(
      GMAIL_EDGE,
      SENDER_HOP,
      'Authentication-Results: mx.evil.example; spf=pass smtp.mailfrom=raftr.com; dmarc=pass header.from=raftr.com',
    );
    expect(headerFacts(raw).facts).toMatchObject({ spf: null, dkim: null, dmarc: null });
  });

  it("reads a receiver's field carrying its own authserv-id wherever it sits (Proton)", () => {
    // Shape of protonmail-forwarded-via-forwardemail in the corpus.
    const raw = block(
      'Received: from mx1 (mx1.forwardemail.net [178.128.149.101]) by mail17i.protonmail.ch (Postfix) with ESMTPS id E55C; Mon, 18 Feb 2019 18:56:09 +0000 (UTC)',
      'Received: by mail-qt1-f182.google.com with SMTP id p48; Mon, 18 Feb 2019 10:56:02 -0800 (PST)',
      'Authentication-Results: mail17i.protonmail.ch; spf=fail smtp.mailfrom=a@gmail.com',
    );
    expect(headerFacts(raw)).toMatchObject({
      receivingSystem: 'protonmail',
      facts: { spf: 'fail', sendingIp: '178.128.149.101' },
    });
  });

  it('never reads ARC-Authentication-Results, -Original or X-MS-Exchange- copies as results', () => {
    const raw = block(
      'ARC-Authentication-Results: i=1; mx.google.com; spf=pass smtp.mailfrom=a.example; dmarc=pass header.from=a.example',
      'X-MS-Exchange-Authentication-Results: spf=pass (sender IP is 192.0.2.9) smtp.mailfrom=a.example',
      'Authentication-Results-Original: spf=pass smtp.mailfrom=a.example',
      'From: x@a.example',
    );
    expect(headerFacts(raw).facts).toMatchObject({ spf: null, dkim: null, dmarc: null });
  });

  it("ignores Exchange Online's bottom fields when another server received the message", () => {
    const raw = block(
      'Received: from lists.example.org (lists.example.org [192.0.2.120]) by mail.example.net (Postfix) with ESMTPS id 1; Thu, 29 Aug 2019 19:40:51 +0200',
      'Received: from localhost ([127.0.0.1] helo=lists.example.org) by lists.example.org with esmtp (Exim 4.89); Thu, 29 Aug 2019 17:36:58 +0000',
      'X-Forefront-Antispam-Report: CIP:63.35.35.123; IPV:NLI; SCL:6; SFV:SPM; CAT:SPM;',
      'X-Microsoft-Antispam-Mailbox-Delivery: dest:J;RF:JunkEmail;',
    );
    expect(headerFacts(raw)).toMatchObject({
      receivingSystem: 'other',
      facts: { spamVerdict: null, placementHint: null, sendingIp: '192.0.2.120' },
    });
  });
});

describe('result vocabulary (RFC 8601 §2.7, RFC 7208 §2.6, RFC 7489 §11.2)', () => {
  it('keeps temperror, permerror, neutral, policy and bestguesspass apart', () => {
    const facts = (value: string) =>
      headerFacts(`Authentication-Results: example.net; ${value}`).facts;
    expect(
      facts('spf=temperror smtp.mailfrom=a.example; dmarc=temperror header.from=a.example'),
    ).toMatchObject({ spf: 'temperror', dmarc: 'temperror' });
    expect(
      facts('spf=neutral smtp.mailfrom=a.example; dmarc=permerror header.from=a.example'),
    ).toMatchObject({ spf: 'neutral', dmarc: 'permerror' });
    expect(
      facts('dkim=policy header.d=a.example; spf=hardfail smtp.mailfrom=a.example'),
    ).toMatchObject({ dkim: 'policy', spf: 'fail' });
    expect(
      headerFacts(
        'Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.example; dkim=none (message not signed) header.d=none;dmarc=bestguesspass action=none header.from=a.example;compauth=pass reason=109',
      ).facts,
    ).toMatchObject({ spf: 'pass', dkim: 'none', dmarc: 'bestguesspass', sendingIp: '192.0.2.1' });
  });

  it('takes the MAIL FROM check, not the HELO check, for SPF (RFC 7208 §2.3, §2.4)', () => {
    const raw =
      'Authentication-Results: mx.example.net; spf=none smtp.helo=mta.a.example; spf=pass smtp.mailfrom=support@a.example';
    expect(headerFacts(raw).facts.spf).toBe('pass');
  });

  it("reads Yahoo's older layout and words (spfResult=, dkim_pass, success)", () => {
    const raw = block(
      'Authentication-Results: mta1192.mail.ir2.yahoo.com',
      ' header.i=@a.example header.s=s1 dkim=dkim_pass (ok);',
      ' spfDomain=em.a.example spfResult=pass;',
      ' dmarc=success(p=none) header.from=a.example',
    );
    expect(headerFacts(raw)).toMatchObject({
      receivingSystem: 'yahoo',
      facts: { spf: 'pass', dkim: 'pass', dmarc: 'pass' },
    });
  });
});

describe('sending IP as the receiving edge saw it', () => {
  it("prefers the receiver's own record and skips Exchange's CIP:255.255.255.255 placeholder", () => {
    const raw = block(
      'Received: from SA1PR12MB6798.namprd12.prod.outlook.com (2603:10b6:806:25c::12) by MN0PR12MB5762.namprd12.prod.outlook.com with HTTPS; Tue, 3 Mar 2026 17:15:09 +0000',
      'X-Forefront-Antispam-Report: CIP:255.255.255.255;CTRY:;SCL:1;SFV:NSPM;',
      'X-Sender-IP: 149.72.230.197',
    );
    expect(headerFacts(raw).facts.sendingIp).toBe('149.72.230.197');
  });

  it("takes the receiving tenant's edge, not the hops of an earlier tenant", () => {
    // Shape of outlookcom-tenant-relay-dmarc-temperror-junk in the corpus.
    const raw = block(
      'Received: from DU6PEPF0000B61F.eurprd02.prod.outlook.com (2603:10a6:10:540:cafe::50) by DU6P191CA0020.outlook.office365.com (2603:10a6:10:540::27) with Microsoft SMTP Server id 15.20.9253.20 via Frontend Transport; Tue, 28 Oct 2025 11:32:35 +0000',
      'Received: from DM5PR21CU001.outbound.protection.outlook.com (52.102.139.20) by DU6PEPF0000B61F.mail.protection.outlook.com (10.167.8.134) with Microsoft SMTP Server id 15.20.9275.10 via Frontend Transport; Tue, 28 Oct 2025 11:32:37 +0000',
      'Received: from Yaca.onmicrosoft.com (62.212.79.184) by CY4PEPF0000E9D6.mail.protection.outlook.com (10.167.241.69) with Microsoft SMTP Server id 15.20.9275.10 via Frontend Transport; Tue, 28 Oct 2025 11:32:31 +0000',
    );
    expect(headerFacts(raw).facts.sendingIp).toBe('52.102.139.20');
  });

  it('behind a receiving gateway, the hop into the gateway decides', () => {
    const raw = block(
      'Received: from mx0b-00512301.pphosted.com (148.163.150.14) by CH2PEPF0000009A.mail.protection.outlook.com (10.167.244.22) with Microsoft SMTP Server id 15.20.8489.16 via Frontend Transport; Tue, 3 Mar 2026 17:15:10 +0000',
      'Received: from xvfrcmsq.outbound-mail.sendgrid.net (xvfrcmsq.outbound-mail.sendgrid.net [149.72.222.166]) by mx0b-00512301.pphosted.com (PPS) with ESMTPS id 45a1; Tue, 03 Mar 2026 09:15:08 -0800 (PST)',
      'X-Forefront-Antispam-Report: CIP:148.163.150.14;SCL:5;SFV:SPM;CAT:SPM;',
    );
    expect(headerFacts(raw)).toMatchObject({
      receivingSystem: 'microsoft-365',
      gateway: 'proofpoint',
      facts: { sendingIp: '149.72.222.166', spamVerdict: 'spam' },
    });
  });

  it("stops at the sender's own outbound gateway (SPF passed for it, or it scanned outbound)", () => {
    // Shape of the IBM hops in lore-kernelorg-opendmarc-fail-list: IBM's Proofpoint sends to Gmail.
    const hops = [
      'Received: from mx0a-001b2d01.pphosted.com (mx0b-001b2d01.pphosted.com. [148.163.158.5]) by mx.google.com with ESMTPS id k19; Wed, 27 Feb 2019 07:36:36 -0800 (PST)',
      'Received-SPF: pass (google.com: domain of rppt@linux.ibm.com designates 148.163.158.5 as permitted sender) client-ip=148.163.158.5;',
      'Authentication-Results: mx.google.com; spf=pass (google.com: domain of rppt@linux.ibm.com designates 148.163.158.5 as permitted sender) smtp.mailfrom=rppt@linux.ibm.com; dmarc=pass (p=NONE sp=NONE dis=NONE) header.from=ibm.com',
      'Received: from pps.filterd (m0098421.ppops.net [127.0.0.1]) by mx0a-001b2d01.pphosted.com (8.16.0.27/8.16.0.27) with SMTP id x1RF; Wed, 27 Feb 2019 10:36:36 -0500',
      'Received: from e06smtp05.uk.ibm.com (e06smtp05.uk.ibm.com [195.75.94.101]) by mx0a-001b2d01.pphosted.com with ESMTP id 2qwv; Wed, 27 Feb 2019 10:36:35 -0500',
    ];
    expect(headerFacts(block(...hops))).toMatchObject({
      gateway: null,
      facts: { spf: 'pass', sendingIp: '148.163.158.5' },
    });
    const outbound = [hops[0] as string, hops[3] as string, hops[4] as string].concat(
      'X-Proofpoint-Spam-Details: rule=outbound_notspam policy=outbound score=0',
    );
    expect(headerFacts(block(...outbound))).toMatchObject({
      gateway: null,
      facts: { sendingIp: '148.163.158.5', spamVerdict: null },
    });
  });

  it('never reports a private or placeholder address', () => {
    const raw =
      'Authentication-Results: mx0.example.net; spf=pass (mx0.example.net: domain of a designates 192.168.1.1 as permitted sender) smtp.mailfrom=a@example.com';
    expect(headerFacts(raw).facts.sendingIp).toBeNull();
  });
});

describe("Exchange Online's verdict (message-headers-eop-mdo, anti-spam-spam-confidence-level-scl-about)", () => {
  const exchange = (fields: Record<string, string>) => readExchangeOnline(lookup(fields));

  it('maps SCL: -1 none of its own, 0-4 not spam, 5-6 spam, 7-9 high confidence', () => {
    expect([-1, 0, 1, 5, 6, 7, 9].map(verdictOfScl)).toEqual([
      null,
      'not-spam',
      'not-spam',
      'spam',
      'spam',
      'high-confidence-spam',
      'high-confidence-spam',
    ]);
  });

  it('keeps the allow lists apart from the verdict', () => {
    expect(exchange({ 'X-Forefront-Antispam-Report': 'SFV:SFE;SCL:-1;' })).toMatchObject({
      verdict: null,
      override: 'user-safe-sender',
    });
    for (const report of ['SFV:SKA;SCL:-1;', 'SFV:SKN;SCL:-1;', 'IPV:CAL;SCL:-1;SFV:NSPM;']) {
      expect(exchange({ 'X-Forefront-Antispam-Report': report })).toMatchObject({
        verdict: null,
        override: 'org-allow',
      });
    }
    expect(exchange({ 'X-Forefront-Antispam-Report': 'SFV:SKS;SCL:6;' })).toMatchObject({
      verdict: 'spam',
      override: null,
    });
  });

  it('reads the category first, then SCL', () => {
    const verdict = (report: string) =>
      exchange({ 'X-Forefront-Antispam-Report': report })?.verdict;
    expect(verdict('SCL:5;SFV:SPM;CAT:PHSH;')).toBe('phish');
    expect(verdict('SCL:9;SFV:SPM;CAT:HSPM;')).toBe('high-confidence-spam');
    expect(verdict('SCL:6;SFV:SPM;CAT:BULK;SRV:BULK;')).toBe('bulk');
    expect(verdict('SCL:5;SFV:SPM;CAT:SPM;')).toBe('spam');
    expect(verdict('SCL:1;SFV:NSPM;CAT:NONE;')).toBe('not-spam');
  });

  it("reads Outlook.com's SCL and the safe-senders override at delivery", () => {
    // Shape of outlookcom-spf-fail-scl5-trusted-inbox and outlookcom-scl9-wl-ignored-junk.
    expect(
      exchange({
        'X-MS-Exchange-Organization-SCL': '5',
        'X-Microsoft-Antispam-Mailbox-Delivery':
          'abwl:0;wl:1;pcwl:1;ucf:0;jmr:0;ex:0;auth:0;dest:I;OFR:TrustedSenderList;',
      }),
    ).toMatchObject({ verdict: 'spam', override: 'user-safe-sender', placement: 'inbox' });
    expect(
      exchange({
        'X-MS-Exchange-Organization-SCL': '9',
        'X-Microsoft-Antispam-Mailbox-Delivery':
          'wl:1;pcwl:1;ucf:0;jmr:0;ex:0;auth:1;dest:J;OFR:SpamFilterAuthJ;RF:JunkEmail;',
      }),
    ).toMatchObject({ verdict: 'high-confidence-spam', override: null, placement: 'junk' });
  });
});

describe("other filters' fields", () => {
  it('SpamAssassin: X-Spam-Flag, X-Spam-Status, hMailServer\'s "score/required"', () => {
    expect(readXSpam(lookup({ 'X-Spam-Status': 'Yes, score=9.31 required=5' }))?.verdict).toBe(
      'spam',
    );
    expect(
      readXSpam(lookup({ 'X-Spam-Status': 'No, score=-2.6 required=5.0 tests=BAYES_00' }))?.verdict,
    ).toBe('not-spam');
    expect(readXSpam(lookup({ 'X-Spam-Flag': 'YES' }))).toMatchObject({
      filter: 'x-spam',
      verdict: 'spam',
    });
    expect(
      readXSpam(lookup({ 'X-Spam-Status': '18.8/5.0, autolearn=no, bayes=0.5000' }))?.verdict,
    ).toBe('spam');
  });

  it('Rspamd: the action, the spam header, and "default: False" only below add-header', () => {
    expect(readRspamd(lookup({ 'X-Rspamd-Action': 'add header' }))?.verdict).toBe('spam');
    expect(readRspamd(lookup({ 'X-Rspamd-Action': 'no action' }))?.verdict).toBe('not-spam');
    expect(
      readRspamd(lookup({ 'X-Spamd-Result': 'default: False [-0.99 / 15.00];' }))?.verdict,
    ).toBe('not-spam');
    expect(
      readRspamd(lookup({ 'X-Spamd-Result': 'default: False [6.37 / 15.00]' }))?.verdict,
    ).toBeNull();
    expect(
      readRspamd(lookup({ 'X-Spamd-Result': 'default: False [6.37 / 15.00]', 'X-Spam': 'yes' }))
        ?.verdict,
    ).toBe('spam');
  });

  it('Barracuda (umiacs BarracudaSpamFirewall/Scoring): verdict and quarantine level', () => {
    expect(
      readBarracuda(
        lookup({
          'X-Barracuda-Spam-Status':
            'No, SCORE=0.00 using per-user scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=8.0 KILL_LEVEL=1000.0 tests=',
        }),
      ),
    ).toMatchObject({ verdict: 'not-spam', placement: null, gateway: 'barracuda' });
    expect(
      readBarracuda(
        lookup({
          'X-Barracuda-Spam-Status':
            'Yes, SCORE=10.11 using per-user scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=9.0 KILL_LEVEL=1000.0 tests=HTML_MESSAGE',
        }),
      ),
    ).toMatchObject({ verdict: 'spam', placement: 'quarantine' });
  });

  it("Proofpoint: the rule, and the sender's outbound scan ignored", () => {
    const details = (value: string) =>
      readProofpoint(lookup({ 'X-Proofpoint-Spam-Details': value }));
    expect(details('rule=notspam policy=default score=0 spamscore=0')).toMatchObject({
      verdict: 'not-spam',
      gateway: 'proofpoint',
    });
    expect(details('rule=spam policy=default score=99')?.verdict).toBe('spam');
    expect(details('rule=bulk policy=default score=0 bulkscore=99')?.verdict).toBe('bulk');
    expect(details('rule=outbound_notspam policy=outbound score=0')).toBeNull();
  });

  it('Mimecast, Cisco, Sophos, Symantec, Trend Micro', () => {
    expect(readMimecast(lookup({ 'X-Mimecast-Spam-Score': '0' }))).toMatchObject({
      verdict: null,
      gateway: 'mimecast',
    });
    expect(readMimecast(lookup({ 'X-Mimecast-Spam-Signature': 'bulk' }))?.verdict).toBe('bulk');
    expect(readMimecast(lookup({ 'X-Mimecast-Spam-Signature': 'yes' }))?.verdict).toBe('spam');
    expect(readCisco(lookup({ 'X-IronPort-Anti-Spam-Filtered': 'true' }))).toMatchObject({
      verdict: null,
      gateway: 'cisco',
    });
    expect(
      readSophos(
        lookup({ 'X-PMX-Spam': "Gauge=IIIIIIII, Probability=8%, Report='HTML_50_70 0.1'" }),
      )?.verdict,
    ).toBe('not-spam');
    expect(readSophos(lookup({ 'X-PMX-Spam': 'Probability=95%' }))?.verdict).toBe(
      'high-confidence-spam',
    );
    expect(
      readSymantec(lookup({ 'X-SpamReason': 'No, hits=0.0 required=7.0 tests=newsletters: ' })),
    ).toMatchObject({ verdict: 'not-spam', gateway: 'symantec' });
    expect(readTrendMicro(lookup({ 'X-TMASE-Result': '10--7.789700-8.000000' }))?.verdict).toBe(
      'not-spam',
    );
    expect(
      readTrendMicro(
        lookup({ 'X-TMASE-Result': '10-12.5-8.0', 'X-TM-AS-User-Approved-Sender': 'Yes' }),
      ),
    ).toMatchObject({ verdict: 'spam', override: 'user-safe-sender', gateway: 'trend-micro' });
  });

  it("a gateway's fields name the gateway in the facts", () => {
    const raw = block(
      'X-Barracuda-Spam-Score: 3.60',
      'X-Barracuda-Spam-Status: Yes, SCORE=3.60 using per-user scores of TAG_LEVEL=3.5 QUARANTINE_LEVEL=9.0 KILL_LEVEL=1000.0 tests=HTML_MESSAGE',
      'X-Barracuda-Spam-Flag: YES',
    );
    expect(headerFacts(raw)).toMatchObject({
      gateway: 'barracuda',
      facts: { spamVerdict: 'spam', placementHint: null },
    });
  });
});

describe('receiving system', () => {
  it('tells Outlook.com from a Microsoft 365 tenant: consumer tenant id, receiving domain', () => {
    const base =
      'Received: from BN9PR03CA0223.namprd03.prod.outlook.com (2603:10b6:408:f8::18) by DM4PR19MB5929.namprd19.prod.outlook.com with Microsoft SMTP Server id 15.20.6631.47; Wed, 2 Aug 2023 20:09:20 +0000';
    expect(
      headerFacts(block(base, 'X-MS-Exchange-CrossTenant-Id: 84df9e7f-e9f6-40af-b435-aaaaaaaaaaaa'))
        .receivingSystem,
    ).toBe('outlook-com');
    expect(
      headerFacts(block(base, 'X-MS-Exchange-CrossTenant-Id: f34e5979-57d9-4aaa-ad4d-b122a662184d'))
        .receivingSystem,
    ).toBe('microsoft-365');
    expect(
      headerFacts(
        'Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.example; outlook.de; dkim=none',
      ).receivingSystem,
    ).toBe('outlook-com');
    expect(
      headerFacts(
        'Authentication-Results: spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=a.example; university.example; dkim=none',
      ).receivingSystem,
    ).toBe('microsoft-365');
  });

  it('tells consumer Gmail from Google Workspace by the recipient', () => {
    const ar = 'Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=a@a.example';
    expect(headerFacts(block('Delivered-To: x@gmail.com', ar)).receivingSystem).toBe(
      'gmail-consumer',
    );
    expect(headerFacts(block('Delivered-To: x@university.example', ar)).receivingSystem).toBe(
      'google-workspace',
    );
  });

  it('names the filter software when no provider shows', () => {
    expect(
      headerFacts(
        block(
          'X-Spam-Checker-Version: SpamAssassin 3.4.0 (2014-02-07) on mx.example.org',
          'X-Spam-Status: No, score=-2.6 required=5.0',
        ),
      ).receivingSystem,
    ).toBe('postfix-spamassassin');
    expect(
      headerFacts(
        'Authentication-Results: mx0.example.org; dmarc=pass (policy=reject) header.from=example.com',
      ).receivingSystem,
    ).toBe('rspamd');
    expect(headerFacts('X-Spamd-Result: default: False [1.00 / 15.00]').receivingSystem).toBe(
      'rspamd',
    );
  });
});

describe('forwarding (RFC 7960)', () => {
  const plain = block(
    GMAIL_EDGE,
    'Authentication-Results: mx.google.com; spf=pass smtp.mailfrom=em1234.raftr.com; dkim=pass header.d=raftr.com; dmarc=pass header.from=raftr.com',
    SENDER_HOP,
    'From: no-reply@raftr.com',
    'To: student@university.example',
    'List-Unsubscribe: <mailto:unsubscribe@raftr.com>',
    'List-Id: <updates.raftr.com>',
  );

  it('finds nothing in a direct delivery, List-Id and List-Unsubscribe included', () => {
    expect(signs(plain)).toEqual([]);
    expect(headerFacts(plain).facts.forwarded).toBe(false);
  });

  it('reads resender and list fields, SRS, and a changed recipient', () => {
    expect(signs(`X-Forwarded-To: x@gmail.com\n${plain}`)).toContain('resent-fields');
    expect(signs(`Resent-From: someone@university.example\n${plain}`)).toContain('resent-fields');
    expect(signs(`${plain}\nList-Post: <mailto:list@lists.example.org>`)).toContain('list-fields');
    expect(
      signs(`Return-Path: <SRS0=ab12=3c=raftr.com=no-reply@forward.example>\n${plain}`),
    ).toContain('srs-envelope');
    expect(
      signs(block('Delivered-To: a@forward.example', 'Delivered-To: b@university.example', plain)),
    ).toContain('recipient-changed');
  });

  it("reads ARC: the receiver's arc= result and a seal over another sealer's", () => {
    expect(
      signs(
        block(
          GMAIL_EDGE,
          'Authentication-Results: mx.google.com; dkim=pass header.i=@raftr.com; arc=pass (i=1 spf=pass); spf=pass smtp.mailfrom=raftr.com; dmarc=pass header.from=raftr.com',
        ),
      ),
    ).toContain('arc-intermediary');
    // Two Exchange Online seals (one domain for every tenant): not evidence of a forward.
    expect(
      signs(
        block(
          'ARC-Seal: i=2; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=pass; b=x',
          'Received: from DU6PEPF0000B61F.eurprd02.prod.outlook.com (2603:10a6:10:540:cafe::50) by DU6P191CA0020.outlook.office365.com with Microsoft SMTP Server; Tue, 28 Oct 2025 11:32:35 +0000',
          'ARC-Seal: i=1; a=rsa-sha256; s=arcselector10001; d=microsoft.com; cv=none; b=y',
        ),
      ),
    ).not.toContain('arc-intermediary');
  });

  it("reads another Exchange Online organisation's delivery, but not the sender's own outbound", () => {
    // Shape of untrusted-copies-rspamd-arc-excerpt: mailbox servers in two forests.
    const twoForests =
      'X-MS-TrafficTypeDiagnostic: AS5PR10MB8174:EE_|VI1EUR06FT004:EE_|DB9P192MB1634:EE_|PAWP192MB2177:EE_';
    expect(signs(block(twoForests, 'X-Microsoft-Antispam-Untrusted: BCL:0;'))).toContain(
      'earlier-exchange-delivery',
    );
    // A sender's own tenant relaying outbound: one forest, or a DIR:OUT report.
    const oneForest =
      'X-MS-TrafficTypeDiagnostic: VI1PR08MB3934:EE_|VE1EUR03FT004:EE_|AM9PR08MB7135:EE_';
    expect(signs(block(oneForest, 'X-Microsoft-Antispam-Untrusted: BCL:0;'))).toEqual([]);
    expect(
      signs(
        block(
          twoForests,
          'X-Microsoft-Antispam-Untrusted: BCL:0;',
          'X-Forefront-Antispam-Report-Untrusted: CIP:255.255.255.255;SCL:1;SFV:NSPM;DIR:OUT;',
        ),
      ),
    ).toEqual([]);
  });

  it('reads the indirect flow: SPF fails for the author, a third party re-signed', () => {
    const raw =
      'Authentication-Results: spf=none (sender IP is 138.197.213.185) smtp.mailfrom=t-online.de; outlook.de; dkim=pass (signature was verified) header.d=forwardemail.net;outlook.de; dmarc=none action=none header.from=t-online.de;compauth=fail reason=001';
    expect(signs(raw)).toContain('indirect-flow');
    // Google's default Workspace signature is the author's provider, not a third party.
    const workspace =
      'Authentication-Results: spf=none (sender IP is 209.85.160.41) smtp.mailfrom=example.co.uk; dkim=pass (signature was verified) header.d=example-co-uk.20221208.gappssmtp.com;dmarc=none action=none header.from=example.co.uk;';
    expect(signs(workspace)).toEqual([]);
  });

  it("does not take the sending provider's own signature for a forwarder's", () => {
    // Sent through SendGrid from an address raftr.com's SPF does not list, with a key raftr.com
    // does not publish: SendGrid's s=smtpapi signature still passes. That is Raftr's records
    // at fault (the simulated mail world's auth-failed case), not a forward.
    const unlisted = block(
      'Received: from unlisted.example (unlisted.example. [127.0.0.99]) by mx.google.com with ESMTPS id x for <student@university.example>; Tue, 03 Mar 2026 09:15:07 -0800 (PST)',
      'Authentication-Results: mx.google.com; dkim=fail header.i=@raftr.com header.s=s1; dkim=pass header.i=@sendgrid.info header.s=smtpapi; spf=fail smtp.mailfrom=raftr.com; dmarc=fail (p=QUARANTINE sp=QUARANTINE dis=QUARANTINE) header.from=raftr.com',
      'From: no-reply@raftr.com',
    );
    expect(signs(unlisted)).toEqual([]);
    expect(headerFacts(unlisted).facts.forwarded).toBe(false);
    // Another organisation's passing signature with the same failures still reads as a forward.
    expect(signs(unlisted.replace('sendgrid.info', 'lists.example.org'))).toContain(
      'indirect-flow',
    );
  });
});
