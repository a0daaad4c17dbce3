import type { Queue } from 'bullmq';
import { z } from 'zod';
import type { Issue } from '../../src/domain/issue';
import type { Org } from '../../src/domain/org';
import { nextSlot } from './slots';
import { reminderJobId, revisitJobId, timerPlan } from './timer-plan';

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

export { reminderJobId, revisitJobId };

/** Timer jobs are removed when done: the push they queue carries its own once-only id. */
const TIMER_OPTS = { removeOnComplete: true, removeOnFail: { age: 7 * 86_400 }, attempts: 5, backoff: { type: 'exponential', delay: 10_000 } } as const;

export class TimerScheduler {
  constructor(
    private readonly queue: Queue,
    private readonly org: () => Org,
  ) {}

  /** Brings the timers in line with an issue after a change (before: the issue as it was). */
  async sync(before: Issue | undefined, after: Issue, now: number): Promise<void> {
    await this.syncMany([{ before, after }], now);
  }

  /**
   * sync() for many changes at once (a /布置 to 500 units, a /撤销 of its open issues): one plan
   * per change (jobs/timers/timer-plan.ts); the freed reminders are removed together, then the
   * new timers go in one addBulk round trip.
   */
  async syncMany(changes: readonly { before: Issue | undefined; after: Issue }[], now: number): Promise<void> {
    const policy = this.org().policy;
    const plans = changes.map(({ before, after }) => timerPlan(before, after, policy, now));
    await Promise.all(plans.flatMap((p) => p.removals).map((id) => this.queue.remove(id)));
    const adds = plans.flatMap((p) => p.adds).map((a) => ({ name: a.name, data: a.data, opts: { ...TIMER_OPTS, jobId: a.jobId, delay: a.delay } }));
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
