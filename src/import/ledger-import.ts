import type { Org } from '../domain/org';
import { makePlacer, type PlacedRow } from './ledger-rows';
import { readLedgerSheet, type HeaderFound, type LedgerField, type SheetProgress } from './ledger-sheet';

/**
 * Reads a 台账 workbook and places every row: the issues it would create (in row order, each row
 * content once) and every row it cannot place, by row number. Nothing is written.
 */
export interface ReadResult {
  header: HeaderFound;
  placed: PlacedRow[];
  /** One line per problem: `第41行 责任单位“不存在村”不在组织架构中`. */
  problems: string[];
  /** Rows that repeat an earlier row's content (imported once): `第52行 与第17行相同，只导入一次`. */
  duplicates: string[];
  /** Rows with a problem (a row may have several). */
  badRows: number;
  rows: number;
}

export interface ReadOptions {
  org: Org;
  now: number;
  defaultReporter: string;
  sheet?: string;
  map?: ReadonlyMap<string, LedgerField>;
  onProgress?: (p: SheetProgress) => void;
  /** Called with each `batchSize` placed rows as they are read (--apply writes while reading); awaited. */
  onBatch?: (rows: PlacedRow[]) => Promise<void>;
  batchSize?: number;
}

export async function readAndPlace(file: string, o: ReadOptions): Promise<ReadResult> {
  const place = makePlacer({ org: o.org, now: o.now, defaultReporter: o.defaultReporter });
  let header: HeaderFound | undefined;
  const placed: PlacedRow[] = [];
  const problems: string[] = [];
  const duplicates: string[] = [];
  const firstRow = new Map<string, number>();
  let badRows = 0;
  let rows = 0;
  let sent = 0;
  const batchSize = o.batchSize ?? 1000;
  for await (const item of readLedgerSheet(file, { ...(o.sheet !== undefined ? { sheet: o.sheet } : {}), ...(o.map ? { map: o.map } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) })) {
    if (item.kind === 'header') {
      header = item.header;
      continue;
    }
    rows++;
    const r = place(item.row);
    if (!r.ok) {
      badRows++;
      problems.push(...r.problems);
      continue;
    }
    const seen = firstRow.get(r.placed.fingerprint);
    if (seen !== undefined) {
      duplicates.push(`第${r.placed.row}行 与第${seen}行的问题描述、责任单位、发现时间、发现人都相同，只导入一次`);
      continue;
    }
    firstRow.set(r.placed.fingerprint, r.placed.row);
    placed.push(r.placed);
    if (o.onBatch && placed.length - sent >= batchSize) {
      await o.onBatch(placed.slice(sent));
      sent = placed.length;
    }
  }
  if (o.onBatch && placed.length > sent) await o.onBatch(placed.slice(sent));
  // readLedgerSheet throws when no header is found, so one was.
  return { header: header!, placed, problems, duplicates, badRows, rows };
}
