import { afterEach, describe, expect, it, type MockInstance, vi } from 'vitest';
import { browser } from 'wxt/browser';

/**
 * The background's configuration path as a whole: managed storage through parsePolicy and
 * resolveEmailConfig, over the build's WXT_* variables (read when the module loads, hence the
 * fresh import after stubbing them).
 */
async function loadWith(build: Record<string, string>, managed: unknown) {
  for (const [name, value] of Object.entries(build)) vi.stubEnv(name, value);
  vi.resetModules();
  (
    vi.spyOn(browser.storage.managed, 'get') as unknown as MockInstance<() => Promise<unknown>>
  ).mockResolvedValue(managed);
  const { loadEmailConfig } = await import('@/entrypoints/background/email/config');
  return loadEmailConfig();
}

describe('loadEmailConfig', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });
  const BUILD = {
    WXT_MICROSOFT_CLIENT_ID: '99999999-9999-9999-9999-999999999999',
    WXT_GMAIL_CLIENT_ID: 'build-g',
  };

  it('uses the build defaults when there is no policy', async () => {
    const config = await loadWith(BUILD, {});
    expect(config.microsoft).toEqual({
      clientId: BUILD.WXT_MICROSOFT_CLIENT_ID,
      tenant: 'organizations',
    });
    expect(config.invalidPolicy).toBeUndefined();
  });

  it("does not fall back to the build's client when IT's value is invalid", async () => {
    const config = await loadWith(BUILD, { microsoftClientId: 'not-a-guid', itContact: 'x?y' });
    expect(config.microsoft).toBeNull();
    expect(config.gmail).toEqual({ clientId: 'build-g' });
    // The IT contact is not the email check's business.
    expect(config.invalidPolicy).toEqual({ microsoft: 'microsoftClientId' });
  });
});
