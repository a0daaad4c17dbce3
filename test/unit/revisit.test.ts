import { policySchema } from '../../src/config/org-schema';
import { isWorkingDay, revisitAt } from '../../src/domain/revisit';
import { officialCalendar, type WorkCalendar } from '../../src/parsing/deadline';
import { formatDay } from '../../src/rendering/dates';
import { demoOrg } from '../support/app';

/** 回头看 falls on a working day of the official calendar (chinese-days), at remindAt. */
const demo = demoOrg().policy;
const sh = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);
const due = (closed: string, policy = demo) => new Date(revisitAt(sh(closed), policy, officialCalendar)).toISOString();
const iso = (local: string) => new Date(sh(local)).toISOString();

it('uses the demo policy these cases are written for', () => {
  expect([demo.revisitAfter.text, demo.remindAt]).toEqual(['30d', '09:00']);
});

describe('a 30-day revisit', () => {
  it.each([
    // 2026-12-02 + 30d is 元旦 2027-01-01 (Friday); the weekend follows.
    ['2026-12-02 15:20', '2027-01-04 09:00'],
    // 国庆 2026: 1–7 October off; Saturday 10 October is a 调休 working day.
    ['2026-09-01 10:00', '2026-10-08 09:00'],
    ['2026-09-05 10:00', '2026-10-08 09:00'],
    ['2026-09-10 10:00', '2026-10-10 09:00'],
    // 国庆 2025 with 中秋 on 6 October: 1–8 October off.
    ['2025-09-01 10:00', '2025-10-09 09:00'],
    // 中秋 2026 (25–27 September), then Sunday 20 September worked (调休).
    ['2026-08-26 10:00', '2026-09-28 09:00'],
    ['2026-08-21 10:00', '2026-09-20 09:00'],
    // A plain weekend, and a plain weekday.
    ['2026-11-05 18:00', '2026-12-07 09:00'],
    ['2026-04-27 10:00', '2026-05-27 09:00'],
  ])('closed %s → %s', (closed, expected) => {
    expect(due(closed)).toBe(iso(expected));
  });

  it('says the moved day in the 销号 reply’s words', () => {
    const closed = sh('2026-12-02 15:20');
    expect(formatDay(revisitAt(closed, demo, officialCalendar), closed)).toBe('2027年1月4日（周一）');
  });
});

describe('years the official calendar does not cover', () => {
  it('falls back to Monday–Friday without the fixed-date holidays (元旦, 劳动节, 国庆)', () => {
    const none: WorkCalendar = { isWorkday: () => undefined };
    expect(isWorkingDay(sh('2027-01-01 00:00'), none)).toBe(false);
    expect(isWorkingDay(sh('2027-05-03 00:00'), none)).toBe(true);
    expect(isWorkingDay(sh('2028-05-01 00:00'), none)).toBe(false);
    expect(isWorkingDay(sh('2028-05-02 00:00'), none)).toBe(false);
    expect(isWorkingDay(sh('2028-10-02 00:00'), none)).toBe(false);
    expect(isWorkingDay(sh('2028-10-04 00:00'), none)).toBe(true);
    expect(isWorkingDay(sh('2027-06-05 00:00'), none)).toBe(false); // a Saturday
    // The same answers whether or not the installed chinese-days already covers 2027.
    expect(revisitAt(sh('2026-12-02 15:20'), demo, none)).toBe(sh('2027-01-04 09:00'));
    expect(revisitAt(sh('2027-09-01 10:00'), demo, none)).toBe(sh('2027-10-04 09:00'));
  });

  it('prefers the official calendar where it has an answer', () => {
    // Saturday 2026-10-10 is worked; Monday 2026-10-05 is not.
    expect(isWorkingDay(sh('2026-10-10 12:00'), officialCalendar)).toBe(true);
    expect(isWorkingDay(sh('2026-10-05 12:00'), officialCalendar)).toBe(false);
  });
});

describe('other durations', () => {
  it('keeps a duration shorter than a day exact (the compressed demo and test policies)', () => {
    const policy = policySchema.parse({ revisitAfter: '2s' });
    expect(revisitAt(sh('2027-01-01 10:00'), policy, officialCalendar)).toBe(sh('2027-01-01 10:00') + 2_000);
    expect(revisitAt(sh('2026-12-02 10:00'), policySchema.parse({ revisitAfter: '36h' }), officialCalendar)).toBe(sh('2026-12-03 22:00'));
  });

  it('counts weeks as days, at remindAt', () => {
    expect(due('2026-09-24 16:00', policySchema.parse({ revisitAfter: '1w', remindAt: '08:30' }))).toBe(iso('2026-10-08 08:30'));
  });

  it('is never before the close (0d closed after remindAt)', () => {
    expect(revisitAt(sh('2026-12-02 15:00'), policySchema.parse({ revisitAfter: '0d' }), officialCalendar)).toBe(sh('2026-12-02 15:00'));
  });
});
