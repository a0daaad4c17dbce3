import type { Policy } from '../config/org-schema';
import type { Org, Unit } from '../domain/org';
import { onTimeRate, scaleCounts, type PerformanceFigures } from '../domain/performance';
import type { Practice } from '../domain/practice';
import { formatPoints } from '../domain/scoring';
import type { Talk } from '../domain/talk';
import { personName, truncate } from './issue';
import { practiceRef } from './records';
import { userText } from './safe-text';
import { talkWhen } from './talks';

/** The record of a secretary (over all their units) or of a unit, for /档案 (docs/design.md §4.18). */
export interface PerformanceRecord {
  /** The person (a secretary), or none for a unit without one. */
  person?: string | undefined;
  units: readonly Unit[];
  periodLabel: string;
  /** The period ended before this month: 当前逾期 is then said to be as of today. */
  past?: boolean;
  figures: PerformanceFigures;
  /**
   * The talks with the person, where they may be read (domain/talk.ts talksReadable);
   * 'elsewhere' for 组织部 in a work group (told where to look); 'hidden' for everyone else:
   * no line at all, not even a count.
   */
  talks: readonly Talk[] | 'elsewhere' | 'hidden';
  practices: readonly Practice[];
  /** Each unit's score, in the units' order (a unit missing from the board is left out). */
  scores: readonly { unitId: string; score: number }[];
  /** The mean over the units, for a secretary of several. */
  mean?: number | undefined;
  /** Units of the person left out because they lie outside the asker's area. */
  hidden?: number;
}

const pct = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)}%`);
const SHOWN = 3;

function scaleLine(title: string, scale: readonly { word: string }[], counts: Readonly<Record<string, number>>): string {
  return `${title}：${scaleCounts(scale, counts).map((c) => `${userText(c.word)} ${c.count}`).join('、')}`;
}

export function performanceText(org: Org, policy: Pick<Policy, 'grades' | 'ratings'>, r: PerformanceRecord, now: number): string {
  const unitNames = r.units.map((u) => `${u.town}${u.name}`).join('、');
  const who = r.person ? `${personName(org, r.person)}（${userText(unitNames)}）` : userText(unitNames);
  const f = r.figures;
  const lines = [
    `**实绩档案 · ${who} · ${userText(r.periodLabel)}**`,
    `交办 ${f.assigned} 件：按期销号 ${f.closedOnTime}，逾期销号 ${f.closedLate}（按期率 ${pct(onTimeRate(f))}），${r.past ? '至今仍逾期' : '当前逾期'} ${f.overdueNow}`,
    `驳回 ${f.rejections} 次 · 反弹 ${f.relapses} 次`,
    scaleLine('完成效果', policy.grades, f.grades),
    scaleLine('群众评价', policy.ratings, f.ratings),
  ];
  if (r.talks === 'elsewhere') lines.push('提醒约谈：请在组织部的群或单聊督办助手查看');
  else if (r.talks === 'hidden') {
    // Nothing: a secretary or a work group is never told of a talk (docs/design.md §4.18).
  } else if (r.talks.length) {
    lines.push(`提醒约谈 ${r.talks.length} 次：`);
    const newest = [...r.talks].reverse().slice(0, SHOWN);
    for (const t of newest) lines.push(`· ${talkWhen(t, now)} ${truncate(t.reason, 30)}（约谈 #${t.id}）`);
    if (r.talks.length > SHOWN) lines.push(`…查看全部：\`/约谈 清单\``);
  } else lines.push('提醒约谈：无');
  if (r.practices.length) {
    lines.push(`典型经验 ${r.practices.length} 条：`);
    for (const p of [...r.practices].reverse().slice(0, SHOWN)) lines.push(`· ${practiceRef(p.id)} ${truncate(p.text, 30)}`);
  } else lines.push('典型经验：无');
  if (!r.scores.length) lines.push('考核得分：—');
  else if (r.scores.length === 1) lines.push(`考核得分：${formatPoints(r.scores[0]!.score)}`);
  else {
    const each = r.scores.map((s) => `${userText(org.unit(s.unitId)?.name ?? s.unitId)} ${formatPoints(s.score)}`).join('、');
    lines.push(`考核得分：${each}（平均 ${r.mean === undefined ? '—' : formatPoints(r.mean)}）`);
  }
  if (r.hidden) lines.push(`（另有 ${r.hidden} 个单位不在你带领的工作队的片区，未计入）`);
  return lines.join('\n');
}
