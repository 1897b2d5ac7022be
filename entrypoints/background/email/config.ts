/**
 * The email check's configuration: the enterprise policy over the build's WXT_* variables
 * (README). Read on every use: policy can change at run time.
 */
import {
  type EmailCheckConfig,
  type EmailConfigInput,
  resolveEmailConfig,
} from '@/utils/email/oauth';
import { readManagedPolicy } from '@/utils/storage';

declare global {
  // WXT exposes WXT_-prefixed environment variables to the bundle (https://wxt.dev/guide/essentials/config/environment-variables).
  interface ImportMetaEnv {
    readonly WXT_GMAIL_CLIENT_ID?: string;
    readonly WXT_GMAIL_CLIENT_SECRET?: string;
    readonly WXT_MICROSOFT_CLIENT_ID?: string;
    readonly WXT_MICROSOFT_TENANT?: string;
    readonly WXT_TEST_MESSAGE_ENDPOINT?: string;
  }
}

const BUILD_CONFIG: EmailConfigInput = {
  gmailClientId: import.meta.env.WXT_GMAIL_CLIENT_ID,
  gmailClientSecret: import.meta.env.WXT_GMAIL_CLIENT_SECRET,
  microsoftClientId: import.meta.env.WXT_MICROSOFT_CLIENT_ID,
  microsoftTenant: import.meta.env.WXT_MICROSOFT_TENANT,
  testMessageEndpoint: import.meta.env.WXT_TEST_MESSAGE_ENDPOINT,
};

/**
 * Policy over build time; no policy (or none readable) leaves the build's values. A key the
 * policy set to an invalid value turns its provider (or the test message) off rather than
 * falling back to the build's value (resolveEmailConfig).
 */
export async function loadEmailConfig(): Promise<EmailCheckConfig> {
  const { policy, problems } = await readManagedPolicy();
  return resolveEmailConfig(
    policy,
    BUILD_CONFIG,
    problems.map((problem) => problem.key),
  );
}
