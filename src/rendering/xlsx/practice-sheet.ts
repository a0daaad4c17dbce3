import type { Org } from '../../domain/org';
import { spanOfMonths } from '../../domain/period-span';
import type { Practice } from '../../domain/practice';
import type { PracticeStore } from '../../store/practice-store';
import type { SheetRow, TableSheet } from './table-sheet';

/** A scope and period as a file request names them (jobs/files/file-request.ts). */
export interface SheetScope {
  scope: { label: string; unitIds: readonly string[] };
  period: { label: string; months?: readonly string[] | undefined };
}

/**
 * The 典型经验 sheet of the 台账 workbook: one row per practice of the scope recorded in the
 * period, oldest first, streamed from the store in batches.
 */
export function practiceSheet(org: Org, store: PracticeStore, { scope, period }: SheetScope): TableSheet {
  return {
    name: '典型经验',
    title: `${org.district}典型经验 · ${scope.label} · ${period.label}`,
    columns: [
      { header: '序号', key: 'n', kind: 'number', width: 6 },
      { header: '编号', key: 'ref', width: 10 },
      { header: '记录时间', key: 'at', kind: 'datetime', width: 17 },
      { header: '镇街', key: 'town', width: 10 },
      { header: '单位', key: 'unit', width: 16 },
      { header: '工作队', key: 'teams', width: 14 },
      { header: '典型经验做法', key: 'text', width: 60 },
      { header: '记录人', key: 'author', width: 8 },
      { header: '照片', key: 'photos', kind: 'number', width: 6 },
    ],
    rows: practiceRows(org, store, scope.unitIds, period.months),
  };
}

async function* practiceRows(org: Org, store: PracticeStore, unitIds: readonly string[], months: readonly string[] | undefined): AsyncGenerator<SheetRow> {
  let n = 0;
  for await (const batch of store.scan(unitIds, spanOfMonths(months))) for (const p of batch) yield practiceRow(org, p, ++n);
}

function practiceRow(org: Org, p: Practice, n: number): SheetRow {
  const unit = org.unit(p.unitId);
  return {
    n,
    ref: `典型 #${p.id}`,
    at: p.at,
    town: unit?.town,
    unit: unit?.name ?? p.unitId,
    teams: org.teamsCovering(p.unitId).map((t) => t.name).join('、'),
    text: p.text,
    author: org.person(p.author)?.name ?? p.author,
    photos: p.evidence.length,
  };
}

/**
 * The practices of a scope recorded in a period, oldest first: for the 季度小结 (a district
 * records tens of them a quarter, so they are returned whole).
 */
export async function practicesOf(store: PracticeStore, unitIds: readonly string[], months: readonly string[] | undefined): Promise<Practice[]> {
  const out: Practice[] = [];
  for await (const batch of store.scan(unitIds, spanOfMonths(months))) out.push(...batch);
  return out;
}
