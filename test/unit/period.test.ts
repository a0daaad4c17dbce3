import { ALL_TIME, parsePeriod, type Period } from '../../src/parsing/period';

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
