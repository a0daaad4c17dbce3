import type { Org } from './org';

/**
 * A 提醒约谈 (reminder talk) the department held with a secretary who fell behind
 * (docs/design.md §4.17): who held it, when, with whom, why, and the issues behind it. A record
 * for the department only: nothing is ever pushed to the secretary. Records are only added.
 */
export interface Talk {
  /** District-wide sequence, shown "约谈 #3" (never "#3" alone: that is an issue). */
  id: number;
  /** When the talk was held (the recording time unless a day was given). */
  at: number;
  /** A day was given without a time (`昨天`, `12月1日`): show the date alone. */
  dayOnly?: boolean;
  /** When and by whom it was recorded. */
  recordedAt: number;
  recordedBy: string;
  /** Who held it: the sender and any other 组织部 people named. */
  heldBy: string[];
  /** The person talked to (a unit's secretary, or a person named directly). */
  person: string;
  /** The units the talk concerns: the unit named, or every unit the person is secretary of. */
  unitIds: string[];
  reason: string;
  /** The units' overdue issues when it was recorded, then the #refs typed in the reason. */
  issueIds: number[];
  chatId: string;
}

/** The longest 事由 kept: a few sentences; the minutes belong in a document. */
export const TALK_REASON_MAX = 500;

/** How many overdue issues a talk records (the oldest first): the reason, not the ledger. */
export const TALK_ISSUES_MAX = 50;

export function talkRef(id: number): string {
  return `约谈 #${id}`;
}

/**
 * The issues behind a talk: the overdue ones first (oldest first, as read), then the #refs
 * typed in the reason, each once, at most TALK_ISSUES_MAX.
 */
export function talkIssues(overdue: readonly number[], typed: readonly number[]): number[] {
  return [...new Set([...overdue, ...typed])].slice(0, TALK_ISSUES_MAX);
}

/** "#12" / "＃12" written anywhere in the reason (full-width already folded by the caller or here). */
export function refsInText(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/[#＃]\s*(\d{1,9})(?!\d)/gu)) out.push(Number(m[1]));
  return [...new Set(out)];
}

/**
 * Whether a talk's details may be read here (docs/design.md §4.17, §4.18): by 组织部 only, and
 * only in the admin group or a single chat. Anywhere else — a work group, where the secretary
 * and the whole team read along — a talk is not shown at all, not even as a count: the count
 * alone says the department has talked to that secretary. One rule for /约谈, /档案 and the
 * workbook's 实绩档案 sheet (a file lands in the chat that asked for it).
 */
export function talksReadable(org: Pick<Org, 'isAdmin' | 'chats'>, userid: string, where: { single: boolean; chatId: string }): boolean {
  if (!org.isAdmin(userid)) return false;
  return where.single || org.chats.some((c) => c.chatid === where.chatId && c.scope.kind === 'admin');
}
