/**
 * The raftr-diag command, run as a user runs it: a child process through bin/raftr-diag.mjs
 * (tsx), checked for exit codes, one-line reasons and the JSON shapes other tools rely on; and
 * that it runs from a production install (`npm ci --omit=dev`).
 */
import { execFile, spawn } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeCode } from '@/utils/diagnostic-code';
import { findingsFor } from '@/utils/evidence';
import { renderDecodedReport } from '@/utils/report';
import { translatorFor } from '../../utils/catalogs';
import golden from './fixtures/diagnostic-codes-v1.json';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'raftr-diag.mjs');
const HEADERS = path.join(ROOT, 'tests', 'unit', 'fixtures', 'cli', 'raftr-to-gmail.headers.txt');
// Each run starts Node and tsx; the machine is shared, so be generous.
const SLOW = 30_000;
const TEMP = mkdtempSync(path.join(os.tmpdir(), 'raftr-diag-test-'));
afterAll(() => rmSync(TEMP, { recursive: true, force: true }));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** stdin: text to write, or an open file descriptor to give the child as its stdin. */
function cli(args: string[], stdin?: string | number, cwd = ROOT, command = CLI): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [command, ...args], {
      cwd,
      stdio: [typeof stdin === 'number' ? stdin : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (typeof stdin !== 'number') child.stdin?.end(stdin ?? '');
  });
}

const byName = (name: string) => {
  const fixture = golden.codes.find((g) => g.name === name);
  if (!fixture) throw new Error(name);
  return fixture;
};

describe('raftr-diag decode', () => {
  it('prints the report as JSON and exits 0', { timeout: SLOW }, async () => {
    const fixture = byName('network ok, email in spam (Microsoft 365)');
    const run = await cli(['decode', fixture.code, '--json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({
      version: 1,
      code: fixture.code,
      createdAt: new Date(fixture.evidence.createdAt).toISOString(),
      extensionVersion: fixture.evidence.extensionVersion,
      browser: fixture.evidence.browser,
      probes: fixture.evidence.network?.outcomes,
      email: fixture.evidence.email,
    });
    expect(json.findings.map((f: { id: string }) => f.id)).toEqual(
      findingsFor(fixture.evidence as never).map((f) => f.id),
    );
    for (const finding of json.findings) {
      expect(finding).toEqual(
        expect.objectContaining({ id: expect.any(String), entries: expect.any(Array) }),
      );
    }
    expect(json.itMessage).toContain(fixture.code);
  });

  it('decodes the same findings as the library, from a code typed with spaces and in lower case', {
    timeout: SLOW,
  }, async () => {
    const fixture = byName('zscaler block page on the names');
    const sloppy = fixture.code.toLowerCase().split('-');
    const run = await cli(['decode', ...sloppy, '--json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.blockProduct).toBe('zscaler');
    expect(json.findings.map((f: { id: string }) => f.id)).toEqual(
      findingsFor(fixture.evidence as never).map((f) => f.id),
    );
  });

  it('prints a readable report by default and the Markdown message on request', {
    timeout: SLOW,
  }, async () => {
    const fixture = byName('ip blocked, silently dropped');
    const text = await cli(['decode', fixture.code]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`diagnostic code ${fixture.code}`);
    expect(text.stdout).toContain('Firefox 147');
    expect(text.stdout).toContain('52.8.243.15');
    const md = await cli(['decode', fixture.code, '--markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/^\*\*Raftr access/);
    expect(md.stdout).toContain(`\`${fixture.code}\``);
  });

  it('exits 2 with a one-line reason for a typo, never a report', { timeout: SLOW }, async () => {
    const code = byName('all clear').code;
    const typo = `${code.slice(0, 7)}${code[7] === 'X' ? 'Y' : 'X'}${code.slice(8)}`;
    const run = await cli(['decode', typo]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n')).toHaveLength(1);
    expect(run.stderr).toContain('This code has a typo: check it with the user');
    const json = await cli(['decode', typo, '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, reason: 'typo' });
  });

  it('exits 2 for a malformed code or no code at all', { timeout: SLOW }, async () => {
    const short = await cli(['decode', 'K7QM-2HFD']);
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/it has 8 characters, a diagnostic code has 18/);
    const none = await cli(['decode']);
    expect(none.code).toBe(2);
    const unknown = await cli(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect((await cli(['--help'])).code).toBe(0);
  });
});

describe('raftr-diag explain', () => {
  it('analyses a headers file as the email check does, as JSON', { timeout: SLOW }, async () => {
    const run = await cli(['explain', HEADERS, '--json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.auth).toMatchObject({ spf: 'pass', dkim: 'pass', dmarc: 'pass' });
    expect(json).toMatchObject({
      sendingIp: '149.72.222.166',
      sendingIpExpected: true,
      placementHint: expect.any(String),
      receivingSystem: 'google-workspace',
    });
    expect(json.findings.map((f: { id: string }) => f.id)).toEqual(['email-delivered']);
    // The header facts, in the email header corpus's shape and vocabulary.
    expect(json.facts).toEqual({
      receivingSystem: 'google-workspace',
      gateway: null,
      facts: {
        spf: 'pass',
        dkim: 'pass',
        dmarc: 'pass',
        sendingIp: '149.72.222.166',
        spamVerdict: null,
        allowOverride: null,
        forwarded: false,
        placementHint: null,
      },
    });
  });

  it('reads the headers from stdin with -', { timeout: SLOW }, async () => {
    const { readFileSync } = await import('node:fs');
    const run = await cli(['explain', '-'], readFileSync(HEADERS, 'utf8'));
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('149.72.222.166');
  });

  it('exits 2 with a one-line reason for a missing file or text that is not headers', {
    timeout: SLOW,
  }, async () => {
    const missing = await cli(['explain', path.join(ROOT, 'no-such-file.txt')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('cannot read');
    const prose = await cli(['explain', '-'], 'hello, this is not an email header block');
    expect(prose.code).toBe(2);
    expect(prose.stderr).toContain('no message header could be read');
  });
});

describe('npx raftr-diag', () => {
  it('runs from the repository root through package.json "bin"', { timeout: 60_000 }, async () => {
    const code = byName('all clear').code;
    const stdout = await new Promise<string>((resolve, reject) => {
      // --no: never fetch a package from the registry; the local bin must answer.
      execFile(
        'npx',
        ['--no', 'raftr-diag', 'decode', code, '--json'],
        { cwd: ROOT },
        (error, out) => (error ? reject(error) : resolve(out)),
      );
    });
    expect(JSON.parse(stdout).code).toBe(code);
  });
});

describe('raftr-diag on bad input and closed pipes', () => {
  it('reads at most its cap: explain /dev/zero and an endless stdin end at once', {
    timeout: SLOW,
  }, async () => {
    const started = Date.now();
    const file = await cli(['explain', '/dev/zero']);
    const stdin = await cli(['explain', '-'], openSync('/dev/zero', 'r'));
    // Reading the whole of either never ends; two starts of the CLI take about 2 s.
    expect(Date.now() - started).toBeLessThan(20_000);
    for (const run of [file, stdin]) {
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toContain('no message header could be read');
    }
  });

  it('says when it read only the first 256 KB of a longer headers file', {
    timeout: SLOW,
  }, async () => {
    const long = path.join(TEMP, 'long.headers.txt');
    writeFileSync(long, `${readFileSync(HEADERS, 'utf8')}\n${'body line\n'.repeat(40_000)}`);
    const run = await cli(['explain', long, '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).problems).toContainEqual({
      id: 'diag_cli_input_truncated',
      params: [long, String(256 * 1024)],
    });
  });

  it('names an unknown option given before the command, then the usage; exit 2', {
    timeout: SLOW,
  }, async () => {
    const run = await cli(['--frob', 'decode', byName('all clear').code]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    const [reason, ...usage] = run.stderr.trim().split('\n');
    expect(reason).toBe('raftr-diag: unknown option --frob');
    expect(usage.join('\n')).toContain('usage: raftr-diag decode');
    const misplaced = await cli(['decode', byName('all clear').code, '--csv']);
    expect(misplaced.code).toBe(2);
    expect(misplaced.stderr).toContain('raftr-diag: --csv does not apply to decode');
  });

  it('explain --markdown gives the message for IT in Markdown, as decode does', {
    timeout: SLOW,
  }, async () => {
    const run = await cli(['explain', HEADERS, '--markdown']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\*\*Raftr access/);
    expect(run.stdout).not.toContain('Analysis of the pasted message headers');
  });

  it('ends quietly when the reader closes the pipe early (… | head -c1)', {
    timeout: SLOW,
  }, async () => {
    const child = spawn(process.execPath, [CLI, 'decode', byName('all clear').code], { cwd: ROOT });
    // The reading end closes before the CLI writes: its write fails with EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr?.on('data', (chunk) => {
      stderr += chunk;
    });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('speaks the language asked for with --lang, and refuses one it does not ship', {
    timeout: SLOW,
  }, async () => {
    const fixture = byName('ip blocked, silently dropped');
    const decoded = decodeCode(fixture.code);
    if (!decoded.ok) throw new Error('fixture does not decode');
    for (const lang of ['es', 'fr'] as const) {
      const run = await cli(['decode', fixture.code, `--lang=${lang}`]);
      expect(run.code).toBe(0);
      const t = translatorFor(lang);
      expect(run.stdout).toBe(
        `${renderDecodedReport(decoded.code, decoded.evidence, findingsFor(decoded.evidence), t)}\n`,
      );
      // In that language, not English under another name.
      expect(run.stdout).toContain(t('diag_findings_heading'));
      expect(t('diag_findings_heading')).not.toBe(translatorFor('en')('diag_findings_heading'));
    }
    const unknown = await cli(['--lang', 'de', 'allowlist']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split('\n')[0]).toBe(
      'raftr-diag: unknown language de: use one of en, es, fr',
    );
  });
});

describe('raftr-diag summarize', () => {
  const codes = golden.codes.map((g) => g.code);
  const allClear = byName('all clear').code;
  const dropped = byName('ip blocked, silently dropped').code;
  const typo = `${dropped.slice(0, 7)}${dropped[7] === 'X' ? 'Y' : 'X'}${dropped.slice(8)}`;
  const list = [
    'codes from the rollout form',
    '',
    dropped,
    dropped.toLowerCase(),
    `ticket 12: ${dropped.replace(/-/g, ' ')} (dorm B)`,
    allClear,
    typo,
  ].join('\n');

  it('counts codes, users per finding and the mistyped ones, as JSON', {
    timeout: SLOW,
  }, async () => {
    const file = path.join(TEMP, 'codes.txt');
    writeFileSync(file, list);
    const run = await cli(['summarize', file, '--json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json).toMatchObject({
      codes: 5,
      valid: 4,
      distinct: 2,
      mistyped: [{ line: 7, text: typo }],
      unknownVersion: 0,
    });
    expect(json.findings[0]).toMatchObject({
      id: 'ip-blocked',
      count: 3,
      entries: ['52.8.243.15'],
      systems: [],
      firstSeen: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:00:00\.000Z$/),
      lastSeen: expect.any(String),
    });
    expect(json.byHour.length).toBeGreaterThan(0);
  });

  it('reads stdin, prints a table and one message for IT; --csv has a row per finding', {
    timeout: SLOW,
  }, async () => {
    const text = await cli(['summarize', '-'], list);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('Users');
    expect(text.stdout).toContain(`line 7: ${typo}`);
    expect(text.stdout).toContain('Affects 3 of 4 users');
    expect(text.stdout).toContain('Also needed if you use Raftr integrations');
    const csv = await cli(['summarize', '-', '--csv'], codes.join('\n'));
    expect(csv.code).toBe(0);
    const rows = csv.stdout.trim().split('\r\n');
    expect(rows[0]).toBe('id,severity,title,count,entries,systems,fixIn,firstSeen,lastSeen');
    expect(rows.length).toBeGreaterThan(5);
  });

  it('exits 2 with a one-line reason when no code is valid', { timeout: SLOW }, async () => {
    const run = await cli(['summarize', '-'], `hello\n${typo}\n`);
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split('\n')).toEqual([
      `raftr-diag: no valid diagnostic code was found in stdin: 1 look mistyped (listed above)`,
    ]);
  });
});

describe('raftr-diag allowlist', () => {
  it('lists every entry, and with --code what that user’s checks verified', {
    timeout: SLOW,
  }, async () => {
    const code = byName('ip blocked, silently dropped').code;
    const run = await cli(['allowlist', '--code', code, '--json']);
    expect(run.code).toBe(0);
    const json = JSON.parse(run.stdout);
    expect(json.code).toBe(code);
    const status = Object.fromEntries(
      json.entries.map((e: { entryId: string; status: string }) => [e.entryId, e.status]),
    );
    expect(status).toMatchObject({ 'app-host-ip': 'blocked', 'nat-gateway': 'not-testable' });
    const md = await cli(['allowlist', '--markdown']);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(
      '| 50.18.246.41 | inbound from Raftr to your hosts | TCP 443, 80 |',
    );
    const bad = await cli(['allowlist', '--code', 'K7QM-2HFD']);
    expect(bad.code).toBe(2);
  });
});

describe('a production install (npm ci --omit=dev)', () => {
  it('runs raftr-diag with only the lock file’s production packages, and installs without wxt', {
    timeout: 60_000,
  }, async () => {
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean; optional?: boolean; dependencies?: object }>;
    };
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    // npm ci refuses a lock file that disagrees with package.json.
    expect(lock.packages['']?.dependencies).toEqual(pkg.dependencies);
    // What `npm ci --omit=dev` installs: every package of the lock file not marked dev,
    // copied from this install (no registry, no cache needed).
    const dir = mkdtempSync(path.join(os.tmpdir(), 'raftr-diag-production-'));
    try {
      for (const [where, meta] of Object.entries(lock.packages)) {
        if (where === '' || meta.dev) continue;
        const from = path.join(ROOT, where);
        if (!existsSync(from)) {
          // Another platform's binary (esbuild's, fsevents): npm skips it here too.
          if (meta.optional) continue;
          throw new Error(`${where} is a production package but is not installed`);
        }
        cpSync(from, path.join(dir, where), {
          recursive: true,
          // Nested packages are entries of their own, dev or not.
          filter: (source) => !path.relative(from, source).split(path.sep).includes('node_modules'),
        });
      }
      for (const file of ['package.json', 'package-lock.json', 'tsconfig.json', 'bin', 'utils']) {
        cpSync(path.join(ROOT, file), path.join(dir, file), { recursive: true });
      }
      cpSync(path.join(ROOT, 'public', '_locales'), path.join(dir, 'public', '_locales'), {
        recursive: true,
      });
      // The package's own postinstall, with no development tool on the PATH.
      const PATH = (process.env.PATH ?? '')
        .split(path.delimiter)
        .filter((entry) => !entry.includes('node_modules'))
        .join(path.delimiter);
      const postinstall = await new Promise<{ error: Error | null; output: string }>((resolve) =>
        execFile(
          'npm',
          ['run', 'postinstall'],
          { cwd: dir, env: { ...process.env, PATH } },
          (error, out, err) => resolve({ error, output: `${out}${err}` }),
        ),
      );
      expect(postinstall.error, postinstall.output).toBeNull();
      expect(existsSync(path.join(dir, '.wxt'))).toBe(false);
      const code = byName('all clear').code;
      const run = await cli(
        ['decode', code, '--json'],
        undefined,
        dir,
        path.join(dir, 'bin', 'raftr-diag.mjs'),
      );
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout).code).toBe(code);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
