import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { startEmbeddedRedis } from '../../src/store/embedded-redis';
import { createKeys } from '../../src/store/keys';
import { redisOptions } from '../../src/store/redis';
import { BOT_NAME, startTestApp } from '../support/app';
import { startReplica, startSentinel } from '../support/redis-sentinel';
import { pollUntil } from '../support/wait';

/** REDIS_URL=redis-sentinel://…/<master>: duban asks Sentinel where the master is. */
const silent = pino({ level: 'silent' });
const idOf = (reply: string) => Number(/已登记 \*\*#(\d+)\*\*/.exec(reply)?.[1]);

describe('through Redis Sentinel', () => {
  it('finds the master by name and runs the loop on it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-sentinel-'));
    const master = await startEmbeddedRedis({ dir: path.join(dir, 'master'), logger: silent, tcp: true, persistence: false });
    const { host, port, password } = redisOptions(master.url);
    const sentinel = await startSentinel(dir, { host: host!, port: port!, password }, 'duban');
    const t = await startTestApp({ redisUrl: `redis-sentinel://:${password}@127.0.0.1:${sentinel.port}/duban`, env: { RUN_WORKERS: 'false' } });
    try {
      const reported = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 经哨兵登记的问题` });
      const id = idOf(reported);
      expect(reported).toContain(`📌 已登记 **#${id}** 福禄镇斑竹村：经哨兵登记的问题`);
      expect(await t.client.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /查看 #${id}` })).toContain(`**#${id} 福禄镇斑竹村**（整改中）`);
      const health = (await (await fetch(`${t.baseUrl}/healthz`)).json()) as { checks: { redis: { ok: boolean; at: string } } };
      expect(health.checks.redis).toMatchObject({ ok: true, at: `sentinel duban via 127.0.0.1:${sentinel.port}` });
    } finally {
      await t.stop();
      await sentinel.stop();
      await master.stop();
    }
  });

  it('follows a failover when the master dies: the replica takes over and the bot goes on', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-failover-'));
    const master = await startEmbeddedRedis({ dir: path.join(dir, 'master'), logger: silent, tcp: true, persistence: false });
    const { host, port, password } = redisOptions(master.url);
    const replica = await startReplica(dir, { host: host!, port: port!, password });
    const sentinel = await startSentinel(dir, { host: host!, port: port!, password }, 'duban', 1);
    const t = await startTestApp({ redisUrl: `redis-sentinel://:${password}@127.0.0.1:${sentinel.port}/duban`, env: { RUN_WORKERS: 'false' } });
    const promoted = new Redis({ host: '127.0.0.1', port: replica.port, password, maxRetriesPerRequest: 1 });
    try {
      const id = idOf(await t.client.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 主库宕机前登记的问题` }));
      expect(id).toBeGreaterThan(0);
      const direct = new Redis(master.url);
      expect(await direct.wait(1, 2_000)).toBe(1); // replicated before the master dies
      direct.disconnect();

      const switched = sentinel.nextLog('+switch-master');
      await master.stop();
      expect(await switched).toContain(`127.0.0.1 ${replica.port}`);

      // ioredis reconnects through Sentinel with a back-off: until then a change is refused with
      // 503 (WeCom re-sends it), so retry as WeCom would; nothing announces the reconnect.
      let after = '';
      await pollUntil(
        async () => (after = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 主库宕机后登记的问题` }).catch(() => '')) !== '',
        'an answer after the switch',
        10_000,
        100,
      );
      expect(after).toContain(`📌 已登记 **#${id + 1}** 福禄镇斑竹村：主库宕机后登记的问题`);
      // Both issues are on the promoted replica, the new master.
      const keys = createKeys(t.prefix);
      expect(await promoted.hget(keys.issue(id), 'description')).toBe('主库宕机前登记的问题');
      expect(await promoted.hget(keys.issue(id + 1), 'description')).toBe('主库宕机后登记的问题');
    } finally {
      promoted.disconnect();
      await t.stop();
      await sentinel.stop();
      await replica.stop();
      await master.stop();
    }
  }, 30_000);
});
