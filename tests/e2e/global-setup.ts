/**
 * Runs once before the e2e suite: checks that the suite runs inside the simulated internet
 * (tests/sim/netns.ts: `npm run test:e2e` starts it there), builds the extension for Chromium
 * and Firefox (so the tests never run an old build) and copies the builds to a private directory the tests use
 * (E2E_OUTPUT_DIR, read by tests/sim/browser.ts in every worker: others on the machine may
 * rebuild .output meanwhile). The returned teardown removes the copy, and fails the run if a
 * test left its policy file behind (every launch must remove what it wrote).
 * Set E2E_SKIP_BUILD=1 to test the build already in .output/chrome-mv3.
 * https://playwright.dev/docs/test-global-setup-teardown
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { assertInsideSimulatedInternet } from '../sim/addresses';
import {
  BUILD_OUTPUT_DIR,
  extensionBuilt,
  policyFilesLeft,
  REPO_ROOT,
  snapshotBuild,
} from '../sim/browser';

export default async function globalSetup(): Promise<() => void> {
  assertInsideSimulatedInternet('the end-to-end suite');
  for (const [build, args] of [
    ['chrome-mv3', ['wxt', 'build']],
    ['firefox-mv2', ['wxt', 'build', '-b', 'firefox']],
  ] as const) {
    const built = path.join(BUILD_OUTPUT_DIR, build);
    if (process.env.E2E_SKIP_BUILD !== '1' || !extensionBuilt(built)) {
      execFileSync('npx', [...args], { cwd: REPO_ROOT, stdio: 'inherit' });
      if (!extensionBuilt(built)) throw new Error(`wxt build produced no ${built}/manifest.json`);
    }
  }
  const snapshot = await snapshotBuild();
  process.env.E2E_OUTPUT_DIR = snapshot.dir;
  return () => {
    snapshot.remove();
    const leftBehind = policyFilesLeft();
    if (leftBehind.length) throw new Error(`policy files left behind: ${leftBehind.join(', ')}`);
  };
}
