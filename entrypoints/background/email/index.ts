/**
 * The email check's wiring: the popup's messages, the poll alarm, the popup's port, Firefox's
 * late permission grant and the notification's click, each handed to the one controller
 * (controller.ts), and the resume of a check a stopped worker left behind.
 */
import { browser } from 'wxt/browser';
import { summarizeEmailConfig } from '@/utils/email/oauth';
import { EMAIL_PORT_NAME, onMessage } from '@/utils/messaging';
import { loadEmailConfig } from './config';
import { EMAIL_NOTIFICATION_ID, EMAIL_POLL_ALARM, EmailCheckController } from './controller';

export function setUpEmailCheck(): void {
  const controller = new EmailCheckController();

  onMessage('getEmailConfig', async () => summarizeEmailConfig(await loadEmailConfig()));
  onMessage('intendEmailCheck', ({ data }) => controller.intend(data.provider));
  onMessage('startEmailCheck', ({ data }) => controller.start(data.provider));
  onMessage('declineEmailCheck', ({ data }) => controller.decline(data.provider));
  onMessage('stopEmailWait', () => controller.stopWait());
  onMessage('reportEmailPlacement', ({ data }) => controller.reportPlacement(data.placement));
  onMessage('resetEmailCheck', () => controller.reset());

  browser.alarms.onAlarm.addListener((alarm) => {
    if (alarm.name === EMAIL_POLL_ALARM) controller.pollSoon();
  });
  browser.runtime.onConnect.addListener((port) => {
    if (port.name === EMAIL_PORT_NAME) controller.popupConnected(port);
  });
  browser.permissions.onAdded.addListener(() => controller.permissionsAdded());
  browser.notifications.onClicked.addListener((id) => {
    if (id !== EMAIL_NOTIFICATION_ID) return;
    void browser.notifications.clear(id);
    // openPopup needs Chrome 127+ (and no user gesture since); otherwise the popup page in a tab.
    const action = browser.action ?? browser.browserAction;
    Promise.resolve(action?.openPopup?.()).catch(() =>
      browser.tabs.create({ url: browser.runtime.getURL('/popup.html') }),
    );
  });
  void controller.resume();
}
