import type { FiguresBody, FiguresResponse } from '../../src/server/dashboard-contract';
import { fill, h } from './dom';
import { pct } from './format';

/** The headline figures, in /status's words and order. */
const FIGURES: { key: keyof FiguresBody; label: string; rate?: boolean; tone?: string }[] = [
  { key: 'found', label: '发现' },
  { key: 'rectified', label: '已销号', tone: 'good' },
  { key: 'assigned', label: '整改中' },
  { key: 'submitted', label: '待核验' },
  { key: 'overdue', label: '逾期', tone: 'bad' },
  { key: 'rate', label: '整改率', rate: true },
  { key: 'onTimeRate', label: '按期整改率', rate: true },
];

export function renderFigures(el: HTMLElement, data: FiguresResponse): void {
  const f = data.figures;
  const cards = FIGURES.map(({ key, label, rate, tone }) =>
    h(
      'div',
      { class: `fig${tone ? ` fig-${tone}` : ''}`, attrs: { 'data-key': key } },
      h('span', { class: 'fig-label' }, label),
      h('span', { class: 'fig-value' }, rate ? pct(f[key]) : String(f[key] ?? 0)),
    ),
  );
  const t = data.tasks;
  const tasks = t.found
    ? h('p', { class: 'fig-tasks' }, `布置任务 ${t.found} 项：已完成 ${t.rectified}，整改中 ${t.assigned}，逾期 ${t.overdue}（不计入上面的问题数）`)
    : null;
  fill(el, ...cards, tasks);
}
