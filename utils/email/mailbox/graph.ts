/**
 * The Microsoft Graph adapter (scope Mail.Read). Pure: HTTP is injected.
 *
 * - `/me/messages` covers the whole mailbox, Junk Email and Deleted Items included. Every
 *   `$orderby` property must also come first in `$filter`, else Graph answers
 *   `InefficientFilter`. https://learn.microsoft.com/graph/api/user-list-messages
 * - `$filter` cannot match a sender domain (no `endswith` on from/emailAddress/address), so
 *   the 30-day history uses `$search` (KQL; needs Mail.Read, not Mail.ReadBasic):
 *   `from:raftr.com` matches the domain's senders, subdomains included. `$search` takes
 *   neither `$orderby` nor most `$filter`s; its results come newest first (by sent time), at
 *   most 1,000. The poll keeps the exact `$filter` on the verification sender and time.
 *   https://learn.microsoft.com/graph/search-query-parameter#using-search-on-message-collections
 * - The folder: `parentFolderId` compared with the ids of the well-known folders (the names
 *   work in every mailbox language), fetched once per check and kept.
 *   https://learn.microsoft.com/graph/api/resources/mailfolder
 * - Headers: `$select=internetMessageHeaders` on one message.
 * - Throttling: 10,000 requests per 10 minutes per mailbox, 4 concurrent; 429 + Retry-After.
 *   https://learn.microsoft.com/graph/throttling-limits#outlook-service-limits
 * - High-confidence spam may be quarantined: it never reaches the mailbox and Graph cannot
 *   see it ("missing" then means "ask IT to look in the quarantine").
 */

import { ENTRIES } from '../../profile';
import { normalizeHeaderFields } from '../headers/parse';
import {
  type ApiGate,
  type ApiResult,
  badResponse,
  bearerApi,
  type Http,
  isRaftrSender,
  isRecord,
  type MailboxCache,
  type MailboxClient,
  type MailboxMessage,
  type MessageRef,
  verificationSender,
} from './client';

export const GRAPH_API = 'https://graph.microsoft.com/v1.0';

/** The folders a placement is read from; any other folder means a rule or the user moved it. */
export const GRAPH_WELL_KNOWN_FOLDERS = ['inbox', 'junkemail', 'deleteditems', 'archive'] as const;

const LIST_FIELDS = 'id,subject,from,receivedDateTime,parentFolderId,inferenceClassification';

/** "2026-03-02T10:00:00Z": OData DateTimeOffset literal, no quotes, no milliseconds. */
export function graphDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * OData query strings are built by hand: URLSearchParams writes spaces as "+", which OData
 * does not read as a space in every position; encodeURIComponent writes %20 and keeps `'`.
 */
function query(params: Record<string, string>): string {
  return Object.entries(params)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`)
    .join('&');
}

/** Messages from `sender` received since `sinceMs`, newest first. */
export function graphListUrl(sender: string, sinceMs: number, top: number): string {
  const address = sender.replace(/'/g, "''");
  return `${GRAPH_API}/me/messages?${query({
    $filter: `receivedDateTime ge ${graphDateTime(sinceMs)} and from/emailAddress/address eq '${address}'`,
    $orderby: 'receivedDateTime desc',
    $select: LIST_FIELDS,
    $top: String(top),
  })}`;
}

/**
 * The KQL of the history search: every sender domain of the profile (raftr.com already covers
 * its subdomains; naming the digest domain too costs nothing and does not depend on it).
 */
export function graphRaftrSearch(): string {
  const domains = [...new Set(ENTRIES['sender-domains'].values.map((d) => d.toLowerCase()))];
  return domains.map((d) => `from:${d}`).join(' OR ');
}

/**
 * Messages matching a KQL search, newest first. `$search` alone with `$select` and `$top`: no
 * `$orderby` and no `$filter` (Graph refuses both with it); the value is in double quotes.
 */
export function graphSearchUrl(kql: string, top: number): string {
  return `${GRAPH_API}/me/messages?${query({
    $search: `"${kql.replace(/"/g, '')}"`,
    $select: LIST_FIELDS,
    $top: String(top),
  })}`;
}

export function graphFolderUrl(wellKnownName: string): string {
  return `${GRAPH_API}/me/mailFolders/${wellKnownName}?${query({ $select: 'id' })}`;
}

export function graphHeadersUrl(id: string): string {
  return `${GRAPH_API}/me/messages/${encodeURIComponent(id)}?${query({
    $select: 'internetMessageHeaders',
  })}`;
}

export const GRAPH_ME_URL = `${GRAPH_API}/me?${query({ $select: 'mail,userPrincipalName' })}`;

function time(value: unknown): number | null {
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? null : ms;
}

/** `{value:[{id,subject,from:{emailAddress:{address}},receivedDateTime,parentFolderId,…}]}`. */
export function parseGraphList(json: unknown, status = 200): ApiResult<MessageRef[]> {
  if (!isRecord(json) || !Array.isArray(json.value)) {
    return { ok: false, failure: badResponse(status, 'list: no value array') };
  }
  const refs: MessageRef[] = [];
  for (const item of json.value) {
    if (!isRecord(item) || typeof item.id !== 'string' || !item.id) continue;
    const from =
      isRecord(item.from) && isRecord(item.from.emailAddress)
        ? item.from.emailAddress.address
        : null;
    refs.push({
      id: item.id,
      subject: typeof item.subject === 'string' ? item.subject : null,
      receivedAt: time(item.receivedDateTime),
      from: typeof from === 'string' ? from.toLowerCase() : null,
      folderId: typeof item.parentFolderId === 'string' ? item.parentFolderId : null,
      inferenceClassification:
        typeof item.inferenceClassification === 'string' ? item.inferenceClassification : null,
    });
  }
  return { ok: true, value: refs };
}

/** `{id, displayName, …}` → the id. */
export function parseGraphFolder(json: unknown, status = 200): ApiResult<string> {
  if (isRecord(json) && typeof json.id === 'string' && json.id) return { ok: true, value: json.id };
  return { ok: false, failure: badResponse(status, 'folder: no id') };
}

/** `{internetMessageHeaders:[{name,value}]}`; a message without any (drafts) gives []. */
export function parseGraphHeaders(json: unknown, status = 200) {
  if (!isRecord(json))
    return { ok: false as const, failure: badResponse(status, 'headers: not an object') };
  return { ok: true as const, value: normalizeHeaderFields(json.internetMessageHeaders ?? []) };
}

/** `{mail, userPrincipalName}`: `mail` is the address; accounts without one use the UPN. */
export function parseGraphMe(json: unknown, status = 200): ApiResult<string> {
  if (isRecord(json)) {
    for (const key of ['mail', 'userPrincipalName']) {
      const value = json[key];
      if (typeof value === 'string' && value.includes('@')) return { ok: true, value };
    }
  }
  return { ok: false, failure: badResponse(status, 'me: no address') };
}

/** The well-known name of a folder id, or 'other' (a user folder, a rule's target). */
export function graphFolderName(
  folders: Record<string, string> | undefined,
  folderId: string | null | undefined,
) {
  return (folderId && folders?.[folderId]) || 'other';
}

/**
 * `cache`: what an earlier client of this check learnt (folder ids). `gate`: every call waits
 * for the latest back-off and reports its failures (ApiGate).
 */
export function createGraphMailbox(
  http: Http,
  accessToken: string,
  now: () => number,
  cache: MailboxCache = {},
  gate?: ApiGate,
): MailboxClient {
  const api = bearerApi(http, accessToken, now, gate);
  const get = api.get;
  const list = (sinceMs: number, max: number) =>
    get(graphListUrl(verificationSender(), sinceMs, max), parseGraphList);
  /**
   * The history: one `$search` call. KQL matches words, not exact addresses, and `$search`
   * cannot restrict the time: both are applied to what it lists. A tenant that refuses the
   * search (400) gets the verification sender's history through `$filter` instead.
   */
  const raftrMail = async (days: number, max: number) => {
    const since = now() - days * 86_400_000;
    const searched = await get(graphSearchUrl(graphRaftrSearch(), max), parseGraphList);
    if (!searched.ok) return searched.failure.kind === 'rejected' ? list(since, max) : searched;
    const refs = searched.value
      .filter(
        (ref) => isRaftrSender(ref.from) && (ref.receivedAt == null || ref.receivedAt >= since),
      )
      .sort((a, b) => (b.receivedAt ?? 0) - (a.receivedAt ?? 0));
    return { ok: true as const, value: refs };
  };
  return {
    provider: 'microsoft',
    cache,
    get calls() {
      return api.calls();
    },
    address: () => get(GRAPH_ME_URL, parseGraphMe),
    async prepare() {
      if (cache.folders) return { ok: true, value: undefined };
      const folders: Record<string, string> = {};
      // One at a time: Graph allows 4 concurrent requests per mailbox, and this runs once.
      for (const name of GRAPH_WELL_KNOWN_FOLDERS) {
        const result = await get(graphFolderUrl(name), parseGraphFolder);
        if (result.ok) folders[result.value] = name;
        // A mailbox without an archive folder answers 404: that folder just does not exist.
        else if (result.failure.kind !== 'not-found' || name === 'inbox') return result;
      }
      cache.folders = folders;
      return { ok: true, value: undefined };
    },
    listRaftrMail: raftrMail,
    listNewVerificationMail: (sinceMs, max) => list(sinceMs, max),
    async getMessage(ref) {
      const headers = await get(graphHeadersUrl(ref.id), parseGraphHeaders);
      if (!headers.ok) return headers;
      const subject = ref.subject ?? null;
      const message: MailboxMessage = {
        id: ref.id,
        location: {
          provider: 'microsoft',
          folder: graphFolderName(cache.folders, ref.folderId),
          inferenceClassification: ref.inferenceClassification ?? null,
        },
        receivedAt: ref.receivedAt ?? null,
        headers: headers.value,
        subject,
        from: ref.from ?? null,
      };
      return { ok: true, value: message };
    },
  };
}
