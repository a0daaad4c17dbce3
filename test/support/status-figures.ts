import type { Figures } from '../../src/domain/stats';

/** The headline figures of a /status reply, named as the figures API names them (rates as shown). */
export function statusFigures(text: string): Record<string, number | string> {
  const n = (re: RegExp) => Number(re.exec(text)![1]);
  return {
    found: n(/发现 (\d+)/u),
    rectified: n(/已销号 (\d+)/u),
    overdue: n(/逾期 (\d+)/u),
    assigned: n(/整改中 (\d+)/u),
    submitted: n(/待核验 (\d+)/u),
    reported: n(/待交办 (\d+)/u),
    rate: /\n整改率 (\S+)/u.exec(text)![1]!,
    onTimeRate: /按期整改率 (\S+)/u.exec(text)![1]!,
  };
}

/** A rate as /status writes it. */
export const pct = (v: number | undefined): string => (v === undefined ? '—' : `${v.toFixed(1)}%`);

/** The figures API's answer in statusFigures' shape. */
export const shownFigures = (f: Figures): Record<string, number | string> => ({
  found: f.found,
  rectified: f.rectified,
  overdue: f.overdue,
  assigned: f.assigned,
  submitted: f.submitted,
  reported: f.reported,
  rate: pct(f.rate),
  onTimeRate: pct(f.onTimeRate),
});
