import type { Org } from '../../domain/org';
import { spanOfMonths } from '../../domain/period-span';
import { COMMON_FIELDS, type Visit } from '../../domain/visit';
import type { VisitStore } from '../../store/visit-store';
import type { SheetScope } from './practice-sheet';
import type { SheetRow, TableSheet } from './table-sheet';

/**
 * The 走访记录 sheet of the 台账 workbook: one row per visit of the scope in the period, oldest
 * first, streamed from the store in batches; the fields of each unit's own 巡回指导记录表 in one
 * column (the six forms ask different things), 检查/发现/建议 in their own, and the issues the
 * visitor reported at the unit that day.
 */
export function visitSheet(org: Org, store: VisitStore, { scope, period }: SheetScope): TableSheet {
  return {
    name: '走访记录',
    title: `${org.district}巡回指导走访记录 · ${scope.label} · ${period.label}`,
    columns: [
      { header: '序号', key: 'n', kind: 'number', width: 6 },
      { header: '走访时间', key: 'at', kind: 'datetime', width: 17 },
      { header: '镇街', key: 'town', width: 10 },
      { header: '单位', key: 'unit', width: 16 },
      { header: '单位类型', key: 'kind', width: 8 },
      { header: '记录表', key: 'form', width: 8 },
      { header: '工作队', key: 'teams', width: 14 },
      { header: '走访人', key: 'visitor', width: 8 },
      { header: '记录表内容', key: 'formFields', width: 40 },
      { header: '检查内容', key: 'checked', width: 24 },
      { header: '发现问题', key: 'found', width: 24 },
      { header: '指导建议', key: 'advice', width: 24 },
      { header: '走访情况', key: 'note', width: 30 },
      { header: '照片', key: 'photos', kind: 'number', width: 6 },
      { header: '当天上报问题', key: 'issues', width: 14 },
    ],
    rows: visitRows(org, store, scope.unitIds, period.months),
  };
}

async function* visitRows(org: Org, store: VisitStore, unitIds: readonly string[], months: readonly string[] | undefined): AsyncGenerator<SheetRow> {
  let n = 0;
  // Each unit's issues are indexed once for the whole sheet, however many batches it spans.
  const cache = new Map<string, Map<string, number[]>>();
  for await (const batch of store.scan(unitIds, spanOfMonths(months))) {
    const links = await store.linkedIssues(batch, cache);
    for (const v of batch) yield visitRow(org, v, links.get(v.id) ?? [], ++n);
  }
}

const common = new Set<string>(COMMON_FIELDS);

function visitRow(org: Org, v: Visit, issues: readonly number[], n: number): SheetRow {
  const unit = org.unit(v.unitId);
  const field = (name: string) => v.fields.find((f) => f.name === name)?.value;
  return {
    n,
    at: v.at,
    town: unit?.town,
    unit: unit?.name ?? v.unitId,
    kind: unit?.kind,
    form: v.form,
    teams: org.teamsCovering(v.unitId).map((t) => t.name).join('、'),
    visitor: org.person(v.visitor)?.name ?? v.visitor,
    formFields: v.fields.filter((f) => !common.has(f.name)).map((f) => `${f.name}：${f.value}`).join('；') || undefined,
    checked: field('检查'),
    found: field('发现'),
    advice: field('建议'),
    note: v.note,
    photos: v.evidence.length,
    issues: issues.map((id) => `#${id}`).join(' ') || undefined,
  };
}
