import { readFile } from 'node:fs/promises';
import JSZip from 'jszip';

/**
 * A .docx read back for tests: it is a zip of WordprocessingML parts (jszip, which exceljs
 * brings); paragraphs are cut out of the XML with their text joined, the way Word shows them.
 */
export interface DocxParts {
  names: string[];
  document: string;
  styles: string;
  settings: string;
  fontTable: string;
  /** footer1.xml, footer2.xml … in name order. */
  footers: string[];
  core: string;
}

export async function readDocx(path: string): Promise<DocxParts> {
  const zip = await JSZip.loadAsync(await readFile(path));
  const part = async (name: string) => {
    const f = zip.file(name);
    if (!f) throw new Error(`the .docx has no ${name}`);
    return f.async('string');
  };
  const names = Object.keys(zip.files).sort();
  const footerNames = names.filter((n) => /^word\/footer\d+\.xml$/.test(n));
  return {
    names,
    document: await part('word/document.xml'),
    styles: await part('word/styles.xml'),
    settings: await part('word/settings.xml'),
    fontTable: await part('word/fontTable.xml'),
    footers: await Promise.all(footerNames.map(part)),
    core: await part('docProps/core.xml'),
  };
}

const unescape = (s: string) => s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&');

export interface DocxParagraph {
  text: string;
  /** The paragraph's own XML (its properties and runs). */
  xml: string;
}

/** Every paragraph in document order, table cells included. */
export function paragraphs(xml: string): DocxParagraph[] {
  return [...xml.matchAll(/<w:p(?:\s[^>]*)?>([\s\S]*?)<\/w:p>|<w:p(?:\s[^>]*)?\/>/g)].map((m) => ({
    xml: m[0],
    text: [...m[0].matchAll(/<w:t(?:\s[^>]*)?>([^<]*)<\/w:t>/g)].map((t) => unescape(t[1]!)).join(''),
  }));
}

/** The paragraph whose text is exactly (or, with a RegExp, matches) this; throws when none. */
export function paragraph(xml: string, text: string | RegExp): DocxParagraph {
  const found = paragraphs(xml).find((p) => (typeof text === 'string' ? p.text === text : text.test(p.text)));
  if (!found) throw new Error(`no paragraph ${String(text)} in:\n${paragraphs(xml).map((p) => p.text).join('\n')}`);
  return found;
}

/** An attribute of the first element of this name inside the XML: attr(xml, 'w:pgSz', 'w:w'). */
export function attr(xml: string, element: string, name: string): string | undefined {
  const el = new RegExp(`<${element}(?=[\\s/>])[^>]*>`).exec(xml)?.[0];
  return el ? new RegExp(`\\s${name}="([^"]*)"`).exec(el)?.[1] : undefined;
}

/** The table rows as text cells. */
export function tableRows(xml: string): string[][] {
  return [...xml.matchAll(/<w:tr(?:\s[^>]*)?>([\s\S]*?)<\/w:tr>/g)].map((r) => [...r[1]!.matchAll(/<w:tc>([\s\S]*?)<\/w:tc>/g)].map((c) => paragraphs(c[1]!).map((p) => p.text).join('')));
}
