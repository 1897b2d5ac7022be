import { useEffect, useState } from 'preact/hooks';
import { browser } from 'wxt/browser';
import { type ParsedPolicy, parsePolicy } from '@/utils/policy';

/**
 * Enterprise policy from managed storage (public/managed_schema.json). Chrome returns {} when
 * no policy is set, Firefox throws ("Managed storage manifest not found"): both mean "no
 * policy". https://developer.chrome.com/docs/extensions/reference/api/storage#property-managed
 */
export async function readManagedPolicy(): Promise<ParsedPolicy> {
  try {
    return parsePolicy(await browser.storage.managed.get());
  } catch {
    return parsePolicy({});
  }
}

/** The policy, kept current: administrators can change it while a page is open. */
export function useManagedPolicy(): ParsedPolicy {
  const [parsed, setParsed] = useState<ParsedPolicy>({ policy: {}, problems: [] });
  useEffect(() => {
    let live = true;
    const refresh = () => {
      readManagedPolicy().then((next) => {
        if (live) setParsed(next);
      });
    };
    const onChanged = (_changes: unknown, area: string) => {
      if (area === 'managed') refresh();
    };
    refresh();
    browser.storage.onChanged.addListener(onChanged);
    return () => {
      live = false;
      browser.storage.onChanged.removeListener(onChanged);
    };
  }, []);
  return parsed;
}
