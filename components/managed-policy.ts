import { useEffect, useState } from 'preact/hooks';
import type { ParsedPolicy } from '@/utils/policy';
import { readManagedPolicy, watchManagedPolicy } from '@/utils/storage';

/**
 * The enterprise policy (utils/storage.ts readManagedPolicy), kept current: administrators can
 * change it while a page is open.
 */
export function useManagedPolicy(): ParsedPolicy {
  const [parsed, setParsed] = useState<ParsedPolicy>({ policy: {}, problems: [] });
  useEffect(() => {
    let live = true;
    const refresh = () => {
      readManagedPolicy().then((next) => {
        if (live) setParsed(next);
      });
    };
    refresh();
    const unwatch = watchManagedPolicy(refresh);
    return () => {
      live = false;
      unwatch();
    };
  }, []);
  return parsed;
}
