import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { demoOrg } from '../support/app';
import { generateLedger } from '../support/generate-ledger';

/**
 * The export section of `npm run bench`: the 台账 workbook of the whole district (every issue of
 * the ledger, all time) made by the 'ledger' maker in a child process that does only that, timed
 * and with its peak RSS; then the file read back (streaming) to check it holds every issue.
 */
export const EXPORT_TARGET_MS = 5_000;
export const EXPORT_RSS_TARGET = 200 * 1024 * 1024;
const root = path.resolve(__dirname, '../..');
const run = promisify(execFile);

export interface ExportBenchOptions {
  redisUrl: string;
  prefix: string;
  now: string;
  issues: number;
  /** Write the ledger first (when the /status section has not left one in this redis-server). */
  generate: boolean;
  dir: string;
  print(line?: string): void;
}

export interface ExportBenchResult {
  ms: number;
  /** CPU time of the child (all its threads, zlib's included) while exporting. */
  cpuMs: number;
  peakRss: number;
  baselineRss: number;
  bytes: number;
  rows: number;
  readBackMs: number;
  pass: boolean;
}

interface ChildReport {
  ms: number;
  cpuMs: number;
  peakRss: number;
  baselineRss: number;
  bytes: number;
  name: string;
  caption: string;
  /** Each further sheet of /导出's workbook made alone, and that whole workbook. */
  sheets: { name: string; ms: number; cpuMs: number; rows: number; inPass: boolean }[];
  fullMs: number;
  fullCpuMs: number;
}

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export async function benchExport(o: ExportBenchOptions): Promise<ExportBenchResult> {
  if (o.generate) {
    const redis = new Redis({ ...redisOptions(o.redisUrl), maxRetriesPerRequest: 1 });
    try {
      const org = demoOrg();
      const closed = Math.round(o.issues * 0.8);
      o.print(`generating ${o.issues} issues (${closed} closed) over all ${org.units.length} units, 365 days, through LedgerStore.commit …`);
      const t = performance.now();
      await generateLedger(new LedgerStore(redis, createKeys(o.prefix)), org, { found: o.issues, closed, units: org.units, days: 365, now: Date.parse(o.now) });
      o.print(`generated in ${((performance.now() - t) / 1000).toFixed(1)} s`);
    } finally {
      await redis.quit().catch(() => redis.disconnect());
    }
  }
  const out = path.join(o.dir, 'bench-ledger.xlsx');
  // Compiled first and run by plain node, as the files worker runs: a TypeScript loader in the
  // child would add some 45 MB of its own to the RSS measured.
  const built = path.join(root, 'dist', 'bench');
  await run(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '--ignoreConfig', 'test/bench/export-child.ts', '--outDir', built, '--rootDir', '.', '--module', 'node20', '--target', 'ES2023', '--skipLibCheck', '--types', 'node'], {
    cwd: root,
  });
  o.print(`exporting 全区 累计 in a child process (node dist/bench/test/bench/export-child.js, compiled from test/bench/export-child.ts) …`);
  const { stdout } = await run(process.execPath, [path.join(built, 'test/bench/export-child.js')], {
    cwd: root,
    env: { ...process.env, BENCH_REDIS_URL: o.redisUrl, BENCH_PREFIX: o.prefix, BENCH_NOW: o.now, BENCH_OUT: out },
    maxBuffer: 1 << 20,
  });
  const report = JSON.parse(stdout.trim().split('\n').pop()!) as ChildReport;

  // Read back with exceljs's streaming reader: count the 台账's data rows, check the last one.
  const t = performance.now();
  let rows = 0;
  let lastSeq: unknown;
  const reader = new ExcelJS.stream.xlsx.WorkbookReader(out, { worksheets: 'emit', sharedStrings: 'cache', styles: 'ignore', hyperlinks: 'ignore' });
  for await (const sheet of reader) {
    for await (const row of sheet) {
      if (row.number >= 3) {
        rows++;
        lastSeq = row.getCell(1).value;
      }
    }
    break; // the 台账 is the first sheet
  }
  const readBackMs = performance.now() - t;
  const complete = rows === o.issues && lastSeq === o.issues && report.caption.includes(`共 ${o.issues} 条`);
  if (!complete) throw new Error(`the export holds ${rows} rows (last 序号 ${String(lastSeq)}), caption “${report.caption}”; wanted ${o.issues}`);
  o.print(`${report.name}: ${mb(report.bytes)} MB, ${rows} rows on 台账 (read back with the streaming reader in ${(readBackMs / 1000).toFixed(1)} s)`);
  o.print(`further sheets of /导出's workbook, each made alone: ${report.sheets.map((s) => (s.inPass ? `${s.name} (counted in the 台账's pass)` : `${s.name} ${(s.ms / 1000).toFixed(2)} s (CPU ${(s.cpuMs / 1000).toFixed(2)} s, ${s.rows} rows)`)).join(', ')}`);
  o.print(`the whole workbook as /导出 makes it (台账 and every sheet): ${(report.fullMs / 1000).toFixed(2)} s (CPU ${(report.fullCpuMs / 1000).toFixed(2)} s)`);
  const pass = report.ms < EXPORT_TARGET_MS && report.peakRss < EXPORT_RSS_TARGET;
  return { ms: report.ms, cpuMs: report.cpuMs, peakRss: report.peakRss, baselineRss: report.baselineRss, bytes: report.bytes, rows, readBackMs, pass };
}

export function exportLine(r: ExportBenchResult): string {
  return (
    `export of ${r.rows.toLocaleString('en-US')} issues: ${(r.ms / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s), peak RSS ${mb(r.peakRss)} MB ` +
    `(the child process at rest before the export: ${mb(r.baselineRss)} MB) — ${r.pass ? 'PASS' : 'FAIL'} (goal: under ${EXPORT_TARGET_MS / 1000} s and under ${mb(EXPORT_RSS_TARGET)} MB)`
  );
}
