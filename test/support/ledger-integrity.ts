import { COUNTERS, bucketsOf, counterField, kindOf, type Counter } from '../../src/domain/stats';
import type { Issue } from '../../src/domain/issue';
import { ENTRY_LIMITS } from '../../src/domain/limits';
import { decodeIssue } from '../../src/store/issue-codec';
import { monthKey } from '../../src/domain/time';
import { createKeys, type Keys } from '../../src/store/keys';
import type { Redis } from 'ioredis';
import { keysWithPrefix } from './redis';

/**
 * The ledger is whole: every issue hash decodes; every change left one audit entry (per issue
 * and in the district stream); each issue is in its state's indexes and in the deadline set
 * exactly while its clock runs; a recount of the per-unit counters from the issues equals the
 * stored hashes (fields back at zero ignored), the task issues' apart under "task:"; the per-unit
 * and per-task deadline sets, the round and task issue sets and each task's per-state counters
 * equal a recount too; every history is within its limit. Returns the issues it read.
 */
export async function expectLedgerWhole(redis: Redis, prefix: string): Promise<Issue[]> {
  const keys = createKeys(prefix);
  const issueKeys = (await keysWithPrefix(redis, `${keys.ledgerPrefix}issue:`)).filter((k) => /:issue:\d+$/.test(k));
  const issues = await Promise.all(
    issueKeys.map(async (key) => {
      const hash = await redis.hgetall(key);
      const id = Number(key.slice(key.lastIndexOf(':') + 1));
      const issue = decodeIssue(hash, await redis.get(keys.issueHistory(id)));
      const sizes = { evidence: issue.evidence.length <= ENTRY_LIMITS.evidence, deadlineChanges: issue.deadlineChanges.length <= ENTRY_LIMITS.deadlineChanges };
      expect({ key, ...sizes }).toEqual({ key, evidence: true, deadlineChanges: true });
      return issue;
    }),
  );
  const seq = Number(await redis.get(keys.issueSeq));
  const facts = await Promise.all(
    issues.map((i) =>
      Promise.all([
        redis.llen(keys.audit(i.id)),
        redis.zscore(keys.byState(i.state), String(i.id)),
        redis.zscore(keys.byUnitState(i.unitId, i.state), String(i.id)),
        redis.zscore(keys.deadlines, String(i.id)),
      ]),
    ),
  );
  issues.forEach((i, n) => {
    const [audit, inState, inUnitState, deadline] = facts[n]!;
    const clockRuns = i.state === 'assigned' && i.deadline !== undefined;
    expect({ id: i.id, audit, inState, inUnitState, deadline, belowSeq: i.id <= seq, wellFormed: i.description.isWellFormed(), rejects: i.rejectReasons.length }).toEqual({
      id: i.id,
      audit: i.version,
      inState: String(i.id),
      inUnitState: String(i.id),
      deadline: clockRuns ? String(i.deadline) : null,
      belowSeq: true,
      wellFormed: true,
      rejects: i.rejectCount,
    });
  });
  expect(await redis.xlen(keys.auditAll)).toBe(issues.reduce((n, i) => n + i.version, 0));

  const expected = new Map<string, Record<string, number>>();
  const add = (unit: string, field: string, n: number) => {
    if (!n) return;
    const h = expected.get(unit) ?? {};
    h[field] = (h[field] ?? 0) + n;
    expected.set(unit, h);
  };
  for (const i of issues) {
    const kind = kindOf(i);
    for (const b of bucketsOf(i.createdAt)) {
      const field = (name: Counter) => counterField(kind, b, name);
      add(i.unitId, field(i.state), 1);
      if (i.state !== 'canceled') add(i.unitId, field('found'), 1);
      if ((i.state === 'closed' || i.state === 'revisited') && i.closedAt !== undefined) {
        add(i.unitId, field('closeMs'), i.closedAt - i.createdAt);
        if (i.closedOnTime) add(i.unitId, field('ontime'), 1);
      }
      add(i.unitId, field('relapse'), i.relapseCount);
    }
  }
  const stored = new Map<string, Record<string, number>>();
  for (const key of await keysWithPrefix(redis, `${keys.ledgerPrefix}stats:`)) {
    const h: Record<string, number> = {};
    for (const [f, v] of Object.entries(await redis.hgetall(key))) {
      expect({ f, counter: COUNTERS.includes(f.replace(/^task:/, '').split(':')[1] as Counter) }).toEqual({ f, counter: true });
      if (Number(v) !== 0) h[f] = Number(v);
    }
    if (Object.keys(h).length) stored.set(key.slice(`${keys.ledgerPrefix}stats:`.length), h);
  }
  expect(stored).toEqual(expected);
  await expectSetsRecount(redis, keys, issues);
  return issues;
}

/**
 * The sorted sets and task counters derived from the issues, recounted: the per-unit deadline
 * sets (all, per month; the task issues' again apart), each task's deadline set, issue set and
 * per-state counters, and each round's issue set. Every such key stored is expected, and no other.
 */
async function expectSetsRecount(redis: Redis, keys: Keys, issues: readonly Issue[]): Promise<void> {
  const sets = new Map<string, Record<string, number>>();
  const member = (key: string, m: string, score: number) => sets.set(key, { ...sets.get(key), [m]: score });
  const taskStats = new Map<string, Record<string, number>>();
  for (const i of issues) {
    const month = monthKey(i.createdAt);
    const id = String(i.id);
    const clock = i.state === 'assigned' && i.deadline !== undefined ? i.deadline : undefined;
    if (clock !== undefined) {
      member(keys.unitDeadlines(i.unitId), `${month}:${id}`, clock);
      member(keys.unitMonthDeadlines(i.unitId, month), id, clock);
    }
    if (i.roundId !== undefined) member(keys.byRound(i.roundId), id, i.id);
    if (i.taskId === undefined) continue;
    member(keys.taskIssues(i.taskId), id, i.id);
    member(keys.taskUnits, i.unitId, 0);
    const stats = keys.taskStats(i.taskId);
    taskStats.set(stats, { ...taskStats.get(stats), [i.state]: (taskStats.get(stats)?.[i.state] ?? 0) + 1 });
    if (clock !== undefined) {
      member(keys.taskDeadlines(i.taskId), id, clock);
      member(keys.unitTaskDeadlines(i.unitId), `${month}:${id}`, clock);
      member(keys.unitMonthTaskDeadlines(i.unitId, month), id, clock);
    }
  }
  const p = keys.ledgerPrefix;
  const taskKeys = await keysWithPrefix(redis, `${p}task:`);
  const setKeys = [
    ...(await keysWithPrefix(redis, `${p}deadlines:`)),
    ...(await keysWithPrefix(redis, `${p}idx:round:`)),
    ...taskKeys.filter((k) => /:task:(\d+:(deadlines|issues)|deadlines:.+|units)$/.test(k.slice(p.length - 1))),
  ];
  const storedSets = new Map<string, Record<string, number>>();
  for (const key of setKeys) {
    const flat = await redis.zrange(key, '0', '-1', 'WITHSCORES');
    const h: Record<string, number> = {};
    for (let j = 0; j + 1 < flat.length; j += 2) h[flat[j]!] = Number(flat[j + 1]);
    storedSets.set(key, h);
  }
  expect(storedSets).toEqual(sets);
  const storedStats = new Map<string, Record<string, number>>();
  for (const key of taskKeys.filter((k) => /:task:\d+:stats$/.test(k))) {
    const h: Record<string, number> = {};
    for (const [f, v] of Object.entries(await redis.hgetall(key))) if (Number(v) !== 0) h[f] = Number(v);
    if (Object.keys(h).length) storedStats.set(key, h);
  }
  expect(storedStats).toEqual(taskStats);
}
