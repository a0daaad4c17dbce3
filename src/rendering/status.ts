import type { Issue } from '../domain/issue';
import type { Org } from '../domain/org';
import { figuresFrom, type Counter, type Figures } from '../domain/stats';
import { issueLine } from './issue';

export interface StatusRow {
  label: string;
  counts: Record<Counter, number>;
  overdue: number;
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)}%`);

/** /status: the DESIGN §4 figures, a per-unit (or per-town) table, the oldest overdue items. */
export function renderStatus(
  org: Org,
  s: { title: string; figures: Figures; rows: StatusRow[]; rowLabel: string; oldest: Issue[]; now: number },
): string {
  const f = s.figures;
  const lines = [
    `**${s.title}**`,
    `发现 ${f.found}　已销号 ${f.rectified}　整改中 ${f.assigned}　待核验 ${f.submitted}　待交办 ${f.reported}　逾期 ${f.overdue}`,
    `整改率 ${pct(f.rate)}　按期整改率 ${pct(f.onTimeRate)}${f.avgDaysToClose !== undefined ? `　平均 ${f.avgDaysToClose.toFixed(1)} 天销号` : ''}`,
  ];
  if (s.rows.length) {
    lines.push('', `| ${s.rowLabel} | 发现 | 已销号 | 整改中 | 待核验 | 逾期 | 整改率 |`, '| :-- | --: | --: | --: | --: | --: | --: |');
    for (const r of s.rows) {
      const rf = figuresFrom(r.counts, r.overdue);
      lines.push(`| ${r.label} | ${rf.found} | ${rf.rectified} | ${rf.assigned} | ${rf.submitted} | ${r.overdue ? `🔴${r.overdue}` : '0'} | ${pct(rf.rate)} |`);
    }
  }
  if (s.oldest.length) {
    lines.push('', '**逾期最久**', ...s.oldest.map((i) => `- ${issueLine(org, i, s.now)}`));
  } else if (f.found) {
    lines.push('', '🟢 没有逾期问题。');
  } else {
    lines.push('', '这个范围和时段还没有登记问题。');
  }
  return lines.join('\n');
}
