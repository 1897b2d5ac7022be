/**
 * Certificates for the mail world's TLS servers, issued by the trusted test root of
 * tests/sim/ca.ts (so Chromium, through the NSS database in the test HOME, accepts them exactly
 * as it accepts the real Google and Microsoft certificates), with ca.ts's own `issueLeaf`.
 * One leaf carries every name: each server presents it, and a client checks only that its own
 * name is in the SAN list.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { issueLeaf as issueLeafInto, type TestPki } from '../ca';

export interface Leaf {
  key: string;
  cert: string;
  /** The root that issued it (PEM), for Node clients (the SMTP sender verifies the MX's certificate). */
  ca: string;
}

/** Issues one leaf for `names` from the PKI's trusted root; takes ~50 ms. */
export function issueLeaf(pki: TestPki, names: readonly string[]): Leaf {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftr-sim-mail-cert-'));
  try {
    const sans = names.map((name) => `DNS:${name}`);
    const { key, cert } = issueLeafInto(dir, 'leaf', pki.root, `/CN=${names[0]}`, sans);
    return { key, cert, ca: pki.root.cert };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
