/**
 * From real headers to what the user and IT read: every sample of the email header corpus
 * (tests/corpus/email, public sources) through `explainHeaders`, the paste-headers page's and
 * `raftr-diag explain`'s path. The hand-written facts decide which findings must come out, so a
 * verdict is checked against evidence nobody on the team wrote.
 */
import { describe, expect, it } from 'vitest';
import { explainHeaders } from '../../utils/email/analysis';
import type { AuthVerdict } from '../../utils/email/evidence';
import type { EmailFindingId } from '../../utils/email/findings';
import { loadEmailCorpus } from '../corpus/email/index';

const corpus = loadEmailCorpus();
const SPAM = new Set(['spam', 'high-confidence-spam', 'bulk', 'phish']);
const FAILED = new Set<string>(['fail', 'softfail', 'permerror', 'policy']);

/** The finding the facts call for, or null when they call for none of the new ones. */
function expectedFinding(sample: (typeof corpus)[number], placement: string): EmailFindingId[] {
  const { facts } = sample;
  const out: EmailFindingId[] = [];
  const spam = facts.spamVerdict !== null && SPAM.has(facts.spamVerdict);
  if (placement === 'inbox' && facts.allowOverride === 'user-safe-sender') {
    out.push(spam ? 'email-spam-allowed-by-user' : 'email-user-allow-only');
  }
  if (placement === 'inbox' && spam && facts.allowOverride === null) out.push('email-marked-spam');
  if (facts.forwarded && (FAILED.has(facts.spf ?? '') || FAILED.has(facts.dmarc ?? ''))) {
    out.push('email-forwarding-breaks-auth');
  }
  if ([facts.spf, facts.dkim, facts.dmarc].includes('temperror')) out.push('email-auth-temperror');
  return out;
}

describe('email corpus: findings from real headers', () => {
  const seen = new Map<EmailFindingId, string[]>();

  it.each(corpus.map((sample) => [sample.id, sample] as const))('%s', (_, sample) => {
    const report = explainHeaders(sample.raw);
    expect(report.readable).toBe(true);
    const { evidence } = report;
    const ids = report.findings.map((f) => f.id);
    for (const id of ids) seen.set(id, [...(seen.get(id) ?? []), sample.id]);

    // The evidence carries the facts in their own words.
    const word = (v: string | null): AuthVerdict => (v === null ? 'unknown' : (v as AuthVerdict));
    expect(evidence.spf, 'spf').toBe(word(sample.facts.spf));
    expect(evidence.dkim, 'dkim').toBe(word(sample.facts.dkim));
    expect(evidence.dmarc, 'dmarc').toBe(word(sample.facts.dmarc));
    expect(evidence.allowOverride, 'allowOverride').toBe(sample.facts.allowOverride ?? 'none');
    expect(evidence.forwarded, 'forwarded').toBe(sample.facts.forwarded);

    for (const id of expectedFinding(sample, evidence.placement)) {
      expect(ids, `${id} (${sample.why})`).toContain(id);
    }
    // Forwarding explains a failure: it is not blamed on Raftr's records as well.
    if (ids.includes('email-forwarding-breaks-auth'))
      expect(ids).not.toContain('email-auth-failed');
    // Never an all-clear on mail a filter called spam, or that did not authenticate (DMARC
    // failed, or SPF failed without a DKIM pass to stand in for it).
    const { spamVerdict, spf, dkim, dmarc } = sample.facts;
    const spam = spamVerdict !== null && SPAM.has(spamVerdict);
    const failed = FAILED.has(dmarc ?? '') || (FAILED.has(spf ?? '') && dkim !== 'pass');
    if (spam || failed) expect(ids, sample.why).not.toContain('email-delivered');

    // The same spam verdict on a copy the user found in the inbox (the page asks where it was):
    // delivered, but marked as spam.
    if (spam && sample.facts.allowOverride === null) {
      const inInbox = explainHeaders(sample.raw, { placement: 'inbox' }).findings.map((f) => f.id);
      for (const id of inInbox) seen.set(id, [...(seen.get(id) ?? []), sample.id]);
      expect(inInbox).toContain('email-marked-spam');
      expect(inInbox).not.toContain('email-delivered');
    }
  });

  it('has samples of its own for each kind of failure the findings name', () => {
    for (const id of [
      'email-spam-allowed-by-user',
      'email-marked-spam',
      'email-forwarding-breaks-auth',
      'email-auth-temperror',
      'email-in-spam',
      'email-auth-failed',
      'email-gateway-breaks-spf',
    ] as const) {
      expect(seen.get(id)?.length ?? 0, id).toBeGreaterThan(0);
    }
  });
});
