/**
 * The toolbar badge (issue #12): a mark and a title after a check that found Raftr blocked on
 * this network, nothing otherwise. Follows the stored run, whoever started it (the popup, a
 * failed navigation), and is set again from it when the worker starts.
 * https://developer.chrome.com/docs/extensions/reference/api/action#badge
 */
import { browser } from 'wxt/browser';
import { badgeFor } from '@/utils/network/navigation';
import type { NetworkRun } from '@/utils/network/run';
import { networkRunItem } from '@/utils/storage';

/** Red with white text: the badge's own colours, readable on light and dark toolbars. */
const BADGE_COLOR = '#b71c1c';

/** MV3's `action`, Firefox MV2's `browserAction`: the same badge calls. */
function toolbarButton() {
  return browser.action ?? browser.browserAction;
}

export async function showBadgeFor(run: NetworkRun | null): Promise<void> {
  // A check under way changes nothing: the last verdict stands until the next one is in.
  if (run && run.state !== 'done') return;
  const button = toolbarButton();
  const badge = badgeFor(run);
  const title = browser.i18n.getMessage((badge?.titleKey ?? 'extensionName') as never);
  await Promise.all([
    button.setBadgeText({ text: badge?.text ?? '' }),
    badge ? button.setBadgeBackgroundColor({ color: BADGE_COLOR }) : Promise.resolve(),
    title ? button.setTitle({ title }) : Promise.resolve(),
  ]);
}

export function setUpBadge(): void {
  networkRunItem.watch((run) => {
    showBadgeFor(run).catch(() => {});
  });
  networkRunItem
    .getValue()
    .then(showBadgeFor)
    .catch(() => {});
}
