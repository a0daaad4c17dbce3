import type ExcelJS from 'exceljs';

/**
 * What an exceljs cell holds, unwrapped: rich text joined, a formula's result, a hyperlink's
 * text. One reading for both workbook readers (the roster, src/config/roster, and the 台账,
 * src/import), so a cell reads the same in either. Empty → undefined.
 */
export type CellPrimitive = string | number | boolean | Date;

export function cellPrimitive(value: ExcelJS.CellValue): CellPrimitive | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  // Not instanceof: a Date made in another realm (a test VM) is a Date all the same.
  if (Object.prototype.toString.call(value) === '[object Date]') return value as Date;
  if (typeof value === 'object') {
    if ('richText' in value) return value.richText.map((r) => r.text).join('');
    if ('text' in value && typeof value.text === 'string') return value.text;
    if ('result' in value) return cellPrimitive(value.result as ExcelJS.CellValue);
    if ('error' in value) return undefined;
  }
  return String(value);
}

/** The cell as text ('' when empty); a date as its day, a time of day as typed. */
export function cellText(value: ExcelJS.CellValue): string {
  const v = cellPrimitive(value);
  if (v === undefined) return '';
  if (v instanceof Date || Object.prototype.toString.call(v) === '[object Date]') {
    // Excel turns a typed 09:00 into a time of day (a date in 1899): give back what was typed.
    const d = v as Date;
    const iso = d.toISOString();
    return d.getUTCFullYear() < 1901 ? iso.slice(11, 16) : iso.slice(0, 10);
  }
  return String(v);
}
