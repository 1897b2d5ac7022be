/**
 * Parsers for a raw RFC 5322 header block and for the header fields the email check reads:
 * Authentication-Results (RFC 8601, plus Microsoft's non-conforming dialect), Received
 * (RFC 5321 §4.4), Received-SPF (RFC 7208 §9.1), Microsoft's X-Forefront-Antispam-Report and
 * X-Microsoft-Antispam, SendGrid's markers, and From / Date / Message-ID / Subject.
 *
 * Everything here reads text a user pasted or a mailbox API returned: it never throws, it
 * returns what it could read plus a list of problems, and it undoes what pasting commonly does
 * to a header block (`undoPasteDamage`, lost folding, a bare field value). Which of the fields
 * are the receiving organisation's own is utils/email/headers/trust.ts's job. Sources for the formats:
 * shared/reference/email.md, https://www.rfc-editor.org/rfc/rfc8601,
 * https://learn.microsoft.com/defender-office-365/message-headers-eop-mdo.
 *
 * Pure: no `browser.*`, no Node APIs (runs in the service worker, a standalone page and the CLI).
 */

/** One header field, unfolded (RFC 5322 §2.2.3); `name` as written (compare ignoring case). */
export interface HeaderField {
  name: string;
  value: string;
}

/**
 * Something about the input the user should know (it was cut, lines were skipped…): a message
 * id (`headers_problem_*` in _locales) and its substitutions, never English.
 */
export interface HeaderProblem {
  id: string;
  params: string[];
}

const problem = (id: string, ...params: (string | number)[]): HeaderProblem => ({
  id: `headers_problem_${id}`,
  params: params.map(String),
});

export interface HeaderBlock {
  /** Top first: the newest field (added by the last system to handle the message) is first. */
  fields: HeaderField[];
  problems: HeaderProblem[];
}

/** Only this much of a paste is read: real header blocks are a few tens of KB at most. */
export const MAX_HEADER_INPUT_CHARS = 256 * 1024;
/** A single field longer than this is cut: keeps every later regex on a bounded string. */
const MAX_FIELD_CHARS = 32 * 1024;
const MAX_FIELDS = 2000;

/** RFC 5322 §3.6.8: field-name = 1*ftext, printable US-ASCII but ":" (obs-syntax: WSP after). */
const FIELD_LINE = /^([!-9;-~]+)[ \t]*:(.*)$/;

/**
 * Names that certainly start a header field. Used to tell a header that follows a blank line
 * (Outlook on the web shows the header fields separated by blank lines) from a message body.
 */
const KNOWN_FIELDS = new Set([
  'received',
  'authentication-results',
  'arc-authentication-results',
  'arc-seal',
  'arc-message-signature',
  'received-spf',
  'dkim-signature',
  'return-path',
  'delivered-to',
  'from',
  'to',
  'cc',
  'reply-to',
  'sender',
  'subject',
  'date',
  'message-id',
  'mime-version',
  'content-type',
  'content-transfer-encoding',
  'list-unsubscribe',
  'list-unsubscribe-post',
  'feedback-id',
  'thread-topic',
  'thread-index',
]);

/** Fields that only a real header block has (not Gmail's "Show original" summary table). */
const STRUCTURAL_FIELDS = new Set([
  'received',
  'authentication-results',
  'dkim-signature',
  'return-path',
  'message-id',
  'mime-version',
  'received-spf',
]);

function isKnownField(name: string): boolean {
  const lower = name.toLowerCase();
  return KNOWN_FIELDS.has(lower) || lower.startsWith('x-') || lower.startsWith('arc-');
}

function isStructuralField(name: string): boolean {
  const lower = name.toLowerCase();
  return STRUCTURAL_FIELDS.has(lower) || lower.startsWith('x-') || lower.startsWith('arc-');
}

/**
 * Header names that, found in the middle of a field, mean the paste lost its line breaks (a
 * whole header block on one line, as some web forms and issue trackers leave it).
 */
const EMBEDDED_FIELD = new RegExp(
  `\\s(?=(?:${[
    'Received',
    'Authentication-Results',
    'Received-SPF',
    'X-Forefront-Antispam-Report',
    'X-Microsoft-Antispam',
    'Return-Path',
    'DKIM-Signature',
    'ARC-Seal',
    'ARC-Message-Signature',
    'ARC-Authentication-Results',
    'Message-ID',
    'MIME-Version',
    'Content-Type',
    'From',
    'To',
    'Subject',
    'Date',
  ].join('|')}): )`,
  'g',
);

/** C0 controls other than TAB, LF, CR, and DEL: never in a header, common in binary junk. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding them is the point.
const CONTROL_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g;

/**
 * Reads a raw header block: tolerates CRLF, LF or CR line ends, a leading mbox "From " line,
 * lines that are not header fields (skipped and reported), blank lines between fields, and a
 * message body after the header block (ignored).
 */
export function parseHeaderBlock(raw: unknown): HeaderBlock {
  const problems: HeaderProblem[] = [];
  if (typeof raw !== 'string') {
    return { fields: [], problems: [problem('not_text')] };
  }
  let text = raw;
  if (text.length > MAX_HEADER_INPUT_CHARS) {
    text = text.slice(0, MAX_HEADER_INPUT_CHARS);
    problems.push(problem('truncated', raw.length, MAX_HEADER_INPUT_CHARS));
  }
  const controls = text.match(CONTROL_CHARS)?.length ?? 0;
  if (controls > 0) {
    text = text.replace(CONTROL_CHARS, '');
    if (controls > 16 || controls > text.length / 20) {
      problems.push(problem('binary'));
    }
  }
  text = undoPasteDamage(text.replace(/^\uFEFF/, ''));
  const bare = bareAuthenticationResults(text);
  if (bare) return { fields: [bare], problems };

  const lines = text.split(/\r\n|\r|\n/);
  const fields: HeaderField[] = [];
  let current: HeaderField | null = null;
  let skipped = 0;
  let firstSkipped = 0;
  let structural = false;
  let index = 0;
  // Folding lost on the way (no line starts with white space at all): the long trace and
  // authentication fields then continue on lines that start at column 0.
  const foldingLost = !lines.some((line) => /^[ \t]+\S/.test(line));
  // An mbox file starts each message with "From sender date" (no colon): not a header field.
  while (index < lines.length && (lines[index] as string).trim() === '') index++;
  if (index < lines.length && /^From \S/.test(lines[index] as string)) index++;

  for (; index < lines.length; index++) {
    const line = lines[index] as string;
    if (line.trim() === '') {
      current = null;
      if (!structural) continue;
      // RFC 5322 §2.1: a blank line ends the header block. Outlook on the web, though, separates
      // fields with blank lines: carry on only if the next text is a header field we know.
      let next = index + 1;
      while (next < lines.length && (lines[next] as string).trim() === '') next++;
      const match = next < lines.length ? FIELD_LINE.exec(lines[next] as string) : null;
      if (match && isKnownField(match[1] as string)) continue;
      break;
    }
    if ((line[0] === ' ' || line[0] === '\t') && current) {
      // Unfolding (RFC 5322 §2.2.3): remove the line break, keep the white space.
      if (current.value.length < MAX_FIELD_CHARS) current.value += line;
      continue;
    }
    let match = FIELD_LINE.exec(line);
    if (match && foldingLost && !PLAUSIBLE_NAME.test(match[1] as string)) match = null;
    if (!match && foldingLost && current && continuesUnfolded(current, line)) {
      if (current.value.length < MAX_FIELD_CHARS) current.value += ` ${line}`;
      continue;
    }
    if (!match || fields.length >= MAX_FIELDS) {
      current = null;
      if (skipped++ === 0) firstSkipped = index + 1;
      continue;
    }
    current = { name: match[1] as string, value: match[2] as string };
    fields.push(current);
    if (isStructuralField(current.name)) structural = true;
  }

  if (skipped > 0) {
    problems.push(problem('skipped_lines', skipped, firstSkipped));
  }
  const result: HeaderField[] = [];
  let rejoined = false;
  for (const field of fields) {
    const value = field.value.slice(0, MAX_FIELD_CHARS).trim();
    const parts = splitEmbeddedFields(field.name, value);
    if (parts.length > 1) rejoined = true;
    result.push(...parts);
  }
  if (rejoined) {
    problems.push(problem('split_fields'));
  }
  if (result.length === 0) problems.push(problem('no_fields'));
  return { fields: result, problems };
}

/** What field names look like in practice (RFC 5322 allows more, nobody uses it). */
const PLAUSIBLE_NAME = /^[A-Za-z][A-Za-z0-9-]*$/;

/** The long, structured fields that are folded over several lines when written. */
const FOLDED_FIELD =
  /^(received|received-spf|authentication-results|arc-[\w-]+|dkim-signature|x-forefront-[\w-]+|x-microsoft-antispam[\w-]*|x-spam-[\w-]+)$/i;

/** A Received field is complete once its date follows the ";" (RFC 5321 §4.4). */
const RECEIVED_DATE = /;\s*(?:[A-Za-z]{3},?\s+)?\d{1,2}\s+[A-Za-z]{3}\s+\d{2,4}\s+\d{1,2}:\d{2}/;

/**
 * Whether a line at column 0 that is not a field continues `current` in a block that lost its
 * folding: a Received field until its date, or a structured field when the line carries its
 * syntax ("key=value", ";", a comment, or a ":"-separated list such as DKIM's h= tag).
 */
function continuesUnfolded(current: HeaderField, line: string): boolean {
  const name = current.name.toLowerCase();
  if (name === 'received' && !RECEIVED_DATE.test(current.value)) return true;
  return FOLDED_FIELD.test(name) && /[=;(]|^\s*:/.test(line);
}

/**
 * Undoes what copying a header block through a web form, a chat, an issue tracker or a log does
 * to it, so that its fields can be read. Each repair applies only when the whole paste shows
 * the damage, never to a single line:
 * - Markdown code quoting: a backtick or a fence around the paste;
 * - e-mail quoting: every line starts with "> " (a header block quoted in a reply);
 * - syslog escaping: line breaks written as "#012" and tabs as "#011" (rsyslog's control-character
 *   escape), so that a folded field arrives on one line;
 * - Microsoft's Message Header Analyzer table: each row "N<TAB>Name<TAB>Value";
 * - double spacing: a blank line after every line (Outlook on the web's copy of a folded field).
 */
function undoPasteDamage(input: string): string {
  let text = input
    .replace(/^\s*(?:```[\w-]*[ \t]*(?:\r\n|\r|\n)|`)/, '')
    .replace(/(?:(?:\r\n|\r|\n)```|`)\s*$/, '');
  if ((text.match(/#012[ \t]/g)?.length ?? 0) >= 2) {
    text = text.replace(/#012/g, '\n').replace(/#011/g, '\t');
  }
  let lines = text.split(/\r\n|\r|\n/);
  const filled = lines.filter((line) => line.trim() !== '');
  if (filled.length === 0) return text;
  let changed = false;
  if (filled.filter((line) => /^[ \t]*>/.test(line)).length >= filled.length * 0.6) {
    lines = lines.map((line) => line.replace(/^[ \t]*>[ \t]?/, ''));
    changed = true;
  }
  const ROW = /^\d+\t([!-9;-~]+)\t(.*)$/;
  if (filled.filter((line) => ROW.test(line)).length >= filled.length * 0.5) {
    lines = lines.map((line) => line.replace(ROW, '$1: $2'));
    changed = true;
  }
  if (filled.length >= 4 && isDoubleSpaced(lines)) {
    lines = lines.filter((line) => line.trim() !== '');
    changed = true;
  }
  return changed ? lines.join('\n') : text;
}

/** Every line is followed by exactly one blank line (or ends the text): a double-spaced copy. */
function isDoubleSpaced(lines: readonly string[]): boolean {
  let last = lines.length - 1;
  while (last >= 0 && (lines[last] as string).trim() === '') last--;
  let first = 0;
  while (first <= last && (lines[first] as string).trim() === '') first++;
  for (let i = first; i <= last; i++) {
    const blank = (lines[i] as string).trim() === '';
    // Even offsets from the first line hold text, odd offsets a single blank line.
    if (blank !== ((i - first) % 2 === 1)) return false;
  }
  return true;
}

/**
 * Only the value of an Authentication-Results field, pasted without its name: "authserv-id;
 * method=result …" (RFC 8601 §2.2). Read as that field, since nothing else has this shape.
 */
function bareAuthenticationResults(text: string): HeaderField | null {
  const value = text.trim();
  if (value.length > MAX_FIELD_CHARS || /^[!-9;-~]+[ \t]*:/m.test(value)) return null;
  if (!/^[A-Za-z0-9._-]+(?:\/\S*)?(?:[ \t]+\d+)?[ \t]*;[ \t\r\n]*[A-Za-z-]+[ \t]*=/.test(value)) {
    return null;
  }
  return { name: 'Authentication-Results', value: value.replace(/\s*(?:\r\n|\r|\n)\s*/g, ' ') };
}

/** A field whose value holds two or more other known fields: a block that lost its line breaks. */
function splitEmbeddedFields(name: string, value: string): HeaderField[] {
  const starts = [...value.matchAll(EMBEDDED_FIELD)].map((m) => m.index as number);
  // Two or more, one of them a trace or authentication field: a Subject such as
  // "Re: Date: Monday To: all" must stay whole.
  const structural = starts.some((start) =>
    isStructuralField(value.slice(start + 1, value.indexOf(':', start))),
  );
  if (starts.length < 2 || !structural) return [{ name, value }];
  const out: HeaderField[] = [{ name, value: value.slice(0, starts[0]).trim() }];
  starts.forEach((start, i) => {
    const chunk = value.slice(start + 1, starts[i + 1] ?? value.length);
    const colon = chunk.indexOf(':');
    out.push({ name: chunk.slice(0, colon), value: chunk.slice(colon + 1).trim() });
  });
  return out;
}

/**
 * Header fields as a mailbox API returns them (Gmail `payload.headers`, Graph
 * `internetMessageHeaders`): already split, sometimes still folded, not always well typed.
 */
export function normalizeHeaderFields(list: unknown): HeaderField[] {
  if (!Array.isArray(list)) return [];
  const out: HeaderField[] = [];
  for (const item of list) {
    if (!item || typeof item !== 'object') continue;
    const { name, value } = item as { name?: unknown; value?: unknown };
    if (typeof name !== 'string' || typeof value !== 'string') continue;
    out.push({
      name: name.trim(),
      value: value
        .slice(0, MAX_FIELD_CHARS)
        .replace(/\r?\n(?=[ \t])/g, '')
        .trim(),
    });
    if (out.length >= MAX_FIELDS) break;
  }
  return out;
}

/** Every value of the fields called `name` (any case), top first. */
export function headerValues(fields: readonly HeaderField[], name: string): string[] {
  const lower = name.toLowerCase();
  return fields.filter((f) => f.name.toLowerCase() === lower).map((f) => f.value);
}

export function firstHeaderValue(fields: readonly HeaderField[], name: string): string | null {
  return headerValues(fields, name)[0] ?? null;
}

// ---------------------------------------------------------------------------------------------
// Lexing: comments (RFC 5322 §3.2.2, nested, tolerated when unclosed) and quoted strings.

interface Segment {
  /** The text with comments removed (quoted strings kept, with their quotes). */
  text: string;
  comments: string[];
}

/**
 * Splits `value` at top-level `separator` characters (outside comments and quoted strings),
 * taking the comments out of each part.
 */
function splitTopLevel(value: string, separator: string | null): Segment[] {
  const segments: Segment[] = [];
  let text = '';
  let comments: string[] = [];
  let depth = 0;
  let comment = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (depth > 0) {
      if (c === '\\' && i + 1 < value.length) {
        comment += value[++i];
      } else if (c === '(') {
        depth++;
        comment += c;
      } else if (c === ')') {
        depth--;
        if (depth === 0) {
          comments.push(comment.trim());
          comment = '';
          text += ' ';
        } else {
          comment += c;
        }
      } else {
        comment += c;
      }
    } else if (quoted) {
      text += c;
      if (c === '\\' && i + 1 < value.length) text += value[++i];
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
      text += c;
    } else if (c === '(') {
      depth = 1;
    } else if (c === separator) {
      segments.push({ text, comments });
      text = '';
      comments = [];
    } else {
      text += c;
    }
  }
  if (depth > 0 && comment.trim()) comments.push(comment.trim());
  segments.push({ text, comments });
  return segments;
}

function unquote(value: string): string {
  return value.startsWith('"') ? value.slice(1, value.endsWith('"') ? -1 : undefined) : value;
}

// ---------------------------------------------------------------------------------------------
// Authentication-Results (RFC 8601).

export interface AuthResult {
  /** Lower case, version suffix dropped: 'spf', 'dkim', 'dmarc', 'compauth', 'auth', … */
  method: string;
  /** Lower case, as stamped: 'pass', 'fail', 'softfail', 'bestguesspass', … */
  result: string;
  /** `reason=` (RFC 8601 §2.2); Microsoft puts compauth's three-digit code there. */
  reason: string | null;
  /** The comments after the result, e.g. "sender IP is 1.2.3.4". */
  comments: string[];
  /** `ptype.property=value` and other pairs, keys lower case: 'smtp.mailfrom', 'action', … */
  props: Record<string, string>;
}

export interface AuthenticationResults {
  /** Who stamped it (RFC 8601 §2.5), lower case; null when absent (Microsoft often omits it). */
  authservId: string | null;
  results: AuthResult[];
  /**
   * 'microsoft': results before the receiving domain (Exchange Online's non-conforming
   * order, shared/reference/email.md); 'rfc8601': authserv-id first.
   */
  dialect: 'rfc8601' | 'microsoft';
}

const PAIR = /([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^\s;]*)/g;

/** Parses one Authentication-Results value, in either dialect. */
export function parseAuthenticationResults(value: string): AuthenticationResults {
  const out: AuthenticationResults = { authservId: null, results: [], dialect: 'rfc8601' };
  const segments = splitTopLevel(value, ';');
  segments.forEach((segment, index) => {
    const pairs = [...segment.text.matchAll(PAIR)];
    const firstPair = pairs[0]?.index ?? segment.text.length;
    const lead = segment.text.slice(0, firstPair).trim().split(/\s+/).filter(Boolean);
    if (pairs.length === 0) {
      // A segment without "=": the authserv-id (first segment), Microsoft's receiving domain
      // after a result, or RFC 8601's "none" (no-result).
      const word = lead[0]?.toLowerCase();
      if (word && word !== 'none' && out.authservId === null) out.authservId = word;
      return;
    }
    if (index === 0 && lead.length > 0) out.authservId = (lead[0] as string).toLowerCase();
    if (index === 0 && lead.length === 0) out.dialect = 'microsoft';
    out.results.push(...resultsOf(pairs, segment.comments));
  });
  return out;
}

/**
 * Method names registered with IANA for Authentication-Results (RFC 8601 §2.7 and the "Email
 * Authentication Methods" registry), plus Microsoft's `compauth`; any `x-` name is also one.
 * A key that is none of these (Microsoft's `action=`) is a property of the result before it.
 */
const AUTH_METHODS = new Set([
  'arc',
  'auth',
  'bimi',
  'compauth',
  'dkim',
  'dkim-adsp',
  'dkim-atps',
  'dmarc',
  'dnswl',
  'domainkeys',
  'iprev',
  'rrvs',
  'sender-id',
  'senderid',
  'smime',
  'spf',
  'vbr',
]);

/**
 * Yahoo's older servers write SPF as `spfDomain=… spfResult=pass` instead of `spf=pass
 * smtp.mailfrom=…`, and results as `dkim_pass` or `success`: read them as RFC 8601's.
 */
function normalizeAuthKey(key: string): string {
  if (key === 'spfresult') return 'spf';
  if (key === 'spfdomain') return 'smtp.mailfrom';
  return key;
}

function normalizeAuthResult(method: string, value: string): string {
  const result = value
    .toLowerCase()
    .replace(new RegExp(`^${method.replace(/[^a-z0-9]/g, '')}_`), '');
  return result === 'success' ? 'pass' : result;
}

/**
 * The results in one ";"-separated segment. Usually "method=result ptype.property=value …"
 * (RFC 8601 §2.2); Yahoo's older layout puts the properties first ("header.i=@example.com
 * dkim=pass"), which is recognized by a segment that starts with a property.
 */
function resultsOf(pairs: RegExpMatchArray[], comments: string[]): AuthResult[] {
  const results: AuthResult[] = [];
  let result: AuthResult | null = null;
  let pending: Record<string, string> = {};
  const prefixLayout = normalizeAuthKey((pairs[0]?.[1] ?? '').toLowerCase()).includes('.');
  for (const pair of pairs) {
    const key = normalizeAuthKey((pair[1] as string).toLowerCase());
    const val = unquote(pair[2] as string);
    const method = key.replace(/\/.*$/, '');
    const startsResult =
      !key.includes('.') &&
      key !== 'reason' &&
      (result === null || AUTH_METHODS.has(method) || method.startsWith('x-'));
    if (startsResult) {
      result = {
        method,
        result: normalizeAuthResult(method, val),
        reason: null,
        comments: results.length === 0 ? comments : [],
        props: prefixLayout ? pending : {},
      };
      pending = {};
      results.push(result);
    } else if (result && key === 'reason') {
      result.reason = val;
    } else if (prefixLayout) {
      pending[key] ??= val;
    } else if (result) {
      result.props[key] ??= val;
    }
  }
  // Properties after the last result of a properties-first segment belong to it.
  if (result && prefixLayout) for (const [k, v] of Object.entries(pending)) result.props[k] ??= v;
  return results;
}

/** The authserv-id compared loosely: lower case, without a "/…" instance suffix some MTAs add. */
function sameAuthserv(a: string | null, b: string | null): boolean {
  const base = (id: string | null) => (id ?? '').replace(/\/.*$/, '');
  return base(a) === base(b);
}

export interface TrustedAuthResults {
  authservId: string | null;
  dialect: AuthenticationResults['dialect'];
  results: AuthResult[];
  /** How many Authentication-Results fields were read (the receiver's block at the top). */
  fieldsRead: number;
  /** How many lower fields, stamped by someone else, were ignored. */
  fieldsIgnored: number;
}

/**
 * The receiving system's own results: the topmost Authentication-Results (the last one added,
 * by the final receiver) and those directly below it with the same authserv-id. Anything
 * lower was stamped by an earlier hop (or forged by the sender) and is not trusted
 * (RFC 8601 §5 and §7.2).
 */
export function trustedAuthResults(values: readonly string[]): TrustedAuthResults | null {
  if (values.length === 0) return null;
  const parsed = values.map(parseAuthenticationResults);
  const top = parsed[0] as AuthenticationResults;
  let read = 0;
  const results: AuthResult[] = [];
  for (const header of parsed) {
    if (!sameAuthserv(header.authservId, top.authservId)) break;
    results.push(...header.results);
    read++;
  }
  return {
    authservId: top.authservId,
    dialect: top.dialect,
    results,
    fieldsRead: read,
    fieldsIgnored: parsed.length - read,
  };
}

/**
 * The address an SPF check was made for, in the words receivers use in their comments
 * (RFC 7208 §9.1 leaves the comment free): Microsoft "sender IP is 192.0.2.1" and "discourages
 * use of 192.0.2.1", Gmail, Yahoo and others "designates 192.0.2.1 as permitted sender" / "does
 * not designate …", and "192.0.2.1 is neither permitted nor denied" for neutral.
 */
export function ipInSpfText(text: string): string | null {
  const match =
    /sender IP is ([0-9A-Fa-f:.]+)/i.exec(text) ??
    /designates? ([0-9A-Fa-f:.]+) as permitted/i.exec(text) ??
    /discourages use of ([0-9A-Fa-f:.]+)/i.exec(text) ??
    /([0-9A-Fa-f:.]+) is neither permitted nor denied/i.exec(text);
  const ip = match?.[1];
  return ip && isIpAddress(ip) ? ip.toLowerCase() : null;
}

/** The IP address in an SPF comment (Microsoft "sender IP is …", Gmail "designates …"). */
export function ipInSpfComment(result: AuthResult | undefined): string | null {
  for (const comment of result?.comments ?? []) {
    const ip = ipInSpfText(comment);
    if (ip) return ip;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// IP addresses.

export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

export function isIpv6(value: string): boolean {
  if (!value.includes(':') || value.length > 45) return false;
  const v4 = /:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(value);
  if (v4 && !isIpv4(v4[1] as string)) return false;
  const hex = v4 ? `${value.slice(0, v4.index)}:0:0` : value;
  const doubled = hex.split('::');
  if (doubled.length > 2) return false;
  const groups = hex.split(':').filter((g) => g !== '');
  if (!groups.every((g) => /^[0-9A-Fa-f]{1,4}$/.test(g))) return false;
  return doubled.length === 2 ? groups.length < 8 : groups.length === 8;
}

export function isIpAddress(value: string): boolean {
  return isIpv4(value) || isIpv6(value);
}

/**
 * Addresses that never identify a sender on the internet: private (RFC 1918), loopback,
 * link-local, shared CGNAT (RFC 6598), unique-local IPv6 (RFC 4193). Hops between such
 * addresses are inside one organization.
 */
export function isPrivateIp(ip: string): boolean {
  if (isIpv4(ip)) {
    const [a, b] = ip.split('.').map(Number) as [number, number];
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 169 && b === 254) ||
      (a === 100 && b >= 64 && b <= 127) ||
      // 240.0.0.0/4 is reserved (RFC 1112 §4) and 255.255.255.255 the limited broadcast
      // (RFC 919): Exchange Online writes CIP:255.255.255.255 for mail submitted internally.
      a >= 240
    );
  }
  const lower = ip.toLowerCase();
  return (
    lower === '::1' ||
    lower === '::' ||
    lower.startsWith('fe80:') ||
    lower.startsWith('fc') ||
    lower.startsWith('fd')
  );
}

// ---------------------------------------------------------------------------------------------
// Dates (RFC 5322 §3.3, with its obsolete zones §4.3, and the "Mon DD YYYY" order that appears
// in the wild and in RFC 8601's own examples).

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const ZONES: Record<string, number> = {
  ut: 0,
  utc: 0,
  gmt: 0,
  z: 0,
  est: -5,
  edt: -4,
  cst: -6,
  cdt: -5,
  mst: -7,
  mdt: -6,
  pst: -8,
  pdt: -7,
};
/** The time and zone after the date: "09:55:06 -0600", "09:55 GMT", "17:15:05.100 +0000". */
const TIME = String.raw`\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?\s*([+-]\d{4}|[A-Za-z]{1,5})?`;
/** "21 Nov 1997" (RFC 5322 §3.3). */
const DATE_DMY = new RegExp(String.raw`(\d{1,2})\s+([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{2,4})${TIME}`);
/** "Feb 15 2002" (RFC 8601's own examples, and some MTAs). */
const DATE_MDY = new RegExp(String.raw`([A-Za-z]{3})[A-Za-z]*\.?\s+(\d{1,2}),?\s+(\d{4})${TIME}`);

/** Epoch ms of an RFC 5322 date-time, or null. */
export function parseMailDate(value: string | null | undefined): number | null {
  if (!value) return null;
  const text = splitTopLevel(value.slice(0, 200), null)[0]?.text ?? '';
  let day: string;
  let month: string;
  let year: string;
  let rest: (string | undefined)[];
  const dmy = DATE_DMY.exec(text);
  const mdy = dmy ? null : DATE_MDY.exec(text);
  if (dmy) {
    [, day, month, year] = dmy as unknown as [string, string, string, string];
    rest = dmy.slice(4);
  } else if (mdy) {
    [, month, day, year] = mdy as unknown as [string, string, string, string];
    rest = mdy.slice(4);
  } else {
    return null;
  }
  const m = MONTHS.indexOf(month.toLowerCase());
  let y = Number(year);
  // RFC 5322 §4.3: two-digit years below 50 are 20xx, others 19xx.
  if (year.length === 2) y += y < 50 ? 2000 : 1900;
  const [hh, mm, ss, zone] = rest;
  const h = Number(hh);
  const min = Number(mm);
  const s = ss ? Number(ss) : 0;
  const d = Number(day);
  if (m < 0 || d < 1 || d > 31 || h > 23 || min > 59 || s > 60) return null;
  let offsetMinutes = 0;
  if (zone && /^[+-]\d{4}$/.test(zone)) {
    const sign = zone[0] === '-' ? -1 : 1;
    offsetMinutes = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3)));
  } else if (zone) {
    // Unknown (military) zones count as -0000 (RFC 5322 §4.3).
    offsetMinutes = (ZONES[zone.toLowerCase()] ?? 0) * 60;
  }
  const ms = Date.UTC(y, m, d, h, min, s) - offsetMinutes * 60_000;
  return Number.isFinite(ms) ? ms : null;
}

// ---------------------------------------------------------------------------------------------
// Received (RFC 5321 §4.4).

export interface ReceivedHop {
  /** The name the sending host gave in HELO/EHLO: its own claim, not checked. */
  helo: string | null;
  /** The reverse-DNS name the receiver looked up, where it wrote one (Gmail, Postfix). */
  rdns: string | null;
  /** The address the receiver saw the connection come from: the literal in the from-clause. */
  ip: string | null;
  /** The receiving host. */
  by: string | null;
  /** The protocol: SMTP, ESMTPS, HTTP, … */
  with: string | null;
  /** The date after the last ";", in epoch ms, or null. */
  time: number | null;
  /** One of SendGrid's own hops (`by … (SG)`, email.md). */
  sendgrid: boolean;
}

const RECEIVED_KEYWORDS = new Set(['from', 'by', 'via', 'with', 'id', 'for']);

function hostName(word: string | undefined): string | null {
  if (!word) return null;
  const host = word.toLowerCase().replace(/\.$/, '');
  return /^[a-z0-9_-]+(\.[a-z0-9_-]+)*$/.test(host) ? host : null;
}

/** The address in a from-clause: `[192.0.2.1]`, `[IPv6:…]`, `[ip]:port` or a bare literal. */
function addressIn(text: string): { ip: string; before: string } | null {
  const bracket = /\[(?:IPv6:)?([0-9A-Fa-f:.]+)\](?::\d+)?/.exec(text);
  if (bracket && isIpAddress(bracket[1] as string)) {
    return { ip: (bracket[1] as string).toLowerCase(), before: text.slice(0, bracket.index) };
  }
  for (const word of text.split(/[\s,]+/)) {
    const bare = word.replace(/^\[|\]$/g, '');
    if (isIpAddress(bare)) return { ip: bare.toLowerCase(), before: '' };
  }
  return null;
}

export function parseReceived(value: string): ReceivedHop {
  const hop: ReceivedHop = {
    helo: null,
    rdns: null,
    ip: null,
    by: null,
    with: null,
    time: null,
    sendgrid: false,
  };
  const text = value.slice(0, 8192);
  const semicolon = text.lastIndexOf(';');
  // The date follows the last ";" (RFC 5322 §3.6.7); SendGrid's own hops omit the ";".
  hop.time = parseMailDate(semicolon >= 0 ? text.slice(semicolon + 1) : text);
  const clauses = semicolon >= 0 ? text.slice(0, semicolon) : text;

  // Walk the top-level words; comments belong to the clause they follow.
  const byClause: { key: string; word?: string; comments: string[] }[] = [];
  const tokens = splitTopLevelWords(clauses);
  for (const token of tokens) {
    const last = byClause[byClause.length - 1];
    if (token.comment !== undefined) {
      last?.comments.push(token.comment);
    } else if (RECEIVED_KEYWORDS.has(token.word.toLowerCase())) {
      byClause.push({ key: token.word.toLowerCase(), comments: [] });
    } else if (last && last.word === undefined) {
      last.word = token.word;
    }
  }
  for (const clause of byClause) {
    if (clause.key === 'from' && hop.helo === null && hop.ip === null) {
      const word = clause.word ?? '';
      const literal = addressIn(word);
      if (!literal) hop.helo = hostName(word) ?? (word || null);
      // The address the receiver saw is in the comment ("TCP-info", RFC 5321 §4.4): the word
      // itself is the HELO argument, which the sender chooses ("from [192.168.1.196] (host
      // [126.6.5.39])" came from 126.6.5.39). A literal word counts only when no comment has one.
      for (const comment of clause.comments) {
        // Exim writes the HELO name in the comment when the from-word is the address.
        const helo = /helo=([^\s)]+)/i.exec(comment);
        if (helo && hop.helo === null) hop.helo = hostName(helo[1]) ?? (helo[1] as string);
        const found = addressIn(comment);
        if (found && hop.ip === null) {
          hop.ip = found.ip;
          const rdns = found.before.trim().split(/\s+/).pop();
          if (rdns && rdns.toLowerCase() !== 'unknown') hop.rdns = hostName(rdns);
        }
      }
      if (hop.ip === null && literal) hop.ip = literal.ip;
    } else if (clause.key === 'by' && hop.by === null) {
      hop.by = hostName(clause.word) ?? clause.word ?? null;
      if (clause.comments.some((c) => c === 'SG')) hop.sendgrid = true;
    } else if (clause.key === 'with' && hop.with === null) {
      hop.with = clause.word ?? null;
    }
  }
  return hop;
}

/**
 * The recipient in a Received field's "for" clause (RFC 5321 §4.4: the envelope recipient this
 * copy was received for), lower case, or null.
 */
export function receivedFor(value: string): string | null {
  const clauses = value.slice(0, 8192);
  const semicolon = clauses.lastIndexOf(';');
  const tokens = splitTopLevelWords(semicolon >= 0 ? clauses.slice(0, semicolon) : clauses);
  for (let i = 0; i < tokens.length - 1; i++) {
    if ((tokens[i] as Token).word.toLowerCase() !== 'for') continue;
    const next = (tokens[i + 1] as Token).word;
    const address = /^<?([^<>\s@]+@[^<>\s@;]+?)>?;?$/.exec(next);
    return address ? (address[1] as string).toLowerCase() : null;
  }
  return null;
}

type Token = { word: string; comment?: undefined } | { word: ''; comment: string };

function splitTopLevelWords(value: string): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let depth = 0;
  let comment = '';
  const flush = () => {
    if (word) tokens.push({ word });
    word = '';
  };
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (depth > 0) {
      if (c === '(') depth++;
      if (c === ')') depth--;
      if (depth === 0) {
        tokens.push({ word: '', comment: comment.trim() });
        comment = '';
      } else {
        comment += c;
      }
    } else if (c === '(') {
      flush();
      depth = 1;
    } else if (/\s/.test(c)) {
      flush();
    } else {
      word += c;
    }
  }
  flush();
  if (depth > 0 && comment.trim()) tokens.push({ word: '', comment: comment.trim() });
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Received-SPF (RFC 7208 §9.1).

export interface ReceivedSpf {
  /** Lower case: pass, fail, softfail, neutral, none, temperror, permerror. */
  result: string;
  clientIp: string | null;
  helo: string | null;
  envelopeFrom: string | null;
  receiver: string | null;
}

export function parseReceivedSpf(value: string): ReceivedSpf {
  const [first] = splitTopLevel(value.slice(0, 4096), null);
  const text = first?.text ?? '';
  const result = (/^\s*([A-Za-z]+)/.exec(text)?.[1] ?? '').toLowerCase();
  const props: Record<string, string> = {};
  for (const pair of text.matchAll(PAIR)) {
    props[(pair[1] as string).toLowerCase()] ??= unquote((pair[2] as string).replace(/;$/, ''));
  }
  const ip = props['client-ip'];
  return {
    result,
    clientIp: ip && isIpAddress(ip) ? ip.toLowerCase() : null,
    helo: props.helo ?? null,
    envelopeFrom: props['envelope-from'] ?? null,
    receiver: props.receiver ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// Microsoft's anti-spam headers (learn.microsoft.com/defender-office-365/message-headers-eop-mdo).

export interface ForefrontReport {
  /** Every KEY:VALUE pair, keys upper case; the first occurrence of a key wins. */
  fields: Record<string, string>;
  /** CIP: the connecting IP address. */
  cip: string | null;
  /** IPV: CAL (IP Allow List) or NLI (on no list). */
  ipv: string | null;
  /** SFV: the spam filtering verdict (SPM, SKS, SKA, SKB, BLK, SFE, SKN, SKQ, NSPM). */
  sfv: string | null;
  /** SCL: spam confidence level, -1..9. */
  scl: number | null;
  /** CAT: the category of policy applied (SPM, HSPM, PHSH, HPHSH, BULK, SPOOF, MALW, NONE…). */
  cat: string | null;
  /** SRV: BULK when the bulk threshold was met. */
  srv: string | null;
}

function keyValuePairs(value: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const part of value.slice(0, 16384).split(';')) {
    const colon = part.indexOf(':');
    if (colon <= 0) continue;
    const key = part.slice(0, colon).trim().toUpperCase();
    if (!/^[A-Z0-9-]+$/.test(key)) continue;
    fields[key] ??= part.slice(colon + 1).trim();
  }
  return fields;
}

function integerOrNull(value: string | undefined): number | null {
  return value !== undefined && /^\s*-?\d{1,2}\s*$/.test(value) ? Number(value) : null;
}

export function parseForefrontReport(value: string): ForefrontReport {
  const fields = keyValuePairs(value);
  const upper = (key: string) => (fields[key] ? (fields[key] as string).toUpperCase() : null);
  const cip = fields.CIP?.replace(/^\[|\]$/g, '');
  return {
    fields,
    cip: cip && isIpAddress(cip) ? cip.toLowerCase() : null,
    ipv: upper('IPV'),
    sfv: upper('SFV'),
    scl: integerOrNull(fields.SCL),
    cat: upper('CAT'),
    srv: upper('SRV'),
  };
}

/** X-Microsoft-Antispam: the bulk complaint level (BCL:0..9). */
export function parseMicrosoftAntispam(value: string): { bcl: number | null } {
  return { bcl: integerOrNull(keyValuePairs(value).BCL) };
}

/**
 * X-Microsoft-Antispam-Mailbox-Delivery: where Exchange Online delivered the message
 * (`dest:I` inbox, `dest:J` junk; `RF:JunkEmail`). Microsoft does not document it (see
 * github.com/MicrosoftDocs/OfficeDocs-o365seccomp/issues/442), so it is only a hint.
 */
export function parseMailboxDelivery(value: string): { dest: string | null; rf: string | null } {
  const fields = keyValuePairs(value);
  return {
    dest: fields.DEST ? (fields.DEST as string).toUpperCase() : null,
    rf: fields.RF ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// From, Message-ID, Subject.

export interface MailAddress {
  /** The addr-spec, lower case. */
  address: string;
  domain: string;
  display: string | null;
}

/** The first mailbox of an address header (RFC 5322 §3.4), or null. */
export function parseMailAddress(value: string | null | undefined): MailAddress | null {
  if (!value) return null;
  const text = value.slice(0, 2048);
  const angle = /<\s*([^<>\s]+@[^<>\s]+?)\s*>/.exec(text);
  const bare = angle ? null : /([^\s<>"(),;:]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,})/.exec(text);
  const address = (angle?.[1] ?? bare?.[1])?.toLowerCase();
  if (!address) return null;
  const domain = address.slice(address.lastIndexOf('@') + 1).replace(/\.$/, '');
  const displayRaw = angle ? text.slice(0, angle.index).trim() : '';
  const display = displayRaw ? decodeEncodedWords(unquote(displayRaw)) : null;
  return { address, domain, display };
}

export function parseMessageId(value: string | null | undefined): string | null {
  if (!value) return null;
  const match = /<([^<>\s]+)>/.exec(value.slice(0, 2048));
  return match ? (match[1] as string) : value.trim() || null;
}

/** RFC 2047 encoded-words (`=?UTF-8?B?…?=`, `=?…?Q?…?=`); an undecodable word stays as is. */
export function decodeEncodedWords(value: string): string {
  return value
    .replace(/(=\?[^?\s]+\?[BbQq]\?[^?\s]*\?=)\s+(?==\?)/g, '$1')
    .replace(
      /=\?([^?\s]+)\?([BbQq])\?([^?\s]*)\?=/g,
      (whole, charset: string, enc: string, data: string) => {
        try {
          let bytes: Uint8Array;
          if (enc.toUpperCase() === 'B') {
            const binary = atob(data);
            bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
          } else {
            const text = data.replace(/_/g, ' ');
            const out: number[] = [];
            for (let i = 0; i < text.length; i++) {
              const hex = /^=([0-9A-Fa-f]{2})/.exec(text.slice(i, i + 3));
              if (hex) {
                out.push(Number.parseInt(hex[1] as string, 16));
                i += 2;
              } else {
                out.push(text.charCodeAt(i) & 0xff);
              }
            }
            bytes = Uint8Array.from(out);
          }
          return new TextDecoder(charset.replace(/\*.*$/, ''), { fatal: false }).decode(bytes);
        } catch {
          return whole;
        }
      },
    );
}

// ---------------------------------------------------------------------------------------------
// The whole header block, read once.

export interface SendGridMarkers {
  /** Any of the markers below. */
  sendgrid: boolean;
  /** SendGrid's X-SG-EID header. */
  eid: boolean;
  /** Received hops written by SendGrid itself (`by … (SG)`). */
  hops: number;
  /** The Return-Path domain, e.g. em1234.raftr.com for an authenticated SendGrid domain. */
  returnPathDomain: string | null;
}

export interface MessageHeaders {
  fields: HeaderField[];
  problems: HeaderProblem[];
  /** Every Authentication-Results value, top first. */
  authenticationResults: string[];
  /**
   * The topmost Authentication-Results and those below it with the same authserv-id (see
   * `trustedAuthResults`), or null without any A-R field. This ignores the Received path; the
   * analysis uses the trust boundary of utils/email/headers/trust.ts instead.
   */
  trustedAuth: TrustedAuthResults | null;
  /** Newest first, as in the header block. */
  received: ReceivedHop[];
  /** The topmost Received-SPF, the one the final receiver added. */
  receivedSpf: ReceivedSpf | null;
  /** The topmost X-Forefront-Antispam-Report (`…-Untrusted` is another tenant's, not read). */
  forefront: ForefrontReport | null;
  bcl: number | null;
  mailboxDelivery: { dest: string | null; rf: string | null } | null;
  sendgrid: SendGridMarkers;
  from: MailAddress | null;
  returnPath: MailAddress | null;
  date: number | null;
  messageId: string | null;
  subject: string | null;
}

/**
 * Reads every field the email check uses, from a raw block (a string) or from a mailbox API's
 * header list (`[{ name, value }]`); anything else is reported as a problem.
 */
export function readMessageHeaders(input: unknown): MessageHeaders {
  const block: HeaderBlock =
    typeof input === 'string' || !Array.isArray(input)
      ? parseHeaderBlock(input)
      : { fields: normalizeHeaderFields(input), problems: [] };
  const { fields } = block;
  const values = (name: string) => headerValues(fields, name);
  const first = (name: string) => firstHeaderValue(fields, name);

  const authenticationResults = values('Authentication-Results');
  const received = values('Received').map(parseReceived);
  const spf = first('Received-SPF');
  const forefront = first('X-Forefront-Antispam-Report');
  const antispam = first('X-Microsoft-Antispam');
  const delivery = first('X-Microsoft-Antispam-Mailbox-Delivery');
  const returnPath = parseMailAddress(first('Return-Path'));
  const sgHops = received.filter((hop) => hop.sendgrid).length;
  const eid = first('X-SG-EID') !== null;
  const subject = first('Subject');

  return {
    fields,
    problems: block.problems,
    authenticationResults,
    trustedAuth: trustedAuthResults(authenticationResults),
    received,
    receivedSpf: spf === null ? null : parseReceivedSpf(spf),
    forefront: forefront === null ? null : parseForefrontReport(forefront),
    bcl: antispam === null ? null : parseMicrosoftAntispam(antispam).bcl,
    mailboxDelivery: delivery === null ? null : parseMailboxDelivery(delivery),
    sendgrid: {
      sendgrid: eid || sgHops > 0 || /^em\d+\./.test(returnPath?.domain ?? ''),
      eid,
      hops: sgHops,
      returnPathDomain: returnPath?.domain ?? null,
    },
    from: parseMailAddress(first('From')),
    returnPath,
    date: parseMailDate(first('Date')),
    messageId: parseMessageId(first('Message-ID')),
    subject: subject === null ? null : decodeEncodedWords(subject),
  };
}
