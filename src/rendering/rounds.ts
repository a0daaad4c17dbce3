import type { ChecklistItem } from '../config/org-schema';
import { defaultRoundName, roundRef, type Round } from '../domain/round';
import type { RoundFigures } from '../domain/round-figures';
import type { Org } from '../domain/org';
import { itemLabel } from '../parsing/checklist';
import { formatShortDate, formatStamp } from './dates';
import { personName } from './issue';
import { userText } from './safe-text';

/** The 巡查 rounds in the chat: the reply to 开始 and 结束, the round list, the figures of a round. */

/** How many checklist items and towns the figures name (the export has them all). */
const TOP_ITEMS = 5;
const TOWNS = 6;

const pct = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)}%`);

/** "巡查 #2 2026年12月（全区）". */
export function roundTitle(r: Round): string {
  return `${roundRef(r.id)} ${userText(r.name)}（${userText(r.scopeLabel)}）`;
}

/** "12月1日周二起，进行中" / "12月1日周二—12月28日周一，已结束" / "12月2日周三，已结束" (a one-day round). */
export function roundDates(r: Round, now: number): string {
  const day = (at: number) => formatShortDate(at, now).replace(/ \d\d:\d\d$/u, '');
  const from = day(r.openedAt);
  if (r.closedAt === undefined) return `${from}起，进行中`;
  const to = day(r.closedAt);
  return `${to === from ? from : `${from}—${to}`}，已结束`;
}

export function roundOpened(org: Org, r: Round, now: number, scopeDefaulted: boolean): string {
  const lines = [
    `🔍 已开始 **${roundTitle(r)}**`,
    `范围：${userText(r.scopeLabel)}，共 ${r.unitIds.length} 个单位${scopeDefaulted ? '（未写范围，按全区）' : ''}`,
    `开始：${personName(org, r.openedBy)}，${formatStamp(r.openedAt, now)}`,
    '本轮期间在范围内单位 `/上报` 的问题和 `/走访` 记录都计入本轮。',
  ];
  if (org.checklist.length) lines.push(`上报时写检查项目：\`类别:${org.checklist[0]!.code}\` 或 \`类别:${org.checklist[0]!.name}\`（\`/巡查 项目\` 查看全部）`);
  lines.push('查看进度：`/status 本轮`　结束：`/巡查 结束`');
  return lines.join('\n');
}

export function roundClosed(f: RoundFigures, now: number): string {
  return [`✅ 已结束 **${roundTitle(f.round)}**`, ...figureLines(f, now).slice(1)].join('\n');
}

/** The figures of one round (or the viewer's part of it). */
export function roundFiguresText(f: RoundFigures, now: number, partLabel?: string): string {
  const lines = figureLines(f, now);
  if (partLabel) lines.splice(1, 0, `（只显示${userText(partLabel)}的部分）`);
  return lines.join('\n');
}

function figureLines(f: RoundFigures, now: number): string[] {
  const s = f.byState;
  const lines = [
    `**${roundTitle(f.round)}**`,
    roundDates(f.round, now),
    `发现问题 ${f.found}　已销号 ${f.closed}　逾期 ${f.overdue}`,
    `整改中 ${s.assigned}　待核验 ${s.submitted}　待交办 ${s.reported}`,
    `覆盖 ${f.covered}/${f.unitIds.length} 个单位（${pct(f.rate)}）`,
  ];
  if (f.uncoveredByTown.length) {
    const towns = f.uncoveredByTown.slice(0, TOWNS).map((t) => `${userText(t.town)} ${t.units}`);
    const more = f.uncoveredByTown.length > TOWNS ? ` 等 ${f.uncoveredByTown.length} 个镇街` : '';
    lines.push(`未覆盖：${towns.join('、')}${more}`);
  } else if (f.unitIds.length) {
    lines.push('🟢 范围内单位已全覆盖。');
  }
  const items = f.items.filter((c) => c.item).slice(0, TOP_ITEMS);
  if (items.length) {
    lines.push('', '**问题较多的检查项目**');
    for (const c of items) lines.push(`${itemLabel(c.item!)} ${c.found}${c.open ? `（未完成 ${c.open}）` : ''}${c.overdue ? ` 🔴${c.overdue}` : ''}`);
  }
  const loose = f.items.find((c) => !c.item);
  if (loose) lines.push(`未写检查项目 ${loose.found}`);
  return lines;
}

/** One line of /巡查 清单. */
export function roundLine(r: Round, now: number, problems?: number): string {
  return `${roundTitle(r)} ${roundDates(r, now)}，${r.unitIds.length} 个单位${problems === undefined ? '' : `，问题 ${problems}`}`;
}

/** The checklist as /巡查 项目 and a refused 类别 show it. */
export function checklistText(items: readonly ChecklistItem[]): string {
  return items.map((i) => itemLabel(i)).join('、');
}

export function noRound(isAdmin: boolean, now: number): string {
  return isAdmin ? `现在没有进行中的巡查。开始一轮：\`/巡查 开始 ${defaultRoundName(now)} 范围:全区\`` : '现在没有进行中的巡查（由组织部开始）。';
}
