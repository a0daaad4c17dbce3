import type { Policy } from '../../src/config/org-schema';
import type { Issue } from '../../src/domain/issue';
import { revisitAt } from '../../src/domain/revisit';
import { officialCalendar } from '../../src/parsing/deadline';
import { jobIdPart } from '../push';
import { nextSlot } from './slots';
import type { ReminderJob, RevisitJob } from './timer-jobs';

/**
 * Which timer jobs one issue change needs (before undefined = a new issue): the pending
 * reminders of a deadline no longer in force to remove, the first reminder of a new deadline
 * and the 回头看 notice after 销号 to add. Pure, so both the one-issue and the many-issue paths
 * of the scheduler (jobs/timers/timer-jobs.ts) apply the same plan and it is tested without a queue.
 */

export type TimerAdd = { name: 'remind'; data: ReminderJob; jobId: string; delay: number } | { name: 'revisit'; data: RevisitJob; jobId: string; delay: number };

export interface TimerPlan {
  /** Job ids to remove (a pending reminder of the old deadline; removing a missing job is a no-op). */
  removals: string[];
  adds: TimerAdd[];
}

export const reminderJobId = (issueId: number, deadline: number, slot: number) => `remind-${issueId}-${jobIdPart(deadline)}-${slot}`;
export const revisitJobId = (issueId: number, closedAt: number) => `revisit-${issueId}-${jobIdPart(closedAt)}`;

type PlanPolicy = Pick<Policy, 'remindBefore' | 'remindAt' | 'revisitAfter'>;

/** The deadline whose clock runs (整改中 with a deadline), if any. */
const running = (i: Issue | undefined) => (i?.state === 'assigned' && i.deadline !== undefined ? i.deadline : undefined);

export function timerPlan(before: Issue | undefined, after: Issue, policy: PlanPolicy, now: number): TimerPlan {
  const plan: TimerPlan = { removals: [], adds: [] };
  const was = running(before);
  const is = running(after);
  if (was !== undefined && was !== is) {
    // Every slot the old deadline could have (its offsets and the halfway one): only one is
    // pending, and a copy that still fires finds the issue changed and does nothing.
    for (let k = 0; k <= policy.remindBefore.length; k++) plan.removals.push(reminderJobId(after.id, was, k));
  }
  if (is !== undefined && is !== was) {
    const slot = nextSlot(is, policy, now, true);
    if (slot) plan.adds.push({ name: 'remind', data: { issueId: after.id, deadline: is, slot: slot.index }, jobId: reminderJobId(after.id, is, slot.index), delay: slot.fireAt - now });
  }
  if (after.state === 'closed' && before?.state !== 'closed' && after.closedAt !== undefined) {
    plan.adds.push({
      name: 'revisit',
      data: { issueId: after.id, closedAt: after.closedAt },
      jobId: revisitJobId(after.id, after.closedAt),
      delay: Math.max(0, revisitAt(after.closedAt, policy, officialCalendar) - now),
    });
  }
  return plan;
}
