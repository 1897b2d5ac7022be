/**
 * The one message protocol between the popup (and other extension pages) and the background.
 * https://webext-core.aklinker1.io/messaging/installation
 */
import { defineExtensionMessaging } from '@webext-core/messaging';
import type { NetworkRun } from './network-run';

interface ProtocolMap {
  /** Start a network check, or return the one in progress (two clicks never start two runs). */
  startNetworkCheck(data: { force: boolean }): NetworkRun;
}

export const { sendMessage, onMessage } = defineExtensionMessaging<ProtocolMap>();

/** The popup holds a port of this name open; its disconnect tells the popup the worker stopped. */
export const POPUP_PORT_NAME = 'popup';
