import { describe, expect, it } from 'vitest';
import { classifyError, classifyProbe, type ProbeObservation } from '@/utils/network/classify';
import { OUTCOMES } from '@/utils/network/outcomes';
import { type ProbeTargetId, probeTargets } from '@/utils/profile';

const targets = probeTargets();
function target(id: ProbeTargetId) {
  const found = targets.find((t) => t.id === id);
  if (!found) throw new Error(`no probe target ${id}`);
  return found;
}
const classify = (id: ProbeTargetId, obs: Omit<ProbeObservation, 'targetId'>) =>
  classifyProbe(target(id), { targetId: id, ...obs }).outcome;

describe('classifyError: the browser error string decides the outcome', () => {
  it.each([
    ['net::ERR_NAME_NOT_RESOLVED', 'dns-failed'],
    ['NS_ERROR_UNKNOWN_HOST', 'dns-failed'],
    ['net::ERR_CONNECTION_REFUSED', 'refused'],
    ['net::ERR_ADDRESS_UNREACHABLE', 'refused'],
    ['net::ERR_CONNECTION_RESET', 'reset'],
    ['net::ERR_EMPTY_RESPONSE', 'reset'],
    ['net::ERR_CONNECTION_TIMED_OUT', 'timeout'],
    ['NS_ERROR_NET_TIMEOUT', 'timeout'],
    ['net::ERR_CERT_AUTHORITY_INVALID', 'tls-untrusted'],
    ['net::ERR_TUNNEL_CONNECTION_FAILED', 'proxy-blocked'],
    ['net::ERR_PROXY_CONNECTION_FAILED', 'proxy-blocked'],
    ['net::ERR_BLOCKED_BY_ADMINISTRATOR', 'blocked-by-policy'],
    ['net::ERR_BLOCKED_BY_CLIENT', 'blocked-by-extension'],
    ['net::ERR_INTERNET_DISCONNECTED', 'offline'],
    ['net::ERR_SOMETHING_NEW', 'unknown'],
  ])('%s → %s', (error, outcome) => {
    expect(classifyError(error)).toBe(outcome);
  });
});

describe('classifyProbe', () => {
  it('treats a certificate name error on the IP literal as reachable', () => {
    expect(classify('api-ip-https', { error: 'net::ERR_CERT_COMMON_NAME_INVALID' })).toBe('ok');
  });

  it('treats a certificate name error on a Raftr name as interception', () => {
    expect(classify('app-https', { error: 'net::ERR_CERT_COMMON_NAME_INVALID' })).toBe(
      'tls-untrusted',
    );
  });

  it('calls our own time bound firing a silent drop, not an abort', () => {
    expect(classify('api-ip-https', { error: 'net::ERR_ABORTED', timedOut: true })).toBe('timeout');
    expect(classify('api-ip-https', { timedOut: true })).toBe('timeout');
  });

  it('accepts Raftr answering, including redirects within raftr.com', () => {
    expect(classify('app-https', { status: 200, body: '<title>Raftr</title>' })).toBe('ok');
    expect(classify('api-ip-http', { status: 301, redirectUrl: 'https://app.raftr.com/' })).toBe(
      'ok',
    );
  });

  it('calls a redirect to a foreign host a captive portal', () => {
    const obs = { status: 302, redirectUrl: 'http://login.campus-wifi.test/portal' };
    expect(classify('api-ip-http', obs)).toBe('captive-portal');
    expect(classify('control', obs)).toBe('captive-portal');
  });

  it('expects 204 from the control and calls a login page in its place a portal', () => {
    expect(classify('control', { status: 204 })).toBe('ok');
    expect(classify('control', { status: 200, body: '<form>Sign in to Wi-Fi</form>' })).toBe(
      'captive-portal',
    );
  });

  it('calls 407 a proxy whatever the body', () => {
    expect(classify('app-https', { status: 407 })).toBe('proxy-blocked');
  });

  it('names the product of a recognised block page, whatever its status', () => {
    const page = classifyProbe(target('app-https'), {
      targetId: 'app-https',
      status: 200,
      body: '<html><title>FortiGuard Web Filtering</title><h1>Web Page Blocked!</h1></html>',
    });
    expect(page.outcome).toBe('proxy-blocked');
    expect(page.product).toBe('fortiguard');
  });

  it('calls a 503 without proxy evidence a Raftr server error', () => {
    expect(classify('app-https', { status: 503, body: 'Service Unavailable' })).toBe(
      'server-error',
    );
  });

  it('calls a 403 with a Via header a proxy, and a bare 403 an answer', () => {
    expect(classify('app-https', { status: 403, headers: { via: '1.1 proxy.campus.test' } })).toBe(
      'proxy-blocked',
    );
    expect(classify('app-https', { status: 403, headers: { server: 'nginx' } })).toBe('ok');
  });

  it('keeps every outcome inside the vocabulary', () => {
    for (const error of ['', 'x', 'net::ERR_ABORTED', 'NS_BINDING_ABORTED']) {
      expect(OUTCOMES).toContain(classify('control', { error }));
    }
  });
});

describe('aborts that are ours', () => {
  it('classifies a manual-redirect fetch by its redirect, not by the abort that ends it', () => {
    expect(
      classify('api-ip-http', {
        error: 'net::ERR_ABORTED',
        status: 301,
        redirectUrl: 'https://app.raftr.com/',
      }),
    ).toBe('ok');
    expect(
      classify('control', {
        error: 'net::ERR_ABORTED',
        status: 302,
        redirectUrl: 'http://login.campus-wifi.test/portal',
      }),
    ).toBe('captive-portal');
  });

  it('keeps an abort nobody explains as unknown', () => {
    expect(classify('app-https', { error: 'net::ERR_ABORTED' })).toBe('unknown');
  });
});
