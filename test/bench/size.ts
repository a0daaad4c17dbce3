import os from 'node:os';
import { Redis } from 'ioredis';
import type { App } from '../../src/app';
import { benchApp } from './bench-app';
import { fixedClock } from '../../src/clock';
import { createKeys, type Keys } from '../../src/store/keys';
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
const CONTROL_PREFIX = 'ctl:';
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
  /** Per command, of the grown ledger. */
  stats: Map<Command, Stats>;
  /** Per command, of the small control ledger, measured in turns with the grown one. */
  control: Map<Command, Stats>;
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
/**
 * A control: a ledger of this many issues under its own prefix, in the same redis-server, served by
 * a second app in the same process, its requests taking turns with the grown ledger's. A shared
 * machine's load (and the process's own state) slows both alike; only what the grown ledger's
 * size costs slows one. It grows only by its own /上报 (a few hundred).
 */
const CONTROL_ISSUES = 1_000;

export function parseSizes(raw: string | undefined): number[] {
  if (raw === undefined || raw.trim() === '') return SIZE_DEFAULT;
  const sizes = raw.split(',').map((s) => Number(s.trim().replace(/_/g, '')));
  if (!sizes.length || sizes.some((n) => !Number.isInteger(n) || n < 100) || sizes.some((n, i) => i > 0 && n <= sizes[i - 1]!)) {
    throw new Error(`BENCH_SIZES must be ascending integers ≥ 100, comma-separated (got "${raw}")`);
  }
  return sizes;
}

/** One ledger under its prefix and the app that serves it. */
interface Target {
  keys: Keys;
  store: LedgerStore;
  client: CallbackClient;
  app: App;
  reported: number;
}

export async function benchSize(o: SizeBenchOptions): Promise<SizeBenchResult> {
  const org = demoOrg();
  const now = Date.parse(NOW);
  const redis = new Redis({ ...redisOptions(o.redisUrl), maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // a failing command rejects on its own; Ctrl-C must not add a stack trace
  const team = org.team('t1')!;
  const leader = team.leader;
  const rows: SizeRow[] = [];
  const clock = fixedClock(NOW);
  const targets: Target[] = [];
  const target = async (prefix: string): Promise<Target> => {
    const keys = createKeys(prefix);
    const app = benchApp({ redisUrl: o.redisUrl, prefix, org, clock });
    const port = await app.start();
    const t: Target = { keys, store: new LedgerStore(redis, keys), app, client: new CallbackClient(`http://127.0.0.1:${port}`, TEST_TOKEN, TEST_AES_KEY, clock), reported: 0 };
    targets.push(t);
    return t;
  };
  try {
    const grown = await target(PREFIX);
    const control = await target(CONTROL_PREFIX);
    // Each command: what to send for request i, and what its reply must hold, so that a refusal
    // or an error reply is never timed as a success.
    const request = (t: Target, cmd: Command, ids: number[], i: number): { userId: string; text: string; expect: (r: string) => boolean } => {
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
          t.reported++;
          return { userId: REPORTER, text: `/上报 ${UNIT_NAME} 规模测试问题${t.reported}：路灯损坏`, expect: (r) => r.includes('已登记') };
      }
    };
    const run = async (t: Target, cmd: Command, ids: number[], i: number): Promise<number> => {
      const q = request(t, cmd, ids, i);
      const started = performance.now();
      const reply = await t.client.say({ userId: q.userId, chatId: CHAT, text: `@${BOT_NAME} ${q.text}` });
      const ms = performance.now() - started;
      if (!q.expect(reply)) throw new Error(`${q.text} as ${q.userId} (${t === control ? 'control ledger' : 'grown ledger'}): unexpected reply:\n${reply}`);
      return ms;
    };
    // /查看: random issues over the whole ledger, each of one of the team's units.
    const viewIds = async (t: Target) => {
      const per = Math.ceil((o.warmup + o.requests) / team.coveredUnitIds.length) + 1;
      const picks = await Promise.all(team.coveredUnitIds.map((u) => redis.zrandmember(t.keys.byUnit(u), per)));
      return shuffle(picks.flat().map(Number));
    };

    await generateLedger(control.store, org, { found: CONTROL_ISSUES, closed: Math.round(CONTROL_ISSUES * 0.8), units: org.units, days: 365, now });
    const memBefore = await usedMemory(redis);
    let generated = 0;
    let memAtLargest = 0;
    let issuesAtLargest = 0;
    for (const [n, size] of o.sizes.entries()) {
      const closed = Math.round((size - generated) * 0.8);
      o.print(`growing the ledger ${generated.toLocaleString('en-US')} → ${size.toLocaleString('en-US')} issues (${closed.toLocaleString('en-US')} of the new closed) through LedgerStore.commit …`);
      const t0 = performance.now();
      await generateLedger(grown.store, org, { from: generated, found: size, closed, units: org.units, days: 365, now });
      const generationMs = performance.now() - t0;
      const commits = size - generated + 2 * closed;
      generated = size;
      const total = Number(await redis.get(grown.keys.issueSeq)); // the generated ones and the /上报 of smaller sizes
      const mem = await usedMemory(redis);
      o.print(`  in ${(generationMs / 1000).toFixed(1)} s (${Math.round(commits / (generationMs / 1000))} commits/s); ${total.toLocaleString('en-US')} issues, used_memory ${mb(mem)} MB (${Math.round((mem - memBefore) / total)} B per issue); ${load()}`);
      if (n === o.sizes.length - 1) [memAtLargest, issuesAtLargest] = [mem, total];

      const ids = new Map([grown, control].map((t) => [t, [] as number[]]));
      for (const t of [grown, control]) ids.set(t, await viewIds(t));
      // The first size also warms the process up (JIT, connections), so it is not the slowest for that.
      const warm = n === 0 ? Math.max(o.warmup, 250) : o.warmup;
      // The commands and the two ledgers take turns, so a busy moment of a shared machine falls on all alike.
      const samples = new Map([grown, control].map((t) => [t, new Map<Command, number[]>(COMMANDS.map((c) => [c, []]))]));
      for (let i = 0; i < warm + o.requests; i++) {
        for (const cmd of COMMANDS) {
          for (const t of [grown, control]) {
            const ms = await run(t, cmd, ids.get(t)!, i);
            if (i >= warm) samples.get(t)!.get(cmd)!.push(ms);
          }
        }
      }
      const statsOf = (t: Target) => new Map(COMMANDS.map((c) => [c, stats(samples.get(t)!.get(c)!)]));
      const row: SizeRow = { size, stats: statsOf(grown), control: statsOf(control), generationMs };
      rows.push(row);
      o.print(`  ${COMMANDS.map((c) => `${c} ${fmtPair(row.stats.get(c)!)}`).join(' · ')} ms (p50/p99); control ${COMMANDS.map((c) => fmtPair(row.control.get(c)!)).join(' · ')}`);
    }

    const lines = table(rows);
    const grows: string[] = [];
    if (rows.length > 1) {
      const first = rows[0]!;
      const last = rows[rows.length - 1]!;
      const x = (a: number, b: number) => `×${(b / a).toFixed(2)}`;
      for (const cmd of COMMANDS) {
        const a = first.stats.get(cmd)!;
        const b = last.stats.get(cmd)!;
        const ca = first.control.get(cmd)!;
        const cb = last.control.get(cmd)!;
        const within = (p99: number) => p99 <= FLAT_FACTOR * a.p99 + FLAT_SLACK_MS;
        // The control is the same small ledger throughout: what it gained, the machine did.
        const drift = Math.max(1, cb.p99 / ca.p99);
        const flatAlone = within(b.p99);
        const flat = flatAlone || within(b.p99 / drift);
        if (!flat) grows.push(cmd);
        lines.push(
          `${cmd}: p99 ${a.p99.toFixed(1)} → ${b.p99.toFixed(1)} ms from ${first.size.toLocaleString('en-US')} to ${last.size.toLocaleString('en-US')} issues (${x(a.p99, b.p99)}, p50 ${x(a.p50, b.p50)}; ` +
            `the ${CONTROL_ISSUES.toLocaleString('en-US')}-issue control meanwhile p99 ${x(ca.p99, cb.p99)}, p50 ${x(ca.p50, cb.p50)}): ${flatAlone ? 'flat' : flat ? `flat against the control (×${(b.p99 / a.p99 / drift).toFixed(2)} once the control's ${x(ca.p99, cb.p99)} is taken out)` : `GROWS ${x(a.p99, b.p99)}`}`,
        );
      }
      lines.push(`verdict: "flat" when p99 at the largest size ≤ ${FLAT_FACTOR}× (+${FLAT_SLACK_MS} ms) its p99 at the smallest, either as measured or divided by what the control's p99 grew meanwhile (the same 1,000-issue ledger throughout: its growth is the machine's, not the ledger's)`);
    }

    // Measured before the largest size's requests: the issues generated and the /上报 of the smaller sizes.
    const perIssue = (memAtLargest - memBefore) / issuesAtLargest;
    lines.push(`Redis memory at ${o.sizes[o.sizes.length - 1]!.toLocaleString('en-US')} generated issues: used_memory ${mb(memBefore)} → ${mb(memAtLargest)} MB = ${Math.round(perIssue)} B per issue (${issuesAtLargest.toLocaleString('en-US')} issues, with the /上报 of the smaller sizes)`);
    lines.push(`  per issue (MEMORY USAGE of 200 sampled issues): ${await memoryBreakdown(redis, grown.keys, issuesAtLargest, perIssue)}`);
    return { rows, lines, grows };
  } finally {
    for (const t of targets) await t.app.stop();
    await redis.quit().catch(() => redis.disconnect());
  }
}

function table(rows: SizeRow[]): string[] {
  const head = ['size', ...COMMANDS.map((c) => `${c} p50/p99`)];
  const cells = rows.flatMap((r) => [
    [r.size.toLocaleString('en-US').replace(/,/g, ' '), ...COMMANDS.map((c) => fmtPair(r.stats.get(c)!))],
    [`  control ${(CONTROL_ISSUES / 1000).toFixed(0)} k`, ...COMMANDS.map((c) => fmtPair(r.control.get(c)!))],
  ]);
  const widths = head.map((h) => displayWidth(h));
  for (const c of cells) c.forEach((s, i) => (widths[i] = Math.max(widths[i]!, displayWidth(s))));
  const line = (cols: string[]) => cols.map((s, i) => (i === 0 ? s + ' '.repeat(widths[0]! - displayWidth(s)) : ' '.repeat(widths[i]! - displayWidth(s)) + s)).join('   ');
  return [
    line(head),
    ...cells.map(line),
    `(ms, end to end: encrypted callback → app → Redis → encrypted reply, one request at a time; "control": the ${CONTROL_ISSUES.toLocaleString('en-US')}-issue ledger, measured in turns with the grown one)`,
  ];
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

const load = () => `load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`;
