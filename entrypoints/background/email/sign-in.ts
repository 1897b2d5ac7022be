/**
 * Signing in to the mailbox: OAuth 2.0 authorization code with PKCE through
 * identity.launchWebAuthFlow, then the token exchange. Errors are values: the controller turns
 * them into the check's error. And the host permissions the sign-in and the mailbox calls need.
 */
import { browser } from 'wxt/browser';
import type { EmailCheckError } from '@/utils/email/check/state';
import type { Http } from '@/utils/email/mailbox/client';
import {
  type AccessToken,
  authFlowErrorReason,
  buildAuthorizeUrl,
  codeChallengeS256,
  createCodeVerifier,
  createState,
  type EmailCheckConfig,
  type MailProvider,
  oauthClient,
  parseRedirect,
  parseTokenResponse,
  permissionOriginsFor,
  tokenRequestBody,
} from '@/utils/email/oauth';
import { http } from './http';

export type SignInResult = { ok: true; token: AccessToken } | { ok: false; error: EmailCheckError };

/** Opens the provider's sign-in window and exchanges its code for an access token. */
export async function signIn(
  provider: MailProvider,
  config: EmailCheckConfig,
): Promise<SignInResult> {
  const client = oauthClient(provider, config);
  if (!client) return { ok: false, error: { reason: 'no-client-id' } };
  const redirectUri = browser.identity.getRedirectURL();
  const verifier = createCodeVerifier();
  const expectedState = createState();
  const url = buildAuthorizeUrl(client, {
    redirectUri,
    state: expectedState,
    codeChallenge: await codeChallengeS256(verifier),
  });
  let redirect: string | undefined;
  try {
    redirect = await browser.identity.launchWebAuthFlow({ url, interactive: true });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const reason = authFlowErrorReason(message);
    const mapped =
      reason === 'window-closed'
        ? 'window-closed'
        : reason === 'page-error'
          ? 'sign-in-page-error'
          : 'api-error';
    return { ok: false, error: { reason: mapped, detail: message } };
  }
  const answer = parseRedirect(redirect, expectedState);
  if (!answer.ok) {
    if (answer.reason === 'blocked-by-admin') {
      return { ok: false, error: { reason: 'blocked-by-admin', detail: answer.error } };
    }
    const reason = answer.reason === 'declined' ? 'declined' : 'api-error';
    return { ok: false, error: { reason, detail: `${answer.reason}: ${answer.error}` } };
  }
  let response: Awaited<ReturnType<Http>>;
  try {
    response = await http(client.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: tokenRequestBody(client, answer.code, verifier, redirectUri).toString(),
    });
  } catch (error) {
    return { ok: false, error: { reason: 'api-error', detail: `token: ${String(error)}` } };
  }
  const parsed = parseTokenResponse(client, response.status, response.text, Date.now());
  if (!parsed.ok) {
    const reason = parsed.reason === 'declined' ? 'declined' : 'api-error';
    return { ok: false, error: { reason, detail: `token: ${parsed.error}` } };
  }
  return { ok: true, token: parsed.token };
}

/**
 * Whether the user granted the provider's hosts (its mailbox API and its token endpoint), which
 * the popup requests with the click. The DNS-over-HTTPS host is optional: without it the mail
 * system is 'unknown'.
 */
export function hasMailboxOrigins(provider: MailProvider): Promise<boolean> {
  return browser.permissions.contains({ origins: permissionOriginsFor(provider, []) });
}
