#!/usr/bin/env node
// The raftr-diag command (`npx raftr-diag …` from the repository). The implementation is
// TypeScript shared with the extension (bin/raftr-diag.ts); tsx's ESM loader runs it as is.
// https://tsx.is/dev-api/register-esm
import { register } from 'tsx/esm/api';

register();
const { run, processIo } = await import('./raftr-diag.ts');
process.exitCode = await run(process.argv.slice(2), processIo);
