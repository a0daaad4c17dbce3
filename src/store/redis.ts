import type { ConnectionOptions } from 'bullmq';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { defineScripts } from './scripts';
import { keepPipelinesOnOneShape } from './pipeline-shape';

// Before any client makes a pipeline (docs/design.md §4.22).
keepPipelinesOnOneShape();

/**
 * Where Redis is, from REDIS_URL:
 *   redis://[user:pass@]host:port[/db]      one server (rediss:// for TLS)
 *   unix:///path/to/redis.sock              one server on a socket (the embedded default)
 *   redis-sentinel://[user:pass@]h1:26379,h2:26379/mymaster[/db]   Sentinel (rediss-sentinel:// for TLS)
 *   redis-cluster://[user:pass@]h1:7000,h2:7001                    Redis Cluster (rediss-cluster:// for TLS)
 * user/pass are the data nodes' credentials (for Sentinel, the master's).
 */
export type RedisTarget =
  | { kind: 'single'; options: RedisEndpoint }
  | { kind: 'sentinel'; options: RedisEndpoint }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; options: RedisEndpoint };

/** The part of the options that says where Redis is and how to log in: ioredis and BullMQ take it as-is. */
export type RedisEndpoint = Pick<RedisOptions, 'path' | 'host' | 'port' | 'db' | 'username' | 'password' | 'tls' | 'sentinels' | 'name'>;

/** The app's clients: one server (or Sentinel's master) or a Cluster, with the same commands. */
export type RedisClient = Redis | Cluster;

export class RedisUrlError extends Error {}

const URL_RE = /^(rediss?)(-sentinel|-cluster)?:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#@]+)(?:\/([^?#]*))?$/;

export function parseRedisUrl(url: string): RedisTarget {
  if (url.startsWith('unix://')) {
    const path = url.slice('unix://'.length);
    if (!path) throw new RedisUrlError('unix:// needs a socket path, e.g. unix:///run/redis.sock');
    return { kind: 'single', options: { path } };
  }
  const m = URL_RE.exec(url);
  if (!m) throw new RedisUrlError('expected redis://host:port, unix:///path, redis-sentinel://h1:p1,h2:p2/master or redis-cluster://h1:p1,h2:p2');
  const [, scheme, mode, user, pass, hostList, path = ''] = m;
  const options: RedisEndpoint = {};
  if (user) options.username = decodeURIComponent(user);
  if (pass) options.password = decodeURIComponent(pass);
  if (scheme === 'rediss') options.tls = {};
  const hosts = hostList!.split(',').map((h) => hostPort(h, mode === '-sentinel' ? 26379 : 6379));
  const segments = path.split('/').filter(Boolean);
  if (mode === '-cluster') {
    if (segments.length) throw new RedisUrlError('redis-cluster:// takes no database or path (a cluster has only db 0)');
    return { kind: 'cluster', nodes: hosts, options };
  }
  if (mode === '-sentinel') {
    const [name, db] = segments;
    if (!name) throw new RedisUrlError('redis-sentinel:// needs the master name, e.g. redis-sentinel://h1:26379,h2:26379/mymaster');
    return { kind: 'sentinel', options: { ...options, sentinels: hosts, name, db: database(db) } };
  }
  if (hosts.length !== 1) throw new RedisUrlError('redis:// takes one host; use redis-sentinel:// or redis-cluster:// for several');
  if (segments.length > 1) throw new RedisUrlError('redis:// takes at most a database number as its path');
  return { kind: 'single', options: { ...options, ...hosts[0]!, db: database(segments[0]) } };
}

function hostPort(text: string, defaultPort: number): { host: string; port: number } {
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(text);
  if (!m) throw new RedisUrlError(`bad host "${text}"`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port: m[2] ? Number(m[2]) : defaultPort };
}

function database(text: string | undefined): number {
  if (text === undefined || text === '') return 0;
  if (!/^\d{1,2}$/.test(text)) throw new RedisUrlError(`bad database number "${text}"`);
  return Number(text);
}

/** Options for one server or Sentinel (tools and tests that make their own ioredis client). */
export function redisOptions(url: string): RedisEndpoint {
  const target = parseRedisUrl(url);
  if (target.kind === 'cluster') throw new RedisUrlError('a cluster URL has no single-server options; use createRedis');
  return target.options;
}

/** Cluster-wide settings shared by the app's client and BullMQ's. */
function clusterClient(target: Extract<RedisTarget, { kind: 'cluster' }>, redisOptions: RedisOptions, autoPipelining: boolean): Cluster {
  return new Cluster(target.nodes, {
    redisOptions: { ...target.options, ...redisOptions },
    lazyConnect: true,
    enableAutoPipelining: autoPipelining,
    // A failover moves slots: retry against the new owner instead of failing the callback.
    retryDelayOnFailover: 200,
    retryDelayOnClusterDown: 300,
    clusterRetryStrategy: (times) => Math.min(times * 200, 2_000),
  });
}

/**
 * The app's command connection: fail a command after one reconnect attempt instead of queueing
 * it forever, so a callback during a Redis outage gets a 503 and WeCom retries it later.
 */
export function createRedis(url: string, extra: RedisOptions = {}): RedisClient {
  const target = parseRedisUrl(url);
  const base: RedisOptions = {
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    lazyConnect: true,
    ...extra,
  };
  // Commands issued in one event-loop turn by concurrent callbacks go out in one write.
  const client = target.kind === 'cluster' ? clusterClient(target, base, true) : new Redis({ ...target.options, ...base, enableAutoPipelining: true });
  defineScripts(client);
  return client;
}

/**
 * A connection for BullMQ. One server or Sentinel: options, and BullMQ owns (and closes) the
 * connections. Cluster: BullMQ needs a Cluster client, which the caller closes after BullMQ.
 * Workers need `maxRetriesPerRequest: null` (their blocking commands must wait out an outage).
 */
export function bullConnection(url: string, role: 'queue' | 'worker'): { connection: ConnectionOptions; close(): Promise<void> } {
  const target = parseRedisUrl(url);
  const maxRetriesPerRequest = role === 'worker' ? null : 1;
  if (target.kind !== 'cluster') {
    return { connection: { ...target.options, maxRetriesPerRequest }, close: async () => undefined };
  }
  const cluster = clusterClient(target, { maxRetriesPerRequest }, false);
  return {
    connection: cluster,
    async close() {
      await cluster.quit().catch(() => cluster.disconnect());
    },
  };
}

/** Where a URL points, for logs: never the password. */
export function describeRedis(url: string): string {
  const t = parseRedisUrl(url);
  if (t.kind === 'cluster') return `cluster ${t.nodes.map((n) => `${n.host}:${n.port}`).join(',')}`;
  if (t.kind === 'sentinel') return `sentinel ${String(t.options.name)} via ${(t.options.sentinels ?? []).map((s) => `${s.host}:${s.port}`).join(',')}`;
  return t.options.path ? `unix ${t.options.path}` : `${t.options.host}:${t.options.port}/${t.options.db ?? 0}`;
}
