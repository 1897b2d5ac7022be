/**
 * The three catalogs stay complete, and nothing a user reads comes from outside them:
 * - every locale has every English key, no more, with the same substitutions ($1…$9);
 * - no component or page renders a literal text (JSX text or a labelling attribute);
 * - the rules and renderers (findings, reports, IT message, header analysis) produce only
 *   catalog words and evidence data: rendered with a pseudo-locale whose every message is its
 *   own key in brackets, what is left outside the brackets is data, never English.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { CATALOGS, LANGUAGES } from '@/utils/catalogs';
import { explainHeaders } from '@/utils/email/analysis';
import { MAIL_SYSTEM_NAMES } from '@/utils/email/mail-systems';
import { type Evidence, findingsFor } from '@/utils/evidence';
import { type Catalog, createTranslator, messageName } from '@/utils/i18n';
import { BLOCK_PRODUCTS } from '@/utils/network/block-products';
import { ENTRIES } from '@/utils/profile';
import { renderDecodedReport, renderItMessage } from '@/utils/report';
import { loadEmailCorpus } from '../corpus/email';
import { v2Evidence, v3RawEvidence } from './evidence-arbitraries';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const english = CATALOGS.en;
const substitutionsOf = (message: string) => (message.match(/\$[1-9]/g) ?? []).sort().join(' ');

describe('locales', () => {
  for (const language of LANGUAGES.filter((l) => l !== 'en')) {
    const catalog = CATALOGS[language];
    it(`${language} has every English key and no other`, () => {
      const missing = Object.keys(english).filter((key) => !(key in catalog));
      const extra = Object.keys(catalog).filter((key) => !(key in english));
      expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    });
    it(`${language} keeps every message's substitutions`, () => {
      const differing = Object.keys(english)
        .filter((key) => key in catalog)
        .filter(
          (key) =>
            substitutionsOf(english[key]?.message ?? '') !==
            substitutionsOf(catalog[key]?.message ?? ''),
        );
      expect(differing).toEqual([]);
    });
    it(`${language} leaves no message empty and names its own language`, () => {
      expect(Object.keys(catalog).filter((key) => !catalog[key]?.message.trim())).toEqual([]);
      expect(catalog.locale_code?.message).toBe(language);
    });
  }

  it('the extension is Chrome-ready: default_locale en, a messages.json per language', () => {
    const dirs = fs.readdirSync(path.join(ROOT, 'public', '_locales')).sort();
    expect(dirs).toEqual([...LANGUAGES].sort());
  });
});

/** Every .tsx file of the UI. */
function uiSources(): string[] {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.tsx')) files.push(full);
    }
  };
  walk(path.join(ROOT, 'components'));
  walk(path.join(ROOT, 'entrypoints'));
  return files;
}

/** Attributes a user reads or hears. */
const READ_ATTRIBUTES = new Set(['aria-label', 'title', 'placeholder', 'alt', 'aria-description']);

const WORDS = /\p{Ll}{2,}/u;

/** Literal words in JSX: text nodes and read attributes with letters in them. */
function literalTexts(file: string): string[] {
  const source = ts.createSourceFile(
    file,
    fs.readFileSync(file, 'utf8'),
    ts.ScriptTarget.Latest,
    true,
    ts.ScriptKind.TSX,
  );
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    // Words have lowercase letters; a code's shape ("XXXXXX-XXXXXX") or an acronym is no language.
    if (ts.isJsxText(node) && WORDS.test(node.text)) found.push(node.text.trim());
    if (
      ts.isJsxAttribute(node) &&
      READ_ATTRIBUTES.has(node.name.getText()) &&
      node.initializer &&
      ts.isStringLiteral(node.initializer) &&
      WORDS.test(node.initializer.text)
    ) {
      found.push(`${node.name.getText()}="${node.initializer.text}"`);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

describe('no words outside the catalog', () => {
  it('components and pages render no literal text', () => {
    const literals = uiSources().flatMap((file) =>
      literalTexts(file).map((text) => `${path.relative(ROOT, file)}: ${text}`),
    );
    expect(literals).toEqual([]);
  });

  it('the HTML pages carry no language or title of their own', () => {
    for (const page of ['popup', 'headers', 'helpdesk', 'allowlist']) {
      const html = fs.readFileSync(path.join(ROOT, 'entrypoints', page, 'index.html'), 'utf8');
      expect(html).not.toMatch(/<html[^>]*\slang=/);
      expect(html).toMatch(/<title>__MSG_[A-Za-z0-9_]+__<\/title>/);
    }
  });

  /**
   * A pseudo-locale: each message is `⟦key` + its substitutions + `⟧`, so the output shows which
   * words came from the catalog; removing the brackets leaves only the substituted data.
   */
  const pseudo: Catalog = Object.fromEntries(
    Object.entries(english).map(([key, entry]) => [
      key,
      {
        message: `⟦${key}${(entry.message.match(/\$[1-9]/g) ?? []).map((s) => ` ${s}`).join('')}⟧`,
      },
    ]),
  );
  const t = createTranslator(pseudo);

  /** Names and values that are data in every language: products, systems, the catalog's values. */
  const DATA_WORDS = new Set(
    [
      ...Object.values(BLOCK_PRODUCTS).map((p) => p.name),
      ...Object.values(MAIL_SYSTEM_NAMES),
      ...Object.values(ENTRIES).flatMap((e) => [...e.values, e.protocol]),
      'Raftr',
      'SPF',
      'DKIM',
      'DMARC',
      'HTTP',
      'HTTPS',
    ]
      .filter((text) => !text.startsWith('__MSG_'))
      .flatMap((text) => text.split(/[^\p{L}]+/u)),
  );

  it("names that are not brands are message references, in the reader's language", () => {
    expect(BLOCK_PRODUCTS['unknown-proxy'].name).toBe('__MSG_product_unknown_proxy__');
    expect(MAIL_SYSTEM_NAMES.unknown).toBe('__MSG_mail_system_name_unknown__');
    expect(MAIL_SYSTEM_NAMES.other).toBe('__MSG_mail_system_name_other__');
    const spanish = createTranslator(CATALOGS.es);
    expect(
      spanish('finding_proxy_block_page_title', [BLOCK_PRODUCTS['unknown-proxy'].name]),
    ).toContain(spanish('product_unknown_proxy'));
  });

  /** Words left once the catalog's brackets and the evidence's own strings are taken out. */
  function strayWords(rendered: string, evidenceStrings: readonly string[]): string[] {
    const rest = rendered
      .replace(/⟦[A-Za-z0-9_@]+/g, ' ')
      .replace(/⟧/g, ' ')
      // Identifiers the helpdesk reads as such ("[all-clear]"), and host names.
      .replace(/\[[a-z0-9-]+\]/g, ' ')
      .replace(/[\w-]+(\.[\w-]+)+/g, ' ');
    const quoted = new Set(evidenceStrings.flatMap((value) => value.split(/[^\p{L}]+/u)));
    return (rest.match(/\p{L}{3,}/gu) ?? []).filter(
      (word) => !DATA_WORDS.has(word) && !quoted.has(word) && !/^[0-9A-Z]+$/.test(word),
    );
  }

  /** The strings an evidence carries (a filter page's title, a host): quoted, not ours. */
  function stringsOf(value: unknown): string[] {
    if (typeof value === 'string') return [value];
    if (Array.isArray(value)) return value.flatMap(stringsOf);
    if (value && typeof value === 'object') return Object.values(value).flatMap(stringsOf);
    return [];
  }

  function renderAll(evidence: Evidence): string {
    const findings = findingsFor(evidence);
    return [
      renderDecodedReport('CODE', evidence, findings, t),
      renderItMessage(findings, t, { format: 'text', code: 'CODE' }),
      renderItMessage(findings, t, { format: 'markdown' }),
    ].join('\n');
  }

  it('reports, findings and IT messages of any evidence are catalog words and data', () => {
    for (const arbitrary of [v2Evidence, v3RawEvidence]) {
      fc.assert(
        fc.property(arbitrary, (evidence) => {
          expect(strayWords(renderAll(evidence), stringsOf(evidence))).toEqual([]);
        }),
        { numRuns: 300 },
      );
    }
  });

  it('the header analysis of every corpus sample speaks only through the catalog', () => {
    for (const sample of loadEmailCorpus()) {
      const report = explainHeaders(sample.raw);
      const rendered = [
        ...report.problems.map((problem) => t(problem.id, problem.params)),
        ...report.findings.map((finding) =>
          ['title', 'body', 'steps', 'it'].map((part) =>
            t(messageName('finding', finding.id, part), finding.params),
          ),
        ),
        renderItMessage(report.findings, t, { format: 'text' }),
      ].join('\n');
      expect(strayWords(rendered, stringsOf(report.problems)), sample.file).toEqual([]);
    }
  });
});
