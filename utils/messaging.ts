/**
 * The one message protocol between the popup (and other extension pages) and the background.
 * https://webext-core.aklinker1.io/messaging/installation
 */
import { defineExtensionMessaging } from '@webext-core/messaging';
import type { EmailCheckState } from './email/check/state';
import type { Placement } from './email/evidence';
import type { EmailConfigSummary, MailProvider } from './email/oauth';
import type { NetworkRun } from './network/run';

interface ProtocolMap {
  /** Start a network check, or return the one in progress (two clicks never start two runs). */
  startNetworkCheck(data: { force: boolean }): NetworkRun;
  /** Resume the stored run if it is still running (a worker restart); never start one. */
  resumeNetworkCheck(): NetworkRun | null;
  /** Which providers have a client id and whether a test message can be requested. */
  getEmailConfig(): EmailConfigSummary;
  /**
   * Sent just before the popup asks for the host permissions: Firefox closes the popup when
   * its permission prompt opens, so the background finishes the start on permissions.onAdded.
   */
  intendEmailCheck(data: { provider: MailProvider }): void;
  /** Sign in and start waiting (the permissions were granted), or join the check in progress. */
  startEmailCheck(data: { provider: MailProvider }): EmailCheckState;
  /** The user declined the permission prompt. */
  declineEmailCheck(data: { provider: MailProvider }): EmailCheckState;
  /** Stop waiting: conclude with the history, or missing. */
  stopEmailWait(): EmailCheckState | null;
  /** Manual mode: the user says where the message is. */
  reportEmailPlacement(data: { placement: Placement }): EmailCheckState;
  /** Back to idle (the access token is forgotten). */
  resetEmailCheck(): null;
}

export const { sendMessage, onMessage } = defineExtensionMessaging<ProtocolMap>();

/** The popup holds a port of this name open; its disconnect tells the popup the worker stopped. */
export const POPUP_PORT_NAME = 'popup';

/** The popup's port for the email check: while one is connected, the background polls fast. */
export const EMAIL_PORT_NAME = 'email-check';
