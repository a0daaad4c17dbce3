import type { Issue } from '../domain/issue';
import type { Org } from '../domain/org';
import { figuresFrom, type Counter, type Figures } from '../domain/stats';
import { issueLine } from './issue';
import { userText } from './safe-text';
import { taskLine } from './task-line';

export interface StatusRow {
  label: string;
  counts: Record<Counter, number>;
  overdue: number;
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)}%`);
/** A row's rate in whole percent, rounded down: a unit with one open issue never reads 100%. */
const wholePct = (v: number | undefined) => (v === undefined ? '—' : `${Math.floor(v)}%`);

/** "平均 2.5 天销号"; a same-day close reads "不到 1 天", not "0.0 天". */
export function averageClose(days: number): string {
  return days < 1 ? '平均不到 1 天销号' : `平均 ${days.toFixed(1)} 天销号`;
}

/**
 * /status in the chat, short lines for a phone (about 20 characters each): the headline
 * figures, one line per unit (or town) — found, closed, overdue, rate — and the oldest overdue
 * items. The full table belongs in the export and the dashboard.
 */
export function renderStatus(
  org: Org,
  s: {
    title: string;
    figures: Figures;
    rows: StatusRow[];
    rowLabel: string;
    oldest: Issue[];
    now: number;
    viewer?: string;
    /** 走访覆盖 lines, once the district logs visits. */
    coverage?: string[];
    /** The department's task issues (/布置) of the scope and period: one line apart from the problems. */
    tasks?: Figures;
  },
): string {
  const f = s.figures;
  const lines = [
    `**${userText(s.title)}**`,
    `发现 ${f.found}　已销号 ${f.rectified}　逾期 ${f.overdue}`,
    `整改中 ${f.assigned}　待核验 ${f.submitted}　待交办 ${f.reported}`,
    `整改率 ${pct(f.rate)}　按期整改率 ${pct(f.onTimeRate)}`,
  ];
  if (f.avgDaysToClose !== undefined) lines.push(averageClose(f.avgDaysToClose));
  const tasks = taskLine(s.tasks, 'status');
  if (tasks) lines.push(tasks);
  if (s.coverage) lines.push(...s.coverage);
  if (s.rows.length) {
    lines.push('', `**各${s.rowLabel}**（发现 销号 🔴逾期 整改率）`);
    for (const r of s.rows) {
      const rf = figuresFrom(r.counts, r.overdue);
      lines.push(`${userText(r.label)} 发现${rf.found} 销号${rf.rectified}${r.overdue ? ` 🔴${r.overdue}` : ''} ${wholePct(rf.rate)}`);
    }
  }
  if (s.oldest.length) {
    lines.push('', '**逾期最久**', ...s.oldest.map((i) => issueLine(org, i, s.now, s.viewer)));
  } else if (f.found) {
    lines.push('', '🟢 没有逾期问题。');
  } else {
    lines.push('', '这个范围和时段还没有登记问题。');
  }
  return lines.join('\n');
}
