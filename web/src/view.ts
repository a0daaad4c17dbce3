import type { ExportBody, TableQuery } from '../../src/server/dashboard-contract';

/** What the page is looking at: the scope and period of every panel, and the table's filters. */
export interface View {
  scope: string;
  /** 本月/本季度/本年, '' for 累计, 'custom' for the month range. */
  period: string;
  from: string;
  to: string;
}

export type Filters = Pick<TableQuery, 'sort' | 'order' | 'page' | 'size'> & {
  state: string;
  town: string;
  unit: string;
  team: string;
  overdue: string;
  category: string;
  q: string;
};

export const PAGE_SIZE = 20;

export function emptyFilters(): Filters {
  return { state: '', town: '', unit: '', team: '', overdue: '', category: '', q: '', sort: 'age', order: 'desc', page: 1, size: PAGE_SIZE };
}

type Params = Record<string, string | number | undefined>;

/** Query values left empty are not sent: the server's default applies. */
export function search(params: Params): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** The view a page opens on: the person's own area, 累计, no filter. */
export const firstView = (): View => ({ scope: '', period: '', from: '', to: '' });

/**
 * What the first view asks, as URLs. The build names them in index.html as preloads (web/build.ts),
 * so the browser asks them while the page's script is still on its way; the page's own requests
 * are the same URLs and take the preloaded answers.
 */
export function firstViewUrls(): { me: string; figures: string; charts: string; table: string } {
  const v = firstView();
  return {
    me: '/api/me',
    figures: `/api/figures${search(viewParams(v))}`,
    charts: `/api/charts${search(viewParams(v))}`,
    table: `/api/issues${search(tableParams(v, emptyFilters()))}`,
  };
}

/** The ViewQuery of the view: a custom range sends its months, else the period word. */
export function viewParams(v: View): Params {
  if (v.period === 'custom') return { scope: v.scope, from: v.from, to: v.to };
  return { scope: v.scope, period: v.period };
}

export function tableParams(v: View, f: Filters): Params {
  return { ...viewParams(v), ...f };
}

/** The export's body: the table's filters without its paging and order. */
export function exportBody(v: View, f: Filters): ExportBody {
  const body: Record<string, string> = {};
  const all: Params = { ...viewParams(v), state: f.state, town: f.town, unit: f.unit, team: f.team, overdue: f.overdue, category: f.category, q: f.q };
  for (const [k, val] of Object.entries(all)) if (val !== undefined && val !== '') body[k] = String(val);
  return body as ExportBody;
}
