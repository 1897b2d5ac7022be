/**
 * The raftr-diag command, run as a user runs it: a child process through bin/raftr-diag.mjs
 * (tsx), checked for exit codes, one-line reasons and the JSON shapes other tools rely on.
 */
import { execFile, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findingsFor } from '@/utils/evidence';
import golden from './fixtures/diagnostic-codes-v1.json';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = path.join(ROOT, 'bin', 'raftr-diag.mjs');
const HEADERS = path.join(ROOT, 'tests', 'unit', 'fixtures', 'cli', 'raftr-to-gmail.headers.txt');
// Each run starts Node and tsx; the machine is shared, so be generous.
const SLOW = 30_000;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], stdin?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin ?? '');
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
