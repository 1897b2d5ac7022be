/**
 * Many diagnostic codes at once (issue #11): a helpdesk pastes the codes it collected during a
 * rollout (one per line, a ticket export, a spreadsheet saved as CSV) and sees how many users
 * each finding affects, which entries IT must add, which products and systems the results
 * name, and when it was seen, with one combined message for IT.
 *
 * Shared by `raftr-diag summarize` and the extension's helpdesk page, so it is pure (no Node
 * API, no `browser.*`), dependency-free and fast: each distinct code is decoded once, and the
 * findings are counted per distinct code times its number of reports. Each code read is one
 * report (two users with the same evidence in the same hour have the same code).
 *
 * Finding codes by content: a code is 18 (or 36) Crockford base32 symbols, shown in groups of
 * six joined by dashes, typed with spaces, in lower case or in one piece
 * (utils/diagnostic-code.ts); text around it is ignored. A CSV's columns are found by content:
 * a column that holds a valid code is a code column, and only there is a code-shaped text that
 * fails its check reported as mistyped (so a ticket number in another column is not a typo).
 */
import { type DecodeFailure, type DecodeResult, decodeCode } from '../diagnostic-code';
import { EMAIL_FINDING_IDS } from '../email/findings';
import { mailSystemName } from '../email/mail-systems';
import type { FindingWithRemedies, Remedy } from '../email/remedies';
import { type Evidence, findingsFor } from '../evidence';
import type { Finding, FindingEntry, Severity, SystemId } from '../finding';
import { messageName, type Translate } from '../i18n';
import { productName } from '../network/findings';
import { ENTRIES } from '../profile';
import {
  describeEntry,
  describeFinding,
  entryPurpose,
  itMessageSubject,
  untestableEntriesLine,
} from '../report';

// ---------------------------------------------------------------------------------------------
// Finding the codes in a text.

/** A code-shaped text that is not a code: a typo to check with the user. */
export interface MistypedCode {
  /** 1-based line of the input. */
  line: number;
  /** The text as found (trimmed to the code-shaped part). */
  text: string;
  /** Why it does not decode ('typo': its check symbol does not match; 'malformed'). */
  reason: DecodeFailure['reason'];
  /** The i18n message that explains it (utils/diagnostic-code.ts), and its substitutions. */
  messageKey: string;
  params: string[];
}

/** One code-shaped text found in the input, and what it decodes to. */
export interface FoundCode {
  line: number;
  /** The column of a CSV row (0 for plain text). */
  column: number;
  text: string;
  result: DecodeResult;
}

/** What the decoder skips between symbols (utils/diagnostic-code.ts): spaces, dashes of any kind. */
const SEPARATORS = /[\s\-\u2010-\u2015\u2212]/g;

/** Decodes each distinct text once: a rollout's codes repeat (every user of a campus network). */
export type CodeDecoder = (text: string) => DecodeResult;

export function memoisedDecoder(): CodeDecoder {
  // Two levels: the text exactly as found (most repeats are typed the same way), then the
  // symbols alone, since the decoder ignores case, spaces and dashes.
  const byText = new Map<string, DecodeResult>();
  const bySymbols = new Map<string, DecodeResult>();
  return (text) => {
    let result = byText.get(text);
    if (result) return result;
    const symbols = text.replace(SEPARATORS, '').toUpperCase();
    result = bySymbols.get(symbols);
    if (!result) {
      result = decodeCode(text);
      bySymbols.set(symbols, result);
    }
    byText.set(text, result);
    return result;
  };
}

/** What joins two groups: spaces, or a dash (the display form; dashes of any kind, spaced or not). */
type Gap = 'space' | 'dash' | 'break';
const DASH = /[-\u2010-\u2015\u2212]/;
const ONLY_SEPARATORS = /^[\s\-\u2010-\u2015\u2212]{1,3}$/;

function gapBetween(text: string): Gap {
  if (!ONLY_SEPARATORS.test(text)) return 'break';
  return DASH.test(text) ? 'dash' : 'space';
}

interface Token {
  start: number;
  end: number;
  hasDigit: boolean;
  upper: boolean;
  lower: boolean;
}

const SYMBOLS = 18;
const LONG_SYMBOLS = 36;
/** A typo adds or drops a symbol or two (and a group typed twice adds six: not a typo). */
const TYPO_SLACK = 3;
const nearCodeLength = (n: number) =>
  Math.abs(n - SYMBOLS) <= TYPO_SLACK || Math.abs(n - LONG_SYMBOLS) <= TYPO_SLACK;
const distanceToCodeLength = (n: number) =>
  Math.min(Math.abs(n - SYMBOLS), Math.abs(n - LONG_SYMBOLS));

/** The runs of ASCII letters and digits: one pass over the character codes (this is the hot loop). */
function tokensOf(cell: string): Token[] {
  const tokens: Token[] = [];
  let current: Token | null = null;
  for (let i = 0; i < cell.length; i++) {
    const c = cell.charCodeAt(i);
    const digit = c >= 48 && c <= 57;
    const upper = c >= 65 && c <= 90;
    const lower = c >= 97 && c <= 122;
    if (!(digit || upper || lower)) {
      current = null;
      continue;
    }
    if (!current) {
      current = { start: i, end: i, hasDigit: false, upper: false, lower: false };
      tokens.push(current);
    }
    current.end = i + 1;
    if (digit) current.hasDigit = true;
    else if (upper) current.upper = true;
    else current.lower = true;
  }
  return tokens;
}

/** A code as the extension shows it: groups of six joined by dashes (18 or 36 symbols). */
const AS_SHOWN = /^[0-9A-Za-z]{6}(?:-[0-9A-Za-z]{6}){2}(?:(?:-[0-9A-Za-z]{6}){3})?$/;

/**
 * Whether tokens[from..to] may be a code at all. Dashes between groups, or one piece, read as a
 * code; words joined by spaces are prose unless they carry a digit or are in capitals, so that
 * three six-letter words do not pass as a code by chance (1 in 32 would pass the check).
 * (Loops over index ranges, no callbacks: this runs for every line of a large paste.)
 */
function mayBeCode(tokens: readonly Token[], from: number, to: number, gap: Gap): boolean {
  if (to > from && gap === 'dash') return true;
  let digits = false;
  let capitals = true;
  for (let k = from; k <= to; k++) {
    const token = tokens[k] as Token;
    if (to > from && token.end - token.start < 3) return false;
    if (token.hasDigit) digits = true;
    if (token.lower) capitals = false;
  }
  return digits || capitals;
}

/**
 * Whether tokens[from..to], which do not decode, look enough like a code to be a typo: a code's
 * groups mix letters and digits (a six-symbol group has a digit 9 times in 10); prose and dates
 * do not.
 */
function looksMistyped(
  tokens: readonly Token[],
  from: number,
  to: number,
  gap: Gap,
  length: number,
): boolean {
  if (!nearCodeLength(length)) return false;
  const count = to - from + 1;
  if (count > 7) return false;
  let withDigit = 0;
  let withLetter = false;
  // Typed with spaces: groups of about six, each in one case.
  let groupLike = true;
  for (let k = from; k <= to; k++) {
    const token = tokens[k] as Token;
    const size = token.end - token.start;
    if (token.hasDigit) withDigit++;
    if (token.upper || token.lower) withLetter = true;
    if (size < 4 || size > 8 || (token.upper && token.lower)) groupLike = false;
  }
  if (withDigit === 0 || !withLetter) return false;
  if (count === 1 || gap === 'dash') return true;
  return groupLike && withDigit * 2 >= count;
}

/** The separators between tokens[k] and tokens[k + 1]. */
function gapsOf(cell: string, tokens: readonly Token[]): Gap[] {
  const gaps: Gap[] = new Array(Math.max(0, tokens.length - 1));
  for (let k = 0; k + 1 < tokens.length; k++) {
    gaps[k] = gapBetween(cell.slice((tokens[k] as Token).end, (tokens[k + 1] as Token).start));
  }
  return gaps;
}

/**
 * The code-shaped texts of one cell (or line): valid codes, codes of a newer format, and
 * texts that look like a mistyped code. Left to right, never overlapping.
 */
function codesInCell(cell: string, decode: CodeDecoder): { text: string; result: DecodeResult }[] {
  // The common case, a cell that is one code as shown: the same answer without tokenising.
  const trimmed = cell.trim();
  if (AS_SHOWN.test(trimmed)) {
    const result = decode(trimmed);
    if (result.ok || result.reason === 'unknown-version') return [{ text: trimmed, result }];
  }
  const tokens = tokensOf(cell);
  if (tokens.length === 0) return [];
  const gaps = gapsOf(cell, tokens);
  const found: { text: string; result: DecodeResult }[] = [];
  let i = 0;
  while (i < tokens.length) {
    const gap = gaps[i] ?? 'break';
    const start = (tokens[i] as Token).start;
    // The windows that start here: tokens i..j joined the same way, up to a long code and a
    // typo; and the one that is exactly a code's length.
    let last = i - 1;
    let short = -1;
    let long = -1;
    let length = 0;
    for (let j = i; j < tokens.length; j++) {
      const token = tokens[j] as Token;
      length += token.end - token.start;
      if (length > LONG_SYMBOLS + TYPO_SLACK) break;
      last = j;
      if (length === SYMBOLS) short = j;
      if (length === LONG_SYMBOLS) long = j;
      if (gap === 'break' || gaps[j] !== gap) break;
    }
    let taken = -1;
    // A valid code first: a long code before a short one (its first block alone is incomplete).
    for (let attempt = 0; attempt < 2; attempt++) {
      const end = attempt === 0 ? long : short;
      if (end < 0 || !mayBeCode(tokens, i, end, gap)) continue;
      const text = cell.slice(start, (tokens[end] as Token).end);
      const result = decode(text);
      if (result.ok || result.reason === 'unknown-version') {
        found.push({ text, result });
        taken = end;
        break;
      }
    }
    if (taken < 0) {
      // Else the window nearest a code's length that looks like a mistyped one (the longest of
      // equals). Joined by dashes, a code is the whole run: a UUID's first groups are not one.
      const runStart = i === 0 || gaps[i - 1] !== 'dash';
      let best = -1;
      let bestDistance = Number.POSITIVE_INFINITY;
      let windowLength = 0;
      for (let end = i; end <= last; end++) {
        const token = tokens[end] as Token;
        windowLength += token.end - token.start;
        const wholeRun = gap !== 'dash' || end === i || (runStart && gaps[end] !== 'dash');
        if (!wholeRun || !looksMistyped(tokens, i, end, gap, windowLength)) continue;
        const distance = distanceToCodeLength(windowLength);
        if (distance <= bestDistance) {
          best = end;
          bestDistance = distance;
        }
      }
      if (best >= 0) {
        const text = cell.slice(start, (tokens[best] as Token).end);
        found.push({ text, result: decode(text) });
        taken = best;
      }
    }
    i = taken >= 0 ? taken + 1 : i + 1;
  }
  return found;
}

const DELIMITERS = [',', ';', '\t', '|'] as const;

/**
 * The CSV delimiter of these lines, or null for plain text: the one that appears in most of the
 * first lines, if it is in at least half of them.
 */
export function detectDelimiter(lines: readonly string[]): string | null {
  const sample: string[] = [];
  for (const line of lines) {
    if (line.trim() !== '') sample.push(line);
    if (sample.length === 50) break;
  }
  if (sample.length === 0) return null;
  let best: string | null = null;
  let bestCount = 0;
  for (const delimiter of DELIMITERS) {
    const count = sample.filter((line) => line.includes(delimiter)).length;
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return bestCount * 2 >= sample.length ? best : null;
}

/** A CSV row's cells (RFC 4180 quoting: a delimiter inside double quotes is text). */
export function splitCells(line: string, delimiter: string): string[] {
  if (!line.includes(delimiter)) return [line];
  if (!line.includes('"')) return line.split(delimiter);
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line[i] as string;
    if (char === '"') {
      if (quoted && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = !quoted;
    } else if (char === delimiter && !quoted) {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

export function splitLines(text: string): string[] {
  return text.split(/\r\n|\n|\r/);
}

/**
 * Every code-shaped text of the input with its line: codes (valid, or of a newer format) and
 * mistyped codes. Blank lines and the text around a code are ignored; in a CSV, a mistyped code
 * counts only in a column that holds valid codes.
 */
export function extractCodes(
  input: string | readonly string[],
  decode: CodeDecoder = memoisedDecoder(),
): FoundCode[] {
  const lines = typeof input === 'string' ? splitLines(input) : input;
  const delimiter = detectDelimiter(lines);
  const found: FoundCode[] = [];
  extractLines(lines, delimiter, 0, lines.length, decode, found);
  return keepCodeColumns(found, delimiter);
}

/** The codes of lines[from..to) (0-based, `to` excluded), appended to `found`. */
function extractLines(
  lines: readonly string[],
  delimiter: string | null,
  from: number,
  to: number,
  decode: CodeDecoder,
  found: FoundCode[],
): void {
  for (let index = from; index < to; index++) {
    const line = lines[index] as string;
    if (line.length < 15) continue; // shorter than any code, even mistyped
    const cells = delimiter ? splitCells(line, delimiter) : [line];
    for (let column = 0; column < cells.length; column++) {
      for (const { text, result } of codesInCell(cells[column] as string, decode)) {
        found.push({ line: index + 1, column, text, result });
      }
    }
  }
}

/** In a CSV, a mistyped code counts only in a column that holds valid codes (known at the end). */
function keepCodeColumns(found: FoundCode[], delimiter: string | null): FoundCode[] {
  if (!delimiter) return found;
  const codeColumns = new Set(
    found.filter((f) => f.result.ok || f.result.reason === 'unknown-version').map((f) => f.column),
  );
  if (codeColumns.size === 0) return found;
  return found.filter((f) => f.result.ok || codeColumns.has(f.column));
}

// ---------------------------------------------------------------------------------------------
// The summary.

/** A finding across all the codes. */
export interface FindingSummary {
  id: string;
  severity: Severity;
  /** Reports (codes read) that have this finding: how many users it affects. */
  count: number;
  /** The entries IT must add, merged over the codes (the union of the ports that failed). */
  entries: FindingEntry[];
  /** Products and mail systems the results name (e.g. "Zscaler", "Microsoft 365"). */
  systems: string[];
  /** The kinds of system where the fix is made (finding.ts SystemId), most reported first. */
  fixIn: SystemId[];
  /** Milliseconds since the epoch, floored to the hour (the code keeps the hour). */
  firstSeen: number;
  lastSeen: number;
  /**
   * The finding as most reports have it, with the entries (and an email finding's remedies)
   * merged over all the codes: what its words are made from.
   */
  example: Finding;
}

export interface HourSummary {
  /** The hour, ms since the epoch. */
  hour: number;
  /** Reports of that hour. */
  codes: number;
  /** Reports per finding id. */
  findings: Record<string, number>;
}

export interface CodeSummary {
  /** Code-shaped texts read: valid + unknown version + mistyped. */
  codes: number;
  valid: number;
  distinct: number;
  mistyped: MistypedCode[];
  /** Codes a newer version made: their check matches, their format is unknown here. */
  unknownVersion: number;
  /** Over the valid codes, ms since the epoch; null when none is valid. */
  firstSeen: number | null;
  lastSeen: number | null;
  /** Most reports first. */
  findings: FindingSummary[];
  /** Oldest hour first; only hours with reports. */
  byHour: HourSummary[];
}

const SEVERITY_ORDER: readonly Severity[] = ['blocking', 'minor', 'info', 'ok'];

/** "^__MSG_x__$": a word the reader's language gives (utils/i18n.ts messageRef), not a name. */
const isMessageRef = (value: string) => /^__MSG_[A-Za-z0-9_@]+__$/.test(value);

const EMAIL_IDS: ReadonlySet<string> = new Set(EMAIL_FINDING_IDS);
const isEmailFinding = (finding: Finding) => EMAIL_IDS.has(finding.id);

/** The products and mail systems one finding of this evidence names. */
function systemsNamed(finding: Finding, evidence: Evidence): string[] {
  const names: string[] = [];
  const product = evidence.network?.product;
  if (product && !isEmailFinding(finding)) {
    const name = productName(product);
    if (finding.params[0] === name || finding.detail?.params.includes(name)) names.push(name);
  }
  const email = evidence.email;
  if (email && isEmailFinding(finding)) {
    for (const system of [email.gateway, email.mailbox]) names.push(mailSystemName(system));
  }
  return [...new Set(names)].filter((name) => name !== '' && !isMessageRef(name));
}

interface FindingTally {
  id: string;
  severity: Severity;
  count: number;
  entries: Map<string, { entry: FindingEntry; ports: Set<number> }>;
  systems: Map<string, number>;
  fixIn: Map<SystemId, number>;
  /** An email finding's remedies over all its codes (the fix in each system named). */
  remedies: Map<string, Remedy>;
  firstSeen: number;
  lastSeen: number;
  example: Finding;
  exampleCount: number;
}

function mergeEntry(tally: FindingTally, entry: FindingEntry): void {
  const merged = tally.entries.get(entry.entryId);
  if (merged) for (const port of entry.ports) merged.ports.add(port);
  else tally.entries.set(entry.entryId, { entry, ports: new Set(entry.ports) });
}

/** Ports in the catalog's order (443 before 80), others after. */
function orderedPorts(entry: FindingEntry, ports: Set<number>): number[] {
  const catalog = ENTRIES[entry.entryId].ports;
  const rank = (port: number) => {
    const index = catalog.indexOf(port);
    return index < 0 ? catalog.length + port : index;
  };
  return [...ports].sort((a, b) => rank(a) - rank(b));
}

const byCountDesc = <K>(counts: Map<K, number>) =>
  [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([key]) => key);

/** The summary of codes found in a text (or its lines), as `raftr-diag summarize` prints it. */
export function summarizeCodes(input: string | readonly string[]): CodeSummary {
  const tally = startTally(extractCodes(input));
  for (const report of tally.reports) tallyReport(tally, report);
  return finishTally(tally);
}

/** One distinct valid code and how many times it was read. */
interface Report {
  count: number;
  evidence: Evidence;
}

/** The summary being made: the codes sorted out, then each distinct code's findings counted. */
interface SummaryTally {
  /** Distinct valid codes, in the order first read. */
  reports: Report[];
  mistyped: MistypedCode[];
  unknownVersion: number;
  tallies: Map<string, FindingTally>;
  hours: Map<number, HourSummary>;
  valid: number;
  firstSeen: number | null;
  lastSeen: number | null;
}

/** Sorts the codes found into distinct valid codes (with their count), mistyped and newer. */
function startTally(found: readonly FoundCode[]): SummaryTally {
  const reports = new Map<string, Report>();
  const mistyped: MistypedCode[] = [];
  let unknownVersion = 0;
  for (const { line, text, result } of found) {
    if (result.ok) {
      const seen = reports.get(result.code);
      if (seen) seen.count++;
      else reports.set(result.code, { count: 1, evidence: result.evidence });
    } else if (result.reason === 'unknown-version') unknownVersion++;
    else mistyped.push({ line, text, reason: result.reason, ...messageOf(result) });
  }
  return {
    reports: [...reports.values()],
    mistyped,
    unknownVersion,
    tallies: new Map(),
    hours: new Map(),
    valid: 0,
    firstSeen: null,
    lastSeen: null,
  };
}

/** Counts one distinct code's findings, `count` times (each code read is one report). */
function tallyReport(summary: SummaryTally, { count, evidence }: Report): void {
  const { tallies, hours } = summary;
  summary.valid += count;
  const at = evidence.createdAt;
  summary.firstSeen = summary.firstSeen === null ? at : Math.min(summary.firstSeen, at);
  summary.lastSeen = summary.lastSeen === null ? at : Math.max(summary.lastSeen, at);
  let hour = hours.get(at);
  if (!hour) {
    hour = { hour: at, codes: 0, findings: {} };
    hours.set(at, hour);
  }
  hour.codes += count;
  for (const finding of findingsFor(evidence)) {
    hour.findings[finding.id] = (hour.findings[finding.id] ?? 0) + count;
    let tally = tallies.get(finding.id);
    if (!tally) {
      tally = {
        id: finding.id,
        severity: finding.severity,
        count: 0,
        entries: new Map(),
        systems: new Map(),
        fixIn: new Map(),
        remedies: new Map(),
        firstSeen: at,
        lastSeen: at,
        example: finding,
        exampleCount: 0,
      };
      tallies.set(finding.id, tally);
    }
    tally.count += count;
    tally.firstSeen = Math.min(tally.firstSeen, at);
    tally.lastSeen = Math.max(tally.lastSeen, at);
    if (count > tally.exampleCount) {
      tally.example = finding;
      tally.exampleCount = count;
    }
    for (const entry of finding.entries) mergeEntry(tally, entry);
    for (const remedy of (finding as Partial<FindingWithRemedies>).remedies ?? [])
      tally.remedies.set(`${remedy.system}/${remedy.action}`, remedy);
    for (const name of systemsNamed(finding, evidence))
      tally.systems.set(name, (tally.systems.get(name) ?? 0) + count);
    tally.fixIn.set(finding.system, (tally.fixIn.get(finding.system) ?? 0) + count);
  }
}

/** The findings sorted by count (then severity, then id), the hours oldest first. */
function finishTally(summary: SummaryTally): CodeSummary {
  const findings = [...summary.tallies.values()]
    .map((tally): FindingSummary => {
      const entries = [...tally.entries.values()].map(({ entry, ports }) => ({
        ...entry,
        ports: orderedPorts(entry, ports),
      }));
      return {
        id: tally.id,
        severity: tally.severity,
        count: tally.count,
        entries,
        systems: byCountDesc(tally.systems),
        fixIn: byCountDesc(tally.fixIn),
        firstSeen: tally.firstSeen,
        lastSeen: tally.lastSeen,
        example: {
          ...tally.example,
          entries,
          ...(tally.remedies.size ? { remedies: [...tally.remedies.values()] } : {}),
        } as Finding,
      };
    })
    .sort(
      (a, b) =>
        b.count - a.count ||
        SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
        a.id.localeCompare(b.id),
    );

  return {
    codes: summary.valid + summary.unknownVersion + summary.mistyped.length,
    valid: summary.valid,
    distinct: summary.reports.length,
    mistyped: summary.mistyped,
    unknownVersion: summary.unknownVersion,
    firstSeen: summary.firstSeen,
    lastSeen: summary.lastSeen,
    findings,
    byHour: [...summary.hours.values()].sort((a, b) => a.hour - b.hour),
  };
}

// ---------------------------------------------------------------------------------------------
// In steps: the helpdesk page summarises a large paste without freezing (issue #11: a
// 10,000-code paste stays responsive). The same steps as `summarizeCodes`, so the same result;
// the caller yields to the page between them. (A Web Worker is not an option for the standalone
// decoder: its Content-Security-Policy allows inline scripts only, no blob: or data: worker.)

/** Lines read, then distinct codes counted, per step. */
export const SUMMARY_STEP_SIZE = 1000;

export interface SummaryProgress {
  /** 'reading': lines searched for codes; 'counting': distinct codes' findings counted. */
  phase: 'reading' | 'counting';
  done: number;
  total: number;
}

/**
 * `summarizeCodes` as a generator: it yields after every `stepSize` lines read and every
 * `stepSize` distinct codes counted, and returns the summary. The delimiter of a CSV is found
 * over the whole input and its code columns once every line is read, as `summarizeCodes` does.
 */
export function* summarizeCodesInSteps(
  input: string | readonly string[],
  stepSize: number = SUMMARY_STEP_SIZE,
): Generator<SummaryProgress, CodeSummary, void> {
  const step = Math.max(1, Math.floor(stepSize));
  const lines = typeof input === 'string' ? splitLines(input) : input;
  const delimiter = detectDelimiter(lines);
  const decode = memoisedDecoder();
  const found: FoundCode[] = [];
  for (let from = 0; from < lines.length; from += step) {
    const to = Math.min(lines.length, from + step);
    extractLines(lines, delimiter, from, to, decode, found);
    yield { phase: 'reading', done: to, total: lines.length };
  }
  const tally = startTally(keepCodeColumns(found, delimiter));
  const { reports } = tally;
  for (let from = 0; from < reports.length; from += step) {
    const to = Math.min(reports.length, from + step);
    for (let index = from; index < to; index++) tallyReport(tally, reports[index] as Report);
    yield { phase: 'counting', done: to, total: reports.length };
  }
  return finishTally(tally);
}

/**
 * Runs `summarizeCodesInSteps`, awaiting `pause` between steps (the page passes a macrotask, so
 * that it paints and takes input). A `pause` that rejects stops the work with its reason.
 */
export async function summarizeCodesAsync(
  input: string | readonly string[],
  pause: (progress: SummaryProgress) => Promise<void>,
  stepSize: number = SUMMARY_STEP_SIZE,
): Promise<CodeSummary> {
  const steps = summarizeCodesInSteps(input, stepSize);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
    await pause(next.value);
  }
}

function messageOf(failure: DecodeFailure): { messageKey: string; params: string[] } {
  return { messageKey: failure.messageKey, params: failure.params };
}

// ---------------------------------------------------------------------------------------------
// Over time: the helpdesk page's chart (did a problem stop after IT's change on Tuesday?).

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
/** Codes spread over more than this are counted per day (UTC), else per hour. */
export const HOURLY_CHART_MAX_HOURS = 48;
/** Empty hours or days are shown as such up to this many rows; past it only those with codes. */
const MAX_FILLED_BUCKETS = 400;

export interface TimeBucket {
  /** The bucket's start, ms since the epoch (an hour, or a day from 00:00 UTC). */
  start: number;
  count: number;
}

export interface CodesOverTime {
  unit: 'hour' | 'day';
  /** Oldest first, including the empty hours or days between the first and last code. */
  buckets: TimeBucket[];
  /** The largest count (for the bars' scale); 0 when there is none. */
  max: number;
}

/**
 * Codes read per hour, or per day when they span more than two days; with `findingId`, the codes
 * that have that finding. Made from `CodeSummary.byHour`.
 */
export function codesOverTime(byHour: readonly HourSummary[], findingId?: string): CodesOverTime {
  const first = byHour[0]?.hour;
  const last = byHour[byHour.length - 1]?.hour;
  if (first === undefined || last === undefined) return { unit: 'hour', buckets: [], max: 0 };
  const unit = last - first > HOURLY_CHART_MAX_HOURS * HOUR_MS ? 'day' : 'hour';
  const size = unit === 'hour' ? HOUR_MS : DAY_MS;
  const startOf = (ms: number) => Math.floor(ms / size) * size;
  const counts = new Map<number, number>();
  for (const hour of byHour) {
    const count = findingId === undefined ? hour.codes : (hour.findings[findingId] ?? 0);
    const start = startOf(hour.hour);
    counts.set(start, (counts.get(start) ?? 0) + count);
  }
  const from = startOf(first);
  const to = startOf(last);
  const starts =
    (to - from) / size < MAX_FILLED_BUCKETS
      ? Array.from({ length: (to - from) / size + 1 }, (_, i) => from + i * size)
      : [...counts.keys()].sort((a, b) => a - b);
  const buckets = starts.map((start) => ({ start, count: counts.get(start) ?? 0 }));
  return { unit, buckets, max: buckets.reduce((max, b) => Math.max(max, b.count), 0) };
}

// ---------------------------------------------------------------------------------------------
// Renderers: words from the catalog through `t`; JSON field names are fixed identifiers.

const iso = (ms: number) => new Date(ms).toISOString();

/** "2026-03-02 14:00 UTC": the hour a code carries. */
export function formatHour(ms: number): string {
  const text = iso(ms);
  return `${text.slice(0, 10)} ${text.slice(11, 16)} UTC`;
}

/** The summary as JSON (`raftr-diag summarize --json`; the shape issue #11 gives, and more). */
export function summaryJson(summary: CodeSummary, t: Translate) {
  return {
    codes: summary.codes,
    valid: summary.valid,
    distinct: summary.distinct,
    mistyped: summary.mistyped.map((m) => ({
      line: m.line,
      text: m.text,
      reason: m.reason,
      message: t(m.messageKey, m.params),
    })),
    unknownVersion: summary.unknownVersion,
    firstSeen: summary.firstSeen === null ? null : iso(summary.firstSeen),
    lastSeen: summary.lastSeen === null ? null : iso(summary.lastSeen),
    findings: summary.findings.map((f) => ({
      id: f.id,
      severity: f.severity,
      title: describeFinding(f.example, t).title,
      count: f.count,
      entries: f.entries.flatMap((e) => e.values),
      allowEntries: f.entries.map((e) => ({
        entryId: e.entryId,
        values: [...e.values],
        direction: e.direction,
        protocol: e.protocol,
        ports: [...e.ports],
      })),
      systems: [...f.systems],
      fixIn: [...f.fixIn],
      firstSeen: iso(f.firstSeen),
      lastSeen: iso(f.lastSeen),
    })),
    byHour: summary.byHour.map((h) => ({
      hour: iso(h.hour),
      codes: h.codes,
      findings: h.findings,
    })),
  };
}

/** RFC 4180: a field with a delimiter, quote or line break is quoted, quotes doubled. */
function csvField(value: string | number): string {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** One row per finding (`raftr-diag summarize --csv`); the header row has the JSON's names. */
export function renderSummaryCsv(summary: CodeSummary, t: Translate): string {
  const rows = [
    ['id', 'severity', 'title', 'count', 'entries', 'systems', 'fixIn', 'firstSeen', 'lastSeen'],
    ...summary.findings.map((f) => [
      f.id,
      f.severity,
      describeFinding(f.example, t).title,
      f.count,
      f.entries.map((e) => describeEntry(e, t)).join('; '),
      f.systems.join('; '),
      f.fixIn.join('; '),
      iso(f.firstSeen),
      iso(f.lastSeen),
    ]),
  ];
  return rows.map((row) => row.map(csvField).join(',')).join('\r\n');
}

export interface SummaryRenderOptions {
  format: 'text' | 'markdown';
}

/** Columns padded to their widest cell (text), or a Markdown table. */
function table(head: string[], rows: string[][], markdown: boolean, right: number[]): string[] {
  if (markdown) {
    const cell = (text: string) => text.replace(/\|/g, '\\|');
    return [
      `| ${head.map(cell).join(' | ')} |`,
      `|${head.map((_, i) => (right.includes(i) ? '---:' : '---')).join('|')}|`,
      ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    ];
  }
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (row: string[]) =>
    row
      .map((text, i) =>
        right.includes(i) ? text.padStart(widths[i] ?? 0) : text.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)];
}

/** The counts, the mistyped codes, the table of findings, then the combined message for IT. */
export function renderSummary(
  summary: CodeSummary,
  t: Translate,
  options: SummaryRenderOptions,
): string {
  const md = options.format === 'markdown';
  const lines: string[] = [];
  const heading = (text: string) => (md ? `## ${text}` : text);
  lines.push(md ? `# ${t('summary_heading')}` : t('summary_heading'), '');
  lines.push(
    t('summary_counts', [
      String(summary.codes),
      String(summary.valid),
      String(summary.distinct),
      String(summary.mistyped.length),
      String(summary.unknownVersion),
    ]),
  );
  if (summary.firstSeen !== null && summary.lastSeen !== null) {
    lines.push(t('summary_period', [formatHour(summary.firstSeen), formatHour(summary.lastSeen)]));
  }
  if (summary.unknownVersion > 0) {
    lines.push(t('summary_unknown_version', [String(summary.unknownVersion)]));
  }
  if (summary.mistyped.length) {
    lines.push('', heading(t('summary_mistyped_heading')));
    for (const m of summary.mistyped) {
      const text = md ? `\`${m.text}\`` : m.text;
      const line = t('summary_mistyped_line', [String(m.line), text, t(m.messageKey, m.params)]);
      lines.push(md ? `- ${line}` : `  ${line}`);
    }
  }
  lines.push('', heading(t('summary_findings_heading')), '');
  const none = t('system_none');
  lines.push(
    ...table(
      [
        t('summary_col_users'),
        t('summary_col_finding'),
        t('summary_col_systems'),
        t('summary_col_first_seen'),
        t('summary_col_last_seen'),
      ],
      summary.findings.map((f) => [
        String(f.count),
        `${describeFinding(f.example, t).title} [${f.id}]`,
        f.systems.join(', ') || none,
        formatHour(f.firstSeen),
        formatHour(f.lastSeen),
      ]),
      md,
      [0],
    ),
  );
  lines.push('', heading(t('diag_it_message_heading')), '');
  lines.push(renderSummaryItMessage(summary, t, options));
  return lines.join('\n');
}

/**
 * One message for IT for all the codes: each problem with how many users it affects and when,
 * the entries to add (merged over the codes), the fix; then the entries no browser can test.
 */
export function renderSummaryItMessage(
  summary: CodeSummary,
  t: Translate,
  options: SummaryRenderOptions,
): string {
  const md = options.format === 'markdown';
  const problems = summary.findings.filter((f) => f.severity !== 'ok');
  const lines: string[] = [md ? `**${itMessageSubject(t)}**` : itMessageSubject(t), ''];
  const users = String(summary.valid);
  const from = summary.firstSeen === null ? '' : formatHour(summary.firstSeen);
  const to = summary.lastSeen === null ? '' : formatHour(summary.lastSeen);
  lines.push(t(problems.length ? 'summary_it_intro' : 'summary_it_all_clear', [users, from, to]));
  const indent = md ? '- ' : '   ';
  const label = (text: string) => (md ? `**${text}:** ` : `${text}: `);
  problems.forEach((f, index) => {
    const text = describeFinding(f.example, t);
    lines.push('', md ? `### ${index + 1}. ${text.title}` : `${index + 1}. ${text.title}`);
    lines.push(
      `${indent}${t('summary_it_affects', [String(f.count), users, formatHour(f.firstSeen), formatHour(f.lastSeen)])}`,
    );
    const kinds = f.fixIn
      .filter((kind) => kind !== 'none')
      .map((kind) => t(messageName('system', kind)));
    if (kinds.length) lines.push(`${indent}${label(t('it_message_system'))}${kinds.join(', ')}`);
    if (f.systems.length)
      lines.push(`${indent}${label(t('summary_it_named'))}${f.systems.join(', ')}`);
    for (const entry of f.entries) {
      const line = `${describeEntry(entry, t)} (${entryPurpose(entry, t)})`;
      lines.push(md ? `  - \`${line}\`` : `   - ${line}`);
    }
    if (text.itSteps) lines.push(`${indent}${label(t('it_message_fix'))}${text.itSteps}`);
    for (const remedy of text.remedies) {
      lines.push(`${indent}${label(t('it_message_in_system', [remedy.system]))}${remedy.text}`);
    }
  });
  const untestable = untestableEntriesLine(t, options.format);
  if (untestable) lines.push('', untestable);
  lines.push('', t('it_message_source'));
  return lines.join('\n');
}

/** The one-line reason a text holds no valid code, for the CLI's stderr. */
export function noValidCodeText(summary: CodeSummary, source: string, t: Translate): string {
  return summary.mistyped.length
    ? t('summary_no_valid_mistyped', [source, String(summary.mistyped.length)])
    : t('summary_no_valid', [source]);
}
