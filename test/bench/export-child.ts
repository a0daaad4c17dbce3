import { readFileSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Redis } from 'ioredis';
import type { FileRequest, MakerDeps } from '../../jobs/files/file-request';
import { ledgerMaker } from '../../jobs/files/ledger-maker';
import { ledgerSheets, makers } from '../../jobs/files/makers';
import { fixedClock } from '../../src/clock';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { createLogger } from '../../src/log/logger';
import { ALL_TIME } from '../../src/parsing/period';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';

/**
 * One 台账 export and nothing else, in its own process, so that its peak RSS is the export's
 * (plus this process's start-up, reported apart as `baselineRss`) and not the ledger generator's.
 * Prints one JSON line. Env: BENCH_REDIS_URL, BENCH_PREFIX, BENCH_NOW, BENCH_OUT.
 */
function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

/** The high-water mark of resident memory (VmHWM), in bytes. */
function peakRss(): number {
  const kb = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1];
  return kb ? Number(kb) * 1024 : process.resourceUsage().maxRSS * 1024;
}

async function main(): Promise<void> {
  const org = parseOrg(readFileSync(demoOrgFile(), 'utf8'), {});
  const redis = new Redis({ ...redisOptions(env('BENCH_REDIS_URL')), maxRetriesPerRequest: 1 });
  const keys = createKeys(env('BENCH_PREFIX'));
  const now = Date.parse(env('BENCH_NOW'));
  const out = env('BENCH_OUT');
  try {
    await redis.ping();
    const baselineRss = peakRss();
    const started = performance.now();
    const cpu = process.cpuUsage();
    const req: FileRequest = {
      id: 'bench-export',
      kind: 'ledger',
      requester: 'u_admin',
      chatId: 'CHAT_ADMIN',
      scope: { label: `全区（${org.district}）`, unitIds: org.units.map((u) => u.id) },
      period: { label: ALL_TIME.label },
      createdAt: now,
      expiresAt: now + 86_400_000,
      extra: {},
    };
    const deps: MakerDeps = { redis, keys, ledger: new LedgerStore(redis, keys), org: () => org, clock: fixedClock(new Date(now)), logger: createLogger('silent') };
    const made = await ledgerMaker(req, out, deps);
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const peak = peakRss();
    // Then the further sheets /导出 adds (考核, 实绩档案, 检查项目 …), each alone with its rows
    // drained, and the whole workbook as /导出 makes it: what each costs on top of the 台账.
    // A sheet counted in the 台账's own pass (it registers an observer) costs nothing alone: its
    // share is in the whole workbook's time.
    const sheets: { name: string; ms: number; cpuMs: number; rows: number; inPass: boolean }[] = [];
    const cpuSince = (from: NodeJS.CpuUsage) => {
      const u = process.cpuUsage(from);
      return (u.user + u.system) / 1000;
    };
    for (const provider of ledgerSheets) {
      let inPass = false;
      const c = process.cpuUsage();
      const t = performance.now();
      const sheet = await provider(req, deps, { observe: () => (inPass = true) });
      let rows = 0;
      if (sheet) for await (const _ of sheet.rows) rows++;
      sheets.push({ name: sheet?.name ?? '(none)', ms: performance.now() - t, cpuMs: cpuSince(c), rows, inPass });
    }
    const c = process.cpuUsage();
    const t = performance.now();
    await makers.ledger!(req, `${out}.full.xlsx`, deps);
    const fullMs = performance.now() - t;
    const fullCpuMs = cpuSince(c);
    console.log(JSON.stringify({ ms, cpuMs: (used.user + used.system) / 1000, peakRss: peak, baselineRss, bytes: (await stat(out)).size, name: made.name, caption: made.caption ?? '', sheets, fullMs, fullCpuMs }));
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

main().catch((err: unknown) => {
  console.error('export child failed:', err);
  process.exit(1);
});
