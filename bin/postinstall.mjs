#!/usr/bin/env node
// `npm install` / `npm ci` runs this: `wxt prepare` writes .wxt/ (the generated types and the
// tsconfig ours extends) for building and testing the extension. A production install
// (`npm ci --omit=dev`, for `npx raftr-diag` alone) has no wxt and needs no .wxt/: skip it there,
// and fail as before wherever wxt is installed.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const wxt = path.join(import.meta.dirname, '..', 'node_modules', 'wxt', 'bin', 'wxt.mjs');
if (!fs.existsSync(wxt)) {
  console.log('postinstall: wxt is not installed (production install): skipping wxt prepare');
  process.exit(0);
}
const result = spawnSync(process.execPath, [wxt, 'prepare'], { stdio: 'inherit' });
process.exit(result.status ?? 1);
