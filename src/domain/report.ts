import type { Org, Unit } from './org';
import { COUNTERS, emptyCounts, figuresFrom, type Counter, type Figures, type IssueKind } from './stats';

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

/** What the report reads (the ledger store has it). */
export interface CountsReader {
  unitCounts(unitIds: readonly string[], buckets: readonly string[], kind?: IssueKind): Promise<Map<string, Counts>>;
  overdue(
    unitIds: readonly string[],
    now: number,
    months: readonly string[] | undefined,
    oldest: number,
  ): Promise<{ total: number; perUnit: Map<string, number>; oldest: { id: number; deadline: number }[] }>;
  /** Of overdue(): the task issues only. */
  taskOverdue(unitIds: readonly string[], now: number, months: readonly string[] | undefined): Promise<{ total: number; perUnit: Map<string, number> }>;
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
}

export async function scopeReport(reader: CountsReader, unitIds: readonly string[], period: PeriodBuckets, now: number, oldest = 0): Promise<ScopeReport> {
  const buckets = period.buckets ?? ['all'];
  const [counts, taskCounts, overdue] = await Promise.all([
    reader.unitCounts(unitIds, buckets, 'problem'),
    reader.unitCounts(unitIds, buckets, 'task'),
    reader.overdue(unitIds, now, period.months, oldest),
  ]);
  // A task issue's clock runs only while it counts as found in its discovery buckets, so units
  // without task issues in the period have none overdue: only the others' task clocks are read.
  const withTasks = unitIds.filter((id) => (taskCounts.get(id)?.found ?? 0) > 0);
  const taskOverdue = withTasks.length ? (await reader.taskOverdue(withTasks, now, period.months)).perUnit : new Map<string, number>();
  const problems = new Map<string, UnitFigures>();
  const tasks = new Map<string, UnitFigures>();
  for (const id of unitIds) {
    const late = taskOverdue.get(id) ?? 0;
    problems.set(id, { counts: counts.get(id) ?? emptyCounts(), overdue: (overdue.perUnit.get(id) ?? 0) - late });
    tasks.set(id, { counts: taskCounts.get(id) ?? emptyCounts(), overdue: late });
  }
  return { ...kindFigures(problems), tasks: kindFigures(tasks), oldest: overdue.oldest };
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
