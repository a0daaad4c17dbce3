import type { Policy } from '../config/org-schema';
import type { Org } from './org';
import { DAY_MS } from './time';

/**
 * 建议提醒约谈 (docs/design.md §4.17): a unit with at least `overdueIssues` issues each overdue
 * more than `overdueDays` days is suggested to the department for a reminder talk. Only a
 * suggestion in the admin chats' 通报, never a message to the secretary.
 */
export interface TalkAdvice {
  unitId: string;
  secretary?: string | undefined;
  /** Issues overdue more than overdueDays days. */
  count: number;
  /** The oldest of them (by deadline). */
  oldest: number[];
  /** When the latest talk with the unit or its secretary within RECENT_TALK_DAYS was held. */
  lastTalk?: number | undefined;
}

/** A talk this recent is named next to the suggestion ("已于 11月20日 约谈"). */
export const RECENT_TALK_DAYS = 30;
/** How many issue numbers each line names. */
export const ADVICE_OLDEST = 3;
/**
 * How many units the 通报 names at most (then "等 K 个单位"): a suggestion to read in a chat,
 * not a list; the full picture is /status and the 考核 ranking.
 */
export const ADVICE_UNITS_SHOWN = 10;

/** The deadline bound: an issue whose deadline is before it is overdue more than `overdueDays`. */
export function adviceBound(rule: Policy['talkAdvice'], now: number): number {
  return now - rule.overdueDays * DAY_MS;
}

/** The units passing the rule, most overdue issues first (then org order). */
export function unitsPastThreshold(org: Org, counts: ReadonlyMap<string, number>, rule: Policy['talkAdvice']): string[] {
  const order = new Map(org.units.map((u, i) => [u.id, i]));
  return [...counts]
    .filter(([, n]) => n >= rule.overdueIssues)
    .sort((a, b) => b[1] - a[1] || (order.get(a[0]) ?? 0) - (order.get(b[0]) ?? 0))
    .map(([u]) => u);
}
