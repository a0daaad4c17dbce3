import type { IssueState } from './issue';

/**
 * A task the department assigns (/布置, 任务 #T3; docs/design.md §4.15): one content and one
 * deadline given to many units at once. The ledger holds one issue per unit (source 组织部布置
 * or the team's name, `taskId` set); the task itself only records what was asked, of whom, and
 * whether it was withdrawn. Pure data; times are epoch milliseconds.
 */
export interface Task {
  id: number;
  content: string;
  deadline: number;
  /** The 范围 words as typed (福禄镇、村), for the task's card. */
  scopeWords: string;
  unitCount: number;
  createdBy: string;
  createdAt: number;
  /** 组织部布置, or the leader's team name: the source of every issue of the task. */
  source: string;
  /** The chat the task was assigned from. */
  chat: string;
  /** Teams whose area the task touches (who may list it). */
  teamIds: string[];
  /** Each unit of the task and its issue: [unitId, issueId]. */
  units: [string, number][];
  canceledAt?: number;
  canceledBy?: string;
  cancelReason?: string;
}

/** The longest task content: it heads every group push, which must fit the robot's 2048 bytes with units under it. */
export const TASK_CONTENT_MAX = 200;

/** The source every issue of an admin's task carries. */
export const DEPARTMENT_SOURCE = '组织部布置';

/** Punctuation people put after a reference: "#T2，重复布置", "/任务 T1。". */
const AFTER_REF = /^[\s,，.。、:：;；!！?？]*/u;

/**
 * A task reference at the start of a word, in the forms people write: `#T3`, `T3`, `#t3`,
 * `＃T3`, `任务3`, `任务#3`, `任务#T3`; with `bare`, also `3` (the /任务 command, where a number
 * alone can only be a task — but `#3` is issue 3, as everywhere). Punctuation right after it
 * belongs to the reference; `rest` is what follows ("#T2，重复布置" → 2, "重复布置"). The one
 * reader of task references: /任务, /撤销 #T and /查看's pointer all use it.
 */
export function splitTaskRef(word: string, bare = false): { id: number; rest: string } | undefined {
  const w = word.normalize('NFKC').trim();
  const m = /^(?:任务\s*)?#?\s*[Tt]\s*(\d{1,9})(?![\dA-Za-z])/u.exec(w) ?? /^任务\s*#?\s*(\d{1,9})(?!\d)/u.exec(w) ?? (bare ? /^(\d{1,9})(?=$|[\s,，.。、:：;；!！?？])/u.exec(w) : null);
  if (!m) return undefined;
  const after = w.slice(m[0].length);
  const punct = AFTER_REF.exec(after)![0];
  // "T3x", "T3号楼": glued letters or words are no reference; punctuation first makes the rest a new word.
  if (after && !punct) return undefined;
  return { id: Number(m[1]), rest: after.slice(punct.length) };
}

/** A whole word that is a task reference (trailing punctuation allowed): `#T3`, `T1。`. */
export function readTaskRef(word: string, bare = false): number | undefined {
  const r = splitTaskRef(word, bare);
  return r && !r.rest ? r.id : undefined;
}

/** Completion buckets of /任务: the states a unit's issue can be in, with 逾期 split from 整改中. */
export const TASK_BUCKETS = ['done', 'submitted', 'rectifying', 'overdue', 'reported', 'canceled'] as const;
export type TaskBucket = (typeof TASK_BUCKETS)[number];

export const BUCKET_WORDS: Record<TaskBucket, string> = {
  done: '完成',
  submitted: '待核验',
  rectifying: '整改中',
  overdue: '逾期',
  reported: '待交办',
  canceled: '已撤销',
};

/** Which bucket a unit's issue is in now (逾期 derived from the deadline, as everywhere). */
export function bucketOf(issue: { state: IssueState; deadline?: number | undefined }, now: number): TaskBucket {
  switch (issue.state) {
    case 'closed':
    case 'revisited':
      return 'done';
    case 'submitted':
      return 'submitted';
    case 'assigned':
      return issue.deadline !== undefined && now > issue.deadline ? 'overdue' : 'rectifying';
    case 'reported':
      return 'reported';
    case 'canceled':
      return 'canceled';
  }
}

/** A task's figures from its counters (per state) and its overdue count: what /任务 清单 shows. */
export interface TaskCounts {
  total: number;
  done: number;
  overdue: number;
  open: number;
}

export function countsFromStates(states: Partial<Record<IssueState, number>>, overdue: number): TaskCounts {
  const n = (s: IssueState) => Math.max(0, states[s] ?? 0);
  const done = n('closed') + n('revisited');
  const open = n('reported') + n('assigned') + n('submitted');
  return { total: done + open + n('canceled'), done, overdue, open };
}
