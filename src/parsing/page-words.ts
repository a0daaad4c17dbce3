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
