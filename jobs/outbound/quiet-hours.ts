import { DAY_MS, SHANGHAI_OFFSET_MS } from '../../src/domain/time';

/**
 * Quiet hours ("21:00-08:00", Asia/Shanghai): nothing is pushed inside; a push due inside is
 * moved to the end of the window. Returns the instant to wait for, or undefined when now is fine.
 */
export function quietUntil(now: number, window: string | undefined): number | undefined {
  if (!window) return undefined;
  const m = /^(\d\d):(\d\d)-(\d\d):(\d\d)$/.exec(window);
  if (!m) return undefined;
  const start = Number(m[1]) * 60 + Number(m[2]);
  const end = Number(m[3]) * 60 + Number(m[4]);
  if (start === end) return undefined;
  const local = now + SHANGHAI_OFFSET_MS;
  const dayStart = Math.floor(local / DAY_MS) * DAY_MS;
  const minute = Math.floor((local - dayStart) / 60_000);
  const inside = start < end ? minute >= start && minute < end : minute >= start || minute < end;
  if (!inside) return undefined;
  // The window ends today, or tomorrow when it wraps past midnight and we are before it.
  const endToday = dayStart + end * 60_000;
  const endLocal = start > end && minute >= start ? endToday + DAY_MS : endToday;
  return endLocal - SHANGHAI_OFFSET_MS;
}
