import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { parseRedisUrl, type RedisEndpoint } from '../store/redis';

/**
 * A consistent point-in-time copy of a running Redis: `redis-cli --rdb` asks the server for an RDB
 * over the replication protocol (the server forks, so every key is as it was at one instant),
 * which works for a remote server as well as the embedded one and needs no access to its disk.
 * The password goes to redis-cli in REDISCLI_AUTH, never on its command line (readable by every
 * local user in /proc).
 */
export class SnapshotError extends Error {
  override name = 'SnapshotError';
}

export interface RedisCliEndpoint {
  args: string[];
  env: Record<string, string>;
  /** The database the bot uses (the RDB holds all of them; restore copies this one). */
  db: number;
}

/** redis-cli's connection arguments for one server; a cluster is refused (one archive per shard). */
export async function redisCliEndpoint(url: string): Promise<RedisCliEndpoint> {
  const target = parseRedisUrl(url);
  if (target.kind === 'cluster') {
    throw new SnapshotError('不支持 Redis Cluster：请对每个分片分别备份（REDIS_URL 指向单个主节点，每个分片一个备份包）');
  }
  let options: RedisEndpoint = target.options;
  if (target.kind === 'sentinel') options = { ...options, ...(await sentinelMaster(options)) };
  const args: string[] = [];
  const env: Record<string, string> = {};
  if (options.path) args.push('-s', options.path);
  else args.push('-h', String(options.host ?? '127.0.0.1'), '-p', String(options.port ?? 6379));
  if (options.username) args.push('--user', options.username);
  if (options.password) env.REDISCLI_AUTH = options.password;
  if (options.tls) args.push('--tls');
  return { args, env, db: options.db ?? 0 };
}

/** Where Sentinel says the master is now. */
async function sentinelMaster(options: RedisEndpoint): Promise<{ host: string; port: number }> {
  for (const s of options.sentinels ?? []) {
    const probe = new Redis({ host: s.host, port: s.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3_000 });
    probe.on('error', () => undefined);
    try {
      await probe.connect();
      const addr = (await probe.call('SENTINEL', 'get-master-addr-by-name', String(options.name))) as [string, string] | null;
      if (addr) return { host: addr[0], port: Number(addr[1]) };
    } catch {
      // the next sentinel may answer
    } finally {
      probe.disconnect();
    }
  }
  throw new SnapshotError(`哨兵未给出主节点 ${String(options.name)} 的地址`);
}

export interface Snapshot {
  bytes: number;
  db: number;
}

/**
 * Writes the server's RDB to `file`. Takes a few seconds even for a small database: the server
 * waits repl-diskless-sync-delay (5 s by default) for other replicas to join the transfer.
 */
export async function takeSnapshot(url: string, file: string, binary = 'redis-cli'): Promise<Snapshot> {
  const endpoint = await redisCliEndpoint(url);
  const child = spawn(binary, [...endpoint.args, '--rdb', file], {
    env: { ...process.env, ...endpoint.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    if (output.length < 16_000) output += chunk.toString('utf8');
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', (e: NodeJS.ErrnoException) =>
      reject(new SnapshotError(e.code === 'ENOENT' ? '找不到 redis-cli：请安装（Debian：apt-get install -y redis-tools）' : `无法运行 redis-cli：${e.message}`)),
    );
    child.once('exit', (c) => resolve(c));
  });
  const last = output.trim().split('\n').slice(-2).join(' | ');
  if (code !== 0 || !/Transfer finished with success/.test(output)) {
    throw new SnapshotError(`redis-cli --rdb 失败（退出码 ${String(code)}）：${last}`);
  }
  const info = await stat(file);
  return { bytes: info.size, db: endpoint.db };
}
