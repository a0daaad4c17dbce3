import { Redis } from 'ioredis';
import { benchApp } from './bench-app';
import { fixedClock } from '../../src/clock';
import { actorFor } from '../../src/domain/actor';
import { apply, isRefusal } from '../../src/domain/lifecycle';
import { districtScope } from '../../src/domain/visibility';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { computeScoreBoard } from '../../src/store/score-board';
import { ScoreCache } from '../../src/store/score-cache';
import { CallbackClient } from '../../src/wecom/callback-client';
import { BOT_NAME, demoOrg, TEST_AES_KEY, TEST_TOKEN } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { NOW, stats, type LatencyRow } from './status';

/**
 * The /考核 section of `npm run bench`: `/考核 全区` end to end over the encrypted protocol on a
 * ledger of `issues` issues — once on an empty score cache (the first read after a deployment or
 * a grace change: every unit-month is computed from its issues), then warm (nothing changed), and
 * "after a change": one issue changed through the store before each request (a /催办, a new
 * ledger version), so that unit's month is stale and recomputed from its issues in the request.
 */
export const SCORE_TARGET_MS = 100;
const PREFIX = 'duban:';

export interface ScoreBenchOptions {
  redisUrl: string;
  issues: number;
  requests: number;
  warmup: number;
  print(line?: string): void;
}

export interface ScoreBenchResult {
  firstBuildMs: number;
  rows: LatencyRow[];
}

export async function benchScore(o: ScoreBenchOptions): Promise<ScoreBenchResult> {
  const org = demoOrg();
  const now = Date.parse(NOW);
  const keys = createKeys(PREFIX);
  const redis = new Redis({ ...redisOptions(o.redisUrl), maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const store = new LedgerStore(redis, keys);
  const rows: LatencyRow[] = [];
  try {
    const closed = Math.round(o.issues * 0.8);
    o.print(`generating ${o.issues} issues (${closed} closed) over all ${org.units.length} units, 365 days, through LedgerStore.commit …`);
    const started = performance.now();
    await generateLedger(store, org, { found: o.issues, closed, units: org.units, days: 365, now });
    o.print(`generated in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    // The open issues, to change one before each "after a change" request (a /催办 each).
    const open = (await redis.zrange(keys.byState('assigned'), '0', '-1')).map(Number);

    const clock = fixedClock(NOW);
    const app = benchApp({ redisUrl: o.redisUrl, prefix: PREFIX, org, clock });
    const port = await app.start();
    try {
      const client = new CallbackClient(`http://127.0.0.1:${port}`, TEST_TOKEN, TEST_AES_KEY, clock);
      const say = () => client.say({ userId: 'u_admin', chatId: 'CHAT_ADMIN', text: `@${BOT_NAME} /考核 全区` });
      const check = (reply: string) => {
        if (!reply.startsWith('**百分量化考核 · 工作队排名 · 全区')) throw new Error(`/考核 全区: unexpected reply:\n${reply}`);
        return reply;
      };

      o.print('measuring /考核 全区 end to end (RUN_WORKERS=false, LOG_LEVEL info to a null sink) …');
      const t0 = performance.now();
      const first = check(await say());
      const firstBuildMs = performance.now() - t0;
      o.print(`first /考核 全区 on an empty score cache: ${(firstBuildMs / 1000).toFixed(1)} s (every unit-month computed from its issues, once)`);
      o.print(first.split('\n').slice(3, 11).map((l) => `  ${l}`).join('\n'));

      for (let i = 0; i < o.warmup; i++) check(await say());
      const warm: number[] = [];
      for (let i = 0; i < o.requests; i++) {
        const t = performance.now();
        check(await say());
        warm.push(performance.now() - t);
      }
      rows.push({ label: 'e2e 组织部 /考核 全区, warm (nothing changed)', stats: stats(warm), target: SCORE_TARGET_MS });

      const changed: number[] = [];
      for (let i = 0; i < o.requests; i++) {
        const id = open[(i * 7919) % open.length]!;
        const before = await store.get(id);
        if (!before) throw new Error(`issue #${id} is gone`);
        const out = apply(before, { type: 'remind' }, actorFor(org, 'u_admin', before.unitId), now);
        if (isRefusal(out) || !(await store.commit(before, out, 'u_admin', now))) throw new Error(`could not change #${id}`);
        const t = performance.now();
        check(await say());
        changed.push(performance.now() - t);
      }
      rows.push({ label: 'e2e 组织部 /考核 全区, after a change (one unit-month stale)', stats: stats(changed), target: SCORE_TARGET_MS });

      // In process: the board alone (cache reads and evaluation), warm and with details.
      const cache = new ScoreCache(redis, keys);
      const scope = districtScope(org);
      const query = { scope: { label: scope.label, unitIds: scope.units.map((u) => u.id) }, period: { label: '累计' } };
      const deps = { redis, keys, org, clock };
      const t3 = org.team('t3')!;
      for (const [label, q] of [
        ['  computeScoreBoard 全区 (ranking)', query],
        [`  computeScoreBoard ${t3.name} with details (/考核 ${t3.name})`, { scope: { label: t3.name, unitIds: t3.coveredUnitIds }, period: query.period, details: true }],
      ] as const) {
        await computeScoreBoard(deps, q, cache);
        const samples: number[] = [];
        for (let i = 0; i < o.requests; i++) {
          const t = performance.now();
          await computeScoreBoard(deps, q, cache);
          samples.push(performance.now() - t);
        }
        rows.push({ label, stats: stats(samples) });
      }
      const usage = (key: (u: string) => string) => Promise.all(org.units.map((u) => redis.memory('USAGE', key(u.id), 'SAMPLES', 0)));
      const sum = (xs: unknown[]) => xs.reduce<number>((a, b) => a + Number(b ?? 0), 0);
      const [parts, ids, dirs] = await Promise.all([usage(keys.scorePart), usage(keys.scoreIds), usage(keys.scoreDir)]);
      const kib = (xs: unknown[]) => `${(sum(xs) / 1024).toFixed(0)} KiB`;
      o.print(`score cache in Redis: partials ${kib(parts)}, issues behind them ${kib(ids)}, id directories ${kib(dirs)} (${(sum([...parts, ...ids, ...dirs]) / o.issues).toFixed(0)} B per issue)`);
      return { firstBuildMs, rows };
    } finally {
      await app.stop();
    }
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}
