import type { Alignment, Borders, Fill, Font, Style, Worksheet } from 'exceljs';
import { SHANGHAI_OFFSET_MS } from '../../domain/time';

/**
 * The layout every sheet of duban's workbooks shares: a title row, a header row frozen under
 * it, an autofilter over the table, widths that fit Chinese text, Shanghai wall-clock dates and
 * user text that stays text. Written for exceljs's streaming writer, where a row is gone once
 * committed and columns must be sized before the first row.
 */

/** Row 1 is the title, row 2 the header; the data starts at row 3. */
export const TITLE_ROW = 1;
export const HEADER_ROW = 2;
export const FIRST_DATA_ROW = 3;

/** Excel's cell text limit is 32 767 characters; keep some room for the guard prefix. */
const MAX_CELL_CHARS = 32_000;

/**
 * Characters XML 1.0 cannot carry (C0 controls other than tab and line feed, DEL, C1 controls,
 * U+FFFE/U+FFFF) and invisible format characters (bidi overrides, zero-width space, BOM): a
 * workbook holding the first does not open, the second hide or reorder text.
 */
const UNWANTED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]|[\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/gu;
/** A lone surrogate would be written as U+FFFD anyway; drop it rather than show a box. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;
/**
 * What a spreadsheet reads as the start of a formula (OWASP's CSV-injection list). exceljs stores
 * strings as strings, so Excel never evaluates them; but re-saved as CSV or edited in the cell
 * they would become live. An apostrophe first keeps them text everywhere, as Excel itself does.
 */
const FORMULA_START = /^[=+\-@\t\r]/u;

/** Anything the slow path below would change (most text has none: one test, then done). */
const NEEDS_CLEANING = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff\u200b\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff\u2028\u2029\ud800-\udfff]/u;

/** User text as a cell value: one kind of line break, no control characters, never a formula. */
export function cellText(text: string | undefined): string {
  if (!text) return '';
  let t = text;
  if (NEEDS_CLEANING.test(t)) t = t.replace(/\r\n?|[\u0085\u2028\u2029]/gu, '\n').replace(UNWANTED, '').replace(LONE_SURROGATE, '');
  if (t.length > MAX_CELL_CHARS) t = `${t.slice(0, MAX_CELL_CHARS)}…`;
  return FORMULA_START.test(t) ? `'${t}` : t;
}

/**
 * An epoch time as Excel should show it. Excel dates have no time zone and exceljs writes a
 * Date's UTC fields, so the Date handed over carries the Shanghai wall-clock time in its UTC
 * fields (15:00 in Shanghai reads 15:00, not 07:00), whatever TZ the process runs with.
 */
export function excelDate(ms: number): Date {
  // To the minute, down: the cells show minutes, and Excel rounds — a deadline at the end of a
  // day (23:59:59.999) would read as 00:00 of the next day.
  return new Date(Math.floor((ms + SHANGHAI_OFFSET_MS) / 60_000) * 60_000);
}

/** Columns a text takes in Excel's width unit (one per Latin character): CJK and emoji take two. */
export function displayWidth(text: string): number {
  let w = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    w += isWide(cp) ? 2 : 1;
  }
  return w;
}

/** East Asian Wide and Fullwidth ranges (UAX #11) and the emoji planes, the ones Chinese text uses. */
function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1faff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

/** The width of the widest line of these texts, with a little padding, within [min, max]. */
export function fitWidth(texts: Iterable<string>, min: number, max: number): number {
  let widest = 0;
  for (const t of texts) for (const line of t.split('\n')) widest = Math.max(widest, displayWidth(line));
  return Math.min(max, Math.max(min, widest + 2));
}

export type CellKind = 'text' | 'wrap' | 'number' | 'decimal' | 'percent' | 'date' | 'datetime' | 'center';
export type RowTone = 'plain' | 'red' | 'yellow' | 'green' | 'total';

/** 三色预警 fills, light enough to print and read black text on (Excel's own "bad/neutral/good"). */
export const TONE_FILLS: Record<Exclude<RowTone, 'plain'>, string> = {
  red: 'FFFFC7CE',
  yellow: 'FFFFEB9C',
  green: 'FFC6EFCE',
  total: 'FFDDEBF7',
};
const HEADER_FILL = 'FFD9E1F2';

const FONT_NAME = '等线';
const thin = { style: 'thin' as const, color: { argb: 'FFBFBFBF' } };
const BORDER: Partial<Borders> = { top: thin, left: thin, bottom: thin, right: thin };
const solid = (argb: string): Fill => ({ type: 'pattern', pattern: 'solid', fgColor: { argb } });

const fontOf = (tone: RowTone): Partial<Font> => ({ name: FONT_NAME, size: 11, ...(tone === 'total' ? { bold: true } : {}) });

const NUM_FMT: Partial<Record<CellKind, string>> = {
  number: '0',
  decimal: '0.0',
  percent: '0.0"%"',
  date: 'yyyy-mm-dd',
  datetime: 'yyyy-mm-dd hh:mm',
};
const ALIGN: Record<CellKind, Partial<Alignment>> = {
  text: { vertical: 'top' },
  wrap: { vertical: 'top', wrapText: true },
  number: { vertical: 'top', horizontal: 'right' },
  decimal: { vertical: 'top', horizontal: 'right' },
  percent: { vertical: 'top', horizontal: 'right' },
  date: { vertical: 'top', horizontal: 'center' },
  datetime: { vertical: 'top', horizontal: 'center' },
  center: { vertical: 'top', horizontal: 'center' },
};

/**
 * One style object per kind of cell and tone, built once: exceljs caches a style's id by the
 * object's identity, so sharing them keeps 100 000 rows from re-serialising a style per cell.
 */
export class SheetStyles {
  private readonly cache = new Map<string, Partial<Style>>();
  readonly title: Partial<Style> = { font: { name: FONT_NAME, size: 14, bold: true }, alignment: { vertical: 'middle', horizontal: 'left' } };
  readonly header: Partial<Style> = {
    font: { name: FONT_NAME, size: 11, bold: true },
    alignment: { vertical: 'middle', horizontal: 'center', wrapText: true },
    fill: solid(HEADER_FILL),
    border: BORDER,
  };

  private readonly rows = new Map<RowTone, Partial<Style>>();

  /** A row's own style: what the cells the row leaves out show (nothing for a plain row: the column's). */
  row(tone: RowTone): Partial<Style> {
    let style = this.rows.get(tone);
    if (!style) {
      style = tone === 'plain' ? {} : { font: fontOf(tone), border: BORDER, fill: solid(TONE_FILLS[tone]) };
      this.rows.set(tone, style);
    }
    return style;
  }

  cell(kind: CellKind, tone: RowTone = 'plain'): Partial<Style> {
    const key = `${kind}:${tone}`;
    let style = this.cache.get(key);
    if (!style) {
      style = { font: fontOf(tone), alignment: ALIGN[kind], border: BORDER };
      const fmt = NUM_FMT[kind];
      if (fmt) style.numFmt = fmt;
      if (tone !== 'plain') style.fill = solid(TONE_FILLS[tone]);
      this.cache.set(key, style);
    }
    return style;
  }
}

/**
 * Title row (merged over the table's width) and header row; then the sheet's views freeze
 * everything above the data (and `frozenColumns` on the left).
 */
export function writeTitleAndHeader(ws: Worksheet, styles: SheetStyles, title: string, headers: readonly string[]): void {
  const titleRow = ws.getRow(TITLE_ROW);
  titleRow.height = 24;
  const t = titleRow.getCell(1);
  t.value = cellText(title);
  t.style = styles.title;
  if (headers.length > 1) ws.mergeCells(TITLE_ROW, 1, TITLE_ROW, headers.length);
  titleRow.commit();
  const header = ws.getRow(HEADER_ROW);
  header.height = 30;
  headers.forEach((h, i) => {
    const c = header.getCell(i + 1);
    c.value = h;
    c.style = styles.header;
  });
  header.commit();
}

/**
 * How a sheet prints: the department prints its 台账 — A4 landscape, as wide as one page (as many
 * pages long as it takes), the title and header rows on every page, narrow margins.
 */
export function printSetup(): Partial<Worksheet['pageSetup']> {
  return {
    paperSize: 9,
    orientation: 'landscape',
    fitToPage: true,
    fitToWidth: 1,
    fitToHeight: 0,
    horizontalCentered: true,
    printTitlesRow: `1:${HEADER_ROW}`,
    margins: { left: 0.4, right: 0.4, top: 0.5, bottom: 0.5, header: 0.3, footer: 0.3 },
  };
}

/** The sheet's frozen panes; set when the sheet is added (the streaming writer writes them first). */
export function frozenViews(frozenColumns = 0): Worksheet['views'] {
  return [{ state: 'frozen', xSplit: frozenColumns, ySplit: HEADER_ROW, topLeftCell: `${columnLetter(frozenColumns + 1)}${FIRST_DATA_ROW}`, activeCell: `A${FIRST_DATA_ROW}` }];
}

/** The autofilter over the header and every data row (written when the sheet is committed). */
export function setAutoFilter(ws: Worksheet, columns: number, lastRow: number): void {
  ws.autoFilter = { from: { row: HEADER_ROW, column: 1 }, to: { row: Math.max(HEADER_ROW, lastRow), column: columns } };
}

/** "A", "B" … "Z", "AA": Excel's column letters. */
export function columnLetter(n: number): string {
  let s = '';
  for (let x = n; x > 0; x = Math.floor((x - 1) / 26)) s = String.fromCharCode(65 + ((x - 1) % 26)) + s;
  return s;
}

/** Sheet names: at most 31 characters, none of : \ / ? * [ ], no apostrophe at either end, unique. */
export function sheetName(name: string, taken: ReadonlySet<string>): string {
  const base =
    cellText(name)
      .replace(/[:\\/?*[\]\n\t]/gu, ' ')
      .trim()
      .replace(/^'+|'+$/gu, '')
      .slice(0, 31) || '表';
  let candidate = base;
  for (let i = 2; taken.has(candidate); i++) candidate = `${base.slice(0, 31 - String(i).length - 1)}-${i}`;
  return candidate;
}
