import type { Issue } from '../../src/domain/issue';
import { isEmptyFilter, matchesFilter, rowFilterSchema, type RowFilter } from '../../src/domain/issue-filter';
import type { Org, Unit } from '../../src/domain/org';
import { scopeReport } from '../../src/domain/report';
import { wallTime } from '../../src/domain/time';
import { bucketsFor } from '../../src/parsing/period';
import { userText } from '../../src/rendering/safe-text';
import { scopeName, writeLedgerWorkbook } from '../../src/rendering/xlsx/ledger-workbook';
import type { TableSheet } from '../../src/rendering/xlsx/table-sheet';
import { scanLedgerRecords, type LedgerRecord } from '../../src/store/ledger-scan';
import type { FileMaker, FileRequest, MakerDeps } from './file-request';

/**
 * The 'ledger' file: the 台账 workbook of a request's scope and period. Other modules add their
 * sheets (考核, 典型经验, 走访记录) as providers; one that fails is logged and left out rather than
 * costing the department its 台账.
 */
export type SheetProvider = (req: FileRequest, deps: MakerDeps, pass: LedgerPass) => Promise<TableSheet | undefined>;

/**
 * The 台账's own pass over the ledger, for a sheet that counts the same issues: each batch the
 * 台账 writes is handed to the observers too, so the export reads and decodes the ledger once
 * for both. The workbook writes 台账 first, so such a sheet's rows, read lazily, see every issue.
 * An observer must not throw (it would cost the 台账).
 */
export interface LedgerPass {
  observe(fn: (issues: readonly Issue[]) => void): void;
}

export interface LedgerMakerOptions {
  /** Further sheets, in order, after 台账 and 汇总. */
  sheets?: readonly SheetProvider[];
  /**
   * A link to an issue's evidence for the 佐证材料 cell. Default: where the worker signs links,
   * the issue's evidence page (/evidence/issues/<id>) for the requester, valid as long as the
   * workbook's own link; an issue without photos gets none.
   */
  evidenceLink?: (issue: Issue) => string | undefined;
}

export function createLedgerMaker(opts: LedgerMakerOptions = {}): FileMaker {
  return async (req, outPath, deps) => {
    const org = deps.org();
    const now = deps.clock.now().getTime();
    // The org file may have been reloaded since the request: units no longer in it are gone.
    const units = req.scope.unitIds.map((id) => org.unit(id)).filter((u): u is Unit => u !== undefined);
    const unitIds = units.map((u) => u.id);
    const months = req.period.months;
    const report = await scopeReport(deps.ledger, unitIds, { months, buckets: months ? bucketsFor(months) : undefined }, now);
    const rows = rowsOf(req);
    const observers: ((issues: readonly Issue[]) => void)[] = [];
    const extraSheets = await extra(req, deps, opts.sheets ?? [], { observe: (fn) => observers.push(fn) });
    const evidenceLink = evidenceLinks(opts, req, deps);
    const result = await writeLedgerWorkbook(outPath, {
      org,
      now,
      scope: { label: req.scope.label, units },
      period: { label: req.period.label },
      // The other sheets count the scope and period; the row filter (the dashboard's) only the 台账's rows.
      records: filtered(observed(scanLedgerRecords(deps.redis, deps.keys, { unitIds, months }), observers), rows, now),
      report,
      extraSheets,
      ...(evidenceLink ? { evidenceLink } : {}),
    });
    deps.logger.info({ file: req.id, rows: result.rows, sheets: result.sheets }, 'ledger workbook written');
    return { name: ledgerFileName(org, req.scope.label, req.period.label, now), caption: ledgerCaption(org, req, result.rows, result.sheets) };
  };
}

function evidenceLinks(opts: LedgerMakerOptions, req: FileRequest, deps: MakerDeps): ((issue: Issue) => string | undefined) | undefined {
  if (opts.evidenceLink) return opts.evidenceLink;
  const links = deps.links;
  if (!links) return undefined;
  // Written by the sheet as the cell's hyperlink (a relationship of the sheet), never as a formula.
  return (issue) => (issue.evidence.length ? links.issueEvidenceUrl({ issueId: issue.id, userid: req.requester, expiresAt: req.expiresAt }) : undefined);
}

/**
 * The 台账's row filter of a request (extra.rows, JSON: the dashboard's table filters beyond scope
 * and period, src/domain/issue-filter.ts). A filter that does not read is an error, never "all
 * rows": the person asked for fewer.
 */
export const ROWS_EXTRA = 'rows';
function rowsOf(req: FileRequest): RowFilter | undefined {
  const raw = req.extra[ROWS_EXTRA];
  if (raw === undefined) return undefined;
  const f = rowFilterSchema.parse(JSON.parse(raw));
  return isEmptyFilter(f) ? undefined : f;
}

async function* filtered(records: AsyncIterable<LedgerRecord[]>, f: RowFilter | undefined, now: number): AsyncGenerator<LedgerRecord[]> {
  for await (const batch of records) {
    const kept = f ? batch.filter((r) => matchesFilter(f, r.issue, now)) : batch;
    if (kept.length) yield kept;
  }
}

/** The maker with no further sheets. */
export const ledgerMaker: FileMaker = createLedgerMaker();

/** The 台账's batches, shown to the observers as they pass. */
async function* observed(records: AsyncIterable<LedgerRecord[]>, observers: readonly ((issues: readonly Issue[]) => void)[]): AsyncGenerator<LedgerRecord[]> {
  for await (const batch of records) {
    if (observers.length) {
      const issues = batch.map((r) => r.issue);
      for (const fn of observers) fn(issues);
    }
    yield batch;
  }
}

async function extra(req: FileRequest, deps: MakerDeps, providers: readonly SheetProvider[], pass: LedgerPass): Promise<TableSheet[]> {
  const sheets = await Promise.all(
    providers.map((p, i) =>
      p(req, deps, pass).catch((err: unknown) => {
        deps.logger.error({ err, file: req.id, provider: i }, 'a workbook sheet failed; the workbook is written without it');
        return undefined;
      }),
    ),
  );
  return sheets.filter((s): s is TableSheet => s !== undefined);
}

/** What Windows forbids in a file name (and control characters), and a trailing dot or space. */
const FORBIDDEN = /[<>:"/\\|?*\u0000-\u001f\u007f]/gu;

/** "示例区福禄镇台账_2026年第4季度_20261201.xlsx" — safe on Windows, the date the file was made. */
export function ledgerFileName(org: Org, scopeLabel: string, periodLabel: string, now: number): string {
  const w = wallTime(now);
  const day = `${w.year}${String(w.month).padStart(2, '0')}${String(w.day).padStart(2, '0')}`;
  const clean = (s: string) => s.replace(FORBIDDEN, '').replace(/\s+/gu, '').slice(0, 60);
  const base = `${clean(org.district)}${clean(scopeName(org, scopeLabel))}台账_${clean(periodLabel)}_${day}`.replace(/[. ]+$/u, '');
  return `${base}.xlsx`;
}

/** "福禄镇 · 2026年第4季度 整改台账，共 123 条（另含 考核、典型经验）" */
export function ledgerCaption(org: Org, req: Pick<FileRequest, 'scope' | 'period'>, rows: number, sheets: readonly string[]): string {
  const more = sheets.filter((s) => s !== '台账' && s !== '汇总');
  const tail = more.length ? `（另含 ${more.join('、')}）` : '';
  return userText(`${scopeName(org, req.scope.label)} · ${req.period.label} 整改台账，共 ${rows} 条${tail}`);
}
