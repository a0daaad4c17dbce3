/**
 * A name as an ECharts label. richText tooltips (the only kind the page's CSP allows) wrap each
 * category name in ECharts' own rich-text markup, `{style|text}`, without escaping it: a unit
 * called "{a|x}" would be read as markup and shown garbled or restyled. The three markup
 * characters become their full-width forms, which read the same to a person.
 */
const FULL_WIDTH: Record<string, string> = { '{': '｛', '}': '｝', '|': '｜' };

export function chartLabel(name: string): string {
  return name.replace(/[{}|]/gu, (c) => FULL_WIDTH[c]!);
}

/** What the stacked bars are per, as the chart's caption names it. */
export const GROUP_NAMES = { team: '工作队', town: '镇街', unit: '单位' } as const;
