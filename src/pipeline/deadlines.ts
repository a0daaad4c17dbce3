import type { Policy } from '../config/org-schema';
import { DAY_MS } from '../domain/time';
import { parseDeadline } from '../parsing/deadline';
import { durationWords } from '../rendering/dates';
import { UsageError } from './errors';

/** A deadline the user typed, or the policy's default (整改期限) counted from now, saying so. */
export function resolveDeadline(text: string | undefined, policy: Policy, now: Date, example: string): { at: number; note?: string } {
  if (text === undefined) {
    const note = `未写期限，按默认${durationWords(policy.deadline.text)}`;
    const phrase = defaultPhrase(policy);
    if (phrase === undefined) return { at: now.getTime() + policy.deadline.ms, note };
    const r = parseDeadline(phrase, now);
    if (!r.ok) throw new UsageError(r.error, example);
    return { at: r.at.getTime(), note: r.note ? `${note}；${r.note}` : note };
  }
  const r = parseDeadline(text, now);
  if (!r.ok) throw new UsageError(r.error, example);
  return r.note ? { at: r.at.getTime(), note: r.note } : { at: r.at.getTime() };
}

/** "7d" means the end of the 7th day from today, like "7天内"; shorter policies are exact. */
function defaultPhrase(policy: Policy): string | undefined {
  const days = policy.deadline.ms / DAY_MS;
  return Number.isInteger(days) && days > 0 ? `${days}天` : undefined;
}

const ACTION_SUFFIX = /(?:整改到位|整改完成|完成整改|整改完毕|整改|完成|解决|处理完毕|处理|改好|修好|到位)[。.!！]*$/u;
const DEMAND_PREFIX = /^(?:限期|限|请于|请在|务必于|务必在|务必|要求|须于|须在|需于|需在|须|需|在)/u;
const CUE = /(?:前|之前|以前|内|之内|以内|后|之后|以后)$/u;

/**
 * A deadline written at the end of a description without the 期限: key ("路灯不亮 下周三前整改",
 * "垃圾堆放，月底前完成"): the phrase and the description without it. Only a phrase that says it
 * is a deadline (前/内/后, 限期…, …整改) and reads as one; "漏水3天" stays a description.
 */
export function trailingDeadline(description: string, now: Date): { phrase: string; rest: string } | undefined {
  // The last word, found from the end (a regex with a lazy prefix is quadratic on long text).
  const text = description.trim().replace(/[。.!！]+$/u, '');
  let cut = text.length;
  while (cut > 0 && !/[\s,，;；。]/u.test(text[cut - 1]!)) cut--;
  const last = text.slice(cut);
  const before = text.slice(0, cut).replace(/[\s,，;；。]+$/u, '');
  if (!last || last.length > 40) return undefined;
  const stripped = last.replace(ACTION_SUFFIX, '');
  const core = stripped.replace(DEMAND_PREFIX, '');
  const saysDeadline = stripped !== last || core !== stripped || CUE.test(core);
  if (!core || !saysDeadline) return undefined;
  if (!parseDeadline(core, now).ok) return undefined;
  const rest = before.trim();
  return rest ? { phrase: core, rest } : undefined;
}
