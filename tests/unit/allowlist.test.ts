/**
 * The whole allow list for IT (utils/allowlist.ts): every entry of the article, where it goes,
 * and what one user's checks verified; and the message for IT ending with the entries no
 * browser can test (utils/report.ts).
 */

import { describe, expect, it } from 'vitest';
import { allowlistJson, allowlistRows, renderAllowlist, statusText } from '@/utils/allowlist';
import { ENGLISH_CATALOG, translateEnglish as t } from '@/utils/catalogs';
import type { EmailEvidence } from '@/utils/email/evidence';
import { emailFindings } from '@/utils/email/findings';
import type { Evidence } from '@/utils/evidence';
import { createTranslator } from '@/utils/i18n';
import { type NetworkEvidence, networkFindings } from '@/utils/network/findings';
import { ENTRIES } from '@/utils/profile';
import { renderItMessage } from '@/utils/report';
import { ALL_OK, DELIVERED, evidenceAt } from './evidence-samples';

function evidence(network: NetworkEvidence | null, email: EmailEvidence | null): Evidence {
  return evidenceAt(Date.UTC(2026, 10, 2, 9), network, email);
}

const statuses = (e: Evidence | null) =>
  Object.fromEntries(allowlistRows(e).map((row) => [row.entry.id, row.status]));

describe('the allow list', () => {
  it('lists every entry of the article, in the profile’s order, with where IT adds it', () => {
    const rows = allowlistRows(null);
    expect(rows.map((row) => row.entry.id)).toEqual(Object.keys(ENTRIES));
    for (const row of rows) expect(row.systems.length).toBeGreaterThan(0);
    expect(statuses(null)).toEqual({
      'app-host-ip': 'not-checked',
      'raftr-domains': 'not-checked',
      'sender-no-reply': 'not-checked',
      'sender-domains': 'not-checked',
      'sending-ips': 'not-checked',
      'mail-authentication': 'not-checked',
      // Raftr connects to campus hosts: inbound, never testable from a browser.
      'nat-gateway': 'not-testable',
    });
  });

  it('says reachable for what the checks verified', () => {
    expect(statuses(evidence({ outcomes: ALL_OK }, DELIVERED))).toEqual({
      'app-host-ip': 'reachable',
      'raftr-domains': 'reachable',
      'sender-no-reply': 'reachable',
      'sender-domains': 'reachable',
      'sending-ips': 'reachable',
      'mail-authentication': 'reachable',
      'nat-gateway': 'not-testable',
    });
  });

  it('says blocked exactly where a finding asks IT to add the entry, with the ports', () => {
    const dropped = evidence({ outcomes: { ...ALL_OK, 'api-ip-https': 'timeout' } }, null);
    expect(statuses(dropped)).toMatchObject({
      'app-host-ip': 'blocked',
      'raftr-domains': 'reachable',
      'sender-no-reply': 'not-checked',
    });
    const port80 = allowlistRows(
      evidence({ outcomes: { ...ALL_OK, 'api-ip-http': 'timeout' } }, null),
    );
    const ip = port80.find((row) => row.entry.id === 'app-host-ip');
    expect(ip).toMatchObject({
      status: 'blocked',
      blockedPorts: [80],
      findings: ['port-80-blocked'],
    });
    expect(statusText(ip as never, t)).toBe('blocked on TCP 80: IT must add it');
  });

  it('follows the email check: junk and never-arrived hold the senders back', () => {
    expect(
      statuses(evidence(null, { ...DELIVERED, placement: 'spam', filterVerdict: 'spam' })),
    ).toMatchObject({
      'app-host-ip': 'not-checked',
      'sender-no-reply': 'blocked',
      'sender-domains': 'blocked',
      'sending-ips': 'blocked',
      'mail-authentication': 'reachable',
    });
    const missing = evidence(null, {
      ...DELIVERED,
      placement: 'missing',
      spf: 'unknown',
      dkim: 'unknown',
      dmarc: 'unknown',
    });
    expect(statuses(missing)).toMatchObject({
      'sending-ips': 'blocked',
      // Nothing arrived, so nothing says whether SPF and DKIM pass.
      'mail-authentication': 'inconclusive',
    });
  });

  it('does not claim what an offline check could not see', () => {
    const offline = evidence(
      {
        outcomes: {
          'app-https': 'offline',
          'web-https': 'offline',
          'api-ip-https': 'offline',
          'api-ip-http': 'offline',
          control: 'offline',
        },
      },
      null,
    );
    expect(statuses(offline)).toMatchObject({
      'app-host-ip': 'inconclusive',
      'raftr-domains': 'inconclusive',
    });
  });

  it('renders every entry with direction, protocol/ports, purpose, system and status', () => {
    const rows = allowlistRows(
      evidence(
        { outcomes: { ...ALL_OK, 'api-ip-https': 'timeout', 'api-ip-http': 'timeout' } },
        null,
      ),
    );
    const text = renderAllowlist(rows, t, { format: 'text', code: 'CODE' });
    for (const entry of Object.values(ENTRIES)) {
      expect(text).toContain(entry.values.join(', '));
      expect(text).toContain(t(`entry_${entry.id.replace(/-/g, '_')}_purpose`));
    }
    expect(text).toContain('inbound from Raftr to your hosts');
    expect(text).toContain('TCP 443, 80');
    expect(text).toContain(t('allowlist_status_not_testable'));
    expect(text).toContain(t('allowlist_status_blocked'));
    const md = renderAllowlist(rows, t, { format: 'markdown', code: 'CODE' });
    expect(md.split('\n').filter((line) => line.startsWith('| '))).toHaveLength(
      1 + Object.keys(ENTRIES).length,
    );
    // Without a code there is nothing to say about this user: no status column.
    expect(renderAllowlist(allowlistRows(null), t, { format: 'text' })).not.toContain(
      t('allowlist_col_status'),
    );
  });

  it('is JSON with fixed identifiers', () => {
    const json = allowlistJson(allowlistRows(null), t);
    expect(json.entries.find((e) => e.entryId === 'nat-gateway')).toMatchObject({
      values: ['50.18.246.41'],
      direction: 'inbound-integration',
      protocol: 'TCP',
      ports: [443, 80],
      testableFromBrowser: false,
      systems: ['firewall'],
      status: 'not-testable',
    });
  });
});

describe('the allow list speaks only through the catalog', () => {
  it('leaves no word outside the catalog but the entries’ values', () => {
    // Each message is its own key in brackets: what is left outside them is data.
    const pseudo = createTranslator(
      Object.fromEntries(
        Object.keys(ENGLISH_CATALOG).map((key) => [key, { message: `⟦${key} $1⟧` }]),
      ),
    );
    const data = new Set(
      Object.values(ENTRIES).flatMap((e) =>
        [...e.values, e.protocol].join(' ').split(/[^\p{L}]+/u),
      ),
    );
    const rows = allowlistRows(
      evidence({ outcomes: { ...ALL_OK, 'api-ip-http': 'timeout' } }, DELIVERED),
    );
    for (const format of ['text', 'markdown'] as const) {
      const rendered = renderAllowlist(rows, pseudo, { format, code: 'CODE' })
        .replace(/⟦[A-Za-z0-9_@]+/g, ' ')
        .replace(/[\w-]+(\.[\w-]+)+/g, ' ');
      const stray = (rendered.match(/\p{L}{3,}/gu) ?? []).filter(
        (word) => !data.has(word) && !/^[0-9A-Z]+$/.test(word),
      );
      expect(stray).toEqual([]);
    }
  });
});

describe('the message for IT ends with the entries a browser cannot test', () => {
  const untestable =
    'Also needed if you use Raftr integrations (a browser cannot test this): 50.18.246.41 — inbound from Raftr to your hosts, TCP 443, 80';

  it('after the problems, before the code and the source (text and Markdown)', () => {
    const findings = networkFindings({ outcomes: { ...ALL_OK, 'api-ip-https': 'timeout' } });
    const text = renderItMessage(findings, t, { format: 'text', code: 'ABC' }).split('\n');
    expect(text.slice(-5)).toEqual([
      '',
      untestable,
      '',
      'Diagnostic code: ABC',
      t('it_message_source'),
    ]);
    const md = renderItMessage(findings, t, { format: 'markdown' });
    expect(md).toContain(
      'Also needed if you use Raftr integrations (a browser cannot test this): `50.18.246.41 — inbound from Raftr to your hosts, TCP 443, 80`',
    );
  });

  it('in an all-clear message and an email one too', () => {
    expect(renderItMessage(networkFindings({ outcomes: ALL_OK }), t, { format: 'text' })).toContain(
      untestable,
    );
    expect(
      renderItMessage(emailFindings({ ...DELIVERED, placement: 'spam' }), t, { format: 'text' }),
    ).toContain(untestable);
  });
});
