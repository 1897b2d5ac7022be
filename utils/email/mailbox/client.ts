/**
 * What the Gmail and Microsoft Graph adapters (utils/email/mailbox/gmail.ts, utils/email/mailbox/graph.ts)
 * share: the HTTP seam, API failures as values, the message shape the analysis gets, how a
 * Raftr message is recognised, and Raftr's test-message endpoint. Pure: `fetch` is injected
 * as `Http`, so the same code runs in the background and in unit tests.
 */

import { ENTRIES } from '../../profile';
import type { HeaderField } from '../headers/parse';
import type { MailProvider } from '../oauth';

// ---------------------------------------------------------------------------------------------
// HTTP seam.

export interface HttpRequest {
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
}

export interface HttpResponse {
  status: number;
  text: string;
  /** The Retry-After header (RFC 9110 §10.2.3), when there is one. */
  retryAfter: string | null;
}

/** `fetch`, reduced to what the adapters read. It may reject (network error). */
export type Http = (url: string, request?: HttpRequest) => Promise<HttpResponse>;

// ---------------------------------------------------------------------------------------------
// Failures as values.

/**
 * 'unauthorized': the token expired or was revoked (401) → "sign in again".
 * 'forbidden': the token lacks the scope, or the API is off for this account.
 * 'throttled': 429, or Gmail's 403 rateLimitExceeded; back off, honouring Retry-After.
 * 'unavailable': 5xx; back off. 'not-found': the message went away between list and get.
 * 'bad-response': not the JSON the API documents. 'network': the request did not complete.
 * 'rejected': any other 4xx (a malformed query, a bad request).
 */
export type ApiFailureKind =
  | 'unauthorized'
  | 'forbidden'
  | 'throttled'
  | 'unavailable'
  | 'not-found'
  | 'bad-response'
  | 'network'
  | 'rejected';

export interface ApiFailure {
  kind: ApiFailureKind;
  status: number;
  /** How long the server asked us to wait, in ms (Retry-After), if it said. */
  retryAfterMs: number | null;
  /** The API's own error code (Gmail `error.status`/`errors[0].reason`, Graph `error.code`). */
  code: string;
  message: string;
}

export type ApiResult<T> = { ok: true; value: T } | { ok: false; failure: ApiFailure };

/** Retry-After: delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Null when unreadable. */
export function parseRetryAfter(value: string | null | undefined, now: number): number | null {
  if (value === null || value === undefined) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return null;
  return Math.max(date - now, 0);
}

/** JSON or null; never throws. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The error body of either API: Gmail `{error:{code,message,status,errors:[{reason}]}}`
 * (https://developers.google.com/workspace/gmail/api/guides/handle-errors), Graph
 * `{error:{code,message}}` (https://learn.microsoft.com/graph/errors).
 */
function errorBody(text: string): { code: string; message: string; reasons: string[] } {
  const json = parseJson(text);
  const error = isRecord(json) && isRecord(json.error) ? json.error : null;
  if (!error) {
    // OAuth-style bodies ({"error":"invalid_token"}) and plain text.
    const plain = isRecord(json) && typeof json.error === 'string' ? json.error : '';
    return { code: plain, message: plain || text.slice(0, 200), reasons: [] };
  }
  const reasons = Array.isArray(error.errors)
    ? error.errors
        .map((e) => (isRecord(e) && typeof e.reason === 'string' ? e.reason : ''))
        .filter(Boolean)
    : [];
  const code =
    (typeof error.status === 'string' && error.status) ||
    (typeof error.code === 'string' && error.code) ||
    reasons[0] ||
    '';
  const message = typeof error.message === 'string' ? error.message : '';
  return { code, message, reasons };
}

/** An HTTP answer that is not a success, as a failure value. */
export function apiFailure(response: HttpResponse, now: number): ApiFailure {
  const { status } = response;
  const body = errorBody(response.text);
  const retryAfterMs = parseRetryAfter(response.retryAfter, now);
  const base = { status, retryAfterMs, code: body.code, message: body.message };
  // Gmail answers usage limits with 403 and a rateLimitExceeded reason, not only 429.
  // https://developers.google.com/workspace/gmail/api/guides/handle-errors#resolve_a_403_error_usage_limit_exceeded
  const rateLimited = body.reasons.some((r) => /ratelimitexceeded/i.test(r));
  if (status === 401) return { kind: 'unauthorized', ...base };
  if (status === 429 || (status === 403 && rateLimited)) return { kind: 'throttled', ...base };
  if (status === 403) return { kind: 'forbidden', ...base };
  if (status === 404) return { kind: 'not-found', ...base };
  if (status >= 500) return { kind: 'unavailable', ...base };
  return { kind: 'rejected', ...base };
}

export function networkFailure(error: unknown): ApiFailure {
  return {
    kind: 'network',
    status: 0,
    retryAfterMs: null,
    code: 'network',
    message: error instanceof Error ? error.message : String(error),
  };
}

export function badResponse(status: number, message: string): ApiFailure {
  return { kind: 'bad-response', status, retryAfterMs: null, code: 'bad-response', message };
}

/**
 * What every mailbox call passes through, whichever phase makes it (preparation or poll):
 * `ready()` resolves once the latest back-off has passed (a 429's Retry-After, a 5xx's
 * exponential delay), and `failed()` hears every failure, so that the next call waits as long
 * as the server asked. The back-off itself lives in the stored check state, so it outlives a
 * stopped service worker (utils/email/check/state.ts `emailApiGate`).
 */
export interface ApiGate {
  ready(): Promise<void>;
  failed(failure: ApiFailure): Promise<void> | void;
}

/** A mailbox API as a client of a check sees it: authorised GETs, counted. */
export interface BearerApi {
  /**
   * One call: waits for the gate, counts it, turns a rejection into a 'network' failure and a
   * non-2xx answer into a failure; `read` turns the 2xx body into a value or a 'bad-response'
   * failure. Every failure is reported to the gate.
   */
  get<T>(url: string, read: (json: unknown, status: number) => ApiResult<T>): Promise<ApiResult<T>>;
  /** The calls made so far (the quota figure of `npm run bench`). */
  calls(): number;
}

/** The Gmail API and Microsoft Graph alike: a bearer token, JSON answers. */
export function bearerApi(
  http: Http,
  accessToken: string,
  now: () => number,
  gate?: ApiGate,
): BearerApi {
  let calls = 0;
  const request: HttpRequest = {
    headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
  };
  return {
    async get(url, read) {
      await gate?.ready();
      calls += 1;
      const result = await callOnce(http, url, request, now, read);
      if (!result.ok) await gate?.failed(result.failure);
      return result;
    },
    calls: () => calls,
  };
}

async function callOnce<T>(
  http: Http,
  url: string,
  request: HttpRequest,
  now: () => number,
  read: (json: unknown, status: number) => ApiResult<T>,
): Promise<ApiResult<T>> {
  let response: HttpResponse;
  try {
    response = await http(url, request);
  } catch (error) {
    return { ok: false, failure: networkFailure(error) };
  }
  if (response.status < 200 || response.status >= 300) {
    return { ok: false, failure: apiFailure(response, now()) };
  }
  const json = parseJson(response.text);
  if (json === null) return { ok: false, failure: badResponse(response.status, 'not JSON') };
  return read(json, response.status);
}

// ---------------------------------------------------------------------------------------------
// Messages.

/** A message as listed: Gmail gives only the id; Graph also the subject, folder and time. */
export interface MessageRef {
  id: string;
  subject?: string | null;
  receivedAt?: number | null;
  /** Lower case. */
  from?: string | null;
  /** Graph `parentFolderId`. */
  folderId?: string | null;
  /** Graph `inferenceClassification`: focused | other (the Focused Inbox tabs). */
  inferenceClassification?: string | null;
}

/** Where the message is, in the provider's terms, for `analyzeMessage`. */
export type MessageLocation =
  | { provider: 'gmail'; labelIds: string[] }
  /** A Graph well-known folder name (inbox, junkemail, deleteditems, archive) or 'other'. */
  | { provider: 'microsoft'; folder: string; inferenceClassification: string | null };

export interface MailboxMessage {
  id: string;
  location: MessageLocation;
  /** When the mailbox got it (Gmail internalDate, Graph receivedDateTime), epoch ms. */
  receivedAt: number | null;
  headers: HeaderField[];
  subject: string | null;
  /** The From address, lower case. */
  from: string | null;
}

/**
 * What a client learns once and the check keeps in storage, so that a restarted worker does
 * not ask again: Graph's folder ids, as id → well-known name.
 */
export interface MailboxCache {
  folders?: Record<string, string>;
}

/** One provider's mailbox, as the poll and the history need it. */
export interface MailboxClient {
  readonly provider: MailProvider;
  /** API calls made so far through this client. */
  readonly calls: number;
  /** Filled by `prepare()`; the caller stores it with the check. */
  readonly cache: MailboxCache;
  /** The signed-in user's address (Gmail users/me/profile, Graph /me). */
  address(): Promise<ApiResult<string>>;
  /** Once per check: what the client needs before it can tell folders apart (Graph). */
  prepare(): Promise<ApiResult<void>>;
  /** Raftr mail of the last `days` days, newest first (ids, plus what the list gives). */
  listRaftrMail(days: number, max: number): Promise<ApiResult<MessageRef[]>>;
  /** Mail from Raftr's verification sender received since `sinceMs`, newest first. */
  listNewVerificationMail(sinceMs: number, max: number): Promise<ApiResult<MessageRef[]>>;
  /** One message's location, arrival time and headers. */
  getMessage(ref: MessageRef): Promise<ApiResult<MailboxMessage>>;
}

/** The header that carries a test message's token (the endpoint contract below). */
export const TEST_MESSAGE_HEADER = 'X-Raftr-Access-Check';
const SUBJECT_TOKEN = /\[Raftr check ([A-Za-z0-9_-]{4,64})\]/;

/** A test message's token, from its header or its subject; null for any other message. */
export function testTokenOf(
  subject: string | null,
  headers: readonly HeaderField[],
): string | null {
  const header = headers.find((h) => h.name.toLowerCase() === TEST_MESSAGE_HEADER.toLowerCase());
  const fromHeader = header?.value.trim();
  if (fromHeader) return fromHeader;
  return SUBJECT_TOKEN.exec(subject ?? '')?.[1] ?? null;
}

/** Whether a subject names this token (Graph lists the subject: no get is needed to skip it). */
export function subjectHasToken(subject: string | null | undefined, token: string): boolean {
  return SUBJECT_TOKEN.exec(subject ?? '')?.[1] === token;
}

export const RAFTR_MESSAGE_KINDS = ['test', 'verification', 'reset', 'digest', 'other'] as const;
export type RaftrMessageKind = (typeof RAFTR_MESSAGE_KINDS)[number];

/**
 * What a Raftr message is, for the 30-day history. Subjects are Raftr's own wording, which
 * may change: an unknown subject is 'other', never an error.
 */
export function raftrMessageKind(message: Pick<MailboxMessage, 'from' | 'subject' | 'headers'>) {
  if (testTokenOf(message.subject, message.headers)) return 'test' as RaftrMessageKind;
  const domain = (message.from ?? '').replace(/^.*@/, '');
  const digestDomain = ENTRIES['sender-domains'].values.find((d) => d.startsWith('digest.'));
  if (digestDomain && (domain === digestDomain || domain.endsWith(`.${digestDomain}`))) {
    return 'digest' as RaftrMessageKind;
  }
  const subject = message.subject ?? '';
  if (/reset|password/i.test(subject)) return 'reset' as RaftrMessageKind;
  if (/verif|confirm|activate|welcome/i.test(subject)) return 'verification' as RaftrMessageKind;
  return 'other' as RaftrMessageKind;
}

/**
 * Whether an address is one of Raftr's senders: raftr.com or any subdomain of it (the digest
 * domain), as the profile's sender domains say.
 */
export function isRaftrSender(address: string | null | undefined): boolean {
  const domain = (address ?? '').trim().toLowerCase().replace(/^.*@/, '');
  if (!domain) return false;
  return ENTRIES['sender-domains'].values.some(
    (d) => domain === d.toLowerCase() || domain.endsWith(`.${d.toLowerCase()}`),
  );
}

/** The sender of verification and reset mail, from the profile. */
export function verificationSender(): string {
  return ENTRIES['sender-no-reply'].values[0] as string;
}

// ---------------------------------------------------------------------------------------------
// Raftr's test-message endpoint. The contract (this extension defines it; Raftr implements it):
//
//   POST <testMessageEndpoint>   Content-Type: application/json   {"to": "<address>"}
//   → 202 Accepted               {"token": "<10 characters [A-Za-z0-9_-]>", "sentAt": "<ISO 8601>"}
//   → 4xx/5xx                    {"error": "<code>", "message": "<text>"}, Retry-After on 429
//
// The message comes from no-reply@raftr.com (through Raftr's normal sending path, so that it
// meets the same filters), its Subject contains "[Raftr check <token>]" and it carries the
// header "X-Raftr-Access-Check: <token>". The address is the mailbox's own (Gmail
// users/me/profile, Graph /me), so the endpoint can only send to a mailbox the user opened.

export interface TestMessageTicket {
  token: string;
  /** When Raftr sent it, epoch ms. */
  sentAt: number;
}

export function testMessageRequest(address: string): HttpRequest {
  return {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ to: address }),
  };
}

/** Reads the endpoint's answer. Never throws. */
export function parseTestMessageResponse(
  response: HttpResponse,
  now: number,
): ApiResult<TestMessageTicket> {
  if (response.status < 200 || response.status >= 300) {
    return { ok: false, failure: apiFailure(response, now) };
  }
  const json = parseJson(response.text);
  if (!isRecord(json)) return { ok: false, failure: badResponse(response.status, 'not JSON') };
  const token = typeof json.token === 'string' ? json.token.trim() : '';
  if (!/^[A-Za-z0-9_-]{4,64}$/.test(token)) {
    return { ok: false, failure: badResponse(response.status, 'no usable token') };
  }
  const sentAt = typeof json.sentAt === 'string' ? Date.parse(json.sentAt) : Number.NaN;
  return { ok: true, value: { token, sentAt: Number.isNaN(sentAt) ? now : sentAt } };
}
