import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import { once } from 'node:events';
import net from 'node:net';
import os from 'node:os';
import readline from 'node:readline';
import path from 'node:path';
import { Redis } from 'ioredis';
import pino from 'pino';
import { EmbeddedRedisError, embeddedRedisUrl, startEmbeddedRedis, type EmbeddedRedis } from '../../src/store/embedded-redis';
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

/** Sends inline commands one by one on a fresh socket and returns the first line of each reply. */
async function rawRedis(port: number, commands: string[]): Promise<string[]> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  const lines = readline.createInterface({ input: socket })[Symbol.asyncIterator]();
  const replies: string[] = [];
  try {
    for (const c of commands) {
      socket.write(`${c}\r\n`);
      replies.push(String((await lines.next()).value));
    }
  } finally {
    socket.destroy();
  }
  return replies;
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
    expect(r.url).toMatch(/^redis:\/\/:[0-9a-f]{64}@127\.0\.0\.1:\d+$/);
  });

  describe('on its loopback port', () => {
    it('requires the password kept in the data dir (mode 600), and binds 127.0.0.1 only', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
      const r = await start(dir, { tcp: true });
      const { host, port, password } = redisOptions(r.url);
      const file = path.join(dir, 'redis.password');
      expect((await readFile(file, 'utf8')).trim()).toBe(password);
      expect((await stat(file)).mode & 0o777).toBe(0o600);

      // Another local user, who has the port but not the file: plain RESP over a socket.
      expect(await rawRedis(port!, ['GET duban:probe', `AUTH ${'f'.repeat(64)}`, 'CONFIG GET requirepass'])).toEqual([
        expect.stringMatching(/^-NOAUTH/),
        expect.stringMatching(/^-WRONGPASS/),
        expect.stringMatching(/^-NOAUTH/),
      ]);
      expect(host).toBe('127.0.0.1');
      const c = new Redis(redisOptions(r.url));
      try {
        expect(await c.config('GET', 'bind')).toEqual(['bind', '127.0.0.1']);
        expect(await c.config('GET', 'protected-mode')).toEqual(['protected-mode', 'yes']);
        expect(await c.ping()).toBe('PONG');
      } finally {
        c.disconnect();
      }
    });

    it('never shows the password on the command line (any local user can read /proc/<pid>/cmdline)', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
      const r = await start(dir, { tcp: true });
      const { password } = redisOptions(r.url);
      const cmdline = readFileSync(`/proc/${r.pid}/cmdline`, 'utf8');
      expect(cmdline).toContain('redis-server');
      expect(cmdline).not.toContain(password!);
    });

    it('keeps one password per data dir across restarts, and another dir gets another', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
      const first = await start(dir, { tcp: true });
      await first.stop();
      const second = await start(dir, { tcp: true });
      expect(redisOptions(second.url).password).toBe(redisOptions(first.url).password);
      const other = await start(await mkdtemp(path.join(os.tmpdir(), 'duban-emb-')), { tcp: true });
      expect(redisOptions(other.url).password).not.toBe(redisOptions(first.url).password);
    });

    it('tightens a password file someone made readable to others', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
      await writeFile(path.join(dir, 'redis.password'), `${'a'.repeat(64)}\n`, { mode: 0o644 });
      await chmod(path.join(dir, 'redis.password'), 0o644);
      const r = await start(dir, { tcp: true });
      expect(redisOptions(r.url).password).toBe('a'.repeat(64));
      expect((await stat(path.join(dir, 'redis.password'))).mode & 0o777).toBe(0o600);
    });

    it('tells the processes that join it (npm run worker, npm run chat) its port and password, until it stops', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
      const r = await start(dir, { tcp: true });
      expect(embeddedRedisUrl(dir)).toBe(r.url);
      const c = new Redis(redisOptions(embeddedRedisUrl(dir)));
      try {
        expect(await c.ping()).toBe('PONG');
      } finally {
        c.disconnect();
      }
      await r.stop();
      expect(embeddedRedisUrl(dir)).toBe(`unix://${path.join(dir, 'redis.sock')}`);
    });
  });

  it('falls back to the loopback port by itself when the socket path would be too long', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
    const dir = path.join(base, 'd'.repeat(100 - base.length));
    const r = await start(dir);
    expect(r.url).toMatch(/^redis:\/\/:[0-9a-f]{64}@127\.0\.0\.1:\d+$/);
    expect(embeddedRedisUrl(dir)).toBe(r.url);
  });

  it('on its socket, needs no password and leaves no port file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-emb-'));
    const r = await start(dir);
    expect(embeddedRedisUrl(dir)).toBe(r.url);
    expect(existsSync(path.join(dir, 'redis.port'))).toBe(false);
    expect(existsSync(path.join(dir, 'redis.password'))).toBe(false);
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
