/**
 * Certificates for the mail world's TLS servers, issued by the trusted test root of
 * tests/sim/ca.ts (so Chromium, through the NSS database in the test HOME, accepts them exactly
 * as it accepts the real Google and Microsoft certificates).
 *
 * ca.ts issues its own leaves with a private helper; this does the same with the openssl CLI for
 * the names the mail world serves. One leaf carries every name: each server presents it, and a
 * client checks only that its own name is in the SAN list.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestPki } from '../ca';

export interface Leaf {
  key: string;
  cert: string;
  /** The root that issued it (PEM), for Node clients (the SMTP sender verifies the MX's certificate). */
  ca: string;
}

/** Issues one leaf for `names` from the PKI's trusted root; takes ~50 ms. */
export function issueLeaf(pki: TestPki, names: readonly string[]): Leaf {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftr-sim-mail-cert-'));
  const run = (args: string[]) =>
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  try {
    run([
      'req',
      '-new',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-keyout',
      'leaf.key',
      '-out',
      'leaf.csr',
      '-subj',
      `/CN=${names[0]}`,
    ]);
    fs.writeFileSync(
      path.join(dir, 'leaf.ext'),
      [
        `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
        'basicConstraints=critical,CA:FALSE',
        'keyUsage=critical,digitalSignature',
        'extendedKeyUsage=serverAuth',
        '',
      ].join('\n'),
    );
    run([
      'x509',
      '-req',
      '-in',
      'leaf.csr',
      '-CA',
      pki.root.certPath,
      '-CAkey',
      pki.root.keyPath,
      '-set_serial',
      `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`,
      '-out',
      'leaf.crt',
      '-days',
      '30',
      '-sha256',
      '-extfile',
      'leaf.ext',
    ]);
    return {
      key: fs.readFileSync(path.join(dir, 'leaf.key'), 'utf8'),
      cert: fs.readFileSync(path.join(dir, 'leaf.crt'), 'utf8'),
      ca: pki.root.cert,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
