import { createKeys } from '../../src/store/keys';
import { RoundStore } from '../../src/store/round-store';
import { testPrefix, testRedis } from '../support/redis';
import { pollUntil } from '../support/wait';
import { monitorRedis } from '../support/monitor';

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

it('reads an open round’s record once: later look-ups for a unit cost one SMEMBERS, and follow opens and closes of other instances', async () => {
  const prefix = testPrefix();
  const keys = createKeys(prefix);
  const [a, b] = [new RoundStore(redis, keys), new RoundStore(other, keys)];
  // A 全区 round of a large district: every /上报 asks which round its unit is in.
  const many = Array.from({ length: 20_000 }, (_, i) => `u${i}`);
  const one = await b.start(input('全区', many));
  if (one.kind !== 'opened') throw new Error('should open');
  expect((await a.openFor('u19999'))?.id).toBe(one.round.id);

  // Every command this test's keys get from now on, in the order the server ran them.
  const monitor = await monitorRedis(redis);
  const seen: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.some((x) => x.startsWith(prefix))) seen.push(args[0]!.toLowerCase());
  });
  const sentinel = `${keys.round(0)}:sentinel`;
  const drain = async () => {
    await redis.get(sentinel);
    await pollUntil(() => seen.at(-1) === 'get', 'the monitor to see the sentinel');
    return seen.splice(0).slice(0, -1);
  };
  try {
    expect((await a.openFor('u0'))?.name).toBe('全区');
    expect(await a.openFor('nowhere')).toBeUndefined();
    expect(await drain()).toEqual(['smembers', 'smembers']);

    // Closed by the other instance: seen at once.
    expect(await b.close(one.round, 'u_admin', 2_000)).toBeDefined();
    expect(await a.openFor('u0')).toBeUndefined();
    // A new round for the same units, opened elsewhere: read once, then from memory.
    const two = await b.start(input('第二轮', ['u0'], 3_000));
    if (two.kind !== 'opened') throw new Error('should open');
    await drain();
    expect((await a.openFor('u0'))?.name).toBe('第二轮');
    expect((await a.openFor('u0'))?.id).toBe(two.round.id);
    expect(await a.openFor('u1')).toBeUndefined();
    expect(await drain()).toEqual(['smembers', 'mget', 'smembers', 'smembers']);
    expect((await a.open()).map((r) => r.name)).toEqual(['第二轮']);
  } finally {
    monitor.disconnect();
  }
});
