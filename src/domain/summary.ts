import { previousPeriod, type Period } from '../parsing/period';
import type { Org } from './org';
import { rowsByTeam, scopeReport, type CountsReader, type GroupRow, type ScopeReport, type UnitFigures } from './report';
import type { Figures } from './stats';

/**
 * A period's figures next to the previous period's (季度小结, 年度汇总, 通报): the read model of
 * domain/report for both, per team, with the units that have the most overdue issues and the
 * relapses (回头看 反弹). Both periods are read at the same instant, so "逾期" compares like with
 * like: what is overdue now among the issues found in each period.
 */
export interface SummaryScope {
  label: string;
  unitIds: readonly string[];
}

export interface TeamComparison {
  key: string;
  label: string;
  now: GroupRow;
  /** Undefined when there is no previous period (all time). */
  before?: GroupRow;
}

export interface PeriodSummary {
  scope: SummaryScope;
  period: Period;
  previous?: Period;
  /** When the figures were read. */
  at: number;
  /** Of the problems found (task issues apart, in `tasks`). */
  figures: Figures;
  previousFigures?: Figures;
  /** The department's task issues (/布置) of the scope and period (docs/design.md §4.10). */
  tasks?: Figures;
  /** The teams covering any unit of the scope, in the org file's order. */
  teams: TeamComparison[];
  /** Units with overdue issues (task issues included: real deadlines), most first (ties by the org file's order), at most `topUnits`. */
  mostOverdue: { unitId: string; overdue: number }[];
  /** 回头看 反弹 of the issues found in the period: in all, per team and per unit (most first). */
  relapses: { total: number; byTeam: { label: string; count: number }[]; byUnit: { unitId: string; count: number }[] };
  /** The most overdue issues (id and deadline), most overdue first. */
  oldest: { id: number; deadline: number }[];
}

export interface SummaryOptions {
  /** How many of the most overdue issues to name (default 5). */
  oldest?: number;
  /** How many units to list under 逾期最多 and 反弹 (default 5). */
  topUnits?: number;
}

export async function periodSummary(reader: CountsReader, org: Org, scope: SummaryScope, period: Period, now: number, opts: SummaryOptions = {}): Promise<PeriodSummary> {
  const previous = previousPeriod(period);
  const [current, before] = await Promise.all([
    scopeReport(reader, scope.unitIds, period, now, opts.oldest ?? 5),
    previous ? scopeReport(reader, scope.unitIds, previous, now, 0) : Promise.resolve(undefined),
  ]);
  const inScope = new Set(scope.unitIds);
  const teamsNow = rowsByTeam(current, org);
  const teamsBefore = before ? rowsByTeam(before, org) : undefined;
  const teams: TeamComparison[] = [];
  org.teams.forEach((t, i) => {
    if (!t.coveredUnitIds.some((id) => inScope.has(id))) return;
    teams.push({ key: t.id, label: t.name, now: teamsNow[i]!, ...(teamsBefore ? { before: teamsBefore[i]! } : {}) });
  });
  const top = opts.topUnits ?? 5;
  return {
    scope,
    period,
    ...(previous ? { previous } : {}),
    at: now,
    figures: current.figures,
    ...(before ? { previousFigures: before.figures } : {}),
    tasks: current.tasks.figures,
    teams,
    mostOverdue: ranked(current, scope.unitIds, (f, id) => f.overdue + (current.tasks.perUnit.get(id)?.overdue ?? 0), top).map(([unitId, overdue]) => ({ unitId, overdue })),
    relapses: {
      total: current.total.counts.relapse,
      byTeam: teams.filter((t) => t.now.counts.relapse > 0).map((t) => ({ label: t.label, count: t.now.counts.relapse })),
      byUnit: ranked(current, scope.unitIds, (f) => f.counts.relapse, top).map(([unitId, count]) => ({ unitId, count })),
    },
    oldest: current.oldest,
  };
}

/** The units with the highest non-zero value, highest first; a stable sort keeps the org order on ties. */
function ranked(report: ScopeReport, unitIds: readonly string[], value: (f: UnitFigures, unitId: string) => number, top: number): [string, number][] {
  const out: [string, number][] = [];
  for (const id of unitIds) {
    const f = report.perUnit.get(id);
    const v = f ? value(f, id) : 0;
    if (v > 0) out.push([id, v]);
  }
  return out.sort((a, b) => b[1] - a[1]).slice(0, top);
}
