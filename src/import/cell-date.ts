import { normalizeText } from '../parsing/normalize';
import { DAY_MS, SHANGHAI_OFFSET_MS, wallTime } from '../domain/time';
import type { CellValue } from './ledger-sheet';

/**
 * A date cell of a 台账 as a Shanghai calendar day: an Excel date (a Date, or its serial number
 * when styles are not read), or text — 2026-03-05, 2026/3/5, 2026.3.5, 2026年3月5日, and without
 * a year 3月5日 or 3.5 (the year given: 发现时间's, else the import's). 长期坚持 and its kin are
 * "ongoing": no deadline. Returns the day's start (00:00 Shanghai) as epoch ms.
 */
export type DayResult = { kind: 'day'; start: number } | { kind: 'ongoing' } | { kind: 'bad' };

const ONGOING = /^(长期坚持|长期|持续整改|持续推进|常态化|长期整改|立行立改)$/;
/** Excel serials of 1990-01-01 … 2100-12-31: anything else in a date column is not a date. */
const SERIAL_MIN = 32874;
const SERIAL_MAX = 73415;

export function readDay(value: CellValue, yearOf: number): DayResult {
  if (value instanceof Date) return dayOf(value.getUTCFullYear(), value.getUTCMonth() + 1, value.getUTCDate());
  if (typeof value === 'number') {
    if (!Number.isFinite(value) || value < SERIAL_MIN || value > SERIAL_MAX) return { kind: 'bad' };
    // Excel's serial counts days from 1899-12-30 (the 1900 leap-year bug included).
    const d = new Date(Math.round((Math.floor(value) - 25569) * DAY_MS));
    return dayOf(d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate());
  }
  const s = normalizeText(value).replace(/\s+/g, '');
  if (ONGOING.test(s)) return { kind: 'ongoing' };
  let m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:前|之前)?$/.exec(s);
  if (m) return dayOf(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{4})(\d{2})(\d{2})$/.exec(s);
  if (m) return dayOf(Number(m[1]), Number(m[2]), Number(m[3]));
  m = /^(\d{1,2})[月.](\d{1,2})日?(?:前|之前)?$/.exec(s);
  if (m) return dayOf(yearOf, Number(m[1]), Number(m[2]));
  return { kind: 'bad' };
}

function dayOf(y: number, m: number, d: number): DayResult {
  if (y < 1990 || y > 2100 || m < 1 || m > 12 || d < 1 || d > 31) return { kind: 'bad' };
  const utc = Date.UTC(y, m - 1, d);
  const back = new Date(utc);
  if (back.getUTCMonth() !== m - 1 || back.getUTCDate() !== d) return { kind: 'bad' }; // 2月30日
  return { kind: 'day', start: utc - SHANGHAI_OFFSET_MS };
}

/** The Shanghai year of an instant. */
export function yearOf(ms: number): number {
  return wallTime(ms).year;
}

/** The last millisecond of the Shanghai day that starts at `start`: a deadline is the whole day. */
export function endOfDay(start: number): number {
  return start + DAY_MS - 1;
}

/** "2026-03-05", for messages. */
export function shownDay(start: number): string {
  const w = wallTime(start);
  return `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}
