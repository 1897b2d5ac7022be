import { afterEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { browser } from 'wxt/browser';
import english from '@/public/_locales/en/messages.json' with { type: 'json' };
import { createTranslator } from '@/utils/i18n';
import { type Policy, type PolicyProblem, parsePolicy, policyProblemMessage } from '@/utils/policy';
import { mailtoLink } from '@/utils/report';
import { readManagedPolicy } from '@/utils/storage';

describe('parsePolicy', () => {
  it('reads no policy as an empty one, without problems', () => {
    for (const raw of [{}, undefined, null, 'x', 42]) {
      expect(parsePolicy(raw)).toEqual({ policy: {}, problems: [] });
    }
    expect(parsePolicy({ itContact: '' })).toEqual({ policy: {}, problems: [] });
  });

  it('takes an IT contact address, with or without mailto:', () => {
    expect(parsePolicy({ itContact: 'it@campus.edu' }).policy).toEqual({
      itContact: 'it@campus.edu',
    });
    expect(parsePolicy({ itContact: ' MAILTO:help.desk+raftr@it.campus.edu ' }).policy).toEqual({
      itContact: 'help.desk+raftr@it.campus.edu',
    });
  });

  it('lists a bad IT contact as a problem and does not use it', () => {
    expect(parsePolicy({ itContact: 42 })).toEqual({
      policy: {},
      problems: [{ key: 'itContact', reason: 'not-a-string', value: '42' }],
    });
    for (const bad of ['helpdesk', 'a@b', 'a b@c.edu', 'x@y.edu?cc=z@w.edu', '<it@campus.edu>']) {
      const parsed = parsePolicy({ itContact: bad });
      expect(parsed.policy, bad).toEqual({});
      expect(parsed.problems, bad).toEqual([
        { key: 'itContact', reason: 'not-an-email-address', value: bad },
      ]);
    }
  });

  it('takes only addresses that a mailto: link carries as they are (RFC 6068)', () => {
    // The link is `mailto:<address>?subject=…&body=…`: the address is not percent-encoded, so
    // `?`, `#`, `&` or `%` in it would add headers, cut the subject off or change the address.
    const tricky = [
      'it@campus.edu?bcc=attacker@evil.example',
      'it@campus.edu?subject=Hi',
      'it@campus.edu#',
      'it&body=x@campus.edu',
      'it%0Abcc@campus.edu',
      'it%40evil.example@campus.edu',
      'it@campus.edu&body=replaced',
      'it=x@campus.edu',
      'it/x@campus.edu',
      '.it@campus.edu',
      'it@campus..edu',
      'it@@campus.edu',
    ];
    for (const bad of tricky) {
      const parsed = parsePolicy({ itContact: bad });
      expect(parsed.policy, bad).toEqual({});
      expect(parsed.problems, bad).toEqual([
        { key: 'itContact', reason: 'not-an-email-address', value: bad },
      ]);
    }
    // Whatever it does take, the link addresses exactly that and keeps its subject and body.
    const plain = [
      'it@campus.edu',
      'help.desk+raftr@it.campus.edu',
      "o'brien@campus.edu",
      'it_desk~1@sub-domain.campus.edu',
      'soporte@universidad.es',
      'informatique@université.fr',
    ];
    for (const address of [...plain, ...tricky]) {
      const itContact = parsePolicy({ itContact: address }).policy.itContact;
      if (itContact === undefined) continue;
      const url = new URL(mailtoLink(itContact, 'Subject', 'Body'));
      expect(decodeURIComponent(url.pathname), address).toBe(address);
      expect([...url.searchParams.keys()], address).toEqual(['subject', 'body']);
      expect(url.searchParams.get('subject'), address).toBe('Subject');
      expect(url.hash, address).toBe('');
    }
    for (const address of plain) {
      expect(parsePolicy({ itContact: address }).policy.itContact, address).toBe(address);
    }
  });

  it('calls an invalid client secret an invalid secret, and never shows it', () => {
    expect(parsePolicy({ gmailClientSecret: 'has spaces' })).toEqual({
      policy: {},
      problems: [{ key: 'gmailClientSecret', reason: 'not-a-client-secret', value: '…' }],
    });
    expect(parsePolicy({ gmailClientSecret: 1234 }).problems).toEqual([
      { key: 'gmailClientSecret', reason: 'not-a-string', value: '…' },
    ]);
  });

  it('leaves keys it does not own alone', () => {
    expect(parsePolicy({ controlUrl: 'http://x', itContact: 'it@campus.edu' })).toEqual({
      policy: { itContact: 'it@campus.edu' },
      problems: [],
    });
  });
});

describe('policyProblemMessage', () => {
  /** What each key is called in English: a problem's message must name its own key. */
  const SUBJECT: Record<keyof Policy, RegExp> = {
    itContact: /IT contact/,
    gmailClientId: /Google OAuth client id/,
    gmailClientSecret: /Google OAuth client secret/,
    microsoftClientId: /Microsoft application \(client\) id/,
    microsoftTenant: /Microsoft tenant/,
    testMessageEndpoint: /test-message endpoint/,
  };
  const NOT_TEXT = {
    itContact: 42,
    gmailClientId: 7,
    gmailClientSecret: true,
    microsoftClientId: [1],
    microsoftTenant: { a: 1 },
    testMessageEndpoint: 0,
  };
  const MALFORMED = {
    itContact: 'helpdesk',
    gmailClientId: 'a b',
    gmailClientSecret: 'a b',
    microsoftClientId: 'not-a-guid',
    microsoftTenant: 'bad tenant',
    testMessageEndpoint: 'http://raftr.example/test',
  };
  // The catalog itself, not a module's re-export of it: the shipped English words are tested.
  const translateEnglish = createTranslator(english);
  const englishText = (problem: PolicyProblem) => {
    const { name, substitutions } = policyProblemMessage(problem);
    return translateEnglish(name, substitutions);
  };
  const problems: PolicyProblem[] = [
    ...parsePolicy(NOT_TEXT).problems,
    ...parsePolicy(MALFORMED).problems,
  ];

  it('has an English message for every problem parsePolicy reports, naming its own key', () => {
    expect(problems).toHaveLength(12);
    for (const problem of problems) {
      const text = englishText(problem);
      const label = `${problem.key} ${problem.reason}`;
      expect(text, label).toMatch(SUBJECT[problem.key]);
      if (problem.key !== 'itContact') expect(text, label).not.toMatch(/IT contact/);
      expect(text, label).not.toMatch(/\$\d/);
    }
  });

  it('says why: not text, or the wrong kind of value', () => {
    for (const problem of problems) {
      const text = englishText(problem);
      if (problem.reason === 'not-a-string') expect(text, problem.key).toMatch(/not text/);
      else expect(text, problem.key).not.toMatch(/not text/);
    }
  });

  it("shows the configured value, except the client secret's", () => {
    for (const problem of problems) {
      const text = englishText(problem);
      if (problem.key === 'gmailClientSecret') {
        expect(text).not.toContain('a b');
        expect(text).not.toContain('true');
      } else {
        expect(text, problem.key).toContain(problem.value);
      }
    }
  });

  it('says that an email-check key IT got wrong turns that part off instead of using a default', () => {
    for (const problem of problems) {
      const text = englishText(problem);
      if (problem.key === 'itContact') expect(text).toMatch(/Email IT/);
      else if (problem.key === 'testMessageEndpoint') expect(text).toMatch(/no test message/);
      else expect(text, problem.key).toMatch(/turned off/);
    }
  });
});

describe('readManagedPolicy', () => {
  afterEach(() => vi.restoreAllMocks());
  // get() has a callback overload too: the spy is typed as the promise one.
  const managedGet = () =>
    vi.spyOn(browser.storage.managed, 'get') as unknown as MockInstance<() => Promise<unknown>>;

  it('reads managed storage through parsePolicy', async () => {
    managedGet().mockResolvedValue({
      itContact: 'mailto:it@campus.edu',
      microsoftTenant: 'bad tenant',
    });
    expect(await readManagedPolicy()).toEqual({
      policy: { itContact: 'it@campus.edu' },
      problems: [{ key: 'microsoftTenant', reason: 'not-a-tenant', value: 'bad tenant' }],
    });
  });

  it('reads a managed storage that throws (Firefox without policy) as no policy', async () => {
    managedGet().mockRejectedValue(new Error('Managed storage manifest not found'));
    expect(await readManagedPolicy()).toEqual({ policy: {}, problems: [] });
  });
});
