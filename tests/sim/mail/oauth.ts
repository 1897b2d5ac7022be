/**
 * OAuth 2.0 authorization servers at the real hosts: Google (accounts.google.com authorize,
 * oauth2.googleapis.com token) and Microsoft identity platform v2.0
 * (login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize and /token).
 *
 * Authorization code + PKCE, checked for real: the client id, the redirect URI (it must be the
 * extension's https://<id>.chromiumapp.org/… URI, what `identity.launchWebAuthFlow` captures),
 * `code_challenge_method=S256` and BASE64URL(SHA-256(code_verifier)) == code_challenge
 * (RFC 7636 §4.6); codes are single use and short-lived. Consent is automatic (or declined, in
 * `decline` mode: a redirect with `error=access_denied`, RFC 6749 §4.1.2.1). A session cookie
 * makes `prompt=none` (silent sign-in) work only after an interactive one, as in real life.
 *
 * Differences from the real services, on purpose: the sim requires PKCE S256 from both (Google
 * would accept a confidential client's secret instead) and never shows a login page.
 * Sources: https://developers.google.com/identity/protocols/oauth2/native-app,
 * https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow.
 */
import {
  createHash,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  sign,
} from 'node:crypto';
import type http from 'node:http';
import { FIREFOX_REDIRECT_ORIGIN, GMAIL_READONLY_SCOPE } from './constants';
import {
  escapeHtml,
  handleCors,
  readBody,
  redirect,
  sendHtml,
  sendJson,
  type Telemetry,
} from './http';

export type Provider = 'google' | 'microsoft';
/**
 * How the account answers the consent screen:
 * - 'auto': approves; 'decline': refuses (error=access_denied);
 * - 'admin-approval': the tenant lets only administrators approve apps. Microsoft shows "Need
 *   admin approval" (AADSTS90094) with a link "Return to the application without granting
 *   consent", which goes back with the code; Google shows "Access blocked … Error 400:
 *   admin_policy_enforced" and never goes back (the user can only close the window).
 * - 'not-configured': Google Workspace for Education's "Error 400: access_not_configured" (an
 *   app the administrator has not configured, e.g. for users under 18); Microsoft's
 *   AADSTS65001 (no consent, and the user may not give it), sent straight back.
 * Pages and codes as the providers document them: https://support.google.com/accounts/answer/16668185,
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
export type ConsentMode = 'auto' | 'decline' | 'admin-approval' | 'not-configured';

export interface OAuthOptions {
  extensionId: string;
  googleClientId: string;
  microsoftClientId: string;
  /** Which mailbox signs in at each provider. */
  accounts: Record<Provider, string>;
  consent?: ConsentMode;
  /** Access token lifetime (default 3599 s, as both providers give). */
  accessTokenLifetimeS?: number;
  /** Issue refresh tokens when asked for (Google: access_type=offline; Microsoft: offline_access). Default true. */
  refreshTokens?: boolean;
}

interface CodeGrant {
  provider: Provider;
  clientId: string;
  redirectUri: string;
  challenge: string;
  scopes: string[];
  account: string;
  offline: boolean;
  expiresAt: number;
  used: boolean;
}

export interface TokenGrant {
  provider: Provider;
  account: string;
  scopes: string[];
  clientId: string;
  expiresAt: number;
}

export type TokenCheck =
  | { ok: true; grant: TokenGrant }
  | { ok: false; reason: 'missing' | 'invalid' | 'expired' };

interface Session {
  provider: Provider;
  account: string;
  consented: Map<string, Set<string>>;
}

const CODE_LIFETIME_MS = 5 * 60_000;
const MICROSOFT_TENANTS = new Set(['organizations', 'common']);
/** Graph permissions are written without the resource prefix in tokens and responses. */
const GRAPH_PREFIX = 'https://graph.microsoft.com/';

function base64url(buffer: Buffer): string {
  return buffer.toString('base64url');
}

/** RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~]. */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

function errorPage(res: http.ServerResponse, status: number, title: string, detail: string): void {
  sendHtml(
    res,
    status,
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail)}</p></body></html>`,
  );
}

function cookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === name) return v;
  }
  return undefined;
}

/** Microsoft's error JSON shape (AADSTS codes). */
function aadError(error: string, code: number, description: string): Record<string, unknown> {
  return {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${randomUUID()} Correlation ID: ${randomUUID()} Timestamp: ${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`,
    error_codes: [code],
    timestamp: `${new Date().toISOString().replace('T', ' ').slice(0, 19)}Z`,
    trace_id: randomUUID(),
    correlation_id: randomUUID(),
  };
}

export class OAuthAuthority {
  consent: ConsentMode;
  accessTokenLifetimeS: number;
  refreshTokensEnabled: boolean;
  private readonly codes = new Map<string, CodeGrant>();
  private readonly tokens = new Map<string, TokenGrant>();
  private readonly refreshTokens = new Map<string, Omit<TokenGrant, 'expiresAt'>>();
  private readonly sessions = new Map<string, Session>();
  /** Every authorization request, for tests ("the extension asked for exactly gmail.readonly"). */
  readonly authorizations: {
    provider: Provider;
    params: Record<string, string>;
    outcome: string;
  }[] = [];

  constructor(
    private readonly options: OAuthOptions,
    private readonly telemetry: Telemetry,
  ) {
    this.consent = options.consent ?? 'auto';
    this.accessTokenLifetimeS = options.accessTokenLifetimeS ?? 3599;
    this.refreshTokensEnabled = options.refreshTokens ?? true;
  }

  private clientIdOf(provider: Provider): string {
    return provider === 'google' ? this.options.googleClientId : this.options.microsoftClientId;
  }

  /**
   * The redirect URIs launchWebAuthFlow can capture, as both are registered with the client:
   * Chromium's https://<extension-id>.chromiumapp.org/… and Firefox's
   * https://<sha1(add-on id)>.extensions.allizom.org/….
   */
  private redirectAllowed(uri: string): boolean {
    try {
      const url = new URL(uri);
      return (
        url.protocol === 'https:' &&
        (url.host === `${this.options.extensionId}.chromiumapp.org` ||
          url.origin === FIREFOX_REDIRECT_ORIGIN) &&
        !url.hash
      );
    } catch {
      return false;
    }
  }

  /** Checks a bearer token for a provider's API. */
  check(token: string | null, provider: Provider): TokenCheck {
    if (!token) return { ok: false, reason: 'missing' };
    const grant = this.tokens.get(token);
    if (!grant || grant.provider !== provider) return { ok: false, reason: 'invalid' };
    if (Date.now() >= grant.expiresAt) return { ok: false, reason: 'expired' };
    return { ok: true, grant };
  }

  /**
   * Makes every access token issued so far expire now. By default refresh tokens are revoked
   * too (a refresh would otherwise hide the expiry); `sessions: true` also forgets the browser
   * sessions, so a silent `prompt=none` sign-in fails with login_required.
   */
  expireTokens(options: { refresh?: boolean; sessions?: boolean } = {}): void {
    for (const grant of this.tokens.values()) grant.expiresAt = Date.now() - 1;
    if (options.refresh ?? true) this.refreshTokens.clear();
    if (options.sessions) this.sessions.clear();
  }

  /** Tokens issued so far (for tests and the benchmark). */
  issuedTokens(): TokenGrant[] {
    return [...this.tokens.values()];
  }

  private issue(
    base: Omit<TokenGrant, 'expiresAt'>,
    withRefresh: boolean,
  ): { accessToken: string; refreshToken?: string } {
    const accessToken =
      base.provider === 'google'
        ? `ya29.a0${base64url(randomBytes(96))}`
        : `EwB4A8l6BAAU${base64url(randomBytes(120))}`;
    this.tokens.set(accessToken, {
      ...base,
      expiresAt: Date.now() + this.accessTokenLifetimeS * 1000,
    });
    if (!withRefresh || !this.refreshTokensEnabled) return { accessToken };
    const refreshToken =
      base.provider === 'google'
        ? `1//0${base64url(randomBytes(64))}`
        : `0.AXEA${base64url(randomBytes(200))}`;
    this.refreshTokens.set(refreshToken, base);
    return { accessToken, refreshToken };
  }

  // ------------------------------------------------------------------------------------------
  // Authorization endpoints (browser navigations inside launchWebAuthFlow).

  /**
   * GET authorize. Errors that concern the client or the redirect URI are shown as a page
   * (never redirected: RFC 6749 §4.1.2.1); the rest go back to the redirect URI.
   */
  authorize(
    provider: Provider,
    req: http.IncomingMessage,
    res: http.ServerResponse,
    url: URL,
  ): void {
    this.telemetry.hit(`oauth.${provider}.authorize`);
    const params = Object.fromEntries(url.searchParams.entries());
    const record = (outcome: string) => this.authorizations.push({ provider, params, outcome });
    const clientId = params.client_id ?? '';
    const redirectUri = params.redirect_uri ?? '';
    if (clientId !== this.clientIdOf(provider)) {
      record('invalid_client');
      if (provider === 'google')
        errorPage(res, 401, 'Error 401: invalid_client', 'The OAuth client was not found.');
      else
        errorPage(
          res,
          400,
          'AADSTS700016',
          `Application with identifier '${clientId}' was not found in the directory.`,
        );
      return;
    }
    if (!this.redirectAllowed(redirectUri)) {
      record('redirect_uri_mismatch');
      if (provider === 'google')
        errorPage(
          res,
          400,
          'Error 400: redirect_uri_mismatch',
          `You can't sign in to this app because it doesn't comply with Google's OAuth 2.0 policy. redirect_uri=${redirectUri}`,
        );
      else
        errorPage(
          res,
          400,
          'AADSTS50011',
          `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application.`,
        );
      return;
    }
    const responseMode =
      provider === 'microsoft' && params.response_mode === 'fragment' ? 'fragment' : 'query';
    const back = (values: Record<string, string>) => {
      const target = new URL(redirectUri);
      const search = new URLSearchParams(values);
      if (params.state !== undefined) search.set('state', params.state);
      if (responseMode === 'fragment') target.hash = search.toString();
      else for (const [k, v] of search) target.searchParams.set(k, v);
      return target.toString();
    };
    const fail = (error: string, description: string) => {
      record(error);
      redirect(
        res,
        back(provider === 'google' ? { error } : { error, error_description: description }),
      );
    };
    if (params.response_type !== 'code') {
      fail(
        'unsupported_response_type',
        'AADSTS700054: response_type is not enabled for the application.',
      );
      return;
    }
    if (!params.code_challenge || params.code_challenge_method !== 'S256') {
      fail(
        'invalid_request',
        'AADSTS9002325: Proof Key for Code Exchange is required for cross-origin authorization code redemption (code_challenge_method=S256).',
      );
      return;
    }
    if (provider === 'microsoft') {
      const tenant = url.pathname.split('/')[1] ?? '';
      const domain = this.options.accounts.microsoft.split('@')[1] ?? '';
      if (!MICROSOFT_TENANTS.has(tenant) && tenant !== domain && !/^[0-9a-f-]{36}$/i.test(tenant)) {
        fail('invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
        return;
      }
    }
    const scopes = this.normalizeScopes(provider, params.scope ?? '');
    if (scopes.length === 0) {
      fail(
        'invalid_scope',
        "AADSTS70011: The provided value for the input parameter 'scope' is not valid.",
      );
      return;
    }

    const account = this.options.accounts[provider];
    const sid = cookie(req, provider === 'google' ? 'SID' : 'ESTSAUTH');
    const session = sid ? this.sessions.get(sid) : undefined;
    if (params.prompt === 'none') {
      // Silent sign-in (launchWebAuthFlow interactive: false): only with a session and consent.
      if (!session) {
        fail(
          'login_required',
          'AADSTS50058: A silent sign-in request was sent but no user is signed in.',
        );
        return;
      }
      const consented = session.consented.get(clientId) ?? new Set();
      if (!scopes.every((s) => consented.has(s))) {
        fail(
          'consent_required',
          'AADSTS65001: The user or administrator has not consented to use the application.',
        );
        return;
      }
    } else if (this.consent === 'admin-approval' || this.consent === 'not-configured') {
      if (provider === 'google') {
        const code =
          this.consent === 'admin-approval' ? 'admin_policy_enforced' : 'access_not_configured';
        record(code);
        errorPage(
          res,
          400,
          `Access blocked: ${code === 'admin_policy_enforced' ? 'Raftr Access Check is blocked' : "Raftr Access Check isn't configured"}`,
          `Error 400: ${code}. ${code === 'admin_policy_enforced' ? "Your administrator doesn't let you use this app with your account." : 'Contact your administrator to configure access to this app.'}`,
        );
        return;
      }
      if (this.consent === 'not-configured') {
        fail(
          'consent_required',
          'AADSTS65001: The user or administrator has not consented to use the application.',
        );
        return;
      }
      record('AADSTS90094');
      const back90094 = back({
        error: 'access_denied',
        error_subcode: 'cancel',
        error_description: 'AADSTS90094: The grant requires admin permission.',
      });
      sendHtml(
        res,
        200,
        `<!doctype html><html><head><meta charset="utf-8"><title>Need admin approval</title></head><body><h1>Need admin approval</h1><p>Raftr Access Check needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p><p><a href="#">Have an admin account? Sign in with that account</a></p><p><a id="return" href="${escapeHtml(back90094)}">Return to the application without granting consent</a></p></body></html>`,
      );
      return;
    } else if (this.consent === 'decline') {
      record('access_denied');
      redirect(
        res,
        back(
          provider === 'google'
            ? { error: 'access_denied' }
            : {
                error: 'access_denied',
                error_subcode: 'cancel',
                error_description: 'AADSTS65004: User declined to consent to access the app.',
              },
        ),
      );
      return;
    }
    // Auto-consent: the user signs in as `account` and approves every scope asked for.
    const newSid = sid && session ? sid : base64url(randomBytes(24));
    const current = this.sessions.get(newSid) ?? { provider, account, consented: new Map() };
    const consented = current.consented.get(clientId) ?? new Set<string>();
    for (const s of scopes) consented.add(s);
    current.consented.set(clientId, consented);
    this.sessions.set(newSid, current);
    const code =
      provider === 'google'
        ? `4/0A${base64url(randomBytes(48))}`
        : `1.AXEA${base64url(randomBytes(96))}`;
    this.codes.set(code, {
      provider,
      clientId,
      redirectUri,
      challenge: params.code_challenge,
      scopes,
      account,
      offline:
        provider === 'google'
          ? params.access_type === 'offline'
          : scopes.includes('offline_access'),
      expiresAt: Date.now() + CODE_LIFETIME_MS,
      used: false,
    });
    record('code');
    const cookieName = provider === 'google' ? 'SID' : 'ESTSAUTH';
    const extra: Record<string, string> =
      provider === 'google'
        ? {
            code,
            scope: scopes.join(' '),
            authuser: '0',
            prompt: params.prompt === 'none' ? 'none' : 'consent',
          }
        : { code, session_state: randomUUID() };
    redirect(res, back(extra), {
      'set-cookie': `${cookieName}=${newSid}; Path=/; Secure; HttpOnly; SameSite=None`,
    });
  }

  /** Google keeps scope URLs; Microsoft's Graph permissions lose the resource prefix. */
  private normalizeScopes(provider: Provider, scope: string): string[] {
    const list = scope.split(/[\s+]+/).filter(Boolean);
    if (provider === 'google') return [...new Set(list)];
    return [
      ...new Set(list.map((s) => (s.startsWith(GRAPH_PREFIX) ? s.slice(GRAPH_PREFIX.length) : s))),
    ];
  }

  // ------------------------------------------------------------------------------------------
  // Token endpoints (fetch from the extension).

  async token(
    provider: Provider,
    req: http.IncomingMessage,
    res: http.ServerResponse,
  ): Promise<void> {
    if (handleCors(req, res)) return;
    const fault = this.telemetry.hit(`oauth.${provider}.token`);
    if (fault) {
      sendJson(
        res,
        429,
        provider === 'google'
          ? { error: 'rate_limit_exceeded', error_description: 'Rate limit exceeded' }
          : aadError(
              'temporarily_unavailable',
              90033,
              'A transient error has occurred. Please try again.',
            ),
        { 'retry-after': String(fault.retryAfterS) },
      );
      return;
    }
    if (req.method !== 'POST') {
      sendJson(res, 405, { error: 'invalid_request', error_description: 'POST required' });
      return;
    }
    const text = await readBody(req);
    const type = (req.headers['content-type'] ?? '').toLowerCase();
    let params: Record<string, string>;
    if (type.startsWith('application/x-www-form-urlencoded'))
      params = Object.fromEntries(new URLSearchParams(text).entries());
    else if (provider === 'google' && type.startsWith('application/json')) {
      try {
        params = JSON.parse(text) as Record<string, string>;
      } catch {
        params = {};
      }
    } else {
      sendJson(
        res,
        400,
        provider === 'google'
          ? { error: 'invalid_request', error_description: 'Bad Request' }
          : aadError(
              'invalid_request',
              900144,
              "The request body must contain the following parameter: 'grant_type'.",
            ),
      );
      return;
    }
    const bad = (status: number, error: string, code: number, description: string) =>
      sendJson(
        res,
        status,
        provider === 'google'
          ? { error, error_description: description }
          : aadError(error, code, description),
      );

    if (params.client_id !== this.clientIdOf(provider))
      return bad(401, 'invalid_client', 700016, 'The OAuth client was not found.');
    if (params.grant_type === 'refresh_token') {
      const base = this.refreshTokens.get(params.refresh_token ?? '');
      if (!base || base.provider !== provider || base.clientId !== params.client_id) {
        return bad(
          400,
          'invalid_grant',
          70008,
          provider === 'google'
            ? 'Token has been expired or revoked.'
            : 'The provided authorization code or refresh token has expired due to inactivity.',
        );
      }
      const { accessToken } = this.issue(base, false);
      return this.respondTokens(
        res,
        base,
        accessToken,
        provider === 'microsoft' ? params.refresh_token : undefined,
      );
    }
    if (params.grant_type !== 'authorization_code')
      return bad(
        400,
        'unsupported_grant_type',
        70003,
        'The app requested an unsupported grant type.',
      );
    const grant = this.codes.get(params.code ?? '');
    if (!grant || grant.provider !== provider || grant.used || Date.now() > grant.expiresAt) {
      if (grant) grant.used = true;
      return bad(
        400,
        'invalid_grant',
        70008,
        provider === 'google'
          ? 'Bad Request'
          : 'The provided authorization code or refresh token has expired or was already redeemed.',
      );
    }
    grant.used = true;
    if (grant.clientId !== params.client_id)
      return bad(400, 'invalid_grant', 70000, 'The code was issued to another client.');
    if (grant.redirectUri !== params.redirect_uri)
      return bad(
        400,
        provider === 'google' ? 'redirect_uri_mismatch' : 'invalid_grant',
        50011,
        'The redirect URI does not match the one in the authorization request.',
      );
    const verifier = params.code_verifier ?? '';
    if (!VERIFIER.test(verifier))
      return bad(400, 'invalid_request', 501481, 'Missing or malformed code_verifier.');
    const computed = base64url(createHash('sha256').update(verifier, 'ascii').digest());
    if (computed !== grant.challenge) {
      return bad(
        400,
        'invalid_grant',
        501481,
        provider === 'google'
          ? 'Invalid code verifier.'
          : 'The Code_Verifier does not match the code_challenge supplied in the authorization request.',
      );
    }
    const base = {
      provider,
      account: grant.account,
      scopes: grant.scopes,
      clientId: grant.clientId,
    };
    const { accessToken, refreshToken } = this.issue(base, grant.offline);
    this.respondTokens(res, base, accessToken, refreshToken);
  }

  private signingKey: KeyObject | undefined;

  /**
   * An OpenID Connect ID token (RS256 JWT) when `openid` was granted: the account's address is
   * in `email` (Google; Microsoft with the email scope) and `preferred_username` (Microsoft).
   * https://learn.microsoft.com/entra/identity-platform/id-token-claims-reference
   */
  private idToken(base: Omit<TokenGrant, 'expiresAt'>): string | undefined {
    if (!base.scopes.includes('openid')) return undefined;
    this.signingKey ??= generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
    const now = Math.floor(Date.now() / 1000);
    const withEmail = base.scopes.includes('email');
    const tenant = '9188040d-6c67-4c5b-b112-36a304b66dad';
    const claims =
      base.provider === 'google'
        ? {
            iss: 'https://accounts.google.com',
            aud: base.clientId,
            sub: '10769150350006150715113',
            ...(withEmail ? { email: base.account, email_verified: true } : {}),
            iat: now,
            exp: now + 3600,
          }
        : {
            iss: `https://login.microsoftonline.com/${tenant}/v2.0`,
            aud: base.clientId,
            sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
            tid: tenant,
            preferred_username: base.account,
            ...(withEmail ? { email: base.account } : {}),
            iat: now,
            nbf: now,
            exp: now + 3600,
            ver: '2.0',
          };
    const part = (value: unknown) => base64url(Buffer.from(JSON.stringify(value)));
    const unsigned = `${part({ alg: 'RS256', typ: 'JWT', kid: 'sim-key-1' })}.${part(claims)}`;
    return `${unsigned}.${base64url(sign('sha256', Buffer.from(unsigned), this.signingKey))}`;
  }

  private respondTokens(
    res: http.ServerResponse,
    base: Omit<TokenGrant, 'expiresAt'>,
    accessToken: string,
    refreshToken: string | undefined,
  ): void {
    const { provider, scopes } = base;
    const lifetime = this.accessTokenLifetimeS;
    const idToken = this.idToken(base);
    if (provider === 'google') {
      sendJson(res, 200, {
        access_token: accessToken,
        expires_in: lifetime,
        ...(refreshToken ? { refresh_token: refreshToken } : {}),
        scope: scopes.join(' '),
        token_type: 'Bearer',
        ...(idToken ? { id_token: idToken } : {}),
      });
      return;
    }
    sendJson(res, 200, {
      token_type: 'Bearer',
      // Microsoft lists the granted scopes without offline_access.
      scope: scopes.filter((s) => s !== 'offline_access').join(' '),
      expires_in: lifetime,
      ext_expires_in: lifetime,
      access_token: accessToken,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(idToken ? { id_token: idToken } : {}),
    });
  }
}

/** Whether a Google grant may read mail (email.md: request gmail.readonly alone). */
export function googleCanRead(scopes: readonly string[]): boolean {
  return scopes.some(
    (s) =>
      s === GMAIL_READONLY_SCOPE ||
      s === 'https://www.googleapis.com/auth/gmail.modify' ||
      s === 'https://mail.google.com/',
  );
}
