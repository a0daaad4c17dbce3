import { Redis, type RedisOptions } from 'ioredis';

/** Where Redis is: the part of the options both ioredis and BullMQ take as-is. */
export interface RedisEndpoint {
  path?: string;
  host?: string;
  port?: number;
  db?: number;
  username?: string;
  password?: string;
  tls?: object;
}

/** Connection options from a redis://, rediss:// or unix:// URL. */
export function redisOptions(url: string): RedisEndpoint {
  if (url.startsWith('unix://')) return { path: url.slice('unix://'.length) };
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  const opts: RedisEndpoint = { host: u.hostname, port: Number(u.port || 6379), db };
  if (u.username) opts.username = decodeURIComponent(u.username);
  if (u.password) opts.password = decodeURIComponent(u.password);
  if (u.protocol === 'rediss:') opts.tls = {};
  return opts;
}

/**
 * The app's command connection: fail a command after one reconnect attempt instead of queueing
 * it forever, so a callback during a Redis outage gets a 503 and WeCom retries it later.
 */
export function createRedis(url: string, extra: RedisOptions = {}): Redis {
  return new Redis({
    ...redisOptions(url),
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: true,
    // Commands issued in one event-loop turn by concurrent callbacks go out in one write: a
    // syscall per command was the largest cost under load (issue #5 profile).
    enableAutoPipelining: true,
    ...extra,
  });
}
