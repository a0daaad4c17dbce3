import type { FiguresBody, FiguresResponse } from '../../src/server/dashboard-contract';
import { fill, h } from './dom';
import { pct } from './format';

type Card = { key: keyof FiguresBody; label: string; show?: (v: number | undefined) => string; tone?: string };

/** /status's "平均 2.5 天销号" as a card's value: "2.5 天"; a same-day close "不到 1 天". */
const days = (v: number | undefined) => (v === undefined ? '—' : v < 1 ? '不到 1 天' : `${v.toFixed(1)} 天`);

/** The headline figures, in /status's words and order; its two quieter ones as small cards after. */
const FIGURES: Card[] = [
  { key: 'found', label: '发现' },
  { key: 'rectified', label: '已销号', tone: 'good' },
  { key: 'assigned', label: '整改中' },
  { key: 'submitted', label: '待核验' },
  { key: 'overdue', label: '逾期', tone: 'bad' },
  { key: 'rate', label: '整改率', show: pct },
  { key: 'onTimeRate', label: '按期整改率', show: pct },
];
const SMALL: Card[] = [
  { key: 'reported', label: '待交办' },
  { key: 'avgDaysToClose', label: '平均整改天数', show: days },
];

export function renderFigures(el: HTMLElement, data: FiguresResponse): void {
  const f = data.figures;
  const card = ({ key, label, show, tone }: Card, small = false) =>
    h(
      'div',
      { class: `fig${small ? ' fig-small' : ''}${tone ? ` fig-${tone}` : ''}`, attrs: { 'data-key': key } },
      h('span', { class: 'fig-label' }, label),
      h('span', { class: 'fig-value' }, show ? show(f[key]) : String(f[key] ?? 0)),
    );
  const cards = [...FIGURES.map((c) => card(c)), ...SMALL.map((c) => card(c, true))];
  const t = data.tasks;
  const tasks = t.found
    ? h('p', { class: 'fig-tasks' }, `布置任务 ${t.found} 项：已完成 ${t.rectified}，整改中 ${t.assigned}，逾期 ${t.overdue}（不计入上面的问题数）`)
    : null;
  fill(el, ...cards, tasks);
}
