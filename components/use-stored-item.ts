import { useCallback, useEffect, useState } from 'preact/hooks';
import { type IsBehind, keepLatest, type Latest, NOTHING_HEARD } from '@/utils/latest-value';

/** A stored item of utils/storage.ts, as a page reads it. */
export interface StoredItem<T> {
  getValue(): Promise<T | null>;
  watch(callback: (value: T | null) => void): () => void;
}

/**
 * A stored item, followed live, that never steps back (utils/latest-value.ts): the first read,
 * the changes and the background's replies arrive in any order. Returns the value and the
 * function through which a reply from the background that carries the item is shown.
 */
export function useStoredItem<T>(
  item: StoredItem<T>,
  isBehind: IsBehind<T>,
  /** A value read before the first render (the popup's pre-computed verdict): shown at once. */
  initial: T | null = null,
): [T | null, (reply: T | null) => void] {
  const [latest, setLatest] = useState<Latest<T>>(() =>
    keepLatest(NOTHING_HEARD, initial, 'read', isBehind),
  );

  useEffect(() => {
    let live = true;
    const unwatch = item.watch((next) =>
      setLatest((current) => keepLatest(current, next, 'change', isBehind)),
    );
    item.getValue().then((stored) => {
      if (live) setLatest((current) => keepLatest(current, stored, 'read', isBehind));
    });
    return () => {
      live = false;
      unwatch();
    };
  }, [item, isBehind]);

  const replied = useCallback(
    (reply: T | null) => setLatest((current) => keepLatest(current, reply, 'reply', isBehind)),
    [isBehind],
  );
  return [latest.value, replied];
}
