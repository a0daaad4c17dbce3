/**
 * Asia/Shanghai wall-clock arithmetic. China has no daylight saving, so the offset is a constant
 * +08:00 and these helpers do not depend on the machine's TZ.
 */
export const SHANGHAI_OFFSET_MS = 8 * 3_600_000;
export const DAY_MS = 86_400_000;

export interface WallTime {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  weekday: number; // 0 = Sunday
}

export function wallTime(ms: number): WallTime {
  const d = new Date(ms + SHANGHAI_OFFSET_MS);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    weekday: d.getUTCDay(),
  };
}

/** "202605": the month bucket an issue is counted in, by its discovery time. */
export function monthKey(ms: number): string {
  const w = wallTime(ms);
  return `${w.year}${String(w.month).padStart(2, '0')}`;
}

/** Start of the Shanghai calendar day containing ms. */
export function startOfDay(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS) * DAY_MS - SHANGHAI_OFFSET_MS;
}

/** Whole calendar days from a to b (Shanghai dates), e.g. overdue days. */
export function calendarDaysBetween(a: number, b: number): number {
  return Math.round((startOfDay(b) - startOfDay(a)) / DAY_MS);
}
