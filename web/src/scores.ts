import type { ScoreLine, ScoresResponse } from '../../src/server/dashboard-contract';
import { byId, fill, h } from './dom';
import { day } from './format';

/**
 * The 考核 box in /考核's words: the 工作队 ranking first (what /考核 ranks by default), the
 * units below, each row's ledger 扣分 apart from the 组织部's 加减分, and the "计分截至" line.
 */
/** Rows a ranking shows before 展开全部: a district has dozens of units, nearly all at 100. */
export const SHOWN_ROWS = 10;

const points = (v: number) => String(Math.round(Math.abs(v) * 100) / 100);
/** "−3" for points the ledger took, "0" for none ("−" is the chat's minus). */
const deducted = (v: number) => (v ? `−${points(v)}` : '0');
/** "+2", "−1", "0": the 组织部's entries, net. */
const adjusted = (v: number) => (v > 0 ? `+${points(v)}` : v < 0 ? `−${points(v)}` : '0');

type Part = 'teams' | 'units';

export function renderScores(d: ScoresResponse): void {
  byId('scores-error').hidden = true;
  byId('scores-title').textContent = d.words.title;
  byId('scores-scope').textContent = `${d.scope} · ${d.period}`;
  byId('scores-asof').textContent = d.words.asOf;
  const parts: Part[] = d.teams.length ? ['teams', 'units'] : ['units'];
  fill(byId('rankings'), ...parts.map((part) => ranking(d, part)));
  fill(
    byId('practices'),
    ...(d.practices.length
      ? d.practices.map((p) => h('li', {}, h('span', { class: 'practice-title' }, p.title), h('span', { class: 'muted' }, `${p.unit} · ${day(p.at)} · ${p.by}`)))
      : [h('li', { class: 'muted' }, '暂无典型经验')]),
  );
}

/** One ranking as a table, with its 展开全部 when it is long. */
function ranking(d: ScoresResponse, part: Part): HTMLElement {
  const lines = d[part];
  const w = d.words;
  const heads = ['名次', part === 'teams' ? '工作队' : '单位', w.score, w.deducted, w.adjusted];
  const body = h('tbody');
  const table = h('table', { class: 'ranking', attrs: { id: `ranking-${part}` } }, h('thead', {}, h('tr', {}, ...heads.map((x) => h('th', {}, x)))), body);
  const toggle = h('button', { class: 'btn-quiet more', attrs: { type: 'button' } });
  let all = false;
  const draw = () => {
    fill(body, ...(lines.length ? rowsOf(lines, all, heads) : [h('tr', { class: 'none' }, h('td', { attrs: { colspan: '5' } }, '这个范围和时段还没有考核数据'))]));
    toggle.textContent = all ? '收起' : `展开全部（共 ${lines.length} 个）`;
  };
  toggle.hidden = lines.length <= SHOWN_ROWS;
  toggle.addEventListener('click', () => {
    all = !all;
    draw();
  });
  draw();
  return h('div', { class: `rank-part rank-${part}` }, h('h3', {}, part === 'teams' ? w.teams : w.units), h('div', { class: 'table-wrap' }, table), toggle);
}

/**
 * A long ranking folded as /考核 folds it in the chat: those a bonus lifted, the many still at
 * 100 in one line in their place, those that lost points; a changed unit is never the 40th row.
 */
function rowsOf(lines: ScoreLine[], all: boolean, heads: string[]): HTMLElement[] {
  const row = (l: ScoreLine) =>
    h(
      'tr',
      { attrs: { 'data-id': l.id } },
      ...[String(l.rank), l.town ? h('span', {}, h('span', { class: 'muted town' }, l.town), ' ', l.name) : l.name, l.scoreText, deducted(l.deducted), adjusted(l.adjusted)].map((v, i) =>
        h('td', { attrs: { 'data-label': heads[i] } }, v),
      ),
    );
  if (all || lines.length <= SHOWN_ROWS) return lines.map(row);
  const above = lines.filter((l) => l.score > 100);
  const below = lines.filter((l) => l.score < 100);
  const full = lines.filter((l) => l.score === 100);
  const moved = [...above, ...below].slice(0, SHOWN_ROWS);
  const shownAbove = moved.slice(0, Math.min(above.length, SHOWN_ROWS));
  const names = full.slice(0, 5).map((l) => l.name).join('、');
  const fold = full.length
    ? h('tr', { class: 'fold' }, h('td', { attrs: { colspan: '5' } }, `${moved.length ? '' : '全部 '}${full.length} 个 100 分（并列第 ${above.length + 1}）：${names}${full.length > 5 ? ' 等' : ''}`))
    : null;
  return [...shownAbove.map(row), ...(fold ? [fold] : []), ...moved.slice(shownAbove.length).map(row)];
}

/**
 * The scores could not be read for this view: the box says why and shows nothing else, as a
 * ranking left from the previous scope would be read as this one's. Said inside the box, not in
 * the page's banner, which the view's own answers clear.
 */
export function scoresFailed(message: string): void {
  const error = byId('scores-error');
  error.textContent = `考核数据读取失败：${message}`;
  error.hidden = false;
  byId('scores-scope').textContent = '';
  byId('scores-asof').textContent = '';
  fill(byId('rankings'));
  fill(byId('practices'));
}
