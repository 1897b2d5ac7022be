/**
 * HELD-OUT network corpus: block pages, block redirects and proxy error pages of filtering
 * products (`filters/`) and responses a Raftr name can legitimately give (`genuine/`), collected
 * independently of `../filters` and `../genuine` (which the classifier was tuned on) to measure how
 * the classifier does on material it has never seen. Every sample is traced to its source in
 * SOURCES.md. Data only: nothing here decides what a response means.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NetworkCorpusSample } from '../index';

/** This directory (holds `filters/`, `genuine/` and SOURCES.md). */
export const HOLDOUT_DIR: string = dirname(fileURLToPath(import.meta.url));

type SampleMetadata = Omit<NetworkCorpusSample, 'body'>;

function loadClass(subdirectory: 'filters' | 'genuine'): NetworkCorpusSample[] {
  const directory = join(HOLDOUT_DIR, subdirectory);
  return readdirSync(directory)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => {
      const metadata = JSON.parse(readFileSync(join(directory, name), 'utf8')) as SampleMetadata;
      const body =
        metadata.bodyFile === null
          ? null
          : readFileSync(join(directory, metadata.bodyFile), 'utf8');
      return { ...metadata, body };
    });
}

/** Every held-out sample, filters first, each group sorted by id. Synchronous (Node fs). */
export function loadHoldoutCorpus(): NetworkCorpusSample[] {
  return [...loadClass('filters'), ...loadClass('genuine')];
}
