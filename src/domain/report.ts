import type { Issue } from './issue';
import type { Org, Unit } from './org';
import { COUNTERS, emptyCounts, figuresFrom, type Counter, type Figures } from './stats';

/**
 * The figures of a scope and a period (发现, 已销号, 整改中, 待核验, 逾期, 整改率, 按期整改率,
 * 平均整改天数), per unit and grouped by town or team: the one read model behind /status, the
 * 通报, the summaries, the export and the scores. Read from the ledger's counters and deadline
 * sets, never from every issue.
 *
 * The figures are of the problems found. The issues of the department's tasks (/布置) are work
 * it assigned, not problems: they count apart, in `tasks`, and never in 发现, 逾期 or 整改率
 * (docs/design.md §4.10). The most overdue issues (`oldest`) include them: a task's deadline is
 * as real as a problem's.
 */
export type Counts = Record<Counter, number>;

/** One unit's raw figures as the ledger keeps them. */
export interface UnitCounts {
  /** The problems' counters, summed over the period's buckets. */
  problem: Counts;
  /** The department's task issues' counters, likewise. */
  task: Counts;
  /** Issues overdue now, discovered in the period: tasks' included. */
  overdue: number;
  /** Of those, the task issues (0 when the unit has no task issue found in the period). */
  taskOverdue: number;
}

export interface ScopeCounts {
  perUnit: Map<string, UnitCounts>;
  /** The most overdue issues of the scope, most overdue first (deadline, then id), as many as asked for. */
  oldest: { id: number; deadline: number; issue: Issue }[];
}

/**
 * What the report reads (the ledger store has it): everything at once, so the report is one
 * round trip (src/store/ledger-report.ts) — the task counters, the tasks' clocks and the oldest
 * issues each depend on an earlier answer, which a script reads beside it.
 */
export interface CountsReader {
  scopeCounts(unitIds: readonly string[], buckets: readonly string[], months: readonly string[] | undefined, now: number, oldest: number): Promise<ScopeCounts>;
}

/** A period as the counters keep it: the buckets that sum to it and the months it covers (none = all time). */
export interface PeriodBuckets {
  buckets?: readonly string[] | undefined;
  months?: readonly string[] | undefined;
}

export interface UnitFigures {
  counts: Counts;
  overdue: number;
}

export interface KindFigures {
  perUnit: Map<string, UnitFigures>;
  total: UnitFigures;
  figures: Figures;
}

export interface ScopeReport extends KindFigures {
  /** The department's task issues of the scope and period (per unit, total), apart from the problems above. */
  tasks: KindFigures;
  /** The most overdue issues of the scope (as many as asked for), task issues included, most overdue first. */
  oldest: { id: number; deadline: number }[];
  /** The same issues, read with the figures. */
  oldestIssues: Issue[];
}

export async function scopeReport(reader: CountsReader, unitIds: readonly string[], period: PeriodBuckets, now: number, oldest = 0): Promise<ScopeReport> {
  const read = await reader.scopeCounts(unitIds, period.buckets ?? ['all'], period.months, now, oldest);
  const problems = new Map<string, UnitFigures>();
  const tasks = new Map<string, UnitFigures>();
  for (const id of unitIds) {
    const u = read.perUnit.get(id);
    const late = u?.taskOverdue ?? 0;
    problems.set(id, { counts: u?.problem ?? emptyCounts(), overdue: (u?.overdue ?? 0) - late });
    tasks.set(id, { counts: u?.task ?? emptyCounts(), overdue: late });
  }
  return {
    ...kindFigures(problems),
    tasks: kindFigures(tasks),
    oldest: read.oldest.map((o) => ({ id: o.id, deadline: o.deadline })),
    oldestIssues: read.oldest.map((o) => o.issue),
  };
}

function kindFigures(perUnit: Map<string, UnitFigures>): KindFigures {
  const total: UnitFigures = { counts: emptyCounts(), overdue: 0 };
  for (const f of perUnit.values()) addInto(total, f);
  return { perUnit, total, figures: figuresFrom(total.counts, total.overdue) };
}

export interface GroupRow extends UnitFigures {
  /** The group's key (unit id, town or team id) and what people call it. */
  key: string;
  label: string;
  figures: Figures;
}

/** Per unit (its name) or per town, in the order of the units given. */
export function rowsBy(report: ScopeReport, units: readonly Unit[], by: 'unit' | 'town'): GroupRow[] {
  const rows = new Map<string, GroupRow>();
  for (const u of units) {
    const f = report.perUnit.get(u.id);
    if (!f) continue;
    const key = by === 'town' ? u.town : u.id;
    const row = rows.get(key) ?? blankRow(key, by === 'town' ? u.town : u.name);
    addInto(row, f);
    rows.set(key, row);
  }
  return [...rows.values()].map(withFigures);
}

/** Per team of the organisation, over the units of the report each team covers. */
export function rowsByTeam(report: ScopeReport, org: Org): GroupRow[] {
  return org.teams.map((t) => {
    const row = blankRow(t.id, t.name);
    for (const id of t.coveredUnitIds) {
      const f = report.perUnit.get(id);
      if (f) addInto(row, f);
    }
    return withFigures(row);
  });
}

function blankRow(key: string, label: string): GroupRow {
  return { key, label, counts: emptyCounts(), overdue: 0, figures: figuresFrom(emptyCounts(), 0) };
}

function withFigures(row: GroupRow): GroupRow {
  return { ...row, figures: figuresFrom(row.counts, row.overdue) };
}

function addInto(into: UnitFigures, from: UnitFigures): void {
  for (const c of COUNTERS) into.counts[c] += from.counts[c];
  into.overdue += from.overdue;
}
