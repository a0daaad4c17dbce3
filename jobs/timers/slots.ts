import type { Policy } from '../../src/config/org-schema';
import { DAY_MS, startOfDay } from '../../src/domain/time';

/**
 * When each deadline reminder fires (DESIGN §2 remindBefore): whole days fire at remindAt on
 * that date (3d before a deadline on the 7th → the 4th at 09:00); shorter offsets fire at
 * deadline − offset. Slots already past, or after the deadline, are left out.
 */
export interface Slot {
  /** Position in policy.remindBefore: part of the job id. */
  index: number;
  label: string;
  fireAt: number;
}

export function reminderSlots(deadline: number, policy: Pick<Policy, 'remindBefore' | 'remindAt'>): Slot[] {
  const [h, m] = policy.remindAt.split(':').map(Number) as [number, number];
  return policy.remindBefore
    .map((offset, index) => {
      const whole = offset.ms % DAY_MS === 0;
      const fireAt = whole ? startOfDay(deadline) - offset.ms + (h * 60 + m) * 60_000 : deadline - offset.ms;
      return { index, label: offset.text, fireAt: Math.min(fireAt, deadline) };
    })
    .sort((a, b) => a.fireAt - b.fireAt || a.index - b.index);
}

/**
 * The first slot still ahead of now. When a deadline is set so close that every slot is already
 * past (期限:2小时 against reminders in days), `initial` gives it one reminder halfway there.
 */
export function nextSlot(deadline: number, policy: Pick<Policy, 'remindBefore' | 'remindAt'>, now: number, initial = false): Slot | undefined {
  const next = reminderSlots(deadline, policy).find((s) => s.fireAt > now);
  if (next || !initial || deadline <= now) return next;
  return { index: policy.remindBefore.length, label: 'half', fireAt: now + Math.floor((deadline - now) / 2) };
}

