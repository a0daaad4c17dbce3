import { halfwayIndex, nextSlot, reminderSlots } from '../../jobs/timers/slots';
import { policySchema, type Policy } from '../../src/config/org-schema';
import { DAY_MS, wallTime } from '../../src/domain/time';
import { demoOrg } from '../support/app';

/**
 * Deadline reminders come before the deadline: never at it, never after it, and at least one
 * for every deadline set ahead of now (docs/design.md, policy remindBefore).
 */
const demo = demoOrg().policy;
const sh = (local: string): number => Date.parse(`${local.replace(' ', 'T')}:00+08:00`);
const endOf = (day: string): number => Date.parse(`${day}T23:59:59.999+08:00`);
const hhmm = (ms: number): string => {
  const w = wallTime(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
};

/**
 * Every reminder of one deadline set at `now`, as the timers worker runs them: the first slot
 * when the deadline is set, then after each, the next slot after the one that fired.
 */
function chain(deadline: number, now: number, policy: Pick<Policy, 'remindBefore' | 'remindAt'> = demo): { at: number; label: string }[] {
  const fired: { at: number; label: string }[] = [];
  let slot = nextSlot(deadline, policy, now, true);
  while (slot) {
    fired.push({ at: slot.fireAt, label: slot.label });
    if (fired.length > 20) throw new Error('reminders never end');
    const known = reminderSlots(deadline, policy).find((s) => s.index === slot!.index)?.fireAt ?? slot.fireAt;
    slot = nextSlot(deadline, policy, known);
  }
  return fired;
}
const shown = (deadline: number, now: number) => chain(deadline, now).map((r) => `${hhmm(r.at)} ${r.label}`);

it('uses the demo policy these cases are written for', () => {
  expect(demo.remindBefore.map((d) => d.text)).toEqual(['3d', '1d', '0d']);
  expect(demo.remindAt).toBe('09:00');
});

describe('the reminders of one deadline under the demo policy (3d, 1d, 0d at 09:00)', () => {
  const cases: [string, number, number, string[]][] = [
    // 期限:2分钟 — before 09:00 the 0d slot used to be clamped onto the deadline itself.
    ['2 min, set at 08:30', sh('2026-12-02 08:30'), sh('2026-12-02 08:32'), ['12-02 08:31 half']],
    ['2 min, set at 14:00', sh('2026-12-02 14:00'), sh('2026-12-02 14:02'), ['12-02 14:01 half']],
    ['2 min across midnight', sh('2026-12-02 23:59'), sh('2026-12-03 00:01'), ['12-03 00:00 half']],
    // 期限:10分钟 — its only timer used to be at the deadline.
    ['10 min, set at 08:30', sh('2026-12-02 08:30'), sh('2026-12-02 08:40'), ['12-02 08:35 half']],
    ['10 min around 09:00', sh('2026-12-02 08:55'), sh('2026-12-02 09:05'), ['12-02 09:00 0d']],
    ['10 min ending at 09:00', sh('2026-12-02 08:50'), sh('2026-12-02 09:00'), ['12-02 08:55 half']],
    ['10 min, set at 15:00', sh('2026-12-02 15:00'), sh('2026-12-02 15:10'), ['12-02 15:05 half']],
    // 期限:2小时
    ['2 h over 09:00', sh('2026-12-02 08:00'), sh('2026-12-02 10:00'), ['12-02 09:00 0d']],
    ['2 h after 09:00', sh('2026-12-02 10:00'), sh('2026-12-02 12:00'), ['12-02 11:00 half']],
    ['2 h ending before 09:00', sh('2026-12-02 06:00'), sh('2026-12-02 08:00'), ['12-02 07:00 half']],
    // Later the same day: before remindAt the 0d slot serves, after it a halfway one does.
    ['today 10:00, set at 07:00', sh('2026-12-02 07:00'), sh('2026-12-02 10:00'), ['12-02 09:00 0d']],
    ['today 08:30, set at 07:00', sh('2026-12-02 07:00'), sh('2026-12-02 08:30'), ['12-02 07:45 half']],
    ['today 09:00 sharp, set at 07:00', sh('2026-12-02 07:00'), sh('2026-12-02 09:00'), ['12-02 08:00 half']],
    ['end of today, set at 10:00', sh('2026-12-02 10:00'), endOf('2026-12-02'), ['12-02 16:59 half']],
    ['today 18:00, set at 10:00', sh('2026-12-02 10:00'), sh('2026-12-02 18:00'), ['12-02 14:00 half']],
    // 1 day
    ['tomorrow 14:00', sh('2026-12-02 14:00'), sh('2026-12-03 14:00'), ['12-03 09:00 0d']],
    ['end of tomorrow', sh('2026-12-02 14:00'), endOf('2026-12-03'), ['12-03 09:00 0d']],
    ['tomorrow 08:30 (0d would be after it)', sh('2026-12-02 14:00'), sh('2026-12-03 08:30'), ['12-02 23:15 half']],
    ['tomorrow 08:30, set at 08:00', sh('2026-12-02 08:00'), sh('2026-12-03 08:30'), ['12-02 09:00 1d']],
    // 3 days
    ['end of day in 3 days', sh('2026-12-02 14:00'), endOf('2026-12-05'), ['12-04 09:00 1d', '12-05 09:00 0d']],
    ['in 3 days at 08:30', sh('2026-12-02 14:00'), sh('2026-12-05 08:30'), ['12-04 09:00 1d']],
    ['in 3 days, set before 09:00', sh('2026-12-02 08:00'), endOf('2026-12-05'), ['12-02 09:00 3d', '12-04 09:00 1d', '12-05 09:00 0d']],
    // 7 days
    ['end of day in 7 days', sh('2026-12-02 14:00'), endOf('2026-12-09'), ['12-06 09:00 3d', '12-08 09:00 1d', '12-09 09:00 0d']],
    ['in 7 days at 08:30', sh('2026-12-02 14:00'), sh('2026-12-09 08:30'), ['12-06 09:00 3d', '12-08 09:00 1d']],
    ['in 7 days at 09:00 sharp', sh('2026-12-02 14:00'), sh('2026-12-09 09:00'), ['12-06 09:00 3d', '12-08 09:00 1d']],
    ['in 7 days at 09:01', sh('2026-12-02 14:00'), sh('2026-12-09 09:01'), ['12-06 09:00 3d', '12-08 09:00 1d', '12-09 09:00 0d']],
  ];
  it.each(cases)('%s', (_name, now, deadline, expected) => {
    expect(shown(deadline, now)).toEqual(expected);
  });

  it('leaves a deadline already past, or reached, without reminders', () => {
    expect(nextSlot(sh('2026-12-02 10:00'), demo, sh('2026-12-02 10:00'), true)).toBeUndefined();
    expect(nextSlot(sh('2026-12-02 10:00'), demo, sh('2026-12-02 10:01'), true)).toBeUndefined();
  });

  it('gives the halfway reminder an index of its own, past the policy offsets', () => {
    expect(nextSlot(sh('2026-12-02 08:32'), demo, sh('2026-12-02 08:30'), true)).toEqual({ index: halfwayIndex(demo), label: 'half', fireAt: sh('2026-12-02 08:31') });
    expect(halfwayIndex(demo)).toBe(3);
  });

  it('adds no halfway reminder once the slots have run (only when the deadline is set)', () => {
    expect(nextSlot(sh('2026-12-02 08:32'), demo, sh('2026-12-02 08:30'))).toBeUndefined();
  });

  it('keeps one reminder where 0d moves onto the 1d slot, under the 1d index', () => {
    expect(reminderSlots(sh('2026-12-09 08:30'), demo)).toEqual([
      { index: 0, label: '3d', fireAt: sh('2026-12-06 09:00') },
      { index: 1, label: '1d', fireAt: sh('2026-12-08 09:00') },
    ]);
  });

  it('moves a lone 0d slot to the day before when it would come after the deadline', () => {
    const policy = policySchema.parse({ remindBefore: ['3d', '0d'], remindAt: '09:00' });
    expect(reminderSlots(sh('2026-12-09 08:30'), policy).map((s) => [hhmm(s.fireAt), s.label])).toEqual([
      ['12-06 09:00', '3d'],
      ['12-08 09:00', '0d'],
    ]);
  });
});

describe('every deadline, set at any time before it', () => {
  const policies: [string, Pick<Policy, 'remindBefore' | 'remindAt'>][] = [
    ['demo (3d, 1d, 0d at 09:00)', demo],
    ['hours (2h, 30m)', policySchema.parse({ remindBefore: ['2h', '30m'] })],
    ['mixed (1d, 2h, 0d at 17:30)', policySchema.parse({ remindBefore: ['1d', '2h', '0d'], remindAt: '17:30' })],
    ['none', policySchema.parse({ remindBefore: [] })],
  ];
  const STEP = 47 * 60_000; // off the hour, so the sweep meets every minute of the day over the days
  const start = sh('2026-12-02 00:00');

  it.each(policies)('%s: at least one reminder, each strictly between the setting and the deadline, in order', (_name, policy) => {
    let checked = 0;
    for (let deadline = start + STEP; deadline < start + 8 * DAY_MS; deadline += STEP) {
      for (let now = Math.max(start, deadline - 8 * DAY_MS); now < deadline; now += STEP) {
        const fired = chain(deadline, now, policy);
        const times = fired.map((r) => r.at);
        const where = `deadline ${hhmm(deadline)} set at ${hhmm(now)}: ${times.map(hhmm).join(', ')}`;
        if (!fired.length || times.some((t) => t <= now || t >= deadline) || times.some((t, i) => i > 0 && t <= times[i - 1]!)) throw new Error(where);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20_000);
  });

  it.each(policies)('%s: no policy slot at or after the deadline', (_name, policy) => {
    for (let deadline = start; deadline < start + 3 * DAY_MS; deadline += 60_000) {
      const late = reminderSlots(deadline, policy).filter((s) => s.fireAt >= deadline);
      if (late.length) throw new Error(`deadline ${hhmm(deadline)}: ${late.map((s) => `${s.label} ${hhmm(s.fireAt)}`).join(', ')}`);
    }
  });
});
