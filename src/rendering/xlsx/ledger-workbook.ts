import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { stream } from 'exceljs';
import type { Issue } from '../../domain/issue';
import type { Org, Unit } from '../../domain/org';
import type { ScopeReport } from '../../domain/report';
import { wallTime } from '../../domain/time';
import type { LedgerRecord } from '../../store/ledger-scan';
import { writeLedgerSheet } from './ledger-sheet';
import { SheetStyles } from './sheet-layout';
import { summarySheet, TOTAL_GROUP } from './summary-sheet';
import type { TableSheet } from './table-sheet';
import { writeTableSheet } from './table-sheet-writer';

/**
 * The 台账 workbook: the 台账 sheet (one row per issue, streamed), the 汇总 sheet (the read
 * model's figures) and any further sheets other modules describe (考核, 典型经验, 走访记录).
 * Written with exceljs's streaming writer: rows go to the file as they are made, so memory stays
 * bounded however large the ledger.
 */

/**
 * exceljs's streaming writer alone, not the package's index: that loads the whole library
 * (the in-memory Workbook, both readers, CSV with dayjs, unzipper, jszip), some 11 MB of a files
 * worker's resident memory for code the export never runs. The path is exceljs's own module
 * (its index requires it the same way); the type is the package's.
 */
const WorkbookWriter = require('exceljs/lib/stream/xlsx/workbook-writer') as typeof stream.xlsx.WorkbookWriter;

export interface LedgerWorkbookInput {
  org: Org;
  /** Overdue and colours as at this time; also the title's 导出时间. */
  now: number;
  scope: { label: string; units: readonly Unit[] };
  period: { label: string };
  /** The scope's issues for the period, in batches (scanLedgerRecords). */
  records: AsyncIterable<LedgerRecord[]>;
  /** The same scope and period's figures (scopeReport). */
  report: ScopeReport;
  extraSheets?: readonly TableSheet[];
  evidenceLink?: (issue: Issue) => string | undefined;
}

export interface LedgerWorkbookResult {
  /** Issues on the 台账 sheet. */
  rows: number;
  sheets: string[];
}

/** "全区（示例区）" reads "全区" once the district is named before it. */
export function scopeName(org: Org, label: string): string {
  return label === `全区（${org.district}）` ? '全区' : label;
}

/** "2026-12-01 09:30" in Shanghai time. */
export function stamp(ms: number): string {
  const w = wallTime(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${p(w.month)}-${p(w.day)} ${p(w.hour)}:${p(w.minute)}`;
}

export function sheetTitle(org: Org, what: string, scope: string, period: string, now: number): string {
  return `${org.district}${what}　范围：${scopeName(org, scope)}　时段：${period}　导出时间：${stamp(now)}`;
}

export async function writeLedgerWorkbook(filename: string, input: LedgerWorkbookInput): Promise<LedgerWorkbookResult> {
  const out = createWriteStream(filename);
  const wb = new WorkbookWriter({ stream: out, useSharedStrings: false, useStyles: true });
  wb.creator = 'duban';
  wb.created = new Date(input.now);
  const styles = new SheetStyles();
  const taken = new Set<string>(['台账']);
  const sheets = ['台账'];
  try {
    const { org, now, scope, period } = input;
    const policy = org.policy;
    const ledger = await writeLedgerSheet(wb, styles, sheetTitle(org, '整改台账', scope.label, period.label, now), input.records, {
      org,
      now,
      yellowWithinMs: policy.yellowWithin.ms,
      ...(input.evidenceLink ? { evidenceLink: input.evidenceLink } : {}),
    });
    const summary = summarySheet(org, input.report, scope.units, sheetTitle(org, '整改情况汇总', scope.label, period.label, now), scopeName(org, scope.label));
    const written = await writeTableSheet(wb, summary, styles, taken, { frozenColumns: 2, toneOf: (r) => (r.group === TOTAL_GROUP ? 'total' : 'plain') });
    sheets.push(written.name);
    for (const sheet of input.extraSheets ?? []) sheets.push((await writeTableSheet(wb, sheet, styles, taken)).name);
    await wb.commit();
    return { rows: ledger.rows, sheets };
  } catch (err) {
    // Never leave the file open: the worker removes the half-written file, which must be closed first.
    if (!out.closed) {
      const closed = once(out, 'close').catch(() => undefined);
      out.destroy();
      await closed;
    }
    throw err;
  }
}
