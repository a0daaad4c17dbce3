import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/store/embedded-redis';

/**
 * One real redis-server for the whole run, on a free loopback port; every test uses its own
 * key prefix on it. Nothing is mocked.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TZ = 'Asia/Shanghai';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-test-redis-'));
  const redis = await startEmbeddedRedis({ dir, logger: pino({ level: 'silent' }), tcp: true, persistence: false });
  process.env.DUBAN_TEST_REDIS_URL = redis.url;
  (globalThis as { __dubanRedis?: EmbeddedRedis }).__dubanRedis = redis;
}
