import type { Result } from 'ioredis';
import { z } from 'zod';
import { ISSUE_STATES, type Issue, type IssueState } from '../domain/issue';
import type { Outcome } from '../domain/lifecycle';
import { countsFromStates, type Task, type TaskCounts } from '../domain/task';
import { encodeIssue } from './issue-codec';
import type { Keys } from './keys';
import { ledgerOps } from './ledger-ops';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    createTask(numKeys: number, ...args: (string | number)[]): Result<[number, number], Context>;
    cancelTask(numKeys: number, ...args: (string | number)[]): Result<[number, number], Context>;
  }
}

/** A re-sent /布置 (WeCom retries a callback it got no answer to) finds its task for this long. */
const MESSAGE_MARKER_TTL_S = 7 * 86_400;

const int = z.coerce.number().int();
const taskHashSchema = z.object({
  id: int,
  content: z.string(),
  deadline: int,
  scopeWords: z.string(),
  unitCount: int,
  createdBy: z.string(),
  createdAt: int,
  source: z.string(),
  chat: z.string(),
  teamIds: z.string().transform((s) => z.array(z.string()).parse(JSON.parse(s))),
  units: z.string().transform((s) => z.array(z.tuple([z.string(), z.number().int()])).parse(JSON.parse(s))),
  canceledAt: int.optional(),
  canceledBy: z.string().optional(),
  cancelReason: z.string().optional(),
});

export interface TaskAuditEntry {
  action: 'create' | 'cancel';
  actor: string;
  at: number;
  note?: string;
  /** create: issues written; cancel: issues canceled. */
  issues: number;
}
const taskAuditSchema = z.object({ action: z.enum(['create', 'cancel']), actor: z.string(), at: z.number(), note: z.string().optional(), issues: z.number() });

export type CreateResult = { kind: 'created'; taskId: number } | { kind: 'exists'; taskId: number };
export type CancelResult = { kind: 'canceled'; count: number } | { kind: 'stale'; issueId: number } | { kind: 'gone' };

/** The ops of one issue change, with their keys by position in a shared key list (as LedgerStore.commit sends them). */
class KeyList {
  readonly keys: string[] = [];
  private readonly index = new Map<string, number>();
  ref(k: string): number {
    let i = this.index.get(k);
    if (i === undefined) {
      this.keys.push(k);
      i = this.keys.length;
      this.index.set(k, i);
    }
    return i;
  }
}

/**
 * The department's tasks (/布置, docs/design.md §4.15) in the ledger's slot: a task and its
 * issues are written together by one script, so a task never exists without its issues nor an
 * issue of it without the task; its counters (per state, overdue) are kept by every later
 * commit of its issues (src/store/ledger-ops.ts), so listing tasks reads no issue.
 */
export class TaskStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    defineScripts(redis);
  }

  /** The task a message made before (a re-sent callback), if any. */
  async byMessage(messageKey: string): Promise<number | undefined> {
    const id = await this.redis.get(this.markerKey(messageKey));
    return id === null ? undefined : Number(id);
  }

  /**
   * A task id and `count` consecutive issue ids: one INCR and one INCRBY, sent together. A
   * create that then fails leaves gaps, never a half-written task.
   */
  async allocate(count: number): Promise<{ taskId: number; firstIssueId: number }> {
    const [taskId, lastIssueId] = await Promise.all([this.redis.incr(this.keys.taskSeq), this.redis.incrby(this.keys.issueSeq, count)]);
    return { taskId, firstIssueId: lastIssueId - count + 1 };
  }

  /** Writes the task and its new issues (each a createIssue outcome) at once, unless the message made one already. */
  async create(task: Task, outcomes: readonly Outcome[], messageKey: string): Promise<CreateResult> {
    const list = new KeyList();
    const issues = outcomes.map((o) => {
      const issue = o.issue;
      const { set } = encodeIssue(issue);
      return {
        id: issue.id,
        h: list.ref(this.keys.issue(issue.id)),
        l: list.ref(this.keys.audit(issue.id)),
        s: set,
        o: this.ops(list, undefined, issue),
        a: auditPairs(o, task.createdBy, task.createdAt),
        e: JSON.stringify(auditEntry(o, task.createdBy, task.createdAt)),
      };
    });
    const fields: [string, string][] = [
      ['id', String(task.id)],
      ['content', task.content],
      ['deadline', String(task.deadline)],
      ['scopeWords', task.scopeWords],
      ['unitCount', String(task.unitCount)],
      ['createdBy', task.createdBy],
      ['createdAt', String(task.createdAt)],
      ['source', task.source],
      ['chat', task.chat],
      ['teamIds', JSON.stringify(task.teamIds)],
      ['units', JSON.stringify(task.units)],
    ];
    const audit: TaskAuditEntry = { action: 'create', actor: task.createdBy, at: task.createdAt, note: task.content, issues: outcomes.length };
    const [code, id] = await this.redis.createTask(
      6 + list.keys.length,
      this.keys.task(task.id),
      this.keys.tasks,
      this.keys.taskIssues(task.id),
      this.keys.taskAudit(task.id),
      this.keys.auditAll,
      this.markerKey(messageKey),
      ...list.keys,
      String(task.id),
      String(task.createdAt),
      JSON.stringify(fields),
      JSON.stringify(audit),
      JSON.stringify(issues),
      String(MESSAGE_MARKER_TTL_S),
    );
    if (code === 1) return { kind: 'created', taskId: id };
    if (code === 2) return { kind: 'exists', taskId: id };
    throw new Error(`create-task: issue #${id} exists already (the issue sequence is behind the ledger)`);
  }

  /**
   * Withdraws the task and cancels its open issues (each a lifecycle outcome against the issue
   * as read), if none changed since: one script. `stale` names the first that did (read again).
   */
  async cancel(taskId: number, changes: readonly { before: Issue; outcome: Outcome }[], actor: string, at: number, reason: string, kept: readonly Issue[] = []): Promise<CancelResult> {
    const list = new KeyList();
    // The issues left as they are (closed, canceled) are checked too: one that relapsed to 整改中
    // since it was read must not stay open under a withdrawn task.
    const checks = kept.map((i) => ({ id: i.id, h: list.ref(this.keys.issue(i.id)), v: i.version, c: 1 }));
    const writes = changes.map(({ before, outcome }) => {
      const after = outcome.issue;
      const { set, del } = encodeIssue(after, before);
      return {
        id: after.id,
        h: list.ref(this.keys.issue(after.id)),
        l: list.ref(this.keys.audit(after.id)),
        v: before.version,
        s: set,
        d: del,
        o: this.ops(list, before, after),
        a: auditPairs(outcome, actor, at),
        e: JSON.stringify(auditEntry(outcome, actor, at)),
      };
    });
    const issues = [...checks, ...writes];
    const fields: [string, string][] = [
      ['canceledAt', String(at)],
      ['canceledBy', actor],
      ['cancelReason', reason],
    ];
    const audit: TaskAuditEntry = { action: 'cancel', actor, at, note: reason, issues: changes.length };
    const [code, n] = await this.redis.cancelTask(
      3 + list.keys.length,
      this.keys.task(taskId),
      this.keys.taskAudit(taskId),
      this.keys.auditAll,
      ...list.keys,
      JSON.stringify(fields),
      JSON.stringify(audit),
      // cjson reads "[]" as an empty table either way; a task whose issues are all closed still withdraws.
      JSON.stringify(issues),
    );
    if (code === 1) return { kind: 'canceled', count: n };
    if (code === 0) return { kind: 'stale', issueId: n };
    return { kind: 'gone' };
  }

  async get(id: number): Promise<Task | undefined> {
    const hash = await this.redis.hgetall(this.keys.task(id));
    if (!Object.keys(hash).length) return undefined;
    return toTask(taskHashSchema.parse(hash));
  }

  async getMany(ids: readonly number[]): Promise<Task[]> {
    const tasks = await Promise.all(ids.map((id) => this.get(id)));
    return tasks.filter((t): t is Task => t !== undefined);
  }

  /** Task ids newest first, created within [from, to) when given. */
  async ids(from = Number.NEGATIVE_INFINITY, to = Number.POSITIVE_INFINITY): Promise<number[]> {
    const max = to === Number.POSITIVE_INFINITY ? '+inf' : `(${to}`;
    const min = from === Number.NEGATIVE_INFINITY ? '-inf' : String(from);
    return (await this.redis.zrevrangebyscore(this.keys.tasks, max, min)).map(Number);
  }

  /** The task's figures from its counters: issues per state and those past their deadline now. */
  async counts(id: number, now: number): Promise<TaskCounts> {
    const [states, overdue] = await Promise.all([this.redis.hgetall(this.keys.taskStats(id)), this.redis.zcount(this.keys.taskDeadlines(id), '-inf', `(${now}`)]);
    const byState: Partial<Record<IssueState, number>> = {};
    for (const s of ISSUE_STATES) if (states[s] !== undefined) byState[s] = Number(states[s]);
    return countsFromStates(byState, overdue);
  }

  async issueIds(id: number): Promise<number[]> {
    return (await this.redis.zrange(this.keys.taskIssues(id), '0', '-1')).map(Number);
  }

  async audit(id: number): Promise<TaskAuditEntry[]> {
    const raw = await this.redis.lrange(this.keys.taskAudit(id), 0, -1);
    return raw.map((json) => {
      const e = taskAuditSchema.parse(JSON.parse(json));
      return { action: e.action, actor: e.actor, at: e.at, issues: e.issues, ...(e.note !== undefined ? { note: e.note } : {}) };
    });
  }

  /** The marker lives in the ledger's slot: the create script sets it with the task. */
  private markerKey(messageKey: string): string {
    return this.keys.taskByMessage(messageKey);
  }

  private ops(list: KeyList, before: Issue | undefined, after: Issue): (string | number)[][] {
    return ledgerOps(this.keys, before, after).map((op) => (op[0] === 'zrem' ? [op[0], list.ref(op[1]), op[2]] : [op[0], list.ref(op[1]), op[2], op[3]]));
  }
}

function toTask(h: z.output<typeof taskHashSchema>): Task {
  const task: Task = {
    id: h.id,
    content: h.content,
    deadline: h.deadline,
    scopeWords: h.scopeWords,
    unitCount: h.unitCount,
    createdBy: h.createdBy,
    createdAt: h.createdAt,
    source: h.source,
    chat: h.chat,
    teamIds: h.teamIds,
    units: h.units,
  };
  if (h.canceledAt !== undefined) task.canceledAt = h.canceledAt;
  if (h.canceledBy !== undefined) task.canceledBy = h.canceledBy;
  if (h.cancelReason !== undefined) task.cancelReason = h.cancelReason;
  return task;
}

/** The district audit stream's entry of one change, as LedgerStore.commit writes it. */
function auditPairs(o: Outcome, actor: string, at: number): [string, string][] {
  const pairs: [string, string][] = [
    ['issue', String(o.issue.id)],
    ['actor', actor],
    ['at', String(at)],
    ['action', o.audit.action],
    ['from', o.audit.from ?? ''],
    ['to', o.audit.to],
    ['version', String(o.issue.version)],
  ];
  if (o.audit.note) pairs.push(['note', o.audit.note]);
  if (o.audit.evidence?.length) pairs.push(['evidence', JSON.stringify(o.audit.evidence)]);
  return pairs;
}

/** The issue's own audit list entry, as LedgerStore.commit writes it (read by /查看). */
function auditEntry(o: Outcome, actor: string, at: number): Record<string, unknown> {
  const entry: Record<string, unknown> = { actor, at, action: o.audit.action, from: o.audit.from, to: o.audit.to, version: o.issue.version };
  if (o.audit.note) entry.note = o.audit.note;
  if (o.audit.evidence?.length) entry.evidence = o.audit.evidence;
  return entry;
}
