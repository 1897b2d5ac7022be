/**
 * The simulated internet's certificates: real TLS, made fresh for every run with the openssl
 * CLI, so the extension's probes meet the same certificate errors as on a real network.
 *
 * - `root`: a test root trusted "like a public CA" through an NSS database in a temporary
 *   HOME (Chromium on Linux reads `$HOME/.pki/nssdb`; trust flags "C,," = trusted to issue
 *   server certificates). https://chromium.googlesource.com/chromium/src/+/main/docs/linux/cert_management.md
 * - `raftr`: one leaf from that root for app.raftr.com, www.raftr.com, raftr.com and
 *   *.raftr.com. The server standing in for 52.8.243.15 presents it too, so a probe by IP gets
 *   `net::ERR_CERT_COMMON_NAME_INVALID`, exactly as the real host does (it serves a
 *   certificate for a name, not for its address).
 * - `filter` / `blockPage`: a second trusted root named like a FortiGate's TLS-inspection CA,
 *   as on a managed device whose web filter CA IT has installed; its leaf for the Raftr names
 *   lets a block page arrive over HTTPS without a certificate error.
 * - `interception` / `intercepted`: a root that is NOT trusted: a TLS-intercepting proxy
 *   whose CA was never installed (`net::ERR_CERT_AUTHORITY_INVALID`).
 *
 * Everything is synchronous (execFileSync): it runs once per test file, in ~0.3 s.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { RAFTR_IP } from './addresses';

/** The names Raftr's leaf certificate covers (the catalog's "raftr.com and all subdomains"). */
export const RAFTR_CERT_NAMES = [
  'app.raftr.com',
  'www.raftr.com',
  'raftr.com',
  '*.raftr.com',
] as const;

export interface KeyPair {
  /** PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
  /** Path of the certificate file (PEM). */
  certPath: string;
  /** Path of the key file (PEM). */
  keyPath: string;
}

export interface TestPki {
  /** Temporary directory holding every key and certificate (and `home/`). */
  dir: string;
  /**
   * A HOME whose NSS database trusts `root` and `filter`: pass `env: { ...process.env, HOME }`
   * to Chromium.
   */
  home: string;
  /** Trusted test root ("a public CA"). */
  root: KeyPair;
  /** Raftr's leaf (SAN: RAFTR_CERT_NAMES), issued by `root`. */
  raftr: KeyPair;
  /** Trusted TLS-inspection root of a managed web filter (FortiGate-like). */
  filter: KeyPair;
  /** The web filter's leaf for the Raftr names, issued by `filter`. */
  blockPage: KeyPair;
  /** Untrusted root of a TLS-intercepting proxy. */
  interception: KeyPair;
  /** The intercepting proxy's leaf for the Raftr names and 52.8.243.15, issued by `interception`. */
  intercepted: KeyPair;
  /**
   * The leaf Cisco Umbrella's block server presents for a blocked name, from a root named like
   * Umbrella's and NOT trusted: a device without Umbrella's root meets an authority error.
   */
  umbrella: KeyPair;
  /** Removes `dir` (and the NSS database in it). */
  cleanup(): void;
}

function run(cmd: string, args: string[], cwd: string): void {
  execFileSync(cmd, args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

function readPair(dir: string, name: string): KeyPair {
  const keyPath = path.join(dir, `${name}.key`);
  const certPath = path.join(dir, `${name}.crt`);
  return {
    key: fs.readFileSync(keyPath, 'utf8'),
    cert: fs.readFileSync(certPath, 'utf8'),
    keyPath,
    certPath,
  };
}

// P-256 keys: quick to generate, accepted by Node's tls and by Chromium.
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function makeRoot(dir: string, name: string, subject: string): KeyPair {
  run(
    'openssl',
    [
      'req',
      '-x509',
      ...KEY_ARGS,
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
      '-days',
      '30',
      '-subj',
      subject,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ],
    dir,
  );
  return readPair(dir, name);
}

/**
 * Issues a server certificate signed by `issuer` into `dir` (`<name>.key`, `<name>.crt`).
 * `sans` are subjectAltName entries (`DNS:app.raftr.com`, `IP:52.8.243.15`). A random serial:
 * NSS refuses two different certificates with one issuer and serial, and the mail world issues
 * its leaf from the same root in another directory (mail/certs.ts).
 */
export function issueLeaf(
  dir: string,
  name: string,
  issuer: KeyPair,
  subject: string,
  sans: readonly string[],
): KeyPair {
  run(
    'openssl',
    ['req', '-new', ...KEY_ARGS, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject],
    dir,
  );
  // Server-auth extensions as a public CA would issue them; validity well under Chromium's
  // 398-day limit for leaf certificates.
  fs.writeFileSync(
    path.join(dir, `${name}.ext`),
    [
      `subjectAltName=${sans.join(',')}`,
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature',
      'extendedKeyUsage=serverAuth',
      '',
    ].join('\n'),
  );
  run(
    'openssl',
    [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      issuer.certPath,
      '-CAkey',
      issuer.keyPath,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-out',
      `${name}.crt`,
      '-days',
      '30',
      '-sha256',
      '-extfile',
      `${name}.ext`,
    ],
    dir,
  );
  return readPair(dir, name);
}

/** Creates `$home/.pki/nssdb` trusting the given roots for TLS servers. */
export function makeNssHome(home: string, roots: { nickname: string; certPath: string }[]): void {
  const db = `sql:${path.join(home, '.pki', 'nssdb')}`;
  fs.mkdirSync(path.join(home, '.pki', 'nssdb'), { recursive: true });
  run('certutil', ['-d', db, '-N', '--empty-password'], home);
  for (const root of roots) {
    run('certutil', ['-d', db, '-A', '-t', 'C,,', '-n', root.nickname, '-i', root.certPath], home);
  }
}

/** Makes every root, leaf and the NSS home in a fresh temporary directory. */
export function createPki(): TestPki {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftr-sim-pki-'));
  try {
    const raftrSans = RAFTR_CERT_NAMES.map((n) => `DNS:${n}`);
    const root = makeRoot(dir, 'root', '/O=Raftr Access Check tests/CN=Raftr E2E Test Root CA');
    const raftr = issueLeaf(dir, 'raftr', root, '/CN=app.raftr.com', raftrSans);
    // Named like a FortiGate's default TLS-inspection CA ("Fortinet_CA_SSL").
    const filter = makeRoot(
      dir,
      'filter',
      '/C=US/O=Fortinet/OU=Certificate Authority/CN=Fortinet_CA_SSL',
    );
    const blockPage = issueLeaf(dir, 'blockpage', filter, '/CN=app.raftr.com', raftrSans);
    const interception = makeRoot(
      dir,
      'interception',
      '/O=Campus Edge Inspection/CN=Campus Edge Inspection CA',
    );
    const intercepted = issueLeaf(dir, 'intercepted', interception, '/CN=app.raftr.com', [
      ...raftrSans,
      `IP:${RAFTR_IP}`,
    ]);
    const umbrellaRoot = makeRoot(dir, 'umbrella-root', '/O=Cisco/CN=Cisco Umbrella Root CA');
    const umbrella = issueLeaf(dir, 'umbrella', umbrellaRoot, '/CN=app.raftr.com', raftrSans);
    const home = path.join(dir, 'home');
    makeNssHome(home, [
      { nickname: 'raftr-e2e-root', certPath: root.certPath },
      { nickname: 'raftr-e2e-filter', certPath: filter.certPath },
    ]);
    return {
      dir,
      home,
      root,
      raftr,
      filter,
      blockPage,
      interception,
      intercepted,
      umbrella,
      cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  } catch (error) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
