import { describe, expect, it } from 'vitest';
import {
  adminBlockOf,
  authFlowErrorReason,
  base64UrlEncode,
  buildAuthorizeUrl,
  codeChallengeS256,
  createCodeVerifier,
  createState,
  type EmailCheckConfig,
  GMAIL_SCOPE,
  GRAPH_MAIL_SCOPE,
  GRAPH_PROFILE_SCOPE,
  isTokenValid,
  type OAuthClient,
  oauthClient,
  parseRedirect,
  parseTokenResponse,
  permissionOriginsFor,
  resolveEmailConfig,
  summarizeEmailConfig,
  tokenRequestBody,
} from '../../utils/email/oauth';
import { parsePolicy } from '../../utils/policy';

const REDIRECT = 'https://pmjpmiefbohcdlahgchelppbpceahbjo.chromiumapp.org/';
const CONFIG: EmailCheckConfig = {
  gmail: { clientId: '123-abc.apps.googleusercontent.com' },
  microsoft: { clientId: '11111111-2222-3333-4444-555555555555', tenant: 'organizations' },
  testMessageEndpoint: null,
};
const gmail = oauthClient('gmail', CONFIG) as OAuthClient;
const microsoft = oauthClient('microsoft', CONFIG) as OAuthClient;

describe('PKCE (RFC 7636)', () => {
  it('derives the S256 challenge of Appendix B', async () => {
    // RFC 7636 Appendix B: these 32 octets give this verifier, and it this challenge.
    const octets = new Uint8Array([
      116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77,
      105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121,
    ]);
    const verifier = createCodeVerifier(() => octets);
    expect(verifier).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
    expect(await codeChallengeS256(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes 43-character verifiers from the unreserved alphabet, different every time', () => {
    const a = createCodeVerifier();
    const b = createCodeVerifier();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(createState()).toMatch(/^[A-Za-z0-9_-]{22}$/);
  });

  it('writes base64url without padding', () => {
    expect(base64UrlEncode(new Uint8Array([0xfb, 0xff]))).toBe('-_8');
  });
});

describe('configuration', () => {
  it('lets policy override build time, key by key, and ignores empty values', () => {
    const config = resolveEmailConfig(
      { microsoftClientId: 'policy-ms', gmailClientId: '  ' },
      {
        gmailClientId: 'build-g',
        microsoftClientId: 'build-ms',
        testMessageEndpoint: 'https://t/',
      },
    );
    expect(config).toEqual({
      gmail: { clientId: 'build-g' },
      microsoft: { clientId: 'policy-ms', tenant: 'organizations' },
      testMessageEndpoint: 'https://t/',
    });
    expect(summarizeEmailConfig(config)).toEqual({
      gmail: true,
      microsoft: true,
      testMessage: true,
      clientIds: { gmail: config.gmail?.clientId, microsoft: config.microsoft?.clientId },
    });
  });

  it('has no provider without a client id', () => {
    const config = resolveEmailConfig({}, {});
    expect(config).toEqual({ gmail: null, microsoft: null, testMessageEndpoint: null });
    expect(oauthClient('gmail', config)).toBeNull();
    expect(oauthClient('microsoft', config)).toBeNull();
  });

  it("never pairs the policy's Google client with the build's secret", () => {
    const build = { gmailClientId: 'build-g', gmailClientSecret: 'build-secret' };
    expect(resolveEmailConfig({}, build).gmail).toEqual({
      clientId: 'build-g',
      clientSecret: 'build-secret',
    });
    expect(resolveEmailConfig({ gmailClientId: 'policy-g' }, build).gmail).toEqual({
      clientId: 'policy-g',
    });
  });

  describe('a policy value IT set but got wrong', () => {
    const BUILD = {
      gmailClientId: 'build-g',
      gmailClientSecret: 'build-secret',
      microsoftClientId: '99999999-9999-9999-9999-999999999999',
      microsoftTenant: 'build.example',
      testMessageEndpoint: 'https://build.example/test',
    };
    const resolve = (raw: Record<string, unknown>) => {
      const { policy, problems } = parsePolicy(raw);
      return resolveEmailConfig(
        policy,
        BUILD,
        problems.map((problem) => problem.key),
      );
    };

    it("turns that provider off instead of signing users in to the build's client", () => {
      const microsoftCases: [Record<string, unknown>, string][] = [
        [{ microsoftClientId: 'not-a-guid' }, 'microsoftClientId'],
        [{ microsoftClientId: 42 }, 'microsoftClientId'],
        // The build's client in every tenant ("organizations") is not the tenant IT chose.
        [{ microsoftTenant: 'bad tenant' }, 'microsoftTenant'],
        [
          { microsoftClientId: '11111111-2222-3333-4444-555555555555', microsoftTenant: 'a/b' },
          'microsoftTenant',
        ],
      ];
      for (const [raw, key] of microsoftCases) {
        const config = resolve(raw);
        expect(config.microsoft, key).toBeNull();
        expect(oauthClient('microsoft', config), key).toBeNull();
        expect(config.invalidPolicy, key).toEqual({ microsoft: key });
        // The other provider is left as it was: IT did not touch it.
        expect(config.gmail).toEqual({ clientId: 'build-g', clientSecret: 'build-secret' });
      }
      const gmailCases: [Record<string, unknown>, string][] = [
        [{ gmailClientId: 'has spaces' }, 'gmailClientId'],
        [{ gmailClientSecret: 'has spaces' }, 'gmailClientSecret'],
        [{ gmailClientId: 'policy-g', gmailClientSecret: 'has spaces' }, 'gmailClientSecret'],
      ];
      for (const [raw, key] of gmailCases) {
        const config = resolve(raw);
        expect(config.gmail, key).toBeNull();
        expect(oauthClient('gmail', config), key).toBeNull();
        expect(config.invalidPolicy, key).toEqual({ gmail: key });
        expect(config.microsoft).not.toBeNull();
      }
    });

    it("sends no test message rather than use the build's endpoint", () => {
      const config = resolve({ testMessageEndpoint: 'http://insecure.example/test' });
      expect(config.testMessageEndpoint).toBeNull();
      expect(config.invalidPolicy).toEqual({ testMessage: 'testMessageEndpoint' });
      expect(config.gmail).not.toBeNull();
      expect(config.microsoft).not.toBeNull();
    });

    it('tells the popup which part is off and why, without secrets', () => {
      const config = resolve({ gmailClientSecret: 'has spaces', microsoftTenant: 'bad tenant' });
      expect(summarizeEmailConfig(config)).toEqual({
        gmail: false,
        microsoft: false,
        testMessage: true,
        clientIds: {},
        invalidPolicy: { gmail: 'gmailClientSecret', microsoft: 'microsoftTenant' },
      });
    });

    it('changes nothing when the policy is valid or unset', () => {
      expect(resolve({})).toEqual(resolveEmailConfig({}, BUILD));
      expect(resolve({})).not.toHaveProperty('invalidPolicy');
      expect(summarizeEmailConfig(resolve({}))).not.toHaveProperty('invalidPolicy');
      expect(resolve({ microsoftTenant: 'campus.edu' }).microsoft).toEqual({
        clientId: BUILD.microsoftClientId,
        tenant: 'campus.edu',
      });
    });
  });

  it('asks for the mailbox API, its token endpoint and DNS over HTTPS together', () => {
    expect(permissionOriginsFor('gmail', ['https://dns.google/*'])).toEqual([
      'https://gmail.googleapis.com/*',
      'https://oauth2.googleapis.com/*',
      'https://dns.google/*',
    ]);
    expect(permissionOriginsFor('microsoft', [])).toEqual([
      'https://graph.microsoft.com/*',
      'https://login.microsoftonline.com/*',
    ]);
  });
});

describe('authorize URL', () => {
  it('asks Google for gmail.readonly only, with PKCE S256 and our state', () => {
    const url = new URL(
      buildAuthorizeUrl(gmail, { redirectUri: REDIRECT, state: 'st', codeChallenge: 'ch' }),
    );
    expect(url.origin + url.pathname).toBe('https://accounts.google.com/o/oauth2/v2/auth');
    const p = url.searchParams;
    expect(p.get('client_id')).toBe('123-abc.apps.googleusercontent.com');
    expect(p.get('response_type')).toBe('code');
    expect(p.get('redirect_uri')).toBe(REDIRECT);
    expect(p.get('scope')).toBe(GMAIL_SCOPE);
    expect(p.get('state')).toBe('st');
    expect(p.get('code_challenge')).toBe('ch');
    expect(p.get('code_challenge_method')).toBe('S256');
    // Merged scopes could bring gmail.metadata along, which refuses `q` (email.md).
    expect(p.has('include_granted_scopes')).toBe(false);
    expect(p.get('access_type')).toBe('online');
  });

  it("asks Microsoft's tenant for Mail.Read only, without offline_access", () => {
    const client = oauthClient('microsoft', {
      ...CONFIG,
      microsoft: { clientId: 'x', tenant: 'contoso.onmicrosoft.com' },
    }) as OAuthClient;
    const url = new URL(
      buildAuthorizeUrl(client, { redirectUri: REDIRECT, state: 's', codeChallenge: 'c' }),
    );
    expect(url.origin + url.pathname).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/authorize',
    );
    expect(client.tokenUrl).toBe(
      'https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/v2.0/token',
    );
    // Mail.Read, and User.Read for /me (403 without it); no offline_access.
    expect(url.searchParams.get('scope')).toBe(`${GRAPH_MAIL_SCOPE} ${GRAPH_PROFILE_SCOPE}`);
    expect(url.searchParams.get('scope')).not.toContain('offline_access');
    expect(url.searchParams.get('response_mode')).toBe('query');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });
});

describe('the redirect', () => {
  it('gives the code when the state matches', () => {
    expect(parseRedirect(`${REDIRECT}?code=4%2F0Ab&state=st&scope=x`, 'st')).toEqual({
      ok: true,
      code: '4/0Ab',
    });
  });

  it('refuses a code whose state is not ours (RFC 6749 §10.12)', () => {
    expect(parseRedirect(`${REDIRECT}?code=abc&state=forged`, 'st')).toMatchObject({
      ok: false,
      reason: 'state-mismatch',
    });
    expect(parseRedirect(`${REDIRECT}?code=abc`, 'st')).toMatchObject({ reason: 'state-mismatch' });
  });

  it('reads access_denied as the user declining', () => {
    expect(
      parseRedirect(
        `${REDIRECT}?error=access_denied&error_description=The+user+said+no&state=st`,
        'st',
      ),
    ).toEqual({
      ok: false,
      reason: 'declined',
      error: 'access_denied',
      description: 'The user said no',
    });
    expect(parseRedirect(`${REDIRECT}?error=consent_required&state=st`, 'st')).toMatchObject({
      reason: 'declined',
    });
  });

  it('reads other provider errors as errors, and an error with a foreign state as a mismatch', () => {
    expect(parseRedirect(`${REDIRECT}?error=invalid_client&state=st`, 'st')).toMatchObject({
      reason: 'auth-error',
      error: 'invalid_client',
    });
    expect(parseRedirect(`${REDIRECT}?error=access_denied&state=other`, 'st')).toMatchObject({
      reason: 'state-mismatch',
    });
  });

  it('reads the fragment too, and survives nonsense', () => {
    expect(parseRedirect(`${REDIRECT}#code=abc&state=st`, 'st')).toEqual({ ok: true, code: 'abc' });
    expect(parseRedirect(undefined, 'st')).toMatchObject({ reason: 'declined' });
    expect(parseRedirect('not a url', 'st')).toMatchObject({ reason: 'auth-error' });
    expect(parseRedirect(`${REDIRECT}?state=st`, 'st')).toMatchObject({
      reason: 'auth-error',
      error: 'no_code',
    });
  });
});

describe('the token request', () => {
  it('sends the code, the verifier and the same redirect URI', () => {
    const body = tokenRequestBody(gmail, 'code1', 'verifier1', REDIRECT);
    expect(Object.fromEntries(body)).toEqual({
      grant_type: 'authorization_code',
      code: 'code1',
      redirect_uri: REDIRECT,
      client_id: '123-abc.apps.googleusercontent.com',
      code_verifier: 'verifier1',
    });
    expect(tokenRequestBody(microsoft, 'c', 'v', REDIRECT).get('scope')).toBe(
      `${GRAPH_MAIL_SCOPE} ${GRAPH_PROFILE_SCOPE}`,
    );
    const withSecret = oauthClient('gmail', {
      ...CONFIG,
      gmail: { clientId: 'g', clientSecret: 's' },
    });
    expect(
      tokenRequestBody(withSecret as OAuthClient, 'c', 'v', REDIRECT).get('client_secret'),
    ).toBe('s');
  });
});

describe('the token answer', () => {
  const NOW = 1_700_000_000_000;

  it('keeps the access token and its expiry, a minute early', () => {
    const text = JSON.stringify({
      access_token: 'ya29.a0',
      expires_in: 3599,
      scope: GMAIL_SCOPE,
      token_type: 'Bearer',
    });
    expect(parseTokenResponse(gmail, 200, text, NOW)).toEqual({
      ok: true,
      token: { provider: 'gmail', accessToken: 'ya29.a0', expiresAt: NOW + 3_539_000 },
    });
  });

  it("accepts Microsoft's short scope names, and a token without the profile scope", () => {
    const text = JSON.stringify({
      access_token: 'eyJ0',
      expires_in: '3600',
      scope: 'Mail.Read User.Read',
      token_type: 'Bearer',
    });
    expect(parseTokenResponse(microsoft, 200, text, NOW)).toMatchObject({ ok: true });
    const mailOnly = JSON.stringify({
      access_token: 'eyJ0',
      scope: 'https://graph.microsoft.com/Mail.Read',
    });
    expect(parseTokenResponse(microsoft, 200, mailOnly, NOW)).toMatchObject({ ok: true });
    const profileOnly = JSON.stringify({ access_token: 'eyJ0', scope: 'User.Read' });
    expect(parseTokenResponse(microsoft, 200, profileOnly, NOW)).toMatchObject({
      reason: 'declined',
    });
  });

  it('treats a token without the mailbox scope as the user declining (granular consent)', () => {
    const text = JSON.stringify({ access_token: 'x', expires_in: 3600, scope: 'openid email' });
    expect(parseTokenResponse(gmail, 200, text, NOW)).toMatchObject({
      ok: false,
      reason: 'declined',
    });
  });

  it('reads OAuth error bodies, malformed JSON and missing tokens as errors', () => {
    const invalid = JSON.stringify({ error: 'invalid_grant', error_description: 'Bad Request' });
    expect(parseTokenResponse(gmail, 400, invalid, NOW)).toEqual({
      ok: false,
      reason: 'auth-error',
      error: 'invalid_grant',
      description: 'Bad Request',
    });
    expect(parseTokenResponse(gmail, 502, '<html>Bad gateway</html>', NOW)).toMatchObject({
      ok: false,
      error: 'http_502',
    });
    expect(parseTokenResponse(gmail, 200, '{}', NOW)).toMatchObject({ error: 'no_access_token' });
    expect(parseTokenResponse(gmail, 200, '[1]', NOW)).toMatchObject({ ok: false });
    const mac = JSON.stringify({ access_token: 'x', token_type: 'mac' });
    expect(parseTokenResponse(gmail, 200, mac, NOW)).toMatchObject({
      error: 'unsupported_token_type',
    });
  });

  it('knows when a token can no longer be used', () => {
    const token = { provider: 'gmail' as const, accessToken: 'x', expiresAt: NOW + 1 };
    expect(isTokenValid(token, 'gmail', NOW)).toBe(true);
    expect(isTokenValid(token, 'gmail', NOW + 1)).toBe(false);
    expect(isTokenValid(token, 'microsoft', NOW)).toBe(false);
    expect(isTokenValid(null, 'gmail', NOW)).toBe(false);
  });
});

describe('when the school blocks the app', () => {
  it.each([
    ['access_denied', 'AADSTS90094: The grant requires admin permission.', 'AADSTS90094'],
    [
      'consent_required',
      'AADSTS65001: The user or administrator has not consented.',
      'AADSTS65001',
    ],
    ['access_denied', 'AADSTS90093: Graph is not allowed to ask the user.', 'AADSTS90093'],
    ['invalid_request', 'AADSTS900941: Administrator consent is required.', 'AADSTS900941'],
    ['admin_policy_enforced', undefined, 'admin_policy_enforced'],
    ['access_not_configured', undefined, 'access_not_configured'],
    ['org_internal', undefined, 'org_internal'],
  ])('%s (%s) → %s', (error, description, code) => {
    expect(adminBlockOf(error, description)).toBe(code);
    const redirect = `https://x.chromiumapp.org/?error=${error}&state=s${description ? `&error_description=${encodeURIComponent(description)}` : ''}`;
    expect(parseRedirect(redirect, 's')).toMatchObject({
      ok: false,
      reason: 'blocked-by-admin',
      error: code,
    });
  });

  it('keeps a user’s own "no" and other errors apart', () => {
    expect(adminBlockOf('access_denied', 'AADSTS65004: User declined to consent.')).toBeNull();
    expect(
      parseRedirect('https://x.chromiumapp.org/?error=access_denied&state=s', 's'),
    ).toMatchObject({
      reason: 'declined',
    });
    expect(adminBlockOf('invalid_client', 'AADSTS700016: not found')).toBeNull();
  });

  it('tells a closed window and a failed sign-in page from other failures', () => {
    expect(authFlowErrorReason('The user did not approve access.')).toBe('window-closed');
    expect(authFlowErrorReason('User cancelled or denied access.')).toBe('window-closed');
    expect(authFlowErrorReason('Authorization page could not be loaded.')).toBe('page-error');
    expect(authFlowErrorReason('Something else broke')).toBe('auth-error');
  });
});
