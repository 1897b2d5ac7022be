/**
 * Real-world network responses for testing the classifier: block pages, block redirects and proxy
 * errors of filtering products (`filters/`), and responses a Raftr name can legitimately give
 * (`genuine/`). Every sample is traced to its source in SOURCES.md. Data only: nothing here
 * decides what a response means.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BlockProductId } from '../../../utils/network/block-products';

/** This directory (holds `filters/`, `genuine/` and SOURCES.md). */
export const CORPUS_DIR: string = dirname(fileURLToPath(import.meta.url));

export interface NetworkCorpusSample {
  id: string;
  class: 'filter' | 'genuine';
  /** A BLOCK_PRODUCT_IDS entry; 'unknown' (see productName) when not in that list; null if genuine. */
  product: BlockProductId | 'unknown' | null;
  productName?: string;
  /** e.g. block-page, block-redirect, proxy-auth, app-shell, redirect, api-error, marketing-page. */
  kind: string;
  status: number;
  /** Response headers, names in lower case. */
  headers: Record<string, string>;
  /** The Location, for 3xx only (resolved to an absolute URL). */
  redirectUrl?: string;
  /** File name of the body next to the metadata file, or null when there is no body. */
  bodyFile: string | null;
  scheme: 'https' | 'http';
  /** The Raftr name the response stands in for. */
  servedFor: 'app.raftr.com' | 'www.raftr.com';
  /** Language of the human-readable text, or null when there is none. */
  language: string | null;
  /** Primary source URL (all sources are listed in SOURCES.md). */
  source: string;
  provenance: 'verbatim' | 'template-rendered' | 'reconstructed';
  /** What was taken as published and what was filled in. */
  sourceNote: string;
  /** The body file's contents (UTF-8, byte-exact, e.g. CRLF kept), or null. */
  body: string | null;
}

type SampleMetadata = Omit<NetworkCorpusSample, 'body'>;

function loadClass(subdirectory: 'filters' | 'genuine'): NetworkCorpusSample[] {
  const directory = join(CORPUS_DIR, subdirectory);
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

/** Every sample, filters first, each group sorted by id. Synchronous (Node fs). */
export function loadNetworkCorpus(): NetworkCorpusSample[] {
  return [...loadClass('filters'), ...loadClass('genuine')];
}
