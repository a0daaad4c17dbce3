import type { TemplateCard } from '../transport/template-card';
import { cardIssue } from './card-book';

/**
 * A template card in the terminal: what WeCom shows of it (source, title, fields, hint) and its
 * buttons numbered, so a person can click one by typing `!1` (or `点1`), or `!1 #12` for the
 * latest card about #12 when later cards came after it. `clickable: false` (--watch) leaves out
 * how to click.
 */
export function cardLines(card: TemplateCard, clickable = true): string {
  const lines: string[] = [];
  const bar = (s: string | undefined) => (s ? lines.push(`│ ${s}`) : undefined);
  lines.push(`┌ ${card.source?.desc ?? '卡片'}`);
  bar(card.main_title?.title);
  bar(card.main_title?.desc);
  const fields = (card.horizontal_content_list ?? []).map((f) => `${f.keyname}：${f.value ?? ''}`).join('　');
  bar(fields);
  bar(card.sub_title_text);
  const buttons = (card.button_list ?? []).map((b, i) => `[${i + 1}] ${b.text}`).join('  ');
  const issue = cardIssue(card);
  const how = clickable ? `　（输入 !编号 点按钮，例如 !1${issue === undefined ? '' : ` 或 !1 #${issue}`}）` : '';
  lines.push(`└ ${buttons ? `${buttons}${how}` : '（无按钮）'}`);
  return lines.join('\n');
}
