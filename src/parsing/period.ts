import { wallTime } from '../domain/time';
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

export function parsePeriod(word: string, now: number): Period | undefined {
  const p = parseMonths(word, now);
  return p?.months ? { ...p, buckets: bucketsFor(p.months) } : p;
}

/** One bucket for a whole year or quarter, else the months themselves. */
export function bucketsFor(months: readonly string[]): string[] {
  const year = months[0]!.slice(0, 4);
  const ms = months.map((m) => Number(m.slice(4)));
  if (months.length === 12 && months.every((m) => m.startsWith(year))) return [year];
  if (months.length === 3 && months.every((m) => m.startsWith(year)) && (ms[0]! - 1) % 3 === 0 && ms[2] === ms[0]! + 2) return [`${year}Q${(ms[0]! - 1) / 3 + 1}`];
  return [...months];
}

/** English period words, for people who type them (`/status this-month`). */
const ENGLISH: Record<string, string> = {
  'all-time': '累计', total: '累计',
  'this-month': '本月', month: '本月', 'last-month': '上月',
  'this-quarter': '本季度', quarter: '本季度', 'last-quarter': '上季度',
  'this-year': '今年', year: '今年', 'last-year': '去年',
};

function parseMonths(word: string, now: number): Period | undefined {
  const typed = normalizeText(word).trim();
  const w = Object.hasOwn(ENGLISH, typed.toLowerCase()) ? ENGLISH[typed.toLowerCase()]! : typed;
  const { year, month } = wallTime(now);
  const quarter = Math.floor((month - 1) / 3);
  if (/^(全部|累计|所有|至今)$/u.test(w)) return ALL_TIME;
  if (/^(本月|这个月|当月)$/u.test(w)) return { label: `${year}年${month}月`, months: [ym(year, month)] };
  if (/^(上月|上个月)$/u.test(w)) {
    const [y, m] = month === 1 ? [year - 1, 12] : [year, month - 1];
    return { label: `${y}年${m}月`, months: [ym(y, m)] };
  }
  if (/^(本季度|这季度|本季)$/u.test(w)) return { label: `${year}年第${quarter + 1}季度`, months: range(year, quarter * 3 + 1, quarter * 3 + 3) };
  if (/^(上季度|上季)$/u.test(w)) {
    const [y, q] = quarter === 0 ? [year - 1, 3] : [year, quarter - 1];
    return { label: `${y}年第${q + 1}季度`, months: range(y, q * 3 + 1, q * 3 + 3) };
  }
  if (/^(今年|本年|本年度)$/u.test(w)) return { label: `${year}年`, months: range(year, 1, 12) };
  if (/^(去年|上年)$/u.test(w)) return { label: `${year - 1}年`, months: range(year - 1, 1, 12) };
  let m = /^(20\d\d)年?度?$/u.exec(w);
  if (m) return { label: `${m[1]}年`, months: range(Number(m[1]), 1, 12) };
  m = /^(20\d\d)(?:年|-|\/|\.)(\d{1,2})月?$/u.exec(w);
  if (m && Number(m[2]) >= 1 && Number(m[2]) <= 12) return { label: `${m[1]}年${Number(m[2])}月`, months: [ym(Number(m[1]), Number(m[2]))] };
  m = /^(\d{1,2})月$/u.exec(w);
  if (m && Number(m[1]) >= 1 && Number(m[1]) <= 12) return { label: `${year}年${Number(m[1])}月`, months: [ym(year, Number(m[1]))] };
  m = /^(20\d\d)年?(?:第?([1-4一二三四])季度|[qQ]([1-4]))$/u.exec(w);
  if (m) {
    const digit = m[2] ?? m[3]!;
    const q = '一二三四'.includes(digit) ? '一二三四'.indexOf(digit) : Number(digit) - 1;
    return { label: `${m[1]}年第${q + 1}季度`, months: range(Number(m[1]), q * 3 + 1, q * 3 + 3) };
  }
  return undefined;
}
