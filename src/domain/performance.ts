import { isOverdue, type Issue } from './issue';

/**
 * 实绩档案 (docs/design.md §4.18): a secretary's or unit's figures for a period, folded from the
 * issues of their units discovered in it. Pure, so a test recomputes them by hand:
 *
 * - 交办: issues assigned (ever: a relapse does not count twice); a withdrawn (撤销) issue counts
 *   for nothing anywhere, as in the scores;
 * - 按期销号 / 逾期销号: closed (or revisited) issues whose accepted fix came on or before / after
 *   the deadline in force (Issue.closedOnTime, set at 销号);
 * - 当前逾期: rectifying past the deadline now; 驳回 / 反弹: the rejections and relapses counted on
 *   the issues; 完成效果 / 群众评价: the issues by their grade and rating word.
 */
export interface PerformanceFigures {
  assigned: number;
  closedOnTime: number;
  closedLate: number;
  overdueNow: number;
  rejections: number;
  relapses: number;
  /** Issues by 完成效果 word (Issue.grade). */
  grades: Record<string, number>;
  /** Issues by 群众评价 word (Issue.rating). */
  ratings: Record<string, number>;
}

export function emptyFigures(): PerformanceFigures {
  return { assigned: 0, closedOnTime: 0, closedLate: 0, overdueNow: 0, rejections: 0, relapses: 0, grades: {}, ratings: {} };
}

/** Adds one issue to the figures (in place). */
export function addIssue(f: PerformanceFigures, issue: Issue, now: number): PerformanceFigures {
  if (issue.state === 'canceled') return f;
  if (issue.assignedAt !== undefined) f.assigned++;
  if (issue.state === 'closed' || issue.state === 'revisited') {
    if (issue.closedOnTime === false) f.closedLate++;
    else f.closedOnTime++;
  }
  if (isOverdue(issue, now)) f.overdueNow++;
  f.rejections += issue.rejectCount;
  f.relapses += issue.relapseCount;
  if (issue.grade) f.grades[issue.grade] = (f.grades[issue.grade] ?? 0) + 1;
  if (issue.rating) f.ratings[issue.rating] = (f.ratings[issue.rating] ?? 0) + 1;
  return f;
}

export function performanceOf(issues: Iterable<Issue>, now: number): PerformanceFigures {
  const f = emptyFigures();
  for (const issue of issues) addIssue(f, issue, now);
  return f;
}

/** The sum of several units' figures (a secretary of several units has one record). */
export function mergeFigures(all: Iterable<PerformanceFigures>): PerformanceFigures {
  const out = emptyFigures();
  for (const f of all) {
    out.assigned += f.assigned;
    out.closedOnTime += f.closedOnTime;
    out.closedLate += f.closedLate;
    out.overdueNow += f.overdueNow;
    out.rejections += f.rejections;
    out.relapses += f.relapses;
    for (const [w, n] of Object.entries(f.grades)) out.grades[w] = (out.grades[w] ?? 0) + n;
    for (const [w, n] of Object.entries(f.ratings)) out.ratings[w] = (out.ratings[w] ?? 0) + n;
  }
  return out;
}

/** 按期率: closed on time over all closed, in percent; undefined when nothing was closed. */
export function onTimeRate(f: Pick<PerformanceFigures, 'closedOnTime' | 'closedLate'>): number | undefined {
  const closed = f.closedOnTime + f.closedLate;
  return closed ? (f.closedOnTime * 100) / closed : undefined;
}

/**
 * The words of a scale with their counts, in the scale's order (best first), then any word
 * no longer in the scale (the policy changed after the issue was graded), each with its count.
 */
export function scaleCounts(scale: readonly { word: string }[], counts: Readonly<Record<string, number>>): { word: string; count: number }[] {
  const words = scale.map((s) => s.word);
  const extra = Object.keys(counts).filter((w) => !words.includes(w)).sort();
  return [...words, ...extra].map((word) => ({ word, count: counts[word] ?? 0 }));
}

/** One score for a secretary of several units: the mean of their units' scores, to the hundredth. */
export function meanScore(scores: readonly number[]): number | undefined {
  if (!scores.length) return undefined;
  return Math.round((scores.reduce((a, b) => a + b, 0) / scores.length) * 100) / 100;
}
