import { describe, expect, it } from 'vitest';
import type { EmailEvidence } from '@/utils/email/evidence';
import { emailFindings } from '@/utils/email/findings';
import { assembleEvidence, browserFromUserAgent, findingsFor } from '@/utils/evidence';
import { type NetworkEvidence, networkFindings } from '@/utils/network/findings';
import { PROBE_TARGET_IDS } from '@/utils/profile';

const UA = {
  chrome:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/144.0.0.0 Safari/537.36',
  edge: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/143.0.0.0 Safari/537.36 Edg/143.0.3650.66',
  firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:147.0) Gecko/20100101 Firefox/147.0',
  opera:
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/142.0.0.0 Safari/537.36 OPR/126.0.0.0',
};

describe('browserFromUserAgent', () => {
  it('reads the family and major version from the UA string', () => {
    expect(browserFromUserAgent(UA.chrome)).toEqual({ family: 'chrome', major: 144 });
    expect(browserFromUserAgent(UA.edge)).toEqual({ family: 'edge', major: 143 });
    expect(browserFromUserAgent(UA.firefox)).toEqual({ family: 'firefox', major: 147 });
    expect(browserFromUserAgent(UA.opera)).toEqual({ family: 'other', major: 142 });
    expect(browserFromUserAgent('curl/8.0')).toEqual({ family: 'other', major: 0 });
  });

  it('prefers UA Client Hints brands, which name what the UA string hides', () => {
    const grease = { brand: 'Not_A Brand', version: '24' };
    // Brave's UA string is Chrome's; only its brands say Brave.
    const brave = [
      grease,
      { brand: 'Chromium', version: '144' },
      { brand: 'Brave', version: '144' },
    ];
    expect(browserFromUserAgent(UA.chrome, brave)).toEqual({ family: 'other', major: 144 });
    const chrome = [
      { brand: 'Chromium', version: '144' },
      { brand: 'Google Chrome', version: '144' },
      grease,
    ];
    expect(browserFromUserAgent(UA.chrome, chrome)).toEqual({ family: 'chrome', major: 144 });
    const edge = [
      grease,
      { brand: 'Microsoft Edge', version: '143' },
      { brand: 'Chromium', version: '143' },
    ];
    expect(browserFromUserAgent(UA.chrome, edge)).toEqual({ family: 'edge', major: 143 });
    // An empty brand list (some embedded browsers) falls back to the UA string.
    expect(browserFromUserAgent(UA.firefox, [])).toEqual({ family: 'firefox', major: 147 });
  });
});

const NETWORK: NetworkEvidence = {
  outcomes: Object.fromEntries(
    PROBE_TARGET_IDS.map((id) => [id, 'ok']),
  ) as NetworkEvidence['outcomes'],
};
const EMAIL: EmailEvidence = {
  source: 'mailbox',
  placement: 'missing',
  spf: 'unknown',
  dkim: 'unknown',
  dmarc: 'unknown',
  sendingIp: 'unknown',
  mailbox: 'google-workspace',
  gateway: 'proofpoint',
  filterVerdict: 'none',
  allowOverride: 'none',
  forwarded: false,
  delay: 'unknown',
};
const PARTS = {
  extensionVersion: '0.1.0',
  browser: { family: 'chrome', major: 144 },
  profileVersion: 1,
} as const;

describe('findingsFor and assembleEvidence', () => {
  it('puts the network findings first, then the email findings', () => {
    const evidence = assembleEvidence({
      ...PARTS,
      network: NETWORK,
      networkAt: 1,
      email: EMAIL,
      emailAt: 2,
    });
    expect(evidence && findingsFor(evidence)).toEqual([
      ...networkFindings(NETWORK),
      ...emailFindings(EMAIL),
    ]);
  });

  it('dates the evidence by its latest part, floored to the hour', () => {
    const at = Date.UTC(2026, 4, 1, 9, 59, 59);
    const later = Date.UTC(2026, 4, 1, 11, 30);
    expect(
      assembleEvidence({ ...PARTS, network: NETWORK, networkAt: at, email: EMAIL, emailAt: later })
        ?.createdAt,
    ).toBe(Date.UTC(2026, 4, 1, 11));
    expect(
      assembleEvidence({ ...PARTS, network: NETWORK, networkAt: at, email: null, emailAt: later })
        ?.createdAt,
    ).toBe(Date.UTC(2026, 4, 1, 9));
  });

  it('has nothing to say without a check', () => {
    expect(assembleEvidence({ ...PARTS, network: null, email: null })).toBeNull();
  });
});
