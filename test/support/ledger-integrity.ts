import { COUNTERS, bucketsOf } from '../../src/domain/stats';
import type { Issue } from '../../src/domain/issue';
import { ENTRY_LIMITS } from '../../src/domain/limits';
import { decodeIssue } from '../../src/store/issue-codec';
import { createKeys } from '../../src/store/keys';
import type { Redis } from 'ioredis';
import { keysWithPrefix } from './redis';

/**
 * The ledger is whole: every issue hash decodes; every change left one audit entry (per issue
 * and in the district stream); each issue is in its state's indexes and in the deadline set
 * exactly while its clock runs; a recount of the per-unit counters from the issues equals the
 * stored hashes (fields back at zero ignored); every history is within its limit. Returns the issues it read.
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
    for (const b of bucketsOf(i.createdAt)) {
      add(i.unitId, `${b}:${i.state}`, 1);
      if (i.state !== 'canceled') add(i.unitId, `${b}:found`, 1);
      if ((i.state === 'closed' || i.state === 'revisited') && i.closedAt !== undefined) {
        add(i.unitId, `${b}:closeMs`, i.closedAt - i.createdAt);
        if (i.closedOnTime) add(i.unitId, `${b}:ontime`, 1);
      }
      add(i.unitId, `${b}:relapse`, i.relapseCount);
    }
  }
  const stored = new Map<string, Record<string, number>>();
  for (const key of await keysWithPrefix(redis, `${keys.ledgerPrefix}stats:`)) {
    const h: Record<string, number> = {};
    for (const [f, v] of Object.entries(await redis.hgetall(key))) {
      expect(COUNTERS).toContain(f.split(':')[1]);
      if (Number(v) !== 0) h[f] = Number(v);
    }
    if (Object.keys(h).length) stored.set(key.slice(`${keys.ledgerPrefix}stats:`.length), h);
  }
  expect(stored).toEqual(expected);
  return issues;
}
