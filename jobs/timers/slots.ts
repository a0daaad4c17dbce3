import type { Policy } from '../../src/config/org-schema';
import { DAY_MS, startOfDay } from '../../src/domain/time';

/**
 * When each deadline reminder fires (docs/design.md, policy remindBefore): whole days fire at
 * remindAt on that date (3d before a deadline on the 7th → the 4th at 09:00); shorter offsets
 * fire at deadline − offset.
 *
 * A reminder exists to come before the deadline, so no slot is at or after it: a whole-day slot
 * whose remindAt is not earlier than the deadline's own time (0d at 09:00 for a deadline at
 * 08:30) fires at remindAt the day before instead, and two slots that land on the same instant
 * are one reminder (the first in policy order keeps its index).
 */
export interface Slot {
  /** Position in policy.remindBefore (HALFWAY_INDEX for the halfway reminder): part of the job id. */
  index: number;
  label: string;
  fireAt: number;
}

type SlotPolicy = Pick<Policy, 'remindBefore' | 'remindAt'>;

/** The halfway reminder's index: one past the policy's offsets, so it never shares a job id with them. */
export const halfwayIndex = (policy: SlotPolicy): number => policy.remindBefore.length;

export function reminderSlots(deadline: number, policy: SlotPolicy): Slot[] {
  const [h, m] = policy.remindAt.split(':').map(Number) as [number, number];
  const at = (h * 60 + m) * 60_000;
  const slots: Slot[] = [];
  const taken = new Set<number>();
  policy.remindBefore.forEach((offset, index) => {
    let fireAt = deadline - offset.ms;
    if (offset.ms % DAY_MS === 0) {
      fireAt = startOfDay(deadline) - offset.ms + at;
      // Only 0d can land at or after the deadline (remindAt < 24 h); the day before keeps it a reminder.
      if (fireAt >= deadline) fireAt -= DAY_MS;
    }
    if (fireAt >= deadline || taken.has(fireAt)) return;
    taken.add(fireAt);
    slots.push({ index, label: offset.text, fireAt });
  });
  return slots.sort((a, b) => a.fireAt - b.fireAt || a.index - b.index);
}

/**
 * The first slot still ahead of now (none once the deadline has passed: the overdue digest takes
 * over). When a deadline is set so close that no slot is left before it (期限:2分钟, or 期限:2小时
 * after remindAt against reminders in days), `initial` gives it one reminder halfway between now
 * and the deadline. Only when the deadline is set: a later call (after a slot fired) finding no
 * slot ahead means the reminders are done, not that another halfway is due.
 */
export function nextSlot(deadline: number, policy: SlotPolicy, now: number, initial = false): Slot | undefined {
  if (deadline <= now) return undefined;
  const next = reminderSlots(deadline, policy).find((s) => s.fireAt > now);
  if (next || !initial) return next;
  return { index: halfwayIndex(policy), label: 'half', fireAt: now + Math.floor((deadline - now) / 2) };
}
