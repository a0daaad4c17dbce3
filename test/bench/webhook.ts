import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import autocannon from 'autocannon';
import { freePort } from '../../src/store/embedded-redis';
import { createRedis } from '../../src/store/redis';
import { CallbackClient } from '../../src/wecom/callback-client';
import type { SteadyResult } from './steady-child';

/**
 * The webhook under load (issue #5): real encrypted callbacks, a realistic command mix, against
 * the real server in its own process — and, in the same run, against a bare Koa + @wecom/crypto
 * echo (the ceiling of this stack). Reports requests/s, p50/p99 and duban's share of the echo.
 */
const TOKEN = 'BenchToken1';
const KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
const root = path.resolve(__dirname, '../..');

/** The node flags `npm start` runs the server with (package.json), so the bench measures the same. */
function startFlags(): string[] {
  const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
  return scripts.start!.split(/\s+/).filter((word) => word.startsWith('--'));
}

export interface WebhookRow {
  name: string;
  rps: number;
  /** The server's CPU time (user + system) per request, in µs: steadier than req/s on a shared machine. */
  cpuUs: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** The server's own event-loop delay during the run (prom-client's gauges, reset at each scrape), in ms. */
  loopLag?: { p99: number; max: number };
  /** Open-loop runs only: how late the load generator sent against its schedule (p99, max), in ms. */
  sendLate?: { p99: number; max: number };
  /** Open-loop runs only: CPU per request of Redis and of the load generator, in µs (the cores they share with the server). */
  sharedCpuUs?: { redis: number; generator: number };
  /** Open-loop runs only: the kernel's part of the server's CPU per request (system calls), in µs. */
  sysUs?: number;
}

/**
 * The server's event-loop delay since the last scrape, from its /metrics (prom-client resets the
 * histogram behind these gauges at each collection): what the server itself stalled, as against
 * what the client waited.
 */
async function loopLag(baseUrl: string): Promise<{ p99: number; max: number } | undefined> {
  const text = await fetch(`${baseUrl}/metrics`).then((r) => (r.ok ? r.text() : ''), () => '');
  const gauge = (name: string) => Number(new RegExp(`^${name} ([0-9.e+-]+)$`, 'm').exec(text)?.[1] ?? NaN) * 1000;
  const p99 = gauge('duban_nodejs_eventloop_lag_p99_seconds');
  const max = gauge('duban_nodejs_eventloop_lag_max_seconds');
  return Number.isFinite(p99) ? { p99, max } : undefined;
}

async function startChild(args: string[], env: Record<string, string>, ready: string, readyCount = 1): Promise<ChildProcess> {
  const child = spawn(args[0]!, args.slice(1), { cwd: root, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = readline.createInterface({ input: child.stdout! });
  let seen = 0;
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (l) => l.includes(ready) && ++seen === readyCount && resolve());
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited ${code} before "${ready}"`)));
  });
  if (process.env.BENCH_SERVER_STDOUT) child.stdout!.pipe(createWriteStream(`${process.env.BENCH_SERVER_STDOUT}.${child.pid}`));
  else child.stdout!.resume();
  return child;
}

/** Pre-built callbacks, each with its own msgid (WeCom never repeats one), in the docs/design.md §4 mix. */
function buildRequests(client: CallbackClient, tag: string, count: number, firstId: number, lastId: number): { path: string; body: string }[] {
  const mix = (i: number): { user: string; text: string } => {
    const id = firstId + (i * 7919) % Math.max(1, lastId - firstId + 1);
    switch (i % 10) {
      case 0:
      case 1:
        return { user: 'u_t1_m2', text: `/上报 斑竹村 负载测试问题${i}` };
      case 2:
        return { user: 'u_sec_banzhu', text: `/整改 #${id} 已整改` };
      case 3:
        return { user: 'u_t1_m3', text: `/销号 #${id}` };
      case 4:
      case 5:
        return { user: 'u_luo', text: '/status' };
      default:
        return { user: 'u_luo', text: `/查看 #${id}` };
    }
  };
  return Array.from({ length: count }, (_, i) => {
    const m = mix(i);
    const payload = client.textMessage({ chatId: 'CHAT_T1', userId: m.user, text: `@督办助手 ${m.text}`, msgid: `bench-${tag}-${i}` });
    const { query, body } = client.encryptedCallback(payload);
    return { path: `/wecom/callback?${query}`, body };
  });
}

/** A process's own user and system CPU time, in ms (Linux /proc; clock ticks are 1/100 s). */
function procTimes(pid: number): { user: number; sys: number } {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return { user: Number(fields[11]) * 10, sys: Number(fields[12]) * 10 };
}

/** CPU time a process and its live children have used, in ms. */
function cpuMs(pid: number): number {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Not every kernel exposes children; a single process has none.
  }
  const own = procTimes(pid);
  return own.user + own.sys + children.reduce((s, c) => s + cpuMs(c), 0);
}

async function load(server: ChildProcess, url: string, requests: { path: string; body: string }[], opts: { connections: number; duration: number; overallRate?: number }): Promise<Omit<WebhookRow, 'name'>> {
  let next = 0;
  const cpuBefore = cpuMs(server.pid!);
  const result = await autocannon({
    url,
    connections: opts.connections,
    duration: opts.duration,
    ...(opts.overallRate ? { overallRate: opts.overallRate } : {}),
    requests: [
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        setupRequest: (req) => {
          const r = requests[next++ % requests.length]!;
          return { ...req, path: r.path, body: r.body };
        },
      },
    ],
  });
  const cpuUs = ((cpuMs(server.pid!) - cpuBefore) * 1000) / Math.max(1, result.requests.total);
  return { rps: result.requests.average, cpuUs, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors + result.timeouts, non2xx: result.non2xx };
}

const quantile = (sorted: number[], q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

/**
 * A steady rate, open loop: loadtest (in its own process, test/bench/steady-child.ts) sends a
 * callback every 1/rate s on its own timer, whether or not earlier ones were answered, opening
 * another keep-alive connection when every one is busy — WeCom's callbacks arrive that way.
 * autocannon's `overallRate` is not that: each connection sends its share of the second back to
 * back and then waits for the next second (per-second bursts at full speed, 20 in flight), and
 * its latency histogram adds synthetic samples for a 1 ms expected interval. Latency is taken
 * from the callback's place in the schedule (t0 + i/rate), so a late send counts against the
 * result rather than hiding a slow answer.
 */
async function steadyLoad(server: ChildProcess, redisPid: number, url: string, requests: { path: string; body: string }[], opts: { rate: number; duration: number }): Promise<Omit<WebhookRow, 'name'>> {
  const dir = mkdtempSync(path.join(tmpdir(), 'duban-steady-'));
  const file = path.join(dir, 'requests.json');
  writeFileSync(file, JSON.stringify(requests));
  const cpuBefore = cpuMs(server.pid!);
  const sysBefore = procTimes(server.pid!).sys;
  const redisBefore = cpuMs(redisPid);
  try {
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/bench/steady-child.ts', url, String(opts.rate), String(opts.duration), file], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d));
    const [code] = (await once(child, 'exit')) as [number | null];
    if (code !== 0) throw new Error(`steady-child exited ${code}`);
    const r = JSON.parse(out) as SteadyResult;
    const perRequest = (ms: number) => (ms * 1000) / Math.max(1, r.sent);
    return {
      rps: r.latencies.length / r.elapsedSeconds,
      cpuUs: perRequest(cpuMs(server.pid!) - cpuBefore),
      sysUs: perRequest(procTimes(server.pid!).sys - sysBefore),
      p50: quantile(r.latencies, 0.5),
      p99: quantile(r.latencies, 0.99),
      errors: r.errors,
      non2xx: r.non2xx,
      sendLate: { p99: quantile(r.lateness, 0.99), max: r.lateness.at(-1) ?? NaN },
      sharedCpuUs: { redis: perRequest(cpuMs(redisPid) - redisBefore), generator: perRequest(r.cpuMs) },
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runWebhookSection(redisUrl: string, redisPid: number, print: (line: string) => void): Promise<WebhookRow[]> {
  const rows: WebhookRow[] = [];
  const duration = Number(process.env.BENCH_WEBHOOK_S ?? 6);
  const rounds = Number(process.env.BENCH_WEBHOOK_ROUNDS ?? 3);
  const connections = Number(process.env.BENCH_WEBHOOK_CONNECTIONS ?? 20);
  const echoPort = await freePort();
  const dubanPort = await freePort();
  const echo = await startChild([process.execPath, '--import', 'tsx', 'test/bench/echo-server.ts', String(echoPort)], { ECHO_TOKEN: TOKEN, ECHO_AES_KEY: KEY }, 'echo listening');
  const dubanEnv = { NODE_ENV: 'production', HOST: '127.0.0.1', PORT: String(dubanPort), REDIS_URL: redisUrl, REDIS_KEY_PREFIX: 'wb:', WECOM_TOKEN: TOKEN, WECOM_ENCODING_AES_KEY: KEY, LOG_LEVEL: 'info', TZ: 'Asia/Shanghai' };
  const duban = await startChild(
    // BENCH_DUBAN_FLAGS adds flags (to try one), BENCH_PROFILE=DIR writes the server's V8 CPU
    // profile there (open it in Chrome DevTools).
    [process.execPath, ...startFlags(), ...(process.env.BENCH_DUBAN_FLAGS ?? '').split(' ').filter(Boolean), ...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), 'dist/src/main.js'],
    dubanEnv,
    'duban listening',
  );
  try {
    const client = new CallbackClient(`http://127.0.0.1:${dubanPort}`, TOKEN, KEY);
    // A ledger to act on: 500 issues reported through the server itself.
    for (let i = 0; i < 500; i++) await client.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@督办助手 /上报 斑竹村 预置问题${i}` });
    // The machine may be shared and its speed drifts: echo and duban take turns, and the ratio of
    // each pair is reported with the median of them, so a slow minute does not decide the result.
    const perRound = Math.ceil(duration * 8_000);
    const total = perRound * rounds + 5_000;
    print(`building ${total} encrypted callbacks (unique msgids, mix: 20% /上报, 10% /整改, 10% /销号, 20% /status, 40% /查看) …`);
    const requests = buildRequests(client, 'max', total, 1, 500);
    const warm = { connections, duration: 2 };
    await load(echo, `http://127.0.0.1:${echoPort}`, requests.slice(0, 5_000), warm);
    await load(duban, `http://127.0.0.1:${dubanPort}`, requests.slice(0, 5_000), warm);
    for (let r = 0; r < rounds; r++) {
      const slice = requests.slice(5_000 + r * perRound, 5_000 + (r + 1) * perRound);
      rows.push({ name: `echo (bare Koa + @wecom/crypto), round ${r + 1}`, ...(await load(echo, `http://127.0.0.1:${echoPort}`, slice, { connections, duration })) });
      rows.push({ name: `duban, round ${r + 1}`, ...(await load(duban, `http://127.0.0.1:${dubanPort}`, slice, { connections, duration })) });
    }
    const steady = buildRequests(client, 'steady', 1000 * duration + 1000, 1, 500);
    await loopLag(`http://127.0.0.1:${dubanPort}`);
    const steadyRow = await steadyLoad(duban, redisPid, `http://127.0.0.1:${dubanPort}`, steady, { rate: 1000, duration });
    const lag = await loopLag(`http://127.0.0.1:${dubanPort}`);
    rows.push({ name: 'duban at a steady 1 000 req/s', ...steadyRow, ...(lag ? { loopLag: lag } : {}) });
    // Under appendfsync always Redis's own thread waits for each fsync, and a slow disk stalls every
    // command, reads too; everysec leaves the fsync to a background thread. The same load again on
    // the same Redis switched to everysec shows how much of the tail is the disk's.
    const config = createRedis(redisUrl);
    await config.connect();
    try {
      const [, fsync] = (await config.config('GET', 'appendfsync')) as [string, string];
      const aofOn = ((await config.config('GET', 'appendonly')) as [string, string])[1] === 'yes';
      if (aofOn && fsync === 'always') {
        await config.config('SET', 'appendfsync', 'everysec');
        const again = buildRequests(client, 'steady-everysec', 1000 * duration + 1000, 1, 500);
        rows.push({ name: 'duban at a steady 1 000 req/s, AOF everysec', ...(await steadyLoad(duban, redisPid, `http://127.0.0.1:${dubanPort}`, again, { rate: 1000, duration })) });
        await config.config('SET', 'appendfsync', 'always');
      }
    } finally {
      await config.quit();
    }
    // BENCH_STEADY_RATES=500,750: open-loop rows at other rates too, to see where the tail turns up.
    for (const rate of (process.env.BENCH_STEADY_RATES ?? '').split(',').map(Number).filter((r) => r > 0 && r !== 1000)) {
      const at = buildRequests(client, `steady-${rate}`, rate * duration + 1000, 1, 500);
      rows.push({ name: `duban at a steady ${rate} req/s`, ...(await steadyLoad(duban, redisPid, `http://127.0.0.1:${dubanPort}`, at, { rate, duration })) });
    }
    // The figure earlier runs recorded (README): autocannon's per-second bursts, kept for comparison.
    const bursts = buildRequests(client, 'bursts', 1000 * duration + 1000, 1, 500);
    rows.push({ name: "duban, autocannon's overallRate 1 000", ...(await load(duban, `http://127.0.0.1:${dubanPort}`, bursts, { connections, duration, overallRate: 1000 })) });
    // The lever past one process: the same server in BENCH_PROCESSES processes on one port (0: skip).
    const processes = Number(process.env.BENCH_PROCESSES ?? 0);
    if (processes > 1) {
      duban.kill('SIGTERM');
      if (duban.exitCode === null) await once(duban, 'exit');
      const many = await startChild([process.execPath, '--import', 'tsx', 'test/bench/cluster-main.ts'], { ...dubanEnv, BENCH_PROCESSES: String(processes) }, 'duban listening', processes);
      try {
        // Warmed like the single process: each process compiles its hot paths on its first requests.
        await load(many, `http://127.0.0.1:${dubanPort}`, buildRequests(client, 'warm-many', 5_000, 1, 500), { connections, duration: 3 });
        const steadyMany = buildRequests(client, 'steady-many', 1000 * duration + 1000, 1, 500);
        rows.push({ name: `duban, ${processes} processes, at a steady 1 000 req/s`, ...(await steadyLoad(many, redisPid, `http://127.0.0.1:${dubanPort}`, steadyMany, { rate: 1000, duration })) });
        const maxMany = buildRequests(client, 'max-many', perRound, 1, 500);
        rows.push({ name: `duban, ${processes} processes, as fast as it goes`, ...(await load(many, `http://127.0.0.1:${dubanPort}`, maxMany, { connections, duration })) });
      } finally {
        many.kill('SIGTERM');
        if (many.exitCode === null) await once(many, 'exit');
      }
    }
  } finally {
    for (const c of [echo, duban]) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
      if (c.exitCode === null && c.signalCode === null) await once(c, 'exit');
    }
  }
  return rows;
}

