import { describe, expect, it } from 'vitest';
import { translateEnglish } from '@/utils/catalogs';
import { type NetworkEvidence, networkFindings, verdictOf } from '@/utils/network/findings';
import type { Outcome } from '@/utils/network/outcomes';
import { ENTRIES, PROBE_TARGET_IDS, type ProbeTargetId } from '@/utils/profile';
import { describeFinding, renderItMessage } from '@/utils/report';

function evidence(
  overrides: Partial<Record<ProbeTargetId, Outcome>>,
  product?: NetworkEvidence['product'],
): NetworkEvidence {
  const outcomes = Object.fromEntries(PROBE_TARGET_IDS.map((id) => [id, 'ok'])) as Record<
    ProbeTargetId,
    Outcome
  >;
  return { outcomes: { ...outcomes, ...overrides }, ...(product ? { product } : {}) };
}
const ids = (e: NetworkEvidence) => networkFindings(e).map((f) => f.id);
const values = (e: NetworkEvidence) =>
  networkFindings(e).flatMap((f) => f.entries.flatMap((x) => x.values));

describe('networkFindings', () => {
  it('says all clear when every probe is ok', () => {
    expect(ids(evidence({}))).toEqual(['all-clear']);
    expect(verdictOf(networkFindings(evidence({})))).toBe('reachable');
  });

  it('says offline alone when the control and Raftr all fail', () => {
    const e = evidence(Object.fromEntries(PROBE_TARGET_IDS.map((id) => [id, 'offline'])));
    expect(ids(e)).toEqual(['offline']);
  });

  it('blames the whole of Raftr when every Raftr probe fails and the control works', () => {
    const e = evidence({
      'app-https': 'refused',
      'web-https': 'refused',
      'api-ip-https': 'timeout',
      'api-ip-http': 'timeout',
    });
    const [finding] = networkFindings(e);
    expect(finding?.id).toBe('raftr-blocked');
    expect(values(e)).toEqual([
      ...ENTRIES['app-host-ip'].values,
      ...ENTRIES['raftr-domains'].values,
    ]);
    expect(finding?.system).toBe('firewall');
  });

  it('asks for the IP on TCP 443 and 80 when only the IP probes fail', () => {
    const e = evidence({ 'api-ip-https': 'timeout', 'api-ip-http': 'timeout' });
    const findings = networkFindings(e);
    expect(findings.map((f) => f.id)).toEqual(['ip-blocked']);
    expect(findings[0]?.entries[0]?.ports).toEqual([443, 80]);
    const [first] = findings;
    if (!first) throw new Error('no finding');
    const text = describeFinding(first, translateEnglish);
    expect(text.entries[0]).toContain('52.8.243.15');
    expect(text.entries[0]).toContain('TCP 443, 80');
  });

  it('calls port 80 alone minor', () => {
    const findings = networkFindings(evidence({ 'api-ip-http': 'refused' }));
    expect(findings.map((f) => [f.id, f.severity])).toEqual([['port-80-blocked', 'minor']]);
    expect(verdictOf(findings)).toBe('reachable-minor');
  });

  it('points at DNS when names do not resolve while the IP answers', () => {
    const findings = networkFindings(
      evidence({ 'app-https': 'dns-failed', 'web-https': 'dns-failed' }),
    );
    expect(findings.map((f) => [f.id, f.system])).toEqual([['names-blocked', 'dns-filter']]);
    expect(findings[0]?.entries[0]?.values).toEqual(['raftr.com', '*.raftr.com']);
  });

  it('points at a name-based filter when names are reset while the IP answers', () => {
    const findings = networkFindings(evidence({ 'app-https': 'reset', 'web-https': 'reset' }));
    expect(findings.map((f) => [f.id, f.system])).toEqual([['names-blocked', 'web-filter']]);
  });

  it('names the proxy product in the block-page finding', () => {
    const e = evidence(
      { 'app-https': 'proxy-blocked', 'web-https': 'proxy-blocked' },
      'fortiguard',
    );
    const [finding] = networkFindings(e);
    expect(finding?.id).toBe('proxy-block-page');
    if (!finding) throw new Error('no finding');
    expect(describeFinding(finding, translateEnglish).title).toContain('FortiGuard');
  });

  it('has a finding of its own for interception, policy, extension and server error', () => {
    expect(ids(evidence({ 'app-https': 'tls-untrusted' }))).toEqual(['tls-interception']);
    expect(ids(evidence({ 'app-https': 'blocked-by-policy' }))).toEqual(['blocked-by-policy']);
    expect(ids(evidence({ 'web-https': 'blocked-by-extension' }))).toEqual([
      'blocked-by-extension',
    ]);
    const trouble = networkFindings(evidence({ 'app-https': 'server-error' }));
    expect(trouble.map((f) => f.id)).toEqual(['raftr-server-error']);
    expect(verdictOf(trouble)).toBe('raftr-trouble');
  });

  it('lets a captive portal explain everything else', () => {
    expect(
      ids(
        evidence({
          control: 'captive-portal',
          'api-ip-http': 'captive-portal',
          'app-https': 'refused',
        }),
      ),
    ).toEqual(['captive-portal']);
  });
});

describe('every finding has words', () => {
  const all: Partial<Record<ProbeTargetId, Outcome>>[] = [
    {},
    { 'app-https': 'unknown' },
    { 'api-ip-http': 'refused' },
    { 'app-https': 'proxy-blocked' },
  ];
  it('renders title, body and the IT message without empty parts', () => {
    for (const overrides of all) {
      for (const finding of networkFindings(evidence(overrides))) {
        const text = describeFinding(finding, translateEnglish);
        expect(text.title).not.toBe('');
        expect(text.body).not.toBe('');
        expect(text.system).not.toBe('');
      }
    }
    const message = renderItMessage(
      networkFindings(evidence({ 'api-ip-https': 'timeout' })),
      translateEnglish,
      { format: 'text' },
    );
    expect(message).toContain('52.8.243.15');
    expect(message).toContain('outbound from your network to Raftr');
  });
});

describe('the message for IT speaks to IT', () => {
  it('never tells IT to "ask IT", for any single failing probe or email placement', async () => {
    const { OUTCOMES } = await import('@/utils/network/outcomes');
    const { emailFindings } = await import('@/utils/email/findings');
    const { PLACEMENTS, UNKNOWN_EMAIL_EVIDENCE } = await import('@/utils/email/evidence');
    const findings = [
      ...PROBE_TARGET_IDS.flatMap((id) =>
        OUTCOMES.flatMap((outcome) => networkFindings(evidence({ [id]: outcome }, 'fortiguard'))),
      ),
      ...PLACEMENTS.flatMap((placement) =>
        emailFindings({ ...UNKNOWN_EMAIL_EVIDENCE, source: 'mailbox', placement, spf: 'fail' }),
      ),
    ];
    const message = renderItMessage(findings, translateEnglish, { format: 'text' });
    expect(message).not.toMatch(/ask (your )?IT/i);
    expect(message).toContain('Fortinet FortiGuard');
  });
});

describe('values come from the profile, not from the words', () => {
  it('has no allow-list value written into a network finding or probe message', async () => {
    const { ENGLISH_CATALOG } = await import('@/utils/catalogs');
    const { NETWORK_FINDING_IDS } = await import('@/utils/network/findings');
    const values = Object.values(ENTRIES).flatMap((entry) => entry.values);
    const keys = Object.keys(ENGLISH_CATALOG).filter(
      (key) =>
        key.startsWith('probe_') ||
        NETWORK_FINDING_IDS.some((id) => key.startsWith(`finding_${id.replace(/-/g, '_')}_`)),
    );
    expect(keys.length).toBeGreaterThan(20);
    for (const key of keys) {
      for (const value of values) {
        expect(ENGLISH_CATALOG[key]?.message, key).not.toContain(value.replace('*.', ''));
      }
    }
  });
});
