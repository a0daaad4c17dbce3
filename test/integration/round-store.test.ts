import { createKeys } from '../../src/store/keys';
import { RoundStore } from '../../src/store/round-store';
import { testPrefix, testRedis } from '../support/redis';

/** Rounds on a real Redis: at most one open round per unit, even when two admins open at once. */
const redis = testRedis();
const other = redis.duplicate();
afterAll(async () => {
  await Promise.all([redis.quit(), other.quit()]);
});

const input = (name: string, unitIds: string[], at = 1_000) => ({ name, scopeLabel: name, unitIds, openedBy: 'u_admin', openedAt: at, chatId: 'CHAT_ADMIN' });

it('lets only one of two overlapping rounds opened at the same moment through', async () => {
  const keys = createKeys(testPrefix());
  // Two stores: two instances of the app, each with its own view until the script decides.
  const [a, b] = [new RoundStore(redis, keys), new RoundStore(other, keys)];
  const results = await Promise.all([a.start(input('甲', ['banzhu', 'shiyan'])), b.start(input('乙', ['shiyan', 'xiguan']))]);
  expect(results.map((r) => r.kind).sort()).toEqual(['opened', 'overlap']);
  expect(await redis.scard(keys.openRounds)).toBe(1);
  const opened = results.find((r) => r.kind === 'opened')!;
  expect(await a.open()).toEqual([opened.kind === 'opened' ? opened.round : undefined]);
});

it('opens disjoint rounds side by side, and closes one once', async () => {
  const keys = createKeys(testPrefix());
  const store = new RoundStore(redis, keys);
  const one = await store.start(input('甲', ['banzhu']));
  const two = await store.start(input('乙', ['xiguan']));
  if (one.kind !== 'opened' || two.kind !== 'opened') throw new Error('both should open');
  expect((await store.openFor('banzhu'))?.id).toBe(one.round.id);
  expect((await store.openFor('xiguan'))?.id).toBe(two.round.id);
  expect(await store.openFor('longjing')).toBeUndefined();
  const closed = await store.close(one.round, 'u_admin', 2_000);
  expect(closed).toMatchObject({ closedBy: 'u_admin', closedAt: 2_000 });
  expect(await store.close(one.round, 'u_admin2', 3_000)).toBeUndefined();
  expect(await store.get(one.round.id)).toMatchObject({ closedBy: 'u_admin', closedAt: 2_000 });
  expect(await store.openFor('banzhu')).toBeUndefined();
  expect((await store.all()).map((r) => r.name)).toEqual(['甲', '乙']);
  const audit = await redis.xrange(keys.deptAudit, '-', '+');
  expect(audit.map(([, f]) => JSON.parse(f[1]!).kind)).toEqual(['round.open', 'round.open', 'round.close']);
});
