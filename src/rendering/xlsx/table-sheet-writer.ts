import type { stream } from 'exceljs';
import {
  cellText,
  excelDate,
  FIRST_DATA_ROW,
  fitWidth,
  frozenViews,
  printSetup,
  setAutoFilter,
  sheetName,
  writeTitleAndHeader,
  type CellKind,
  type RowTone,
  type SheetStyles,
} from './sheet-layout';
import type { SheetColumn, SheetRow, SheetValue, TableSheet } from './table-sheet';

/** Rows read ahead to size the columns that give no width (the rest stream straight through). */
const SAMPLE_ROWS = 200;
const TEXT_MIN = 6;
/** Wider text wraps instead: a 200-character note in one line makes the sheet unreadable. */
const TEXT_MAX = 48;
const FIXED_WIDTH: Partial<Record<NonNullable<SheetColumn['kind']>, number>> = { date: 12, datetime: 17 };

export interface TableSheetOptions {
  /** Columns kept in view when scrolling right (e.g. the name column). */
  frozenColumns?: number;
  /** A row's fill (the 合计 row of a summary, a 三色预警 row). */
  toneOf?: (row: SheetRow) => RowTone;
}

/**
 * Lays any TableSheet out in a streaming workbook with the shared layout: title row, frozen
 * header, autofilter, widths from the header and the first rows (CJK counting double), dates as
 * Shanghai wall-clock Excel dates, user text as text. Resolves with the sheet's name (made
 * valid and unique) and its number of data rows.
 */
export async function writeTableSheet(
  wb: stream.xlsx.WorkbookWriter,
  sheet: TableSheet,
  styles: SheetStyles,
  taken: Set<string>,
  opts: TableSheetOptions = {},
): Promise<{ name: string; rows: number }> {
  const name = sheetName(sheet.name, taken);
  taken.add(name);
  const rows = iterate(sheet.rows);
  const sample: SheetRow[] = [];
  let next = await rows.next();
  while (!next.done && sample.length < SAMPLE_ROWS) {
    sample.push(next.value);
    next = await rows.next();
  }

  const layout = sheet.columns.map((c) => columnLayout(c, sample));
  const ws = wb.addWorksheet(name, { views: frozenViews(opts.frozenColumns ?? 0), pageSetup: printSetup() });
  ws.columns = layout.map((l) => ({ key: l.column.key, width: l.width }));
  writeTitleAndHeader(ws, styles, sheet.title, sheet.columns.map((c) => c.header));

  let n = 0;
  const put = (row: SheetRow) => {
    const r = ws.getRow(FIRST_DATA_ROW + n++);
    const tone = opts.toneOf?.(row) ?? 'plain';
    layout.forEach((l, i) => {
      const cell = r.getCell(i + 1);
      const v = cellValue(l.column, row[l.column.key]);
      if (v !== undefined) cell.value = v;
      cell.style = styles.cell(l.kind, tone);
    });
    r.commit();
  };
  for (const row of sample) put(row);
  while (!next.done) {
    put(next.value);
    next = await rows.next();
  }
  setAutoFilter(ws, sheet.columns.length, FIRST_DATA_ROW + n - 1);
  ws.commit();
  return { name, rows: n };
}

interface ColumnLayout {
  column: SheetColumn;
  kind: CellKind;
  width: number;
}

function columnLayout(column: SheetColumn, sample: readonly SheetRow[]): ColumnLayout {
  const kind = column.kind ?? 'text';
  const texts = [column.header, ...sample.map((r) => shown(column, r[column.key]))];
  if (kind === 'text') {
    const width = column.width ?? fitWidth(texts, TEXT_MIN, TEXT_MAX);
    // Text wider than its column wraps (a note, a practice's description); short text stays on one line.
    const wraps = texts.some((t) => fitWidth([t], 0, Number.MAX_SAFE_INTEGER) > width);
    return { column, kind: wraps ? 'wrap' : 'text', width };
  }
  const width = column.width ?? Math.max(FIXED_WIDTH[kind] ?? 0, fitWidth(texts, 8, 20));
  return { column, kind: kind === 'number' ? numberKind(column, sample) : kind, width };
}

/** Whole numbers read "12"; a column with fractions (scores, days) keeps one decimal. */
function numberKind(column: SheetColumn, sample: readonly SheetRow[]): CellKind {
  return sample.some((r) => typeof r[column.key] === 'number' && !Number.isInteger(r[column.key])) ? 'decimal' : 'number';
}

function shown(column: SheetColumn, v: SheetValue): string {
  if (v === undefined) return '';
  if (typeof v === 'number' && (column.kind === 'date' || column.kind === 'datetime')) return column.kind === 'date' ? '2026-01-01' : '2026-01-01 00:00';
  return String(v);
}

function cellValue(column: SheetColumn, v: SheetValue): string | number | Date | undefined {
  if (v === undefined || v === '') return undefined;
  switch (column.kind) {
    case 'date':
    case 'datetime':
      return typeof v === 'number' && Number.isFinite(v) ? excelDate(v) : cellText(String(v));
    case 'number':
    case 'percent':
      return typeof v === 'number' && Number.isFinite(v) ? v : cellText(String(v));
    default:
      return typeof v === 'number' ? v : cellText(v);
  }
}

function iterate(rows: TableSheet['rows']): AsyncIterator<SheetRow> {
  if (Symbol.asyncIterator in rows) return rows[Symbol.asyncIterator]();
  const it = rows[Symbol.iterator]();
  return { next: () => Promise.resolve(it.next()) };
}
