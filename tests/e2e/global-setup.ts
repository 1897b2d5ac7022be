/**
 * Runs once before the e2e suite: builds the extension (so the tests never run an old build),
 * copies the build to a private directory the tests use (E2E_OUTPUT_DIR, read by
 * tests/sim/browser.ts in every worker: others on the machine may rebuild .output meanwhile),
 * and removes the managed-policy files killed runs left behind, which would otherwise block
 * raftr.com in every later browser. The returned teardown removes the copy, and fails the run
 * if a test left its policy file behind (every launch must remove what it wrote).
 * Set E2E_SKIP_BUILD=1 to test the build already in .output/chrome-mv3.
 * https://playwright.dev/docs/test-global-setup-teardown
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import {
  BUILD_OUTPUT_DIR,
  extensionBuilt,
  REPO_ROOT,
  removeStalePolicyFiles,
  snapshotBuild,
} from '../sim/browser';

export default async function globalSetup(): Promise<() => void> {
  removeStalePolicyFiles();
  const built = path.join(BUILD_OUTPUT_DIR, 'chrome-mv3');
  if (process.env.E2E_SKIP_BUILD !== '1' || !extensionBuilt(built)) {
    execFileSync('npx', ['wxt', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
    if (!extensionBuilt(built)) throw new Error(`wxt build produced no ${built}/manifest.json`);
  }
  const snapshot = await snapshotBuild();
  process.env.E2E_OUTPUT_DIR = snapshot.dir;
  return () => {
    snapshot.remove();
    // The workers are gone: a file of theirs still there was never removed.
    const leftBehind = removeStalePolicyFiles();
    if (leftBehind.length) {
      throw new Error(`policy files left behind (now removed): ${leftBehind.join(', ')}`);
    }
  };
}
