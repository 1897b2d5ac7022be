/**
 * The summarize figure of `npm run bench` (issue #11: 100,000 codes summarised in under 2 s by
 * the CLI): a rollout's worth of codes, summarised in process (utils/code/summary.ts) and by
 * `raftr-diag summarize` end to end on a temp file. Needs no browser, so it also runs alone:
 *
 *   npx tsx bin/bench-summarize.ts [count]      (or: npx tsx bin/bench.ts --only summarize)
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { ALL_OK, DELIVERED, HOUR, SPAM } from '../tests/unit/evidence-samples';
import { summarizeCodes } from '../utils/code/summary';
import { encodeEvidence } from '../utils/diagnostic-code';
import type { EmailEvidence } from '../utils/email/evidence';
import type { BrowserInfo, Evidence } from '../utils/evidence';
import type { NetworkEvidence } from '../utils/network/findings';

/** The shapes a campus rollout produces, most common first (weights: how many users in 100). */
interface RolloutShape {
  weight: number;
  network: NetworkEvidence | null;
  email: EmailEvidence | null;
}

export const ROLLOUT_SHAPES: readonly RolloutShape[] = [
  // The firewall drops Raftr's API host: most of campus.
  {
    weight: 55,
    network: { outcomes: { ...ALL_OK, 'api-ip-https': 'timeout', 'api-ip-http': 'timeout' } },
    email: null,
  },
  // Dorms behind Zscaler: a block page for the names.
  {
    weight: 15,
    network: {
      outcomes: { ...ALL_OK, 'app-https': 'proxy-blocked', 'web-https': 'proxy-blocked' },
      product: 'zscaler',
    },
    email: null,
  },
  { weight: 10, network: { outcomes: ALL_OK }, email: DELIVERED },
  // Only port 80 dropped: minor.
  { weight: 8, network: { outcomes: { ...ALL_OK, 'api-ip-http': 'timeout' } }, email: null },
  // Microsoft 365 junks the mail.
  {
    weight: 7,
    network: null,
    email: SPAM,
  },
  // Proofpoint in front: never arrived.
  {
    weight: 5,
    network: { outcomes: ALL_OK },
    email: {
      ...DELIVERED,
      placement: 'missing',
      mailbox: 'microsoft-365',
      gateway: 'proofpoint',
      spf: 'unknown',
      dkim: 'unknown',
      dmarc: 'unknown',
      sendingIp: 'unknown',
      delay: 'unknown',
    },
  },
];

const BROWSERS: readonly BrowserInfo[] = [
  { family: 'chrome', major: 144 },
  { family: 'edge', major: 144 },
  { family: 'firefox', major: 147 },
];

/** The index of the shape a number in [0, total weight) falls on. */
function pickWeighted(value: number): number {
  let rest = value;
  for (const [index, shape] of ROLLOUT_SHAPES.entries()) {
    rest -= shape.weight;
    if (rest < 0) return index;
  }
  return 0;
}

/** A deterministic pseudo-random sequence (the same codes every run). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * `count` codes as a helpdesk collects them: the shapes above over a week of hours and a few
 * browsers (so many duplicates), some typed in lower case or with spaces, one in 500 mistyped.
 */
export function rolloutCodes(count: number, start = Date.UTC(2026, 10, 2, 8)): string[] {
  const next = random(11);
  const total = ROLLOUT_SHAPES.reduce((sum, shape) => sum + shape.weight, 0);
  const cache = new Map<string, string>();
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const shapeIndex = pickWeighted(next() * total);
    const shape = ROLLOUT_SHAPES[shapeIndex] as RolloutShape;
    const hour = Math.floor(next() * 7 * 24);
    const browser = BROWSERS[Math.floor(next() * BROWSERS.length)] as BrowserInfo;
    const key = `${shapeIndex}/${hour}/${browser.family}`;
    let code = cache.get(key);
    if (!code) {
      const evidence: Evidence = {
        createdAt: start + hour * HOUR,
        extensionVersion: '0.2.0',
        browser,
        profileVersion: 1,
        network: shape.network,
        email: shape.email,
      };
      const encoded = encodeEvidence(evidence);
      if (!encoded.ok) throw new Error(`not encodable: ${encoded.field}`);
      code = encoded.code;
      cache.set(key, code);
    }
    if (i % 500 === 499) {
      // One symbol changed: the check symbol catches it.
      const at = 7;
      code = `${code.slice(0, at)}${code[at] === 'X' ? 'Y' : 'X'}${code.slice(at + 1)}`;
    } else if (i % 7 === 3) code = code.toLowerCase();
    else if (i % 11 === 5) code = code.replace(/-/g, ' ');
    lines.push(code);
  }
  return lines;
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

/** Times summarize over `count` codes, in process and through the CLI; prints the figure. */
export async function measureSummarize(
  count = 100_000,
): Promise<{ inProcessMs: number; cliMs: number }> {
  const lines = rolloutCodes(count);
  const text = `${lines.join('\n')}\n`;
  const inProcess: number[] = [];
  let valid = 0;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    valid = summarizeCodes(text).valid;
    inProcess.push(performance.now() - started);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'raftr-summarize-'));
  const file = path.join(dir, 'codes.txt');
  fs.writeFileSync(file, text);
  const cli = path.join(import.meta.dirname, 'raftr-diag.mjs');
  const runCli = promisify(execFile);
  const cliTimes: number[] = [];
  try {
    // The first run fills tsx's transform cache, as any helpdesk's first run does: not counted.
    for (let i = 0; i < 4; i++) {
      const started = performance.now();
      await runCli(process.execPath, [cli, 'summarize', file, '--json'], {
        maxBuffer: 64 * 1024 * 1024,
      });
      if (i > 0) cliTimes.push(performance.now() - started);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const inProcessMs = median(inProcess);
  const cliMs = median(cliTimes);
  console.log(
    `\nsummarize ${count} codes: ${Math.round(inProcessMs)} ms (CLI ${Math.round(cliMs)} ms; ${valid} valid; target: CLI < 2000 ms: ${cliMs < 2000 ? 'met' : 'NOT met'})`,
  );
  return { inProcessMs, cliMs };
}

if (import.meta.filename === process.argv[1]) {
  await measureSummarize(Number(process.argv[2] ?? 100_000));
}
