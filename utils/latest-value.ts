/**
 * What a page shows of a stored item that it hears of from three sources, in any order: every
 * change from the moment it starts watching (`watch()`), one read of the stored value just
 * after that (`getValue()`), and the background's replies to its messages. What it shows must
 * never step back.
 *
 * - Changes arrive in the order they were written: each is the newest stored value, unless a
 *   reply already shown is ahead of it (a reply can overtake the change event of a write made
 *   before it).
 * - The read may resolve after a change, with an older value. Once a change has arrived the
 *   read adds nothing (a value newer than that change, which it might hold, arrives as a change
 *   too): it is dropped, null included. Before any change it counts like one, except that its
 *   null (nothing stored) never hides a reply.
 * - A reply is no change: it may answer a message sent before the page started watching, and
 *   be older than a read of the writes made meanwhile, which no change will repeat (the popup's
 *   first network run can finish before the popup watches). It is ordered like a change.
 * - Null from a change or a reply is the item removed (a reset): it is shown.
 */

/** Where a value came from. */
export type LatestSource = 'read' | 'change' | 'reply';

export interface Latest<T> {
  value: T | null;
  /** A change has arrived: the read no longer counts. */
  changed: boolean;
}

/** Nothing heard yet. */
export const NOTHING_HEARD: Latest<never> = { value: null, changed: false };

/** The item's own order: whether showing `a` after `b` would step back. */
export type IsBehind<T> = (a: T, b: T) => boolean;

/** The view to keep once `incoming` arrived from `source`. */
export function keepLatest<T>(
  current: Latest<T>,
  incoming: T | null,
  source: LatestSource,
  isBehind: IsBehind<T>,
): Latest<T> {
  if (source === 'read' && (current.changed || incoming === null)) return current;
  const changed = current.changed || source === 'change';
  if (incoming !== null && current.value !== null && isBehind(incoming, current.value)) {
    return changed === current.changed ? current : { value: current.value, changed };
  }
  return { value: incoming, changed };
}
