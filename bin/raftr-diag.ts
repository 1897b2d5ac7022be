/**
 * raftr-diag: the helpdesk's command line, offline.
 *
 *   raftr-diag decode <code> [--json | --markdown]       the user's report from a diagnostic code
 *   raftr-diag explain <headers-file | -> [--json | --markdown]
 *                                  pasted message headers, analysed the way the email check does
 *                                  (utils/email/analysis.ts); --markdown: the message for IT
 *   raftr-diag summarize <codes-file | -> [--json | --markdown | --csv]
 *                                  many codes at once (utils/code/summary.ts)
 *   raftr-diag allowlist [--code <code>] [--json | --markdown]
 *                                  every entry of the article, and what one user's checks
 *                                  verified (utils/allowlist.ts)
 *   --lang en|es|fr                the language of the words (JSON field names stay the same)
 *
 * Exit codes: 0 success; 2 a bad code, unreadable input or bad usage, with a one-line reason
 * on stderr (and, with --json, a JSON error on stdout); summarize exits 2 when no code is valid.
 * Words come from the extension's catalogs and renderers (utils/catalogs.ts, utils/report.ts).
 * Input is read up to a cap, never whole: `explain /dev/zero` ends at once.
 * Launched by bin/raftr-diag.mjs through tsx; imports are relative (no `@/` alias outside WXT).
 */
import fs from 'node:fs';
import { allowlistJson, allowlistRows, renderAllowlist } from '../utils/allowlist';
import { isLanguage, LANGUAGES, translateEnglish, translatorFor } from '../utils/catalogs';
import {
  noValidCodeText,
  renderSummary,
  renderSummaryCsv,
  summarizeCodes,
  summaryJson,
} from '../utils/code/summary';
import { decodeCode } from '../utils/diagnostic-code';
import { explainHeaders } from '../utils/email/analysis';
import type { EmailFinding } from '../utils/email/findings';
import { MAX_HEADER_INPUT_CHARS } from '../utils/email/headers/parse';
import { type Evidence, findingsFor } from '../utils/evidence';
import type { Finding } from '../utils/finding';
import { messageName, type Translate } from '../utils/i18n';
import { PROBE_TARGET_IDS } from '../utils/profile';
import {
  decodeErrorText,
  describeEvidence,
  describeFinding,
  mailSystemLabel,
  renderDecodedReport,
  renderItMessage,
} from '../utils/report';

export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 2;

/**
 * `explain` reads at most the header parser's cap (headers are ASCII, so bytes are characters)
 * and one byte more, to know there was more.
 */
export const EXPLAIN_MAX_BYTES = MAX_HEADER_INPUT_CHARS;
/** `summarize` reads at most this much: over a million codes, far more than a rollout has. */
export const SUMMARIZE_MAX_BYTES = 32 * 1024 * 1024;

/** At most `maxBytes` of an input, and whether there was more. */
export interface BoundedInput {
  text: string;
  truncated: boolean;
}

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** A file, or stdin for `-`: at most `maxBytes`, never the whole of an endless input. */
  readInput(source: string, maxBytes: number): Promise<BoundedInput>;
}

type Format = 'json' | 'markdown' | 'csv';

/** What each command accepts besides --lang. */
const COMMANDS: Readonly<Record<string, { formats: readonly Format[]; code: boolean }>> = {
  decode: { formats: ['json', 'markdown'], code: false },
  explain: { formats: ['json', 'markdown'], code: false },
  summarize: { formats: ['json', 'markdown', 'csv'], code: false },
  allowlist: { formats: ['json', 'markdown'], code: true },
};

interface Invocation {
  command: string | undefined;
  args: string[];
  formats: Format[];
  help: boolean;
  lang?: string;
  code?: string;
}

/** A usage error: its message and substitutions (words from the catalog). */
interface UsageError {
  key: string;
  params: string[];
}

/** The arguments, options anywhere (before the command too); `-` alone is stdin. */
function parseArgs(argv: readonly string[]): Invocation | UsageError {
  const positional: string[] = [];
  const formats: Format[] = [];
  let help = false;
  let lang: string | undefined;
  let code: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') ? splitOnce(arg, '=') : [arg, undefined];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    } else if (arg === '--json' || arg === '--markdown' || arg === '--csv') {
      const format = arg.slice(2) as Format;
      if (!formats.includes(format)) formats.push(format);
    } else if (arg === '--help' || arg === '-h') {
      help = true;
    } else if (name === '--lang' || name === '--code') {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '')
        return { key: 'diag_cli_missing_value', params: [name] };
      if (name === '--lang') lang = value;
      else code = value;
    } else if (arg.length > 1 && arg.startsWith('-')) {
      return { key: 'diag_cli_unknown_option', params: [name] };
    } else {
      positional.push(arg);
    }
  }
  const [command, ...args] = positional;
  return { command, args, formats, help, lang, code };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

const isUsageError = (value: Invocation | UsageError): value is UsageError => 'key' in value;

/** A run's words and output: what every command needs. */
interface Context {
  io: CliIo;
  t: Translate;
  format: Format | null;
}

function usage(t: Translate): string {
  return t('diag_cli_usage', [LANGUAGES.join('|')]);
}

/** A one-line reason on stderr (then `detail`, e.g. the usage), and as JSON with --json. */
function fail(ctx: Context, reason: string, message: string, detail = ''): number {
  ctx.io.stderr(`raftr-diag: ${message}\n${detail ? `${detail}\n` : ''}`);
  if (ctx.format === 'json') {
    ctx.io.stdout(`${JSON.stringify({ ok: false, reason, message }, null, 2)}\n`);
  }
  return EXIT_BAD_INPUT;
}

/** A one-line reason, then the usage. */
function failUsage(ctx: Context, message: string): number {
  return fail(ctx, 'usage', message, usage(ctx.t));
}

/** A finding as JSON: its structure, plus its title for people reading the JSON. */
function findingJson(finding: Finding, t: Translate) {
  const remedies = (finding as Partial<EmailFinding>).remedies;
  return {
    id: finding.id,
    severity: finding.severity,
    system: finding.system,
    title: describeFinding(finding, t).title,
    entries: finding.entries.map((entry) => ({
      entryId: entry.entryId,
      values: [...entry.values],
      direction: entry.direction,
      protocol: entry.protocol,
      ports: [...entry.ports],
    })),
    params: [...finding.params],
    ...(remedies ? { remedies: remedies.map((r) => ({ ...r })) } : {}),
  };
}

export function decodeJson(
  code: string,
  version: number,
  evidence: Evidence,
  t: Translate = translateEnglish,
) {
  const findings = findingsFor(evidence);
  const probes: Record<string, string> = {};
  for (const id of PROBE_TARGET_IDS) {
    const outcome = evidence.network?.outcomes[id];
    if (outcome) probes[id] = outcome;
  }
  return {
    version,
    code,
    createdAt: new Date(evidence.createdAt).toISOString(),
    extensionVersion: evidence.extensionVersion,
    browser: { ...evidence.browser },
    profileVersion: evidence.profileVersion,
    network: evidence.network !== null,
    probes,
    blockProduct: evidence.network?.product ?? null,
    email: evidence.email ? { ...evidence.email } : null,
    findings: findings.map((f) => findingJson(f, t)),
    itMessage: renderItMessage(findings, t, { format: 'text', code }),
  };
}

const writeJson = (ctx: Context, value: unknown) =>
  ctx.io.stdout(`${JSON.stringify(value, null, 2)}\n`);

async function decode(ctx: Context, args: string[]): Promise<number> {
  const { t } = ctx;
  // A code read aloud is often typed with spaces: every remaining argument is part of it.
  const input = args.join(' ');
  if (!input.trim()) return failUsage(ctx, t('diag_error_empty'));
  const result = decodeCode(input);
  if (!result.ok) return fail(ctx, result.reason, decodeErrorText(result, t));
  const findings = findingsFor(result.evidence);
  if (ctx.format === 'json') {
    writeJson(ctx, decodeJson(result.code, result.version, result.evidence, t));
  } else if (ctx.format === 'markdown') {
    ctx.io.stdout(`${renderItMessage(findings, t, { format: 'markdown', code: result.code })}\n`);
  } else {
    ctx.io.stdout(`${renderDecodedReport(result.code, result.evidence, findings, t)}\n`);
  }
  return EXIT_OK;
}

/** The input named on the command line, bounded; or the exit code of why it cannot be read. */
async function readSource(
  ctx: Context,
  source: string,
  maxBytes: number,
): Promise<BoundedInput | number> {
  try {
    return await ctx.io.readInput(source, maxBytes);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail(ctx, 'unreadable', ctx.t('diag_cli_unreadable', [source, detail]));
  }
}

const sourceName = (source: string) => (source === '-' ? 'stdin' : source);

async function explain(ctx: Context, args: string[]): Promise<number> {
  const { t, io } = ctx;
  const [source, ...rest] = args;
  if (!source || rest.length > 0) return failUsage(ctx, t('diag_cli_one_input', ['explain']));
  const input = await readSource(ctx, source, EXPLAIN_MAX_BYTES);
  if (typeof input === 'number') return input;
  const report = explainHeaders(input.text);
  if (!report.readable) {
    return fail(ctx, 'unreadable', t('diag_cli_no_headers', [sourceName(source)]));
  }
  // Cut by the CLI before the parser saw it: say so in the CLI's terms (the parser only knows
  // the length it was given).
  const problems = input.truncated
    ? [
        ...report.problems.filter((p) => p.id !== 'headers_problem_truncated'),
        {
          id: 'diag_cli_input_truncated',
          params: [sourceName(source), String(EXPLAIN_MAX_BYTES)],
        },
      ]
    : report.problems;
  if (ctx.format === 'json') {
    writeJson(ctx, {
      ...report,
      problems,
      auth: { ...report.auth },
      findings: report.findings.map((f) => findingJson(f, t)),
      itMessage: renderItMessage(report.findings, t, { format: 'text' }),
    });
    return EXIT_OK;
  }
  if (ctx.format === 'markdown') {
    // As decode --markdown: the message for IT, ready to paste into a ticket.
    io.stdout(`${renderItMessage(report.findings, t, { format: 'markdown' })}\n`);
    return EXIT_OK;
  }
  const auth = (v: string) => t(messageName('diag_auth', v));
  const rows = describeEvidence(
    {
      createdAt: 0,
      extensionVersion: '',
      browser: { family: 'other', major: 0 },
      profileVersion: 0,
      network: null,
      email: report.evidence,
    },
    t,
  ).email;
  const lines = [
    t('diag_explain_heading'),
    '',
    `${t('diag_email_spf')}: ${auth(report.auth.spf)}`,
    `${t('diag_email_dkim')}: ${auth(report.auth.dkim)}`,
    `${t('diag_email_dmarc')}: ${auth(report.auth.dmarc)}`,
    `${t('diag_explain_sending_ip')}: ${report.sendingIp ?? t('diag_auth_unknown')} (${t(
      messageName('diag_sending_ip', report.evidence.sendingIp),
    )})`,
    `${t('diag_explain_placement_hint')}: ${t(messageName('diag_placement_hint', report.placementHint))}`,
    `${t('diag_explain_receiving_system')}: ${mailSystemLabel(report.receivingSystem, t)}`,
    ...(rows ?? [])
      .filter((row) =>
        ['gateway', 'filterVerdict', 'allowOverride', 'forwarded', 'delay'].includes(row.field),
      )
      .map((row) => `${row.label}: ${row.value}`),
    '',
    t('diag_findings_heading'),
    ...report.findings.map((f) => `  - ${describeFinding(f, t).title} [${f.id}]`),
  ];
  if (problems.length)
    lines.push('', t('diag_explain_problems'), ...problems.map((p) => `  - ${t(p.id, p.params)}`));
  lines.push(
    '',
    t('diag_it_message_heading'),
    '',
    renderItMessage(report.findings, t, { format: 'text' }),
  );
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

async function summarize(ctx: Context, args: string[]): Promise<number> {
  const { t, io } = ctx;
  const [source, ...rest] = args;
  if (!source || rest.length > 0) return failUsage(ctx, t('diag_cli_one_input', ['summarize']));
  const input = await readSource(ctx, source, SUMMARIZE_MAX_BYTES);
  if (typeof input === 'number') return input;
  let text = input.text;
  if (input.truncated) {
    // The last line may be cut in the middle of a code: it is not read.
    text = text.slice(0, Math.max(0, text.lastIndexOf('\n')));
    io.stderr(
      `raftr-diag: ${t('diag_cli_input_truncated', [sourceName(source), String(SUMMARIZE_MAX_BYTES)])}\n`,
    );
  }
  const summary = summarizeCodes(text);
  if (ctx.format === 'json') writeJson(ctx, summaryJson(summary, t));
  else if (ctx.format === 'csv') io.stdout(`${renderSummaryCsv(summary, t)}\r\n`);
  else io.stdout(`${renderSummary(summary, t, { format: ctx.format ?? 'text' })}\n`);
  if (summary.valid > 0) return EXIT_OK;
  io.stderr(`raftr-diag: ${noValidCodeText(summary, sourceName(source), t)}\n`);
  return EXIT_BAD_INPUT;
}

async function allowlist(ctx: Context, args: string[], code: string | undefined): Promise<number> {
  const { t, io } = ctx;
  if (args.length > 0) return failUsage(ctx, t('diag_cli_unexpected_argument', [args[0] ?? '']));
  let evidence: Evidence | null = null;
  let canonical: string | undefined;
  if (code !== undefined) {
    const result = decodeCode(code);
    if (!result.ok) return fail(ctx, result.reason, decodeErrorText(result, t));
    evidence = result.evidence;
    canonical = result.code;
  }
  const rows = allowlistRows(evidence);
  if (ctx.format === 'json') writeJson(ctx, allowlistJson(rows, t, canonical));
  else {
    const format = ctx.format === 'markdown' ? 'markdown' : 'text';
    io.stdout(`${renderAllowlist(rows, t, { format, code: canonical })}\n`);
  }
  return EXIT_OK;
}

/** The whole CLI, as a function of its arguments: returns the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const parsed = parseArgs(argv);
  const wantsJson = argv.includes('--json');
  const english: Context = { io, t: translateEnglish, format: wantsJson ? 'json' : null };
  if (isUsageError(parsed)) return failUsage(english, translateEnglish(parsed.key, parsed.params));
  if (parsed.lang !== undefined && !isLanguage(parsed.lang)) {
    return failUsage(
      english,
      translateEnglish('diag_cli_unknown_language', [parsed.lang, LANGUAGES.join(', ')]),
    );
  }
  const t = translatorFor(
    parsed.lang !== undefined && isLanguage(parsed.lang) ? parsed.lang : 'en',
  );
  const ctx: Context = { ...english, t };
  const { command } = parsed;
  if (parsed.help || command === 'help') {
    io.stdout(`${usage(t)}\n`);
    return EXIT_OK;
  }
  const accepts = command === undefined ? undefined : COMMANDS[command];
  if (command === undefined) return failUsage(ctx, t('diag_cli_no_command'));
  if (!accepts) return failUsage(ctx, t('diag_cli_unknown_command', [command]));
  if (parsed.formats.length > 1) {
    return failUsage(
      ctx,
      t('diag_cli_one_format', [parsed.formats.map((f) => `--${f}`).join(', ')]),
    );
  }
  const format = parsed.formats[0] ?? null;
  if (format && !accepts.formats.includes(format)) {
    return failUsage(ctx, t('diag_cli_option_not_for', [`--${format}`, command]));
  }
  if (parsed.code !== undefined && !accepts.code) {
    return failUsage(ctx, t('diag_cli_option_not_for', ['--code', command]));
  }
  const context: Context = { io, t, format };
  if (command === 'decode') return decode(context, parsed.args);
  if (command === 'explain') return explain(context, parsed.args);
  if (command === 'summarize') return summarize(context, parsed.args);
  return allowlist(context, parsed.args, parsed.code);
}

/**
 * At most `maxBytes` (and one more, to know there is more) of a stream: breaking out of the loop
 * destroys it, so an endless input (`/dev/zero`, a `yes` pipe) is never read further.
 */
async function readAtMost(stream: NodeJS.ReadableStream, maxBytes: number): Promise<BoundedInput> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    chunks.push(buffer);
    total += buffer.length;
    if (total > maxBytes) break;
  }
  const bytes = Buffer.concat(chunks, total);
  return {
    text: bytes.subarray(0, maxBytes).toString('utf8'),
    truncated: total > maxBytes,
  };
}

/** The real process's input and output (bin/raftr-diag.mjs passes it to `run`). */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readInput: (source, maxBytes) =>
    source === '-'
      ? readAtMost(process.stdin, maxBytes)
      : // `end` is inclusive: the file's first maxBytes + 1 bytes at most.
        readAtMost(fs.createReadStream(source, { end: maxBytes }), maxBytes),
};
