/**
 * `npm run check:packages`: the store packages `npm run zip` made are what the stores accept.
 * - Chrome/Edge and Firefox packages carry no development `key` (the store assigns the id;
 *   wxt.config.ts keeps the key for unpacked builds only);
 * - the Firefox package has its add-on id and data-collection declaration;
 * - a sources zip for AMO review exists, holds what the build needs, and no tests;
 * - `web-ext lint` finds no errors in the Firefox package.
 * Prints what it checked; exits 1 on the first problem.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import JSZip from 'jszip';
import packageJson from '../package.json' with { type: 'json' };

const OUTPUT = path.join(import.meta.dirname, '..', '.output');
const name = `${packageJson.name}-${packageJson.version}`;
const problems: string[] = [];

async function manifestOf(zipFile: string): Promise<Record<string, unknown>> {
  const zip = await JSZip.loadAsync(fs.readFileSync(zipFile));
  const manifest = zip.file('manifest.json');
  if (!manifest) throw new Error(`${zipFile}: no manifest.json`);
  return JSON.parse(await manifest.async('string')) as Record<string, unknown>;
}

for (const browser of ['chrome', 'firefox'] as const) {
  const file = path.join(OUTPUT, `${name}-${browser}.zip`);
  if (!fs.existsSync(file)) {
    problems.push(`${file} is missing: run npm run zip`);
    continue;
  }
  const manifest = await manifestOf(file);
  if ('key' in manifest) problems.push(`${browser} package carries the development key`);
  console.log(
    `${path.basename(file)}: manifest v${manifest.manifest_version}, no key: ${!('key' in manifest)}`,
  );
  if (browser === 'firefox') {
    const gecko = (manifest.browser_specific_settings as { gecko?: Record<string, unknown> })
      ?.gecko;
    if (gecko?.id !== 'access-check@raftr.com') problems.push('firefox package: no gecko id');
    if (!gecko?.data_collection_permissions)
      problems.push('firefox package: no data_collection_permissions');
  }
}

const sources = path.join(OUTPUT, `${name}-sources.zip`);
if (fs.existsSync(sources)) {
  const zip = await JSZip.loadAsync(fs.readFileSync(sources));
  const files = Object.keys(zip.files);
  for (const needed of [
    'package.json',
    'package-lock.json',
    'wxt.config.ts',
    'bin/build-decoder.ts',
  ]) {
    if (!files.includes(needed)) problems.push(`sources zip lacks ${needed}`);
  }
  if (files.some((f) => f.startsWith('tests/'))) problems.push('sources zip holds the tests');
  console.log(`${path.basename(sources)}: ${files.length} entries`);
} else {
  problems.push(`${sources} is missing: npm run zip makes it with the Firefox package`);
}

// web-ext lint on the Firefox package itself (as AMO will); warnings are printed, errors fail.
// It exits 1 when it finds errors: its report is read either way.
const lintOutput = (() => {
  try {
    return execFileSync(
      'npx',
      [
        'web-ext',
        'lint',
        '--source-dir',
        path.join(OUTPUT, 'firefox-mv2-store'),
        '--output',
        'json',
        '--no-config-discovery',
      ],
      { encoding: 'utf8' },
    );
  } catch (error) {
    return String((error as { stdout?: string }).stdout ?? '{}');
  }
})();
const lint = JSON.parse(lintOutput) as {
  summary: { errors: number; warnings: number };
  errors: { code: string; message: string }[];
  warnings: { code: string; message: string }[];
};
console.log(`web-ext lint: ${lint.summary.errors} errors, ${lint.summary.warnings} warnings`);
for (const w of lint.warnings) console.log(`  warning ${w.code}: ${w.message}`);
for (const e of lint.errors) problems.push(`web-ext lint: ${e.code}: ${e.message}`);

if (problems.length) {
  for (const p of problems) console.error(`✗ ${p}`);
  process.exit(1);
}
console.log('✓ store packages ready');
