import type { Figures } from '../domain/stats';

/**
 * The one line of the department's own tasks (/布置) under the figures of the problems found
 * (docs/design.md §4.10): how many task issues the scope has in the period, how many are done,
 * waiting to be verified and overdue. Undefined when there are none, so a ledger without tasks
 * reads exactly as before. Worded like the lines it sits under: /status separates with a wide
 * space, the summaries name it with a colon, the weekly 通报 quotes it and colours 逾期.
 */
export type TaskLineStyle = 'status' | 'summary' | 'bulletin';

export function taskLine(f: Figures | undefined, style: TaskLineStyle): string | undefined {
  if (!f?.found) return undefined;
  const overdue = style === 'bulletin' ? `逾期 <font color="warning">${f.overdue}</font>` : `逾期 ${f.overdue}`;
  const parts = [`${f.found} 项`, `完成 ${f.rectified}`, ...(f.submitted ? [`待核验 ${f.submitted}`] : []), overdue];
  if (style === 'status') return `布置任务 ${parts.join('　')}`;
  if (style === 'summary') return `布置任务：${parts.join('　')}`;
  return `> 布置任务：${parts.join('，')}`;
}
