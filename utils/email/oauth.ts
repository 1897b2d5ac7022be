/**
 * Mailbox sign-in: OAuth 2.0 authorization code with PKCE (RFC 6749 §4.1, RFC 7636), run by
 * the background through `identity.launchWebAuthFlow`. Pure: no `browser.*`; the caller
 * passes the redirect URI, the random source and `fetch`'s results in.
 *
 * Scopes are read-only and minimal, on purpose:
 * - Gmail: `gmail.readonly` alone. A token that also carries `gmail.metadata` is refused the
 *   `q` parameter (403 "Metadata scope does not support 'q' parameter"), so scopes are never
 *   merged (no `include_granted_scopes`).
 *   https://github.com/googleapis/google-api-python-client/issues/582
 * - Microsoft Graph: `Mail.Read` (`Mail.ReadBasic` has no internetMessageHeaders), and
 *   `User.Read` because `/me` (the address the test message goes to, and its domain's MX)
 *   answers 403 without it (https://learn.microsoft.com/graph/api/user-get#permissions);
 *   User.Read is the "sign in and read your profile" permission every app registration starts
 *   with. No `offline_access`: the wait lasts 15 minutes and an access token about an hour,
 *   so no refresh token is ever asked for or held.
 *   https://learn.microsoft.com/entra/identity-platform/v2-oauth2-auth-code-flow
 */

export const MAIL_PROVIDERS = ['gmail', 'microsoft'] as const;
export type MailProvider = (typeof MAIL_PROVIDERS)[number];

/** https://developers.google.com/identity/protocols/oauth2/web-server#creatingclient */
export const GOOGLE_AUTHORIZE_URL = 'https://accounts.google.com/o/oauth2/v2/auth';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
export const GMAIL_SCOPE = 'https://www.googleapis.com/auth/gmail.readonly';
export const MICROSOFT_LOGIN_ORIGIN = 'https://login.microsoftonline.com';
export const GRAPH_MAIL_SCOPE = 'https://graph.microsoft.com/Mail.Read';
export const GRAPH_PROFILE_SCOPE = 'https://graph.microsoft.com/User.Read';
/** Work and school accounts of any tenant: campus mailboxes, not personal outlook.com ones. */
export const DEFAULT_MICROSOFT_TENANT = 'organizations';

/**
 * The token endpoints are fetched from the background: with host permission for them the
 * exchange does not depend on the endpoint's CORS headers. Requested at the same click.
 */
export const TOKEN_HOST_PERMISSIONS: Readonly<Record<MailProvider, string>> = {
  gmail: 'https://oauth2.googleapis.com/*',
  microsoft: `${MICROSOFT_LOGIN_ORIGIN}/*`,
};

/** The mailbox API's origin, as in PROFILE.mailboxHostPermissions. */
export const MAILBOX_API_HOST_PERMISSIONS: Readonly<Record<MailProvider, string>> = {
  gmail: 'https://gmail.googleapis.com/*',
  microsoft: 'https://graph.microsoft.com/*',
};

/**
 * Firefox's data-collection category for the one thing the extension sends anywhere of the
 * user's: the mailbox address, to Raftr's test-message endpoint (manifest
 * `data_collection_permissions.optional`).
 */
export const ADDRESS_DATA_COLLECTION = 'personallyIdentifyingInfo';

/**
 * Everything the email check may fetch for one provider: the mailbox API, its token endpoint
 * and DNS over HTTPS (for the MX lookup). One `permissions.request` at the click asks for all.
 */
export function permissionOriginsFor(provider: MailProvider, dohOrigins: readonly string[]) {
  return [MAILBOX_API_HOST_PERMISSIONS[provider], TOKEN_HOST_PERMISSIONS[provider], ...dohOrigins];
}

// ---------------------------------------------------------------------------------------------
// Configuration: build time (WXT_* environment variables) and enterprise policy.

/** What the build or the policy may set; empty strings count as unset. */
export interface EmailConfigInput {
  gmailClientId?: string;
  /**
   * Only for a Google OAuth client of type "Web application", whose token endpoint wants the
   * secret even with PKCE. It cannot stay secret inside an extension; Google says as much of
   * installed apps (https://developers.google.com/identity/protocols/oauth2/native-app).
   */
  gmailClientSecret?: string;
  microsoftClientId?: string;
  microsoftTenant?: string;
  testMessageEndpoint?: string;
}

/** The parts of the email check that the policy configures, each from its own keys. */
export type EmailConfigPart = MailProvider | 'testMessage';

const POLICY_KEYS_OF: Readonly<Record<EmailConfigPart, readonly (keyof EmailConfigInput)[]>> = {
  gmail: ['gmailClientId', 'gmailClientSecret'],
  microsoft: ['microsoftClientId', 'microsoftTenant'],
  testMessage: ['testMessageEndpoint'],
};

/**
 * The parts the policy turned off by setting one of their keys to an invalid value, each with
 * the first such key (utils/policy.ts lists the problem itself, with its message).
 */
export type InvalidPolicyParts = Partial<Record<EmailConfigPart, keyof EmailConfigInput>>;

export interface EmailCheckConfig {
  gmail: { clientId: string; clientSecret?: string } | null;
  microsoft: { clientId: string; tenant: string } | null;
  /** Raftr's test-message endpoint; null = the user is guided to the password reset page. */
  testMessageEndpoint: string | null;
  /** Present only when the policy turned a part off (that part is then null above). */
  invalidPolicy?: InvalidPolicyParts;
}

/** What the popup needs to know about the configuration (no secrets). */
export interface EmailConfigSummary {
  gmail: boolean;
  microsoft: boolean;
  testMessage: boolean;
  /** The OAuth client ids (public values): IT approves the app by them. */
  clientIds: Partial<Record<MailProvider, string>>;
  /** Why a part is off although the build configures it: IT's policy value is invalid. */
  invalidPolicy?: InvalidPolicyParts;
}

const present = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

/**
 * Policy overrides build time, key by key (an administrator may set only the tenant).
 *
 * `invalidPolicyKeys` are the keys the policy set to something unusable (utils/policy.ts drops
 * them from `policy` and lists them as problems). Such a key turns its whole part off instead
 * of letting the build's value stand in: falling back would sign users in to an OAuth client,
 * or a tenant, that IT did not choose (and IT, having set the key, expects its own), or send
 * the address to an endpoint IT meant to replace.
 */
export function resolveEmailConfig(
  policy: EmailConfigInput,
  build: EmailConfigInput,
  invalidPolicyKeys: readonly string[] = [],
): EmailCheckConfig {
  const invalidPolicy: InvalidPolicyParts = {};
  for (const [part, keys] of Object.entries(POLICY_KEYS_OF) as [
    EmailConfigPart,
    readonly (keyof EmailConfigInput)[],
  ][]) {
    const invalidKey = keys.find((key) => invalidPolicyKeys.includes(key));
    if (invalidKey) invalidPolicy[part] = invalidKey;
  }
  const pick = (key: keyof EmailConfigInput) => present(policy[key]) ?? present(build[key]);
  const gmailClientId = pick('gmailClientId');
  // A secret belongs to its client id: never pair the policy's id with the build's secret.
  const gmailClientSecret = present(policy.gmailClientId)
    ? present(policy.gmailClientSecret)
    : pick('gmailClientSecret');
  const microsoftClientId = pick('microsoftClientId');
  return {
    gmail:
      gmailClientId && !invalidPolicy.gmail
        ? {
            clientId: gmailClientId,
            ...(gmailClientSecret ? { clientSecret: gmailClientSecret } : {}),
          }
        : null,
    microsoft:
      microsoftClientId && !invalidPolicy.microsoft
        ? {
            clientId: microsoftClientId,
            tenant: pick('microsoftTenant') ?? DEFAULT_MICROSOFT_TENANT,
          }
        : null,
    testMessageEndpoint: invalidPolicy.testMessage ? null : (pick('testMessageEndpoint') ?? null),
    ...(Object.keys(invalidPolicy).length > 0 ? { invalidPolicy } : {}),
  };
}

export function summarizeEmailConfig(config: EmailCheckConfig): EmailConfigSummary {
  return {
    gmail: config.gmail !== null,
    microsoft: config.microsoft !== null,
    testMessage: config.testMessageEndpoint !== null,
    clientIds: {
      ...(config.gmail ? { gmail: config.gmail.clientId } : {}),
      ...(config.microsoft ? { microsoft: config.microsoft.clientId } : {}),
    },
    ...(config.invalidPolicy ? { invalidPolicy: config.invalidPolicy } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// The client for one provider.

export interface OAuthClient {
  provider: MailProvider;
  clientId: string;
  clientSecret?: string;
  authorizeUrl: string;
  tokenUrl: string;
  scopes: readonly string[];
  /** The scope without which the check cannot work: a token lacking it is a refusal. */
  mailboxScope: string;
}

export function oauthClient(provider: MailProvider, config: EmailCheckConfig): OAuthClient | null {
  if (provider === 'gmail') {
    if (!config.gmail) return null;
    return {
      provider,
      clientId: config.gmail.clientId,
      ...(config.gmail.clientSecret ? { clientSecret: config.gmail.clientSecret } : {}),
      authorizeUrl: GOOGLE_AUTHORIZE_URL,
      tokenUrl: GOOGLE_TOKEN_URL,
      scopes: [GMAIL_SCOPE],
      mailboxScope: GMAIL_SCOPE,
    };
  }
  if (!config.microsoft) return null;
  // The tenant is a path segment: a GUID, a domain or organizations/common/consumers.
  const tenant = encodeURIComponent(config.microsoft.tenant);
  return {
    provider,
    clientId: config.microsoft.clientId,
    authorizeUrl: `${MICROSOFT_LOGIN_ORIGIN}/${tenant}/oauth2/v2.0/authorize`,
    tokenUrl: `${MICROSOFT_LOGIN_ORIGIN}/${tenant}/oauth2/v2.0/token`,
    scopes: [GRAPH_MAIL_SCOPE, GRAPH_PROFILE_SCOPE],
    mailboxScope: GRAPH_MAIL_SCOPE,
  };
}

// ---------------------------------------------------------------------------------------------
// PKCE (RFC 7636).

/** base64url without padding (RFC 4648 §5, RFC 7636 Appendix A). */
export function base64UrlEncode(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export type RandomBytes = (length: number) => Uint8Array;

export const cryptoRandomBytes: RandomBytes = (length) =>
  crypto.getRandomValues(new Uint8Array(length));

/** 32 random octets → a 43-character verifier, as RFC 7636 §4.1 recommends. */
export function createCodeVerifier(random: RandomBytes = cryptoRandomBytes): string {
  return base64UrlEncode(random(32));
}

/** An unguessable `state` (RFC 6749 §10.12): ties the redirect to this very request. */
export function createState(random: RandomBytes = cryptoRandomBytes): string {
  return base64UrlEncode(random(16));
}

/** S256: BASE64URL(SHA256(ASCII(code_verifier))) (RFC 7636 §4.2). */
export async function codeChallengeS256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64UrlEncode(new Uint8Array(digest));
}

// ---------------------------------------------------------------------------------------------
// The authorization request and its redirect.

export interface AuthorizeRequest {
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

export function buildAuthorizeUrl(client: OAuthClient, request: AuthorizeRequest): string {
  const url = new URL(client.authorizeUrl);
  const params = url.searchParams;
  params.set('client_id', client.clientId);
  params.set('response_type', 'code');
  params.set('redirect_uri', request.redirectUri);
  params.set('scope', client.scopes.join(' '));
  params.set('state', request.state);
  params.set('code_challenge', request.codeChallenge);
  params.set('code_challenge_method', 'S256');
  // The account picker: a campus user is often signed in to a personal account too.
  params.set('prompt', 'select_account');
  if (client.provider === 'gmail') {
    // No refresh token (access_type=online is the default, said for clarity).
    params.set('access_type', 'online');
  } else {
    params.set('response_mode', 'query');
  }
  return url.href;
}

/**
 * Why a sign-in ended without a code. 'declined': the user said no on the consent screen;
 * 'blocked-by-admin': the organisation does not let its users approve this app (`error` is
 * the provider's code: AADSTS90094, admin_policy_enforced…); 'window-closed': the sign-in
 * window was closed before the provider answered (Google shows its "Access blocked" errors in
 * the window and never answers); 'state-mismatch': the redirect does not answer our request
 * (RFC 6749 §10.12); 'auth-error': the provider refused (unknown client, bad redirect URI…).
 */
export type AuthFailureReason =
  | 'declined'
  | 'blocked-by-admin'
  | 'window-closed'
  | 'page-error'
  | 'state-mismatch'
  | 'auth-error';

/**
 * Microsoft Entra codes that mean "only an administrator can approve this app here":
 * AADSTS65001 (no consent, and the user may not give it), AADSTS90094 (the grant requires
 * admin permission: "Need admin approval"), AADSTS90093 (this app is not allowed to ask the
 * user), AADSTS900941 (administrator consent is required).
 * https://learn.microsoft.com/entra/identity-platform/reference-error-codes
 */
const ENTRA_ADMIN_CODES = new Set(['65001', '90094', '90093', '900941']);

/**
 * Google's: admin_policy_enforced (the administrator does not let users grant this app
 * access), access_not_configured (Workspace for Education: an app not configured by the
 * administrator, e.g. for users under 18), org_internal (the client is limited to another
 * organisation). https://support.google.com/accounts/answer/16668185
 */
const GOOGLE_ADMIN_ERRORS = new Set([
  'admin_policy_enforced',
  'access_not_configured',
  'org_internal',
]);

/** The provider's code when an answer says the organisation blocks the app; else null. */
export function adminBlockOf(error: string, description?: string): string | null {
  if (GOOGLE_ADMIN_ERRORS.has(error)) return error;
  const code = /\bAADSTS(\d{5,6})\b/.exec(description ?? '')?.[1];
  return code && ENTRA_ADMIN_CODES.has(code) ? `AADSTS${code}` : null;
}

export interface AuthFailure {
  ok: false;
  reason: AuthFailureReason;
  /** The provider's `error` code, or a short description of what was wrong. */
  error: string;
  description?: string;
}

export type RedirectResult = { ok: true; code: string } | AuthFailure;

/**
 * The errors that mean "the user did not consent" (RFC 6749 §4.1.2.1 access_denied; Microsoft
 * sends consent_required / interaction_required when consent is missing and cannot be asked).
 */
const DECLINED_ERRORS = new Set(['access_denied', 'consent_required', 'interaction_required']);

/** Reads the redirect `launchWebAuthFlow` resolved with. Never throws. */
export function parseRedirect(
  redirectUrl: string | undefined,
  expectedState: string,
): RedirectResult {
  if (!redirectUrl) return { ok: false, reason: 'declined', error: 'no_redirect' };
  let url: URL;
  try {
    url = new URL(redirectUrl);
  } catch {
    return { ok: false, reason: 'auth-error', error: 'malformed_redirect' };
  }
  // response_mode=query puts the answer in the query; some servers use the fragment anyway.
  const params = new URLSearchParams(url.search || url.hash.replace(/^#/, '?'));
  const error = params.get('error');
  const state = params.get('state');
  if (error) {
    // An error without our state may be forged; it still ends this sign-in, as a failure.
    const description = params.get('error_description') ?? undefined;
    if (state !== expectedState) {
      return {
        ok: false,
        reason: 'state-mismatch',
        error,
        ...(description ? { description } : {}),
      };
    }
    const blocked = adminBlockOf(error, description);
    if (blocked) return { ok: false, reason: 'blocked-by-admin', error: blocked };
    return {
      ok: false,
      reason: DECLINED_ERRORS.has(error) ? 'declined' : 'auth-error',
      error,
      ...(description ? { description } : {}),
    };
  }
  if (state !== expectedState)
    return { ok: false, reason: 'state-mismatch', error: 'state_mismatch' };
  const code = params.get('code');
  if (!code) return { ok: false, reason: 'auth-error', error: 'no_code' };
  return { ok: true, code };
}

/**
 * `launchWebAuthFlow` rejects when the window is closed before the provider answered
 * (Chromium: "The user did not approve access."; Firefox: "User cancelled or denied access.")
 * or when the page cannot be shown ("Authorization page could not be loaded.": Chromium also
 * says so when the sign-in page answers with an HTTP error, which is how Google serves its
 * "Access blocked" pages). Neither is necessarily a "no": a school's block may be behind both.
 * https://developer.chrome.com/docs/extensions/reference/api/identity#method-launchWebAuthFlow
 */
export function authFlowErrorReason(message: string): AuthFailureReason {
  if (/did not approve|cancel|closed by the user|user.*(denied|declined)/i.test(message)) {
    return 'window-closed';
  }
  // Chromium gives up on a sign-in page answered with an HTTP error, as Google answers its
  // "Access blocked" pages (Error 400: admin_policy_enforced…), or one that cannot be reached.
  if (/could not be loaded/i.test(message)) return 'page-error';
  return 'auth-error';
}

// ---------------------------------------------------------------------------------------------
// The token request and its answer.

export function tokenRequestBody(
  client: OAuthClient,
  code: string,
  codeVerifier: string,
  redirectUri: string,
): URLSearchParams {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: redirectUri,
    client_id: client.clientId,
    code_verifier: codeVerifier,
  });
  // Microsoft's v2.0 endpoint wants the scope again; Google ignores it.
  if (client.provider === 'microsoft') body.set('scope', client.scopes.join(' '));
  if (client.clientSecret) body.set('client_secret', client.clientSecret);
  return body;
}

export interface AccessToken {
  provider: MailProvider;
  accessToken: string;
  /** Epoch ms; a minute early, so a poll never starts with a token about to expire. */
  expiresAt: number;
}

export type TokenResult =
  | { ok: true; token: AccessToken }
  | { ok: false; reason: 'declined' | 'auth-error'; error: string; description?: string };

const EXPIRY_MARGIN_MS = 60_000;
/** When the answer gives no lifetime: Google's and Microsoft's default is an hour. */
const DEFAULT_LIFETIME_S = 3600;

/** Reads the token endpoint's answer (RFC 6749 §5.1, §5.2). Never throws. */
export function parseTokenResponse(
  client: OAuthClient,
  status: number,
  text: string,
  now: number,
): TokenResult {
  let json: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('shape');
    json = parsed as Record<string, unknown>;
  } catch {
    return { ok: false, reason: 'auth-error', error: `http_${status}`, description: 'not JSON' };
  }
  const str = (key: string) => (typeof json[key] === 'string' ? (json[key] as string) : undefined);
  if (status < 200 || status >= 300 || str('error')) {
    const description = str('error_description');
    return {
      ok: false,
      reason: 'auth-error',
      error: str('error') ?? `http_${status}`,
      ...(description ? { description } : {}),
    };
  }
  const accessToken = str('access_token');
  if (!accessToken) return { ok: false, reason: 'auth-error', error: 'no_access_token' };
  const tokenType = str('token_type');
  if (tokenType && tokenType.toLowerCase() !== 'bearer') {
    return { ok: false, reason: 'auth-error', error: 'unsupported_token_type' };
  }
  // Google's granular consent lets the user untick the mailbox scope: the answer then lacks
  // it, which is a refusal. https://developers.google.com/identity/protocols/oauth2/resources/granular-permissions
  const scope = str('scope');
  if (scope !== undefined) {
    const granted = new Set(scope.split(/\s+/).map((s) => s.toLowerCase()));
    const wanted = client.mailboxScope.toLowerCase();
    // Microsoft answers with the short form ("Mail.Read"), Google with the full URL.
    if (!granted.has(wanted) && !granted.has(wanted.replace(/^https:\/\/[^/]+\//, ''))) {
      return { ok: false, reason: 'declined', error: 'scope_not_granted' };
    }
  }
  const raw = json.expires_in;
  const lifetime =
    typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : DEFAULT_LIFETIME_S;
  const seconds = Number.isFinite(lifetime) && lifetime > 0 ? lifetime : DEFAULT_LIFETIME_S;
  return {
    ok: true,
    token: {
      provider: client.provider,
      accessToken,
      expiresAt: now + Math.max(seconds * 1000 - EXPIRY_MARGIN_MS, 0),
    },
  };
}

export function isTokenValid(token: AccessToken | null, provider: MailProvider, now: number) {
  return !!token && token.provider === provider && token.expiresAt > now;
}
