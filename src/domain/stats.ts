import type { Issue } from './issue';
import { DAY_MS, monthKey } from './time';

/**
 * Ledger figures kept as counters, so /status never reads every issue. Each unit has counters
 * for all time ("all:found") and per discovery month, quarter and year ("202605:found",
 * "2026Q2:found", "2026:found": a period is one bucket to read); a transition changes them by the
 * difference between the issue before and after.
 *
 * The issues of a department task (/布置, `taskId` set) count apart, under the same names with
 * "task:" in front ("task:202605:found"): a task is work the department assigned, not a problem
 * inspectors found, so 发现 and 整改率 never include it (docs/design.md §4.10).
 */
export const COUNTERS = ['found', 'reported', 'assigned', 'submitted', 'closed', 'revisited', 'canceled', 'ontime', 'closeMs', 'relapse'] as const;
export type Counter = (typeof COUNTERS)[number];

/** What an issue contributes to its unit's counters. */
function contribution(issue: Issue | undefined): Partial<Record<Counter, number>> {
  if (!issue) return {};
  const c: Partial<Record<Counter, number>> = { [issue.state]: 1, relapse: issue.relapseCount };
  if (issue.state !== 'canceled') c.found = 1;
  if ((issue.state === 'closed' || issue.state === 'revisited') && issue.closedAt !== undefined) {
    c.closeMs = issue.closedAt - issue.createdAt;
    if (issue.closedOnTime) c.ontime = 1;
  }
  return c;
}

/** The counter buckets an issue discovered at this time counts in. */
export function bucketsOf(createdAt: number): string[] {
  const month = monthKey(createdAt);
  const year = month.slice(0, 4);
  return ['all', month, year, `${year}Q${Math.floor((Number(month.slice(4)) - 1) / 3) + 1}`];
}

export interface CounterDelta {
  unitId: string;
  field: string;
  delta: number;
}

/** Found problems, or the issues of department tasks: counted apart. */
export type IssueKind = 'problem' | 'task';
export const kindOf = (issue: Pick<Issue, 'taskId'>): IssueKind => (issue.taskId === undefined ? 'problem' : 'task');

/** The hash field of one counter: "202605:found", or "task:202605:found" for task issues. */
export function counterField(kind: IssueKind, bucket: string, name: Counter): string {
  return kind === 'task' ? `task:${bucket}:${name}` : `${bucket}:${name}`;
}

/** The counter increments for one change (before undefined = a new issue). */
export function counterDeltas(before: Issue | undefined, after: Issue): CounterDelta[] {
  const a = contribution(before);
  const b = contribution(after);
  const buckets = bucketsOf(after.createdAt);
  // An issue's taskId is set when it is made and never changes, so before and after count in one kind.
  const kind = kindOf(after);
  const out: CounterDelta[] = [];
  for (const name of COUNTERS) {
    const delta = (b[name] ?? 0) - (a[name] ?? 0);
    if (delta !== 0) for (const bucket of buckets) out.push({ unitId: after.unitId, field: counterField(kind, bucket, name), delta });
  }
  return out;
}

export interface Figures {
  found: number;
  reported: number;
  assigned: number;
  submitted: number;
  /** 已销号 + 已回访 */
  rectified: number;
  overdue: number;
  /** 整改率, percent with one decimal; undefined when nothing was found. */
  rate?: number;
  /** 按期整改率: rectified on time over found. */
  onTimeRate?: number;
  avgDaysToClose?: number;
}

// Built once: /status makes a set of counters per unit, and a spread of a fixed-shape object is
// several times cheaper than building it from entries (a profile of the webhook showed it).
const ZERO_COUNTS = Object.freeze(Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<Counter, number>);

export function emptyCounts(): Record<Counter, number> {
  return { ...ZERO_COUNTS };
}

export function figuresFrom(c: Record<Counter, number>, overdue: number): Figures {
  const rectified = c.closed + c.revisited;
  const f: Figures = { found: c.found, reported: c.reported, assigned: c.assigned, submitted: c.submitted, rectified, overdue };
  if (c.found > 0) {
    f.rate = percent(rectified, c.found);
    f.onTimeRate = percent(c.ontime, c.found);
  }
  if (rectified > 0) f.avgDaysToClose = Math.round((c.closeMs / rectified / DAY_MS) * 10) / 10;
  return f;
}

/** One decimal, rounded half up: 223/276 → 80.8. */
export function percent(part: number, whole: number): number {
  // part*1000 first: (201/400)*1000 is 502.4999… in floating point, 201000/400 is exactly 502.5.
  return Math.round((part * 1000) / whole) / 10;
}
