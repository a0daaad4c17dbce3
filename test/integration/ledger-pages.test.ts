import type { Redis } from 'ioredis';
import { ISSUE_STATES, OPEN_STATES, type Issue, type IssueState } from '../../src/domain/issue';
import { DAY_MS } from '../../src/domain/time';
import { createKeys, type Keys } from '../../src/store/keys';
import type { IssuePage } from '../../src/store/ledger-pages';
import { LedgerStore } from '../../src/store/ledger-store';
import { createRedis, type RedisClient } from '../../src/store/redis';
import { demoOrg } from '../support/app';
import { testPrefix, testRedisUrl } from '../support/redis';
import { startRedisCluster, type LocalCluster } from '../support/redis-cluster';
import { seedPagesLedger } from './read-pages.support';
import { measure } from '../support/round-trips';

/**
 * The list pages in one script (src/store/ledger-pages.ts, lua/read-page.lua) read exactly what
 * LedgerStore's two-trip reads give — totals, order, paging, filters, scopes — in one round trip,
 * on one server and on a Redis Cluster.
 */
const NOW = Date.parse('2026-06-15T10:00:00+08:00');
const org = demoOrg();
const units = org.units.filter((u) => u.secretary);
const unitIds = units.map((u) => u.id);

/** LedgerStore's overdue page as /清单 逾期 read it before: the oldest ids, then their issues. */
async function overdueBefore(store: LedgerStore, ids: readonly string[], now: number, offset: number, limit: number): Promise<IssuePage> {
  const od = await store.overdue(ids, now, undefined, offset + limit);
  return { total: od.total, issues: await store.getMany(od.oldest.slice(offset).map((o) => o.id)) };
}

const seed = (store: LedgerStore, found: number, closed: number) => seedPagesLedger(store, org, { found, closed, now: NOW });

describe('one server', () => {
  let redis: RedisClient;
  let keys: Keys;
  let store: LedgerStore;
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

  const scopes: [string, readonly string[]][] = [
    ['every unit', unitIds],
    ['one unit', [unitIds[0]!]],
    ['two units', unitIds.slice(1, 3)],
    ['a unit with no issues', ['no-such-unit']],
  ];
  const filters: [string, readonly IssueState[]][] = [
    ['未办结', OPEN_STATES],
    ['待核验', ['submitted']],
    ['整改中', ['assigned']],
    ['已销号', ['closed', 'revisited']],
    ['全部', ISSUE_STATES],
  ];
  const windows: [number, number][] = [[0, 10], [10, 10], [20, 20], [95, 10], [225, 10], [400, 10]];

  it.each(scopes)('lists %s as LedgerStore does, for every filter and page', async (_, scope) => {
    let nonEmpty = 0;
    for (const [, states] of filters) {
      for (const [offset, limit] of windows) {
        const page = await store.pages.list(scope, states, offset, limit);
        expect(page).toEqual(await store.list(scope, states, offset, limit));
        if (page.issues.length) nonEmpty++;
      }
    }
    // Not vacuous: the filters and pages of a real scope find issues.
    if (scope !== scopes[3]![1]) expect(nonEmpty).toBeGreaterThanOrEqual(4);
  });

  it('pages newest first, each id once, the total counting every issue of the scope', async () => {
    const seen: number[] = [];
    let total = -1;
    for (let offset = 0; ; offset += 10) {
      const page = await store.pages.list(unitIds, ISSUE_STATES, offset, 10);
      total = page.total;
      if (!page.issues.length) break;
      seen.push(...page.issues.map((i) => i.id));
    }
    expect(total).toBe(230);
    expect(seen).toHaveLength(230);
    expect([...seen].sort((a, b) => b - a)).toEqual(seen);
    // History lines (evidence, reject reasons) came along with the hashes.
    const all = await store.pages.list(unitIds, ISSUE_STATES, 0, 230);
    expect(all.issues.some((i) => i.rejectReasons.length && i.evidence.length)).toBe(true);
  });

  it('reads each assignee’s issues as LedgerStore does', async () => {
    for (const userid of new Set(units.map((u) => u.secretary!))) {
      for (const [offset, limit] of windows) expect(await store.pages.assignedTo(userid, offset, limit)).toEqual(await store.assignedTo(userid, offset, limit));
    }
    expect(await store.pages.assignedTo('nobody', 0, 20)).toEqual({ total: 0, issues: [] });
  });

  it('pages the overdue, most overdue first, as /清单 逾期 read them before', async () => {
    for (const [, scope] of scopes) {
      for (const now of [NOW, NOW - 20 * DAY_MS, NOW + 30 * DAY_MS]) {
        for (const [offset, limit] of windows) expect(await store.pages.overdue(scope, now, offset, limit)).toEqual(await overdueBefore(store, scope, now, offset, limit));
      }
    }
    const page = await store.pages.overdue(unitIds, NOW + 30 * DAY_MS, 0, 10);
    expect(page.total).toBeGreaterThan(10);
    const deadlines = page.issues.map((i) => i.deadline!);
    expect([...deadlines].sort((a, b) => a - b)).toEqual(deadlines);
  });

  it('shows an id two indexes hold once and counts it twice, and breaks a deadline tie by id', async () => {
    const [a, b, c] = (await store.pages.list(unitIds, ['closed'], 0, 3)).issues.map((i) => i.id).sort((x, y) => x - y) as [number, number, number];
    await redis.zadd(keys.byUnitState('dup', 'assigned'), a, String(a), b, String(b));
    await redis.zadd(keys.byUnitState('dup', 'submitted'), b, String(b), c, String(c));
    const page = await store.pages.list(['dup'], ['assigned', 'submitted'], 0, 10);
    expect({ total: page.total, ids: page.issues.map((i) => i.id) }).toEqual({ total: 4, ids: [c, b, a] });
    expect(page).toEqual(await store.list(['dup'], ['assigned', 'submitted'], 0, 10));
    // Members as both layouts write them: "YYYYMM:id" and a bare id.
    await redis.zadd(keys.unitDeadlines('dup'), 5, `202606:${c}`, 5, String(a), 3, `202605:${b}`, 50, `202606:${a}`);
    const od = await store.pages.overdue(['dup'], 10, 0, 10);
    expect({ total: od.total, ids: od.issues.map((i) => i.id) }).toEqual({ total: 3, ids: [b, a, c] });
    expect(od).toEqual(await overdueBefore(store, ['dup'], 10, 0, 10));
    // A page ending inside a tie takes the tie's members in Redis's order (by member text) and
    // then sorts them by id, exactly as LedgerStore.overdue did.
    for (const [offset, limit] of [[1, 1], [0, 2], [2, 1], [1, 2]] as const) {
      expect(await store.pages.overdue(['dup'], 10, offset, limit)).toEqual(await overdueBefore(store, ['dup'], 10, offset, limit));
    }
  });

  it('reads no index at all for an empty scope', async () => {
    const watched = [{ label: 'command', redis: redis as Redis }];
    const { result, trips } = await measure(watched, () => Promise.all([store.pages.list([], OPEN_STATES, 0, 10), store.pages.overdue([], NOW, 0, 10)]));
    expect(result).toEqual([{ total: 0, issues: [] }, { total: 0, issues: [] }]);
    expect(trips.command).toEqual([]);
  });

  it('reads a page in one round trip, and several pages asked together in one', async () => {
    const watched = [{ label: 'command', redis: redis as Redis }];
    const one = await measure(watched, () => store.pages.list(unitIds, OPEN_STATES, 0, 10));
    expect(one.result.issues).toHaveLength(10);
    expect(one.trips.command).toEqual([{ commands: ['readPage'] }]);
    const three = await measure(watched, () =>
      Promise.all([store.pages.assignedTo(units[0]!.secretary!, 0, 20), store.pages.list(unitIds, ['assigned'], 0, 20), store.pages.overdue(unitIds, NOW, 0, 10)]),
    );
    expect(three.trips.command).toEqual([{ commands: ['readPage', 'readPage', 'readPage'] }]);
  });

  it('reads a hash holding a NUL again the plain way, and still returns it', async () => {
    const victim = (await store.pages.list([unitIds[0]!], ['closed'], 0, 1)).issues[0]!;
    await redis.hset(keys.issue(victim.id), 'fixNote', 'before\0after');
    try {
      const page = await store.pages.list([unitIds[0]!], ['closed'], 0, 1);
      expect(page.issues[0]!.fixNote).toBe('before\0after');
      expect(page).toEqual(await store.list([unitIds[0]!], ['closed'], 0, 1));
    } finally {
      await redis.hset(keys.issue(victim.id), 'fixNote', victim.fixNote!);
    }
  });
});

describe('a three-master Redis Cluster', () => {
  let cluster: LocalCluster | undefined;
  let redis: RedisClient | undefined;
  beforeAll(async () => {
    cluster = await startRedisCluster(3);
    redis = createRedis(cluster.url);
    await redis.connect();
  }, 30_000);
  afterAll(async () => {
    await redis?.quit();
    await cluster?.stop();
  });

  it('runs the page script on the ledger’s node: the issue keys it builds share the declared keys’ slot', async () => {
    const store = new LedgerStore(redis!, createKeys('clp:'));
    await seed(store, 40, 10);
    for (const [offset, limit] of [[0, 10], [10, 10], [35, 10]] as const) {
      expect(await store.pages.list(unitIds, OPEN_STATES, offset, limit)).toEqual(await store.list(unitIds, OPEN_STATES, offset, limit));
      expect(await store.pages.overdue(unitIds, NOW + 30 * DAY_MS, offset, limit)).toEqual(await overdueBefore(store, unitIds, NOW + 30 * DAY_MS, offset, limit));
    }
    const mine: Issue[] = (await store.pages.assignedTo(units[0]!.secretary!, 0, 20)).issues;
    expect(mine.length).toBeGreaterThan(0);
  }, 30_000);
});
