import type { Issue } from '../domain/issue';
import type { Org } from '../domain/org';
import { issueLine } from './issue';
import { userText } from './safe-text';

/** A page of a list, newest (or most overdue) first, with where the next page is; `viewer` is not @ed in it. */
export function renderPage(org: Org, title: string, issues: readonly Issue[], total: number, page: number, size: number, now: number, next: string, viewer?: string): string {
  const heading = `**${userText(title)}**`;
  if (!total) return `${heading}\n没有符合条件的问题。`;
  const pages = Math.max(1, Math.ceil(total / size));
  const lines = [`${heading}（共 ${total} 条${pages > 1 ? `，第 ${page}/${pages} 页` : ''}）`, ...issues.map((i) => issueLine(org, i, now, viewer))];
  if (!issues.length) lines.push('这一页没有内容了。');
  if (page < pages) lines.push(`下一页：\`${next.trim()}\``);
  return lines.join('\n');
}
