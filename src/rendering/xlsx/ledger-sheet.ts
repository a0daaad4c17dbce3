import type { stream } from 'exceljs';
import { colourOf, STATE_WORDS, type Issue } from '../../domain/issue';
import type { Org } from '../../domain/org';
import { calendarDaysBetween } from '../../domain/time';
import type { LedgerRecord } from '../../store/ledger-scan';
import { cellText, columnLetter, excelDate, FIRST_DATA_ROW, fitWidth, frozenViews, printSetup, setAutoFilter, writeTitleAndHeader, type CellKind, type RowTone, type SheetStyles } from './sheet-layout';
import { sheetStream } from './sheet-stream';

/**
 * The 台账 sheet: one row per issue, the columns the department's 一本台账 keeps (content,
 * responsible unit, deadline, result, 完成效果 and 群众评价), rows filled as 三色预警 while the
 * unit rectifies.
 */
export interface LedgerColumn {
  header: string;
  kind: CellKind;
  width: number;
}

export interface LedgerSheetContext {
  org: Org;
  /** Overdue, colours and days are as at this time. */
  now: number;
  yellowWithinMs: number;
  /**
   * A link to an issue's evidence, once photos are kept (DATA_DIR/evidence, served signed):
   * the 佐证材料 cell then links to it; without one it holds the count.
   */
  evidenceLink?: (issue: Issue) => string | undefined;
}

type Value = string | number | Date | undefined;

/** One issue as the 台账 shows it: the cells in column order and the row's fill. */
export interface LedgerRow {
  values: Value[];
  tone: RowTone;
  evidence: { count: number; link?: string };
}

const HEADERS = [
  '序号', '问题编号', '发现时间', '镇街', '责任单位', '问题描述', '类别', '来源', '发现人', '责任人', '整改期限', '状态',
  '整改情况', '整改完成时间', '核验人', '销号时间', '是否逾期', '逾期天数', '驳回次数', '延期次数', '回头看结果', '完成效果', '群众评价',
  '佐证材料',
] as const;
export type LedgerHeader = (typeof HEADERS)[number];
export const LEDGER_HEADERS: readonly LedgerHeader[] = HEADERS;
const EVIDENCE_INDEX = HEADERS.indexOf('佐证材料');

/** The columns, sized from the organisation (its longest unit, town and person names), before any row. */
export function ledgerColumns(org: Org): LedgerColumn[] {
  const people = fitWidth(org.people.map((p) => p.name), 8, 12);
  const kinds: Record<LedgerHeader, [CellKind, number]> = {
    序号: ['number', 7],
    问题编号: ['center', 9],
    发现时间: ['datetime', 17],
    镇街: ['text', fitWidth(org.units.map((u) => u.town), 8, 16)],
    责任单位: ['text', fitWidth(org.units.map((u) => u.name), 10, 24)],
    问题描述: ['wrap', 40],
    类别: ['text', 10],
    来源: ['text', 10],
    发现人: ['text', people],
    责任人: ['text', people],
    整改期限: ['datetime', 17],
    状态: ['center', 9],
    整改情况: ['wrap', 32],
    整改完成时间: ['datetime', 17],
    核验人: ['text', people],
    销号时间: ['datetime', 17],
    是否逾期: ['center', 10],
    逾期天数: ['number', 10],
    驳回次数: ['number', 10],
    延期次数: ['number', 10],
    回头看结果: ['wrap', 20],
    // The scale's words are short (好, 基本满意); the header is the wider.
    完成效果: ['center', 10],
    群众评价: ['center', 10],
    佐证材料: ['center', 10],
  };
  return HEADERS.map((header) => ({ header, kind: kinds[header][0], width: kinds[header][1] }));
}

const personName = (org: Org, userid: string | undefined) => (userid ? cellText(org.person(userid)?.name ?? userid) : undefined);
const date = (ms: number | undefined) => (ms === undefined ? undefined : excelDate(ms));

/** The row of one issue (pure: the tests call it directly). */
export function ledgerRow(seq: number, rec: LedgerRecord, ctx: LedgerSheetContext): LedgerRow {
  const { issue } = rec;
  const unit = ctx.org.unit(issue.unitId);
  const colour = colourOf(issue, ctx.now, ctx.yellowWithinMs);
  const fixed = issue.state === 'submitted' || issue.state === 'closed' || issue.state === 'revisited';
  const late = lateness(issue, ctx.now);
  const link = ctx.evidenceLink?.(issue);
  const values: Record<LedgerHeader, Value> = {
    序号: seq,
    问题编号: `#${issue.id}`,
    发现时间: date(issue.createdAt),
    镇街: cellText(unit?.town),
    责任单位: cellText(unit?.name ?? issue.unitId),
    问题描述: cellText(issue.description),
    类别: cellText(issue.category),
    来源: cellText(issue.source),
    发现人: personName(ctx.org, issue.reporter),
    责任人: personName(ctx.org, issue.assignee),
    整改期限: date(issue.deadline),
    状态: STATE_WORDS[issue.state],
    整改情况: cellText(rectification(issue)),
    整改完成时间: fixed ? date(issue.submittedAt) : undefined,
    核验人: personName(ctx.org, rec.verifier),
    销号时间: date(issue.closedAt),
    是否逾期: late.word,
    逾期天数: late.days,
    驳回次数: issue.rejectCount,
    延期次数: rec.extensions,
    回头看结果: revisitResult(issue),
    完成效果: cellText(issue.grade),
    群众评价: cellText(issue.rating),
    佐证材料: issue.evidence.length,
  };
  return {
    values: HEADERS.map((h) => values[h]),
    tone: colour ?? 'plain',
    evidence: link ? { count: issue.evidence.length, link } : { count: issue.evidence.length },
  };
}

/**
 * 是否逾期: 是 while the unit is rectifying past the deadline (days so far, as the chat counts
 * them: calendar days); 超期整改 when the accepted fix came after the deadline (days late).
 */
function lateness(issue: Issue, now: number): { word: string; days?: number } {
  if (issue.deadline === undefined || issue.state === 'canceled') return { word: '否' };
  if (issue.state === 'assigned' && now > issue.deadline) return { word: '是', days: calendarDaysBetween(issue.deadline, now) };
  // Judged as 销号 judges it (closedOnTime): by when the accepted fix was reported.
  const fixedLate =
    ((issue.state === 'closed' || issue.state === 'revisited') && issue.closedOnTime === false) ||
    (issue.state === 'submitted' && issue.submittedAt !== undefined && issue.submittedAt > issue.deadline);
  if (fixedLate) {
    const fixedAt = issue.submittedAt ?? issue.closedAt ?? now;
    return { word: '超期整改', days: Math.max(0, calendarDaysBetween(issue.deadline, fixedAt)) };
  }
  return { word: '否' };
}

/** 整改情况: the fix as reported, with the verifier's words or why it was undone. */
function rectification(issue: Issue): string {
  const parts: string[] = [];
  if (issue.fixNote) parts.push(issue.fixNote);
  if (issue.verifyNote) parts.push(`核验：${issue.verifyNote}`);
  if (issue.state === 'assigned' && issue.rejectCount > 0) {
    const last = issue.rejectReasons[issue.rejectReasons.length - 1];
    if (last) parts.push(`驳回：${last}`);
  }
  if (issue.state === 'canceled' && issue.cancelReason) parts.push(`撤销：${issue.cancelReason}`);
  return parts.join('\n');
}

/** 回头看结果: 正常 after a normal revisit, 反弹 N 次 when the problem came back; 待回访 once closed. */
function revisitResult(issue: Issue): string | undefined {
  const parts: string[] = [];
  if (issue.relapseCount > 0) parts.push(`反弹${issue.relapseCount}次`);
  if (issue.state === 'revisited') parts.push(issue.revisitNote ? `正常：${issue.revisitNote}` : '正常');
  else if (issue.state === 'closed') parts.push('待回访');
  return parts.length ? cellText(parts.join('；')) : undefined;
}

export interface LedgerSheetResult {
  rows: number;
}

/** What styleId is asked for per kind of column (exceljs gives a style without numFmt one by the value's type). */
const VALUE_KIND: Record<CellKind, 'number' | 'string' | 'date'> = {
  text: 'string',
  wrap: 'string',
  center: 'string',
  number: 'number',
  decimal: 'number',
  percent: 'number',
  date: 'date',
  datetime: 'date',
};

/**
 * Writes the 台账 sheet from batches of records: exceljs lays out the sheet (columns, title,
 * header, views, autofilter) and the rows go to its stream as XML, a batch at a time
 * (sheet-stream.ts says why), so memory holds one batch of issues and its XML.
 *
 * Cells: a cell with nothing to show is left out. A plain row's missing cells take the column's
 * style (grid and font); a 三色预警 row carries a row style with the fill, so its missing cells
 * are coloured too and the row reads as one band.
 */
export async function writeLedgerSheet(
  wb: stream.xlsx.WorkbookWriter,
  styles: SheetStyles,
  title: string,
  records: AsyncIterable<LedgerRecord[]>,
  ctx: LedgerSheetContext,
): Promise<LedgerSheetResult> {
  const columns = ledgerColumns(ctx.org);
  // 序号 and 问题编号 stay in view when scrolling right.
  const ws = wb.addWorksheet('台账', { views: frozenViews(2), pageSetup: printSetup() });
  ws.columns = columns.map((c) => ({ width: c.width, style: styles.cell(c.kind) }));
  writeTitleAndHeader(ws, styles, title, columns.map((c) => c.header));
  const sheet = sheetStream(wb, ws);
  const letters = columns.map((_, i) => columnLetter(i + 1));
  const toned = new Map<RowTone, { row: number; cells: number[] }>();
  const styleIds = (tone: RowTone) => {
    let ids = toned.get(tone);
    if (!ids) {
      ids = { row: sheet.styleId(styles.row(tone), 'number'), cells: columns.map((c) => sheet.styleId(styles.cell(c.kind, tone), VALUE_KIND[c.kind])) };
      toned.set(tone, ids);
    }
    return ids;
  };
  const out = sheet.rows;
  let n = 0;
  for await (const batch of records) {
    for (const rec of batch) {
      const row = ledgerRow(n + 1, rec, ctx);
      const number = FIRST_DATA_ROW + n++;
      const ids = styleIds(row.tone);
      out.openRow(number, ids.row);
      for (let i = 0; i < letters.length; i++) {
        const v = row.values[i];
        if (v === undefined || v === '') continue;
        if (i === EVIDENCE_INDEX && row.evidence.link) {
          out.cell(letters[i]!, ids.cells[i]!, `${row.evidence.count} 份`);
          sheet.hyperlink(`${letters[i]}${number}`, row.evidence.link);
        } else out.cell(letters[i]!, ids.cells[i]!, v);
      }
      out.closeRow();
    }
    out.flush();
    await sheet.drained();
  }
  setAutoFilter(ws, columns.length, FIRST_DATA_ROW + n - 1);
  ws.commit();
  return { rows: n };
}
