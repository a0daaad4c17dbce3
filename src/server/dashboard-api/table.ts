import type { Org, Unit } from '../../domain/org';
import { rowFilter, type RowFilter } from '../../domain/issue-filter';
import { readTownWord, visibleUnits, type Scope } from '../../domain/visibility';
import { periodRange, type Period } from '../../parsing/period';
import type { LedgerTable } from '../../store/ledger-table';
import type { LedgerStore } from '../../store/ledger-store';
import type { ExportBody, TableQuery, TableResponse } from '../dashboard-contract';
import { tableRow } from './rows';
import { ApiRefusal, readScope, readView, type Viewer } from './view';

/**
 * GET /api/issues: the 台账 table of a scope and period, with its row filters (docs/design.md
 * §7.4, API). The unit and team filters are scope words, read and refused as the scope is (a
 * leader's other team's unit is a 403, not an empty table). The 镇街 filter keeps the rows of
 * the units the person may see in that town: a team of schools sees a town's schools, not the
 * whole town, and still filters by town; a town where they see no unit at all is a 403.
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
  if (q.town) {
    const town = readTownWord(v.org, q.town);
    if (!town) throw new ApiRefusal(400, { error: 'bad-town', message: `没有叫“${q.town}”的镇街，请在看板上重新选择` });
    const visible = visibleUnits(v.org, v.membership.userid);
    const seen = new Set(town.units.filter((u) => visible.has(u.id)).map((u) => u.id));
    if (!seen.size) throw new ApiRefusal(403, { error: 'outside-scope', message: `你没有查看“${town.town}”的权限` });
    units = units.filter((u) => seen.has(u.id));
    // The whole town, or the part of it the person sees (their area's units there).
    label = seen.size === town.units.length ? town.town : `${label}·${town.town}`;
  }
  narrow(q.unit, (org, w) => {
    const u = org.unit(w);
    return u ? { units: [u], label: `${u.town}${u.name}` } : undefined;
  });
  return { scope, period, named, units, label, filter: rowFilter(v.org, q) };
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
