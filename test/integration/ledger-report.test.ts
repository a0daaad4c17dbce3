import type { Redis } from 'ioredis';
import type { Issue } from '../../src/domain/issue';
import type { ScopeCounts, UnitCounts } from '../../src/domain/report';
import { DAY_MS } from '../../src/domain/time';
import { bucketsFor, parsePeriod } from '../../src/parsing/period';
import { createKeys, type Keys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { createRedis, type RedisClient } from '../../src/store/redis';
import { demoOrg } from '../support/app';
import { testPrefix, testRedisUrl } from '../support/redis';
import { startRedisCluster, type LocalCluster } from '../support/redis-cluster';
import { measure } from '../support/round-trips';
import { seedPagesLedger } from './read-pages.support';

/**
 * A scope report's reads in one script (src/store/ledger-report.ts, lua/read-report.lua) give
 * exactly what LedgerStore's command-at-a-time reads give — counters of problems and of task
 * issues, overdue clocks, the tasks' among them, the most overdue issues — for every kind of
 * scope and period, in one round trip however many units the scope has.
 */
const NOW = Date.parse('2026-06-15T10:00:00+08:00');
const org = demoOrg();
const units = org.units.filter((u) => u.secretary);
const unitIds = units.map((u) => u.id);

/** The reads scopeReport and /status made before, one answer after another. */
async function before(store: LedgerStore, ids: readonly string[], buckets: readonly string[], months: readonly string[] | undefined, now: number, oldest: number): Promise<ScopeCounts> {
  const [problem, task, overdue] = await Promise.all([store.unitCounts(ids, buckets, 'problem'), store.unitCounts(ids, buckets, 'task'), store.overdue(ids, now, months, oldest)]);
  const withTasks = ids.filter((u) => (task.get(u)?.found ?? 0) > 0);
  const taskOverdue = withTasks.length ? (await store.taskOverdue(withTasks, now, months)).perUnit : new Map<string, number>();
  const issues = await store.getMany(overdue.oldest.map((o) => o.id));
  const perUnit = new Map<string, UnitCounts>();
  const zero = await store.unitCounts(['no-such-unit'], buckets);
  for (const u of ids) {
    perUnit.set(u, {
      problem: problem.get(u) ?? zero.get('no-such-unit')!,
      task: task.get(u) ?? zero.get('no-such-unit')!,
      overdue: overdue.perUnit.get(u) ?? 0,
      taskOverdue: taskOverdue.get(u) ?? 0,
    });
  }
  return { perUnit, oldest: overdue.oldest.map((o, i) => ({ ...o, issue: issues[i]! })) };
}

let redis: RedisClient;
let keys: Keys;
let store: LedgerStore;

/** The ledger both servers get: generated, then task issues beside the problems. */
async function seed(into: LedgerStore, found: number, closed: number): Promise<void> {
  await seedPagesLedger(into, org, { found, closed, now: NOW });
  // Task issues (/布置): copies of some rectifying and some closed issues, written as new issues
  // with a task id, so their counters and clocks are the tasks' own.
  const some = [...(await into.list(unitIds, ['assigned'], 0, 12)).issues, ...(await into.list(unitIds, ['closed'], 0, 4)).issues];
  for (const [k, issue] of some.entries()) {
    const id = await into.nextId();
    const copy: Issue = { ...issue, id, version: 1, taskId: 1 + (k % 2) };
    if (!(await into.commit(undefined, { issue: copy, audit: { action: 'task.create', from: null, to: copy.state } }, 'u_admin', NOW - DAY_MS))) throw new Error(`task copy #${id} not written`);
  }
}

beforeAll(async () => {
  redis = createRedis(testRedisUrl());
  await redis.connect();
  keys = createKeys(testPrefix());
  store = new LedgerStore(redis, keys);
  await seed(store, 230, 80);
});
afterAll(async () => {
  await redis.quit();
});

const period = (word: string) => {
  const p = parsePeriod(word, NOW);
  if (!p) throw new Error(`no period ${word}`);
  return { buckets: p.buckets ?? (p.months ? bucketsFor(p.months) : ['all']), months: p.months };
};
// More units than one script call takes (100), the real ones split over the first two calls
// (so the most overdue are merged across calls), unknown ones between, as a district's empty units.
const half = Math.ceil(unitIds.length / 2);
const wide = [...unitIds.slice(0, half), ...Array.from({ length: 130 }, (_, i) => `empty-${i}`), ...unitIds.slice(half), ...Array.from({ length: 40 }, (_, i) => `none-${i}`)];
const scopes: [string, readonly string[]][] = [
  ['every unit', unitIds],
  ['one unit', [unitIds[0]!]],
  ['a unit with no issues', ['no-such-unit']],
  ['no unit', []],
  ['a scope of three calls', wide],
];
const periods = ['全部', '今年', '本月', '上月', '本季度'];

describe.each(scopes)('%s', (_, scope) => {
  it.each(periods)('reads %s as the command-at-a-time reads do, now and a month later, with and without the oldest', async (word) => {
    const { buckets, months } = period(word);
    let overdue = 0;
    let tasks = 0;
    for (const now of [NOW, NOW + 30 * DAY_MS]) {
      for (const oldest of [0, 5, 40]) {
        const got = await store.scopeCounts(scope, buckets, months, now, oldest);
        expect(got).toEqual(await before(store, scope, buckets, months, now, oldest));
        for (const u of got.perUnit.values()) {
          overdue += u.overdue;
          tasks += u.taskOverdue;
        }
      }
    }
    // Not vacuous: a real scope over all time has overdue issues, task issues among them.
    if (scope.length > 1 && word === '全部') {
      expect(overdue).toBeGreaterThan(0);
      expect(tasks).toBeGreaterThan(0);
    }
  });
});

it('reads the oldest issues with their histories, most overdue first', async () => {
  const got = await store.scopeCounts(unitIds, ['all'], undefined, NOW + 30 * DAY_MS, 40);
  expect(got.oldest.length).toBe(40);
  for (let i = 1; i < got.oldest.length; i++) {
    const [a, b] = [got.oldest[i - 1]!, got.oldest[i]!];
    expect(a.deadline < b.deadline || (a.deadline === b.deadline && a.id < b.id)).toBe(true);
  }
  // The history string is read beside the hash: fixed and rejected issues carry their evidence and reasons.
  expect(got.oldest.some((o) => o.issue.rejectReasons.length > 0)).toBe(true);
  expect(got.oldest.every((o) => o.issue.deadline === o.deadline && o.issue.state === 'assigned')).toBe(true);
});

it('is one round trip: one script per hundred units, all in one write', async () => {
  const watched = [{ label: 'command', redis: redis as unknown as Redis }];
  const one = await measure(watched, () => store.scopeCounts(unitIds, ['2026'], period('今年').months, NOW, 5));
  expect(one.trips.command).toEqual([{ commands: ['readReport'] }]);
  const three = await measure(watched, () => store.scopeCounts(wide, ['all'], undefined, NOW, 5));
  expect(three.trips.command).toEqual([{ commands: ['readReport', 'readReport', 'readReport'] }]);
  expect(three.result.oldest.length).toBe(5);
});

it('breaks a deadline tie by id, over both layouts of a clock member, as LedgerStore.overdue did', async () => {
  const [a, b, c] = (await store.list(unitIds, ['closed'], 0, 3)).issues.map((i) => i.id).sort((x, y) => x - y) as [number, number, number];
  await redis.zadd(keys.unitDeadlines('dup'), 5, `202606:${c}`, 5, String(a), 3, `202605:${b}`, 50, `202606:${a}`);
  const got = await store.scopeCounts(['dup'], ['all'], undefined, 10, 10);
  expect({ overdue: got.perUnit.get('dup')!.overdue, ids: got.oldest.map((o) => o.id) }).toEqual({ overdue: 3, ids: [b, a, c] });
  for (const oldest of [1, 2, 3]) expect(await store.scopeCounts(['dup'], ['all'], undefined, 10, oldest)).toEqual(await before(store, ['dup'], ['all'], undefined, 10, oldest));
});

it('reads a hash holding a NUL again the plain way, and still returns it', async () => {
  const top = (await store.scopeCounts(unitIds, ['all'], undefined, NOW, 1)).oldest[0]!;
  const note = top.issue.description;
  await redis.hset(keys.issue(top.id), 'description', 'before\0after');
  try {
    const got = await store.scopeCounts(unitIds, ['all'], undefined, NOW, 1);
    expect(got.oldest[0]!.issue.description).toBe('before\0after');
    expect(got).toEqual(await before(store, unitIds, ['all'], undefined, NOW, 1));
  } finally {
    await redis.hset(keys.issue(top.id), 'description', note);
  }
});

describe('a three-master Redis Cluster', () => {
  let cluster: LocalCluster | undefined;
  let on: RedisClient | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    on = createRedis(cluster.url);
    await on.connect();
  }, 30_000);
  afterAll(async () => {
    await on?.quit();
    await cluster?.stop();
  });

  it('runs the report script on the ledger’s node: the issue keys it builds share the declared keys’ slot', async () => {
    const there = new LedgerStore(on!, createKeys('clr:'));
    await seed(there, 40, 10);
    for (const [buckets, months] of [[['all'], undefined], [['2026'], period('今年').months]] as const) {
      const got = await there.scopeCounts(wide, buckets, months, NOW + 30 * DAY_MS, 5);
      expect(got.oldest).toHaveLength(5);
      expect(got).toEqual(await before(there, wide, buckets, months, NOW + 30 * DAY_MS, 5));
    }
  }, 30_000);
});
