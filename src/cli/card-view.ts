import type { TemplateCard } from '../transport/template-card';

/**
 * A template card in the terminal: what WeCom shows of it (source, title, fields, hint) and its
 * buttons numbered, so a person can click one by typing `!1` (or `点1`).
 */
export function cardLines(card: TemplateCard): string {
  const lines: string[] = [];
  const bar = (s: string | undefined) => (s ? lines.push(`│ ${s}`) : undefined);
  lines.push(`┌ ${card.source?.desc ?? '卡片'}`);
  bar(card.main_title?.title);
  bar(card.main_title?.desc);
  const fields = (card.horizontal_content_list ?? []).map((f) => `${f.keyname}：${f.value ?? ''}`).join('　');
  bar(fields);
  bar(card.sub_title_text);
  const buttons = (card.button_list ?? []).map((b, i) => `[${i + 1}] ${b.text}`).join('  ');
  lines.push(`└ ${buttons ? `${buttons}　（输入 !编号 点按钮，例如 !1）` : '（无按钮）'}`);
  return lines.join('\n');
}

/** `!2`, `！2`, `点2`, `点 2`: the number of the button to click (1-based); undefined: not a click. */
export function clickNumber(line: string): number | undefined {
  const m = /^(?:[!！]|点)\s*(\d{1,2})$/u.exec(line.trim());
  return m ? Number(m[1]) : undefined;
}
