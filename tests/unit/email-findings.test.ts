/**
 * Email findings: each finding from its evidence, its remedies in the detected system's terms,
 * and the i18n catalog covering every message the rules can produce.
 */
import { describe, expect, it } from 'vitest';
import { ENGLISH_CATALOG, translateEnglish as t } from '../../utils/catalogs';
import {
  ALLOW_OVERRIDES,
  AUTH_VERDICTS,
  DELAY_BANDS,
  type EmailEvidence,
  FILTER_VERDICTS,
  MAIL_SYSTEMS,
  PLACEMENTS,
  SENDING_IP_MATCHES,
  UNKNOWN_EMAIL_EVIDENCE,
} from '../../utils/email/evidence';
import {
  EMAIL_FINDING_IDS,
  type EmailFinding,
  emailFindings,
  mailboxAccessFinding,
} from '../../utils/email/findings';
import { describeRemedies, remedyMessageName, remedyParams } from '../../utils/email/remedies';
import { messageName } from '../../utils/i18n';
import { ENTRIES } from '../../utils/profile';
import { describeFinding } from '../../utils/report';

const DELIVERED: EmailEvidence = {
  source: 'mailbox',
  placement: 'inbox',
  spf: 'pass',
  dkim: 'pass',
  dmarc: 'pass',
  sendingIp: 'expected',
  mailbox: 'microsoft-365',
  gateway: 'unknown',
  filterVerdict: 'not-spam',
  allowOverride: 'none',
  forwarded: false,
  delay: 'under-1m',
};
const evidence = (change: Partial<EmailEvidence>): EmailEvidence => ({ ...DELIVERED, ...change });
const only = (found: EmailFinding[]) => {
  expect(found).toHaveLength(1);
  return found[0] as EmailFinding;
};
const remedies = (finding: EmailFinding | undefined) =>
  (finding?.remedies ?? []).map((r) => `${r.system}/${r.action}`);
/** Everything a user or IT would read for a finding. */
const rendered = (finding: EmailFinding) => {
  const text = describeFinding(finding, t);
  return [
    text.title,
    text.body,
    text.steps,
    ...describeRemedies(finding, t).map((r) => r.text),
  ].join('\n');
};
const SENDER_DOMAINS = ENTRIES['sender-domains'].values;
const SENDING_IPS = ENTRIES['sending-ips'].values;

describe('each finding from its evidence', () => {
  it('delivered fine', () => {
    const finding = only(emailFindings(DELIVERED));
    expect(finding).toMatchObject({
      id: 'email-delivered',
      severity: 'ok',
      system: 'none',
      remedies: [],
    });
    expect(describeFinding(finding, t).body).toContain('Microsoft 365');
  });

  it('in spam, Microsoft 365: which filter, which entries, with the shared-IP caveat', () => {
    const finding = only(emailFindings(evidence({ placement: 'spam', filterVerdict: 'spam' })));
    expect(finding).toMatchObject({
      id: 'email-in-spam',
      severity: 'blocking',
      system: 'spam-filter',
    });
    expect(finding.entries.map((e) => e.entryId)).toEqual([
      'sender-no-reply',
      'sender-domains',
      'sending-ips',
    ]);
    expect(remedies(finding)).toEqual([
      'microsoft-365/allow-senders',
      'microsoft-365/allow-sending-ips',
    ]);
    const text = rendered(finding);
    expect(text).toContain('Microsoft 365 filed it as junk');
    for (const value of [...SENDER_DOMAINS, ...SENDING_IPS]) expect(text).toContain(value);
    expect(text).toContain('shared SendGrid addresses');
    expect(text).toContain('Tenant Allow/Block Lists');
    expect(text).toContain('dmarc=pass or dmarc=bestguesspass');
    expect(text).toContain(
      `Set-HostedConnectionFilterPolicy -Identity Default -IPAllowList @{Add="${SENDING_IPS.join('","')}"}`,
    );
  });

  it('in spam, Gmail: the approved senders list and the Email allowlist', () => {
    const finding = only(
      emailFindings(
        evidence({ placement: 'spam', mailbox: 'google-workspace', filterVerdict: 'none' }),
      ),
    );
    expect(remedies(finding)).toEqual([
      'google-workspace/allow-senders',
      'google-workspace/allow-sending-ips',
    ]);
    const text = rendered(finding);
    expect(text).toContain('Google Workspace filed it as junk');
    expect(text).toContain('approved senders');
    expect(text).toContain('Email allowlist');
  });

  it('in spam behind a gateway: the filter that acted first, then the gateway', () => {
    const finding = emailFindings(
      evidence({
        placement: 'spam',
        filterVerdict: 'spam',
        gateway: 'proofpoint',
        spf: 'softfail',
      }),
    )[0];
    expect(remedies(finding)).toEqual([
      'microsoft-365/allow-senders',
      'microsoft-365/allow-sending-ips',
      'proofpoint/allow-senders',
      'proofpoint/allow-sending-ips',
    ]);
    expect(rendered(finding as EmailFinding)).toContain('Organizational Safe List');
  });

  it('in spam with an unknown mailbox: steps for both Microsoft 365 and Google Workspace', () => {
    const finding = only(
      emailFindings(evidence({ placement: 'spam', mailbox: 'unknown', filterVerdict: 'none' })),
    );
    expect(finding.remedies.map((r) => r.system)).toEqual([
      'microsoft-365',
      'microsoft-365',
      'google-workspace',
      'google-workspace',
    ]);
    expect(describeFinding(finding, t).body).toContain('your mail system filed it');
  });

  it('never arrived: check the quarantine and allow the sending IPs at the gateway', () => {
    const finding = only(
      emailFindings({ ...UNKNOWN_EMAIL_EVIDENCE, mailbox: 'microsoft-365', gateway: 'mimecast' }),
    );
    expect(finding).toMatchObject({
      id: 'email-missing',
      severity: 'blocking',
      system: 'mail-gateway',
    });
    expect(remedies(finding)).toEqual([
      'mimecast/check-quarantine',
      'mimecast/allow-sending-ips',
      'microsoft-365/check-quarantine',
      'microsoft-365/allow-senders',
    ]);
    const text = rendered(finding);
    expect(text).toContain('rejected or quarantined before delivery, by Mimecast');
    expect(text).toContain('Held Messages');
    expect(text).toContain(SENDING_IPS.map((ip) => `${ip}/32`).join(', '));
    expect(text).toContain('https://security.microsoft.com/quarantine');
  });

  it('never arrived, nothing known: both platforms', () => {
    const finding = only(emailFindings(UNKNOWN_EMAIL_EVIDENCE));
    expect(finding.id).toBe('email-missing');
    expect(remedies(finding)).toEqual([
      'microsoft-365/check-quarantine',
      'microsoft-365/allow-senders',
      'microsoft-365/allow-sending-ips',
      'google-workspace/check-quarantine',
      'google-workspace/allow-senders',
      'google-workspace/allow-sending-ips',
    ]);
  });

  it("authentication failed from Raftr's own IP: Raftr's to fix, no allow entry", () => {
    const finding = only(emailFindings(evidence({ spf: 'softfail', dkim: 'fail', dmarc: 'fail' })));
    expect(finding).toMatchObject({
      id: 'email-auth-failed',
      severity: 'minor',
      system: 'raftr',
      remedies: [],
    });
    expect(finding.entries.map((e) => e.entryId)).toEqual(['mail-authentication']);
    expect(describeFinding(finding, t).body).toContain('SPF, DKIM, DMARC did not pass');
    const inSpam = emailFindings(
      evidence({ placement: 'spam', dmarc: 'fail', filterVerdict: 'none' }),
    );
    expect(inSpam.map((f) => [f.id, f.severity])).toEqual([
      ['email-in-spam', 'blocking'],
      ['email-auth-failed', 'blocking'],
    ]);
  });

  it('authentication failed from another address: something relayed it', () => {
    const finding = only(
      emailFindings(evidence({ spf: 'fail', dkim: 'none', sendingIp: 'other' })),
    );
    expect(finding.system).toBe('mail-gateway');
    expect(remedies(finding)).toEqual(['microsoft-365/trust-gateway']);
  });

  it('a gateway in front breaking SPF: Enhanced Filtering / inbound gateway, not auth-failed', () => {
    const m365 = only(emailFindings(evidence({ spf: 'softfail', gateway: 'proofpoint' })));
    expect(m365).toMatchObject({
      id: 'email-gateway-breaks-spf',
      severity: 'minor',
      system: 'mail-gateway',
    });
    expect(remedies(m365)).toEqual(['microsoft-365/trust-gateway']);
    expect(rendered(m365)).toContain('passes through Proofpoint before it reaches Microsoft 365');
    expect(rendered(m365)).toContain(
      'Set-InboundConnector -Identity "<connector name>" -EFSkipLastIP $true',
    );

    const google = only(
      emailFindings(
        evidence({
          spf: 'softfail',
          dkim: 'fail',
          dmarc: 'fail',
          mailbox: 'google-workspace',
          gateway: 'mimecast',
        }),
      ),
    );
    expect(google.id).toBe('email-gateway-breaks-spf');
    expect(rendered(google)).toContain('Automatically detect external IP');

    const unknownMailbox = only(
      emailFindings(evidence({ spf: 'fail', mailbox: 'unknown', gateway: 'barracuda' })),
    );
    expect(remedies(unknownMailbox)).toEqual([
      'microsoft-365/trust-gateway',
      'google-workspace/trust-gateway',
    ]);
  });

  it('delayed: greylisting at the gateway, or the mailbox when there is none', () => {
    const atGateway = only(emailFindings(evidence({ delay: 'over-15m', gateway: 'mimecast' })));
    expect(atGateway).toMatchObject({ id: 'email-delayed', severity: 'minor' });
    expect(remedies(atGateway)).toEqual(['mimecast/greylisting']);
    expect(rendered(atGateway)).toContain('Gateway → Policies → Greylisting');
    const onPrem = only(emailFindings(evidence({ delay: 'over-15m', mailbox: 'other' })));
    expect(remedies(onPrem)).toEqual(['other/greylisting']);
    expect(rendered(onPrem)).toContain('throttling by your mail server');
    expect(emailFindings(evidence({ delay: 'under-15m' }))[0]?.id).toBe('email-delivered');
  });

  it("blocked by the user's own Blocked Senders list: no spam finding, no IT allow entry", () => {
    const finding = only(
      emailFindings(evidence({ placement: 'spam', filterVerdict: 'blocked-sender' })),
    );
    expect(finding).toMatchObject({
      id: 'email-blocked-sender',
      severity: 'blocking',
      system: 'mailbox',
    });
    expect(remedies(finding)).toEqual(['microsoft-365/remove-blocked-sender']);
    expect(rendered(finding)).toContain('Blocked senders and domains');
    expect(rendered(finding)).toContain('-BlockedSendersAndDomains @{Remove="no-reply@raftr.com"');
    const unknown = only(
      emailFindings(
        evidence({ placement: 'spam', filterVerdict: 'blocked-sender', mailbox: 'unknown' }),
      ),
    );
    expect(remedies(unknown)).toEqual(['microsoft-365/remove-blocked-sender']);
  });

  it('blocked by an anti-spam policy (SFV:SKB)', () => {
    const finding = only(
      emailFindings(evidence({ placement: 'spam', filterVerdict: 'blocked-by-policy' })),
    );
    expect(finding).toMatchObject({ id: 'email-blocked-by-policy', system: 'spam-filter' });
    expect(remedies(finding)).toEqual(['microsoft-365/review-policy']);
    expect(rendered(finding)).toContain('Set-HostedContentFilterPolicy');
  });

  it('archived and in the trash', () => {
    expect(only(emailFindings(evidence({ placement: 'archived' }))).id).toBe('email-archived');
    expect(only(emailFindings(evidence({ placement: 'trash' }))).id).toBe('email-in-trash');
  });

  it('a missing message has no authentication or delay findings', () => {
    const found = emailFindings({
      ...UNKNOWN_EMAIL_EVIDENCE,
      spf: 'fail',
      delay: 'over-15m',
      gateway: 'cisco',
    });
    expect(found.map((f) => f.id)).toEqual(['email-missing']);
    expect(rendered(found[0] as EmailFinding)).toContain('HAT Overview');
  });
});

describe('every evidence the code can carry', () => {
  // The dimensions that change which findings and remedies come out, with every value of each.
  const all: EmailEvidence[] = [];
  // The mailbox as the rules read it (canonicalEmailEvidence turns a gateway product given as
  // the mailbox into the gateway); delay and forwarding paired to keep the product small.
  const mailboxes = ['unknown', 'microsoft-365', 'google-workspace', 'other'] as const;
  const paths = [
    ['under-1m', false],
    ['over-15m', true],
    ['under-1m', true],
  ] as const;
  for (const placement of PLACEMENTS)
    for (const spf of ['pass', 'softfail', 'temperror'] as const)
      for (const dkim of ['pass', 'fail'] as const)
        for (const dmarc of ['pass', 'fail'] as const)
          for (const sendingIp of SENDING_IP_MATCHES)
            for (const mailbox of mailboxes)
              for (const gateway of MAIL_SYSTEMS)
                for (const filterVerdict of FILTER_VERDICTS)
                  for (const allowOverride of ALLOW_OVERRIDES)
                    for (const [delay, forwarded] of paths)
                      all.push({
                        source: 'mailbox',
                        placement,
                        spf,
                        dkim,
                        dmarc,
                        sendingIp,
                        mailbox,
                        gateway,
                        filterVerdict,
                        allowOverride,
                        forwarded,
                        delay,
                      });

  it('gives at least one finding, with six parameters, and a message for every remedy', () => {
    const remedyKeys = new Set<string>();
    const findingIds = new Set<string>();
    for (const e of all) {
      const found = emailFindings(e);
      if (found.length === 0) throw new Error(`no finding for ${JSON.stringify(e)}`);
      for (const finding of found) {
        findingIds.add(finding.id);
        if (finding.params.length !== 6)
          throw new Error(`${finding.id}: ${finding.params.length} params`);
        for (const remedy of finding.remedies) {
          if (remedy.system === 'unknown') throw new Error(`${finding.id}: remedy for 'unknown'`);
          remedyKeys.add(remedyMessageName(remedy));
        }
      }
    }
    // mailbox-access-blocked comes from a failed sign-in, not from evidence (mailboxAccessFinding).
    const fromEvidence = EMAIL_FINDING_IDS.filter((id) => id !== 'mailbox-access-blocked');
    expect([...findingIds].sort()).toEqual([...fromEvidence].sort());
    const missing = [...remedyKeys].filter((key) => !ENGLISH_CATALOG[key]?.message);
    expect(missing).toEqual([]);
  }, 30_000);

  it('keeps the fixed-order enumerations the diagnostic code relies on', () => {
    expect(PLACEMENTS).toEqual(['inbox', 'spam', 'archived', 'trash', 'missing']);
    expect(AUTH_VERDICTS).toEqual([
      'unknown',
      'pass',
      'fail',
      'softfail',
      'none',
      'neutral',
      'temperror',
      'permerror',
      'policy',
      'bestguesspass',
    ]);
    expect(FILTER_VERDICTS.slice(-2)).toEqual(['allowed', 'phish']);
    expect(ALLOW_OVERRIDES).toEqual(['none', 'user-safe-sender', 'org-allow']);
    expect(DELAY_BANDS).toEqual(['unknown', 'under-1m', 'under-15m', 'over-15m']);
  });
});

describe('the words', () => {
  const emailMessages = Object.entries(ENGLISH_CATALOG).filter(([key]) =>
    /^(finding_email_|remedy_)/.test(key),
  );

  it('names the app to approve by its client id, in each provider’s console', () => {
    const google = mailboxAccessFinding('gmail', '284716902241-x.apps.googleusercontent.com');
    const microsoft = mailboxAccessFinding('microsoft', '7d5c3a51-2b6e-4f0a-9c1d-8e2f4a6b9c01');
    const text = (f: typeof google) =>
      describeRemedies(f, t)
        .map((r) => r.text)
        .join(' ');
    expect(text(google)).toContain('App access control');
    expect(text(google)).toContain('284716902241-x.apps.googleusercontent.com');
    expect(text(microsoft)).toContain('Enterprise applications');
    expect(text(microsoft)).toContain('client_id=7d5c3a51-2b6e-4f0a-9c1d-8e2f4a6b9c01');
  });

  it('has a title, body and steps for every email finding', () => {
    for (const id of EMAIL_FINDING_IDS) {
      for (const part of ['title', 'body', 'steps']) {
        expect(
          ENGLISH_CATALOG[messageName('finding', id, part)]?.message,
          `${id} ${part}`,
        ).toBeTruthy();
      }
    }
  });

  it('names values only through substitutions, so they always match the profile', () => {
    for (const [key, { message }] of emailMessages) {
      const withoutNetmask = message.replace('255.255.255.255', '');
      expect(withoutNetmask, key).not.toMatch(/\b\d{1,3}(\.\d{1,3}){3}\b/);
      expect(message, key).not.toMatch(/raftr\.com/i);
      // Findings have six substitutions, remedies eight (the eighth: the finding's own detail).
      expect(message, key).not.toMatch(key.startsWith('finding_') ? /\$[7-9]/ : /\$9/);
    }
  });

  it('warns that the sending IPs are shared SendGrid addresses wherever it asks to allow them', () => {
    for (const [key, { message }] of emailMessages) {
      if (key.endsWith('_allow_sending_ips')) expect(message, key).toMatch(/shared SendGrid/);
    }
    for (const id of ['email_in_spam', 'email_missing']) {
      expect(ENGLISH_CATALOG[`finding_${id}_steps`]?.message).toMatch(/shared SendGrid/);
    }
  });

  it('substitutes every placeholder', () => {
    const params = remedyParams();
    expect(params.slice(0, 3)).toEqual([
      SENDER_DOMAINS.join(', '),
      SENDING_IPS.join(', '),
      ENTRIES['sender-no-reply'].values.join(', '),
    ]);
    for (const [key, { message }] of emailMessages) {
      const text = t(key, key.startsWith('remedy_') ? params : ['a', 'b', 'c', 'd', 'e', 'f']);
      expect(text, key).not.toMatch(/\$\d/);
      expect(message.includes('$$') ? text.includes('$true') : true, key).toBe(true);
    }
  });
});
