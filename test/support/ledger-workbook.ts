import ExcelJS from 'exceljs';
import type { Org } from '../../src/domain/org';

/**
 * A district's 问题台账 as districts keep it (the seeds' 问题台账清单): a title row, then a header
 * row, then one row per problem, written with exceljs's streaming writer so 100 000 rows are cheap.
 * Used by the import tests and `npm run bench`'s import section.
 */
export const SEED_HEADERS = ['序号', '镇街', '责任单位', '问题描述', '整改期限', '是否整改', '发现时间', '发现人', '整改情况'] as const;
export type SeedHeader = (typeof SEED_HEADERS)[number];
export type LedgerCell = string | number | Date | undefined;

export async function writeLedgerWorkbook(
  file: string,
  rows: readonly Partial<Record<string, LedgerCell>>[],
  options: { headers?: readonly string[]; title?: string; sheet?: string } = {},
): Promise<void> {
  const headers = options.headers ?? SEED_HEADERS;
  const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ filename: file, useSharedStrings: true, useStyles: true });
  const ws = wb.addWorksheet(options.sheet ?? '问题台账清单');
  ws.addRow([options.title ?? '示例区基层治理问题台账清单']).commit();
  ws.addRow([...headers]).commit();
  for (const r of rows) {
    const row = ws.addRow(headers.map((h) => r[h] ?? null));
    row.eachCell((cell) => {
      if (cell.value instanceof Date) cell.numFmt = 'yyyy-mm-dd';
    });
    row.commit();
  }
  ws.commit();
  await wb.commit();
}

/** What a generated row is meant to be, for the assertions. */
export type RowKind = 'open' | 'closed' | 'ongoing' | 'bad-unit' | 'bad-date' | 'no-description' | 'bad-person';

export interface GeneratedLedger {
  rows: Partial<Record<SeedHeader, LedgerCell>>[];
  /** Per data row (index i is sheet row i + 3): its kind. */
  kinds: RowKind[];
}

const PROBLEMS = ['村务公开栏内容未及时更新', '农村生活垃圾清运不及时', '低保对象动态管理台账不全', '党员活动室使用率低', '河道沿岸杂物堆放', '网格员走访记录缺失'];
const BAD_KINDS: RowKind[] = ['bad-unit', 'bad-date', 'no-description', 'bad-person'];

/**
 * `n` rows over the organisation's units: every `badEvery`-th row is bad, cycling through the
 * four kinds; of the good ones, every fifth is 已整改 and every 25th 长期坚持. Dates are written
 * in the forms districts use (Excel dates, 2026-03-05, 2026.3.5, 3月5日). Found in
 * January–May 2026; deadlines from February to December 2026.
 */
export function generateSeedLedger(org: Org, n: number, badEvery = 0): GeneratedLedger {
  const units = org.units;
  const finders = org.teams.flatMap((t) => t.members).map((u) => org.person(u)!.name);
  const rows: GeneratedLedger['rows'] = [];
  const kinds: RowKind[] = [];
  let bad = 0;
  for (let i = 0; i < n; i++) {
    const unit = units[i % units.length]!;
    const foundMonth = 1 + (i % 5);
    const foundDay = 1 + (i % 28);
    const dueMonth = foundMonth + 1 + (i % 7);
    const dueDay = 1 + ((i * 7) % 28);
    const row: Partial<Record<SeedHeader, LedgerCell>> = {
      序号: i + 1,
      镇街: unit.town,
      责任单位: unit.name,
      问题描述: `${PROBLEMS[i % PROBLEMS.length]}（第${i + 1}项）`,
      整改期限: i % 3 === 0 ? new Date(Date.UTC(2026, dueMonth - 1, dueDay)) : i % 3 === 1 ? `2026-${String(dueMonth).padStart(2, '0')}-${String(dueDay).padStart(2, '0')}` : `${dueMonth}月${dueDay}日`,
      是否整改: '否',
      发现时间: i % 2 ? new Date(Date.UTC(2026, foundMonth - 1, foundDay)) : `2026.${foundMonth}.${foundDay}`,
      发现人: finders[i % finders.length]!,
    };
    let kind: RowKind = 'open';
    if (badEvery > 0 && i % badEvery === badEvery - 1) {
      kind = BAD_KINDS[bad++ % BAD_KINDS.length]!;
      if (kind === 'bad-unit') row.责任单位 = `不存在村${i}`;
      if (kind === 'bad-date') row.发现时间 = '2026-13-45';
      if (kind === 'no-description') row.问题描述 = undefined;
      if (kind === 'bad-person') row.发现人 = `查无此人${i}`;
    } else if (i % 5 === 0) {
      kind = 'closed';
      row.是否整改 = i % 10 === 0 ? '是' : '已整改';
      row.整改情况 = `已清理并建立长效机制（第${i + 1}项）`;
    } else if (i % 25 === 1) {
      kind = 'ongoing';
      row.整改期限 = '长期坚持';
    }
    rows.push(row);
    kinds.push(kind);
  }
  return { rows, kinds };
}
