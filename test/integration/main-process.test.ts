import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { ExitCode } from '../../src/exit-codes';
import pino from 'pino';
import { freePort, startEmbeddedRedis } from '../../src/store/embedded-redis';
import { pollUntil } from '../support/wait';

/** `npm start` as a real process: exit codes, the embedded default, graceful shutdown. */
const root = path.resolve(__dirname, '../..');
/** One process with tsx as a loader (the tsx wrapper would leave its child behind on SIGKILL). */
const tsxArgs = ['--import', 'tsx'];

interface Started {
  child: ChildProcess;
  stderr: () => string;
  stdout: () => string;
  /** Resolves with the first JSON log line (past or future) whose msg matches. */
  waitForLog(msg: string): Promise<Record<string, unknown>>;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
});

function startMain(env: Record<string, string>, script = 'src/main.ts'): Started {
  const child = spawn(process.execPath, [...tsxArgs, script], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', TZ: 'Asia/Shanghai', NODE_ENV: 'test', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let err = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  const rl = readline.createInterface({ input: child.stdout! });
  rl.on('line', (line) => {
    out += line + '\n';
    lines.push(line);
    for (const w of waiters.splice(0)) w();
  });
  let closed = false;
  rl.on('close', () => {
    closed = true;
    for (const w of waiters.splice(0)) w();
  });
  const find = (msg: string) =>
    lines.map((l) => (l.startsWith('{') ? (JSON.parse(l) as Record<string, unknown>) : undefined)).find((l) => l?.msg === msg);
  return {
    child,
    stderr: () => err,
    stdout: () => out,
    waitForLog(msg) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = find(msg);
          if (hit) resolve(hit);
          else if (closed) reject(new Error(`stdout ended before "${msg}": ${err}`));
          else waiters.push(check);
        };
        check();
      });
    },
  };
}

async function exitCode(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const [code] = (await once(child, 'exit')) as [number | null];
  return code;
}

describe('npm start (src/main.ts)', () => {
  it('refuses a bad variable with one line naming it and exit code 2', async () => {
    const { child, stderr } = startMain({ PORT: 'abc' });
    expect(await exitCode(child)).toBe(ExitCode.config);
    expect(stderr().trim().split('\n')).toEqual(['duban: invalid environment: PORT: must be a port number 0–65535 (got "abc")']);
  });

  it('refuses a bad organisation file naming the offending path, exit code 2', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-main-'));
    const file = path.join(dir, 'org.yaml');
    await writeFile(file, 'district: 测试区\npeople: [{ userid: u_a, name: 甲 }]\nteams: [{ id: t1, name: 一队, leader: u_x, members: [u_a] }]\n');
    const { child, stderr } = startMain({ ORG_FILE: file, DATA_DIR: dir });
    expect(await exitCode(child)).toBe(ExitCode.config);
    expect(stderr().trim()).toBe(`duban: ORG_FILE ${file}: 1 个问题，未启动（npm run org -- check 可逐条检查）：\n  第 3 行 teams[0].leader：“u_x”不在人员中`);
  });

  it('exits with code 3 when Redis cannot be reached', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-main-'));
    const port = await freePort();
    const { child } = startMain({ REDIS_URL: `redis://127.0.0.1:${port}`, DATA_DIR: dir, PORT: '0', LOG_LEVEL: 'fatal' });
    expect(await exitCode(child)).toBe(ExitCode.redis);
  });

  it('exits with code 4 when the port is taken', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-main-'));
    const blocker = net.createServer().listen(0, '127.0.0.1');
    await once(blocker, 'listening');
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      const { child } = startMain({ DATA_DIR: dir, PORT: String(port), LOG_LEVEL: 'fatal' });
      expect(await exitCode(child)).toBe(ExitCode.listen);
    } finally {
      blocker.close();
    }
  });

  it('runs on the embedded default and stops it all on SIGTERM', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-main-'));
    const port = await freePort();
    const first = startMain({ DATA_DIR: dir, PORT: String(port) });
    const redisLine = await first.waitForLog('embedded redis-server started');
    const listening = await first.waitForLog('duban listening');
    expect(listening.port).toBe(port);

    const creds = JSON.parse(await readFile(path.join(dir, 'dev-credentials.json'), 'utf8')) as { token: string; encodingAESKey: string };
    expect(creds.encodingAESKey).toMatch(/^[A-Za-z0-9]{43}$/);
    const health = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect(health.status).toBe(200);

    first.child.kill('SIGTERM');
    expect(await exitCode(first.child)).toBe(ExitCode.ok);
    expect(() => process.kill(redisLine.pid as number, 0)).toThrow();
    expect(existsSync(path.join(dir, 'redis', 'redis.sock'))).toBe(false);
  });

  it('takes a signal sent twice at once (kill -- -<pgid> of make run) as one stop, and leaves no redis-server', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-main-'));
    const started = startMain({ DATA_DIR: dir, PORT: '0' });
    const redisLine = await started.waitForLog('embedded redis-server started');
    await started.waitForLog('duban listening');
    started.child.kill('SIGTERM');
    // The second one after the first is being handled, as make's copy arrives.
    await started.waitForLog('shutting down');
    started.child.kill('SIGTERM');
    const code = await exitCode(started.child);
    if (code === null) {
      // The stop can finish before the copy arrives; a signal that lands while the process is
      // already tearing itself down ends it by the signal. That is only acceptable after a whole stop.
      expect(started.child.signalCode).toBe('SIGTERM');
      await started.waitForLog('duban stopped');
    } else {
      expect(code).toBe(ExitCode.ok);
    }
    expect(started.stdout()).not.toContain('second signal');
    expect(() => process.kill(redisLine.pid as number, 0)).toThrow();
  });

  it('exits within STOP_TIMEOUT_MS when Redis is gone and the stop cannot finish', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-main-'));
    const redis = await startEmbeddedRedis({ dir: path.join(dir, 'external'), logger: pino({ level: 'silent' }), tcp: true, persistence: false });
    const started = startMain({ DATA_DIR: dir, PORT: '0', REDIS_URL: redis.url, STOP_TIMEOUT_MS: '1500' });
    await started.waitForLog('duban listening');
    await redis.stop();
    started.child.kill('SIGTERM');
    // Without the deadline the workers wait for Redis for ever (found by hand: still running after 30 s).
    expect(await exitCode(started.child)).toBe(ExitCode.unexpected);
    expect(await started.waitForLog('stop timed out: exiting without a clean stop')).toMatchObject({ ms: 1500 });
  });

  it('listens on 127.0.0.1 when HOST is unset: not reachable from the network', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-main-'));
    const port = await freePort();
    const p = startMain({ DATA_DIR: dir, PORT: String(port), HOST: '' });
    expect(await p.waitForLog('duban listening')).toMatchObject({ host: '127.0.0.1', port });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const external = Object.values(os.networkInterfaces()).flatMap((i) => i ?? []).find((a) => !a.internal && a.family === 'IPv4');
    if (!external) throw new Error('this test needs a network interface besides loopback (none found)');
    await expect(fetch(`http://${external.address}:${port}/healthz`)).rejects.toThrow();
    p.child.kill('SIGTERM');
    expect(await exitCode(p.child)).toBe(ExitCode.ok);
  });

  it('a data dir too deep for a unix socket: the embedded Redis on loopback with a password, and a worker finds it', async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'duban-main-'));
    // DATA_DIR/redis/redis.sock would pass the 100-byte limit of a socket path.
    const dir = path.join(base, 'd'.repeat(100 - base.length));
    const port = await freePort();
    const server = startMain({ DATA_DIR: dir, PORT: String(port), RUN_WORKERS: 'false' });
    const redisLine = await server.waitForLog('embedded redis-server started');
    expect(redisLine.endpoint).toMatch(/^127\.0\.0\.1:\d+$/);
    await server.waitForLog('duban listening');
    const password = (await readFile(path.join(dir, 'redis', 'redis.password'), 'utf8')).trim();
    expect(password).toMatch(/^[0-9a-f]{64}$/);
    expect((await stat(path.join(dir, 'redis', 'redis.password'))).mode & 0o777).toBe(0o600);
    expect(server.stdout()).not.toContain(password);

    type Health = { checks: { workers: { ok: boolean } } };
    const workersOk = async () => ((await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Health).checks.workers.ok;
    expect(await workersOk()).toBe(false);
    const worker = startMain({ DATA_DIR: dir }, 'src/worker.ts');
    await worker.waitForLog('duban worker running');
    await pollUntil(workersOk, 'the worker counted by /healthz');
    expect(worker.stdout()).not.toContain(password);

    worker.child.kill('SIGTERM');
    expect(await exitCode(worker.child)).toBe(ExitCode.ok);
    server.child.kill('SIGTERM');
    expect(await exitCode(server.child)).toBe(ExitCode.ok);
    expect(existsSync(path.join(dir, 'redis', 'redis.port'))).toBe(false);
  });

  it('prints generated dev credentials once and reuses them on the next start', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-main-'));
    const run = async () => {
      const p = startMain({ DATA_DIR: dir, PORT: '0' });
      await p.waitForLog('duban listening');
      p.child.kill('SIGINT');
      expect(await exitCode(p.child)).toBe(ExitCode.ok);
      return p.stdout();
    };
    const creds = () => readFile(path.join(dir, 'dev-credentials.json'), 'utf8').then((t) => JSON.parse(t) as { token: string });
    const firstOut = await run();
    const { token } = await creds();
    expect(firstOut).toContain(`WECOM_TOKEN=${token}`);
    const secondOut = await run();
    expect(secondOut).not.toContain('WECOM_TOKEN=');
    expect((await creds()).token).toBe(token);
  });
});
