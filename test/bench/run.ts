import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createLogger } from '../../src/log/logger';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/store/embedded-redis';
import { createRedis, describeRedis } from '../../src/store/redis';
import { benchDashboard, FIGURES_TARGET_MS, SEARCH_TARGET_MS, TABLE_TARGET_MS } from './dashboard';
import { PAGE_TARGET_MS } from './dashboard-page';
import { benchExport, exportLine } from './export';
import { benchImport, IMPORT_TARGET_MS } from './import';
import { benchReminders, MEMORY_TARGET_BYTES, SEED_TARGET_MS } from './reminders';
import { benchScore, SCORE_TARGET_MS } from './score';
import { benchSize, parseSizes } from './size';
import { benchStatus, NOW, STATUS_TARGET_MS, type LatencyRow } from './status';
import { benchTasks, REPLY_TARGET_MS } from './tasks';
import { benchTrips } from './trips';
import { runWebhookSection } from './webhook';
import { benchLogLine } from './log-line';
import { benchPipelineGc } from './pipeline-gc';

const WEBHOOK_RATIO_GOAL = 0.6;
const WEBHOOK_P99_GOAL_MS = 25;

/**
 * `npm run bench`: speed figures for the README, measured on this machine against its own
 * redis-server. Exits 0 whether targets are met or missed (PASS/MISS is printed); non-zero only
 * when the bench itself fails, or the reminders are wrong (duplicates, missed, rate limit).
 *
 *   BENCH_ONLY      status | export | dashboard | score | reminders | tasks | webhook | import | trips | size | log | gc: run one section, or several separated by commas (default all;
 *                   export and dashboard reuse the /status section's ledger, or write their own when run alone)
 *   BENCH_TASKS     tasks: /布置 to 全区 (500 units) this many times back to back (default 12)
 *   BENCH_WEBHOOK_S webhook: seconds per load run (default 6)
 *   BENCH_WEBHOOK_ROUNDS webhook: echo/duban turns (default 3; the median ratio is the result)
 *   BENCH_PROCESSES webhook: also run the server in this many processes on one port (default 0: skipped; 2 cores gain nothing)
 *   BENCH_PROFILE   webhook: a directory for the server's V8 CPU profile (--cpu-prof)
 *   BENCH_SERVER_STDOUT webhook: keep the servers' stdout (duban's and the echo's) in FILE.<pid> (with BENCH_DUBAN_FLAGS=--trace-gc, duban's GC pauses)
 *   BENCH_SIZES     size: the ledger sizes, ascending (default 10000,100000,1000000; 10000,100000 is a quick run)
 *   BENCH_ISSUES    ledger size (default 100000; import: the 台账's rows)
 *   BENCH_DUE       reminders: how many of the open issues are due at once (default 10000)
 *   BENCH_REQUESTS  timed sequential requests per scenario (default 200)
 *   BENCH_WARMUP    untimed requests first (default 20)
 *   BENCH_AOF       1 (default): /status also measured with AOF appendfsync always, and the
 *                   reminders run on the embedded default (AOF, appendfsync always); 0: AOF off
 */
function intEnv(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer ≥ ${min} (got "${raw}")`);
  return n;
}

function machine(): string[] {
  const cpu = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  let redis = 'unknown';
  try {
    redis = /v=(\S+)/.exec(execFileSync('redis-server', ['--version'], { encoding: 'utf8' }))?.[1] ?? redis;
  } catch {
    // reported as unknown; startEmbeddedRedis below says why it cannot start
  }
  return [
    `machine: ${cpu}, ${os.availableParallelism()} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${os.type()} ${os.release()}`,
    `node ${process.version}, redis-server ${redis}, TZ=${process.env.TZ ?? '(unset)'}, run ${new Date().toISOString()}`,
    load(),
  ];
}

/** The machine may be shared: say how busy it was, at the start and at the end. */
function load(): string {
  return `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')} (1/5/15 min, ${os.availableParallelism()} cores)`;
}

const fmt = (ms: number) => ms.toFixed(1).padStart(7);

function table(rows: LatencyRow[]): string[] {
  const width = Math.max(...rows.map((r) => displayWidth(r.label)));
  const pad = (s: string) => s + ' '.repeat(width - displayWidth(s));
  const out = [`${pad('')}       n     p50     p95     p99     max  (ms)`];
  for (const r of rows) {
    const s = r.stats;
    const verdict = r.target === undefined ? '' : `  ${s.p99 < r.target ? 'PASS' : 'MISS'} (p99 < ${r.target})`;
    out.push(`${pad(r.label)} ${String(s.n).padStart(7)} ${fmt(s.p50)} ${fmt(s.p95)} ${fmt(s.p99)} ${fmt(s.max)}${verdict}`);
  }
  return out;
}

/** CJK characters take two columns in a terminal. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

async function main(): Promise<number> {
  const issues = intEnv('BENCH_ISSUES', 100_000, 10);
  const requests = intEnv('BENCH_REQUESTS', 200, 1);
  const warmup = intEnv('BENCH_WARMUP', 20, 1);
  const aofAlways = intEnv('BENCH_AOF', 1, 0) !== 0;
  const due = intEnv('BENCH_DUE', 10_000, 1);
  const only = process.env.BENCH_ONLY ?? '';
  const taskCount = intEnv('BENCH_TASKS', 12, 1);
  const sizes = parseSizes(process.env.BENCH_SIZES);
  // One section, or several in one run: BENCH_ONLY=trips,size,webhook.
  const SECTIONS = ['status', 'export', 'dashboard', 'score', 'reminders', 'tasks', 'webhook', 'import', 'trips', 'size', 'log', 'gc'];
  const chosen = only.split(',').map((w) => w.trim()).filter(Boolean);
  const unknown = chosen.filter((w) => !SECTIONS.includes(w));
  if (unknown.length) throw new Error(`BENCH_ONLY takes ${SECTIONS.join(', ')}, or several of them separated by commas (got "${unknown.join(',')}")`);
  const runs = (section: string) => chosen.length === 0 || chosen.includes(section);
  let failed = false;
  const print = (line = '') => console.log(line);

  print('duban bench');
  for (const l of machine()) print(l);

  const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-bench-'));
  let redis: EmbeddedRedis | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await redis?.stop();
      await rm(dir, { recursive: true, force: true });
    })());
  // redis-server runs in its own process group: Ctrl-C must not leave it behind. `on`, not `once`:
  // Ctrl-C reaches this process twice (from the terminal and relayed by tsx), and with no listener
  // left tsx exits at once.
  const onSignal = (sig: NodeJS.Signals) => {
    if (cleaning) return;
    console.error(`\n${sig}: stopping redis-server`);
    void cleanup().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    if (runs('status')) {
      redis = await startEmbeddedRedis({ dir, logger: createLogger('silent'), tcp: true, persistence: false });
      print(`redis-server pid ${redis.pid} on ${describeRedis(redis.url)}, data in ${dir}: AOF off and no RDB saves for generation and the main figures` + (aofAlways ? '; then AOF appendfsync always (BENCH_AOF=0 skips)' : ' (BENCH_AOF=0: AOF run skipped)'));
      print();
      print(`## /status — target: under ${STATUS_TARGET_MS} ms on a ${issues.toLocaleString('en-US')}-issue ledger, clock fixed at ${NOW}`);
      const result = await benchStatus({ redisUrl: redis.url, issues, requests, warmup, aofAlways, print });
      print();
      print(table(result.rows).join('\n'));
      print();
      print('e2e = @督办助手 message → encrypted, signed POST /wecom/callback → pipeline → encrypted reply → verified and decrypted (CallbackClient.say),');
      print('one request at a time; indented rows = the status handler’s steps called in-process on the same data (LedgerStore over one ioredis connection).');
      const e2e = result.rows.filter((r) => r.target !== undefined);
      const missed = e2e.filter((r) => r.stats.p99 >= STATUS_TARGET_MS);
      print(`at the end: ${load()}`);
      print(`/status ${missed.length ? `MISS: ${missed.length} of ${e2e.length} end-to-end rows have p99 ≥ ${STATUS_TARGET_MS} ms` : `PASS: every end-to-end p99 under ${STATUS_TARGET_MS} ms`}`);
    }
    if (runs('export')) {
      const generate = !redis;
      redis ??= await startEmbeddedRedis({ dir: path.join(dir, 'export'), logger: createLogger('silent'), tcp: true, persistence: false });
      print();
      print(`## 台账 export — goal: the ${issues.toLocaleString('en-US')}-issue ledger as .xlsx (全区, 累计) in under 5 s and under 200 MB peak RSS, streamed`);
      const result = await benchExport({ redisUrl: redis.url, prefix: 'duban:', now: NOW, issues, generate, dir, print });
      print(exportLine(result));
      print(`at the end: ${load()}`);
    }
    if (runs('dashboard')) {
      const generate = !redis;
      redis ??= await startEmbeddedRedis({ dir: path.join(dir, 'dashboard'), logger: createLogger('silent'), tcp: true, persistence: false });
      print();
      print(`## dashboard — goals on a ${issues.toLocaleString("en-US")}-issue ledger: figures p99 < ${FIGURES_TARGET_MS} ms, a table page p99 < ${TABLE_TARGET_MS} ms, a text search < ${SEARCH_TARGET_MS} ms, the page loaded in chromium < ${PAGE_TARGET_MS} ms`);
      const result = await benchDashboard({ redisUrl: redis.url, issues, generate, requests, warmup, print });
      print();
      print(table(result.rows).join('\n'));
      print('each row: GET over HTTP with a session cookie (fetch → koa → session check → Redis / table index → JSON), one request at a time');
      const missed = result.rows.filter((r) => r.target !== undefined && r.stats.p99 >= r.target);
      print(`at the end: ${load()}`);
      print(`dashboard ${missed.length ? `MISS: ${missed.map((r) => r.label).join(', ')}` : 'PASS: every row under its goal'}; index first build ${(result.build.ms / 1000).toFixed(2)} s for ${result.build.issues} issues, ${(result.build.heapBytes / 1024 / 1024).toFixed(1)} MB heap`);
    }
    if (runs('score')) {
      await redis?.stop();
      redis = await startEmbeddedRedis({ dir: path.join(dir, 'score'), logger: createLogger('silent'), tcp: true, persistence: false });
      print();
      print(`## /考核 全区 — target: p99 under ${SCORE_TARGET_MS} ms on a ${issues.toLocaleString('en-US')}-issue ledger, clock fixed at ${NOW}`);
      print(`redis-server pid ${redis.pid} on ${describeRedis(redis.url)}, AOF off`);
      const result = await benchScore({ redisUrl: redis.url, issues, requests, warmup, print });
      print();
      print(table(result.rows).join('\n'));
      const judged = result.rows.filter((r) => r.target !== undefined);
      const missed = judged.filter((r) => r.stats.p99 >= SCORE_TARGET_MS);
      print(`at the end: ${load()}`);
      print(`/考核 全区 ${missed.length ? `FAIL: ${missed.length} of ${judged.length} end-to-end rows have p99 ≥ ${SCORE_TARGET_MS} ms` : `PASS: warm and after a change, p99 under ${SCORE_TARGET_MS} ms`} (the first read on an empty cache took ${(result.firstBuildMs / 1000).toFixed(1)} s, once)`);
    }
    if (runs('reminders')) {
      // A fresh redis-server with the embedded default's settings (the /status section leaves AOF on).
      await redis?.stop();
      redis = await startEmbeddedRedis({ dir: path.join(dir, 'reminders'), logger: createLogger('silent'), tcp: true, persistence: aofAlways });
      print();
      print(`## reminders — targets: seed ${issues.toLocaleString('en-US')} open issues with their timers in under ${SEED_TARGET_MS / 1000} s, under ${MEMORY_TARGET_BYTES} B of Redis per issue; deliver ${due.toLocaleString('en-US')} due reminders with 0 duplicates, 0 missed, ≤ 20 per robot per minute`);
      print(`redis-server pid ${redis.pid} on ${describeRedis(redis.url)}, ${aofAlways ? 'AOF appendfsync always (the embedded default; BENCH_AOF=0: off)' : 'AOF off (BENCH_AOF=0)'}`);
      const result = await benchReminders({ redisUrl: redis.url, issues, due, print });
      print();
      print(result.table.join('\n'));
      print(`at the end: ${load()}`);
      print(`reminders ${result.ok ? 'correct: every due reminder once, nothing else, within the rate limit' : `WRONG: ${result.failures.join('; ')}`}`);
      failed = !result.ok;
    }
    if (runs('tasks')) {
      await redis?.stop();
      redis = await startEmbeddedRedis({ dir: path.join(dir, 'tasks'), logger: createLogger('silent'), tcp: true, persistence: aofAlways });
      print();
      print(`## /布置 — goals: the reply to a task for 500 units in under ${REPLY_TARGET_MS / 1000} s; its group pushes delivered within the robots' 20 a minute`);
      print(`redis-server pid ${redis.pid} on ${describeRedis(redis.url)}, ${aofAlways ? 'AOF appendfsync always (the embedded default; BENCH_AOF=0: off)' : 'AOF off (BENCH_AOF=0)'}`);
      const result = await benchTasks({ redisUrl: redis.url, tasks: taskCount, print });
      for (const l of result.lines) print(l);
      print(`at the end: ${load()}`);
      print(`tasks ${result.ok ? 'correct: every group part once, within the rate limit' : `WRONG: ${result.failures.join('; ')}`}`);
      failed ||= !result.ok;
    }
    if (runs('import')) {
      await redis?.stop();
      redis = await startEmbeddedRedis({ dir: path.join(dir, 'import'), logger: createLogger('silent'), tcp: true, persistence: aofAlways });
      print();
      print(`## 台账 import — goal: npm run ledger -- import of a ${issues.toLocaleString('en-US')}-row 台账 with --apply in under ${IMPORT_TARGET_MS / 1000} s`);
      print(`redis-server pid ${redis.pid} on ${describeRedis(redis.url)}, ${aofAlways ? 'AOF appendfsync always (the embedded default; BENCH_AOF=0: off)' : 'AOF off (BENCH_AOF=0)'}`);
      const result = await benchImport({ redisUrl: redis.url, rows: issues, print });
      for (const l of result.lines) print(l);
      print(`at the end: ${load()}`);
      print(`import ${result.ok ? 'correct: the bad rows refused, the second --apply created nothing' : 'WRONG: see the lines above'}`);
      failed ||= !result.ok;
    }
    if (runs('trips')) {
      await redis?.stop();
      redis = await startEmbeddedRedis({ dir: path.join(dir, 'trips'), logger: createLogger('silent'), tcp: true, persistence: false });
      print();
      print('## trips — Redis round trips (socket writes) on the command connection before the reply; targets (issue 15): reads 1, writes ≤ 2');
      for (const l of await benchTrips(redis.url)) print(l);
    }
    if (runs('log')) {
      print();
      print('## log — the one line each callback logs, in-process (issue 15: the logger was an eighth of the server\'s allocations)');
      for (const l of benchLogLine()) print(l);
    }
    if (runs('gc')) {
      print();
      print("## gc — ioredis pipelines and the young-generation GC (issue 15: a getter per pipeline kept every command alive past its scavenges)");
      for (const l of benchPipelineGc()) print(l);
    }
    if (runs('size')) {
      await redis?.stop();
      redis = await startEmbeddedRedis({ dir: path.join(dir, 'size'), logger: createLogger('silent'), tcp: true, persistence: false });
      print();
      print(`## cost against ledger size — goal (issue 15): flat, no command's cost grows with the ledger (a list grows with its page); ledgers of ${sizes.map((n) => n.toLocaleString('en-US')).join(', ')} issues, clock fixed at ${NOW}`);
      print(`redis-server pid ${redis.pid} on ${describeRedis(redis.url)}, AOF off and no RDB saves (generation and the measured run); ${warmup} warm-up + ${requests} sequential requests per command and size`);
      const started = performance.now();
      const result = await benchSize({ redisUrl: redis.url, sizes, requests, warmup, print });
      print();
      for (const l of result.lines) print(l);
      print(`at the end: ${load()}; the section took ${((performance.now() - started) / 60_000).toFixed(1)} min`);
      print(`size ${result.grows.length ? `MISS: ${result.grows.join(', ')} grow with the ledger` : 'PASS: every command flat'}`);
    }
    if (runs('webhook')) {
      await redis?.stop();
      redis = await startEmbeddedRedis({ dir: path.join(dir, 'webhook'), logger: createLogger('silent'), tcp: true, persistence: aofAlways });
      execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });
      print();
      print(`## webhook — goal: duban ≥ ${WEBHOOK_RATIO_GOAL} of the echo's throughput; p99 under ${WEBHOOK_P99_GOAL_MS} ms at 1 000 req/s (Redis AOF ${aofAlways ? 'appendfsync always' : 'off'})`);
      // Redis's own stalls over the section (fsyncs under appendfsync always, slow commands): its latency monitor.
      const watch = createRedis(redis.url);
      await watch.connect();
      await watch.config('SET', 'latency-monitor-threshold', '2');
      const rows = await runWebhookSection(redis.url, redis.pid, print);
      const latest = (await watch.call('LATENCY', 'LATEST')) as [string, number, number, number][];
      // A rewrite forks and writes the whole AOF anew: the disk it shares with the fsyncs.
      const persistence = Object.fromEntries((await watch.info('persistence')).split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':') as [string, string]));
      await watch.quit();
      print();
      print(`${'run'.padEnd(48)} ${'req/s'.padStart(8)} ${'cpu µs/req'.padStart(11)} ${'p50'.padStart(6)} ${'p99'.padStart(6)}  errors non-2xx`);
      for (const r of rows) print(`${r.name.padEnd(48)} ${r.rps.toFixed(0).padStart(8)} ${r.cpuUs.toFixed(0).padStart(11)} ${r.p50.toFixed(0).padStart(6)} ${r.p99.toFixed(0).padStart(6)}  ${r.errors} ${r.non2xx}`);
      const steady = rows.find((r) => r.name === 'duban at a steady 1 000 req/s')!;
      const rounds = rows.filter((r) => / round \d+$/.test(r.name));
      const ratios: number[] = [];
      for (let i = 0; i + 1 < rounds.length; i += 2) ratios.push(rounds[i + 1]!.rps / rounds[i]!.rps);
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      const ratio = median(ratios);
      print(`duban / echo throughput per round: ${ratios.map((r) => r.toFixed(2)).join(', ')}; median ${ratio.toFixed(2)} ${ratio >= WEBHOOK_RATIO_GOAL ? 'PASS' : 'MISS'} (goal ≥ ${WEBHOOK_RATIO_GOAL})`);
      const cpu = (name: string) => median(rounds.filter((r) => r.name.startsWith(name)).map((r) => r.cpuUs));
      print(`server CPU per request (median of the rounds): echo ${cpu('echo').toFixed(0)} µs, duban ${cpu('duban,').toFixed(0)} µs; echo / duban ${(cpu('echo') / cpu('duban,')).toFixed(2)}`);
      print(`at a steady 1 000 req/s (open loop, latency from each callback's place in the schedule): ${steady.rps.toFixed(0)} req/s served, p50 ${steady.p50.toFixed(1)} ms, p99 ${steady.p99.toFixed(1)} ms ${steady.p99 < WEBHOOK_P99_GOAL_MS && steady.rps >= 950 ? 'PASS' : 'MISS'} (goal < ${WEBHOOK_P99_GOAL_MS} ms)${steady.loopLag ? `; the server's event loop meanwhile was late by p99 ${Math.max(0, steady.loopLag.p99 - 10).toFixed(1)} ms, at most ${Math.max(0, steady.loopLag.max - 10).toFixed(1)} ms (beyond prom-client's 10 ms sampling tick)` : ''}`);
      if (steady.sendLate) print(`the load generator sent each callback p99 ${steady.sendLate.p99.toFixed(1)} ms, at most ${steady.sendLate.max.toFixed(1)} ms after its place in the schedule (counted in the latency above)${steady.sharedCpuUs ? `; CPU per request on the shared cores: duban ${steady.cpuUs.toFixed(0)} µs${steady.sysUs !== undefined ? ` (${steady.sysUs.toFixed(0)} µs of it in the kernel)` : ''}, Redis ${steady.sharedCpuUs.redis.toFixed(0)} µs, the load generator ${steady.sharedCpuUs.generator.toFixed(0)} µs` : ''}`);
      const bursts = rows.find((r) => r.name.startsWith("duban, autocannon's overallRate"));
      if (bursts) print(`for comparison, autocannon's overallRate 1 000 (each of ${process.env.BENCH_WEBHOOK_CONNECTIONS ?? 20} connections sends its share of each second back to back, then waits; earlier runs' figure): p50 ${bursts.p50} ms, p99 ${bursts.p99} ms`);
      print(`Redis's latency monitor over the section (events of 2 ms or more): ${latest.length ? latest.map(([event, , last, max]) => `${event} latest ${last} ms, max ${max} ms`).join('; ') : 'none'}`);
      print(`Redis's AOF over the section: ${persistence.aof_rewrites ?? '?'} rewrite(s) (auto-aof-rewrite), now ${(Number(persistence.aof_current_size ?? NaN) / 1e6).toFixed(0)} MB`);
      const everysec = rows.find((r) => r.name.endsWith('AOF everysec'));
      if (everysec) print(`the same load on the same Redis switched to appendfsync everysec (the fsync in a background thread): p50 ${everysec.p50.toFixed(1)} ms, p99 ${everysec.p99.toFixed(1)} ms, duban ${everysec.cpuUs.toFixed(0)} µs CPU per request`);
      for (const other of rows.filter((r) => /^duban at a steady \d+ req\/s$/.test(r.name) && r !== steady)) print(`${other.name.replace('duban ', '')} (open loop): p50 ${other.p50.toFixed(1)} ms, p99 ${other.p99.toFixed(1)} ms, duban ${other.cpuUs.toFixed(0)} µs CPU per request`);
      for (const many of rows.filter((r) => / processes, /.test(r.name))) print(`${many.name}: ${many.rps.toFixed(0)} req/s, p99 ${many.p99.toFixed(1)} ms, CPU ${many.cpuUs.toFixed(0)} µs per request (all processes)`);
      print(`at the end: ${load()}`);
    }
  } finally {
    await cleanup();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code), // BullMQ and undici keep-alive sockets must not hold the process open
  (err: unknown) => {
    console.error('bench failed:', err);
    process.exit(1);
  },
);
