/**
 * Runs once before the e2e suite: builds the extension (so the tests never run an old
 * build) and clears a managed-policy file a killed run may have left behind, which would
 * otherwise block raftr.com in every later browser.
 * Set E2E_SKIP_BUILD=1 to test the build already in .output/chrome-mv3.
 */
import { execFileSync } from 'node:child_process';
import { EXTENSION_DIR, extensionBuilt, REPO_ROOT, removeManagedPolicy } from '../sim/browser';

export default function globalSetup(): void {
  removeManagedPolicy();
  if (process.env.E2E_SKIP_BUILD === '1' && extensionBuilt()) return;
  execFileSync('npx', ['wxt', 'build'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (!extensionBuilt()) throw new Error(`wxt build produced no ${EXTENSION_DIR}/manifest.json`);
}
