import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  classifyError,
  classifyProbe,
  classifyRun,
  type ProbeEvidence,
  type ProbeObservation,
  summarizeObservation,
} from '@/utils/network/classify';
import { OUTCOMES } from '@/utils/network/outcomes';
import { type ProbeTargetId, probeTargets } from '@/utils/profile';
import { healthyObservations } from '../corpus/network/score';
import { fortiGuardBlockPage } from '../sim/servers';

const targets = probeTargets();
function target(id: ProbeTargetId) {
  const found = targets.find((t) => t.id === id);
  if (!found) throw new Error(`no probe target ${id}`);
  return found;
}
/** One probe judged alone (the progress view). */
const alone = (id: ProbeTargetId, obs: Omit<ProbeObservation, 'targetId'>) =>
  classifyProbe(target(id), summarizeObservation({ targetId: id, ...obs })).outcome;

/** A whole run: the healthy network with some probes' observations replaced. */
function run(changes: Partial<Record<ProbeTargetId, Omit<ProbeObservation, 'targetId'>>>) {
  const observations = healthyObservations();
  for (const [id, obs] of Object.entries(changes)) {
    observations[id as ProbeTargetId] = { targetId: id as ProbeTargetId, ...obs };
  }
  const evidence = Object.fromEntries(
    Object.values(observations).map((obs) => [obs.targetId, summarizeObservation(obs)]),
  );
  return classifyRun(targets, evidence);
}
const outcomes = (changes: Parameters<typeof run>[0]) =>
  Object.fromEntries(Object.entries(run(changes)).map(([id, r]) => [id, r.outcome]));

const RAFTR_IP = '52.8.243.15';
const HTML = { 'content-type': 'text/html; charset=utf-8' };
const page = (title: string, text = '') =>
  `<!doctype html><html><head><title>${title}</title></head><body><h1>${title}</h1><p>${text}</p></body></html>`;

describe('classifyError: the browser error string decides the outcome', () => {
  it.each([
    ['net::ERR_NAME_NOT_RESOLVED', 'dns-failed'],
    ['NS_ERROR_UNKNOWN_HOST', 'dns-failed'],
    ['net::ERR_CONNECTION_REFUSED', 'refused'],
    ['NS_ERROR_CONNECTION_REFUSED', 'refused'],
    ['net::ERR_ADDRESS_UNREACHABLE', 'refused'],
    ['net::ERR_CONNECTION_RESET', 'reset'],
    ['NS_ERROR_NET_RESET', 'reset'],
    ['NS_ERROR_NET_INTERRUPT', 'reset'],
    ['net::ERR_EMPTY_RESPONSE', 'reset'],
    ['net::ERR_CONNECTION_TIMED_OUT', 'timeout'],
    ['NS_ERROR_NET_TIMEOUT', 'timeout'],
    ['net::ERR_CERT_AUTHORITY_INVALID', 'tls-untrusted'],
    ['net::ERR_TUNNEL_CONNECTION_FAILED', 'proxy-blocked'],
    ['net::ERR_PROXY_CONNECTION_FAILED', 'proxy-blocked'],
    ['NS_ERROR_PROXY_CONNECTION_REFUSED', 'proxy-blocked'],
    ['NS_ERROR_PROXY_FORBIDDEN', 'proxy-blocked'],
    ['NS_ERROR_UNKNOWN_PROXY_HOST', 'proxy-blocked'],
    ['net::ERR_BLOCKED_BY_ADMINISTRATOR', 'blocked-by-policy'],
    ['net::ERR_BLOCKED_BY_CLIENT', 'blocked-by-extension'],
    ['net::ERR_INTERNET_DISCONNECTED', 'offline'],
    ['NS_ERROR_OFFLINE', 'offline'],
    ['net::ERR_SOMETHING_NEW', 'unknown'],
    ['NS_ERROR_SOMETHING_NEW', 'unknown'],
  ])('%s → %s', (error, outcome) => {
    expect(classifyError(error)).toBe(outcome);
  });

  // Firefox reports TLS failures as NSS text in the browser's language (tests/sim/FIREFOX.md).
  it.each([
    'Peer’s Certificate issuer is not recognized.',
    'Peer’s Certificate has expired.',
    'SSL received a record that exceeded the maximum permissible length.',
    'L’autorité de délivrance du certificat du pair n’est pas reconnue.',
    'El certificado del par ha caducado.',
  ])('Firefox text %j → tls-untrusted', (error) => {
    expect(classifyError(error)).toBe('tls-untrusted');
  });
});

describe('one probe alone', () => {
  it('treats a certificate name error on the IP literal as reachable, in either browser', () => {
    expect(alone('api-ip-https', { error: 'net::ERR_CERT_COMMON_NAME_INVALID' })).toBe('ok');
    expect(
      alone('api-ip-https', {
        error:
          'Unable to communicate securely with peer: requested domain name does not match the server’s certificate.',
      }),
    ).toBe('ok');
  });

  it('treats a certificate name error on a Raftr name as interception', () => {
    expect(alone('app-https', { error: 'net::ERR_CERT_COMMON_NAME_INVALID' })).toBe(
      'tls-untrusted',
    );
  });

  it('calls our own time bound firing a silent drop, not an abort', () => {
    expect(alone('api-ip-https', { error: 'net::ERR_ABORTED', timedOut: true })).toBe('timeout');
    expect(alone('api-ip-https', { error: 'NS_BINDING_ABORTED', timedOut: true })).toBe('timeout');
    expect(alone('api-ip-https', { timedOut: true })).toBe('timeout');
  });

  it('calls 407 a proxy whatever the body', () => {
    expect(alone('app-https', { status: 407 })).toBe('proxy-blocked');
  });

  it('names the product of a recognised block page, whatever its status', () => {
    const result = classifyProbe(
      target('app-https'),
      summarizeObservation({
        targetId: 'app-https',
        status: 200,
        body: '<html><title>FortiGuard Web Filtering</title><h1>Web Page Blocked!</h1></html>',
      }),
    );
    expect(result.outcome).toBe('proxy-blocked');
    expect(result.product).toBe('fortiguard');
  });

  it('expects 204 from the control and calls a login page in its place a portal', () => {
    expect(alone('control', { status: 204 })).toBe('ok');
    expect(alone('control', { status: 200, body: '<form>Sign in to Wi-Fi</form>' })).toBe(
      'captive-portal',
    );
  });

  it('keeps every outcome inside the vocabulary', () => {
    for (const error of ['', 'x', 'net::ERR_ABORTED', 'NS_BINDING_ABORTED']) {
      expect(OUTCOMES).toContain(alone('control', { error }));
    }
  });

  it('keeps an abort nobody explains as unknown', () => {
    expect(alone('app-https', { error: 'net::ERR_ABORTED' })).toBe('unknown');
  });
});

describe('the run: who answered for the Raftr names', () => {
  it('says all is well on the healthy network', () => {
    expect(Object.values(outcomes({}))).toEqual(Array(5).fill('ok'));
  });

  it('accepts Raftr redirecting within raftr.com, and answering its API in JSON', () => {
    expect(
      outcomes({
        'app-https': { status: 302, redirectUrl: 'https://app.raftr.com/login', ip: RAFTR_IP },
        'web-https': {
          status: 401,
          headers: { 'content-type': 'application/json', 'www-authenticate': 'Bearer' },
          body: '{"error":"unauthorized"}',
        },
      }),
    ).toMatchObject({ 'app-https': 'ok', 'web-https': 'ok' });
  });

  it('calls a 503 block page on the names a filter while Raftr answers by its IP (PAN-OS)', () => {
    const blocked = {
      status: 503,
      headers: HTML,
      body: page(
        'Web Page Blocked',
        'Access to the web page you were trying to visit has been blocked in accordance with company policy.',
      ),
      ip: RAFTR_IP,
    };
    const result = run({ 'app-https': blocked, 'web-https': blocked });
    expect(result['app-https'].outcome).toBe('proxy-blocked');
    expect(result['web-https'].outcome).toBe('proxy-blocked');
    expect(Object.values(result).map((r) => r.outcome)).not.toContain('server-error');
  });

  it('says Raftr has trouble only when its own server shows it too', () => {
    const down = { status: 503, headers: HTML, body: page('503 Service Unavailable') };
    expect(
      outcomes({ 'app-https': down, 'web-https': down, 'api-ip-http': { ...down, ip: RAFTR_IP } }),
    ).toMatchObject({ 'app-https': 'server-error', 'api-ip-http': 'server-error' });
    // The same 503 on the names alone, with the server answering by its IP: nobody can say
    // who wrote it. Not "Raftr is down", not "all clear": unknown, with what it showed.
    const result = run({ 'app-https': down, 'web-https': down });
    expect(result['app-https'].outcome).toBe('unknown');
    expect(result['app-https'].hint).toEqual({ status: 503, title: '503 Service Unavailable' });
  });

  it('believes a Raftr-branded error page (its own maintenance page)', () => {
    const maintenance = {
      status: 503,
      headers: HTML,
      body: page('Raftr is down for maintenance', 'Raftr will be back shortly.'),
    };
    expect(outcomes({ 'app-https': maintenance })['app-https']).toBe('server-error');
  });

  it('calls a redirect off the Raftr names a filter, or a portal when the control is caught too', () => {
    const toBlockHost = { status: 302, redirectUrl: 'http://block.campus-filter.test/?u=app' };
    const filtered = run({ 'app-https': toBlockHost });
    expect(filtered['app-https'].outcome).toBe('proxy-blocked');
    expect(filtered['app-https'].hint).toMatchObject({ redirectHost: 'block.campus-filter.test' });
    const portal = run({
      'app-https': toBlockHost,
      control: { status: 302, redirectUrl: 'http://login.campus-wifi.test/portal' },
    });
    expect(portal['app-https'].outcome).toBe('captive-portal');
  });

  it('names an unlisted filter from its words, in the languages campuses use', () => {
    for (const [title, text] of [
      ['Acceso denegado', 'El sitio que intenta visitar está bloqueado.'],
      ['Accès refusé', 'Ce site est bloqué par la politique de votre établissement.'],
      ['Website Blocked', 'This website has been blocked by your network administrator.'],
    ] as const) {
      const result = run({
        'app-https': { status: 200, headers: HTML, body: page(title, text), ip: RAFTR_IP },
      });
      expect(result['app-https'].outcome, title).toBe('proxy-blocked');
      expect(result['app-https'].product, title).toBe('unknown-proxy');
      expect(result['app-https'].hint, title).toEqual({ status: 200, title });
    }
  });

  it('does not take a page that merely mentions blocking for a block page when it is Raftr’s', () => {
    const raftrPage = page(
      'Raftr – campus community',
      'Raftr keeps your campus connected. If Raftr is blocked on your network, ask IT.',
    );
    expect(
      outcomes({ 'web-https': { status: 200, headers: HTML, body: raftrPage } })['web-https'],
    ).toBe('ok');
  });

  it('is not sure of one weak sign alone: the same unnamed page for both names', () => {
    const same = {
      status: 200,
      headers: HTML,
      body: page('Notice', 'Please try again later from another location today.'),
      ip: RAFTR_IP,
    };
    const result = run({ 'app-https': same, 'web-https': same });
    expect(result['app-https'].outcome).toBe('unknown');
    expect(result['app-https'].signals).toContain('same-page-for-names');
  });

  it('knows a DNS filter by its block address, even behind its untrusted certificate', () => {
    const umbrella = '146.112.61.106';
    const result = run({
      'app-https': { error: 'net::ERR_CERT_AUTHORITY_INVALID', ip: umbrella },
      'web-https': { status: 200, headers: HTML, body: page('Raftr'), ip: umbrella },
    });
    expect(result['app-https']).toMatchObject({ outcome: 'dns-failed', product: 'cisco-umbrella' });
    expect(result['web-https']).toMatchObject({ outcome: 'dns-failed', product: 'cisco-umbrella' });
  });

  it('knows a DNS answer into a private range for a rewrite, unless a proxy explains it', () => {
    const sinkholed = { status: 200, headers: HTML, body: page('Raftr'), ip: '10.20.0.5' };
    expect(outcomes({ 'app-https': sinkholed })['app-https']).toBe('dns-failed');
    // An explicit proxy at 10.20.0.5: every probe connects to it, the IP probes included.
    const viaProxy = outcomes({
      'app-https': sinkholed,
      'web-https': { ...healthyObservations()['web-https'], ip: '10.20.0.5' },
      'api-ip-http': { ...healthyObservations()['api-ip-http'], ip: '10.20.0.5' },
    });
    expect(viaProxy['app-https']).toBe('ok');
  });

  it('finds a page that only frames or forwards to another host (as Netsweeper does)', () => {
    const framed =
      '<meta name="viewport" content="width=device-width"><iframe src="http://203.0.113.7:8080/blocked?site=app.raftr.com" width="100%"></iframe>';
    const result = run({ 'app-https': { status: 200, headers: {}, body: framed, ip: RAFTR_IP } });
    expect(result['app-https'].outcome).toBe('proxy-blocked');
    expect(result['app-https'].hint?.redirectHost).toBe('203.0.113.7');
  });

  it('takes a TLS failure on the IP for its name in Firefox, in any language, when the names work', () => {
    const french = 'Le nom de domaine demandé ne correspond pas au certificat du serveur.';
    expect(outcomes({ 'api-ip-https': { error: french, ip: RAFTR_IP } })['api-ip-https']).toBe(
      'ok',
    );
    // When the names fail in TLS too, it is interception.
    const intercepted = outcomes({
      'app-https': { error: 'L’autorité de délivrance du certificat du pair n’est pas reconnue.' },
      'web-https': { error: 'L’autorité de délivrance du certificat du pair n’est pas reconnue.' },
      'api-ip-https': {
        error: 'L’autorité de délivrance du certificat du pair n’est pas reconnue.',
      },
    });
    expect(intercepted).toMatchObject({
      'app-https': 'tls-untrusted',
      'web-https': 'tls-untrusted',
      'api-ip-https': 'tls-untrusted',
    });
  });

  it('reads a Firefox manual redirect (no onBeforeRedirect; the target in Location)', () => {
    expect(
      outcomes({
        'api-ip-http': {
          status: 301,
          headers: { location: 'https://app.raftr.com/' },
          redirectUrl: 'https://app.raftr.com/',
        },
      })['api-ip-http'],
    ).toBe('ok');
  });

  it('calls everything offline when nothing at all answers', () => {
    const gone = { error: 'net::ERR_NAME_NOT_RESOLVED' };
    expect(
      Object.values(
        outcomes({
          'app-https': gone,
          'web-https': gone,
          'api-ip-https': { error: 'net::ERR_ADDRESS_UNREACHABLE' },
          'api-ip-http': { error: 'net::ERR_ADDRESS_UNREACHABLE' },
          control: gone,
        }),
      ),
    ).toEqual(Array(5).fill('offline'));
  });
});

describe('the same evidence, the same verdict', () => {
  it('classifies a run the same whatever order its probes reported in', () => {
    const observations = healthyObservations();
    observations['app-https'] = {
      targetId: 'app-https',
      status: 403,
      headers: { ...HTML, via: '1.1 proxy.campus.test (squid/6.6)' },
      body: fortiGuardBlockPage({ host: 'app.raftr.com', url: '/' }),
      ip: RAFTR_IP,
    };
    const evidence = Object.values(observations).map((obs) => summarizeObservation(obs));
    const expected = classifyRun(targets, Object.fromEntries(evidence.map((e) => [e.targetId, e])));
    fc.assert(
      fc.property(
        fc.shuffledSubarray(evidence, { minLength: evidence.length }),
        (order: ProbeEvidence[]) => {
          const byId = Object.fromEntries(order.map((e) => [e.targetId, e]));
          expect(classifyRun(targets, byId)).toEqual(expected);
        },
      ),
    );
  });
});
