#!/usr/bin/env node
// The raftr-diag command (`npx raftr-diag …` from the repository). The implementation is
// TypeScript shared with the extension (bin/raftr-diag.ts); tsx's ESM loader runs it as is.
// https://tsx.is/dev-api/register-esm
// tsx is a production dependency for this reason: `npm ci --omit=dev` keeps the command
// working (tests/unit/cli.test.ts checks it against the lock file's production tree).
import { register } from 'tsx/esm/api';

// The CLI imports only relative paths, so it needs no tsconfig; and a production install has
// no .wxt/tsconfig.json (made by `wxt prepare`, a development tool) for ours to extend.
register({ tsconfig: false });

// Output piped into `head` (or any reader that stops early) closes the pipe: that is the
// reader's choice, not an error, so end quietly instead of with an EPIPE stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const { run, processIo } = await import('./raftr-diag.ts');
process.exitCode = await run(process.argv.slice(2), processIo);
