import { ALL_TIME, endedQuarter, endedYear, parsePeriod, periodKey, periodOfMonths, monthsBetween, periodRange, previousPeriod, shiftMonth, type Period } from '../../src/parsing/period';

/**
 * Periods for /status (docs/design.md §4.10) as the discovery months they cover. "Now" is fixed near
 * Shanghai month boundaries: the month is Shanghai's, whatever the machine's TZ or UTC say.
 */

const at = (iso: string) => Date.parse(iso);
/** 23:30 on 30 June in Shanghai is 15:30 UTC: still June everywhere, and the last half hour of Q2. */
const JUNE_30_LATE = at('2026-06-30T23:30:00+08:00');
/** 00:30 on 1 July in Shanghai is still 30 June in UTC: Shanghai says July, Q3. */
const JULY_1_EARLY = at('2026-07-01T00:30:00+08:00');
/** 00:10 on 1 January in Shanghai is still 31 December 2025 in UTC. */
const NEW_YEAR_EARLY = at('2026-01-01T00:10:00+08:00');
const MID_JANUARY = at('2026-01-15T10:00:00+08:00');

const months = (year: number, from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => `${year}${String(from + i).padStart(2, '0')}`);

describe('relative periods', () => {
  it.each<[string, string, number, Period]>([
    ['本月', 'late on 30 June', JUNE_30_LATE, { label: '2026年6月', months: ['202606'] }],
    ['本月', 'early on 1 July (UTC still says June)', JULY_1_EARLY, { label: '2026年7月', months: ['202607'] }],
    ['这个月', 'late on 30 June', JUNE_30_LATE, { label: '2026年6月', months: ['202606'] }],
    ['上月', 'late on 30 June', JUNE_30_LATE, { label: '2026年5月', months: ['202605'] }],
    ['上月', 'early on 1 July', JULY_1_EARLY, { label: '2026年6月', months: ['202606'] }],
    ['上月', 'in January → December of last year', MID_JANUARY, { label: '2025年12月', months: ['202512'] }],
    ['上个月', 'early on 1 January (UTC still says December)', NEW_YEAR_EARLY, { label: '2025年12月', months: ['202512'] }],
    ['本季度', 'late on 30 June', JUNE_30_LATE, { label: '2026年第2季度', months: months(2026, 4, 6) }],
    ['本季度', 'early on 1 July', JULY_1_EARLY, { label: '2026年第3季度', months: months(2026, 7, 9) }],
    ['本季', 'in January', MID_JANUARY, { label: '2026年第1季度', months: months(2026, 1, 3) }],
    ['上季度', 'late on 30 June', JUNE_30_LATE, { label: '2026年第1季度', months: months(2026, 1, 3) }],
    ['上季度', 'in Q1 → Q4 of last year', MID_JANUARY, { label: '2025年第4季度', months: months(2025, 10, 12) }],
    ['上季度', 'early on 1 January', NEW_YEAR_EARLY, { label: '2025年第4季度', months: months(2025, 10, 12) }],
    ['今年', 'late on 30 June', JUNE_30_LATE, { label: '2026年', months: months(2026, 1, 12) }],
    ['今年', 'early on 1 January (UTC still says 2025)', NEW_YEAR_EARLY, { label: '2026年', months: months(2026, 1, 12) }],
    ['本年度', 'in January', MID_JANUARY, { label: '2026年', months: months(2026, 1, 12) }],
    ['去年', 'late on 30 June', JUNE_30_LATE, { label: '2025年', months: months(2025, 1, 12) }],
    ['去年', 'early on 1 January', NEW_YEAR_EARLY, { label: '2025年', months: months(2025, 1, 12) }],
  ])('%s, %s', (word, _when, now, expected) => {
    expect(parsePeriod(word, now)).toEqual(withBuckets(expected));
  });
});

describe('absolute periods', () => {
  it.each<[string, Period]>([
    ['2022', { label: '2022年', months: months(2022, 1, 12) }],
    ['2022年', { label: '2022年', months: months(2022, 1, 12) }],
    ['2022年度', { label: '2022年', months: months(2022, 1, 12) }],
    ['2022年5月', { label: '2022年5月', months: ['202205'] }],
    ['2022-05', { label: '2022年5月', months: ['202205'] }],
    ['2022/5', { label: '2022年5月', months: ['202205'] }],
    ['2022.12', { label: '2022年12月', months: ['202212'] }],
    ['2026年第二季度', { label: '2026年第2季度', months: months(2026, 4, 6) }],
    ['2026年第2季度', { label: '2026年第2季度', months: months(2026, 4, 6) }],
    ['2026第四季度', { label: '2026年第4季度', months: months(2026, 10, 12) }],
    ['2025年一季度', { label: '2025年第1季度', months: months(2025, 1, 3) }],
  ])('%s', (word, expected) => {
    expect(parsePeriod(word, JUNE_30_LATE)).toEqual(withBuckets(expected));
  });

  it.each<[string, number, Period]>([
    ['5月', JUNE_30_LATE, { label: '2026年5月', months: ['202605'] }],
    ['12月', JUNE_30_LATE, { label: '2026年12月', months: ['202612'] }],
    // A month of the year "now" is in by Shanghai time.
    ['12月', NEW_YEAR_EARLY, { label: '2026年12月', months: ['202612'] }],
    ['05月', MID_JANUARY, { label: '2026年5月', months: ['202605'] }],
  ])('%s (this year)', (word, now, expected) => {
    expect(parsePeriod(word, now)).toEqual(withBuckets(expected));
  });
});

describe('all time', () => {
  it.each(['全部', '累计', '所有', '至今'])('%s → no months (the "all" counters)', (word) => {
    const p = parsePeriod(word, JUNE_30_LATE);
    expect(p).toEqual({ label: '累计' });
    expect(p).toBe(ALL_TIME);
    expect(p!.months).toBeUndefined();
  });
});

describe('Traditional and full-width input', () => {
  it.each<[string, Period]>([
    ['上個月', { label: '2026年5月', months: ['202605'] }],
    ['本季', { label: '2026年第2季度', months: months(2026, 4, 6) }],
    ['２０２２', { label: '2022年', months: months(2022, 1, 12) }],
    ['２０２２年５月', { label: '2022年5月', months: ['202205'] }],
    ['５月', { label: '2026年5月', months: ['202605'] }],
    [' 本月 ', { label: '2026年6月', months: ['202606'] }],
  ])('%s', (word, expected) => {
    expect(parsePeriod(word, JUNE_30_LATE)).toEqual(withBuckets(expected));
  });
});

describe('not a period', () => {
  it.each([
    ['garbage', 'abc'],
    ['empty', ''],
    ['a unit name', '斑竹村'],
    ['a town', '福禄镇'],
    ['month 13', '13月'],
    ['month 0', '0月'],
    ['2022年13月', '2022年13月'],
    ['2022-00', '2022-00'],
    ['a year outside 20xx', '1999'],
    ['a fifth quarter', '2026年第五季度'],
    ['a full date', '2022-05-01'],
    ['an issue reference', '#12'],
  ])('%s: %s', (_case, word) => {
    expect(parsePeriod(word, JUNE_30_LATE)).toBeUndefined();
  });
});

describe('quarters written with Q', () => {
  it.each(['2026Q2', '2026q2', '2026年Q2', '2026年第二季度', '2026第2季度'])('%s is the second quarter of 2026', (text) => {
    expect(parsePeriod(text, Date.parse('2026-11-23T10:00:00+08:00'))).toEqual({ label: '2026年第2季度', months: ['202604', '202605', '202606'], buckets: ['2026Q2'] });
  });
});

/** Expected counter buckets: a whole year or quarter is one bucket, a month is itself. */
function withBuckets<T extends { months?: string[] } | undefined>(e: T): T {
  if (!e?.months) return e;
  const m = e.months;
  const buckets = m.length === 12 ? [m[0]!.slice(0, 4)] : m.length === 3 ? [`${m[0]!.slice(0, 4)}Q${(Number(m[0]!.slice(4)) + 2) / 3}`] : m;
  return { ...e, buckets };
}

describe('counter buckets', () => {
  const now = Date.parse('2026-05-20T10:00:00+08:00');
  it.each([
    ['今年', ['2026']],
    ['2022', ['2022']],
    ['本季度', ['2026Q2']],
    ['上季度', ['2026Q1']],
    ['本月', ['202605']],
    ['2022年5月', ['202205']],
  ])('%s reads %j', (word, buckets) => {
    expect(parsePeriod(word, now)?.buckets).toEqual(buckets);
  });
  it('全部 reads the all-time bucket (none named)', () => {
    expect(parsePeriod('全部', now)?.buckets).toBeUndefined();
  });
});

describe('the forms the summaries and /通报 are asked with', () => {
  const now = Date.parse('2026-11-23T10:00:00+08:00');
  it.each<[string, string]>([
    ['本季度', '2026年第4季度'],
    ['上季度', '2026年第3季度'],
    ['上一季度', '2026年第3季度'],
    ['上个季度', '2026年第3季度'],
    ['上個季度', '2026年第3季度'],
    ['2026', '2026年'],
    ['2026年度', '2026年'],
    ['２０２６年度', '2026年'],
    ['二〇二六年', '2026年'],
    ['2026年第3季度', '2026年第3季度'],
    ['2026年3季度', '2026年第3季度'],
    ['２０２６年第３季度', '2026年第3季度'],
    ['2026年第三季度', '2026年第3季度'],
    ['二〇二六年第三季度', '2026年第3季度'],
    ['2026Q3', '2026年第3季度'],
    ['２０２６Ｑ３', '2026年第3季度'],
    ['第三季度', '2026年第3季度'],
    ['三季度', '2026年第3季度'],
    ['第3季度', '2026年第3季度'],
    ['Q3', '2026年第3季度'],
    ['q1', '2026年第1季度'],
    ['上月', '2026年10月'],
    ['上一个月', '2026年10月'],
    ['去年', '2025年'],
    ['去年度', '2025年'],
    ['上年', '2025年'],
    ['上年度', '2025年'],
    ['上一年', '2025年'],
    ['今年度', '2026年'],
    ['上半年', '2026年上半年'],
    ['2025年下半年', '2025年下半年'],
    ['11月份', '2026年11月'],
  ])('%s → %s', (word, label) => {
    expect(parsePeriod(word, now)?.label).toBe(label);
  });

  it('reads a quarter without a year as one of this year, by Shanghai time', () => {
    // 00:30 on 1 January 2027 in Shanghai is still 2026 in UTC.
    expect(parsePeriod('第一季度', Date.parse('2027-01-01T00:30:00+08:00'))).toEqual({ label: '2027年第1季度', months: months(2027, 1, 3), buckets: ['2027Q1'] });
  });

  it.each(['第五季度', 'Q5', '五季度', '前年', '上上季度', '2026年第3季', '一〇二六年'])('%s is not a period', (word) => {
    expect(parsePeriod(word, now)).toBeUndefined();
  });
});

describe('previousPeriod', () => {
  const now = Date.parse('2026-11-23T10:00:00+08:00');
  it.each<[string, Period | undefined]>([
    ['2026年第3季度', { label: '2026年第2季度', months: months(2026, 4, 6), buckets: ['2026Q2'] }],
    ['2026Q1', { label: '2025年第4季度', months: months(2025, 10, 12), buckets: ['2025Q4'] }],
    ['2026', { label: '2025年', months: months(2025, 1, 12), buckets: ['2025'] }],
    ['2026年1月', { label: '2025年12月', months: ['202512'], buckets: ['202512'] }],
    ['2026年5月', { label: '2026年4月', months: ['202604'], buckets: ['202604'] }],
    ['上半年', { label: '2025年下半年', months: months(2025, 7, 12), buckets: months(2025, 7, 12) }],
    ['2026年下半年', { label: '2026年上半年', months: months(2026, 1, 6), buckets: months(2026, 1, 6) }],
    ['累计', undefined],
  ])('before %s', (word, expected) => {
    expect(previousPeriod(parsePeriod(word, now)!)).toEqual(expected);
  });

  it('steps back over any run of months, keeping its length', () => {
    expect(previousPeriod(periodOfMonths(['202511', '202512', '202601', '202602']))).toEqual({
      label: '2025年7月至2025年10月',
      months: ['202507', '202508', '202509', '202510'],
      buckets: ['202507', '202508', '202509', '202510'],
    });
  });
});

describe('periodRange: [start, end) in Shanghai time', () => {
  const now = Date.parse('2026-11-23T10:00:00+08:00');
  it.each<[string, string, string]>([
    ['2026年第3季度', '2026-07-01T00:00:00+08:00', '2026-10-01T00:00:00+08:00'],
    ['2026年第4季度', '2026-10-01T00:00:00+08:00', '2027-01-01T00:00:00+08:00'],
    ['2026', '2026-01-01T00:00:00+08:00', '2027-01-01T00:00:00+08:00'],
    ['2026年12月', '2026-12-01T00:00:00+08:00', '2027-01-01T00:00:00+08:00'],
    ['2026年2月', '2026-02-01T00:00:00+08:00', '2026-03-01T00:00:00+08:00'],
  ])('%s', (word, start, end) => {
    expect(periodRange(parsePeriod(word, now)!)).toEqual({ start: Date.parse(start), end: Date.parse(end) });
  });

  it('starts at Shanghai midnight, which is 16:00 UTC the day before', () => {
    expect(new Date(periodRange(parsePeriod('2026Q3', now)!)!.start).toISOString()).toBe('2026-06-30T16:00:00.000Z');
  });

  it('has no range for all time', () => {
    expect(periodRange(ALL_TIME)).toBeUndefined();
  });
});

describe('the period a summary reports on', () => {
  it.each<[string, string, string]>([
    ['2026-10-08T09:00:00+08:00', '2026年第3季度', '2025年'],
    ['2027-01-04T09:00:00+08:00', '2026年第4季度', '2026年'],
    // 00:10 on 1 January in Shanghai is 31 December in UTC: the quarter that ended is already Q4.
    ['2027-01-01T00:10:00+08:00', '2026年第4季度', '2026年'],
    ['2026-06-30T23:30:00+08:00', '2026年第1季度', '2025年'],
  ])('at %s: %s, %s', (at, quarter, year) => {
    expect(endedQuarter(Date.parse(at)).label).toBe(quarter);
    expect(endedYear(Date.parse(at)).label).toBe(year);
  });

  it.each<[string, string]>([
    ['2026年第3季度', '2026Q3'],
    ['2026', '2026'],
    ['2026年5月', '202605'],
    ['2026年上半年', '202601-202606'],
    ['累计', 'all'],
  ])('periodKey(%s) = %s', (word, key) => {
    expect(periodKey(parsePeriod(word, Date.parse('2026-11-23T10:00:00+08:00'))!)).toBe(key);
  });

  it('periodOfMonths gives back the period a file request carries', () => {
    const p = parsePeriod('2026Q3', Date.parse('2026-11-23T10:00:00+08:00'))!;
    expect(periodOfMonths(p.months!)).toEqual(p);
    expect(periodOfMonths([])).toBe(ALL_TIME);
  });
});

describe('month ranges', () => {
  it('counts months over year ends, both ends included', () => {
    expect(monthsBetween('202511', '202602')).toEqual(['202511', '202512', '202601', '202602']);
    expect(monthsBetween('202603', '202603')).toEqual(['202603']);
    expect(monthsBetween('202604', '202603')).toEqual([]);
    expect(shiftMonth('202601', -1)).toBe('202512');
    expect(shiftMonth('202512', 13)).toBe('202701');
    expect(shiftMonth('202606', -11)).toBe('202507');
  });
});
