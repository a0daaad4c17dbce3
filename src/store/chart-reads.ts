import { counterField } from '../domain/stats';
import type { Keys } from './keys';
import type { RedisClient } from './redis';

/**
 * What the dashboard's charts read beside the /status report (docs/design.md §7.4, API), from
 * the same counters and deadline sets, never from the issues: the found and rectified problems
 * per discovery month, and the running clocks split by how soon they end (三色预警).
 */

/**
 * 发现 and 销号 per discovery month: of the problems found in each month, how many, and how many
 * of them are rectified (已销号 + 已回访) now. One HMGET per unit for every month at once, all
 * sent together (one round trip). Task issues (/布置) are not problems and are left out.
 */
export async function monthTrend(redis: RedisClient, keys: Keys, unitIds: readonly string[], months: readonly string[]): Promise<{ month: string; found: number; rectified: number }[]> {
  const fields = months.flatMap((m) => [counterField('problem', m, 'found'), counterField('problem', m, 'closed'), counterField('problem', m, 'revisited')]);
  const found = months.map(() => 0);
  const rectified = months.map(() => 0);
  if (unitIds.length && months.length) {
    const res = await Promise.all(unitIds.map((u) => redis.hmget(keys.unitStats(u), ...fields)));
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
 * The problems rectifying now (their clocks run) whose deadline is within `yellowMs` from now
 * (due soon) or later (in time), discovered in the months given (all time without): ZCOUNT on
 * each unit's deadline sets, less the same on its task-issue sets, as /status counts 逾期.
 */
export async function deadlineSplit(
  redis: RedisClient,
  keys: Keys,
  unitIds: readonly string[],
  months: readonly string[] | undefined,
  now: number,
  yellowMs: number,
): Promise<{ yellow: number; green: number }> {
  if (!unitIds.length) return { yellow: 0, green: 0 };
  const withTasks = new Set(await redis.zrange(keys.taskUnits, '0', '-1'));
  const all = (u: string) => (months ? months.map((m) => keys.unitMonthDeadlines(u, m)) : [keys.unitDeadlines(u)]);
  const tasks = (u: string) => (!withTasks.has(u) ? [] : months ? months.map((m) => keys.unitMonthTaskDeadlines(u, m)) : [keys.unitTaskDeadlines(u)]);
  const soon = String(now + yellowMs);
  const count = (key: string) => Promise.all([redis.zcount(key, String(now), soon), redis.zcount(key, `(${soon}`, '+inf')]);
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
