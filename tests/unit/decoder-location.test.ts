import { describe, expect, it } from 'vitest';
import { codeFromLocation } from '@/components/decoder/code-from-location';
import { decodeCode } from '@/utils/diagnostic-code';

describe('codeFromLocation (the standalone decoder’s address)', () => {
  it('reads ?code= first, then the #fragment, percent-decoded', () => {
    expect(codeFromLocation('?code=ABC-DEF', '#XYZ')).toBe('ABC-DEF');
    expect(codeFromLocation('', '#ABCDEF%20GHIJKL')).toBe('ABCDEF GHIJKL');
    expect(codeFromLocation('?lang=fr', '#ABC')).toBe('ABC');
    expect(codeFromLocation('', '')).toBe('');
    expect(codeFromLocation('', '#')).toBe('');
  });

  it('keeps a fragment that is not valid percent-encoding as it is instead of throwing', () => {
    // decodeURIComponent('%E0%A4%A') throws URIError: the page used to stay blank.
    for (const hash of ['#%E0%A4%A', '#%', '#ABC%zz', '#%C3']) {
      expect(() => codeFromLocation('', hash), hash).not.toThrow();
      expect(codeFromLocation('', hash), hash).toBe(hash.slice(1));
    }
  });

  it('gives the decoder something it reports as not a valid code', () => {
    const result = decodeCode(codeFromLocation('', '#%E0%A4%A'));
    expect(result.ok).toBe(false);
  });
});
