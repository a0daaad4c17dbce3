import type { Org, Unit } from '../../domain/org';
import { rowFilter, type RowFilter } from '../../domain/issue-filter';
import { visibleUnits, type Scope } from '../../domain/visibility';
import { periodRange, type Period } from '../../parsing/period';
import type { LedgerTable } from '../../store/ledger-table';
import type { LedgerStore } from '../../store/ledger-store';
import type { ExportBody, TableQuery, TableResponse } from '../dashboard-contract';
import { tableRow } from './rows';
import { ApiRefusal, readScope, readView, type Viewer } from './view';

/**
 * GET /api/issues: the 台账 table of a scope and period, with its row filters (docs/design.md
 * §7.4, API). The town, unit and team filters are scope words, read and refused as the scope
 * is (a leader's other team's town is a 403, not an empty table); the rest filter rows.
 */
export interface TableView {
  scope: Scope;
  period: Period;
  /** The scope narrowed by the town, unit and team filters, and what people call that. */
  units: Unit[];
  label: string;
  filter: RowFilter;
}

type Narrowing = Pick<ExportBody, 'scope' | 'period' | 'from' | 'to' | 'town' | 'unit' | 'team' | 'state' | 'overdue' | 'category' | 'q'>;

export function readTableView(v: Viewer, q: Narrowing): TableView & { named: boolean } {
  const { scope, period, named } = readView(v, q);
  let units = scope.units;
  let label = scope.label;
  const narrow = (word: string | undefined, byId: (org: Org, word: string) => { units: Unit[]; label: string } | undefined) => {
    if (!word) return;
    // An id from /api/me's choices, else the word as the chat reads it.
    const own = byId(v.org, word);
    let keep: Scope;
    if (own) {
      const visible = visibleUnits(v.org, v.membership.userid);
      if (!own.units.every((u) => visible.has(u.id))) throw new ApiRefusal(403, { error: 'outside-scope', message: `你没有查看“${own.label}”的权限` });
      keep = own;
    } else keep = readScope(v, word).scope;
    const ids = new Set(keep.units.map((u) => u.id));
    units = units.filter((u) => ids.has(u.id));
    label = keep.label;
  };
  narrow(q.team, (org, w) => {
    const team = org.team(w);
    return team ? { units: team.coveredUnitIds.map((id) => org.unit(id)!), label: team.name } : undefined;
  });
  narrow(q.town, () => undefined);
  narrow(q.unit, (org, w) => {
    const u = org.unit(w);
    return u ? { units: [u], label: `${u.town}${u.name}` } : undefined;
  });
  return { scope, period, named, units, label, filter: rowFilter(v.org.checklist, q) };
}

export async function tableResponse(v: Viewer, q: TableQuery, table: LedgerTable, ledger: LedgerStore): Promise<TableResponse> {
  const view = readTableView(v, q);
  const page = await table.query({
    unitIds: new Set(view.units.map((u) => u.id)),
    range: periodRange(view.period),
    filter: view.filter,
    sort: q.sort,
    order: q.order,
    offset: (q.page - 1) * q.size,
    limit: q.size,
    now: v.now,
  });
  const issues = page.ids.length ? await ledger.getMany(page.ids) : [];
  return { total: page.total, page: q.page, size: q.size, rows: issues.map((i) => tableRow(v.org, i, v.now)) };
}
