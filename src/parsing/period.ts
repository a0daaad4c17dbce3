import { SHANGHAI_OFFSET_MS, wallTime } from '../domain/time';
import { normalizeText } from './normalize';

/**
 * Periods for /status and /清单 (docs/design.md §4.10: 本月, 本季度, 2022 …), as the discovery months they
 * cover ("YYYYMM"). `months: undefined` means all time (the ledger's "all" counters).
 */
export interface Period {
  label: string;
  /** The discovery months it covers (overdue sets are kept per month). */
  months?: string[];
  /** The counter buckets that sum to it: one month, quarter ("2026Q2") or year ("2026"). */
  buckets?: string[];
}

export const ALL_TIME: Period = { label: '累计' };

const ym = (y: number, m: number) => `${y}${String(m).padStart(2, '0')}`;
const range = (y: number, from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => ym(y, from + i));

/** A calendar month, quarter (1–4), half year (1–2) or year as a period, with its label and buckets. */
export function monthPeriod(year: number, month: number): Period {
  return periodOfMonths([ym(year, month)]);
}
export function quarterPeriod(year: number, quarter: number): Period {
  return periodOfMonths(range(year, quarter * 3 - 2, quarter * 3));
}
export function yearPeriod(year: number): Period {
  return periodOfMonths(range(year, 1, 12));
}

/**
 * The period of these consecutive discovery months (a file request carries only the months):
 * its label names a month, quarter, half or year when it is one, else the first and last month.
 */
export function periodOfMonths(months: readonly string[]): Period {
  if (!months.length) return ALL_TIME;
  const first = months[0]!;
  const last = months[months.length - 1]!;
  const y = Number(first.slice(0, 4));
  const m = Number(first.slice(4));
  const sameYear = months.every((x) => x.startsWith(String(y)));
  let label: string;
  if (months.length === 1) label = `${y}年${m}月`;
  else if (sameYear && months.length === 12 && m === 1) label = `${y}年`;
  else if (sameYear && months.length === 6 && (m === 1 || m === 7)) label = `${y}年${m === 1 ? '上' : '下'}半年`;
  else if (sameYear && months.length === 3 && (m - 1) % 3 === 0) label = `${y}年第${(m - 1) / 3 + 1}季度`;
  else label = `${y}年${m}月至${last.slice(0, 4)}年${Number(last.slice(4))}月`;
  return { label, months: [...months], buckets: bucketsFor(months) };
}

/** One bucket for a whole year or quarter, else the months themselves. */
export function bucketsFor(months: readonly string[]): string[] {
  const year = months[0]!.slice(0, 4);
  const ms = months.map((m) => Number(m.slice(4)));
  if (months.length === 12 && months.every((m) => m.startsWith(year))) return [year];
  if (months.length === 3 && months.every((m) => m.startsWith(year)) && (ms[0]! - 1) % 3 === 0 && ms[2] === ms[0]! + 2) return [`${year}Q${(ms[0]! - 1) / 3 + 1}`];
  return [...months];
}

/** Month index since year 0 (for stepping back over year ends). */
const monthIndex = (key: string) => Number(key.slice(0, 4)) * 12 + Number(key.slice(4)) - 1;
const monthKeyOf = (index: number) => ym(Math.floor(index / 12), (index % 12) + 1);

/** The month `n` months after `key` (before, when negative), over year ends: "202601", -1 → "202512". */
export function shiftMonth(key: string, n: number): string {
  return monthKeyOf(monthIndex(key) + n);
}

/** The months from `from` to `to` ("YYYYMM"), both included, oldest first; none when `from` is later. */
export function monthsBetween(from: string, to: string): string[] {
  const start = monthIndex(from);
  return Array.from({ length: Math.max(0, monthIndex(to) - start + 1) }, (_, i) => monthKeyOf(start + i));
}

/**
 * The period just before this one, of the same length (the ▲/▼ of a summary compares with it):
 * 2026年第3季度 → 2026年第2季度, 2026年1月 → 2025年12月, 2026年 → 2025年. All time has none.
 */
export function previousPeriod(period: Period): Period | undefined {
  if (!period.months?.length) return undefined;
  const n = period.months.length;
  const first = period.months[0]!;
  return periodOfMonths(monthsBetween(shiftMonth(first, -n), shiftMonth(first, -1)));
}

/**
 * The instants a period covers, [start, end): from 00:00 on the first day of its first month to
 * 00:00 on the first day after its last month, Shanghai wall time. All time has none.
 */
export function periodRange(period: Period): { start: number; end: number } | undefined {
  if (!period.months?.length) return undefined;
  const monthStart = (index: number) => Date.UTC(Math.floor(index / 12), index % 12, 1) - SHANGHAI_OFFSET_MS;
  return { start: monthStart(monthIndex(period.months[0]!)), end: monthStart(monthIndex(period.months[period.months.length - 1]!) + 1) };
}

/** A short stable name of the period for ids and locks: "2026Q3", "2026", "202605", "202601-202606". */
export function periodKey(period: Period): string {
  if (!period.months?.length) return 'all';
  const b = period.buckets ?? bucketsFor(period.months);
  return b.length === 1 ? b[0]! : `${period.months[0]}-${period.months[period.months.length - 1]}`;
}

/** The quarter (or year) that ended last before `now`: what the 季度小结 (年度汇总) reports on. */
export function endedQuarter(now: number): Period {
  const { year, month } = wallTime(now);
  const q = Math.floor((month - 1) / 3);
  return q === 0 ? quarterPeriod(year - 1, 4) : quarterPeriod(year, q);
}
export function endedYear(now: number): Period {
  return yearPeriod(wallTime(now).year - 1);
}

export function parsePeriod(word: string, now: number): Period | undefined {
  const p = parseMonths(word, now);
  return p?.months ? { ...p, buckets: bucketsFor(p.months) } : p;
}

/** English period words, for people who type them (`/status this-month`). */
const ENGLISH: Record<string, string> = {
  'all-time': '累计', total: '累计',
  'this-month': '本月', month: '本月', 'last-month': '上月',
  'this-quarter': '本季度', quarter: '本季度', 'last-quarter': '上季度',
  'this-year': '今年', year: '今年', 'last-year': '去年',
};

const CHINESE_DIGITS = '〇一二三四五六七八九';
/** "二〇二六年" (how documents write years) → "2026年"; "零" is read as 〇. */
function arabicYear(w: string): string {
  return w.replace(/^([〇零一二三四五六七八九]{4})(?=年)/u, (y) => [...y].map((c) => String(CHINESE_DIGITS.indexOf(c === '零' ? '〇' : c))).join(''));
}

/** 1–4 from "3", "三". */
function quarterNumber(digit: string): number {
  return '一二三四'.includes(digit) ? '一二三四'.indexOf(digit) + 1 : Number(digit);
}

function parseMonths(word: string, now: number): Period | undefined {
  const typed = normalizeText(word).trim();
  const w = arabicYear(Object.hasOwn(ENGLISH, typed.toLowerCase()) ? ENGLISH[typed.toLowerCase()]! : typed);
  const { year, month } = wallTime(now);
  const quarter = Math.floor((month - 1) / 3) + 1;
  if (/^(全部|累计|所有|至今)$/u.test(w)) return ALL_TIME;
  if (/^(本月|这个月|当月)$/u.test(w)) return monthPeriod(year, month);
  if (/^(上月|上个月|上一个?月)$/u.test(w)) return month === 1 ? monthPeriod(year - 1, 12) : monthPeriod(year, month - 1);
  if (/^(本季度|这季度|这个季度|本季|当季)$/u.test(w)) return quarterPeriod(year, quarter);
  if (/^(上季度|上季|上个季度|上一个?季度)$/u.test(w)) return endedQuarter(now);
  if (/^(今年|本年|本年度|今年度)$/u.test(w)) return yearPeriod(year);
  if (/^(去年|上年|上年度|去年度|上一年度?)$/u.test(w)) return endedYear(now);
  let m = /^(上|下)半年$/u.exec(w);
  if (m) return periodOfMonths(m[1] === '上' ? range(year, 1, 6) : range(year, 7, 12));
  m = /^(20\d\d)年?度?$/u.exec(w);
  if (m) return yearPeriod(Number(m[1]));
  m = /^(20\d\d)年?(上|下)半年$/u.exec(w);
  if (m) return periodOfMonths(m[2] === '上' ? range(Number(m[1]), 1, 6) : range(Number(m[1]), 7, 12));
  m = /^(20\d\d)(?:年|-|\/|\.)(\d{1,2})月?$/u.exec(w);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return monthPeriod(Number(m[1]), Number(m[2]));
  m = /^(\d{1,2})月(?:份)?$/u.exec(w);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 12) return monthPeriod(year, Number(m[1]));
  m = /^(20\d\d)年?(?:第?([1-4一二三四])季度|[qQ]([1-4]))$/u.exec(w);
  if (m) return quarterPeriod(Number(m[1]), quarterNumber(m[2] ?? m[3]!));
  // A quarter without a year is one of this year: 第三季度, 三季度, 第3季度, Q3.
  m = /^(?:第?([1-4一二三四])季度|[qQ]([1-4]))$/u.exec(w);
  if (m) return quarterPeriod(year, quarterNumber(m[1] ?? m[2]!));
  return undefined;
}
