import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startEmbeddedRedis } from '../../src/store/embedded-redis';
import { redisOptions } from '../../src/store/redis';
import { BOT_NAME, startTestApp } from '../support/app';
import { startSentinel } from '../support/redis-sentinel';

/** REDIS_URL=redis-sentinel://…/<master>: duban asks Sentinel where the master is. */
describe('through Redis Sentinel', () => {
  it('finds the master by name and runs the loop on it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-sentinel-'));
    const master = await startEmbeddedRedis({ dir: path.join(dir, 'master'), logger: pino({ level: 'silent' }), tcp: true, persistence: false });
    const { host, port } = redisOptions(master.url);
    const sentinel = await startSentinel(dir, { host: host!, port: port! }, 'duban');
    const t = await startTestApp({ redisUrl: `redis-sentinel://127.0.0.1:${sentinel.port}/duban`, env: { RUN_WORKERS: 'false' } });
    try {
      const reported = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 经哨兵登记的问题` });
      const id = Number(/已登记 \*\*#(\d+)\*\*/.exec(reported)?.[1]);
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
});
