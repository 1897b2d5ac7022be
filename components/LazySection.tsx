import type { ComponentType } from 'preact';
import { useEffect, useState } from 'preact/hooks';

/**
 * A popup section loaded after the first paint: the network check's progress and verdict are
 * not held up by the code of the sections below it (email check, diagnostic code).
 */
export function LazySection({ load }: { load: () => Promise<ComponentType> }) {
  const [Section, setSection] = useState<ComponentType | null>(null);
  useEffect(() => {
    let mounted = true;
    load().then((component) => {
      if (mounted) setSection(() => component);
    });
    return () => {
      mounted = false;
    };
  }, [load]);
  return Section ? <Section /> : null;
}
