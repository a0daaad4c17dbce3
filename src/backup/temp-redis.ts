import { copyFile, link, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log/logger';
import { startEmbeddedRedis } from '../store/embedded-redis';
import { createRedis, type RedisClient } from '../store/redis';

/**
 * An RDB opened in a private redis-server: its own temp dir, unix socket, no persistence, gone on
 * close(). Backup counts a fresh snapshot's keys with it (which also proves the file loads);
 * restore reads the keys to copy from it.
 */
export interface OpenedRdb {
  redis: RedisClient;
  close(): Promise<void>;
}

export async function openRdb(rdbFile: string, logger: Logger, db = 0): Promise<OpenedRdb> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-rdb-'));
  try {
    // redis-server loads <dir>/dump.rdb at start when append-only is off.
    const target = path.join(dir, 'dump.rdb');
    await link(rdbFile, target).catch(() => copyFile(rdbFile, target));
    const server = await startEmbeddedRedis({ dir, logger, persistence: false });
    const base = server.url;
    const redis = createRedis(base, { db, maxRetriesPerRequest: 1 });
    await redis.connect();
    return {
      redis,
      async close() {
        await redis.quit().catch(() => redis.disconnect());
        await server.stop();
        await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

/** Every key of the client's database, in SCAN batches of about `count`. */
export async function* scanKeys(redis: RedisClient, match = '*', count = 1000): AsyncGenerator<Buffer[]> {
  let cursor = '0';
  do {
    const [next, batch] = await (redis as import('ioredis').Redis).scanBuffer(cursor, 'MATCH', match, 'COUNT', count);
    cursor = String(next);
    if (batch.length) yield batch;
  } while (cursor !== '0');
}
