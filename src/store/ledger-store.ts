import type { Result } from 'ioredis';
import type { RedisClient } from './redis';
import { z } from 'zod';
import { ISSUE_STATES, type Issue, type IssueState } from '../domain/issue';
import type { Outcome } from '../domain/lifecycle';
import { COUNTERS, counterField, emptyCounts, type Counter, type IssueKind } from '../domain/stats';
import { decodeIssue, encodeIssue } from './issue-codec';
import type { Keys } from './keys';
import { ledgerOps } from './ledger-ops';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    commitIssue(numKeys: number, ...args: (string | number)[]): Result<[number, number], Context>;
    importIssue(numKeys: number, ...args: (string | number)[]): Result<[number, number], Context>;
    commitOnce(numKeys: number, ...args: (string | number)[]): Result<[number, number] | [2, 0, string], Context>;
    nextIdOnce(messageKey: string, seqKey: string): Result<[1, number] | [0, string], Context>;
  }
}

const auditRecordSchema = z.object({
  actor: z.string(),
  at: z.number(),
  action: z.string(),
  from: z.enum(ISSUE_STATES).nullable(),
  to: z.enum(ISSUE_STATES),
  version: z.number(),
  note: z.string().optional(),
  evidence: z.array(z.unknown()).optional(),
});
/** What commitOnce writes beside the change: the message's reply record and the follow-ups' data (JSON, or none). */
export interface OnceWrite {
  messageKey: string;
  record: string;
  ttlSeconds: number;
  followUps?: string;
}

/** The follow-ups of one committed change: one per issue version. */
export function followUpMember(issue: Pick<Issue, 'id' | 'version'>): string {
  return `${issue.id}:${issue.version}`;
}

type AuditRecord = { actor: string; at: number; action: string; from: IssueState | null; to: IssueState; version: number; note?: string; evidence?: unknown[] };

export interface AuditEntry {
  issueId: number;
  actor: string;
  at: number;
  action: string;
  from: IssueState | null;
  to: IssueState;
  version: number;
  note?: string;
  evidenceCount: number;
}

/**
 * The rectification ledger in Redis (docs/design.md §6): issue hashes with a version, their histories,
 * index sets, deadline sorted sets, per-unit counters and the audit streams. Every change goes
 * through one Lua script with a version check; nothing is ever deleted.
 */
export class LedgerStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    // A no-op on the app's client (createRedis defined them); a client made elsewhere gets them here.
    defineScripts(redis);
  }

  /** The next district-wide id. A failed create leaves a gap, never a half-written issue. */
  async nextId(): Promise<number> {
    return this.redis.incr(this.keys.issueSeq);
  }

  /** nextId() for a message (src/store/lua/next-id-once.lua): `{ seen }` with its reply when it was answered before (no id taken). */
  async nextIdOnce(messageKey: string): Promise<{ id: number } | { seen: string }> {
    const r = await this.redis.nextIdOnce(messageKey, this.keys.issueSeq);
    return r[0] === 1 ? { id: Number(r[1]) } : { seen: String(r[1]) };
  }

  async get(id: number): Promise<Issue | undefined> {
    const [hash, lists] = await this.read(id);
    return Object.keys(hash).length ? decodeIssue(hash, lists) : undefined;
  }

  async getMany(ids: readonly number[]): Promise<Issue[]> {
    const read = await Promise.all(ids.map((id) => this.read(id)));
    return read.map(([hash, lists]) => decodeIssue(hash, lists));
  }

  // Reads are single commands issued together, not explicit pipelines: the client's
  // auto-pipelining sends the commands of all callbacks in flight in one write (a write per
  // pipeline per callback was a large share of the CPU under load, issue #5). The hash and its
  // histories are read without a transaction: every commit bumps the version, and a writer
  // commits only against the version it read, so a torn read can never be written back.
  private async read(id: number): Promise<[Record<string, string>, string | null]> {
    return Promise.all([this.redis.hgetall(this.keys.issue(id)), this.redis.get(this.keys.issueHistory(id))]);
  }

  /**
   * Writes an outcome if the issue is still at the version it was read at (`before`, or none
   * for a new issue). Returns false when someone else changed it first.
   */
  async commit(before: Issue | undefined, outcome: Outcome, actor: string, at: number): Promise<boolean> {
    const { keys, args } = this.commitArgs(before, outcome, actor, at);
    const [ok] = await this.redis.commitIssue(keys.length, ...keys, ...args);
    return ok === 1;
  }

  /**
   * A chat command's commit with its reply record and its follow-ups, in one script
   * (src/store/lua/commit-once.lua): 'conflict' when the issue moved on since `before` was read,
   * `{ seen }` with the recorded reply when this message was answered before (nothing written).
   */
  async commitOnce(before: Issue | undefined, outcome: Outcome, actor: string, at: number, once: OnceWrite): Promise<'ok' | 'conflict' | { seen: string }> {
    const { keys, args } = this.commitArgs(before, outcome, actor, at);
    const member = followUpMember(outcome.issue);
    const r = await this.redis.commitOnce(
      keys.length + 3,
      ...keys,
      once.messageKey,
      this.keys.followUpsDue,
      this.keys.followUpsData,
      ...args,
      once.record,
      String(once.ttlSeconds),
      member,
      String(at),
      once.followUps ?? '',
    );
    if (r[0] === 2) return { seen: String((r as [2, 0, string])[2]) };
    return r[0] === 1 ? 'ok' : 'conflict';
  }

  /**
   * Creates an issue of an imported 台账 unless a row of this fingerprint was imported before
   * (checked and recorded in the same script as the create: src/store/lua/import-issue.lua).
   * "taken": the id exists already (a caller's bug; nothing written).
   */
  async importNew(outcome: Outcome, actor: string, at: number, fingerprint: string): Promise<{ kind: 'created' } | { kind: 'already'; issueId: number } | { kind: 'taken' }> {
    const { keys, args } = this.commitArgs(undefined, outcome, actor, at);
    const [code, n] = await this.redis.importIssue(keys.length + 1, ...keys, this.keys.importRows, ...args, fingerprint, String(outcome.issue.id));
    return code === 1 ? { kind: 'created' } : code === 2 ? { kind: 'already', issueId: n } : { kind: 'taken' };
  }

  /** Which of these row fingerprints were imported before, and as which issue. */
  async importedRows(fingerprints: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    if (!fingerprints.length) return out;
    const ids = await this.redis.hmget(this.keys.importRows, ...fingerprints);
    ids.forEach((id, i) => {
      if (id !== null) out.set(fingerprints[i]!, Number(id));
    });
    return out;
  }

  /** A block of `n` new ids in one INCRBY (an import allocates its batch at once); the first. */
  async nextIds(n: number): Promise<number> {
    return (await this.redis.incrby(this.keys.issueSeq, n)) - n + 1;
  }

  /** commit-issue's keys and arguments for one change. */
  private commitArgs(before: Issue | undefined, outcome: Outcome, actor: string, at: number): { keys: string[]; args: string[] } {
    const after = outcome.issue;
    const keyList: string[] = [];
    const keyIndex = new Map<string, number>();
    const ref = (k: string) => {
      let i = keyIndex.get(k);
      if (i === undefined) {
        keyList.push(k);
        i = keyList.length;
        keyIndex.set(k, i);
      }
      return i;
    };
    const ops: (string | number)[][] = ledgerOps(this.keys, before, after).map((op) =>
      op[0] === 'zrem' ? [op[0], ref(op[1]), op[2]] : [op[0], ref(op[1]), op[2], op[3]],
    );
    // Only what changed: the fields that differ from `before` and the new history entries.
    const { set, del, append } = encodeIssue(after, before);
    if (append) ops.push(['append', ref(this.keys.issueHistory(after.id)), append]);
    const audit: [string, string][] = [
      ['issue', String(after.id)],
      ['actor', actor],
      ['at', String(at)],
      ['action', outcome.audit.action],
      ['from', outcome.audit.from ?? ''],
      ['to', outcome.audit.to],
      ['version', String(after.version)],
    ];
    if (outcome.audit.note) audit.push(['note', outcome.audit.note]);
    if (outcome.audit.evidence?.length) audit.push(['evidence', JSON.stringify(outcome.audit.evidence)]);
    const entry: AuditRecord = { actor, at, action: outcome.audit.action, from: outcome.audit.from, to: outcome.audit.to, version: after.version };
    if (outcome.audit.note) entry.note = outcome.audit.note;
    if (outcome.audit.evidence?.length) entry.evidence = outcome.audit.evidence;
    return {
      keys: [this.keys.issue(after.id), this.keys.auditAll, this.keys.audit(after.id), ...keyList],
      args: [String(before?.version ?? 0), JSON.stringify(set), JSON.stringify(del), JSON.stringify(ops), JSON.stringify(audit), JSON.stringify(entry)],
    };
  }

  /** The issue's audit entries, oldest first; with `last`, only the newest that many. */
  async history(id: number, last?: number): Promise<AuditEntry[]> {
    const raw = await this.redis.lrange(this.keys.audit(id), last === undefined ? 0 : -last, -1);
    return raw.map((json) => {
      const r = auditRecordSchema.parse(JSON.parse(json));
      const e: AuditEntry = { issueId: id, actor: r.actor, at: r.at, action: r.action, from: r.from, to: r.to, version: r.version, evidenceCount: r.evidence?.length ?? 0 };
      if (r.note) e.note = r.note;
      return e;
    });
  }

  /** How many audit entries the issue has. */
  async historyLength(id: number): Promise<number> {
    return this.redis.llen(this.keys.audit(id));
  }

  /** Newest first, across several units and states, paged; with the total. */
  async list(unitIds: readonly string[], states: readonly IssueState[], offset: number, limit: number): Promise<{ total: number; issues: Issue[] }> {
    const keys = unitIds.flatMap((u) => states.map((s) => this.keys.byUnitState(u, s)));
    return this.pageOf(keys, offset, limit);
  }

  /** Issues rectifying and assigned to this person, newest first. */
  async assignedTo(userid: string, offset: number, limit: number): Promise<{ total: number; issues: Issue[] }> {
    return this.pageOf([this.keys.byAssignee(userid)], offset, limit);
  }

  /** Merges the top of several id-scored sorted sets: only offset+limit ids are read from each. */
  private async pageOf(keys: readonly string[], offset: number, limit: number): Promise<{ total: number; issues: Issue[] }> {
    if (!keys.length) return { total: 0, issues: [] };
    const res = await Promise.all(keys.map((k) => Promise.all([this.redis.zcard(k), this.redis.zrevrange(k, 0, offset + limit - 1)])));
    let total = 0;
    const ids: number[] = [];
    for (const [count, members] of res) {
      total += count;
      for (const id of members) ids.push(Number(id));
    }
    const page = [...new Set(ids)].sort((a, b) => b - a).slice(offset, offset + limit);
    return { total, issues: await this.getMany(page) };
  }

  /**
   * Counters per unit for these buckets ("all" or "YYYYMM" months), summed over the buckets: of
   * the problems found, or (kind "task") of the department's task issues.
   */
  async unitCounts(unitIds: readonly string[], buckets: readonly string[], kind: IssueKind = 'problem'): Promise<Map<string, Record<Counter, number>>> {
    const out = new Map<string, Record<Counter, number>>();
    if (!unitIds.length || !buckets.length) return out;
    // Most units never get a task: read task counters only for those that ever had a task issue
    // (one read, not an HMGET per unit); the others are left out, which callers read as zeros.
    if (kind === 'task') {
      const withTasks = await this.unitsWithTasks();
      unitIds = unitIds.filter((u) => withTasks.has(u));
      if (!unitIds.length) return out;
    }
    const fields = buckets.flatMap((b) => COUNTERS.map((c) => counterField(kind, b, c)));
    const res = await Promise.all(unitIds.map((u) => this.redis.hmget(this.keys.unitStats(u), ...fields)));
    res.forEach((values, i) => {
      const counts = emptyCounts();
      values.forEach((v, j) => {
        if (v !== null) counts[COUNTERS[j % COUNTERS.length]!] += Number(v);
      });
      out.set(unitIds[i]!, counts);
    });
    return out;
  }

  /**
   * Overdue issues (clock running, deadline passed) per unit, optionally only those discovered
   * in the given months, and the most overdue ones overall.
   */
  async overdue(
    unitIds: readonly string[],
    now: number,
    months: readonly string[] | undefined,
    oldest: number,
  ): Promise<{ total: number; perUnit: Map<string, number>; oldest: { id: number; deadline: number }[] }> {
    const perUnit = new Map<string, number>();
    if (!unitIds.length) return { total: 0, perUnit, oldest: [] };
    // Without a period: one set per unit; with one: one set per unit and month. Either way only
    // a count and the oldest few are read, however many issues are overdue.
    const keysOf = (u: string) => (months ? months.map((m) => this.keys.unitMonthDeadlines(u, m)) : [this.keys.unitDeadlines(u)]);
    const perKey = await Promise.all(
      unitIds.map((u) =>
        Promise.all(
          keysOf(u).map((key) =>
            Promise.all([
              this.redis.zcount(key, '-inf', `(${now}`),
              oldest > 0 ? this.redis.zrangebyscore(key, '-inf', `(${now}`, 'WITHSCORES', 'LIMIT', 0, oldest) : Promise.resolve([]),
            ]),
          ),
        ),
      ),
    );
    const items: { id: number; deadline: number }[] = [];
    let total = 0;
    for (const [i, u] of unitIds.entries()) {
      let count = 0;
      for (const [n, flat] of perKey[i]!) {
        count += n;
        for (let j = 0; j + 1 < flat.length; j += 2) {
          const member = flat[j]!;
          items.push({ id: Number(member.slice(member.indexOf(':') + 1)), deadline: Number(flat[j + 1]) });
        }
      }
      perUnit.set(u, count);
      total += count;
    }
    items.sort((a, b) => a.deadline - b.deadline || a.id - b.id);
    return { total, perUnit, oldest: items.slice(0, oldest) };
  }

  /** Of overdue(): only the task issues (/布置), per unit; counts only. */
  private async unitsWithTasks(): Promise<ReadonlySet<string>> {
    return new Set(await this.redis.zrange(this.keys.taskUnits, '0', '-1'));
  }

  async taskOverdue(unitIds: readonly string[], now: number, months: readonly string[] | undefined): Promise<{ total: number; perUnit: Map<string, number> }> {
    const keysOf = (u: string) => (months ? months.map((m) => this.keys.unitMonthTaskDeadlines(u, m)) : [this.keys.unitTaskDeadlines(u)]);
    const counts = await Promise.all(unitIds.map((u) => Promise.all(keysOf(u).map((key) => this.redis.zcount(key, '-inf', `(${now}`)))));
    const perUnit = new Map<string, number>();
    let total = 0;
    unitIds.forEach((u, i) => {
      const n = counts[i]!.reduce((a, b) => a + b, 0);
      perUnit.set(u, n);
      total += n;
    });
    return { total, perUnit };
  }

  /**
   * The dashboard's trend (docs/design.md §7.4, API): 发现 and 销号 per discovery month — of the
   * problems found in each month, how many, and how many of them are rectified (已销号 + 已回访)
   * now. One HMGET per unit for every month at once, all sent together. Task issues are left out.
   */
  async monthTrend(unitIds: readonly string[], months: readonly string[]): Promise<{ month: string; found: number; rectified: number }[]> {
    const fields = months.flatMap((m) => [counterField('problem', m, 'found'), counterField('problem', m, 'closed'), counterField('problem', m, 'revisited')]);
    const found = months.map(() => 0);
    const rectified = months.map(() => 0);
    if (unitIds.length && months.length) {
      const res = await Promise.all(unitIds.map((u) => this.redis.hmget(this.keys.unitStats(u), ...fields)));
      for (const values of res) {
        for (let i = 0; i < months.length; i++) {
          found[i]! += Number(values[i * 3] ?? 0);
          rectified[i]! += Number(values[i * 3 + 1] ?? 0) + Number(values[i * 3 + 2] ?? 0);
        }
      }
    }
    return months.map((m, i) => ({ month: `${m.slice(0, 4)}-${m.slice(4)}`, found: found[i]!, rectified: rectified[i]! }));
  }

  /**
   * 三色预警's yellow and green (docs/design.md §7.4, API): the problems rectifying now whose
   * deadline is within `yellowMs` from now, or later, discovered in the months given (all time
   * without): ZCOUNTs of the deadline sets less the task-issue sets', as overdue() is split.
   */
  async deadlineSplit(unitIds: readonly string[], months: readonly string[] | undefined, now: number, yellowMs: number): Promise<{ yellow: number; green: number }> {
    if (!unitIds.length) return { yellow: 0, green: 0 };
    const withTasks = await this.unitsWithTasks();
    const all = (u: string) => (months ? months.map((m) => this.keys.unitMonthDeadlines(u, m)) : [this.keys.unitDeadlines(u)]);
    const tasks = (u: string) => (!withTasks.has(u) ? [] : months ? months.map((m) => this.keys.unitMonthTaskDeadlines(u, m)) : [this.keys.unitTaskDeadlines(u)]);
    const soon = String(now + yellowMs);
    const count = (key: string) => Promise.all([this.redis.zcount(key, String(now), soon), this.redis.zcount(key, `(${soon}`, '+inf')]);
    const [plain, task] = await Promise.all([Promise.all(unitIds.flatMap(all).map(count)), Promise.all(unitIds.flatMap(tasks).map(count))]);
    let yellow = 0;
    let green = 0;
    for (const [y, g] of plain) {
      yellow += y;
      green += g;
    }
    for (const [y, g] of task) {
      yellow -= y;
      green -= g;
    }
    return { yellow, green };
  }

  /** The chat's list pages in one round trip each (src/store/ledger-pages.ts), on this store's client and keys. */
  get pages(): LedgerPages {
    return (this.pagesOnce ??= new LedgerPages(this.redis, this.keys));
  }

  private pagesOnce: LedgerPages | undefined;

  /** A scope report's reads in one round trip (src/store/ledger-report.ts): the CountsReader of src/domain/report.ts. */
  scopeCounts(unitIds: readonly string[], buckets: readonly string[], months: readonly string[] | undefined, now: number, oldest: number): Promise<ScopeCounts> {
    return (this.reportOnce ??= new LedgerReport(this.redis, this.keys)).read(unitIds, buckets, months, now, oldest);
  }

  private reportOnce: LedgerReport | undefined;
}

// Beside the hooks they serve (imports are hoisted; neither file imports this one).
import { LedgerPages } from './ledger-pages';
import { LedgerReport } from './ledger-report';
import type { ScopeCounts } from '../domain/report';
