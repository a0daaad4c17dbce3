import v8 from 'node:v8';
import vm from 'node:vm';
import { Redis } from 'ioredis';
import { benchApp } from './bench-app';
import { fixedClock } from '../../src/clock';
import type { FiguresResponse, TableResponse } from '../../src/server/dashboard-contract';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { LedgerTable } from '../../src/store/ledger-table';
import { redisOptions } from '../../src/store/redis';
import { SessionStore } from '../../src/store/sessions';
import { demoOrg } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { NOW, stats, type LatencyRow } from './status';
import { benchPage } from './dashboard-page';
import { buildWeb } from '../../web/build';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * The dashboard section of `npm run bench`: the JSON API over HTTP against the real app on a
 * 100 000-issue ledger (written through the real store): the figures, a page of the 台账 table,
 * a text search, each timed end to end (fetch → koa → session → Redis → JSON), and the table
 * index's first build, timed and weighed in-process.
 */
export const FIGURES_TARGET_MS = 100;
export const TABLE_TARGET_MS = 200;
export const SEARCH_TARGET_MS = 1_000;
const PREFIX = 'duban:';
/** Page visits in chromium (each a new context, then a reload). */
const PAGE_RUNS = 20;

export interface DashboardBenchOptions {
  redisUrl: string;
  issues: number;
  /** Write the ledger first (when no other section left one in this redis-server). */
  generate: boolean;
  requests: number;
  warmup: number;
  print(line?: string): void;
}

export interface DashboardBenchResult {
  rows: LatencyRow[];
  build: { issues: number; ms: number; heapBytes: number; firstPageMs: number };
}

/** A full GC, for weighing the index (the bench runs without --expose-gc). */
function collector(): () => void {
  v8.setFlagsFromString('--expose-gc');
  return vm.runInNewContext('gc') as () => void;
}

export async function benchDashboard(o: DashboardBenchOptions): Promise<DashboardBenchResult> {
  const org = demoOrg();
  const now = Date.parse(NOW);
  const keys = createKeys(PREFIX);
  const redis = new Redis({ ...redisOptions(o.redisUrl), maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const rows: LatencyRow[] = [];
  try {
    if (o.generate) {
      const closed = Math.round(o.issues * 0.8);
      o.print(`generating ${o.issues} issues (${closed} closed) over all ${org.units.length} units, 365 days, through LedgerStore.commit …`);
      const t = performance.now();
      await generateLedger(new LedgerStore(redis, keys), org, { found: o.issues, closed, units: org.units, days: 365, now });
      o.print(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    }

    // --- the index alone: first build time and heap ------------------------------------------
    const gc = collector();
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    const alone = new LedgerTable(redis, keys, { unitIds: () => org.units.map((u) => u.id) });
    await alone.fresh();
    gc();
    const heapBytes = process.memoryUsage().heapUsed - heapBefore;
    const built = alone.built!;
    o.print(`table index built in-process: ${built.issues} issues in ${(built.ms / 1000).toFixed(2)} s, heap ${(heapBytes / 1024 / 1024).toFixed(1)} MB after a full GC (${Math.round(heapBytes / built.issues)} B/issue)`);
    if (alone.size !== o.issues) throw new Error(`the index holds ${alone.size} issues, wanted ${o.issues}`);

    // --- the app, end to end -----------------------------------------------------------------
    const clock = fixedClock(NOW);
    const webDir = mkdtempSync(path.join(os.tmpdir(), 'duban-bench-web-'));
    await buildWeb(webDir, { sourcemap: false });
    const app = benchApp({ redisUrl: o.redisUrl, prefix: PREFIX, org, clock, webDir });
    const port = await app.start();
    try {
      const sessions = new SessionStore(redis, keys);
      const cookieOf = async (userid: string) => `duban_session=${(await sessions.createSession(userid, now)).id}`;
      const admin = await cookieOf('u_admin');
      const leader = await cookieOf(org.team('t1')!.leader);
      const base = `http://127.0.0.1:${port}`;
      const get = async <T>(path: string, cookie: string): Promise<T> => {
        const res = await fetch(`${base}${path}`, { headers: { cookie } });
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
        return (await res.json()) as T;
      };
      const q = (p: Record<string, string>) => new URLSearchParams(p).toString();

      // The first table request builds the app's own index (the page's /api/me starts it earlier).
      const t0 = performance.now();
      const first = await get<TableResponse>('/api/issues', admin);
      const firstPageMs = performance.now() - t0;
      if (first.total !== o.issues) throw new Error(`the table says ${first.total} issues, wanted ${o.issues}`);
      o.print(`first GET /api/issues (builds the app's index): ${(firstPageMs / 1000).toFixed(2)} s`);

      const scenarios: { label: string; path: string; cookie: string; target: number; check(body: unknown): boolean }[] = [
        { label: 'figures 全区 累计', path: '/api/figures', cookie: admin, target: FIGURES_TARGET_MS, check: (b) => (b as FiguresResponse).figures.found === o.issues },
        { label: 'figures 全区 本年', path: `/api/figures?${q({ scope: '全区', period: '本年' })}`, cookie: admin, target: FIGURES_TARGET_MS, check: (b) => (b as FiguresResponse).figures.found > 0 },
        { label: 'figures 队长 本季度', path: `/api/figures?${q({ period: '本季度' })}`, cookie: leader, target: FIGURES_TARGET_MS, check: (b) => (b as FiguresResponse).figures.found > 0 },
        { label: 'table 全区 newest, page 1', path: '/api/issues', cookie: admin, target: TABLE_TARGET_MS, check: (b) => (b as TableResponse).rows.length === 20 },
        { label: 'table 全区 open by deadline, page 50', path: `/api/issues?${q({ state: 'open', sort: 'deadline', order: 'asc', page: '50' })}`, cookie: admin, target: TABLE_TARGET_MS, check: (b) => (b as TableResponse).rows.length === Math.min(20, Math.max(0, (b as TableResponse).total - 980)) },
        { label: 'table 全区 本年 overdue, oldest first', path: `/api/issues?${q({ period: '本年', overdue: '1', sort: 'age', order: 'asc' })}`, cookie: admin, target: TABLE_TARGET_MS, check: (b) => (b as TableResponse).total > 0 },
        { label: 'table 队长 rectified, 100 a page', path: `/api/issues?${q({ state: 'rectified', size: '100' })}`, cookie: leader, target: TABLE_TARGET_MS, check: (b) => (b as TableResponse).rows.length === 100 },
        { label: `search 全区 “问题 ${Math.floor(o.issues / 2)}”`, path: `/api/issues?${q({ q: `问题 ${Math.floor(o.issues / 2)}` })}`, cookie: admin, target: SEARCH_TARGET_MS, check: (b) => (b as TableResponse).total >= 1 },
        { label: 'search 全区 “村務公開” (Traditional), by deadline', path: `/api/issues?${q({ q: '村務公開', sort: 'deadline' })}`, cookie: admin, target: SEARCH_TARGET_MS, check: (b) => (b as TableResponse).total === o.issues },
        { label: 'search 全区 no match', path: `/api/issues?${q({ q: '没有这样的问题' })}`, cookie: admin, target: SEARCH_TARGET_MS, check: (b) => (b as TableResponse).total === 0 },
        { label: 'charts 全区 本年', path: `/api/charts?${q({ scope: '全区', period: '本年' })}`, cookie: admin, target: TABLE_TARGET_MS, check: () => true },
      ];
      o.print(`measuring against createApp on 127.0.0.1:${port} (RUN_WORKERS=false, LOG_LEVEL info to a null sink): ${o.warmup} warm-up + ${o.requests} sequential requests per scenario …`);
      for (const s of scenarios) {
        const body = await get<unknown>(s.path, s.cookie);
        if (!s.check(body)) throw new Error(`${s.label}: unexpected answer ${JSON.stringify(body).slice(0, 300)}`);
        for (let i = 1; i < o.warmup; i++) await get(s.path, s.cookie);
        const samples: number[] = [];
        for (let i = 0; i < o.requests; i++) {
          const t = performance.now();
          await get(s.path, s.cookie);
          samples.push(performance.now() - t);
        }
        rows.push({ label: s.label, stats: stats(samples), target: s.target });
      }
      o.print(`the page in chromium (1366×768), ${PAGE_RUNS} visits after a first one …`);
      const pageSession = (await sessions.createSession(org.team('t1')!.leader, now)).id;
      rows.push(...(await benchPage({ base, sessionId: pageSession, runs: PAGE_RUNS + 1 })));
      return { rows, build: { issues: built.issues, ms: built.ms, heapBytes, firstPageMs } };
    } finally {
      await app.stop();
      rmSync(webDir, { recursive: true, force: true });
    }
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
