/**
 * Deadlines as users type them (docs/design.md §4.5), always in Asia/Shanghai wall time.
 *
 * The token is folded with `normalizeText` (full-width → half-width, Traditional → Simplified)
 * and tried in this order:
 *
 * 1. Durations — our regexes, chrono has none of them right:
 *    `30分钟(内)`, `2小时(内)`, `半小时` are exact (now + duration);
 *    `3天(内)`, `7日内`, `2周(内)`, `1个月(内)` mean the end of that day;
 *    `5个工作日(内)` is the end of the 5th working day after today on China's official calendar
 *    (法定节假日 off, 调休 weekend days on) from the `chinese-days` data, falling back to
 *    Monday–Friday, with a `note`, when a day falls in a year the data does not cover.
 *    N is digits or a Chinese numeral 一…九十九 (两 = 2), at least 1 and at most 1440 分钟,
 *    720 小时, 365 天, 52 周, 12 个月 or 250 个工作日 (`999天` is refused as too long).
 * 2. A trailing 前 / 之前 / 以前 (or 内 / 之内 / 以内) is dropped from every date form
 *    (`下周五前`, `月底前`, `5.1之前`); durations do not take it (`3天前` is refused).
 * 3. Date forms — our regexes, each optionally followed by a time of day:
 *    `今天`, `明天`, `后天`, `大后天` (chrono zh misses 后天 and 大后天, and reads 明天 said
 *    before 02:00 as today);
 *    `周五` / `星期五` / `礼拜五` (next occurrence, today counts), `本周五` / `这周五`
 *    (this Monday-to-Sunday week), `下周一`, `下下周一` — chrono counts weeks from Sunday and
 *    reads 这周一 as "next Monday", so weekdays are ours;
 *    `月底`, `本月底`, `下月底`, `年底`, `明年底` (chrono has none);
 *    `2022-05-01`, `2022/5/1`, `2022.5.1`, `5.1`, `5/1`, `12/25` (chrono zh reads only the
 *    first), and a bare day of the month `15号` / `15日`.
 * 4. chrono-node's zh (Simplified) parser for the rest, accepted only when it consumes the whole
 *    token and names a day: `2022年5月1日`, `5月1日`, `5月1号`, `五月一日`, also with a time
 *    (`5月1日18:00`, `5月1日下午6点`); a part of day without an hour (`今晚`) counts as the
 *    whole day. chrono also reads the time of day after the forms in 3 (`明天18:00`,
 *    `5.1 18:00`, `周五下午3点`).
 *
 * A date without a time is the end of that day (23:59:59.999 +08:00, `endOfDay: true`).
 * Refused: anything at or before `now`, more than three years ahead, or not a real date.
 * Month-day forms without a year mean the next such date not yet past (today counts).
 *
 * Time zone: chrono is given a reference Date whose *local* fields are the Shanghai wall clock
 * and only its calendar components (year, month, day, hour, minute) are read back; instants are
 * then built with an explicit +08:00 offset. That is right whatever TZ the process has, unlike
 * `timezone: 480`, which still leaves relative phrases off by the machine's offset.
 * Holiday data is read from chinese-days' published JSON (`dist/chinese-days.json`, the same
 * data its functions use) because its `isWorkday()` answers wrongly west of UTC.
 */
import * as chrono from 'chrono-node';
import calendarData from 'chinese-days/dist/chinese-days.json';
import { clipForReply } from '../rendering/clip';
import { holidayDeadline } from './holidays';
import { normalizeText } from './normalize';

export type DeadlineResult =
  | { ok: true; at: Date; endOfDay: boolean; note?: string }
  | { ok: false; error: string };

/** A working-day calendar: `undefined` means the year of `date` ('YYYY-MM-DD') is not covered. */
export interface WorkCalendar {
  isWorkday(date: string): boolean | undefined;
}

const data = calendarData as unknown as {
  holidays: Record<string, string>;
  workdays: Record<string, string>;
};
const coveredYears = new Set(Object.keys(data.holidays).map((k) => Number(k.slice(0, 4))));

/** China's official calendar (法定节假日 and 调休) as chinese-days publishes it. */
export const officialCalendar: WorkCalendar = {
  isWorkday(date: string): boolean | undefined {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(date);
    if (!m || !coveredYears.has(Number(m[1]))) return undefined;
    if (Object.hasOwn(data.workdays, date)) return true;
    if (Object.hasOwn(data.holidays, date)) return false;
    const dow = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]))).getUTCDay();
    return dow >= 1 && dow <= 5;
  },
};

/** The first and last year the official calendar covers (from the installed chinese-days). */
export function officialCalendarYears(): { first: number; last: number } {
  const years = [...coveredYears];
  return { first: Math.min(...years), last: Math.max(...years) };
}

// ---------------------------------------------------------------------------------------------
// Shanghai calendar arithmetic: dates are { y, m (1–12), d } on the Shanghai wall calendar, and
// all arithmetic runs on UTC Dates so no local zone or DST can interfere.

const OFFSET_MS = 8 * 3600_000;
const MAX_INPUT = 40;
const MAX_YEARS_AHEAD = 3;

interface Ymd {
  y: number;
  m: number;
  d: number;
}
interface TimeOfDay {
  h: number;
  mi: number;
  s: number;
}
/** A parsed date part: a calendar day and maybe a time of day. */
interface Spec {
  ymd: Ymd;
  time?: TimeOfDay;
  note?: string;
}
/** What a form parser says: not this form (null), a spec, or a refusal. */
type Outcome =
  | Spec
  | { fail: 'invalid' | 'unreadable' | 'too-far' }
  | { fail: 'too-long'; max: string }
  | { fail: 'past'; ymd: Ymd }
  | null;

function fromUtc(t: Date): Ymd {
  return { y: t.getUTCFullYear(), m: t.getUTCMonth() + 1, d: t.getUTCDate() };
}
function addDays(a: Ymd, n: number): Ymd {
  return fromUtc(new Date(Date.UTC(a.y, a.m - 1, a.d + n)));
}
function daysInMonth(y: number, m: number): number {
  return new Date(Date.UTC(y, m, 0)).getUTCDate();
}
/** Monday = 1 … Sunday = 7. */
function isoWeekday(a: Ymd): number {
  const dow = new Date(Date.UTC(a.y, a.m - 1, a.d)).getUTCDay();
  return dow === 0 ? 7 : dow;
}
function isValidYmd(y: number, m: number, d: number): boolean {
  return y >= 1970 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= daysInMonth(y, m);
}
function isoDate(a: Ymd): string {
  return `${String(a.y).padStart(4, '0')}-${String(a.m).padStart(2, '0')}-${String(a.d).padStart(2, '0')}`;
}
function instantOf(a: Ymd, time?: TimeOfDay): Date {
  const t = time ?? { h: 23, mi: 59, s: 59 };
  const ms = time ? 0 : 999;
  return new Date(Date.UTC(a.y, a.m - 1, a.d, t.h, t.mi, t.s, ms) - OFFSET_MS);
}
function wallClock(now: Date): { today: Ymd; local: Date } {
  const s = new Date(now.getTime() + OFFSET_MS);
  const local = new Date(
    s.getUTCFullYear(), s.getUTCMonth(), s.getUTCDate(),
    s.getUTCHours(), s.getUTCMinutes(), s.getUTCSeconds(), s.getUTCMilliseconds(),
  );
  return { today: fromUtc(s), local };
}

// ---------------------------------------------------------------------------------------------
// Numbers

const CN_DIGIT: Record<string, number> = {
  一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9,
};
const NUM = '(\\d{1,7}|[一二两三四五六七八九十]{1,3})';

/** Digits, or a Chinese numeral 一 … 九十九 (两 alone = 2). */
function toInt(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const m = /^(?:([二三四五六七八九])?十([一二三四五六七八九])?|([一二两三四五六七八九]))$/.exec(s);
  if (!m) return undefined;
  if (m[3]) return CN_DIGIT[m[3]];
  return (m[1] ? CN_DIGIT[m[1]]! : 1) * 10 + (m[2] ? CN_DIGIT[m[2]]! : 0);
}

// ---------------------------------------------------------------------------------------------
// 1. Durations

const SUFFIX = '\\s*(?:内|以内|之内|后|之后)?';
const RE_MINUTES = new RegExp(`^${NUM}\\s*分钟${SUFFIX}$`);
const RE_HOURS = new RegExp(`^${NUM}\\s*个?(?:小时|钟头)${SUFFIX}$`);
const RE_HALF_HOUR = new RegExp(`^半个?(?:小时|钟头)${SUFFIX}$`);
const RE_DAYS = new RegExp(`^${NUM}\\s*(?:天${SUFFIX}|日(?:内|以内|之内))$`);
const RE_WEEKS = new RegExp(`^${NUM}\\s*个?(?:周|星期|礼拜)${SUFFIX}$`);
const RE_MONTHS = new RegExp(`^${NUM}\\s*个月${SUFFIX}$`);
const RE_WORKDAYS = new RegExp(`^${NUM}\\s*个?工作日${SUFFIX}$`);

type DurationOutcome =
  | { exact: Date }
  | { spec: Spec }
  | { fail: 'unreadable' | 'too-far' }
  | { fail: 'too-long'; max: string }
  | null;

function parseDuration(s: string, now: Date, today: Ymd, calendar: WorkCalendar): DurationOutcome {
  if (RE_HALF_HOUR.test(s)) return { exact: new Date(now.getTime() + 30 * 60_000) };
  const count = (re: RegExp): number | undefined | null => {
    const m = re.exec(s);
    if (!m) return null;
    const n = toInt(m[1]!);
    return n !== undefined && n >= 1 ? n : undefined;
  };
  // [form, largest sensible N, its wording, meaning]
  const tries: [RegExp, number, string, (n: number) => DurationOutcome][] = [
    [RE_MINUTES, 1440, '1440分钟', (n) => ({ exact: new Date(now.getTime() + n * 60_000) })],
    [RE_HOURS, 720, '720小时', (n) => ({ exact: new Date(now.getTime() + n * 3600_000) })],
    [RE_DAYS, 365, '365天', (n) => ({ spec: { ymd: addDays(today, n) } })],
    [RE_WEEKS, 52, '52周', (n) => ({ spec: { ymd: addDays(today, 7 * n) } })],
    [RE_MONTHS, 12, '12个月', (n) => {
      const y = today.y + Math.floor((today.m - 1 + n) / 12);
      const m = ((today.m - 1 + n) % 12) + 1;
      return { spec: { ymd: { y, m, d: Math.min(today.d, daysInMonth(y, m)) } } };
    }],
    [RE_WORKDAYS, 250, '250个工作日', (n) => addWorkdays(today, n, calendar)],
  ];
  for (const [re, max, wording, build] of tries) {
    const n = count(re);
    if (n === null) continue;
    if (n === undefined) return { fail: 'unreadable' };
    if (n > max) return { fail: 'too-long', max: wording };
    return build(n);
  }
  return null;
}

/** The N-th working day after `today` (today not counted). */
function addWorkdays(today: Ymd, n: number, calendar: WorkCalendar): DurationOutcome {
  const horizon = 366 * MAX_YEARS_AHEAD + 2;
  if (n > horizon) return { fail: 'too-far' };
  let uncoveredYear: number | undefined;
  let counted = 0;
  for (let i = 1; i <= horizon; i++) {
    const day = addDays(today, i);
    const work = calendar.isWorkday(isoDate(day));
    if (work === undefined) {
      uncoveredYear = day.y;
      break;
    }
    if (work && ++counted === n) return { spec: { ymd: day } };
  }
  if (uncoveredYear === undefined) return { fail: 'too-far' };
  const note = `${uncoveredYear}年的法定节假日数据尚未收录，按周一至周五计算`;
  counted = 0;
  for (let i = 1; i <= horizon; i++) {
    const day = addDays(today, i);
    if (isoWeekday(day) <= 5 && ++counted === n) return { spec: { ymd: day, note } };
  }
  return { fail: 'too-far' };
}

// ---------------------------------------------------------------------------------------------
// 3. Date forms with an optional time of day after them

const RE_BEFORE = /\s*(?:之前|以前|前|之内|以内|内)$/;
const RE_REL_DAY = /^(今天|今日|明天|明日|后天|后日|大后天)(.*)$/;
const REL_DAY_OFFSET: Record<string, number> = { 今天: 0, 今日: 0, 明天: 1, 明日: 1, 后天: 2, 后日: 2, 大后天: 3 };
const RE_WEEKDAY = /^(本|这个?|下下个?|下个?)?(?:周|星期|礼拜)([一二三四五六日天1-7])(.*)$/;
const RE_MONTH_END = /^(本|这个?|下个?)?月(?:底|末)(.*)$/;
const RE_YEAR_END = /^(本|今|明)?年(?:底|末)(.*)$/;
const RE_YMD = /^(\d{4})\s*([-/.])\s*(\d{1,2})\s*\2\s*(\d{1,2})\s*(?:日|号)?(.*)$/;
const RE_MD = /^(\d{1,2})\s*([/.])\s*(\d{1,2})\s*(?:日|号)?(.*)$/;
const RE_DOM = new RegExp(`^${NUM}\\s*(?:日|号)(.*)$`);
const WEEKDAY_INDEX: Record<string, number> = {
  一: 1, 二: 2, 三: 3, 四: 4, 五: 5, 六: 6, 日: 7, 天: 7,
  1: 1, 2: 2, 3: 3, 4: 4, 5: 5, 6: 6, 7: 7,
};

function spec(ymd: Ymd, time: TimeOfDay | undefined): Spec {
  return time ? { ymd, time } : { ymd };
}

/** The first candidate day (in order) whose deadline is still ahead, else the first valid one. */
function firstAhead(days: Ymd[], time: TimeOfDay | undefined, now: Date): Outcome {
  const valid = days.filter((a) => isValidYmd(a.y, a.m, a.d));
  const pick = valid.find((a) => instantOf(a, time) > now) ?? valid[0];
  return pick ? spec(pick, time) : { fail: 'invalid' };
}

/**
 * How far behind today a 月/日 may be and still be a slip rather than next year's date: a date
 * days or weeks past (`11月30日` written on 12月2日) is refused with the date read; only one
 * months behind (`5月1日` in December) means next year.
 */
const PAST_SLIP_DAYS = 60;

/** 月/日 without a year: this year's if still ahead; next year's when this year's is long past. */
function monthDay(mo: number, d: number, time: TimeOfDay | undefined, today: Ymd, now: Date): Outcome {
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(2000, mo)) return { fail: 'invalid' };
  if (isValidYmd(today.y, mo, d)) {
    const thisYear = { y: today.y, m: mo, d };
    const behind = (Date.UTC(today.y, today.m - 1, today.d) - Date.UTC(today.y, mo - 1, d)) / 86_400_000;
    if (instantOf(thisYear, time) <= now && behind <= PAST_SLIP_DAYS) return { fail: 'past', ymd: thisYear };
  }
  const days: Ymd[] = [];
  for (let y = today.y; y <= today.y + 8; y++) days.push({ y, m: mo, d });
  return firstAhead(days, time, now);
}

function parseDateForm(s: string, now: Date, today: Ymd, ref: Date): Outcome {
  // Splits off a time after the date; `null` when what follows the date is not a time.
  const timeOf = (rest: string): { time: TimeOfDay | undefined } | null => {
    const r = rest.trim();
    if (r === '') return { time: undefined };
    const time = parseTimeOfDay(r, ref);
    return time ? { time } : null;
  };
  const unreadable: Outcome = { fail: 'unreadable' };

  let m = RE_REL_DAY.exec(s);
  if (m) {
    const t = timeOf(m[2]!);
    return t ? spec(addDays(today, REL_DAY_OFFSET[m[1]!]!), t.time) : unreadable;
  }

  m = RE_WEEKDAY.exec(s);
  if (m) {
    const t = timeOf(m[3]!);
    if (!t) return unreadable;
    const want = WEEKDAY_INDEX[m[2]!]!;
    const todayIdx = isoWeekday(today);
    const prefix = m[1] ?? '';
    if (prefix === '') {
      const ahead = (want - todayIdx + 7) % 7;
      return firstAhead([addDays(today, ahead), addDays(today, ahead + 7)], t.time, now);
    }
    const weeks = prefix.startsWith('下下') ? 2 : prefix.startsWith('下') ? 1 : 0;
    return spec(addDays(today, want - todayIdx + 7 * weeks), t.time);
  }

  m = RE_MONTH_END.exec(s);
  if (m) {
    const t = timeOf(m[2]!);
    if (!t) return unreadable;
    const next = m[1]?.startsWith('下') ? 1 : 0;
    const y = today.y + Math.floor((today.m - 1 + next) / 12);
    const mo = ((today.m - 1 + next) % 12) + 1;
    return spec({ y, m: mo, d: daysInMonth(y, mo) }, t.time);
  }

  m = RE_YEAR_END.exec(s);
  if (m) {
    const t = timeOf(m[2]!);
    return t ? spec({ y: today.y + (m[1] === '明' ? 1 : 0), m: 12, d: 31 }, t.time) : unreadable;
  }

  m = RE_YMD.exec(s);
  if (m) {
    const t = timeOf(m[5]!);
    if (!t) return unreadable;
    const [y, mo, d] = [Number(m[1]), Number(m[3]), Number(m[4])];
    return isValidYmd(y, mo, d) ? spec({ y, m: mo, d }, t.time) : { fail: 'invalid' };
  }

  m = RE_MD.exec(s);
  if (m) {
    const t = timeOf(m[4]!);
    return t ? monthDay(Number(m[1]), Number(m[3]), t.time, today, now) : unreadable;
  }

  m = RE_DOM.exec(s);
  if (m) {
    const t = timeOf(m[2]!);
    if (!t) return unreadable;
    const d = toInt(m[1]!);
    if (d === undefined || d < 1 || d > 31) return { fail: 'invalid' };
    const days: Ymd[] = [];
    for (let i = 0; i <= 12; i++) {
      const y = today.y + Math.floor((today.m - 1 + i) / 12);
      days.push({ y, m: ((today.m - 1 + i) % 12) + 1, d });
    }
    return firstAhead(days, t.time, now);
  }

  return parseWithChrono(s, ref, today, now);
}

// ---------------------------------------------------------------------------------------------
// 4. chrono-node

const CHRONO_OPTIONS = { forwardDate: true };

/** A whole-token chrono parse that names a day (no range, no bare weekday). */
function parseWithChrono(s: string, ref: Date, today: Ymd, now: Date): Outcome {
  const results = chrono.zh.hans.parse(s, ref, CHRONO_OPTIONS);
  const r = results[0];
  if (results.length !== 1 || !r || r.index !== 0 || r.text !== s || r.end) return null;
  const c = r.start;
  if (!c.isCertain('day') || !c.isCertain('month') || c.isCertain('weekday')) return null;
  const mo = c.get('month')!;
  const d = c.get('day')!;
  const time: TimeOfDay | undefined = c.isCertain('hour')
    ? { h: c.get('hour')!, mi: c.get('minute') ?? 0, s: c.isCertain('second') ? c.get('second')! : 0 }
    : undefined;
  if (!c.isCertain('year')) return monthDay(mo, d, time, today, now);
  const y = c.get('year')!;
  return isValidYmd(y, mo, d) ? spec({ y, m: mo, d }, time) : { fail: 'invalid' };
}

/** A time of day alone (`18:00`, `下午6点`, `8点半`), read by chrono. */
function parseTimeOfDay(s: string, ref: Date): TimeOfDay | null {
  const results = chrono.zh.hans.parse(s, ref, CHRONO_OPTIONS);
  const r = results[0];
  if (results.length !== 1 || !r || r.index !== 0 || r.text !== s || r.end) return null;
  const c = r.start;
  if (!c.isCertain('hour') || c.isCertain('day') || c.isCertain('month') || c.isCertain('weekday')) {
    return null;
  }
  return { h: c.get('hour')!, mi: c.get('minute') ?? 0, s: c.isCertain('second') ? c.get('second')! : 0 };
}

// ---------------------------------------------------------------------------------------------

const ENGLISH_UNITS: [RegExp, string][] = [
  [/^(?:m|mins?|minutes?)$/i, '分钟'],
  [/^(?:h|hrs?|hours?)$/i, '小时'],
  [/^(?:d|days?)$/i, '天'],
  [/^(?:w|wks?|weeks?)$/i, '周'],
  [/^(?:workdays?|working ?days?|business ?days?)$/i, '个工作日'],
];

/** "3 days", "3d", "2h", "5 workdays" as the Chinese duration they mean. */
function englishDuration(s: string): string {
  const m = /^(\d{1,7})\s*([a-z][a-z ]*)$/i.exec(s);
  if (!m) return s;
  const unit = ENGLISH_UNITS.find(([re]) => re.test(m[2]!.trim()));
  return unit ? `${m[1]}${unit[1]}` : s;
}

/** The typed deadline quoted back in a refusal: clipped and inert (no markup, one line). */
function shown(text: string): string {
  return clipForReply(text);
}

/**
 * Reads one deadline token (as typed: full-width or Traditional are fine) relative to `now`.
 * Never throws. `calendar` decides working days for `N个工作日`; tests inject their own.
 */
export function parseDeadline(
  text: string,
  now: Date,
  calendar: WorkCalendar = officialCalendar,
): DeadlineResult {
  const raw = String(text ?? '').trim();
  const unreadable = (): DeadlineResult => ({ ok: false, error: `看不懂期限“${shown(raw)}”` });
  try {
    if (raw === '') return { ok: false, error: '没有填写期限' };
    if (!(now instanceof Date) || Number.isNaN(now.getTime())) return unreadable();
    const s = englishDuration(normalizeText(raw).replace(/\s+/g, ' ').trim());
    if (s === '' || [...s].length > MAX_INPUT) return unreadable();
    const { today, local } = wallClock(now);

    let at: Date;
    let endOfDay: boolean;
    let note: string | undefined;
    const duration = parseDuration(s, now, today, calendar);
    if (duration && 'exact' in duration) {
      at = duration.exact;
      endOfDay = false;
    } else {
      let outcome: Outcome;
      let holiday: ReturnType<typeof holidayDeadline>;
      if (duration && 'fail' in duration) outcome = duration;
      else if (duration) outcome = duration.spec;
      else if ((holiday = holidayDeadline(s, isoDate(today)))) {
        const [y, m, d] = holiday.date.split('-').map(Number) as [number, number, number];
        outcome = { ymd: { y, m, d }, note: holiday.note };
      } else {
        const stripped = s.replace(RE_BEFORE, '');
        if (stripped === '' || (stripped !== s && parseDuration(stripped, now, today, calendar))) {
          return unreadable();
        }
        outcome = parseDateForm(stripped, now, today, local);
      }
      if (outcome === null) return unreadable();
      if ('fail' in outcome) {
        switch (outcome.fail) {
          case 'unreadable':
            return unreadable();
          case 'invalid':
            return { ok: false, error: `期限“${shown(raw)}”不是有效的日期` };
          case 'too-long':
            return { ok: false, error: `期限“${shown(raw)}”太长了，最多${outcome.max}` };
          case 'too-far':
            return { ok: false, error: `期限“${shown(raw)}”太远了，最多三年内` };
          case 'past':
            return { ok: false, error: `期限“${shown(raw)}”（${outcome.ymd.y}年${outcome.ymd.m}月${outcome.ymd.d}日）已经过去了，请写一个今天以后的日期` };
        }
      }
      at = instantOf(outcome.ymd, outcome.time);
      endOfDay = outcome.time === undefined;
      note = outcome.note;
    }

    if (Number.isNaN(at.getTime())) return unreadable();
    if (at.getTime() <= now.getTime()) return { ok: false, error: `期限“${shown(raw)}”已经过去了` };
    const limit = new Date(now.getTime());
    limit.setUTCFullYear(limit.getUTCFullYear() + MAX_YEARS_AHEAD);
    if (at.getTime() > limit.getTime()) return { ok: false, error: `期限“${shown(raw)}”太远了，最多三年内` };
    return note === undefined ? { ok: true, at, endOfDay } : { ok: true, at, endOfDay, note };
  } catch {
    return unreadable();
  }
}
