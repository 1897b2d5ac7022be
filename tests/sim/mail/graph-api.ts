/**
 * Microsoft Graph v1.0 at https://graph.microsoft.com, reading the mailbox store: /me,
 * /me/mailFolders[/{id|well-known name}], /me/messages (also under a folder) with
 * $filter / $orderby / $select / $top / $skip / $search, and /me/messages/{id}.
 * https://learn.microsoft.com/graph/api/user-list-messages
 *
 * Kept from the real service because clients trip on it:
 * - `$filter` is parsed (OData: and/or/not, eq/ne/gt/ge/lt/le, contains/startswith/endswith);
 *   an unknown property or a DateTimeOffset compared with a quoted string is a 400.
 * - Every `$orderby` property must appear in `$filter`, first and in the same order, else
 *   400 `InefficientFilter` (email.md; https://learn.microsoft.com/graph/api/user-list-messages#using-filter-and-orderby-in-the-same-query).
 * - `$search` is KQL (terms, OR / AND, `from:` by address or domain) and 400s beside `$filter`
 *   or `$orderby`; results newest first.
 * - `internetMessageHeaders` only when `$select`ed; paging through `@odata.nextLink`.
 * - /me needs User.Read (a token with Mail.Read alone gets 403), messages need Mail.Read or
 *   Mail.ReadBasic (headers and body: Mail.Read). 401 `InvalidAuthenticationToken` when the
 *   token is missing, unknown or expired; 429 with Retry-After when throttled.
 */
import { randomUUID } from 'node:crypto';
import type http from 'node:http';
import { bearerToken, handleCors, sendJson, type Telemetry } from './http';
import type { OAuthAuthority } from './oauth';
import { headerValue, type MailboxStore, type StoredMessage, type StoredPlacement } from './store';

export const WELL_KNOWN_FOLDERS = [
  'inbox',
  'junkemail',
  'deleteditems',
  'archive',
  'sentitems',
  'drafts',
] as const;
export type WellKnownFolder = (typeof WELL_KNOWN_FOLDERS)[number];

const DISPLAY_NAMES: Record<WellKnownFolder, string> = {
  inbox: 'Inbox',
  junkemail: 'Junk Email',
  deleteditems: 'Deleted Items',
  archive: 'Archive',
  sentitems: 'Sent Items',
  drafts: 'Drafts',
};

export function folderOfPlacement(placement: StoredPlacement): WellKnownFolder {
  switch (placement) {
    case 'inbox':
      return 'inbox';
    case 'spam':
      return 'junkemail';
    case 'trash':
      return 'deleteditems';
    case 'archived':
      return 'archive';
  }
}

class GraphError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

// ------------------------------------------------------------------------------------------
// OData $filter.

type Value = string | number | boolean | null | Date;
type Node =
  | { kind: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; operand: Node }
  | { kind: 'cmp'; op: string; left: Operand; right: Operand }
  | { kind: 'fn'; name: string; args: Operand[] };
type Operand =
  | { kind: 'prop'; path: string }
  | { kind: 'lit'; value: Value; type: 'string' | 'datetime' | 'number' | 'bool' | 'null' };

/** Message properties a filter or $select may name, and their EDM type. */
const PROPERTIES: Record<string, 'string' | 'datetime' | 'bool'> = {
  receivedDateTime: 'datetime',
  sentDateTime: 'datetime',
  createdDateTime: 'datetime',
  lastModifiedDateTime: 'datetime',
  subject: 'string',
  'from/emailAddress/address': 'string',
  'from/emailAddress/name': 'string',
  'sender/emailAddress/address': 'string',
  'sender/emailAddress/name': 'string',
  internetMessageId: 'string',
  parentFolderId: 'string',
  conversationId: 'string',
  importance: 'string',
  inferenceClassification: 'string',
  isRead: 'bool',
  isDraft: 'bool',
  hasAttachments: 'bool',
};

const SELECTABLE = new Set([
  'id',
  'createdDateTime',
  'lastModifiedDateTime',
  'receivedDateTime',
  'sentDateTime',
  'hasAttachments',
  'internetMessageId',
  'subject',
  'bodyPreview',
  'importance',
  'parentFolderId',
  'conversationId',
  'isRead',
  'isDraft',
  'webLink',
  'inferenceClassification',
  'body',
  'sender',
  'from',
  'toRecipients',
  'ccRecipients',
  'bccRecipients',
  'replyTo',
  'flag',
  'internetMessageHeaders',
  'categories',
  'changeKey',
]);

const TOKEN =
  /\s*(\(|\)|,|'(?:[^']|'')*'|[A-Za-z_][\w/.]*|\d{4}-\d{2}-\d{2}T[\d:.]+(?:Z|[+-]\d{2}:\d{2})?|-?\d+(?:\.\d+)?)/y;

function lex(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  let index = 0;
  while (index < text.length) {
    if (/^\s*$/.test(text.slice(index))) break;
    TOKEN.lastIndex = index;
    const match = TOKEN.exec(text);
    if (!match)
      throw new GraphError(
        400,
        'BadRequest',
        `Invalid filter clause: syntax error at position ${index} in '${text}'.`,
      );
    tokens.push(match[1] as string);
    index = TOKEN.lastIndex;
  }
  return tokens;
}

export function parseFilter(text: string): Node {
  const tokens = lex(text);
  let i = 0;
  const peek = () => tokens[i];
  const next = () => tokens[i++];
  const expect = (t: string) => {
    if (next() !== t)
      throw new GraphError(
        400,
        'BadRequest',
        `Invalid filter clause: '${t}' expected in '${text}'.`,
      );
  };
  const operand = (): Operand => {
    const t = next();
    if (t === undefined)
      throw new GraphError(
        400,
        'BadRequest',
        `Invalid filter clause: unexpected end of '${text}'.`,
      );
    if (t.startsWith("'"))
      return { kind: 'lit', value: t.slice(1, -1).replace(/''/g, "'"), type: 'string' };
    if (/^\d{4}-\d{2}-\d{2}T/.test(t)) return { kind: 'lit', value: new Date(t), type: 'datetime' };
    if (/^-?\d/.test(t)) return { kind: 'lit', value: Number(t), type: 'number' };
    if (t === 'true' || t === 'false') return { kind: 'lit', value: t === 'true', type: 'bool' };
    if (t === 'null') return { kind: 'lit', value: null, type: 'null' };
    if (!(t in PROPERTIES)) {
      throw new GraphError(
        400,
        'BadRequest',
        `Could not find a property named '${t.split('/').pop()}' on type 'microsoft.graph.message'.`,
      );
    }
    return { kind: 'prop', path: t };
  };
  const primary = (): Node => {
    const t = peek();
    if (t === '(') {
      next();
      const inner = or();
      expect(')');
      return inner;
    }
    if (t === 'not') {
      next();
      return { kind: 'not', operand: primary() };
    }
    if (t && /^(contains|startswith|endswith)$/i.test(t) && tokens[i + 1] === '(') {
      next();
      next();
      const args = [operand()];
      expect(',');
      args.push(operand());
      expect(')');
      return { kind: 'fn', name: t.toLowerCase(), args };
    }
    const left = operand();
    const op = next();
    if (!op || !/^(eq|ne|gt|ge|lt|le)$/.test(op))
      throw new GraphError(
        400,
        'BadRequest',
        `Invalid filter clause: comparison operator expected after '${left.kind === 'prop' ? left.path : 'value'}'.`,
      );
    const right = operand();
    for (const [a, b] of [
      [left, right],
      [right, left],
    ] as const) {
      if (
        a.kind === 'prop' &&
        PROPERTIES[a.path] === 'datetime' &&
        b.kind === 'lit' &&
        b.type === 'string'
      ) {
        throw new GraphError(
          400,
          'BadRequest',
          `A binary operator with incompatible types was detected. Found operand types 'Edm.DateTimeOffset' and 'Edm.String' for operator kind '${op}'.`,
        );
      }
    }
    return { kind: 'cmp', op, left, right };
  };
  /** `term (kind term)*`, left-associative: `and` binds tighter than `or`. */
  const chain = (kind: 'and' | 'or', term: () => Node) => (): Node => {
    let left = term();
    while (peek() === kind) {
      next();
      left = { kind, left, right: term() };
    }
    return left;
  };
  const and = chain('and', primary);
  const or = chain('or', and);
  const tree = or();
  if (i < tokens.length)
    throw new GraphError(
      400,
      'BadRequest',
      `Invalid filter clause: unexpected '${tokens[i]}' in '${text}'.`,
    );
  return tree;
}

/** Property paths in the order the filter names them (for the InefficientFilter rule). */
export function filterProperties(node: Node): string[] {
  switch (node.kind) {
    case 'and':
    case 'or':
      return [...filterProperties(node.left), ...filterProperties(node.right)];
    case 'not':
      return filterProperties(node.operand);
    case 'cmp':
      return [node.left, node.right].flatMap((o) => (o.kind === 'prop' ? [o.path] : []));
    case 'fn':
      return node.args.flatMap((o) => (o.kind === 'prop' ? [o.path] : []));
  }
}

interface MessageView {
  message: StoredMessage;
  folderId: string;
}

function propertyValue(view: MessageView, path: string): Value {
  const m = view.message;
  switch (path) {
    case 'receivedDateTime':
    case 'createdDateTime':
    case 'lastModifiedDateTime':
      return new Date(Math.floor(m.receivedAt / 1000) * 1000);
    case 'sentDateTime': {
      const date = Date.parse(headerValue(m.headers, 'Date') ?? '');
      return new Date(Number.isFinite(date) ? date : m.receivedAt);
    }
    case 'subject':
      return m.subject;
    case 'from/emailAddress/address':
    case 'sender/emailAddress/address':
      return m.fromAddress;
    case 'from/emailAddress/name':
    case 'sender/emailAddress/name':
      return m.fromName;
    case 'internetMessageId':
      return m.internetMessageId;
    case 'parentFolderId':
      return view.folderId;
    case 'conversationId':
      return `AAQk${m.graphId.slice(10, 40)}`;
    case 'importance':
      return 'normal';
    case 'inferenceClassification':
      return m.kind === 'digest' ? 'other' : 'focused';
    case 'isRead':
      return m.isRead;
    case 'isDraft':
    case 'hasAttachments':
      return false;
    default:
      return null;
  }
}

function resolve(view: MessageView, operand: Operand): Value {
  return operand.kind === 'prop' ? propertyValue(view, operand.path) : operand.value;
}

function compare(a: Value, b: Value): number {
  if (a instanceof Date && b instanceof Date) return a.getTime() - b.getTime();
  // Exchange compares strings without regard to case.
  if (typeof a === 'string' && typeof b === 'string')
    return a.toLowerCase().localeCompare(b.toLowerCase());
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return a === b ? 0 : Number.NaN;
}

function evaluate(view: MessageView, node: Node): boolean {
  switch (node.kind) {
    case 'and':
      return evaluate(view, node.left) && evaluate(view, node.right);
    case 'or':
      return evaluate(view, node.left) || evaluate(view, node.right);
    case 'not':
      return !evaluate(view, node.operand);
    case 'fn': {
      const [hay, needle] = node.args.map((a) => String(resolve(view, a) ?? '').toLowerCase()) as [
        string,
        string,
      ];
      if (node.name === 'contains') return hay.includes(needle);
      if (node.name === 'startswith') return hay.startsWith(needle);
      return hay.endsWith(needle);
    }
    case 'cmp': {
      const c = compare(resolve(view, node.left), resolve(view, node.right));
      if (Number.isNaN(c)) return node.op === 'ne';
      switch (node.op) {
        case 'eq':
          return c === 0;
        case 'ne':
          return c !== 0;
        case 'gt':
          return c > 0;
        case 'ge':
          return c >= 0;
        case 'lt':
          return c < 0;
        default:
          return c <= 0;
      }
    }
  }
}

// ------------------------------------------------------------------------------------------
// $search: KQL as Graph applies it to messages (https://learn.microsoft.com/graph/search-query-parameter).
// Whitespace-separated terms joined by upper-case OR / AND (AND binds tighter; no operator is
// AND). `from:v` matches the sender address v, or a sender domain that is v or ends with `.v`;
// `subject:` / `body:` / `to:` match a substring; a bare word a substring of subject, sender or body.

interface SearchTerm {
  prop: string | null;
  value: string;
}
/** OR of ANDs. */
type SearchQuery = SearchTerm[][];

export function parseSearch(text: string): SearchQuery {
  const words = text
    .trim()
    .replace(/^"([\s\S]*)"$/, '$1')
    .split(/\s+/)
    .filter(Boolean);
  const query: SearchQuery = [[]];
  let expectTerm = true;
  for (const word of words) {
    if (word === 'OR' || word === 'AND') {
      if (expectTerm)
        throw new GraphError(400, 'BadRequest', `Syntax error: unexpected '${word}' in $search.`);
      if (word === 'OR') query.push([]);
      expectTerm = true;
      continue;
    }
    const colon = word.indexOf(':');
    const term: SearchTerm =
      colon > 0
        ? { prop: word.slice(0, colon).toLowerCase(), value: word.slice(colon + 1).toLowerCase() }
        : { prop: null, value: word.toLowerCase() };
    (query[query.length - 1] as SearchTerm[]).push(term);
    expectTerm = false;
  }
  if (expectTerm && words.length)
    throw new GraphError(400, 'BadRequest', 'Syntax error: $search ends with an operator.');
  return query;
}

function matchesTerm(view: MessageView, term: SearchTerm): boolean {
  const m = view.message;
  const value = term.value.replace(/^"|"$/g, '');
  switch (term.prop) {
    case 'from': {
      const address = m.fromAddress.toLowerCase();
      const domain = address.slice(address.lastIndexOf('@') + 1);
      return address === value || domain === value || domain.endsWith(`.${value}`);
    }
    case 'subject':
      return m.subject.toLowerCase().includes(value);
    case 'body':
      return m.raw.toLowerCase().includes(value);
    case 'to':
      return (headerValue(m.headers, 'To') ?? '').toLowerCase().includes(value);
    default: {
      // A bare word, or a property this emulator does not know: the word as written.
      const needle = term.prop ? `${term.prop}:${value}` : value;
      return `${m.subject} ${m.fromAddress} ${m.raw}`.toLowerCase().includes(needle);
    }
  }
}

function matchesSearch(view: MessageView, query: SearchQuery): boolean {
  return query.some((all) => all.every((term) => matchesTerm(view, term)));
}

// ------------------------------------------------------------------------------------------

function graphDate(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}

function recipient(
  address: string,
  name = '',
): { emailAddress: { name: string; address: string } } {
  return { emailAddress: { name: name || address, address } };
}

function messageJson(view: MessageView, select: string[] | null): Record<string, unknown> {
  const m = view.message;
  const preview = m.raw
    .slice(m.raw.search(/\r?\n\r?\n/))
    .replace(/<[^>]+>|--_.*|Content-.*|=\r?\n/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 255);
  const full: Record<string, unknown> = {
    '@odata.etag': `W/"CQAAABYAAAD${m.graphId.slice(-20, -4)}"`,
    id: m.graphId,
    createdDateTime: graphDate(m.receivedAt),
    lastModifiedDateTime: graphDate(m.receivedAt),
    changeKey: `CQAAABYAAAD${m.graphId.slice(-20, -4)}`,
    categories: [],
    receivedDateTime: graphDate(m.receivedAt),
    sentDateTime: (propertyValue(view, 'sentDateTime') as Date)
      .toISOString()
      .replace(/\.\d{3}Z$/, 'Z'),
    hasAttachments: false,
    internetMessageId: m.internetMessageId,
    subject: m.subject,
    bodyPreview: preview,
    importance: 'normal',
    parentFolderId: view.folderId,
    conversationId: propertyValue(view, 'conversationId'),
    isRead: m.isRead,
    isDraft: false,
    webLink: `https://outlook.office365.com/owa/?ItemID=${encodeURIComponent(m.graphId)}&exvsurl=1&viewmodel=ReadMessageItem`,
    inferenceClassification: propertyValue(view, 'inferenceClassification'),
    body: { contentType: 'html', content: m.raw.slice(m.raw.search(/\r?\n\r?\n/)).trim() },
    sender: recipient(m.fromAddress, m.fromName),
    from: recipient(m.fromAddress, m.fromName),
    toRecipients: [recipient(m.owner)],
    ccRecipients: [],
    bccRecipients: [],
    replyTo: [],
    flag: { flagStatus: 'notFlagged' },
  };
  if (!select) return full;
  const out: Record<string, unknown> = { '@odata.etag': full['@odata.etag'], id: m.graphId };
  for (const key of select) {
    if (key === 'internetMessageHeaders')
      out.internetMessageHeaders = m.headers.map((h) => ({ name: h.name, value: h.value }));
    else if (key in full) out[key] = full[key];
  }
  return out;
}

function parseSelect(value: string | null): string[] | null {
  if (!value) return null;
  const keys = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const key of keys) {
    if (!SELECTABLE.has(key))
      throw new GraphError(
        400,
        'RequestBroker--ParseUri',
        `Could not find a property named '${key}' on type 'microsoft.graph.message'.`,
      );
  }
  return keys;
}

const CAN_READ_MESSAGES = [
  'Mail.Read',
  'Mail.ReadWrite',
  'Mail.ReadBasic',
  'Mail.ReadBasic.All',
  'Mail.Read.Shared',
];
const CAN_READ_CONTENT = ['Mail.Read', 'Mail.ReadWrite', 'Mail.Read.Shared'];
const CAN_READ_ME = [
  'User.Read',
  'User.ReadWrite',
  'User.ReadBasic.All',
  'User.Read.All',
  'Directory.Read.All',
];

export interface GraphUser {
  address: string;
  displayName: string;
  id: string;
}

export function graphHandler(
  store: MailboxStore,
  oauth: OAuthAuthority,
  telemetry: Telemetry,
  folderIds: Record<WellKnownFolder, string>,
  displayNameOf: (address: string) => string,
) {
  const folderById = new Map(
    Object.entries(folderIds).map(([name, id]) => [id, name as WellKnownFolder]),
  );
  const resolveFolder = (value: string): WellKnownFolder | undefined => {
    const lower = value.toLowerCase();
    return (WELL_KNOWN_FOLDERS as readonly string[]).includes(lower)
      ? (lower as WellKnownFolder)
      : folderById.get(value);
  };
  const folderJson = (name: WellKnownFolder, messages: StoredMessage[]) => {
    const inFolder = messages.filter((m) => folderOfPlacement(m.placement) === name);
    return {
      id: folderIds[name],
      displayName: DISPLAY_NAMES[name],
      parentFolderId: 'AQMkADk0ZTFjN2E1LWI2ZGQtNDE1ZC1hYjA2LTM3YmZhNTQ3YjI3ZAAuAAAAAAEIAQAAAA==',
      childFolderCount: 0,
      unreadItemCount: inFolder.filter((m) => !m.isRead).length,
      totalItemCount: inFolder.length,
      isHidden: false,
    };
  };

  return (req: http.IncomingMessage, res: http.ServerResponse, url: URL): void => {
    if (handleCors(req, res)) return;
    const requestId = randomUUID();
    const path = decodeURIComponent(url.pathname).replace(/\/+$/, '');
    const parts = path.split('/').filter(Boolean);
    // v1.0 / me | users/{id} / …
    const rest = parts[1] === 'me' ? parts.slice(2) : parts[1] === 'users' ? parts.slice(3) : null;
    const endpoint =
      rest === null
        ? 'graph.other'
        : rest.length === 0
          ? 'graph.me'
          : rest[0] === 'mailFolders' && rest[2] !== 'messages'
            ? 'graph.folders'
            : (rest[0] === 'messages' && rest.length === 2) ||
                (rest[2] === 'messages' && rest.length === 4)
              ? 'graph.message'
              : 'graph.messages';
    const common = {
      'request-id': requestId,
      'client-request-id': String(req.headers['client-request-id'] ?? requestId),
    };
    const record = telemetry.recorder(endpoint, req, url);
    const fail = (
      status: number,
      code: string,
      message: string,
      headers: http.OutgoingHttpHeaders = {},
    ) => {
      record(status);
      sendJson(
        res,
        status,
        {
          error: {
            code,
            message,
            innerError: {
              date: new Date().toISOString().slice(0, 19),
              'request-id': requestId,
              'client-request-id': common['client-request-id'],
            },
          },
        },
        { ...common, ...headers },
      );
    };
    const ok = (body: unknown) => {
      record(200);
      sendJson(res, 200, body, common);
    };
    const fault = telemetry.hit(endpoint);
    if (fault) {
      fail(429, 'ApplicationThrottled', 'Application is over its MailboxConcurrency limit.', {
        'retry-after': String(fault.retryAfterS),
      });
      return;
    }
    const token = bearerToken(req);
    const check = oauth.check(token, 'microsoft');
    if (!check.ok) {
      const message =
        check.reason === 'missing'
          ? 'Access token is empty.'
          : check.reason === 'expired'
            ? 'Lifetime validation failed, the token is expired.'
            : 'IDX14100: JWT is not well formed, there are no dots (.).';
      fail(401, 'InvalidAuthenticationToken', message, {
        'www-authenticate':
          'Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"',
      });
      return;
    }
    const { grant } = check;
    if (parts[0] !== 'v1.0' || rest === null || req.method !== 'GET') {
      fail(400, 'BadRequest', `Resource not found for the segment '${parts[1] ?? ''}'.`);
      return;
    }
    if (parts[1] === 'users' && (parts[2] ?? '').toLowerCase() !== grant.account) {
      fail(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
      return;
    }
    const has = (list: string[]) => grant.scopes.some((s) => list.includes(s));
    try {
      if (endpoint === 'graph.me') {
        if (!has(CAN_READ_ME)) {
          fail(
            403,
            'Authorization_RequestDenied',
            'Insufficient privileges to complete the operation.',
          );
          return;
        }
        const [given, ...family] = displayNameOf(grant.account).split(' ');
        const me: Record<string, unknown> = {
          businessPhones: [],
          displayName: displayNameOf(grant.account),
          givenName: given,
          jobTitle: null,
          mail: grant.account,
          mobilePhone: null,
          officeLocation: null,
          preferredLanguage: 'en-US',
          surname: family.join(' '),
          userPrincipalName: grant.account,
          id: '5f0b2c1e-8d3a-4b7e-9a61-3c2d1e0f9b8a',
        };
        const select = url.searchParams.get('$select');
        const body = select
          ? Object.fromEntries(
              select
                .split(',')
                .map((k) => k.trim())
                .filter((k) => k in me)
                .map((k) => [k, me[k]]),
            )
          : me;
        ok({
          '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users${select ? `(${select})` : ''}/$entity`,
          ...body,
        });
        return;
      }
      if (!has(CAN_READ_MESSAGES)) {
        fail(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
        return;
      }
      const mailbox = store.list(grant.account).filter((m) => m.platform === 'microsoft');
      const views = mailbox.map((message) => ({
        message,
        folderId: folderIds[folderOfPlacement(message.placement)],
      }));
      if (endpoint === 'graph.folders') {
        if (rest.length === 1) {
          ok({
            '@odata.context': "https://graph.microsoft.com/v1.0/$metadata#users('me')/mailFolders",
            value: WELL_KNOWN_FOLDERS.map((f) => folderJson(f, mailbox)),
          });
          return;
        }
        const folder = resolveFolder(rest[1] as string);
        if (!folder) {
          fail(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
          return;
        }
        // $select=id (what the extension asks) returns only the id, as Graph does.
        const json: Record<string, unknown> = folderJson(folder, mailbox);
        const fields = url.searchParams
          .get('$select')
          ?.split(',')
          .map((f) => f.trim());
        const body = fields
          ? Object.fromEntries(
              Object.entries(json).filter(([k]) => k === 'id' || fields.includes(k)),
            )
          : json;
        ok({
          '@odata.context':
            "https://graph.microsoft.com/v1.0/$metadata#users('me')/mailFolders/$entity",
          ...body,
        });
        return;
      }
      const select = parseSelect(url.searchParams.get('$select'));
      if (
        select?.some((k) => k === 'internetMessageHeaders' || k === 'body') &&
        !has(CAN_READ_CONTENT)
      ) {
        fail(403, 'ErrorAccessDenied', 'Access is denied. Check credentials and try again.');
        return;
      }
      if (endpoint === 'graph.message') {
        const id = rest[rest.length - 1] as string;
        const view = views.find((v) => v.message.graphId === id);
        if (!view) {
          fail(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
          return;
        }
        ok({
          '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users('${grant.account}')/messages(${(select ?? []).join(',')})/$entity`,
          ...messageJson(view, select),
        });
        return;
      }
      // List: /messages or /mailFolders/{folder}/messages.
      let list = views;
      if (rest[0] === 'mailFolders') {
        const folder = resolveFolder(rest[1] as string);
        if (!folder) {
          fail(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');
          return;
        }
        list = list.filter((v) => v.folderId === folderIds[folder]);
      }
      const filterText = url.searchParams.get('$filter');
      const orderbyText = url.searchParams.get('$orderby');
      const search = url.searchParams.get('$search');
      const filter = filterText ? parseFilter(filterText) : null;
      const orderby = (orderbyText ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((s) => {
          const [prop, dir] = s.split(/\s+/);
          if (!prop || !(prop in PROPERTIES))
            throw new GraphError(
              400,
              'BadRequest',
              `Could not find a property named '${prop}' on type 'microsoft.graph.message'.`,
            );
          return { prop, desc: (dir ?? 'asc').toLowerCase() === 'desc' };
        });
      if (filter && orderby.length) {
        const named = filterProperties(filter);
        if (orderby.some((o, index) => named[index] !== o.prop)) {
          throw new GraphError(
            400,
            'InefficientFilter',
            'The restriction or sort order is too complex for this operation.',
          );
        }
      }
      if (search && (filter || orderby.length)) {
        throw new GraphError(
          400,
          'ErrorInvalidUrlQuery',
          `The query parameter '${filter ? '$filter' : '$orderby'}' is invalid when used with '$search'.`,
        );
      }
      if (filter) list = list.filter((v) => evaluate(v, filter));
      if (search) {
        const query = parseSearch(search);
        list = list.filter((v) => matchesSearch(v, query));
      }
      const sorted = [...list].sort((a, b) => {
        for (const o of orderby) {
          const c = compare(propertyValue(a, o.prop), propertyValue(b, o.prop));
          if (c) return o.desc ? -c : c;
        }
        return b.message.receivedAt - a.message.receivedAt;
      });
      const top = Math.min(Math.max(Number(url.searchParams.get('$top') ?? 10) || 10, 1), 1000);
      const skip = Math.max(Number(url.searchParams.get('$skip') ?? 0) || 0, 0);
      const page = sorted.slice(skip, skip + top);
      const body: Record<string, unknown> = {
        '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users('${grant.account}')/messages${select ? `(${select.join(',')})` : ''}`,
        value: page.map((v) => messageJson(v, select)),
      };
      if (skip + top < sorted.length) {
        const nextUrl = new URL(url.toString());
        nextUrl.searchParams.set('$skip', String(skip + top));
        body['@odata.nextLink'] = `https://graph.microsoft.com${nextUrl.pathname}${nextUrl.search}`;
      }
      ok(body);
    } catch (error) {
      if (error instanceof GraphError) fail(error.status, error.code, error.message);
      else throw error;
    }
  };
}

/** Stable per-world folder ids, shaped like Exchange's. */
export function makeFolderIds(): Record<WellKnownFolder, string> {
  const ids = {} as Record<WellKnownFolder, string>;
  for (const [index, name] of WELL_KNOWN_FOLDERS.entries()) {
    ids[name] =
      `AAMkADk0ZTFjN2E1LWI2ZGQtNDE1ZC1hYjA2LTM3YmZhNTQ3YjI3ZAAuAAAAAAC${Buffer.from(`${name}-${index}-${randomUUID()}`).toString('base64url').slice(0, 40)}AAA=`;
  }
  return ids;
}
