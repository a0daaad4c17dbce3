import type { Queue } from 'bullmq';
import { z } from 'zod';
import type { Issue } from '../../src/domain/issue';
import type { Org } from '../../src/domain/org';
import { revisitAt } from '../../src/domain/revisit';
import { officialCalendar } from '../../src/parsing/deadline';
import { jobIdPart } from '../push';
import { nextSlot } from './slots';

/**
 * Per-issue timers in BullMQ's delayed set: the next deadline reminder of each issue (one job
 * per issue, each run schedules the following slot) and the 回头看 notice after 销号. Ids carry
 * the issue, the deadline in force and the slot, so a reschedule never collides with an old
 * timer, and an old timer that still fires finds the issue changed and does nothing.
 */
export const reminderJobSchema = z.object({ issueId: z.number().int(), deadline: z.number(), slot: z.number().int() });
export const revisitJobSchema = z.object({ issueId: z.number().int(), closedAt: z.number() });
export type ReminderJob = z.output<typeof reminderJobSchema>;
export type RevisitJob = z.output<typeof revisitJobSchema>;

export const reminderJobId = (issueId: number, deadline: number, slot: number) => `remind-${issueId}-${jobIdPart(deadline)}-${slot}`;
export const revisitJobId = (issueId: number, closedAt: number) => `revisit-${issueId}-${jobIdPart(closedAt)}`;

/** Timer jobs are removed when done: the push they queue carries its own once-only id. */
const TIMER_OPTS = { removeOnComplete: true, removeOnFail: { age: 7 * 86_400 }, attempts: 5, backoff: { type: 'exponential', delay: 10_000 } } as const;

export class TimerScheduler {
  constructor(
    private readonly queue: Queue,
    private readonly org: () => Org,
  ) {}

  /** Brings the timers in line with an issue after a change (before: the issue as it was). */
  async sync(before: Issue | undefined, after: Issue, now: number): Promise<void> {
    const policy = this.org().policy;
    const running = (i: Issue | undefined) => (i?.state === 'assigned' && i.deadline !== undefined ? i.deadline : undefined);
    const was = running(before);
    const is = running(after);
    if (was !== undefined && was !== is) {
      // Free the old deadline's pending timer; a copy that still fires would find it stale anyway.
      await Promise.all([...policy.remindBefore, 'half'].map((_, k) => this.queue.remove(reminderJobId(after.id, was, k))));
    }
    if (is !== undefined && is !== was) await this.scheduleReminder(after.id, is, now, true);
    if (after.state === 'closed' && before?.state !== 'closed' && after.closedAt !== undefined) {
      await this.queue.add('revisit', { issueId: after.id, closedAt: after.closedAt } satisfies RevisitJob, {
        ...TIMER_OPTS,
        jobId: revisitJobId(after.id, after.closedAt),
        delay: Math.max(0, revisitAt(after.closedAt, policy, officialCalendar) - now),
      });
    }
  }

  /**
   * sync() for many changes at once (a /布置 to 500 units, a /撤销 of its open issues): the new
   * first reminders go in one addBulk round trip, the freed ones are removed together.
   */
  async syncMany(changes: readonly { before: Issue | undefined; after: Issue }[], now: number): Promise<void> {
    const policy = this.org().policy;
    const running = (i: Issue | undefined) => (i?.state === 'assigned' && i.deadline !== undefined ? i.deadline : undefined);
    const removals: string[] = [];
    const adds: Parameters<Queue['addBulk']>[0] = [];
    for (const { before, after } of changes) {
      const was = running(before);
      const is = running(after);
      if (was !== undefined && was !== is) removals.push(...[...policy.remindBefore, 'half'].map((_, k) => reminderJobId(after.id, was, k)));
      if (is !== undefined && is !== was) {
        const slot = nextSlot(is, policy, now, true);
        if (slot) adds.push({ name: 'remind', data: { issueId: after.id, deadline: is, slot: slot.index } satisfies ReminderJob, opts: { ...TIMER_OPTS, jobId: reminderJobId(after.id, is, slot.index), delay: slot.fireAt - now } });
      }
      if (after.state === 'closed' && before?.state !== 'closed' && after.closedAt !== undefined) {
        adds.push({ name: 'revisit', data: { issueId: after.id, closedAt: after.closedAt } satisfies RevisitJob, opts: { ...TIMER_OPTS, jobId: revisitJobId(after.id, after.closedAt), delay: Math.max(0, revisitAt(after.closedAt, policy, officialCalendar) - now) } });
      }
    }
    await Promise.all(removals.map((id) => this.queue.remove(id)));
    if (adds.length) await this.queue.addBulk(adds);
  }

  /** Queues the next reminder slot of this deadline after `now` (`initial`: the deadline was just set). */
  async scheduleReminder(issueId: number, deadline: number, now: number, initial = false): Promise<void> {
    const slot = nextSlot(deadline, this.org().policy, now, initial);
    if (!slot) return;
    await this.queue.add('remind', { issueId, deadline, slot: slot.index } satisfies ReminderJob, {
      ...TIMER_OPTS,
      jobId: reminderJobId(issueId, deadline, slot.index),
      delay: slot.fireAt - now,
    });
  }
}
