import { execFileSync } from 'node:child_process';
import path from 'node:path';
import * as chineseDays from 'chinese-days';
import fc from 'fast-check';
import {
  officialCalendar,
  officialCalendarYears,
  parseDeadline,
  type DeadlineResult,
  type WorkCalendar,
} from '../../src/parsing/deadline';

/** Monday 2026-04-27 10:00 in Shanghai; 2026-05-01..05 is 劳动节, Saturday 2026-05-09 is 调休. */
const MONDAY = new Date('2026-04-27T10:00:00+08:00');

/** The end of a Shanghai calendar day, as an ISO instant. */
const endOf = (day: string): string => new Date(`${day}T23:59:59.999+08:00`).toISOString();
const at = (local: string): string => new Date(`${local}+08:00`).toISOString();

function ok(result: DeadlineResult): { at: string; endOfDay: boolean; note?: string } {
  if (!result.ok) throw new Error(`expected ok, got error: ${result.error}`);
  return result.note === undefined
    ? { at: result.at.toISOString(), endOfDay: result.endOfDay }
    : { at: result.at.toISOString(), endOfDay: result.endOfDay, note: result.note };
}
function error(result: DeadlineResult): string {
  if (result.ok) throw new Error(`expected an error, got ${result.at.toISOString()}`);
  return result.error;
}

/** Every form docs/design.md §4.5 lists (and a few more), read on MONDAY. [input, instant, endOfDay] */
const MONDAY_CASES: [string, string, boolean][] = [
  ['2026-05-01', endOf('2026-05-01'), true],
  ['2026/5/1', endOf('2026-05-01'), true],
  ['2026.5.1', endOf('2026-05-01'), true],
  ['2026年5月1日', endOf('2026-05-01'), true],
  ['2027-03-15', endOf('2027-03-15'), true],
  ['5月1日', endOf('2026-05-01'), true],
  ['5月1号', endOf('2026-05-01'), true],
  ['五月一日', endOf('2026-05-01'), true],
  ['5.1', endOf('2026-05-01'), true],
  ['5/1', endOf('2026-05-01'), true],
  ['12/25', endOf('2026-12-25'), true],
  ['4.27', endOf('2026-04-27'), true],
  ['1.26', endOf('2027-01-26'), true],
  ['15号', endOf('2026-05-15'), true],
  ['3天', endOf('2026-04-30'), true],
  ['3天内', endOf('2026-04-30'), true],
  ['三天内', endOf('2026-04-30'), true],
  ['十五天', endOf('2026-05-12'), true],
  ['7日内', endOf('2026-05-04'), true],
  ['2周', endOf('2026-05-11'), true],
  ['2周内', endOf('2026-05-11'), true],
  ['两周', endOf('2026-05-11'), true],
  ['1个月内', endOf('2026-05-27'), true],
  ['今天', endOf('2026-04-27'), true],
  ['明天', endOf('2026-04-28'), true],
  ['后天', endOf('2026-04-29'), true],
  ['大后天', endOf('2026-04-30'), true],
  ['本周五', endOf('2026-05-01'), true],
  ['这周五', endOf('2026-05-01'), true],
  ['这周日', endOf('2026-05-03'), true],
  ['周五', endOf('2026-05-01'), true],
  ['星期五', endOf('2026-05-01'), true],
  ['礼拜五', endOf('2026-05-01'), true],
  ['周一', endOf('2026-04-27'), true],
  ['星期天', endOf('2026-05-03'), true],
  ['下周一', endOf('2026-05-04'), true],
  ['下周五', endOf('2026-05-08'), true],
  ['下周日', endOf('2026-05-10'), true],
  ['下下周一', endOf('2026-05-11'), true],
  ['下周五前', endOf('2026-05-08'), true],
  ['下周五之前', endOf('2026-05-08'), true],
  ['5月1日以前', endOf('2026-05-01'), true],
  ['5.1前', endOf('2026-05-01'), true],
  ['明天前', endOf('2026-04-28'), true],
  ['月底', endOf('2026-04-30'), true],
  ['本月底', endOf('2026-04-30'), true],
  ['月底前', endOf('2026-04-30'), true],
  ['下月底', endOf('2026-05-31'), true],
  ['下个月底', endOf('2026-05-31'), true],
  ['年底', endOf('2026-12-31'), true],
  ['年底前', endOf('2026-12-31'), true],
  ['5个工作日内', endOf('2026-05-07'), true],
  ['5个工作日', endOf('2026-05-07'), true],
  ['五个工作日内', endOf('2026-05-07'), true],
  ['30分钟', at('2026-04-27T10:30:00'), false],
  ['30分钟内', at('2026-04-27T10:30:00'), false],
  ['半小时', at('2026-04-27T10:30:00'), false],
  ['2小时', at('2026-04-27T12:00:00'), false],
  ['2小时内', at('2026-04-27T12:00:00'), false],
  ['两小时', at('2026-04-27T12:00:00'), false],
  ['5月1日18:00', at('2026-05-01T18:00:00'), false],
  ['5月1日 18:00', at('2026-05-01T18:00:00'), false],
  ['明天18:00', at('2026-04-28T18:00:00'), false],
  ['明天下午6点', at('2026-04-28T18:00:00'), false],
  ['后天9点', at('2026-04-29T09:00:00'), false],
  ['5.1 18:00', at('2026-05-01T18:00:00'), false],
  ['2026-05-01 8:30', at('2026-05-01T08:30:00'), false],
  ['周五下午3点', at('2026-05-01T15:00:00'), false],
  ['今天18:00', at('2026-04-27T18:00:00'), false],
  ['周一9:00', at('2026-05-04T09:00:00'), false],
];

describe('parseDeadline on a Monday (2026-04-27 10:00 Shanghai)', () => {
  it.each(MONDAY_CASES)('reads %s', (input, instant, endOfDay) => {
    expect(ok(parseDeadline(input, MONDAY))).toEqual({ at: instant, endOfDay });
  });

  it('trims the token', () => {
    expect(ok(parseDeadline('  明天 ', MONDAY))).toEqual({ at: endOf('2026-04-28'), endOfDay: true });
  });

  it('reads full-width and Traditional forms', () => {
    expect(ok(parseDeadline('５天', MONDAY)).at).toBe(endOf('2026-05-02'));
    expect(ok(parseDeadline('兩週', MONDAY)).at).toBe(endOf('2026-05-11'));
    expect(ok(parseDeadline('後天', MONDAY)).at).toBe(endOf('2026-04-29'));
    expect(ok(parseDeadline('下週五前', MONDAY)).at).toBe(endOf('2026-05-08'));
    expect(ok(parseDeadline('５．１', MONDAY)).at).toBe(endOf('2026-05-01'));
    expect(ok(parseDeadline('２０２６／５／１', MONDAY)).at).toBe(endOf('2026-05-01'));
    expect(ok(parseDeadline('三天內', MONDAY)).at).toBe(endOf('2026-04-30'));
    expect(ok(parseDeadline('五個工作日內', MONDAY)).at).toBe(endOf('2026-05-07'));
    expect(ok(parseDeadline('明天１８：００', MONDAY)).at).toBe(at('2026-04-28T18:00:00'));
  });

  it('adds exact durations to now, seconds and milliseconds included', () => {
    const now = new Date('2026-04-27T10:00:45.123+08:00');
    expect(ok(parseDeadline('30分钟', now))).toEqual({ at: '2026-04-27T02:30:45.123Z', endOfDay: false });
    expect(ok(parseDeadline('2小时内', now))).toEqual({ at: '2026-04-27T04:00:45.123Z', endOfDay: false });
  });
});

describe('parseDeadline around the day boundary', () => {
  it('takes the Shanghai day, not the UTC one, just after midnight in Shanghai', () => {
    const now = new Date('2026-04-28T00:30:00+08:00'); // still 2026-04-27 in UTC
    expect(ok(parseDeadline('明天', now)).at).toBe(endOf('2026-04-29'));
    expect(ok(parseDeadline('今天', now)).at).toBe(endOf('2026-04-28'));
    expect(ok(parseDeadline('3天', now)).at).toBe(endOf('2026-05-01'));
    expect(ok(parseDeadline('周二', now)).at).toBe(endOf('2026-04-28'));
  });

  it('takes the Shanghai day just before midnight in Shanghai', () => {
    const now = new Date('2026-04-27T23:59:00+08:00');
    expect(ok(parseDeadline('今天', now)).at).toBe(endOf('2026-04-27'));
    expect(ok(parseDeadline('明天', now)).at).toBe(endOf('2026-04-28'));
  });
});

describe('month-day forms without a year', () => {
  it('refuse a date days or weeks behind today, naming the date read', () => {
    const now = new Date('2026-05-02T09:00:00+08:00');
    for (const text of ['5.1', '5/1', '5月1日', '4月1日']) {
      const r = parseDeadline(text, now);
      expect(r.ok).toBe(false);
      expect(!r.ok && r.error).toMatch(/^期限“.+”（2026年(5月1日|4月1日)）已经过去了，请写一个今天以后的日期$/);
    }
  });

  it('refuse 11月30日 written on 12月2日, and read 5月1日 in December as next year', () => {
    const now = new Date('2026-12-02T10:00:00+08:00');
    expect(parseDeadline('11月30日', now)).toEqual({ ok: false, error: '期限“11月30日”（2026年11月30日）已经过去了，请写一个今天以后的日期' });
    expect(ok(parseDeadline('5月1日', now)).at).toBe(endOf('2027-05-01'));
    expect(ok(parseDeadline('10月1日', now)).at).toBe(endOf('2027-10-01'));
  });

  it('keep today when the end of today is still ahead', () => {
    const now = new Date('2026-05-01T21:00:00+08:00');
    expect(ok(parseDeadline('5.1', now)).at).toBe(endOf('2026-05-01'));
    expect(ok(parseDeadline('5月1日', now)).at).toBe(endOf('2026-05-01'));
  });

  it('refuse a time today that has passed, rather than move it a year', () => {
    const now = new Date('2026-05-01T21:00:00+08:00');
    expect(parseDeadline('5月1日18:00', now).ok).toBe(false);
  });

  it('find the next 29 February', () => {
    expect(ok(parseDeadline('2/29', MONDAY)).at).toBe(endOf('2028-02-29'));
  });

  it('skip a month without that day for 31号', () => {
    expect(ok(parseDeadline('31号', MONDAY)).at).toBe(endOf('2026-05-31'));
    expect(ok(parseDeadline('31号', new Date('2026-05-31T12:00:00+08:00'))).at).toBe(endOf('2026-05-31'));
    expect(ok(parseDeadline('31号', new Date('2026-06-01T12:00:00+08:00'))).at).toBe(endOf('2026-07-31'));
  });
});

describe('weekdays', () => {
  it('reads a bare weekday as today when today is that day', () => {
    const friday = new Date('2026-05-08T09:00:00+08:00');
    expect(ok(parseDeadline('周五', friday)).at).toBe(endOf('2026-05-08'));
    expect(ok(parseDeadline('周四', friday)).at).toBe(endOf('2026-05-14'));
  });

  it('reads 本周X as this Monday-to-Sunday week, refusing a day already gone', () => {
    const wednesday = new Date('2026-04-29T10:00:00+08:00');
    expect(error(parseDeadline('本周一', wednesday))).toBe('期限“本周一”已经过去了');
    expect(ok(parseDeadline('本周日', wednesday)).at).toBe(endOf('2026-05-03'));
  });

  it('reads 下周X from a Sunday as the coming week', () => {
    const sunday = new Date('2026-05-03T10:00:00+08:00');
    expect(ok(parseDeadline('下周一', sunday)).at).toBe(endOf('2026-05-04'));
    expect(ok(parseDeadline('下周五前', sunday)).at).toBe(endOf('2026-05-08'));
    expect(ok(parseDeadline('周一', sunday)).at).toBe(endOf('2026-05-04'));
  });
});

describe('month and year ends', () => {
  it('reads 月底 on the last day of a month as that day', () => {
    const now = new Date('2026-04-30T17:00:00+08:00');
    expect(ok(parseDeadline('月底', now))).toEqual({ at: endOf('2026-04-30'), endOfDay: true });
    expect(ok(parseDeadline('下月底', now)).at).toBe(endOf('2026-05-31'));
  });

  it('reads 下月底 across a year end and into February', () => {
    expect(ok(parseDeadline('下月底', new Date('2026-12-15T10:00:00+08:00'))).at).toBe(endOf('2027-01-31'));
    expect(ok(parseDeadline('下月底', new Date('2027-01-31T10:00:00+08:00'))).at).toBe(endOf('2027-02-28'));
    expect(ok(parseDeadline('月底', new Date('2028-02-03T10:00:00+08:00'))).at).toBe(endOf('2028-02-29'));
  });

  it('reads 年底 on 31 December as that day, and 明年底', () => {
    const now = new Date('2026-12-31T08:00:00+08:00');
    expect(ok(parseDeadline('年底', now)).at).toBe(endOf('2026-12-31'));
    expect(ok(parseDeadline('明年底', now)).at).toBe(endOf('2027-12-31'));
  });
});

describe('working days on the official calendar', () => {
  it('agrees with chinese-days about the 2026 Labour Day holiday and its 调休 Saturday', () => {
    for (const day of ['2026-05-01', '2026-05-02', '2026-05-03', '2026-05-04', '2026-05-05']) {
      expect(chineseDays.isWorkday(day)).toBe(false);
      expect(officialCalendar.isWorkday(day)).toBe(false);
    }
    expect(chineseDays.getDayDetail('2026-05-09').work).toBe(true); // a Saturday
    expect(new Date('2026-05-09T12:00:00+08:00').getUTCDay()).toBe(6);
    expect(officialCalendar.isWorkday('2026-05-09')).toBe(true);
    expect(officialCalendar.isWorkday('2026-05-10')).toBe(false);
  });

  it('agrees with chinese-days on every day of every year it covers', () => {
    const { first, last } = officialCalendarYears();
    let mismatches = 0;
    for (let t = Date.UTC(first, 0, 1); t <= Date.UTC(last, 11, 31); t += 86_400_000) {
      const day = new Date(t).toISOString().slice(0, 10);
      if (officialCalendar.isWorkday(day) !== chineseDays.isWorkday(day)) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('covers 2004–2026 in the installed chinese-days and nothing after', () => {
    expect(officialCalendarYears()).toEqual({ first: 2004, last: 2026 });
    expect(officialCalendar.isWorkday('2027-01-04')).toBeUndefined();
    expect(officialCalendar.isWorkday('2003-06-02')).toBeUndefined();
    expect(officialCalendar.isWorkday('not a date')).toBeUndefined();
  });

  it('skips the Labour Day holiday: 5个工作日内 from Monday 27 April ends Thursday 7 May', () => {
    // 28, 29, 30 April; 1–5 May off; 6, 7 May.
    expect(ok(parseDeadline('5个工作日内', MONDAY))).toEqual({ at: endOf('2026-05-07'), endOfDay: true });
    expect(ok(parseDeadline('4个工作日', MONDAY)).at).toBe(endOf('2026-05-06'));
    expect(ok(parseDeadline('1个工作日', new Date('2026-04-30T10:00:00+08:00'))).at).toBe(endOf('2026-05-06'));
  });

  it('counts the 调休 Saturday 9 May as a working day', () => {
    const wednesday = new Date('2026-05-06T10:00:00+08:00');
    expect(ok(parseDeadline('3个工作日', wednesday)).at).toBe(endOf('2026-05-09'));
    expect(ok(parseDeadline('4个工作日', wednesday)).at).toBe(endOf('2026-05-11'));
  });

  it('does not count today', () => {
    const friday = new Date('2026-05-08T08:00:00+08:00');
    expect(ok(parseDeadline('1个工作日', friday)).at).toBe(endOf('2026-05-09'));
  });

  it('falls back to Monday–Friday with a note when the count runs into 2027, which the data lacks', () => {
    const now = new Date('2026-12-28T10:00:00+08:00'); // Monday
    // Mon–Fri: 29, 30, 31 December, 1 January (Friday), 4 January.
    expect(ok(parseDeadline('5个工作日内', now))).toEqual({
      at: endOf('2027-01-04'),
      endOfDay: true,
      note: '2027年的法定节假日数据尚未收录，按周一至周五计算',
    });
    // Staying inside 2026 needs no fallback.
    expect(ok(parseDeadline('3个工作日', now))).toEqual({ at: endOf('2026-12-31'), endOfDay: true });
  });

  it('uses an injected calendar, falling back for the whole count when any day is uncovered', () => {
    // A calendar where every day is a working day, but which knows nothing after 2026-04-29.
    const calendar: WorkCalendar = { isWorkday: (day) => (day <= '2026-04-29' ? true : undefined) };
    expect(ok(parseDeadline('2个工作日', MONDAY, calendar))).toEqual({ at: endOf('2026-04-29'), endOfDay: true });
    // Saturday 2 and Sunday 3 May are skipped, 1 May is a Friday and counts.
    expect(ok(parseDeadline('5个工作日', MONDAY, calendar))).toEqual({
      at: endOf('2026-05-04'),
      endOfDay: true,
      note: '2026年的法定节假日数据尚未收录，按周一至周五计算',
    });
  });

  it('names the first uncovered year in the note', () => {
    const calendar: WorkCalendar = { isWorkday: (day) => (day.startsWith('2026') ? true : undefined) };
    const result = ok(parseDeadline('5个工作日', new Date('2026-12-30T10:00:00+08:00'), calendar));
    expect(result.note).toBe('2027年的法定节假日数据尚未收录，按周一至周五计算');
    expect(result.at).toBe(endOf('2027-01-06'));
  });
});

describe('refusals', () => {
  it.each<[string, string]>([
    ['2022-05-01', '期限“2022-05-01”已经过去了'],
    ['2022年5月1日', '期限“2022年5月1日”已经过去了'],
    ['2026-04-27 09:00', '期限“2026-04-27 09:00”已经过去了'],
    ['今天9点', '期限“今天9点”已经过去了'],
    ['abc', '看不懂期限“abc”'],
    ['下下下周', '看不懂期限“下下下周”'],
    ['下周', '看不懂期限“下周”'],
    ['3天前', '看不懂期限“3天前”'],
    ['2小时前', '看不懂期限“2小时前”'],
    ['0天', '看不懂期限“0天”'],
    ['明天25点', '看不懂期限“明天25点”'],
    ['5月1日至5月3日', '看不懂期限“5月1日至5月3日”'],
    ['周八', '看不懂期限“周八”'],
    ['2026-13-01', '期限“2026-13-01”不是有效的日期'],
    ['13/1', '期限“13/1”不是有效的日期'],
    ['2/30', '期限“2/30”不是有效的日期'],
    ['2027-02-29', '期限“2027-02-29”不是有效的日期'],
    ['999天', '期限“999天”太长了，最多365天'],
    ['100周', '期限“100周”太长了，最多52周'],
    ['5000分钟', '期限“5000分钟”太长了，最多1440分钟'],
    ['1000个工作日', '期限“1000个工作日”太长了，最多250个工作日'],
    ['2029-05-01', '期限“2029-05-01”太远了，最多三年内'],
    ['2099-01-01', '期限“2099-01-01”太远了，最多三年内'],
  ])('refuses %s', (input, message) => {
    expect(error(parseDeadline(input, MONDAY))).toBe(message);
  });

  it('accepts a date just inside three years', () => {
    expect(ok(parseDeadline('2029-04-26', MONDAY)).at).toBe(endOf('2029-04-26'));
  });

  it('refuses an empty or blank token', () => {
    expect(error(parseDeadline('', MONDAY))).toBe('没有填写期限');
    expect(error(parseDeadline(' \u3000 ', MONDAY))).toBe('没有填写期限');
  });

  it('refuses a deadline exactly at now', () => {
    const endOfToday = new Date('2026-04-27T23:59:59.999+08:00');
    expect(error(parseDeadline('今天', endOfToday))).toBe('期限“今天”已经过去了');
  });

  it('shortens a long token in the message', () => {
    expect(error(parseDeadline('这是一个非常非常非常非常非常非常长的期限写法', MONDAY))).toBe(
      '看不懂期限“这是一个非常非常非常非常非常非常长的期限…”',
    );
  });

  it('refuses an invalid now instead of throwing', () => {
    expect(error(parseDeadline('明天', new Date(Number.NaN)))).toBe('看不懂期限“明天”');
  });
});

describe('time zone independence', () => {
  it('gives the same instants when the process runs in UTC or New York', () => {
    const root = path.resolve(__dirname, '../..');
    const script = `
      const { parseDeadline } = require(${JSON.stringify(path.join(root, 'src/parsing/deadline.ts'))});
      const cases = ${JSON.stringify(MONDAY_CASES.map(([input]) => input))};
      const now = new Date(${JSON.stringify(MONDAY.toISOString())});
      const out = {};
      for (const tz of ['UTC', 'America/New_York', 'Pacific/Kiritimati']) {
        process.env.TZ = tz;
        out[tz] = cases.map((c) => { const r = parseDeadline(c, now); return r.ok ? r.at.toISOString() : r.error; });
        out[tz].push(String(new Date(2026, 0, 1).getTimezoneOffset()));
      }
      process.stdout.write(JSON.stringify(out));
    `;
    const stdout = execFileSync(process.execPath, ['--require', 'tsx/cjs', '-e', script], {
      cwd: root,
      env: { ...process.env, TZ: 'UTC' },
      encoding: 'utf8',
    });
    const byZone = JSON.parse(stdout) as Record<string, string[]>;
    const expected = MONDAY_CASES.map(([, instant]) => instant);
    expect(byZone.UTC!.slice(0, -1)).toEqual(expected);
    expect(byZone['America/New_York']!.slice(0, -1)).toEqual(expected);
    expect(byZone['Pacific/Kiritimati']!.slice(0, -1)).toEqual(expected);
    // The zones really were in effect.
    expect(byZone.UTC!.at(-1)).toBe('0');
    expect(byZone['America/New_York']!.at(-1)).toBe('300');
    expect(byZone['Pacific/Kiritimati']!.at(-1)).toBe('-840');
  });
});

describe('properties', () => {
  const nowArb = fc
    .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true });
  const tokenArb = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: 'grapheme', maxLength: 12 }),
    fc.string({
      unit: fc.constantFrom(
        ...'0123456789０１２３４５６７８９年月日号天周週星期礼拜禮下本这這个個工作日内內前之以后後大明今分钟鐘小时時半底末一二两兩三十:/.-：／． \u3000\n\t\u0000\u200b🙂'.split(''),
      ),
      maxLength: 12,
    }),
  );

  it('never throws and answers ok with a future instant or an error string', () => {
    fc.assert(
      fc.property(tokenArb, nowArb, (token, now) => {
        const result = parseDeadline(token, now);
        if (result.ok) {
          expect(result.at.getTime()).toBeGreaterThan(now.getTime());
          expect(typeof result.endOfDay).toBe('boolean');
        } else {
          expect(typeof result.error).toBe('string');
          expect(result.error.length).toBeGreaterThan(0);
          expect(result.error.startsWith('⚠️')).toBe(false);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('puts a date without a time at 23:59:59.999 Shanghai', () => {
    fc.assert(
      fc.property(tokenArb, nowArb, (token, now) => {
        const result = parseDeadline(token, now);
        if (result.ok && result.endOfDay) {
          expect(new Date(result.at.getTime() + 8 * 3600_000).toISOString().slice(11)).toBe('23:59:59.999Z');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('holidays and English durations', () => {
  const now = new Date('2026-12-02T10:00:00+08:00');
  it.each<[string, string, RegExp]>([
    ['国庆后', '2027-10-08', /^国庆后第一个工作日，2027年放假安排未公布，按惯例估算/],
    ['国庆节后', '2027-10-08', /^国庆后第一个工作日/],
    ['十一后', '2027-10-08', /^国庆后第一个工作日/],
    ['春节前', '2027-02-04', /^春节前最后一个工作日/],
    ['元旦前', '2026-12-31', /^元旦前最后一个工作日，2027年/],
    ['五一后', '2027-05-06', /^劳动节后第一个工作日/],
    ['中秋前', '2027-09-14', /^中秋前最后一个工作日/],
    ['國慶後', '2027-10-08', /^国庆后第一个工作日/],
  ])('reads %s', (text, day, note) => {
    const r = ok(parseDeadline(text, now));
    expect(r.at).toBe(endOf(day));
    expect(r.note).toMatch(note);
  });

  it('uses the official days off where the data covers the year', () => {
    // 2026's 国庆 break ran 10月1日–7日 and 10月10日 (Saturday) was a working day.
    const r = ok(parseDeadline('国庆后', new Date('2026-09-01T10:00:00+08:00')));
    expect(r.at).toBe(endOf('2026-10-08'));
    expect(r.note).toBe('国庆后第一个工作日');
    // 春节 2026: 2月15日–23日 off; the last working day before is 2月14日 (a 调休 Saturday).
    expect(ok(parseDeadline('春节前', new Date('2026-01-10T10:00:00+08:00'))).at).toBe(endOf('2026-02-14'));
  });

  it.each<[string, string]>([
    ['3 days', '2026-12-05'],
    ['3d', '2026-12-05'],
    ['2 weeks', '2026-12-16'],
    ['5 workdays', '2026-12-09'],
  ])('reads %s', (text, day) => {
    expect(ok(parseDeadline(text, now)).at).toBe(endOf(day));
  });
});
