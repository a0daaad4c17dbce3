import { rowsBy, rowsByTeam, type GroupRow, type ScopeReport } from '../../domain/report';
import type { Org, Unit } from '../../domain/org';
import type { Figures } from '../../domain/stats';
import type { SheetColumn, SheetRow, TableSheet } from './table-sheet';

/**
 * The 汇总 sheet: the read model's figures (the same as /status for the scope and period) per
 * work team, per town and per unit, and the scope's total. One table with a 分组 column, so the
 * autofilter shows one grouping at a time. The figures are of the problems found; the task
 * issues (/布置) of the scope and period follow as one 布置任务 row, when there are any.
 */
export const SUMMARY_COLUMNS: SheetColumn[] = [
  { header: '分组', key: 'group', width: 8 },
  { header: '名称', key: 'name' },
  { header: '发现', key: 'found', kind: 'number', width: 8 },
  { header: '已销号', key: 'rectified', kind: 'number', width: 9 },
  { header: '整改中', key: 'assigned', kind: 'number', width: 9 },
  { header: '待核验', key: 'submitted', kind: 'number', width: 9 },
  { header: '待交办', key: 'reported', kind: 'number', width: 9 },
  { header: '逾期', key: 'overdue', kind: 'number', width: 8 },
  { header: '整改率', key: 'rate', kind: 'percent', width: 10 },
  { header: '按期整改率', key: 'onTimeRate', kind: 'percent', width: 12 },
  { header: '平均整改天数', key: 'avgDays', kind: 'number', width: 14 },
];

export const TOTAL_GROUP = '合计';
export const TASK_GROUP = '布置任务';

function row(group: string, name: string, f: Figures): SheetRow {
  return {
    group,
    name,
    found: f.found,
    rectified: f.rectified,
    assigned: f.assigned,
    submitted: f.submitted,
    reported: f.reported,
    overdue: f.overdue,
    rate: f.rate,
    onTimeRate: f.onTimeRate,
    avgDays: f.avgDaysToClose,
  };
}

export function summarySheet(org: Org, report: ScopeReport, units: readonly Unit[], title: string, scopeLabel: string): TableSheet {
  const inScope = new Set(units.map((u) => u.id));
  // A team shows when it covers a unit of the scope; a unit several teams cover counts in each.
  const teams = rowsByTeam(report, org).filter((r) => org.team(r.key)?.coveredUnitIds.some((id) => inScope.has(id)));
  const grouped = (group: string, rows: GroupRow[]) => rows.map((r) => row(group, r.label, r.figures));
  return {
    name: '汇总',
    title,
    columns: SUMMARY_COLUMNS,
    rows: [
      ...grouped('工作队', teams),
      ...grouped('镇街', rowsBy(report, units, 'town')),
      ...grouped('单位', rowsBy(report, units, 'unit')),
      row(TOTAL_GROUP, scopeLabel, report.figures),
      // The department's own tasks, apart from the problems above (docs/design.md §4.10): one
      // row, its 发现 the task issues given to units and its 已销号 those done.
      ...(report.tasks.figures.found ? [row(TASK_GROUP, scopeLabel, report.tasks.figures)] : []),
    ],
  };
}
