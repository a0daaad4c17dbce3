import { Redis } from 'ioredis';
import { benchApp } from './bench-app';
import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { CallbackClient } from '../../src/wecom/callback-client';
import { BOT_NAME, demoOrg, TEST_AES_KEY, TEST_TOKEN } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { memoryBreakdown, NOW, stats, type Stats } from './status';

/**
 * `BENCH_ONLY=size` (issue 15 §5): does a command's cost grow with the ledger? One ledger in one
 * redis-server grown through the real commit script (generateLedger: 80 % closed, the demo
 * organisation's 40 units, 365 days, most open ones overdue) to each size in turn, and at each size
 * four commands timed end to end over the encrypted protocol against the real app, one request at
 * a time: a team leader's /status and /清单 逾期 in CHAT_T1, /查看 of random issues over the whole
 * ledger that the leader may see, and /上报 of new issues by a team member. Growing one ledger, not
 * writing one per size, keeps the section near the cost of the largest ledger alone.
 */
export const SIZE_DEFAULT = [10_000, 100_000, 1_000_000];
/** "flat": p99 at the largest size at most this factor (plus the slack) of p99 at the smallest. */
const FLAT_FACTOR = 1.5;
const FLAT_SLACK_MS = 2;
const PREFIX = 'duban:';
const CHAT = 'CHAT_T1';
const REPORTER = 'u_t1_m2'; // 第一工作队 队员
const UNIT_NAME = '斑竹村'; // a unit of 第一工作队

export interface SizeBenchOptions {
  redisUrl: string;
  sizes: readonly number[];
  requests: number;
  warmup: number;
  print(line?: string): void;
}

export interface SizeRow {
  size: number;
  /** Per command label, in COMMANDS order. */
  stats: Map<string, Stats>;
  generationMs: number;
}

export interface SizeBenchResult {
  rows: SizeRow[];
  /** The table, the verdicts and the memory line, ready to print. */
  lines: string[];
  grows: string[];
}

const COMMANDS = ['/status', '/清单 逾期', '/查看', '/上报'] as const;
type Command = (typeof COMMANDS)[number];

export function parseSizes(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return SIZE_DEFAULT;
  const sizes = raw.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n < 100) || sizes.some((n, i) => i > 0 && n <= sizes[i - 1]!)) {
    throw new Error(`BENCH_SIZES must be ascending integers ≥ 100, comma-separated (got "${raw}")`);
  }
  return sizes;
}

export async function benchSize(o: SizeBenchOptions): Promise<SizeBenchResult> {
  const org = demoOrg();
  const now = Date.parse(NOW);
  const keys = createKeys(PREFIX);
  const redis = new Redis({ ...redisOptions(o.redisUrl), maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // a failing command rejects on its own; Ctrl-C must not add a stack trace
  const store = new LedgerStore(redis, keys);
  const team = org.team('t1')!;
  const leader = team.leader;
  const rows: SizeRow[] = [];
  const clock = fixedClock(NOW);
  const app = benchApp({ redisUrl: o.redisUrl, prefix: PREFIX, org, clock });
  const port = await app.start();
  try {
    const client = new CallbackClient(`http://127.0.0.1:${port}`, TEST_TOKEN, TEST_AES_KEY, clock);
    const say = (userId: string, text: string) => client.say({ userId, chatId: CHAT, text: `@${BOT_NAME} ${text}` });
    let reported = 0;
    // Each command: what to send for request i, and what its reply must hold, so that a refusal
    // or an error reply is never timed as a success.
    const request = (cmd: Command, ids: number[], size: number, i: number): { userId: string; text: string; expect: (r: string) => boolean } => {
      switch (cmd) {
        case '/status':
          return { userId: leader, text: '/status', expect: (r) => r.includes(`**${team.name} · 累计**`) };
        case '/清单 逾期':
          return { userId: leader, text: '/清单 逾期', expect: (r) => r.startsWith(`**${team.name} · 逾期（最久的在前）**`) && r.includes('🔴') };
        case '/查看': {
          const id = ids[i % ids.length]!;
          return { userId: leader, text: `/查看 #${id}`, expect: (r) => r.includes(`#${id}`) && !r.startsWith('无权限') && !r.startsWith('⚠️') };
        }
        case '/上报':
          reported++;
          return { userId: REPORTER, text: `/上报 ${UNIT_NAME} 规模测试问题${size}-${reported}：路灯损坏`, expect: (r) => r.includes('已登记') };
      }
    };
    const run = async (cmd: Command, ids: number[], size: number, i: number): Promise<number> => {
      const q = request(cmd, ids, size, i);
      const t = performance.now();
      const reply = await say(q.userId, q.text);
      const ms = performance.now() - t;
      if (!q.expect(reply)) throw new Error(`${q.text} as ${q.userId} on ${size} issues: unexpected reply:\n${reply}`);
      return ms;
    };

    const memBefore = await usedMemory(redis);
    let generated = 0;
    let memAtLargest = 0;
    let issuesAtLargest = 0;
    for (const [n, size] of o.sizes.entries()) {
      const closed = Math.round((size - generated) * 0.8);
      o.print(`growing the ledger ${generated.toLocaleString('en-US')} → ${size.toLocaleString('en-US')} issues (${closed.toLocaleString('en-US')} of the new closed) through LedgerStore.commit …`);
      const t0 = performance.now();
      await generateLedger(store, org, { from: generated, found: size, closed, units: org.units, days: 365, now });
      const generationMs = performance.now() - t0;
      const commits = size - generated + 2 * closed;
      generated = size;
      const total = Number(await redis.get(keys.issueSeq)); // the generated ones and the /上报 of smaller sizes
      const mem = await usedMemory(redis);
      o.print(`  in ${(generationMs / 1000).toFixed(1)} s (${Math.round(commits / (generationMs / 1000))} commits/s); ${total.toLocaleString('en-US')} issues, used_memory ${mb(mem)} MB (${Math.round((mem - memBefore) / total)} B per issue)`);
      if (n === o.sizes.length - 1) [memAtLargest, issuesAtLargest] = [mem, total];

      // /查看: random issues over the whole ledger, each of one of the team's units.
      const picks = await Promise.all(team.coveredUnitIds.map((u) => redis.zrandmember(keys.byUnit(u), Math.ceil((o.warmup + o.requests) / team.coveredUnitIds.length) + 1)));
      const ids = shuffle(picks.flat().map(Number));

      // The first size also warms the process up (JIT, connections), so it is not the slowest for that.
      const warm = n === 0 ? Math.max(o.warmup, 250) : o.warmup;
      const row: SizeRow = { size, stats: new Map(), generationMs };
      // The commands take turns, so a busy moment of a shared machine falls on all of them alike.
      for (let i = 0; i < warm; i++) for (const cmd of COMMANDS) await run(cmd, ids, size, i);
      const samples = new Map<Command, number[]>(COMMANDS.map((c) => [c, []]));
      for (let i = 0; i < o.requests; i++) for (const cmd of COMMANDS) samples.get(cmd)!.push(await run(cmd, ids, size, warm + i));
      for (const cmd of COMMANDS) row.stats.set(cmd, stats(samples.get(cmd)!));
      rows.push(row);
      o.print(`  ${COMMANDS.map((c) => `${c} ${fmtPair(row.stats.get(c)!)}`).join(' · ')} ms (p50/p99)`);
    }

    const lines = table(rows);
    const grows: string[] = [];
    if (rows.length > 1) {
      const first = rows[0]!;
      const last = rows[rows.length - 1]!;
      for (const cmd of COMMANDS) {
        const a = first.stats.get(cmd)!.p99;
        const b = last.stats.get(cmd)!.p99;
        const flat = b <= FLAT_FACTOR * a + FLAT_SLACK_MS;
        if (!flat) grows.push(cmd);
        const p50 = `p50 ×${(last.stats.get(cmd)!.p50 / first.stats.get(cmd)!.p50).toFixed(2)}`;
        lines.push(`${cmd}: p99 ${a.toFixed(1)} → ${b.toFixed(1)} ms from ${first.size.toLocaleString('en-US')} to ${last.size.toLocaleString('en-US')} issues (×${(b / a).toFixed(2)}, ${p50}): ${flat ? 'flat' : `GROWS ×${(b / a).toFixed(2)}`}`);
      }
      lines.push(`verdict: "flat" when p99 at the largest size ≤ ${FLAT_FACTOR}× (+${FLAT_SLACK_MS} ms) its p99 at the smallest`);
    }

    // Measured before the largest size's requests: the issues generated and the /上报 of the smaller sizes.
    const perIssue = (memAtLargest - memBefore) / issuesAtLargest;
    lines.push(`Redis memory at ${o.sizes[o.sizes.length - 1]!.toLocaleString('en-US')} generated issues: used_memory ${mb(memBefore)} → ${mb(memAtLargest)} MB = ${Math.round(perIssue)} B per issue (${issuesAtLargest.toLocaleString('en-US')} issues, with the /上报 of the smaller sizes)`);
    lines.push(`  per issue (MEMORY USAGE of 200 sampled issues): ${await memoryBreakdown(redis, keys, issuesAtLargest, perIssue)}`);
    return { rows, lines, grows };
  } finally {
    await app.stop();
    await redis.quit().catch(() => redis.disconnect());
  }
}

function table(rows: SizeRow[]): string[] {
  const head = ['size'.padEnd(11), ...COMMANDS.map((c) => `${c} p50/p99`)];
  const widths = head.map((h) => displayWidth(h));
  const cells = rows.map((r) => [r.size.toLocaleString('en-US').replace(/,/g, ' ').padEnd(11), ...COMMANDS.map((c) => fmtPair(r.stats.get(c)!))]);
  for (const c of cells) c.forEach((s, i) => (widths[i] = Math.max(widths[i]!, displayWidth(s))));
  const line = (cols: string[]) => cols.map((s, i) => (i === 0 ? s : ' '.repeat(widths[i]! - displayWidth(s)) + s)).join('   ');
  return [line(head), ...cells.map(line), '(ms, end to end: encrypted callback → app → Redis → encrypted reply, one request at a time)'];
}

const fmtPair = (s: Stats) => `${s.p50.toFixed(1)}/${s.p99.toFixed(1)}`;

/** CJK characters take two columns in a terminal. */
function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch) ? 2 : 1;
  return w;
}

/** Interleaves the units' picks (ZRANDMEMBER gives each unit's in a block). */
function shuffle<T>(xs: T[]): T[] {
  let seed = 7919;
  for (let i = xs.length - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const j = seed % (i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

async function usedMemory(redis: Redis): Promise<number> {
  const m = /^used_memory:(\d+)/m.exec(await redis.info('memory'));
  return Number(m?.[1]);
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
