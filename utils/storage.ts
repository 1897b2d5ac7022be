/**
 * Every storage item of the extension, in one place
 * (https://wxt.dev/storage). Nothing personal and no token is ever written here.
 */
import { storage } from 'wxt/utils/storage';
import type { NetworkRun } from './network-run';

/** The current or last network check. Local, so the popup can show it after a restart. */
export const networkRunItem = storage.defineItem<NetworkRun | null>('local:networkRun', {
  fallback: null,
});
