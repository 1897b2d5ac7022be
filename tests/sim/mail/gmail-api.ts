/**
 * The Gmail API at https://gmail.googleapis.com, reading the mailbox store:
 * users.getProfile, users.messages.list (with the Gmail search syntax the extension sends) and
 * users.messages.get (format minimal | metadata | full | raw).
 * https://developers.google.com/workspace/gmail/api/reference/rest/v1/users.messages
 *
 * Behaviour kept from the real API because the extension depends on it: SPAM and TRASH are
 * left out unless `includeSpamTrash=true` or the query says `in:anywhere` / `in:spam` /
 * `in:trash`; an empty list has no `messages` key; a token with gmail.metadata is refused `q`
 * (403, email.md); 401 with `WWW-Authenticate` for a missing, invalid or expired token; and the
 * error JSON of Google APIs (`{error:{code,message,errors,status}}`).
 */
import type http from 'node:http';
import { GMAIL_METADATA_SCOPE } from './constants';
import { bearerToken, handleCors, sendJson, type Telemetry } from './http';
import { googleCanRead, type OAuthAuthority } from './oauth';
import { headerValue, type MailboxStore, type StoredMessage } from './store';

function googleError(
  res: http.ServerResponse,
  code: number,
  status: string,
  message: string,
  reason: string,
  headers: http.OutgoingHttpHeaders = {},
): void {
  sendJson(
    res,
    code,
    {
      error: {
        code,
        message,
        errors: [{ message, domain: code === 429 ? 'usageLimits' : 'global', reason }],
        status,
      },
    },
    headers,
  );
}

// ------------------------------------------------------------------------------------------
// Gmail search (https://support.google.com/mail/answer/7190), the subset a mail client uses.

type Term =
  | { kind: 'op'; name: string; values: string[]; negate: boolean }
  | { kind: 'text'; value: string; negate: boolean }
  | { kind: 'or'; terms: Term[][]; negate: boolean };

/** Splits a query into tokens: words, "quoted phrases", (groups), {groups}, OR. */
function tokenize(q: string): string[] {
  const tokens: string[] = [];
  let i = 0;
  while (i < q.length) {
    const c = q[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    let j = i;
    let depth = 0;
    let quoted = false;
    while (j < q.length) {
      const d = q[j] as string;
      if (d === '"') quoted = !quoted;
      else if (!quoted && (d === '(' || d === '{')) depth++;
      else if (!quoted && (d === ')' || d === '}')) depth--;
      else if (!quoted && depth <= 0 && /\s/.test(d)) break;
      j++;
    }
    tokens.push(q.slice(i, j));
    i = j;
  }
  return tokens;
}

/** A group's alternatives: "(a OR b)" / "{a b}" → ['a', 'b']; "(a b)" → ['a b'] (all of them). */
function groupValues(value: string): string[] {
  if (value.startsWith('{') && value.endsWith('}'))
    return tokenize(value.slice(1, -1)).map(unquote);
  if (value.startsWith('(') && value.endsWith(')')) {
    const inner = tokenize(value.slice(1, -1)).filter((t) => t !== 'OR' && t !== '|');
    return /\s(OR|\|)\s/.test(value) ? inner.map(unquote) : [inner.map(unquote).join(' ')];
  }
  return [unquote(value)];
}

function unquote(value: string): string {
  return value.startsWith('"') && value.endsWith('"') && value.length >= 2
    ? value.slice(1, -1)
    : value;
}

export function parseGmailQuery(q: string): Term[] {
  const tokens = tokenize(q);
  const terms: Term[] = [];
  for (let i = 0; i < tokens.length; i++) {
    let token = tokens[i] as string;
    if (token === 'OR' || token === '|') {
      // a OR b: merge the previous term and the next into one alternative.
      const previous = terms.pop();
      const next = tokens[i + 1];
      if (previous && next !== undefined) {
        const parsedNext = parseGmailQuery(next);
        const alternatives =
          previous.kind === 'or' && !previous.negate ? previous.terms : [[previous]];
        terms.push({ kind: 'or', terms: [...alternatives, parsedNext], negate: false });
        i++;
      } else if (previous) terms.push(previous);
      continue;
    }
    let negate = false;
    if (token.startsWith('-') && token.length > 1) {
      negate = true;
      token = token.slice(1);
    }
    if (
      (token.startsWith('(') && token.endsWith(')')) ||
      (token.startsWith('{') && token.endsWith('}'))
    ) {
      const inner = token.slice(1, -1);
      if (token.startsWith('{'))
        terms.push({ kind: 'or', terms: tokenize(inner).map((t) => parseGmailQuery(t)), negate });
      else terms.push({ kind: 'or', terms: [parseGmailQuery(inner)], negate });
      continue;
    }
    const op = /^([a-zA-Z_]+):(.+)$/.exec(token);
    if (op)
      terms.push({
        kind: 'op',
        name: (op[1] as string).toLowerCase(),
        values: groupValues(op[2] as string),
        negate,
      });
    else terms.push({ kind: 'text', value: unquote(token), negate });
  }
  return terms;
}

const DURATION_MS: Record<string, number> = {
  h: 3_600_000,
  d: 86_400_000,
  m: 30 * 86_400_000,
  y: 365 * 86_400_000,
};

function durationMs(value: string): number | null {
  const match = /^(\d+)([hdmy])$/i.exec(value.trim());
  return match
    ? Number(match[1]) * (DURATION_MS[(match[2] as string).toLowerCase()] as number)
    : null;
}

/** after:/before: take YYYY/MM/DD (midnight, Pacific in real Gmail; UTC here) or epoch seconds. */
function dateMs(value: string): number | null {
  if (/^\d{9,11}$/.test(value)) return Number(value) * 1000;
  const match = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(value);
  return match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : null;
}

/** Gmail matches words, not characters: compare lower-case alphanumeric word sequences. */
function words(text: string): string {
  return ` ${text
    .toLowerCase()
    .replace(/[^a-z0-9@.]+/g, ' ')
    .trim()} `;
}

function containsWords(haystack: string, needle: string): boolean {
  const n = words(needle).trim();
  return n.length > 0 && words(haystack).includes(` ${n} `);
}

function bodyText(message: StoredMessage): string {
  const index = message.raw.search(/\r?\n\r?\n/);
  return index < 0 ? '' : message.raw.slice(index).replace(/=\r?\n/g, '');
}

/** Whether the query names SPAM or TRASH, which lifts the default exclusion. */
function mentionsSpamTrash(terms: Term[]): boolean {
  return terms.some((t) =>
    t.kind === 'op'
      ? (t.name === 'in' || t.name === 'label') &&
        t.values.some((v) => ['anywhere', 'spam', 'trash'].includes(v.toLowerCase()))
      : t.kind === 'or' && t.terms.some(mentionsSpamTrash),
  );
}

function matchOp(message: StoredMessage, name: string, value: string, now: number): boolean {
  const v = value.toLowerCase();
  switch (name) {
    case 'from':
      return (
        containsWords(`${message.fromName} ${message.fromAddress}`, value) ||
        message.fromAddress.includes(v)
      );
    case 'to':
    case 'deliveredto':
      return (
        message.owner.includes(v) ||
        (headerValue(message.headers, 'To') ?? '').toLowerCase().includes(v)
      );
    case 'subject':
      return containsWords(message.subject, value);
    case 'newer_than': {
      const ms = durationMs(v);
      return ms !== null && message.receivedAt > now - ms;
    }
    case 'older_than': {
      const ms = durationMs(v);
      return ms !== null && message.receivedAt < now - ms;
    }
    case 'after': {
      const ms = dateMs(v);
      return ms !== null && message.receivedAt >= ms;
    }
    case 'before': {
      const ms = dateMs(v);
      return ms !== null && message.receivedAt < ms;
    }
    case 'in':
    case 'label':
      if (v === 'anywhere') return true;
      return message.labels.some(
        (l) => l.toLowerCase() === v || l.toLowerCase() === `category_${v}`,
      );
    case 'category':
      return message.labels.includes(`CATEGORY_${v.toUpperCase()}`);
    case 'is':
      if (v === 'unread') return message.labels.includes('UNREAD');
      if (v === 'read') return !message.labels.includes('UNREAD');
      if (v === 'important') return message.labels.includes('IMPORTANT');
      return false;
    case 'rfc822msgid':
      return message.internetMessageId.replace(/[<>]/g, '') === value.replace(/[<>]/g, '');
    case 'has':
      return false;
    default:
      // An unknown "word:word" is searched as text, as Gmail does.
      return containsWords(`${message.subject} ${bodyText(message)}`, `${name} ${value}`);
  }
}

function matchTerm(message: StoredMessage, term: Term, now: number): boolean {
  let result: boolean;
  if (term.kind === 'op')
    result = term.values.some((value) => matchOp(message, term.name, value, now));
  else if (term.kind === 'text')
    result = containsWords(
      `${message.fromName} ${message.fromAddress} ${message.subject} ${bodyText(message)}`,
      term.value,
    );
  else result = term.terms.some((all) => all.every((t) => matchTerm(message, t, now)));
  return term.negate ? !result : result;
}

export function gmailSearch(
  messages: readonly StoredMessage[],
  q: string,
  includeSpamTrash: boolean,
  now = Date.now(),
): StoredMessage[] {
  const terms = parseGmailQuery(q);
  const spamTrash = includeSpamTrash || mentionsSpamTrash(terms);
  return messages.filter(
    (m) =>
      (spamTrash || !m.labels.some((l) => l === 'SPAM' || l === 'TRASH')) &&
      terms.every((t) => matchTerm(m, t, now)),
  );
}

// ------------------------------------------------------------------------------------------

function snippet(message: StoredMessage): string {
  const text = bodyText(message)
    .replace(/<[^>]+>/g, ' ')
    .replace(/--_[^\n]*\n|Content-[^\n]*\n/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.slice(0, 140);
}

function messageResource(
  message: StoredMessage,
  format: string,
  metadataHeaders: string[],
): Record<string, unknown> {
  const base = {
    id: message.gmailId,
    threadId: message.gmailId,
    labelIds: [...message.labels],
    snippet: snippet(message),
    sizeEstimate: Buffer.byteLength(message.raw),
    historyId: String(100000 + (Math.floor(message.receivedAt / 1000) % 900000)),
    internalDate: String(Math.floor(message.receivedAt)),
  };
  if (format === 'minimal') return base;
  if (format === 'raw') return { ...base, raw: Buffer.from(message.raw).toString('base64url') };
  const wanted = metadataHeaders.map((h) => h.toLowerCase());
  const headers =
    format === 'metadata' && wanted.length
      ? message.headers.filter((h) => wanted.includes(h.name.toLowerCase()))
      : message.headers;
  const payload: Record<string, unknown> = {
    partId: '',
    mimeType: (headerValue(message.headers, 'Content-Type') ?? 'text/plain').split(';')[0],
    filename: '',
    headers: headers.map((h) => ({ name: h.name, value: h.value })),
  };
  if (format === 'full')
    payload.body = {
      size: Buffer.byteLength(bodyText(message)),
      data: Buffer.from(bodyText(message)).toString('base64url'),
    };
  return { ...base, payload };
}

const PAGE_MAX = 500;

export function gmailHandler(store: MailboxStore, oauth: OAuthAuthority, telemetry: Telemetry) {
  return (req: http.IncomingMessage, res: http.ServerResponse, url: URL): void => {
    if (handleCors(req, res)) return;
    const match = /^\/gmail\/v1\/users\/([^/]+)\/(profile|messages)(?:\/([^/]+))?$/.exec(
      url.pathname,
    );
    const endpoint = !match
      ? 'gmail.other'
      : match[2] === 'profile'
        ? 'gmail.profile'
        : match[3]
          ? 'gmail.get'
          : 'gmail.list';
    const fault = telemetry.hit(endpoint);
    const status = telemetry.recorder(endpoint, req, url);
    if (fault) {
      status(429);
      // Google's per-user rate limit error (https://developers.google.com/workspace/gmail/api/guides/handle-errors).
      googleError(
        res,
        429,
        'RESOURCE_EXHAUSTED',
        `User-rate limit exceeded.  Retry after ${new Date(Date.now() + fault.retryAfterS * 1000).toISOString()}`,
        'rateLimitExceeded',
        { 'retry-after': String(fault.retryAfterS) },
      );
      return;
    }
    const check = oauth.check(bearerToken(req), 'google');
    if (!check.ok) {
      status(401);
      googleError(
        res,
        401,
        'UNAUTHENTICATED',
        'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
        'authError',
        {
          'www-authenticate': `Bearer realm="https://accounts.google.com/", error="invalid_token"`,
        },
      );
      return;
    }
    const { grant } = check;
    const metadataOnly = grant.scopes.includes(GMAIL_METADATA_SCOPE);
    if (!googleCanRead(grant.scopes) && !metadataOnly) {
      status(403);
      googleError(
        res,
        403,
        'PERMISSION_DENIED',
        'Request had insufficient authentication scopes.',
        'insufficientPermissions',
      );
      return;
    }
    if (!match || req.method !== 'GET') {
      status(404);
      googleError(res, 404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound');
      return;
    }
    const user = decodeURIComponent(match[1] as string);
    if (user !== 'me' && user.toLowerCase() !== grant.account) {
      status(403);
      googleError(
        res,
        403,
        'PERMISSION_DENIED',
        `Delegation denied for ${grant.account}`,
        'forbidden',
      );
      return;
    }
    const mailbox = store.list(grant.account).filter((m) => m.platform === 'google');
    if (endpoint === 'gmail.profile') {
      status(200);
      sendJson(res, 200, {
        emailAddress: grant.account,
        messagesTotal: mailbox.length,
        threadsTotal: mailbox.length,
        historyId: String(100000 + mailbox.length),
      });
      return;
    }
    if (endpoint === 'gmail.list') {
      const q = url.searchParams.get('q') ?? '';
      if (q && metadataOnly) {
        status(403);
        googleError(
          res,
          403,
          'PERMISSION_DENIED',
          "Metadata scope does not support 'q' parameter",
          'forbidden',
        );
        return;
      }
      const includeSpamTrash = url.searchParams.get('includeSpamTrash') === 'true';
      const labelIds = url.searchParams.getAll('labelIds');
      const maxResults = Math.min(
        Math.max(Number(url.searchParams.get('maxResults') ?? 100) || 100, 1),
        PAGE_MAX,
      );
      const offset =
        Number(Buffer.from(url.searchParams.get('pageToken') ?? '', 'base64url').toString() || 0) ||
        0;
      let found = gmailSearch(
        mailbox,
        q,
        includeSpamTrash || labelIds.some((l) => l === 'SPAM' || l === 'TRASH'),
      );
      if (labelIds.length) found = found.filter((m) => labelIds.every((l) => m.labels.includes(l)));
      const page = found.slice(offset, offset + maxResults);
      const body: Record<string, unknown> = {};
      if (page.length) body.messages = page.map((m) => ({ id: m.gmailId, threadId: m.gmailId }));
      if (offset + maxResults < found.length)
        body.nextPageToken = Buffer.from(String(offset + maxResults)).toString('base64url');
      body.resultSizeEstimate = page.length ? found.length : 0;
      status(200);
      sendJson(res, 200, body);
      return;
    }
    const message = mailbox.find((m) => m.gmailId === match[3]);
    if (!message) {
      status(404);
      googleError(res, 404, 'NOT_FOUND', 'Requested entity was not found.', 'notFound');
      return;
    }
    const format = (url.searchParams.get('format') ?? 'full').toLowerCase();
    if (!['minimal', 'metadata', 'full', 'raw'].includes(format)) {
      status(400);
      googleError(
        res,
        400,
        'INVALID_ARGUMENT',
        `Invalid value at 'format' (type.googleapis.com/google.apps.gmail.v1.GetMessageRequest.Format), "${format}"`,
        'invalid',
      );
      return;
    }
    if (metadataOnly && (format === 'full' || format === 'raw')) {
      status(403);
      googleError(
        res,
        403,
        'PERMISSION_DENIED',
        `Metadata scope doesn't allow format ${format.toUpperCase()}`,
        'forbidden',
      );
      return;
    }
    // metadataHeaders may repeat or be comma-separated.
    const metadataHeaders = url.searchParams
      .getAll('metadataHeaders')
      .flatMap((h) => h.split(','))
      .map((h) => h.trim())
      .filter(Boolean);
    status(200);
    sendJson(res, 200, messageResource(message, format, metadataHeaders));
  };
}
