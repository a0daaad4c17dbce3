import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { redisOptions } from '../../src/store/redis';

export function testRedisUrl(): string {
  const url = process.env.DUBAN_TEST_REDIS_URL;
  if (!url) throw new Error('DUBAN_TEST_REDIS_URL is not set: run the tests through jest (test/support/global-setup.ts)');
  return url;
}

/** A key prefix no other test uses, so tests share one redis-server without seeing each other. */
export function testPrefix(): string {
  return `t${randomBytes(5).toString('hex')}:`;
}

export function testRedis(): Redis {
  return new Redis({ ...redisOptions(testRedisUrl()), maxRetriesPerRequest: 1 });
}

export async function keysWithPrefix(redis: Redis, prefix: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...batch);
  } while (cursor !== '0');
  return found.sort();
}
