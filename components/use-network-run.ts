import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { POPUP_PORT_NAME, sendMessage } from '@/utils/messaging';
import { isNetworkRunBehind, type NetworkRun } from '@/utils/network/run';
import { networkRunItem } from '@/utils/storage';
import { useStoredItem } from './use-stored-item';

export interface NetworkRunView {
  run: NetworkRun | null;
  error: string | null;
  checkAgain: () => void;
}

/** The start request sent as the popup's script begins, before its first render. */
let opening: Promise<NetworkRun> | null = null;

/**
 * Asks the background for the check at once (main.tsx calls this before rendering): the
 * probes start while the popup is still laying itself out.
 */
export function beginNetworkCheck(): void {
  opening ??= sendMessage('startNetworkCheck', { force: false });
}

/**
 * The popup's view of the run: it starts (or joins) the check on open, follows the run in
 * storage, and holds a port to the worker. When the worker stops mid-run the port
 * disconnects; reconnecting wakes the worker, which resumes the unfinished probes.
 */
export function useNetworkRun(initial: NetworkRun | null = null): NetworkRunView {
  const [run, replied] = useStoredItem(networkRunItem, isNetworkRunBehind, initial);
  const [error, setError] = useState<string | null>(null);

  const start = (force: boolean, pending?: Promise<NetworkRun>) => {
    (pending ?? sendMessage('startNetworkCheck', { force }))
      .then((started) => {
        setError(null);
        replied(started);
      })
      .catch((reason: unknown) =>
        setError(String(reason instanceof Error ? reason.message : reason)),
      );
  };

  useEffect(() => {
    let closed = false;
    let port: ReturnType<typeof browser.runtime.connect> | undefined;
    const connect = () => {
      port = browser.runtime.connect({ name: POPUP_PORT_NAME });
      port.onDisconnect.addListener(() => {
        if (closed) return;
        setTimeout(() => {
          if (closed) return;
          connect();
          // Only a run still going is picked up again: a finished one stays as it is, even
          // when it has grown old while the popup was open.
          sendMessage('resumeNetworkCheck', undefined)
            // Null: nothing to resume, not a run removed.
            .then((resumed) => resumed && replied(resumed))
            .catch((reason: unknown) =>
              setError(String(reason instanceof Error ? reason.message : reason)),
            );
        }, 100);
      });
    };
    connect();
    start(false, opening ?? undefined);
    opening = null;
    return () => {
      closed = true;
      port?.disconnect();
    };
  }, []);

  return { run, error, checkAgain: () => start(true) };
}
