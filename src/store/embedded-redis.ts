import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import type { Logger } from '../log/logger';

/**
 * The embedded default (REDIS_URL unset): Debian's redis-server as a child process, data under
 * `dir`, AOF with fsync on every write, no eviction (BullMQ and the ledger need every key),
 * reachable only through a unix socket (or loopback when the socket path would be too long).
 *
 * The socket is mode 700 in a mode-700 directory, so only this user reaches it. A loopback port
 * is open to every local user, so there Redis requires a password: random per data dir, kept in
 * `<dir>/redis.password` (mode 600) and handed to redis-server on stdin, never on its command
 * line (which any local user can read in /proc). `<dir>/redis.port` tells the other processes
 * of this data dir (npm run worker, npm run chat) where to connect: embeddedRedisUrl().
 */
export interface EmbeddedRedis {
  url: string;
  pid: number;
  stop(): Promise<void>;
  /** Resolves if redis-server exits on its own (crash, killed); the app then shuts down. */
  exited: Promise<number | null>;
}

export class EmbeddedRedisError extends Error {
  override name = 'EmbeddedRedisError';
}

export interface EmbeddedRedisOptions {
  dir: string;
  logger: Logger;
  /** Durable AOF (default). Tests turn it off for speed. */
  persistence?: boolean;
  /** Force TCP on a free loopback port instead of a unix socket. */
  tcp?: boolean;
  readyTimeoutMs?: number;
  /** The redis-server executable (default: from PATH). */
  binary?: string;
}

const MAX_SOCKET_PATH = 100; // sun_path is 108 bytes on Linux
const PASSWORD_FILE = 'redis.password';
const PORT_FILE = 'redis.port';
const SOCKET_FILE = 'redis.sock';

/**
 * Where the embedded server started in `dir` listens, for the processes that join it rather than
 * start it: its unix socket, or, when it fell back to a loopback port, that port with its password.
 */
export function embeddedRedisUrl(dir: string): string {
  let port: string;
  try {
    port = readFileSync(path.join(dir, PORT_FILE), 'utf8').trim();
  } catch {
    return `unix://${path.join(dir, SOCKET_FILE)}`;
  }
  const password = readFileSync(path.join(dir, PASSWORD_FILE), 'utf8').trim();
  return tcpUrl(Number(port), password);
}

const tcpUrl = (port: number, password: string) => `redis://:${encodeURIComponent(password)}@127.0.0.1:${port}`;

/** This data dir's password, made on first use; a file of the wrong mode is tightened. */
async function dataDirPassword(dir: string): Promise<string> {
  const file = path.join(dir, PASSWORD_FILE);
  try {
    const existing = (await readFile(file, 'utf8')).trim();
    if (/^[0-9a-f]{64}$/.test(existing)) {
      await chmod(file, 0o600);
      return existing;
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const password = randomBytes(32).toString('hex');
  await writeFile(file, `${password}\n`, { mode: 0o600 });
  await chmod(file, 0o600); // writeFile's mode applies only to a file it creates
  return password;
}

export async function startEmbeddedRedis(opts: EmbeddedRedisOptions): Promise<EmbeddedRedis> {
  const dir = path.resolve(opts.dir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const pidFile = path.join(dir, 'redis.pid');
  await stopStale(pidFile, opts.logger);

  const socket = path.join(dir, SOCKET_FILE);
  const useTcp = opts.tcp || socket.length > MAX_SOCKET_PATH;
  const port = useTcp ? await freePort() : 0;
  const password = useTcp ? await dataDirPassword(dir) : undefined;
  // A port file left by an earlier TCP start would send the chat client to a dead port.
  await rm(path.join(dir, PORT_FILE), { force: true });
  const persistence = opts.persistence ?? true;
  const args = [
    // Configuration from stdin first (the password, when there is one), then the options below.
    '-',
    '--dir', dir,
    '--daemonize', 'no',
    '--pidfile', pidFile,
    '--logfile', '',
    '--save', '',
    '--appendonly', persistence ? 'yes' : 'no',
    '--appendfsync', 'always',
    '--maxmemory-policy', 'noeviction',
    // Issue hashes carry short JSON lists (deadline changes, evidence): keep them in the compact encoding.
    '--hash-max-listpack-value', '256',
    // Per-unit and per-person sorted sets hold a few hundred ids: compact up to 1 024 (≈ 100 → 20 B an entry).
    '--zset-max-listpack-entries', '1024',
    '--protected-mode', 'yes',
    '--bind', '127.0.0.1',
    '--port', String(port),
    ...(useTcp ? [] : ['--unixsocket', socket, '--unixsocketperm', '700']),
  ];
  let child: ChildProcess;
  try {
    child = spawn(opts.binary ?? 'redis-server', args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  } catch (err) {
    throw new EmbeddedRedisError(`cannot start redis-server: ${(err as Error).message}`);
  }
  child.stdin!.on('error', () => undefined); // a redis-server that died at once: its exit says why
  child.stdin!.end(password ? `requirepass ${password}\n` : '');
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  try {
    await waitForReady(child, opts.readyTimeoutMs ?? 15_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  const url = useTcp ? tcpUrl(port, password!) : `unix://${socket}`;
  if (useTcp) await writeFile(path.join(dir, PORT_FILE), `${port}\n`, { mode: 0o600 });
  opts.logger.info({ pid: child.pid, endpoint: useTcp ? `127.0.0.1:${port}` : socket, aof: persistence }, 'embedded redis-server started');

  let stopping: Promise<void> | undefined;
  return {
    url,
    pid: child.pid!,
    exited,
    stop() {
      // SIGTERM makes redis-server fsync the AOF and exit cleanly.
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
        // Only our own: a later start in this dir (which stopped us as stale) may have written its port.
        if (useTcp && (await readFile(path.join(dir, PORT_FILE), 'utf8').catch(() => '')).trim() === String(port)) await rm(path.join(dir, PORT_FILE), { force: true });
      })();
      return stopping;
    },
  };
}

/** Redis prints "ready to accept connections" once it serves; we also keep draining its output. */
function waitForReady(child: ChildProcess, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const done = (err?: Error) => {
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stderr!.off('data', onData);
      child.stdout!.resume(); // keep draining, or a full pipe would block redis-server
      child.stderr!.resume();
      if (err) reject(err);
      else resolve();
    };
    const timer = setTimeout(() => done(new EmbeddedRedisError(`redis-server not ready after ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      if (seen.length < 64_000) seen += chunk.toString('utf8');
      if (/ready to accept connections/i.test(seen)) done();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (e: NodeJS.ErrnoException) =>
      done(
        new EmbeddedRedisError(
          e.code === 'ENOENT'
            ? 'redis-server not found: install it (Debian: apt-get install -y redis-server) or set REDIS_URL'
            : `cannot start redis-server: ${e.message}`,
        ),
      ),
    );
    child.once('exit', (code) => {
      const last = seen.trim().split('\n').slice(-2).join(' | ');
      done(new EmbeddedRedisError(`redis-server exited with code ${code} before it was ready: ${last}`));
    });
  });
}

/** A redis-server left by a bot that was killed: stop it so this start owns the data dir. */
async function stopStale(pidFile: string, logger: Logger): Promise<void> {
  let pid: number;
  try {
    pid = Number((await readFile(pidFile, 'utf8')).trim());
  } catch {
    return;
  }
  if (!Number.isInteger(pid) || pid <= 1 || !isRedis(pid)) {
    await rm(pidFile, { force: true });
    return;
  }
  logger.warn({ pid }, 'stopping a redis-server left running by an earlier start');
  process.kill(pid, 'SIGTERM');
  // Not our child, so there is no exit event to await: poll until it is gone.
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  if (isAlive(pid)) throw new EmbeddedRedisError(`an earlier redis-server (pid ${pid}) does not stop; stop it by hand`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function isRedis(pid: number): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('redis-server');
  } catch {
    return false;
  }
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
