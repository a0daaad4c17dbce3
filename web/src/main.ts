import type { ChartsResponse, ExportResponse, FiguresResponse, IssueResponse, MeResponse, ScoresResponse, TableResponse } from '../../src/server/dashboard-contract';
import { ApiFailure, fetchFile, getJson, postJson } from './api';
import type { Charts } from './charts';
import { GROUP_NAMES } from './labels';
import { byId, h, options } from './dom';
import { renderFigures } from './figures';
import { monthLabel, thisMonth } from './format';
import { IssueDialog } from './issue';
import { renderScores, scoresFailed } from './scores';
import { Ledger } from './table';
import { emptyFilters, exportBody, firstView, firstViewUrls, tableParams, viewParams } from './view';

/**
 * The dashboard page: reads who is signed in (/api/me), then draws the figures, charts, 台账 and
 * scores of the chosen scope and period. Everything the server says is put in as text.
 *
 * The first view's questions go out before anything else runs, and ECharts (the bulk of the
 * code) loads as its own chunk meanwhile: parsing it first would delay every answer.
 */
const view0 = firstView();
const firstFilters = emptyFilters();
const urls = firstViewUrls();
const early = {
  me: getJson<MeResponse>(urls.me),
  figures: getJson<FiguresResponse>(urls.figures),
  charts: getJson<ChartsResponse>(urls.charts),
  table: getJson<TableResponse>(urls.table),
};
// Refusals are read where each is awaited; until then none is "unhandled".
for (const p of Object.values(early)) p.catch(() => undefined);
/** The charts module's URL, set by the build (web/build.ts): ECharts is a module of its own. */
declare const CHARTS_MODULE: string;
/**
 * ECharts is fetched from the start (index.html's modulepreload) and run once the first
 * figures and 台账 are drawn: its start-up is the page's longest task, and run as soon as it
 * arrived it held their drawing back.
 */
let startCharts: () => void = () => undefined;
const chartsWanted = new Promise<void>((resolve) => (startCharts = resolve));
const chartsModule = chartsWanted.then(() => import(CHARTS_MODULE) as Promise<typeof import('./charts')>);
const parsed = new Promise<void>((resolve) => {
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', () => resolve(), { once: true });
  else resolve();
});

let notice: HTMLElement;

function say(message: string, tone: 'error' | 'info' = 'error'): void {
  notice.textContent = message;
  notice.className = `notice notice-${tone}`;
  notice.hidden = false;
}

function quiet(): void {
  notice.hidden = true;
}

/** 401 ends the page (the session is gone); anything else is said and the page stays usable. */
function failed(e: unknown): void {
  const f = e instanceof ApiFailure ? e : new ApiFailure(0, '页面出错了，请刷新重试');
  if (!(e instanceof ApiFailure)) console.error(e);
  say(f.message);
  if (f.status === 401) {
    byId('main').hidden = true;
    document.body.classList.add('signed-out');
  }
}

async function boot(): Promise<void> {
  await parsed;
  notice = byId('notice');
  let me: MeResponse;
  try {
    me = await early.me;
  } catch (e) {
    byId('booting').hidden = true;
    return failed(e);
  }
  byId('who-name').textContent = me.name;
  byId('who-roles').textContent = me.roles.join('、');
  byId('who-scope').textContent = `范围：${me.scope}`;

  const view = view0;
  const filters = firstFilters;
  const dialog = new IssueDialog();
  const ledger = new Ledger(filters, () => void loadTable(), (id) => void openIssue(id));
  ledger.offer(me.choices);
  offerScopes(byId<HTMLSelectElement>('scope'), me);
  offerMonths(byId<HTMLSelectElement>('from'), byId<HTMLSelectElement>('to'));
  byId('scores').hidden = !me.canSeeScores;
  byId('nav-scores').hidden = !me.canSeeScores;
  byId('booting').hidden = true;
  byId('main').hidden = false;

  // The charts wait for ECharts (the bulk of the code), nothing else does: the figures and
  // the 台账 are drawn as their answers come, the chart boxes say 加载中 until then.
  const boxes = { groups: byId('chart-groups'), trend: byId('chart-trend'), warning: byId('chart-warning'), overdue: byId('chart-overdue') };
  const charts: Promise<Charts> = chartsModule.then(({ Charts }) => new Charts(boxes));
  charts.catch((e: unknown) => {
    console.error(e);
    for (const el of Object.values(boxes)) el.parentElement?.classList.replace('is-loading', 'is-failed');
  });

  // Later answers win only if they are still the latest asked: a slow reply to an old filter
  // must not overwrite the new one.
  let viewTurn = 0;
  let tableTurn = 0;

  async function loadTable(asked?: Promise<TableResponse>): Promise<void> {
    const turn = ++tableTurn;
    ledger.loading();
    try {
      const data = await (asked ?? getJson<TableResponse>('/api/issues', tableParams(view, filters)));
      if (turn === tableTurn) ledger.render(data);
    } catch (e) {
      if (turn === tableTurn) failed(e);
    } finally {
      if (turn === tableTurn) ledger.loaded();
    }
  }

  async function loadFigures(turn: number, asked: Promise<FiguresResponse>): Promise<void> {
    const figures = await asked;
    if (turn !== viewTurn) return;
    byId('view-title').textContent = `${figures.scope} · ${figures.period}`;
    renderFigures(byId('figures'), figures);
  }

  async function loadCharts(turn: number, asked: Promise<ChartsResponse>): Promise<void> {
    const chartData = await asked;
    if (turn !== viewTurn) return;
    byId('groups-title').textContent = `各${GROUP_NAMES[chartData.groups.by]}问题状态`;
    const drawer = await charts.catch(() => undefined);
    if (drawer && turn === viewTurn) await drawer.draw(chartData);
  }

  /**
   * The view's panels, each drawn when its own answer is in; resolves with the moment the
   * figures and the 台账 were shown (the first view's budget is read from it), after the charts.
   */
  async function loadView(asked?: Omit<typeof early, 'me'>): Promise<number | undefined> {
    const turn = ++viewTurn;
    const params = viewParams(view);
    // The scores come when they come: the first view is the figures, the table and the charts.
    if (me.canSeeScores) void loadScores(turn, params);
    const figures = loadFigures(turn, asked?.figures ?? getJson<FiguresResponse>('/api/figures', params));
    const table = loadTable(asked?.table);
    const drawn = loadCharts(turn, asked?.charts ?? getJson<ChartsResponse>('/api/charts', params));
    // Read below, after the figures: a refusal meanwhile is not "unhandled".
    drawn.catch(() => undefined);
    try {
      await Promise.all([figures, table]);
      const shown = performance.now();
      startCharts();
      await drawn;
      if (turn === viewTurn) quiet();
      return shown;
    } catch (e) {
      if (turn === viewTurn) failed(e);
      startCharts();
      // Every panel's refusal is read here or above: none is left unhandled.
      await Promise.allSettled([figures, drawn]);
      return undefined;
    }
  }

  async function loadScores(turn: number, params: ReturnType<typeof viewParams>): Promise<void> {
    try {
      const scores = await getJson<ScoresResponse>('/api/scores', params);
      if (turn === viewTurn) renderScores(scores);
    } catch (e) {
      if (turn !== viewTurn) return;
      scoresFailed(e instanceof ApiFailure ? e.message : '页面出错了，请刷新重试');
      if (e instanceof ApiFailure && e.status === 401) failed(e);
    }
  }

  async function openIssue(id: number): Promise<void> {
    dialog.loading(`#${id}`);
    try {
      dialog.show(await getJson<IssueResponse>(`/api/issues/${id}`));
    } catch (e) {
      dialog.failed(e instanceof ApiFailure ? e.message : '读取失败，请重试');
      if (e instanceof ApiFailure && e.status === 401) failed(e);
    }
  }

  const scope = byId<HTMLSelectElement>('scope');
  const period = byId<HTMLSelectElement>('period');
  const from = byId<HTMLSelectElement>('from');
  const to = byId<HTMLSelectElement>('to');
  const range = byId('range');
  const readView = () => {
    view.scope = scope.value;
    view.period = period.value;
    range.hidden = period.value !== 'custom';
    if (period.value === 'custom' && from.value > to.value) to.value = from.value;
    view.from = from.value;
    view.to = to.value;
    filters.page = 1;
    void loadView();
  };
  for (const el of [scope, period, from, to]) el.addEventListener('change', readView);

  const exportButton = byId<HTMLButtonElement>('export');
  exportButton.hidden = !me.canExport;
  exportButton.addEventListener('click', async () => {
    exportButton.disabled = true;
    say('正在生成台账，请稍候…', 'info');
    try {
      const file = await postJson<ExportResponse>('/api/export', exportBody(view, filters), me.csrf);
      const blob = await fetchFile(file.url);
      // Saved under the workbook's Chinese name, from memory: the page stays as it is.
      const href = URL.createObjectURL(blob);
      const link = h('a', { attrs: { href, download: file.name } });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(href), 60_000);
      // A phone's in-app browser (WeCom's) often ignores a download from memory: the signed
      // link itself, opened as an ordinary link, is the way that always works there.
      say(`已导出 ${file.name}`, 'info');
      notice.append('　', h('a', { class: 'file-link', attrs: { href: sameOrigin(file.url) } }, '如未自动下载，点此下载'));
    } catch (e) {
      failed(e);
    } finally {
      exportButton.disabled = false;
    }
  });

  const shown = await loadView(early);
  // The moments the first view's figures and 台账 were shown, and the view was complete (the
  // four charts drawn too): the browser tests read them to hold the page to its load budget.
  if (shown !== undefined) performance.mark('dashboard-figures', { startTime: shown });
  performance.mark('dashboard-ready');
  document.documentElement.dataset.ready = '1';
}

/** A link of this server as a path: PUBLIC_URL may name the origin otherwise (see fetchFile). */
function sameOrigin(url: string): string {
  const u = new URL(url, location.href);
  return `${u.pathname}${u.search}`;
}

/**
 * The custom range's months as selects of Chinese labels ("2026年6月"), newest first, this month
 * chosen: a month <input> is drawn in the browser's own language ("December 2026"), whatever the
 * page's lang. Five years back: the ledger's counters keep every discovery month.
 */
function offerMonths(from: HTMLSelectElement, to: HTMLSelectElement): void {
  const now = thisMonth();
  const [y, m] = now.split('-').map(Number) as [number, number];
  const months: { value: string; label: string }[] = [];
  for (let i = y * 12 + m - 1; i >= (y - 5) * 12; i--) {
    const value = `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
    months.push({ value, label: monthLabel(value) });
  }
  for (const select of [from, to]) {
    options(select, months, false);
    select.value = now;
  }
}

/** The person's own area first (the default), then what /api/me offers, by kind. */
function offerScopes(select: HTMLSelectElement, me: MeResponse): void {
  const own = h('option', { attrs: { value: '' } }, `我的范围：${me.scope}`);
  const group = (label: string, items: { value: string; label: string }[]) =>
    items.length ? h('optgroup', { attrs: { label } }, ...items.map((i) => h('option', { attrs: { value: i.value } }, i.label))) : null;
  const c = me.choices;
  select.replaceChildren(
    own,
    ...[
      group('工作队', c.teams.filter((t) => t.name !== me.scope).map((t) => ({ value: t.name, label: t.name }))),
      group('镇街', (c.scopeTowns).filter((t) => t !== me.scope).map((t) => ({ value: t, label: t }))),
      group('单位', c.units.map((u) => ({ value: `${u.town}${u.name}`, label: `${u.town} ${u.name}` }))),
    ].filter((g): g is HTMLOptGroupElement => g !== null),
  );
}

void boot();
