import type { Unit } from '../../domain/org';
import { rowsBy, rowsByTeam, scopeReport, type GroupRow } from '../../domain/report';
import { DAY_MS, monthKey } from '../../domain/time';
import type { Scope } from '../../domain/visibility';
import { monthsBetween, shiftMonth, type Period } from '../../parsing/period';
import type { ChartsResponse } from '../dashboard-contract';
import type { DashboardDeps } from '../dashboard-session';
import type { Viewer } from './view';

/** How many units the 逾期 chart names, and how many months 累计's trend shows. */
const TOP_OVERDUE = 10;
const TREND_MONTHS = 12;

/**
 * GET /api/charts: what the four charts draw, from the /status read model (scopeReport) and the
 * same counters and deadline sets (docs/design.md §7.4, API). The bars group the district by
 * team, an area of several towns by town, a town (or less) by unit.
 */
export function groupingOf(v: Viewer, scope: Scope): 'team' | 'town' | 'unit' {
  if (scope.units.length === v.org.units.length) return 'team';
  return new Set(scope.units.map((u) => u.town)).size > 1 ? 'town' : 'unit';
}

/**
 * The trend's months: the period's up to now's (本年 in June ends at June: the months to come
 * have found nothing yet, and zeros there would read as a fall), or the last `TREND_MONTHS`.
 */
export function trendMonths(period: Period, now: number): string[] {
  const current = monthKey(now);
  return period.months ? period.months.filter((m) => m <= current) : monthsBetween(shiftMonth(current, 1 - TREND_MONTHS), current);
}

export async function chartsResponse(deps: DashboardDeps, v: Viewer, scope: Scope, period: Period): Promise<ChartsResponse> {
  const unitIds = scope.units.map((u) => u.id);
  const yellowMs = v.org.policy.yellowWithin.ms;
  const [report, trend, split] = await Promise.all([
    scopeReport(deps.ledger, unitIds, period, v.now),
    deps.ledger.monthTrend(unitIds, trendMonths(period, v.now)),
    deps.ledger.deadlineSplit(unitIds, period.months, v.now, yellowMs),
  ]);
  const by = groupingOf(v, scope);
  const rows: GroupRow[] = by === 'team' ? rowsByTeam(report, v.org) : rowsBy(report, scope.units, by);
  const unitById = new Map<string, Unit>(scope.units.map((u) => [u.id, u]));
  const position = new Map(unitIds.map((id, i) => [id, i]));
  const topOverdue = [...report.perUnit.entries()]
    .filter(([, f]) => f.overdue > 0)
    .sort((a, b) => b[1].overdue - a[1].overdue || position.get(a[0])! - position.get(b[0])!)
    .slice(0, TOP_OVERDUE)
    .map(([id, f]) => ({ unitId: id, unit: unitById.get(id)?.name ?? id, town: unitById.get(id)?.town ?? '', overdue: f.overdue }));
  return {
    scope: scope.label,
    period: period.label,
    groups: {
      by,
      rows: rows.map((r) => ({
        key: r.key,
        label: r.label,
        reported: r.figures.reported,
        assigned: r.figures.assigned,
        submitted: r.figures.submitted,
        rectified: r.figures.rectified,
        overdue: r.figures.overdue,
      })),
    },
    trend,
    // Red is the figures' 逾期 itself: one count, wherever it is shown.
    warning: { red: report.figures.overdue, yellow: split.yellow, green: split.green, yellowWithinDays: Math.round((yellowMs / DAY_MS) * 10) / 10 },
    topOverdue,
  };
}
