import type { ScoresResponse } from '../../src/server/dashboard-contract';
import { byId, fill, h } from './dom';
import { day } from './format';

export function renderScores(d: ScoresResponse): void {
  byId('scores-error').hidden = true;
  byId('scores-scope').textContent = `${d.scope} · ${d.period}`;
  const body = byId<HTMLTableElement>('ranking').tBodies[0]!;
  const cells = (labels: string[], values: (string | number)[]) => values.map((v, i) => h('td', { attrs: { 'data-label': labels[i] } }, String(v)));
  const labels = ['名次', '单位', '镇街', '得分', '扣分', '加分'];
  fill(
    body,
    ...(d.rows.length
      ? d.rows.map((r) => h('tr', {}, ...cells(labels, [r.rank, r.unit, r.town, r.score.toFixed(1), r.deducted ? `-${r.deducted}` : '0', r.bonus ? `+${r.bonus}` : '0'])))
      : [h('tr', { class: 'none' }, h('td', { attrs: { colspan: '6' } }, '这个范围和时段还没有考核数据'))]),
  );
  fill(
    byId('practices'),
    ...(d.practices.length
      ? d.practices.map((p) => h('li', {}, h('span', { class: 'practice-title' }, p.title), h('span', { class: 'muted' }, `${p.unit} · ${day(p.at)} · ${p.by}`)))
      : [h('li', { class: 'muted' }, '暂无典型经验')]),
  );
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
  fill(byId<HTMLTableElement>('ranking').tBodies[0]!);
  fill(byId('practices'));
}
