import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { buildStandaloneDecoder } from './bin/build-decoder';
import { TOKEN_HOST_PERMISSIONS } from './utils/email/oauth';
import { controlUrlFrom, hostPermissionsFor, PROFILE } from './utils/profile';

/**
 * The public half of a development key, so that the unpacked build always has the same id
 * (pmjpmiefbohcdlahgchelppbpceahbjo) and so the same OAuth redirect URI
 * (https://pmjpmiefbohcdlahgchelppbpceahbjo.chromiumapp.org/) registered with Google and
 * Microsoft. Store builds get their id from the store.
 * https://developer.chrome.com/docs/extensions/reference/manifest/key
 */
const DEVELOPMENT_KEY =
  'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAvqennb/S0yeAJNIFd5aKf9K+twRPQ05PdAPM1fHat4ZHXZlwdZKv6dYC6KY6nymA2clLuWGPi+eruKbRF8+DuXrWzfwzumZNq9MXcZOe2dJ5OpdKlu3ovBE7UDBkcua9evkHuKTcYYlhNfT42HAcO+Ra1y1bOo8ZqkMpd9mR/A6ONmw+pEcTwm+xbVfCOGzT6Vu8H+b6Ddlo/Fpt5NoivHWUH4UX7S6EYDT5ExvS4A7s73SOEkd9KoFp+wi9YyxpehbSLOpOGTFdUCQV7N983eNHqiVHZ3fphvvs3G5pTFT1tiWNvD6/d8Zvhya5US26QnW99OV/boEt4L4ajO+u+wIDAQAB';

// The manifest is a function of the target browser: MV3 for Chrome/Edge, MV2 for Firefox,
// where optional host permissions must live in `optional_permissions`.
// https://wxt.dev/guide/essentials/config/manifest.html
export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  // Every import is written out: auto-imports would let a missing import pass `tsc` and fail
  // only at run time in the CLI, which runs the same modules without WXT.
  // https://wxt.dev/guide/essentials/config/auto-imports.html
  imports: false,
  // The sources zip AMO reviewers rebuild the Firefox package from (`npm run zip`): the
  // project without its tests and their corpora, which the build does not need.
  // https://wxt.dev/guide/essentials/publishing.html#firefox-addon-store
  zip: {
    excludeSources: ['tests/**', 'test-results/**', '.ci/**', '.github/**'],
  },
  vite: () => ({ plugins: [preact()] }),
  // Every build also writes the standalone helpdesk decoder, .output/raftr-decoder.html.
  hooks: {
    'build:done': async (wxt) => {
      if (wxt.config.command === 'build') {
        await buildStandaloneDecoder(wxt.config.root, wxt.config.outBaseDir);
      }
    },
  },
  // `--mode store` (npm run zip) makes the store packages: the store assigns the id, so they
  // carry no development `key`.
  manifest: ({ manifestVersion, mode }) => {
    // The control URL may be configured at build time (WXT_CONTROL_URL); its origin is a probe's.
    const probeHosts = hostPermissionsFor(controlUrlFrom(process.env.WXT_CONTROL_URL));
    // The email check's origins, requested at its click: mailbox APIs, DNS over HTTPS, and the
    // OAuth token endpoints (fetched from the worker, so the exchange does not rely on CORS).
    const optionalHosts = [
      ...PROFILE.mailboxHostPermissions,
      ...PROFILE.dnsHostPermissions,
      ...Object.values(TOKEN_HOST_PERMISSIONS),
    ];
    return {
      name: '__MSG_extensionName__',
      description: '__MSG_extensionDescription__',
      default_locale: 'en',
      ...(manifestVersion === 3 && mode !== 'store' ? { key: DEVELOPMENT_KEY } : {}),
      permissions: [
        // webRequest: read the browser's own error for a failed probe (fetch() hides it).
        'webRequest',
        // storage: the run state lives in extension storage so it survives the popup closing.
        'storage',
        // alarms: resume a check when the service worker was stopped in the middle of it.
        'alarms',
        // scripting: only to tell an error page in a probe tab (a browser-policy block) from a
        // loaded one; no install warning, and only on our host permissions.
        'scripting',
        // identity: launchWebAuthFlow for the mailbox sign-in (OAuth 2.0 code + PKCE); no warning.
        'identity',
        // notifications: tell the user when the email verdict is in while the popup is closed.
        'notifications',
        ...(manifestVersion === 2 ? probeHosts : []),
      ],
      ...(manifestVersion === 3
        ? { host_permissions: probeHosts, optional_host_permissions: optionalHosts }
        : { optional_permissions: optionalHosts }),
      storage: { managed_schema: 'managed_schema.json' },
      browser_specific_settings: {
        gecko: {
          id: 'access-check@raftr.com',
          // 140: the ESR line that reads data_collection_permissions (ESR 115 reached its end).
          strict_min_version: '140.0',
          // Firefox's built-in data consent: nothing is collected, except the mailbox address
          // the email check sends to Raftr's test-message endpoint, which the user grants at
          // the click or not (then no address is sent: the password-reset guide is used).
          // https://extensionworkshop.com/documentation/develop/firefox-builtin-data-consent/
          data_collection_permissions: {
            required: ['none'],
            optional: ['personallyIdentifyingInfo'],
          },
        },
        // Firefox for Android reads data_collection_permissions from 142.
        gecko_android: { strict_min_version: '142.0' },
      },
    };
  },
});
