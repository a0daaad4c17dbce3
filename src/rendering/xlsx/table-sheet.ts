/**
 * A plain table for one sheet of a workbook (考核, 典型经验, 走访记录 …): the module that owns the
 * data describes it, the workbook writer lays it out (title row, frozen header, autofilter,
 * widths that fit Chinese text). Date columns hold epoch milliseconds; the writer shows them as
 * Shanghai wall-clock dates.
 */
export interface SheetColumn {
  header: string;
  key: string;
  kind?: 'text' | 'number' | 'date' | 'datetime' | 'percent';
  /** Width in characters; the writer estimates one from the header and the first rows when unset. */
  width?: number;
}

export type SheetValue = string | number | undefined;
export type SheetRow = Record<string, SheetValue>;

export interface TableSheet {
  name: string;
  /** The title row's text, e.g. "示例区百分量化考核 · 2026年第4季度". */
  title: string;
  columns: SheetColumn[];
  rows: Iterable<SheetRow> | AsyncIterable<SheetRow>;
}
