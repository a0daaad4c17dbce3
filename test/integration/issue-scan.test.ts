import type { Redis } from 'ioredis';
import { demoOrg } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { testPrefix, testRedis } from '../support/redis';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { scanIssues, scanIssuesWithAudit } from '../../src/store/issue-scan';
import type { Issue } from '../../src/domain/issue';
import { monthKey } from '../../src/domain/time';

/** The streaming scan reads a scope's issues in id order, in batches, filtered by month and state. */
const NOW = Date.parse('2026-06-15T10:00:00+08:00');
let redis: Redis;
const keys = createKeys(testPrefix());
const org = demoOrg();
const units = org.units.filter((u) => u.secretary);

beforeAll(async () => {
  redis = testRedis();
  await generateLedger(new LedgerStore(redis, keys), org, { found: 230, closed: 100, units, days: 90, now: NOW });
});
afterAll(async () => {
  await redis.quit();
});

async function collect(opts: Parameters<typeof scanIssues>[2]): Promise<{ batches: number[]; ids: number[]; units: Set<string> }> {
  const batches: number[] = [];
  const ids: number[] = [];
  const seen = new Set<string>();
  for await (const batch of scanIssues(redis, keys, opts)) {
    batches.push(batch.length);
    for (const i of batch) {
      ids.push(i.id);
      seen.add(i.unitId);
    }
  }
  return { batches, ids, units: seen };
}

it('reads every issue of the district once, in id order, in batches of the size asked', async () => {
  const r = await collect({ unitIds: org.units.map((u) => u.id), batch: 50 });
  expect(r.ids).toEqual(Array.from({ length: 230 }, (_, i) => i + 1));
  expect(r.batches).toEqual([50, 50, 50, 50, 30]);
});

it('keeps to the scope, the months and the states asked for', async () => {
  const town = units.filter((u) => u.town === '福禄镇').map((u) => u.id);
  const all = await collect({ unitIds: town });
  expect(all.ids.length).toBeGreaterThan(0);
  expect([...all.units].every((u) => town.includes(u))).toBe(true);

  const open = await collect({ unitIds: town, states: ['assigned'] });
  expect(open.ids.length).toBe(all.ids.length - (await collect({ unitIds: town, states: ['closed'] })).ids.length);

  const june = await collect({ unitIds: town, months: ['202606'] });
  expect(june.ids.length).toBeGreaterThan(0);
  expect(june.ids.length).toBeLessThan(all.ids.length);
  const store = new LedgerStore(redis, keys);
  for (const i of await store.getMany(june.ids)) expect(monthKey(i.createdAt)).toBe('202606');
});

it('reads each issue as the store’s zod schema reads it (the scan decodes without zod)', async () => {
  const store = new LedgerStore(redis, keys);
  // One issue with every optional field and lists both in the hash (as at 上报) and in the history.
  const [first] = await store.getMany([1]);
  const photo = (n: number) => ({ kind: 'image' as const, msgid: `m${n}`, index: 0, at: NOW });
  const rich: Issue = {
    ...first!,
    id: await store.nextId(),
    version: 1,
    state: 'assigned',
    assignee: 'u_t1_m2',
    formerAssignees: ['u_t2_m1'],
    deadline: NOW + 86_400_000,
    fixNote: '已整改 <门> & “窗”',
    extensionRequest: { to: NOW + 2 * 86_400_000, reason: '雨天', by: 'u_t1_m2', at: NOW },
    extensionRequestCount: 1,
    evidence: [photo(1)],
    deadlineChanges: [{ from: null, to: NOW + 86_400_000, reason: '上报', by: 'u_luo', at: NOW }],
  };
  expect(await store.commit(undefined, { issue: rich, audit: { action: 'report', from: null, to: rich.state } }, 'u_luo', NOW)).toBe(true);
  const later: Issue = {
    ...rich,
    version: 2,
    rejectCount: 1,
    rejectReasons: ['照片看不清'],
    evidence: [photo(1), photo(2)],
    deadlineChanges: [...rich.deadlineChanges, { from: NOW + 86_400_000, to: NOW + 3 * 86_400_000, reason: '延期', by: 'u_luo', at: NOW + 1 }],
  };
  expect(await store.commit(rich, { issue: later, audit: { action: 'reject', from: rich.state, to: later.state } }, 'u_luo', NOW + 1)).toBe(true);

  const scanned: Issue[] = [];
  for await (const batch of scanIssues(redis, keys, { unitIds: org.units.map((u) => u.id), batch: 64 })) scanned.push(...batch);
  expect(scanned).toEqual(await store.getMany(scanned.map((i) => i.id)));
  expect(scanned.find((i) => i.id === rich.id)).toEqual(later);
  expect(scanned.some((i) => i.closedOnTime === false) && scanned.some((i) => i.closedOnTime === true)).toBe(true);
});

it('fails loudly on a stored issue that does not read as one', async () => {
  const store = new LedgerStore(redis, keys);
  const [first] = await store.getMany([1]);
  const id = await store.nextId();
  const odd = { ...first!, id, version: 1, unitId: 'oddunit' };
  expect(await store.commit(undefined, { issue: odd, audit: { action: 'report', from: null, to: odd.state } }, 'u_luo', odd.createdAt)).toBe(true);
  const scan = () => collect({ unitIds: ['oddunit'] });
  expect((await scan()).ids).toEqual([id]);
  await redis.hset(keys.issue(id), 'state', 'lost');
  await expect(scan()).rejects.toThrow(`stored issue #${id} does not read as an issue: unknown state "lost"`);
  await redis.hset(keys.issue(id), 'state', odd.state, 'createdAt', '12.5');
  await expect(scan()).rejects.toThrow('createdAt is not a whole number');
  await redis.hset(keys.issue(id), 'createdAt', String(odd.createdAt), 'teamIds', '{"not":"a list"}');
  await expect(scan()).rejects.toThrow('teamIds is not a list');
  await redis.hdel(keys.issue(id), 'teamIds');
  await expect(scan()).rejects.toThrow('teamIds is missing');
});

it('reads nothing for a scope with no units', async () => {
  expect((await collect({ unitIds: [] })).ids).toEqual([]);
});

describe('one round trip per batch', () => {
  it('brings each issue’s newest audit entries with it', async () => {
    const town = units.filter((u) => u.town === '福禄镇').map((u) => u.id);
    const store = new LedgerStore(redis, keys);
    for await (const batch of scanIssuesWithAudit(redis, keys, { unitIds: town, batch: 40 }, 2)) {
      for (const { issue, audit } of batch) {
        const history = await store.history(issue.id);
        expect(audit.map((j) => (JSON.parse(j) as { action: string }).action)).toEqual(history.slice(-2).map((h) => h.action));
      }
    }
  });

  it('reads a hash whose text holds a NUL the plain way, unchanged', async () => {
    const store = new LedgerStore(redis, keys);
    const [first] = await store.getMany([1]);
    const odd = { ...first!, id: await store.nextId(), version: 1, description: 'a\u0000b\u0000c' };
    expect(await store.commit(undefined, { issue: odd, audit: { action: 'report', from: null, to: odd.state } }, 'u_luo', odd.createdAt)).toBe(true);
    const seen: Issue[] = [];
    for await (const batch of scanIssues(redis, keys, { unitIds: [odd.unitId] })) seen.push(...batch.filter((i) => i.id === odd.id));
    expect(seen.map((i) => i.description)).toEqual(['a\u0000b\u0000c']);
  });

  it('stops reading when the caller stops', async () => {
    const all = org.units.map((u) => u.id);
    let batches = 0;
    for await (const batch of scanIssues(redis, keys, { unitIds: all, batch: 10 })) {
      expect(batch).toHaveLength(10);
      if (++batches === 2) break;
    }
    expect(batches).toBe(2);
  });
});
