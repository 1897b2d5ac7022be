/**
 * Builds the standalone helpdesk decoder: components/decoder/ as ONE self-contained HTML file
 * (scripts, styles and the English catalog inlined by vite-plugin-singlefile), so that a
 * helpdesk can open it from disk or host it anywhere, with no extension and no network.
 * Run by the `build:done` hook in wxt.config.ts after every `wxt build`; on its own:
 * `npx tsx bin/build-decoder.ts`.
 * https://github.com/richardtallent/vite-plugin-singlefile
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import preact from '@preact/preset-vite';
import { build } from 'vite';
import { viteSingleFile } from 'vite-plugin-singlefile';

export const DECODER_FILE_NAME = 'raftr-decoder.html';

/** Writes `<outDir>/raftr-decoder.html` and returns its path. */
export async function buildStandaloneDecoder(rootDir: string, outDir: string): Promise<string> {
  const workDir = path.join(outDir, '.decoder-build');
  await build({
    configFile: false,
    root: path.join(rootDir, 'components', 'decoder'),
    base: './',
    logLevel: 'warn',
    mode: 'production',
    plugins: [preact(), viteSingleFile({ outputFileName: DECODER_FILE_NAME })],
    resolve: { alias: { '@': rootDir } },
    build: { outDir: workDir, emptyOutDir: true, reportCompressedSize: false },
  });
  const target = path.join(outDir, DECODER_FILE_NAME);
  await fs.copyFile(path.join(workDir, DECODER_FILE_NAME), target);
  await fs.rm(workDir, { recursive: true, force: true });
  return target;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  buildStandaloneDecoder(root, path.join(root, '.output')).then(
    (file) => console.log(`standalone decoder: ${file}`),
    (error: unknown) => {
      console.error(error);
      process.exitCode = 1;
    },
  );
}
