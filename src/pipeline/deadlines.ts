import type { Policy } from '../config/org-schema';
import { DAY_MS } from '../domain/time';
import { parseDeadline } from '../parsing/deadline';
import { UsageError } from './errors';

/** A deadline the user typed, or the policy's default (整改期限) counted from now. */
export function resolveDeadline(text: string | undefined, policy: Policy, now: Date, example: string): { at: number; note?: string } {
  const source = text ?? defaultPhrase(policy);
  if (source === undefined) return { at: now.getTime() + policy.deadline.ms };
  const r = parseDeadline(source, now);
  if (!r.ok) throw new UsageError(r.error, example);
  return r.note ? { at: r.at.getTime(), note: r.note } : { at: r.at.getTime() };
}

/** "7d" means the end of the 7th day from today, like "7天内"; shorter policies are exact. */
function defaultPhrase(policy: Policy): string | undefined {
  const days = policy.deadline.ms / DAY_MS;
  return Number.isInteger(days) && days > 0 ? `${days}天` : undefined;
}
