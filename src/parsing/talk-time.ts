import { DAY_MS, SHANGHAI_OFFSET_MS, startOfDay, wallTime } from '../domain/time';
import { clipForReply } from '../rendering/clip';
import { normalizeText } from './normalize';

/**
 * When a 约谈 was held, as an admin writes it after the fact: `今天`, `昨天`, `前天`, `12月1日`,
 * `12月1日14:30`, `2026-12-01`, `2026年12月1日`. Always in the past (a date later than today
 * without a year is last year's), at most a year back. A day without a time is kept as a day.
 * Hand-written: the deadline reader (parsing/deadline.ts) reads forward in time, this reads back.
 */
export type TalkTime = { ok: true; at: number; dayOnly: boolean } | { ok: false; error: string };

const RELATIVE: Record<string, number> = { 今天: 0, 今日: 0, 昨天: 1, 昨日: 1, 前天: 2, 前日: 2 };
const MAX_BACK_MS = 366 * DAY_MS;

/** Wall-clock date and time in Shanghai as epoch ms, or undefined when the date does not exist. */
function shanghai(y: number, m: number, d: number, hh = 0, mm = 0): number | undefined {
  const ms = Date.UTC(y, m - 1, d, hh, mm) - SHANGHAI_OFFSET_MS;
  const w = wallTime(ms);
  return w.year === y && w.month === m && w.day === d ? ms : undefined;
}

/** A relative day word alone (`昨天`): the words a reason may start with. */
export function isRelativeDay(word: string): boolean {
  return Object.hasOwn(RELATIVE, normalizeText(word).trim());
}

export function readTalkTime(word: string, now: number): TalkTime {
  const s = normalizeText(word).replace(/\s+/gu, '').trim();
  const bad: TalkTime = { ok: false, error: `看不懂约谈时间“${clipForReply(word, 16)}”，可以写“昨天”“12月1日”或“12月1日14:30”` };
  if (Object.hasOwn(RELATIVE, s)) {
    const back = RELATIVE[s]!;
    return back === 0 ? { ok: true, at: now, dayOnly: false } : { ok: true, at: startOfDay(now) - back * DAY_MS, dayOnly: true };
  }
  const m = /^(?:(\d{4})(?:年|-|\/|\.))?(\d{1,2})(?:月|-|\/|\.)(\d{1,2})(?:日|号)?(?:(\d{1,2})[:点](\d{2})?分?)?$/u.exec(s);
  if (!m) return bad;
  const today = wallTime(now);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const hasTime = m[4] !== undefined;
  const hh = hasTime ? Number(m[4]) : 0;
  const mm = hasTime ? Number(m[5] ?? 0) : 0;
  if (hh > 23 || mm > 59) return bad;
  let at: number | undefined;
  if (m[1]) at = shanghai(Number(m[1]), month, day, hh, mm);
  else {
    at = shanghai(today.year, month, day, hh, mm);
    // "12月1日" written in January is last December.
    if (at !== undefined && at > now) at = shanghai(today.year - 1, month, day, hh, mm);
  }
  if (at === undefined) return { ok: false, error: `约谈时间“${clipForReply(word, 16)}”不是有效的日期` };
  if (at > now) return { ok: false, error: '约谈时间不能晚于现在：请记录已经进行的约谈' };
  if (now - at > MAX_BACK_MS) return { ok: false, error: '约谈时间超过一年了，请写近一年内的日期' };
  return { ok: true, at, dayOnly: !hasTime };
}
