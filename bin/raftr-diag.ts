/**
 * raftr-diag: the helpdesk's command line, offline.
 *
 *   raftr-diag decode <code> [--json | --markdown]   the user's report from a diagnostic code
 *   raftr-diag explain <headers-file | -> [--json]    pasted message headers, analysed the way
 *                                                     the email check does (utils/email/analysis.ts)
 *
 * Exit codes: 0 success; 2 a bad code, unreadable input or bad usage, with a one-line reason
 * on stderr (and, with --json, a JSON error on stdout). Words come from the same English
 * catalog and renderer as the extension (utils/i18n.ts, utils/report.ts).
 * Launched by bin/raftr-diag.mjs through tsx; imports are relative (no `@/` alias outside WXT).
 */
import fs from 'node:fs/promises';
import { decodeCode } from '../utils/diagnostic-code';
import { explainHeaders } from '../utils/email/analysis';
import type { EmailFinding } from '../utils/email/findings';
import { type Evidence, findingsFor } from '../utils/evidence';
import type { Finding } from '../utils/finding';
import { messageName, translateEnglish as t } from '../utils/i18n';
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

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
}

const USAGE = [
  'usage: raftr-diag decode <code> [--json | --markdown]',
  '       raftr-diag explain <headers-file | -> [--json]',
].join('\n');

/** A finding as JSON: its structure, plus its English title for people reading the JSON. */
function findingJson(finding: Finding) {
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

export function decodeJson(code: string, version: number, evidence: Evidence) {
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
    findings: findings.map(findingJson),
    itMessage: renderItMessage(findings, t, { format: 'text', code }),
  };
}

function fail(io: CliIo, json: boolean, reason: string, message: string): number {
  io.stderr(`raftr-diag: ${message}\n`);
  if (json) io.stdout(`${JSON.stringify({ ok: false, reason, message }, null, 2)}\n`);
  return EXIT_BAD_INPUT;
}

async function decode(
  args: string[],
  io: CliIo,
  json: boolean,
  markdown: boolean,
): Promise<number> {
  // A code read aloud is often typed with spaces: every remaining argument is part of it.
  const input = args.join(' ');
  if (!input.trim()) return fail(io, json, 'usage', `${t('diag_error_empty')}\n${USAGE}`);
  const result = decodeCode(input);
  if (!result.ok) return fail(io, json, result.reason, decodeErrorText(result, t));
  const findings = findingsFor(result.evidence);
  if (json) {
    io.stdout(
      `${JSON.stringify(decodeJson(result.code, result.version, result.evidence), null, 2)}\n`,
    );
  } else if (markdown) {
    io.stdout(`${renderItMessage(findings, t, { format: 'markdown', code: result.code })}\n`);
  } else {
    io.stdout(`${renderDecodedReport(result.code, result.evidence, findings, t)}\n`);
  }
  return EXIT_OK;
}

async function explain(args: string[], io: CliIo, json: boolean): Promise<number> {
  const [source, ...rest] = args;
  if (!source || rest.length > 0)
    return fail(io, json, 'usage', USAGE.split('\n')[1]?.trim() ?? USAGE);
  let raw: string;
  try {
    raw = source === '-' ? await io.readStdin() : await io.readFile(source);
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    return fail(io, json, 'unreadable', t('diag_cli_unreadable', [source, detail]));
  }
  const report = explainHeaders(raw);
  if (!report.readable) {
    return fail(
      io,
      json,
      'unreadable',
      t('diag_cli_no_headers', [source === '-' ? 'stdin' : source]),
    );
  }
  if (json) {
    io.stdout(
      `${JSON.stringify(
        {
          ...report,
          auth: { ...report.auth },
          findings: report.findings.map(findingJson),
          itMessage: renderItMessage(report.findings, t, { format: 'text' }),
        },
        null,
        2,
      )}\n`,
    );
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
  if (report.problems.length)
    lines.push(
      '',
      t('diag_explain_problems'),
      ...report.problems.map((p) => `  - ${t(p.id, p.params)}`),
    );
  lines.push(
    '',
    t('diag_it_message_heading'),
    '',
    renderItMessage(report.findings, t, { format: 'text' }),
  );
  io.stdout(`${lines.join('\n')}\n`);
  return EXIT_OK;
}

/** The whole CLI, as a function of its arguments: returns the exit code. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes('--json');
  const markdown = argv.includes('--markdown');
  const args = argv.filter((a) => a !== '--json' && a !== '--markdown');
  const [command, ...rest] = args;
  if (command === 'help' || command === '--help' || command === '-h') {
    io.stdout(`${USAGE}\n`);
    return EXIT_OK;
  }
  const unknownFlag = rest.find((a) => a.startsWith('--'));
  if (unknownFlag) return fail(io, json, 'usage', `unknown option ${unknownFlag}\n${USAGE}`);
  if (command === 'decode') return decode(rest, io, json, markdown);
  if (command === 'explain') return explain(rest, io, json);
  return fail(io, json, 'usage', USAGE);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/** The real process's input and output (bin/raftr-diag.mjs passes it to `run`). */
export const processIo: CliIo = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  readFile: (path) => fs.readFile(path, 'utf8'),
  readStdin,
};
