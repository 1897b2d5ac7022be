import { afterEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { browser } from 'wxt/browser';
import { parsePolicy } from '@/utils/policy';
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

  it('leaves keys it does not own alone', () => {
    expect(parsePolicy({ controlUrl: 'http://x', itContact: 'it@campus.edu' })).toEqual({
      policy: { itContact: 'it@campus.edu' },
      problems: [],
    });
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
