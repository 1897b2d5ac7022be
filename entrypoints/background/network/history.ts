/**
 * Records every finished network run in the short history the popup compares with
 * (utils/network/history.ts), whoever started the run.
 */
import { withRunRecorded } from '@/utils/network/history';
import type { NetworkRun } from '@/utils/network/run';
import { networkHistoryItem, networkRunItem } from '@/utils/storage';

let writes: Promise<void> = Promise.resolve();

function record(run: NetworkRun | null): void {
  if (run?.state !== 'done') return;
  // One at a time: two finished runs heard together must both be kept.
  writes = writes
    .then(async () => {
      const history = await networkHistoryItem.getValue();
      const next = withRunRecorded(history, run);
      if (next.length !== history.length || next.some((r, i) => r !== history[i])) {
        await networkHistoryItem.setValue(next);
      }
    })
    .catch(() => {});
}

export function setUpHistory(): void {
  networkRunItem.watch(record);
  networkRunItem
    .getValue()
    .then(record)
    .catch(() => {});
}
