import type { Result } from 'ioredis';
import type { Issue } from '../domain/issue';
import type { ScopeCounts, UnitCounts } from '../domain/report';
import { COUNTERS, counterField, emptyCounts, type Counter } from '../domain/stats';
import { issueFromScript } from './issue-scan';
import { issueKeyLayout, type Keys } from './keys';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    readReport(numKeys: number, ...args: (string | number)[]): Result<(string | number)[], Context>;
  }
}

/**
 * Units per script call. A call's work grows with its units (lua/read-report.lua gives the cost);
 * a 全区 scope of a large district is split into calls of this many, all sent in the same tick,
 * so the report is still one round trip and no single call holds Redis for long.
 */
const UNITS_PER_CALL = 100;
const FOUND = COUNTERS.indexOf('found') + 1;

/**
 * The reads of a scope report (src/domain/report.ts) in one round trip: the counters, the
 * running clocks and the most overdue issues with their hashes, which LedgerStore's unitCounts,
 * overdue, taskOverdue and getMany read in up to four (each waiting on the one before).
 * test/integration/ledger-report.test.ts holds the two equal.
 *
 * The issues are decoded without zod (decodeStoredIssue), as LedgerPages does: the script
 * returns only hashes the commit script wrote.
 */
export class LedgerReport {
  private readonly issuePrefix: string;
  private readonly historySuffix: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    // Before any command: see src/store/scripts.ts on defining a script while a batch waits.
    defineScripts(redis);
    // The script builds an issue's keys from its id.
    ({ issuePrefix: this.issuePrefix, historySuffix: this.historySuffix } = issueKeyLayout(keys));
  }

  /**
   * Per unit: the problem and task counters summed over `buckets`, the overdue clocks (tasks
   * included) and the overdue task clocks, of the issues discovered in `months` (all time
   * without); and the `oldest` most overdue issues of the scope (deadline, then id).
   */
  async read(unitIds: readonly string[], buckets: readonly string[], months: readonly string[] | undefined, now: number, oldest: number): Promise<ScopeCounts> {
    const perUnit = new Map<string, UnitCounts>();
    if (!unitIds.length) return { perUnit, oldest: [] };
    const want = Math.max(0, Math.floor(oldest));
    const fields = [...buckets.flatMap((b) => COUNTERS.map((c) => counterField('problem', b, c))), ...buckets.flatMap((b) => COUNTERS.map((c) => counterField('task', b, c)))];
    const m = months ? months.length : 1;
    const args = [m, COUNTERS.length, FOUND, now, want, this.issuePrefix, this.historySuffix, ...fields];
    const calls: Promise<(string | number)[]>[] = [];
    const groups: (readonly string[])[] = [];
    for (let i = 0; i < unitIds.length; i += UNITS_PER_CALL) {
      const group = unitIds.slice(i, i + UNITS_PER_CALL);
      const keys = group.flatMap((u) => [this.keys.unitStats(u), ...this.clockKeys(u, months, false), ...this.clockKeys(u, months, true)]);
      groups.push(group);
      calls.push(this.redis.readReport(keys.length, ...keys, ...args));
    }
    const answers = await Promise.all(calls);
    const stride = 2 * COUNTERS.length + 2;
    const found: { id: number; deadline: number; joined: string; history: string }[] = [];
    answers.forEach((raw, g) => {
      const group = groups[g]!;
      group.forEach((u, i) => {
        const at = i * stride;
        perUnit.set(u, {
          problem: countsAt(raw, at),
          task: countsAt(raw, at + COUNTERS.length),
          overdue: Number(raw[at + 2 * COUNTERS.length]),
          taskOverdue: Number(raw[at + 2 * COUNTERS.length + 1]),
        });
      });
      for (let j = group.length * stride; j + 3 < raw.length; j += 4) {
        found.push({ id: Number(raw[j]), deadline: Number(raw[j + 1]), joined: String(raw[j + 2]), history: String(raw[j + 3]) });
      }
    });
    // Each call named its own most overdue; the scope's are the first of them all.
    found.sort((a, b) => a.deadline - b.deadline || a.id - b.id);
    const top = found.slice(0, want);
    const issues: Issue[] = [];
    for (const o of top) issues.push(await issueFromScript(this.redis, this.keys, o.id, o.joined, o.history));
    return { perUnit, oldest: top.map((o, i) => ({ id: o.id, deadline: o.deadline, issue: issues[i]! })) };
  }

  /** A unit's running clocks (or its task issues' only): one set, or one per discovery month. */
  private clockKeys(u: string, months: readonly string[] | undefined, tasks: boolean): string[] {
    if (!months) return [tasks ? this.keys.unitTaskDeadlines(u) : this.keys.unitDeadlines(u)];
    return months.map((mo) => (tasks ? this.keys.unitMonthTaskDeadlines(u, mo) : this.keys.unitMonthDeadlines(u, mo)));
  }
}

function countsAt(raw: readonly (string | number)[], at: number): Record<Counter, number> {
  const counts = emptyCounts();
  COUNTERS.forEach((c, k) => {
    counts[c] = Number(raw[at + k]);
  });
  return counts;
}
