import { Redis } from 'ioredis';
import { benchApp } from './bench-app';
import { fixedClock } from '../../src/clock';
import type { Issue } from '../../src/domain/issue';
import type { Unit } from '../../src/domain/org';
import { COUNTERS, emptyCounts, figuresFrom, type Counter } from '../../src/domain/stats';
import { parsePeriod } from '../../src/parsing/period';
import { renderStatus, type StatusRow } from '../../src/rendering/status';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { CallbackClient } from '../../src/wecom/callback-client';
import { BOT_NAME, demoOrg, TEST_AES_KEY, TEST_TOKEN } from '../support/app';
import { generateLedger } from '../support/generate-ledger';

/**
 * The /status section of `npm run bench`: a ledger of `issues` issues written through the real
 * store, then /status timed end to end over the encrypted callback protocol against the real app,
 * and the handler's Redis work timed in-process.
 */
export const STATUS_TARGET_MS = 50;
/** The generation's clock: the e2e tests' date, so 今年 covers Jan–Jun of the spread year. */
export const NOW = '2026-06-15T10:00:00+08:00';
const PREFIX = 'duban:';
const OLDEST = 5; // handlers/status.ts

export interface StatusBenchOptions {
  redisUrl: string;
  issues: number;
  requests: number;
  warmup: number;
  /** Re-measure end to end after switching the same redis-server to AOF, appendfsync always. */
  aofAlways: boolean;
  print(line?: string): void;
}

export interface Stats {
  n: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface LatencyRow {
  label: string;
  stats: Stats;
  /** Judged against the target (end-to-end rows only). */
  target?: number;
}

export interface StatusBenchResult {
  generation: { issues: number; closed: number; ms: number; usedMemoryPerIssue: number };
  rows: LatencyRow[];
}

interface Scenario {
  label: string;
  userId: string;
  chatId: string;
  text: string;
  units: readonly Unit[];
  months: string[] | undefined;
  /** A line the reply must contain, so a refusal or an error reply is never timed as a success. */
  expect: string;
}

export async function benchStatus(o: StatusBenchOptions): Promise<StatusBenchResult> {
  const org = demoOrg();
  const now = Date.parse(NOW);
  const keys = createKeys(PREFIX);
  const redis = new Redis({ ...redisOptions(o.redisUrl), maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // a failing command rejects on its own; Ctrl-C must not add a stack trace
  const store = new LedgerStore(redis, keys);
  const rows: LatencyRow[] = [];
  try {
    // --- the ledger ---------------------------------------------------------------------------
    const closed = Math.round(o.issues * 0.8);
    const memBefore = await usedMemory(redis);
    o.print(`generating ${o.issues} issues (${closed} closed) over all ${org.units.length} units, 365 days, through LedgerStore.commit …`);
    const genStarted = performance.now();
    await generateLedger(store, org, { found: o.issues, closed, units: org.units, days: 365, now });
    const genMs = performance.now() - genStarted;
    const memAfter = await usedMemory(redis);
    const perIssue = (memAfter - memBefore) / o.issues;
    const commits = o.issues + 2 * closed;
    o.print(
      `generated in ${(genMs / 1000).toFixed(1)} s (${commits} commits, ${Math.round(commits / (genMs / 1000))} commits/s); ` +
        `used_memory ${mb(memBefore)} → ${mb(memAfter)} MB = ${Math.round(perIssue)} bytes/issue`,
    );
    o.print(`  per issue (MEMORY USAGE of 200 sampled issues): ${await memoryBreakdown(redis, keys, o.issues, perIssue)}`);

    const openByUnits = (units: readonly Unit[]) => {
      const ids = new Set(units.map((u) => u.id));
      return Promise.all([...ids].map((u) => redis.zcount(keys.unitDeadlines(u), '-inf', `(${now}`))).then((c) => c.reduce((a, b) => a + b, 0));
    };
    const t1 = org.team('t1')!;
    const t1Units = t1.coveredUnitIds.map((id) => org.unit(id)!);
    const year = parsePeriod('今年', now)!;
    const scenarios: Scenario[] = [
      {
        label: '组织部 CHAT_ADMIN /status 全区',
        userId: 'u_admin',
        chatId: 'CHAT_ADMIN',
        text: '/status 全区',
        units: org.units,
        months: undefined,
        expect: `发现 ${o.issues}　已销号 ${closed}`,
      },
      {
        label: '组织部 CHAT_ADMIN /status 全区 今年',
        userId: 'u_admin',
        chatId: 'CHAT_ADMIN',
        text: '/status 全区 今年',
        units: org.units,
        months: year.months,
        expect: `**全区（${org.district}） · ${year.label}**`,
      },
      {
        label: `${org.person(t1.leader)?.name} CHAT_T1 /status`,
        userId: t1.leader,
        chatId: 'CHAT_T1',
        text: '/status',
        units: t1Units,
        months: undefined,
        expect: `**${t1.name} · 累计**`,
      },
    ];
    o.print(
      `overdue at ${NOW}: 全区 ${await openByUnits(org.units)}, ${t1.name} ${await openByUnits(t1Units)} — /status reads a count and the ${OLDEST} oldest per unit (and per month with a period), never every one`,
    );

    // --- the app, end to end ----------------------------------------------------------------
    const clock = fixedClock(NOW);
    const app = benchApp({ redisUrl: o.redisUrl, prefix: PREFIX, org, clock });
    const port = await app.start();
    try {
      const client = new CallbackClient(`http://127.0.0.1:${port}`, TEST_TOKEN, TEST_AES_KEY, clock);
      const endToEnd = async (aof: string) => {
        for (const s of scenarios) {
          const say = () => client.say({ userId: s.userId, chatId: s.chatId, text: `@${BOT_NAME} ${s.text}` });
          const first = await say();
          if (!first.includes(s.expect)) throw new Error(`${s.text} as ${s.userId}: unexpected reply (wanted “${s.expect}”):\n${first}`);
          for (let i = 1; i < o.warmup; i++) await say();
          const samples: number[] = [];
          for (let i = 0; i < o.requests; i++) {
            const t = performance.now();
            await say();
            samples.push(performance.now() - t);
          }
          rows.push({ label: `e2e ${s.label} [${aof}]`, stats: stats(samples), target: STATUS_TARGET_MS });
        }
      };
      o.print(`measuring end to end against createApp on 127.0.0.1:${port} (RUN_WORKERS=false, LOG_LEVEL info to a null sink): ${o.warmup} warm-up + ${o.requests} sequential requests per scenario, AOF off …`);
      await endToEnd('AOF off');

      // --- in process: the handler's Redis work, its issue reads, its rendering ----------------
      for (const s of scenarios) {
        const unitIds = s.units.map((u) => u.id);
        const redisWork: number[] = [];
        const oldestRead: number[] = [];
        const render: number[] = [];
        for (let i = 0; i < o.warmup + o.requests; i++) {
          const t0 = performance.now();
          const [counts, overdue] = await Promise.all([store.unitCounts(unitIds, s.months ?? ['all']), store.overdue(unitIds, now, s.months, OLDEST)]);
          const t1 = performance.now();
          const oldest = await store.getMany(overdue.oldest.map((x) => x.id));
          const t2 = performance.now();
          renderStatus(org, statusView(s.units, counts, overdue, oldest, now, s.text));
          const t3 = performance.now();
          if (i < o.warmup) continue;
          redisWork.push(t1 - t0);
          oldestRead.push(t2 - t1);
          render.push(t3 - t2);
        }
        rows.push({ label: `  unitCounts+overdue ${s.text}`, stats: stats(redisWork) });
        rows.push({ label: `  getMany(${OLDEST} oldest) ${s.text}`, stats: stats(oldestRead) });
        rows.push({ label: `  renderStatus ${s.text}`, stats: stats(render) });
      }

      if (o.aofAlways) {
        o.print('switching the same redis-server to AOF (appendfsync always) and rewriting the AOF …');
        const rewrite = await enableAofAlways(redis);
        o.print(`AOF on after a ${(rewrite.ms / 1000).toFixed(1)} s rewrite (${mb(rewrite.bytes)} MB); measuring end to end again …`);
        await endToEnd('AOF always');
      }
    } finally {
      await app.stop();
    }
    return { generation: { issues: o.issues, closed, ms: genMs, usedMemoryPerIssue: perIssue }, rows };
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  // Nearest rank: the smallest sample with at least p% of the samples at or below it.
  const at = (p: number) => s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
  return { n: s.length, p50: at(50), p95: at(95), p99: at(99), max: s[s.length - 1]! };
}

async function info(redis: Redis, section: string): Promise<Map<string, string>> {
  const text = await redis.info(section);
  return new Map(
    text
      .split('\r\n')
      .filter((l) => l.includes(':'))
      .map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)]),
  );
}

async function usedMemory(redis: Redis): Promise<number> {
  return Number((await info(redis, 'memory')).get('used_memory'));
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** Average MEMORY USAGE of the per-issue keys over a sample, and the shared structures. */
export async function memoryBreakdown(redis: Redis, keys: ReturnType<typeof createKeys>, issues: number, perIssue: number): Promise<string> {
  const sample = (from: number, to: number) => Array.from({ length: Math.min(200, to - from) }, (_, k) => from + 1 + Math.floor((k * (to - from)) / Math.min(200, to - from)));
  const avg = async (ids: number[], key: (id: number) => string) => {
    if (!ids.length) return 0;
    const sizes = await Promise.all(ids.map((id) => redis.memory('USAGE', key(id), 'SAMPLES', 0)));
    return sizes.reduce<number>((a, b) => a + Number(b ?? 0), 0) / ids.length;
  };
  // ids are handed out in completion order, so closed and open issues are interleaved; sample them all.
  const ids = sample(0, issues);
  const hash = await avg(ids, (id) => keys.issue(id));
  const histories = await avg(ids, (id) => keys.issueHistory(id));
  const audit = await avg(ids, (id) => keys.audit(id));
  const auditAll = Number((await redis.memory('USAGE', keys.auditAll, 'SAMPLES', 0)) ?? 0) / issues;
  const rest = perIssue - hash - histories - audit - auditAll;
  return `issue hash ${Math.round(hash)} B, its history string ${Math.round(histories)} B, its audit list ${Math.round(audit)} B, share of the district audit stream ${Math.round(auditAll)} B, indexes/deadlines/counters/key overhead ${Math.round(rest)} B`;
}

async function enableAofAlways(redis: Redis): Promise<{ ms: number; bytes: number }> {
  const started = performance.now();
  await redis.config('SET', 'appendfsync', 'always');
  await redis.config('SET', 'appendonly', 'yes');
  for (;;) {
    const p = await info(redis, 'persistence');
    if (p.get('aof_enabled') === '1' && p.get('aof_rewrite_in_progress') === '0' && p.get('aof_rewrite_scheduled') === '0') {
      if (p.get('aof_last_bgrewrite_status') !== 'ok') throw new Error(`AOF rewrite failed: ${p.get('aof_last_bgrewrite_status')}`);
      return { ms: performance.now() - started, bytes: Number(p.get('aof_current_size') ?? 0) };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What handlers/status.ts hands to renderStatus: rows by unit, or by town above 15 units. */
function statusView(
  units: readonly Unit[],
  counts: Map<string, Record<Counter, number>>,
  overdue: { total: number; perUnit: Map<string, number> },
  oldest: Issue[],
  now: number,
  title: string,
) {
  const byTown = units.length > 15;
  const rows = new Map<string, StatusRow>();
  const total = emptyCounts();
  for (const u of units) {
    const c = counts.get(u.id) ?? emptyCounts();
    const key = byTown ? u.town : u.id;
    const row = rows.get(key) ?? { label: byTown ? u.town : u.name, counts: emptyCounts(), overdue: 0 };
    for (const k of COUNTERS) {
      row.counts[k] += c[k];
      total[k] += c[k];
    }
    row.overdue += overdue.perUnit.get(u.id) ?? 0;
    rows.set(key, row);
  }
  return {
    title,
    figures: figuresFrom(total, overdue.total),
    rows: [...rows.values()].filter((r) => r.counts.found > 0 || r.overdue > 0),
    rowLabel: byTown ? '镇街' : '单位',
    oldest,
    now,
  };
}
