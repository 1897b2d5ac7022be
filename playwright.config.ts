import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: the built extension in Debian's Chromium, inside a simulated internet
 * (tests/sim). Each test launches its own browser, so one worker: the machine has 2 cores and
 * a parallel browser would slow the 4 s probe bound the tests measure.
 * https://playwright.dev/docs/test-configuration
 */
export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results',
  // Builds .output/chrome-mv3 once, tests a private copy of it, removes the policy files killed
  // runs left, and at the end fails the run if a test left its own behind.
  globalSetup: './tests/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  // A flaky test is a bug to fix, not to retry.
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  use: { trace: 'off' },
});
