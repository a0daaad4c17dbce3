import type { Policy } from '../config/org-schema';
import type { WorkCalendar } from '../parsing/deadline';
import { DAY_MS, startOfDay, wallTime } from './time';

/**
 * Statutory holidays on fixed Gregorian dates (全国年节及纪念日放假办法: 元旦 1 Jan, 劳动节 1–2 May,
 * 国庆节 1–3 Oct). For a year the official calendar does not cover yet, these are the holidays
 * still known for certain; the lunar ones (春节, 清明, 端午, 中秋) and 调休 are not.
 */
const FIXED_HOLIDAYS = new Set(['01-01', '05-01', '05-02', '10-01', '10-02', '10-03']);

/** A holiday run never lasts a month; the bound only guards against a calendar that says no forever. */
const MAX_DAYS_OFF = 31;

/**
 * Whether the Shanghai calendar day containing `ms` is a working day: the official calendar
 * (holidays and 调休 Saturdays) where it covers the year; else Monday–Friday less the fixed-date
 * holidays.
 */
export function isWorkingDay(ms: number, calendar: WorkCalendar): boolean {
  const w = wallTime(ms);
  const md = `${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
  const official = calendar.isWorkday(`${w.year}-${md}`);
  if (official !== undefined) return official;
  return w.weekday >= 1 && w.weekday <= 5 && !FIXED_HOLIDAYS.has(md);
}

/**
 * When the 回头看 notice is due after 销号. A revisit counted in whole days is a visit on a
 * working day: the day `revisitAfter` after the close, moved past weekends and public holidays
 * (2026-12-02 + 30d is 元旦 2027-01-01 → Monday 2027-01-04), at remindAt, the hour the
 * deadline reminders use. A shorter duration (the compressed demo and test policies: seconds,
 * minutes, hours) is exact.
 */
export function revisitAt(closedAt: number, policy: Pick<Policy, 'revisitAfter' | 'remindAt'>, calendar: WorkCalendar): number {
  const after = policy.revisitAfter.ms;
  if (after % DAY_MS !== 0) return closedAt + after;
  let day = startOfDay(closedAt) + after;
  for (let i = 0; i < MAX_DAYS_OFF && !isWorkingDay(day, calendar); i++) day += DAY_MS;
  const [h, m] = policy.remindAt.split(':').map(Number) as [number, number];
  // revisitAfter 0d closed after remindAt: due at once, never before the close.
  return Math.max(closedAt, day + (h * 60 + m) * 60_000);
}
