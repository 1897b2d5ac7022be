/**
 * `tsx tests/sim/netns.ts <command> [args…]`: runs a command inside the simulated internet.
 *
 * As root, `unshare --net --mount` gives the command a network stack and a mount table of its
 * own (https://man7.org/linux/man-pages/man1/unshare.1.html; the propagation of the new mount
 * table is private by default, so nothing mounted here is seen outside). Inside it:
 * - loopback is up and carries every address of the plan (addresses.ts): Raftr's real
 *   52.8.243.15, Cisco Umbrella's block-page address, the control and mail hosts' stand-ins;
 * - one unaddressed link (a veth pair, or a TUN device held open where the kernel has no veth)
 *   makes browsers consider the device online; it leads nowhere;
 * - /etc/resolv.conf names the test DNS server (dns-server.ts, started per scenario) and
 *   /etc/hosts knows only localhost, so every name goes through the test DNS;
 * - Chromium's policy directory (/etc/chromium) and Firefox's (its distribution directory) are
 *   private, empty copies: a scenario's browser policy binds no browser outside this run;
 * - an nftables table `raftr_sim` exists for the scenarios' firewall rules (firewall.ts).
 * There is no route out of the namespace: this script checks that, then runs the command and
 * exits with its status. Processes started by the command inherit all of it.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DNS_SERVER_IP, INSIDE_ENV, LOCAL_ADDRESSES, ONLINE_LINK } from './addresses';
import { FIREWALL_TABLE } from './firewall';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');

/** Directories made private (and empty, but for the files kept) inside the namespace. */
const PRIVATE_DIRS: readonly { dir: string; keep: readonly string[] }[] = [
  // Chromium on Linux reads managed policy from /etc/chromium/policies/managed/*.json
  // (https://www.chromium.org/administrators/linux-quick-start/); keep Debian's preferences.
  { dir: '/etc/chromium', keep: ['master_preferences'] },
  // Firefox reads policies.json from its distribution directory
  // (https://mozilla.github.io/policy-templates/).
  { dir: '/usr/lib/firefox-esr/distribution', keep: [] },
];

function sh(cmd: string, args: string[], input?: string): string {
  return execFileSync(cmd, args, {
    encoding: 'utf8',
    input,
    stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
}

function fail(message: string): never {
  process.stderr.write(`netns: ${message}\n`);
  process.exit(2);
}

/** Outside: re-run this script in new network and mount namespaces. */
function enter(args: string[]): never {
  if (process.getuid?.() !== 0) {
    fail('the simulated internet needs root (unshare --net --mount); run as root, as CI does');
  }
  const result = spawnSync(
    'unshare',
    ['--net', '--mount', '--fork', '--kill-child', '--', TSX, SELF, ...args],
    {
      stdio: 'inherit',
      env: { ...process.env, [INSIDE_ENV]: 'setup' },
    },
  );
  if (result.error) fail(`could not start unshare: ${result.error.message}`);
  process.exit(result.status ?? (result.signal ? 128 + os.constants.signals[result.signal] : 1));
}

/** A TUN device has carrier only while a process holds it open: a tiny holder does. */
function holdTunDevice(name: string): ChildProcess {
  const holder = spawn(
    'python3',
    [
      '-c',
      [
        'import fcntl, os, struct, sys, time',
        "fd = os.open('/dev/net/tun', os.O_RDWR)",
        // TUNSETIFF with IFF_TUN | IFF_NO_PI (linux/if_tun.h)
        `fcntl.ioctl(fd, 0x400454ca, struct.pack('16sH', b'${name}', 0x0001 | 0x1000))`,
        "print('ready', flush=True)",
        'time.sleep(1e9)',
      ].join('\n'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return holder;
}

async function bringUpOnlineLink(): Promise<ChildProcess | null> {
  try {
    sh('ip', ['link', 'add', ONLINE_LINK.name, 'type', 'veth', 'peer', 'name', ONLINE_LINK.peer]);
    sh('ip', ['link', 'set', ONLINE_LINK.peer, 'up']);
    sh('ip', ['link', 'set', ONLINE_LINK.name, 'up']);
    return null;
  } catch {
    const holder = holdTunDevice(ONLINE_LINK.name);
    await new Promise<void>((resolve, reject) => {
      holder.once('exit', (code) => reject(new Error(`TUN holder exited with ${code}`)));
      holder.stdout?.once('data', () => resolve());
    });
    sh('ip', ['link', 'set', ONLINE_LINK.name, 'up']);
    return holder;
  }
}

function privatize(dir: string, keep: readonly string[], scratch: string): void {
  if (!fs.existsSync(dir)) return;
  const copy = path.join(scratch, dir.replace(/\//g, '_'));
  fs.mkdirSync(copy, { recursive: true });
  for (const name of keep) {
    const from = path.join(dir, name);
    if (fs.existsSync(from)) fs.copyFileSync(from, path.join(copy, name));
  }
  sh('mount', ['--bind', copy, dir]);
}

function bindFile(target: string, content: string, scratch: string): void {
  const file = path.join(scratch, path.basename(target));
  fs.writeFileSync(file, content);
  sh('mount', ['--bind', file, target]);
}

/** Inside: build the simulated internet, then run the command. */
async function setUp(args: string[]): Promise<never> {
  if (args.length === 0) fail('usage: tsx tests/sim/netns.ts <command> [args…]');
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'raftr-sim-netns-'));
  sh('ip', ['link', 'set', 'lo', 'up']);
  for (const address of LOCAL_ADDRESSES) sh('ip', ['addr', 'add', `${address}/32`, 'dev', 'lo']);
  const holder = await bringUpOnlineLink();
  bindFile(
    '/etc/resolv.conf',
    `# the simulated internet's DNS (tests/sim/dns-server.ts)\nnameserver ${DNS_SERVER_IP}\noptions timeout:1 attempts:2\n`,
    scratch,
  );
  bindFile('/etc/hosts', '127.0.0.1 localhost\n::1 localhost ip6-localhost\n', scratch);
  for (const { dir, keep } of PRIVATE_DIRS) privatize(dir, keep, scratch);
  sh('nft', ['add', 'table', 'inet', FIREWALL_TABLE]);

  // Nothing may leave: no default route, no route but the local ones.
  const routes = sh('ip', ['-4', 'route', 'show', 'table', 'all'])
    .split('\n')
    .filter((line) => line.trim() && !/^(local|broadcast|multicast) /.test(line));
  if (routes.length) fail(`the namespace has routes out: ${routes.join('; ')}`);

  const [command, ...rest] = args as [string, ...string[]];
  const child = spawn(command, rest, {
    stdio: 'inherit',
    env: { ...process.env, [INSIDE_ENV]: '1' },
    shell: false,
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  const code = await new Promise<number>((resolve) => {
    child.on('exit', (status, signal) =>
      resolve(status ?? (signal ? 128 + os.constants.signals[signal] : 1)),
    );
    child.on('error', (error) => {
      process.stderr.write(`netns: ${command}: ${error.message}\n`);
      resolve(127);
    });
  });
  holder?.kill();
  fs.rmSync(scratch, { recursive: true, force: true });
  process.exit(code);
}

const args = process.argv.slice(2);
if (process.env[INSIDE_ENV] === 'setup') {
  void setUp(args);
} else if (process.env[INSIDE_ENV] === '1') {
  fail('already inside the simulated internet');
} else {
  enter(args);
}
