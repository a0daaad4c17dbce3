import type { Redis } from 'ioredis';
import { demoOrg } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { testPrefix, testRedis } from '../support/redis';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { scanIssues } from '../../src/store/issue-scan';
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

it('reads nothing for a scope with no units', async () => {
  expect((await collect({ unitIds: [] })).ids).toEqual([]);
});
