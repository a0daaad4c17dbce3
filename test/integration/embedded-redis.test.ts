import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { EmbeddedRedisError, startEmbeddedRedis, type EmbeddedRedis } from '../../src/store/embedded-redis';
import { redisOptions } from '../../src/store/redis';

const logger = pino({ level: 'silent' });
const started: EmbeddedRedis[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map((r) => r.stop()));
});

async function start(dir: string, opts: { tcp?: boolean } = {}) {
  const r = await startEmbeddedRedis({ dir, logger, ...opts });
  started.push(r);
  return r;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('the embedded redis-server (REDIS_URL unset)', () => {
  it('serves on a private unix socket with durable AOF and no eviction', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
    const r = await start(dir);
    expect(r.url).toBe(`unix://${path.join(dir, 'redis.sock')}`);
    const c = new Redis(redisOptions(r.url));
    try {
      expect(await c.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
      expect(await c.config('GET', 'appendfsync')).toEqual(['appendfsync', 'always']);
      expect(await c.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
      expect(await c.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
      expect(await c.config('GET', 'port')).toEqual(['port', '0']);
    } finally {
      c.disconnect();
    }
  });

  it('keeps data across a stop and a new start (AOF under the data dir)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
    const first = await start(dir);
    const c1 = new Redis(redisOptions(first.url));
    await c1.set('duban:probe', '斑竹村');
    c1.disconnect();
    await first.stop();
    expect(alive(first.pid)).toBe(false);
    expect(existsSync(path.join(dir, 'redis.sock'))).toBe(false);
    expect(existsSync(path.join(dir, 'appendonlydir'))).toBe(true);

    const second = await start(dir);
    const c2 = new Redis(redisOptions(second.url));
    try {
      expect(await c2.get('duban:probe')).toBe('斑竹村');
    } finally {
      c2.disconnect();
    }
  });

  it('stops a redis-server left behind by a killed bot before starting its own', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
    const orphan = await startEmbeddedRedis({ dir, logger }); // never stopped by its owner
    const fresh = await start(dir);
    await orphan.exited;
    expect(alive(orphan.pid)).toBe(false);
    expect(fresh.pid).not.toBe(orphan.pid);
    const c = new Redis(redisOptions(fresh.url));
    try {
      expect(await c.ping()).toBe('PONG');
    } finally {
      c.disconnect();
    }
  });

  it('falls back to a loopback port when asked (or when the socket path is too long)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
    const r = await start(dir, { tcp: true });
    expect(r.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+$/);
  });

  it('says how to install redis-server when it is missing', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
    await expect(startEmbeddedRedis({ dir, logger, binary: 'redis-server-not-installed' })).rejects.toThrow(
      new EmbeddedRedisError('redis-server not found: install it (Debian: apt-get install -y redis-server) or set REDIS_URL'),
    );
  });

  it('stop() is safe to call twice', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
    const r = await start(dir);
    await Promise.all([r.stop(), r.stop()]);
    expect(alive(r.pid)).toBe(false);
  });
});
