/**
 * The Gmail API adapter (scope gmail.readonly). Pure: HTTP is injected.
 *
 * - List: `users/me/messages?q=…&includeSpamTrash=true` searches the whole mailbox, spam and
 *   trash included; it gives ids only (newest first).
 *   https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/list
 * - Get: `format=metadata`: labels, internalDate (when Google accepted the message) and every
 *   header, never the body. Every header, as Microsoft Graph's internetMessageHeaders gives them
 *   and as a user pastes them: the analysis reads gateways' and forwarders' fields by many names
 *   (utils/email/headers/spam-headers.ts, email/headers/forwarding.ts), and a subset would make the mailbox
 *   check see less than the paste-headers page.
 *   https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages/get
 * - Quota: 15,000 units per user per minute; list and get cost 5 units each, so even the
 *   history (1 list + 10 gets) is far below it. https://developers.google.com/gmail/api/reference/quota
 */

import { ENTRIES, RAFTR_DOMAIN } from '../../profile';
import { normalizeHeaderFields } from '../headers/parse';
import {
  type ApiGate,
  type ApiResult,
  badResponse,
  bearerApi,
  type Http,
  isRecord,
  type MailboxClient,
  type MailboxMessage,
  type MessageRef,
  verificationSender,
} from './client';

export const GMAIL_API = 'https://gmail.googleapis.com/gmail/v1/users/me';

/**
 * Gmail search (https://support.google.com/mail/answer/7190): every Raftr sender of the
 * profile — the verification address, the digest domain and raftr.com itself.
 */
export function gmailRaftrQuery(days: number): string {
  const senders = [
    ...ENTRIES['sender-no-reply'].values,
    ...ENTRIES['sender-domains'].values.filter((d) => d !== RAFTR_DOMAIN),
    RAFTR_DOMAIN,
  ];
  return `from:(${[...new Set(senders)].join(' OR ')}) newer_than:${days}d`;
}

/**
 * The poll's query: the verification sender, the last day. Gmail's search has day
 * resolution only, so the exact "since" is applied to internalDate afterwards; the test
 * message is then recognised by its header, so the query does not depend on full-text search.
 */
export function gmailVerificationQuery(): string {
  return `from:${verificationSender()} newer_than:1d`;
}

export function gmailListUrl(query: string, maxResults: number): string {
  const url = new URL(`${GMAIL_API}/messages`);
  url.searchParams.set('q', query);
  url.searchParams.set('includeSpamTrash', 'true');
  url.searchParams.set('maxResults', String(maxResults));
  return url.href;
}

export function gmailMessageUrl(id: string): string {
  const url = new URL(`${GMAIL_API}/messages/${encodeURIComponent(id)}`);
  url.searchParams.set('format', 'metadata');
  return url.href;
}

export const GMAIL_PROFILE_URL = `${GMAIL_API}/profile`;

/** `{messages:[{id,threadId}], nextPageToken, resultSizeEstimate}`; no `messages` = none. */
export function parseGmailList(json: unknown, status = 200): ApiResult<MessageRef[]> {
  if (!isRecord(json)) return { ok: false, failure: badResponse(status, 'list: not an object') };
  if (json.messages === undefined) return { ok: true, value: [] };
  if (!Array.isArray(json.messages)) {
    return { ok: false, failure: badResponse(status, 'list: messages is not an array') };
  }
  const refs: MessageRef[] = [];
  for (const item of json.messages) {
    if (isRecord(item) && typeof item.id === 'string' && item.id) refs.push({ id: item.id });
  }
  return { ok: true, value: refs };
}

function addressOf(from: string | null): string | null {
  if (!from) return null;
  const angle = /<([^<>]+)>/.exec(from)?.[1] ?? from;
  const address = angle.trim().toLowerCase();
  return address.includes('@') ? address : null;
}

/** `{id, labelIds, internalDate, payload:{headers:[{name,value}]}}` → a message. */
export function parseGmailMessage(json: unknown, status = 200): ApiResult<MailboxMessage> {
  if (!isRecord(json) || typeof json.id !== 'string') {
    return { ok: false, failure: badResponse(status, 'message: no id') };
  }
  const labelIds = Array.isArray(json.labelIds)
    ? json.labelIds.filter((l): l is string => typeof l === 'string')
    : [];
  const internal =
    typeof json.internalDate === 'string' || typeof json.internalDate === 'number'
      ? Number(json.internalDate)
      : Number.NaN;
  const payload = isRecord(json.payload) ? json.payload : {};
  const headers = normalizeHeaderFields(payload.headers ?? []);
  const header = (name: string) =>
    headers.find((h) => h.name.toLowerCase() === name.toLowerCase())?.value ?? null;
  return {
    ok: true,
    value: {
      id: json.id,
      location: { provider: 'gmail', labelIds },
      receivedAt: Number.isFinite(internal) && internal > 0 ? internal : null,
      headers,
      subject: header('Subject'),
      from: addressOf(header('From')),
    },
  };
}

/** `{emailAddress, messagesTotal, threadsTotal, historyId}` → the address. */
export function parseGmailProfile(json: unknown, status = 200): ApiResult<string> {
  if (isRecord(json) && typeof json.emailAddress === 'string' && json.emailAddress.includes('@')) {
    return { ok: true, value: json.emailAddress };
  }
  return { ok: false, failure: badResponse(status, 'profile: no emailAddress') };
}

/**
 * The Gmail tab of an inbox message (Primary, Promotions, Updates…), from its CATEGORY_*
 * label; null outside the inbox or without tabs.
 */
export function gmailTab(labelIds: readonly string[]): string | null {
  if (!labelIds.includes('INBOX')) return null;
  const category = labelIds.find((l) => l.startsWith('CATEGORY_'));
  return category ? category.slice('CATEGORY_'.length).toLowerCase() : null;
}

/** `gate`: every call waits for the latest back-off and reports its failures (ApiGate). */
export function createGmailMailbox(
  http: Http,
  accessToken: string,
  now: () => number,
  gate?: ApiGate,
): MailboxClient {
  const api = bearerApi(http, accessToken, now, gate);
  const get = api.get;
  const list = (query: string, max: number) => get(gmailListUrl(query, max), parseGmailList);
  return {
    provider: 'gmail',
    cache: {},
    get calls() {
      return api.calls();
    },
    address: () => get(GMAIL_PROFILE_URL, parseGmailProfile),
    prepare: async () => ({ ok: true, value: undefined }),
    listRaftrMail: (days, max) => list(gmailRaftrQuery(days), max),
    // Day resolution only: the poll compares internalDate with `since` itself.
    listNewVerificationMail: (_sinceMs, max) => list(gmailVerificationQuery(), max),
    getMessage: (ref) => get(gmailMessageUrl(ref.id), parseGmailMessage),
  };
}
