import { describe, expect, it } from 'vitest';
import {
  controlUrlFrom,
  DEFAULT_CONTROL_URL,
  ENTRIES,
  hostPermissionsFor,
  PROBE_TARGET_IDS,
  probeTargets,
} from '@/utils/profile';

describe('the allow-list catalog', () => {
  it('holds every entry of the source article with its exact values', () => {
    expect(ENTRIES['app-host-ip'].values).toEqual(['52.8.243.15']);
    expect(ENTRIES['app-host-ip'].ports).toEqual([443, 80]);
    expect(ENTRIES['sending-ips'].values).toEqual(['149.72.222.166', '149.72.230.197']);
    expect(ENTRIES['sender-no-reply'].values).toEqual(['no-reply@raftr.com']);
    expect(ENTRIES['sender-domains'].values).toEqual(['raftr.com', 'digest.raftr.com']);
    expect(ENTRIES['nat-gateway'].values).toEqual(['50.18.246.41']);
    expect(ENTRIES['nat-gateway'].testableFromBrowser).toBe(false);
  });

  it('probes in the fixed order the diagnostic code relies on', () => {
    expect(probeTargets().map((t) => t.id)).toEqual(PROBE_TARGET_IDS);
  });
});

describe('the control URL', () => {
  it('is the default unless a usable http(s) URL is configured', () => {
    expect(controlUrlFrom(undefined)).toBe(DEFAULT_CONTROL_URL);
    expect(controlUrlFrom('')).toBe(DEFAULT_CONTROL_URL);
    expect(controlUrlFrom('not a url')).toBe(DEFAULT_CONTROL_URL);
    expect(controlUrlFrom('ftp://example.test/')).toBe(DEFAULT_CONTROL_URL);
    expect(controlUrlFrom('http://check.campus.test/ok')).toBe('http://check.campus.test/ok');
  });

  it('gives its origin a host permission and the control probe its URL and port', () => {
    const url = 'https://check.campus.test/204';
    expect(hostPermissionsFor(url)).toContain('https://check.campus.test/*');
    const control = probeTargets(url).find((t) => t.id === 'control');
    expect(control?.url).toBe(url);
    expect(control?.port).toBe(443);
  });
});
