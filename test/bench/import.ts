import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { ledgerMain } from '../../src/cli/ledger';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { generateSeedLedger, writeLedgerWorkbook } from '../support/ledger-workbook';

/**
 * The import section of `npm run bench` (issue 14): a 100 000-row 台账 in the seeds' layout
 * (1 row in 8 bad, cycling through the four kinds the CLI must name) is written first, outside the
 * timing; then `npm run ledger -- import` is timed in-process, as a dry run and with --apply,
 * against the section's own redis-server, clock fixed at NOW (so the open rows with a deadline
 * ahead get their reminder queued).
 */
export const IMPORT_TARGET_MS = 60_000;
const NOW = Date.parse('2026-06-10T10:00:00+08:00');

export interface ImportBenchResult {
  rows: number;
  dryMs: number;
  applyMs: number;
  created: string;
  ok: boolean;
  lines: string[];
}

export async function benchImport(o: { redisUrl: string; rows: number; print(line?: string): void }): Promise<ImportBenchResult> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-bench-import-'));
  try {
    const org = parseOrg(readFileSync(demoOrgFile(), 'utf8'), {});
    const file = path.join(dir, '台账.xlsx');
    const t0 = performance.now();
    await writeLedgerWorkbook(file, generateSeedLedger(org, o.rows, 8).rows);
    const size = (await stat(file)).size;
    o.print(`generated ${o.rows.toLocaleString('en-US')} rows (${(size / 2 ** 20).toFixed(1)} MB .xlsx, a title row, 1 row in 8 bad) in ${((performance.now() - t0) / 1000).toFixed(1)} s, untimed`);
    const env = { REDIS_URL: o.redisUrl, REDIS_KEY_PREFIX: 'duban:', LOG_LEVEL: 'silent', ORG_FILE: demoOrgFile() };
    const timed = async (argv: string[]) => {
      let out = '';
      const stdout = new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) });
      const stderr = Object.assign(new Writable({ write: (_c, _e, done) => done() }), { isTTY: false }) as unknown as NodeJS.WriteStream;
      const saved = { ...process.env };
      Object.assign(process.env, env);
      const started = performance.now();
      try {
        const code = await ledgerMain(argv, { stdout, stderr, now: () => NOW });
        return { code, out, ms: performance.now() - started, rss: process.memoryUsage().rss };
      } finally {
        process.env = saved;
      }
    };
    const dry = await timed(['import', file]);
    const apply = await timed(['import', file, '--apply']);
    const again = await timed(['import', file, '--apply']);
    const created = /^(\d+ 条新建，\d+ 条已导入过；排入提醒和回头看 \d+ 个)$/m.exec(apply.out)?.[1] ?? '(no result line)';
    const twice = /^(\d+ 条新建，\d+ 条已导入过)/m.exec(again.out)?.[1] ?? '(no result line)';
    const rate = (ms: number) => Math.round(o.rows / (ms / 1000)).toLocaleString('en-US');
    const lines = [
      `dry run  ${(dry.ms / 1000).toFixed(1).padStart(6)} s  ${rate(dry.ms).padStart(7)} rows/s  (read, place every row, check fingerprints)`,
      `--apply  ${(apply.ms / 1000).toFixed(1).padStart(6)} s  ${rate(apply.ms).padStart(7)} rows/s  ${apply.ms < IMPORT_TARGET_MS ? 'PASS' : 'MISS'} (< ${IMPORT_TARGET_MS / 1000} s): ${created}`,
      `again    ${(again.ms / 1000).toFixed(1).padStart(6)} s  ${rate(again.ms).padStart(7)} rows/s  ${twice}; peak RSS of the bench process (generator included) ${Math.round(Math.max(dry.rss, apply.rss, again.rss) / 2 ** 20)} MB`,
    ];
    const ok = dry.code === 1 && apply.code === 1 && /^0 条新建/.test(twice);
    return { rows: o.rows, dryMs: dry.ms, applyMs: apply.ms, created, ok, lines };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
