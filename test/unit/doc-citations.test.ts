import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * The code, the README and the docs cite docs/design.md and docs/wecom-protocol.md by section
 * ("docs/design.md §4.5"): every section cited must exist, so renumbering a doc breaks a test
 * instead of leaving citations that point nowhere.
 */
const root = path.resolve(__dirname, '../..');
const DOCS = ['design.md', 'wecom-protocol.md'] as const;

function sections(doc: string): Set<string> {
  const text = readFileSync(path.join(root, 'docs', doc), 'utf8');
  return new Set([...text.matchAll(/^#{2,3} (\d+(?:\.\d+)?)\.? /gmu)].map((m) => m[1]!));
}

function files(): string[] {
  const found = ['README.md', '.env.example'];
  for (const dir of ['src', 'handlers', 'jobs', 'test', 'docs']) {
    for (const f of readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })) {
      if (/\.(ts|md|yaml|lua)$/u.test(f)) found.push(path.join(dir, f));
    }
  }
  return found;
}

interface Citation {
  file: string;
  line: number;
  doc: string;
  section: string;
}

/** Each "§n" or "§n.m" with the doc it belongs to: the one named just before it on the line, or (in a doc) the doc itself. */
function citations(file: string): Citation[] {
  const own = file.startsWith('docs/') ? path.basename(file) : undefined;
  const found: Citation[] = [];
  readFileSync(path.join(root, file), 'utf8')
    .split('\n')
    .forEach((text, i) => {
      for (const m of text.matchAll(/§(\d+(?:\.\d+)?)/gu)) {
        const before = text.slice(Math.max(0, m.index - 60), m.index);
        const named = [...before.matchAll(/(design|wecom-protocol)\.md/gu)].pop()?.[0];
        const doc = named ?? own;
        if (doc) found.push({ file, line: i + 1, doc, section: m[1]! });
      }
    });
  return found;
}

describe('citations of the docs', () => {
  const known = new Map(DOCS.map((d) => [d, sections(d)]));

  it('finds the numbered sections of both docs', () => {
    expect([...known.get('design.md')!]).toEqual(expect.arrayContaining(['1', '2.2', '4.5', '4.10', '8']));
    expect([...known.get('wecom-protocol.md')!]).toEqual(expect.arrayContaining(['1.2', '1.8', '2.1', '2.5', '4.4', '5']));
  });

  it('point at sections that exist', () => {
    const all = files().flatMap(citations);
    expect(all.length).toBeGreaterThan(20);
    const dangling = all.filter((c) => !known.get(c.doc as (typeof DOCS)[number])?.has(c.section)).map((c) => `${c.file}:${c.line} ${c.doc} §${c.section}`);
    expect(dangling).toEqual([]);
  });

  it('cite nothing outside the repository', () => {
    // The repository stands alone: no spec files, no sibling folders.
    const outside = files()
      .filter((f) => f !== 'test/unit/doc-citations.test.ts')
      .flatMap((file) =>
        readFileSync(path.join(root, file), 'utf8')
          .split('\n')
          .map((text, i) => ({ file, line: i + 1, text }))
          .filter(({ text }) => /\bDESIGN(?:\.md)?\b|\bPROTOCOL\.md\b|\.\.\/shared\//u.test(text)),
      )
      .map(({ file, line, text }) => `${file}:${line} ${text.trim()}`);
    expect(outside).toEqual([]);
  });
});
