import preact from '@preact/preset-vite';
import { defineConfig } from 'wxt';
import { PROFILE } from './utils/profile';

// The manifest is a function of the target browser: MV3 for Chrome/Edge, MV2 for Firefox,
// where optional host permissions must live in `optional_permissions`.
// https://wxt.dev/guide/essentials/config/manifest.html
export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  vite: () => ({ plugins: [preact()] }),
  manifest: ({ manifestVersion }) => {
    const probeHosts = PROFILE.hostPermissions;
    const mailboxHosts = PROFILE.mailboxHostPermissions;
    return {
      name: '__MSG_extensionName__',
      description: '__MSG_extensionDescription__',
      default_locale: 'en',
      permissions: [
        // webRequest: read the browser's own error for a failed probe (fetch() hides it).
        'webRequest',
        // storage: the run state lives in extension storage so it survives the popup closing.
        'storage',
        // alarms: resume a check when the service worker was stopped in the middle of it.
        'alarms',
        ...(manifestVersion === 2 ? probeHosts : []),
      ],
      ...(manifestVersion === 3
        ? { host_permissions: probeHosts, optional_host_permissions: mailboxHosts }
        : { optional_permissions: mailboxHosts }),
      storage: { managed_schema: 'managed_schema.json' },
      browser_specific_settings: {
        gecko: { id: 'access-check@raftr.com', strict_min_version: '115.0' },
      },
    };
  },
});
