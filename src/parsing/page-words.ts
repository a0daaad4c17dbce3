import type { Token } from './args';

/**
 * "第 2 页", "第2 页", "page 2", "p 2" written as several words read as one page word ("第2页"),
 * for the commands that page (/清单, /典型 清单).
 */
export function joinPageWords(words: readonly Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    const after = words[i + 2];
    if (next && after && w.norm === '第' && /^\d{1,4}$/u.test(next.norm) && after.norm === '页') {
      out.push({ raw: `${w.raw}${next.raw}${after.raw}`, norm: `第${next.norm}页` });
      i += 2;
    } else if (next && /^(?:page|p|第)$/iu.test(w.norm) && /^\d{1,4}页?$/u.test(next.norm)) {
      out.push({ raw: `${w.raw}${next.raw}`, norm: `${w.norm}${next.norm}` });
      i++;
    } else if (next && /^第?\d{1,4}$/u.test(w.norm) && next.norm === '页') {
      out.push({ raw: `${w.raw}${next.raw}`, norm: `${w.norm}页` });
      i++;
    } else out.push(w);
  }
  return out;
}

/** A page word once joined: "第2页", "2页", "page 2", "p2". A bare "2025" is a year, never a page. */
const PAGE = /^(?:(?:第|page|p)(\d{1,4})页?|(\d{1,4})页)$/iu;

/** The page a word names, or undefined when it is not a page word. */
export function pageOf(word: Token): number | undefined {
  const p = PAGE.exec(word.norm);
  return p ? Math.max(1, Number(p[1] ?? p[2])) : undefined;
}

/** The page asked for (default 1) and the other words, in order. */
export function splitPage(words: readonly Token[]): { page: number; rest: Token[] } {
  let page = 1;
  const rest: Token[] = [];
  for (const w of joinPageWords(words)) {
    const p = pageOf(w);
    if (p !== undefined) page = p;
    else rest.push(w);
  }
  return { page, rest };
}
