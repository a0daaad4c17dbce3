import { calendarDaysBetween, wallTime } from '../domain/time';

const WEEKDAYS = ['日', '一', '二', '三', '四', '五', '六'];

/** "5月1日（周五）", with the year when it is not this year, and the time unless it is end of day. */
export function formatDate(ms: number, now: number): string {
  const w = wallTime(ms);
  const year = w.year !== wallTime(now).year ? `${w.year}年` : '';
  const endOfDay = w.hour === 23 && w.minute === 59;
  const time = endOfDay ? '' : ` ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
  return `${year}${w.month}月${w.day}日（周${WEEKDAYS[w.weekday]}）${time}`;
}

/** "5月1日（周五）" without a time, for days that matter as days (回头看). */
export function formatDay(ms: number, now: number): string {
  const w = wallTime(ms);
  const year = w.year !== wallTime(now).year ? `${w.year}年` : '';
  return `${year}${w.month}月${w.day}日（周${WEEKDAYS[w.weekday]}）`;
}

/**
 * "5月1日周五" (and the time unless end of day, the year unless this year): the date inside
 * list lines, which already sit in one pair of brackets — no second pair inside it.
 */
export function formatShortDate(ms: number, now: number): string {
  const w = wallTime(ms);
  const year = w.year !== wallTime(now).year ? `${w.year}年` : '';
  const endOfDay = w.hour === 23 && w.minute === 59;
  const time = endOfDay ? '' : ` ${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
  return `${year}${w.month}月${w.day}日周${WEEKDAYS[w.weekday]}${time}`;
}

/** "5月1日（周五），还有3天" / "已逾期2天" / "今天到期"; `short`: "5月1日周五，还有3天" for list lines. */
export function formatDeadline(deadline: number, now: number, short = false): string {
  const date = short ? formatShortDate(deadline, now) : formatDate(deadline, now);
  if (now > deadline) {
    const days = calendarDaysBetween(deadline, now);
    return `${date}，已逾期${days > 0 ? `${days}天` : ''}`;
  }
  const left = calendarDaysBetween(now, deadline);
  if (left === 0) {
    const minutes = Math.ceil((deadline - now) / 60_000);
    return minutes < 120 ? `${date}，还剩${minutes}分钟` : `${date}，今天到期`;
  }
  return `${date}，还有${left}天`;
}

/** "14:05", Shanghai wall time. */
export function formatClock(ms: number): string {
  const w = wallTime(ms);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
}

/** "11月23日 14:05" for history lines. */
export function formatStamp(ms: number, now: number): string {
  const w = wallTime(ms);
  const year = w.year !== wallTime(now).year ? `${w.year}年` : '';
  return `${year}${w.month}月${w.day}日 ${formatClock(ms)}`;
}

const DURATION_UNITS: Record<string, string> = { s: '秒', m: '分钟', h: '小时', d: '天', w: '周' };

/** A policy duration in words: "3d" → "3天", "10m" → "10分钟". */
export function durationWords(text: string): string {
  const m = /^(\d+)([smhdw])$/.exec(text);
  return m ? `${m[1]}${DURATION_UNITS[m[2]!]}` : text;
}
