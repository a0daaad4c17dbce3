import type { ChecklistItem } from '../../config/org-schema';
import { isOpen, roundRef, type Round } from '../../domain/round';
import type { ItemCount, RoundFigures } from '../../domain/round-figures';
import type { Org } from '../../domain/org';
import type { SheetScope } from './practice-sheet';
import type { SheetColumn, SheetRow, TableSheet } from './table-sheet';

/**
 * The 巡查 sheets of the 台账 workbook (docs/design.md §4.19): 巡查轮次 — one row per round of
 * the file's scope and period, with its coverage and problems on the scope's part of it — and
 * 检查项目 — one row per checklist item, problems by state and per round. The data is read by
 * the provider (jobs/files/round-sheets.ts); these only describe the tables.
 */
export function roundSheet(org: Org, figures: readonly RoundFigures[], { scope, period }: SheetScope): TableSheet {
  return {
    name: '巡查轮次',
    title: `${org.district}巡查轮次 · ${scope.label} · ${period.label}`,
    columns: [
      { header: '序号', key: 'n', kind: 'number', width: 6 },
      { header: '编号', key: 'ref', width: 10 },
      { header: '名称', key: 'name', width: 14 },
      { header: '范围', key: 'scope', width: 16 },
      { header: '开始时间', key: 'openedAt', kind: 'datetime', width: 17 },
      { header: '结束时间', key: 'closedAt', kind: 'datetime', width: 17 },
      { header: '状态', key: 'state', width: 8 },
      { header: '单位数', key: 'units', kind: 'number', width: 8 },
      { header: '已覆盖', key: 'covered', kind: 'number', width: 8 },
      { header: '覆盖率', key: 'rate', kind: 'percent', width: 8 },
      { header: '发现问题', key: 'found', kind: 'number', width: 8 },
      { header: '未完成', key: 'open', kind: 'number', width: 8 },
      { header: '已销号', key: 'closed', kind: 'number', width: 8 },
      { header: '逾期', key: 'overdue', kind: 'number', width: 6 },
    ],
    rows: figures.map((f, i) => ({
      n: i + 1,
      ref: roundRef(f.round.id),
      name: f.round.name,
      scope: f.round.scopeLabel,
      openedAt: f.round.openedAt,
      closedAt: f.round.closedAt,
      state: isOpen(f.round) ? '进行中' : '已结束',
      units: f.unitIds.length,
      covered: f.covered,
      rate: f.rate,
      found: f.found,
      open: f.open,
      closed: f.closed,
      overdue: f.overdue,
    })),
  };
}

/** Per-round columns of the 检查项目 sheet: the newest rounds, oldest first. */
export const ITEM_SHEET_ROUNDS = 12;

export function checklistSheet(
  org: Org,
  items: readonly ChecklistItem[],
  counts: readonly ItemCount[],
  perRound: ReadonlyMap<number, ReadonlyMap<ChecklistItem | undefined, number>>,
  rounds: readonly Round[],
  { scope, period }: SheetScope,
): TableSheet {
  const shown = rounds.slice(-ITEM_SHEET_ROUNDS);
  const columns: SheetColumn[] = [
    { header: '序号', key: 'n', kind: 'number', width: 6 },
    { header: '编号', key: 'code', width: 8 },
    { header: '检查项目', key: 'name', width: 18 },
    { header: '发现问题', key: 'found', kind: 'number', width: 8 },
    { header: '未完成', key: 'open', kind: 'number', width: 8 },
    { header: '已销号', key: 'closed', kind: 'number', width: 8 },
    { header: '逾期', key: 'overdue', kind: 'number', width: 6 },
    ...shown.map((r): SheetColumn => ({ header: `${roundRef(r.id)} ${r.name}`, key: `r${r.id}`, kind: 'number' })),
  ];
  const byItem = new Map(counts.map((c) => [c.item, c]));
  const row = (item: ChecklistItem | undefined, n: number | undefined): SheetRow => {
    const c = byItem.get(item);
    const out: SheetRow = { n, code: item?.code, name: item?.name ?? '未归入检查项目', found: c?.found ?? 0, open: c?.open ?? 0, closed: c?.closed ?? 0, overdue: c?.overdue ?? 0 };
    for (const r of shown) out[`r${r.id}`] = perRound.get(r.id)?.get(item) ?? 0;
    return out;
  };
  const rows = items.map((item, i) => row(item, i + 1));
  if (byItem.has(undefined)) rows.push(row(undefined, undefined));
  return { name: '检查项目', title: `${org.district}巡查检查项目 · ${scope.label} · ${period.label}`, columns, rows };
}
