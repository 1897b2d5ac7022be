/**
 * Which system receives the mail: MX host suffixes from shared/reference/email.md, and DNS over
 * HTTPS JSON answers in the format Google Public DNS and Cloudflare document
 * (https://developers.google.com/speed/public-dns/docs/doh/json).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ENGLISH_CATALOG } from '../../utils/catalogs';
import { MAIL_SYSTEMS, type MailSystemId } from '../../utils/email/evidence';
import {
  GATEWAY_SYSTEMS,
  isGatewaySystem,
  isMailboxPlatform,
  isMicrosoftOutboundHost,
  isOutlookComDomain,
  isOutlookComHost,
  MAIL_SYSTEM_NAMES,
  MAILBOX_PLATFORMS,
  mailboxFromSpf,
  mailSystemName,
  organizationalDomain,
  parseDohMxAnswer,
  parseDohTxtAnswer,
  providerOfHost,
  sameOrganization,
  systemOfMxHost,
  systemOfMxHosts,
  systemOfRelayHost,
} from '../../utils/email/mail-systems';

describe('systemOfMxHost (email.md, "Which system receives the mail")', () => {
  const cases: [string, MailSystemId][] = [
    ['contoso-com.mail.protection.outlook.com', 'microsoft-365'],
    ['contoso-com.o-v1.mx.microsoft', 'microsoft-365'],
    ['aspmx.l.google.com', 'google-workspace'],
    ['alt1.aspmx.l.google.com', 'google-workspace'],
    ['aspmx2.googlemail.com', 'google-workspace'],
    ['smtp.google.com', 'google-workspace'],
    ['mx0a-00123456.pphosted.com', 'proofpoint'],
    ['mx1-us1.ppe-hosted.com', 'proofpoint'],
    ['us-smtp-inbound-1.mimecast.com', 'mimecast'],
    ['za-smtp-inbound-1.mimecast.co.za', 'mimecast'],
    ['de-smtp-inbound-1.mimecast-offshore.com', 'mimecast'],
    ['d123456a.ess.barracudanetworks.com', 'barracuda'],
    ['mx1.hc1234-56.iphmx.com', 'cisco'],
    ['cluster1.eu.messagelabs.com', 'symantec'],
    ['mx-01-eu-central-1.prod.hydra.sophos.com', 'sophos'],
    ['mx01.hornetsecurity.com', 'hornetsecurity'],
    ['university-example.in.tmes.trendmicro.com', 'trend-micro'],
    ['university-example.in.tmes.trendmicro.eu', 'trend-micro'],
    ['mx.university.example', 'other'],
    ['', 'unknown'],
  ];
  for (const [host, system] of cases) {
    it(`${host || '(empty)'} → ${system}`, () => {
      expect(systemOfMxHost(host)).toBe(system);
      if (host) expect(systemOfMxHost(`${host.toUpperCase()}.`)).toBe(system);
    });
  }

  it('matches whole labels only', () => {
    expect(systemOfMxHost('pphosted.com.evil.example')).toBe('other');
    expect(systemOfMxHost('notpphosted.com')).toBe('other');
    expect(systemOfMxHost('fakemimecast.com')).toBe('other');
  });

  it('takes the most preferred host of a sorted list', () => {
    expect(
      systemOfMxHosts(['mx0a-00123456.pphosted.com', 'contoso-com.mail.protection.outlook.com']),
    ).toBe('proofpoint');
    expect(systemOfMxHosts([])).toBe('unknown');
  });
});

describe('systemOfRelayHost (Received hops)', () => {
  it('knows the internal relays that never appear in MX records', () => {
    expect(systemOfRelayHost('AM0P191MB0481.EURP191.PROD.OUTLOOK.COM')).toBe('microsoft-365');
    expect(systemOfRelayHost('vi1eur04ft014.eop-eur04.prod.protection.outlook.com')).toBe(
      'microsoft-365',
    );
    expect(systemOfRelayHost('as8p251ca0021.outlook.office365.com')).toBe('microsoft-365');
    expect(systemOfRelayHost('mx.google.com')).toBe('google-workspace');
    expect(systemOfRelayHost('m0512301.ppops.net')).toBe('proofpoint');
    expect(systemOfRelayHost('relay.mimecast.com')).toBe('mimecast');
    expect(systemOfRelayHost('xvfrcmsq.outbound-mail.sendgrid.net')).toBeNull();
    expect(systemOfRelayHost(null)).toBeNull();
  });
});

describe('parseDohMxAnswer', () => {
  it('returns the hosts most preferred first, without trailing dots, skipping CNAMEs', () => {
    expect(
      parseDohMxAnswer({
        Status: 0,
        TC: false,
        RD: true,
        RA: true,
        AD: false,
        CD: false,
        Question: [{ name: 'university.example.', type: 15 }],
        Answer: [
          { name: 'university.example.', type: 5, TTL: 300, data: 'mail.university.example.' },
          {
            name: 'university.example.',
            type: 15,
            TTL: 300,
            data: '20 mx0b-00123456.pphosted.com.',
          },
          {
            name: 'university.example.',
            type: 15,
            TTL: 300,
            data: '10 MX0A-00123456.pphosted.com.',
          },
          { name: 'university.example.', type: 15, TTL: 300, data: 'garbage' },
        ],
      }),
    ).toEqual({ ok: true, hosts: ['mx0a-00123456.pphosted.com', 'mx0b-00123456.pphosted.com'] });
  });

  it('accepts the JSON text as fetched', () => {
    const text =
      '{"Status":0,"Answer":[{"name":"x.example.","type":15,"TTL":60,"data":"0 x-example.mail.protection.outlook.com."}]}';
    expect(parseDohMxAnswer(text)).toEqual({
      ok: true,
      hosts: ['x-example.mail.protection.outlook.com'],
    });
  });

  it('returns errors as values', () => {
    expect(parseDohMxAnswer({ Status: 3, Authority: [] })).toEqual({
      ok: false,
      error: 'nxdomain',
      status: 3,
    });
    expect(parseDohMxAnswer({ Status: 2 })).toEqual({
      ok: false,
      error: 'server-failure',
      status: 2,
    });
    expect(parseDohMxAnswer({ Status: 5 })).toEqual({ ok: false, error: 'refused', status: 5 });
    expect(parseDohMxAnswer({ Status: 4 })).toEqual({ ok: false, error: 'dns-error', status: 4 });
    expect(parseDohMxAnswer({ Status: 0 })).toEqual({ ok: false, error: 'no-mx', status: 0 });
    // RFC 7505: "0 ." says the domain accepts no mail.
    expect(parseDohMxAnswer({ Status: 0, Answer: [{ type: 15, data: '0 .' }] })).toEqual({
      ok: false,
      error: 'null-mx',
      status: 0,
    });
    for (const bad of ['not json', '[]', null, 42, { Answer: [] }, { Status: 0, Answer: 'x' }]) {
      expect(parseDohMxAnswer(bad)).toEqual({ ok: false, error: 'malformed' });
    }
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.jsonValue(), fc.string()), (value) => {
        parseDohMxAnswer(value);
        parseDohTxtAnswer(value);
      }),
      { numRuns: 300 },
    );
  });
});

describe('SPF: the mailbox platform behind a gateway', () => {
  it('joins split TXT strings (RFC 7208 §3.3) and reads the include', () => {
    const answer = parseDohTxtAnswer({
      Status: 0,
      Answer: [
        {
          type: 16,
          data: '"v=spf1 include:spf.protection.outlook.com " "include:mktomail.com -all"',
        },
        { type: 16, data: '"google-site-verification=abc"' },
      ],
    });
    expect(answer).toEqual({
      ok: true,
      records: [
        'v=spf1 include:spf.protection.outlook.com include:mktomail.com -all',
        'google-site-verification=abc',
      ],
    });
    expect(answer.ok && mailboxFromSpf(answer.records)).toBe('microsoft-365');
    expect(mailboxFromSpf(['v=spf1 include:_spf.google.com ~all'])).toBe('google-workspace');
    expect(
      mailboxFromSpf(['v=spf1 include:_spf.google.com include:spf.protection.outlook.com ~all']),
    ).toBe('unknown');
    expect(mailboxFromSpf(['include:_spf.google.com'])).toBe('unknown');
  });
});

describe('names and kinds', () => {
  it('names every system, in params and in the catalog', () => {
    for (const id of MAIL_SYSTEMS) {
      expect(MAIL_SYSTEM_NAMES[id]).toBeTruthy();
      expect(mailSystemName(id)).toBe(MAIL_SYSTEM_NAMES[id]);
      expect(ENGLISH_CATALOG[`mail_system_${id.replace(/-/g, '_')}`]?.message).toBeTruthy();
    }
  });

  it('keeps mailbox platforms and gateways apart', () => {
    for (const id of MAILBOX_PLATFORMS) expect(isGatewaySystem(id)).toBe(false);
    for (const id of GATEWAY_SYSTEMS) expect(isMailboxPlatform(id)).toBe(false);
    expect(isGatewaySystem('other')).toBe(false);
    expect(isMailboxPlatform('unknown')).toBe(false);
  });
});

describe('receiving-side host names (header analysis)', () => {
  it('names the providers by their own servers', () => {
    expect(providerOfHost('BN1NAM02FT046.mail.protection.outlook.com')).toBe('microsoft');
    expect(providerOfHost('COL004-MC6F3.hotmail.com')).toBe('microsoft');
    expect(providerOfHost('mx.google.com')).toBe('google');
    expect(providerOfHost('atlas207.free.mail.gq1.yahoo.com')).toBe('yahoo');
    expect(providerOfHost('mailin012.protonmail.ch')).toBe('protonmail');
    expect(providerOfHost('mx1.messagingengine.com')).toBe('fastmail');
    expect(providerOfHost('mx01.mail.icloud.com')).toBe('icloud');
    expect(providerOfHost('mx.zoho.com')).toBe('zoho');
    expect(providerOfHost('mx.university.example')).toBeNull();
    expect(providerOfHost(null)).toBeNull();
  });

  it("tells Exchange Online's outbound relays and Outlook.com's servers apart", () => {
    expect(isMicrosoftOutboundHost('DM5PR21CU001.outbound.protection.outlook.com')).toBe(true);
    expect(isMicrosoftOutboundHost('DU6PEPF0000B61F.mail.protection.outlook.com')).toBe(false);
    expect(isOutlookComHost('BN3NAM04HT075.eop-NAM04.prod.protection.outlook.com')).toBe(true);
    expect(isOutlookComHost('SN1NAM02HT182')).toBe(true);
    expect(isOutlookComHost('BN3NAM04FT057.eop-NAM04.prod.protection.outlook.com')).toBe(false);
    expect(isOutlookComDomain('outlook.de')).toBe(true);
    expect(isOutlookComDomain('hotmail.co.uk')).toBe(true);
    expect(isOutlookComDomain('university.example')).toBe(false);
  });

  it('approximates organisational domains and keeps shared providers apart', () => {
    expect(organizationalDomain('smtp.lore.kernel.org')).toBe('kernel.org');
    expect(organizationalDomain('mail5.hipolabor.com.br')).toBe('hipolabor.com.br');
    expect(organizationalDomain('a.b.example.co.uk')).toBe('example.co.uk');
    expect(organizationalDomain('2002:ac2:5f09::')).toBeNull();
    expect(sameOrganization('mail.kernel.org', 'smtp.lore.kernel.org')).toBe(true);
    expect(sameOrganization('mail-sor-f41.google.com', 'mx.google.com')).toBe(false);
    expect(sameOrganization('kanga.kvack.org', 'mail.kernel.org')).toBe(false);
  });
});
