import { nextSlot } from '../../jobs/timers/slots';
import { reminderJobId, revisitJobId, timerPlan } from '../../jobs/timers/timer-plan';
import type { Issue } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Actor, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import { DAY_MS } from '../../src/domain/time';
import { demoOrg } from '../support/app';

/**
 * timerPlan is the one rule behind TimerScheduler.sync and syncMany: which reminders a change
 * frees and which timers it adds. Each case asserts the whole plan.
 */
const policy = demoOrg().policy;
const NOW = Date.parse('2026-06-01T10:00:00+08:00');
const DEADLINE = Date.parse('2026-06-10T18:00:00+08:00');
const MEMBER: Actor = { userid: 'u_t1_m2', isAdmin: false, inArea: true };
const SECRETARY: Actor = { userid: 'u_sec_banzhu', isAdmin: false, inArea: false };

function ok(r: Outcome | Refusal): Issue {
  if (isRefusal(r)) throw new Error(`refused: ${JSON.stringify(r)}`);
  return r.issue;
}
const open = (over: { assignee?: string; deadline?: number } = { assignee: 'u_sec_banzhu', deadline: DEADLINE }) =>
  ok(createIssue({ id: 7, unitId: 'banzhu', teamIds: ['t1'], description: '路灯不亮', homeChat: 'CHAT_T1', evidence: [], ...over }, MEMBER, NOW));
/** Every reminder id the old deadline could have pending: each remindBefore offset and the halfway one. */
const allSlots = (deadline: number) => [0, 1, 2, 3].map((k) => reminderJobId(7, deadline, k));

it('is written for the demo policy (3 offsets, so 4 slot ids with the halfway one)', () => {
  expect(policy.remindBefore.map((d) => d.text)).toEqual(['3d', '1d', '0d']);
});

it('a new issue with a deadline: its first reminder, nothing to remove', () => {
  const slot = nextSlot(DEADLINE, policy, NOW, true)!;
  expect(slot.index).toBe(0);
  expect(timerPlan(undefined, open(), policy, NOW)).toEqual({
    removals: [],
    adds: [{ name: 'remind', data: { issueId: 7, deadline: DEADLINE, slot: 0 }, jobId: reminderJobId(7, DEADLINE, 0), delay: slot.fireAt - NOW }],
  });
});

it('a new issue without an assignee or deadline: nothing', () => {
  expect(timerPlan(undefined, open({}), policy, NOW)).toEqual({ removals: [], adds: [] });
});

it('a deadline that passed already: no reminder (the digest takes over)', () => {
  expect(timerPlan(undefined, open(), policy, DEADLINE + 1)).toEqual({ removals: [], adds: [] });
});

it('a change that keeps the deadline (a /催办): nothing', () => {
  const before = open();
  expect(timerPlan(before, ok(apply(before, { type: 'remind' }, MEMBER, NOW + 1)), policy, NOW + 1)).toEqual({ removals: [], adds: [] });
});

it('a fix reported stops the clock: every slot of the old deadline removed, nothing added', () => {
  const before = open();
  const after = ok(apply(before, { type: 'fix', note: '已修好', evidence: [] }, SECRETARY, NOW + DAY_MS));
  expect(timerPlan(before, after, policy, NOW + DAY_MS)).toEqual({ removals: allSlots(DEADLINE), adds: [] });
});

it('a new deadline: the old one freed, the new one reminded', () => {
  const before = open();
  const later = DEADLINE + 5 * DAY_MS;
  const after = ok(apply(before, { type: 'assign', assignee: 'u_sec_banzhu', deadline: later }, MEMBER, NOW + DAY_MS));
  const slot = nextSlot(later, policy, NOW + DAY_MS, true)!;
  expect(timerPlan(before, after, policy, NOW + DAY_MS)).toEqual({
    removals: allSlots(DEADLINE),
    adds: [{ name: 'remind', data: { issueId: 7, deadline: later, slot: slot.index }, jobId: reminderJobId(7, later, slot.index), delay: slot.fireAt - NOW - DAY_MS }],
  });
});

it('a 销号: the 回头看 notice, once (a second plan of closed → closed adds none)', () => {
  const fixed = ok(apply(open(), { type: 'fix', note: '已修好', evidence: [] }, SECRETARY, NOW + DAY_MS));
  const closedAt = NOW + 2 * DAY_MS;
  const closed = ok(apply(fixed, { type: 'verify' }, MEMBER, closedAt));
  const plan = timerPlan(fixed, closed, policy, closedAt);
  expect(plan.removals).toEqual([]);
  expect(plan.adds).toEqual([{ name: 'revisit', data: { issueId: 7, closedAt }, jobId: revisitJobId(7, closedAt), delay: expect.any(Number) }]);
  expect(plan.adds[0]!.delay).toBeGreaterThanOrEqual(policy.revisitAfter.ms - DAY_MS);
  expect(timerPlan(closed, closed, policy, closedAt).adds).toEqual([]);
});
