import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { Redis } from 'ioredis';
import { chromium } from 'playwright-core';
import { ledgerMaker } from '../../jobs/files/ledger-maker';
import { fixedClock } from '../../src/clock';
import { actorFor } from '../../src/domain/actor';
import type { Issue } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Action, type NewIssueInput } from '../../src/domain/lifecycle';
import { DAY_MS } from '../../src/domain/time';
import { readScopeWord } from '../../src/domain/visibility';
import { createLogger } from '../../src/log/logger';
import { parsePeriod } from '../../src/parsing/period';
import { startEmbeddedRedis } from '../../src/store/embedded-redis';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { demoOrg } from '../support/app';

/**
 * Looks at a workbook the way a person would: each sheet's first rows as an HTML table (column
 * widths, fills, bold, wrapping, number formats as Excel shows them), screenshotted with
 * Chromium. Without a file it first makes the demo 台账 of 福禄镇 for the quarter (a few issues of
 * every kind through the real lifecycle and store, on an embedded redis-server).
 *
 *   npx tsx test/bench/render-xlsx.ts [workbook.xlsx] [out.png]   (default docs/images/ledger-xlsx.png)
 *
 * Needs Debian's chromium (/usr/bin/chromium, or CHROMIUM=…) and a CJK font (fonts-noto-cjk).
 */
const root = path.resolve(__dirname, '../..');
const ROWS_SHOWN = 14;

async function main(): Promise<void> {
  const [input, output = path.join(root, 'docs/images/ledger-xlsx.png')] = process.argv.slice(2);
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'duban-render-'));
  try {
    const file = input ?? (await demoWorkbook(tmp));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const html = page(wb);
    await writeFile(path.join(tmp, 'workbook.html'), html);
    await mkdir(path.dirname(output), { recursive: true });
    const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-background-networking'] });
    try {
      const tab = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
      await tab.setContent(html, { waitUntil: 'load' });
      // As wide as the widest sheet: the columns keep the widths Excel gives them.
      const width = Math.max(...(await tab.locator('table').evaluateAll((tables) => tables.map((t) => t.getBoundingClientRect().right))));
      await tab.setViewportSize({ width: Math.ceil(width) + 16, height: 900 });
      await tab.screenshot({ path: output, fullPage: true });
    } finally {
      await browser.close();
    }
    console.log(`${path.relative(root, output)}: ${wb.worksheets.map((w) => `${w.name} (${w.actualRowCount - 2} rows)`).join(', ')}`);
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

/** The demo 台账: 福禄镇, 2026年第2季度, as at 2026-06-20 10:00. */
async function demoWorkbook(dir: string): Promise<string> {
  const org = demoOrg();
  const now = Date.parse('2026-06-20T10:00:00+08:00');
  const at = (wall: string) => Date.parse(`${wall}+08:00`);
  const server = await startEmbeddedRedis({ dir: path.join(dir, 'redis'), logger: createLogger('silent'), persistence: false });
  const redis = new Redis({ ...redisOptions(server.url), maxRetriesPerRequest: 1 });
  try {
    const keys = createKeys('duban:');
    const store = new LedgerStore(redis, keys);
    const create = async (input: Pick<NewIssueInput, 'unitId' | 'description' | 'assignee' | 'deadline' | 'category' | 'source'>, who: string, when: number, photos = 0) => {
      const out = createIssue(
        { ...input, id: await store.nextId(), teamIds: org.teamsCovering(input.unitId).map((t) => t.id), homeChat: 'CHAT_T1', evidence: Array.from({ length: photos }, (_, i) => ({ kind: 'image' as const, msgid: `m${i}`, index: 0, at: when })) },
        actorFor(org, who, input.unitId),
        when,
      );
      if (isRefusal(out) || !(await store.commit(undefined, out, who, when))) throw new Error(`demo issue refused: ${input.description}`);
      return out.issue;
    };
    const step = async (issue: Issue, action: Action, who: string, when: number) => {
      const out = apply(issue, action, actorFor(org, who, issue.unitId), when);
      if (isRefusal(out) || !(await store.commit(issue, out, who, when))) throw new Error(`demo ${action.type} refused on #${issue.id}`);
      return out.issue;
    };
    const secretary = (unitId: string) => org.unit(unitId)!.secretary!;
    const closeIt = async (i: Issue, note: string, fixAt: number, verifier: string) => step(await step(i, { type: 'fix', note, evidence: [] }, i.assignee!, fixAt), { type: 'verify' }, verifier, fixAt + DAY_MS);

    const d = (unitId: string, description: string, deadline: string, extra: Partial<NewIssueInput> = {}) => ({ unitId, description, assignee: secretary(unitId), deadline: at(deadline), ...extra });
    await create(d('banzhu', '村务公开栏内容未及时更新，二季度财务收支未公示', '2026-06-18T18:00', { category: '村务公开', source: '走访' }), 'u_t1_m2', at('2026-06-08T15:00'), 2);
    await create(d('shiyan', '党员活动室长期锁门，群众反映办事找不到人', '2026-06-21T18:00', { category: '作风建设', source: '群众反映' }), 'u_t1_m3', at('2026-06-16T09:30'));
    let rejected = await create(d('longjing', '“三会一课”记录不全，5月支部委员会无记录', '2026-06-30T18:00', { category: '组织生活', source: '查阅资料' }), 'u_t1_m2', at('2026-06-05T10:00'));
    rejected = await step(rejected, { type: 'fix', note: '已补记录', evidence: [] }, rejected.assignee!, at('2026-06-09T16:00'));
    await step(rejected, { type: 'reject', reason: '补记内容与会议签到不符' }, 'u_t1_m3', at('2026-06-10T09:00'));
    const late = await create(d('fulu_sq', '社区便民服务点无人值守', '2026-05-20T18:00', { category: '便民服务', source: '走访' }), 'u_luo', at('2026-05-12T11:00'));
    await closeIt(late, '已安排专人轮流值守，公示值班表', at('2026-05-23T10:00'), 'u_t1_m2');
    let relapsed = await create(d('huangjue_sq', '小区垃圾清运不及时，楼道堆放杂物', '2026-04-25T18:00', { category: '人居环境', source: '群众反映' }), 'u_t1_m4', at('2026-04-18T14:20'), 1);
    relapsed = await closeIt(relapsed, '已清运并签订保洁协议', at('2026-04-22T17:00'), 'u_t1_m2');
    relapsed = await step(relapsed, { type: 'revisit', outcome: 'relapse', note: '楼道又有堆放', deadline: at('2026-06-12T18:00') }, 'u_t1_m3', at('2026-05-25T09:00'));
    await closeIt(relapsed, '每周巡查一次并拍照留存', at('2026-06-03T10:00'), 'u_t1_m4');
    let revisited = await create(d('banzhu', '发展党员档案材料不规范', '2026-04-30T18:00', { category: '党员发展', source: '查阅资料' }), 'u_t1_m2', at('2026-04-10T10:00'));
    revisited = await closeIt(revisited, '已按规定重新整理归档', at('2026-04-20T10:00'), 'u_t1_m3');
    await step(revisited, { type: 'revisit', outcome: 'normal', note: '档案保持规范' }, 'u_t1_m4', at('2026-05-22T10:00'));
    let extended = await create(d('fulu_xx', '学校党支部书记述职报告未按时报送', '2026-06-22T18:00', { category: '组织生活', source: '上级交办' }), 'u_t1_m2', at('2026-06-11T08:45'));
    extended = await step(extended, { type: 'extend', to: at('2026-06-29T18:00'), reason: '书记外出培训' }, 'u_t1_m3', at('2026-06-15T09:00'));
    await create(d('longjing', '=HYPERLINK("http://example.invalid","点我") 这类文字只当文字显示', '2026-07-05T18:00', { source: '测试' }), 'u_t1_m4', at('2026-06-19T20:00'));
    for (let i = 0; i < 6; i++) {
      const u = ['banzhu', 'shiyan', 'longjing', 'fulu_sq', 'huangjue_sq', 'banzhu'][i]!;
      const issue = await create(d(u, ['低保评议会议记录缺失', '集体经济合同未公开', '网格员走访台账填写不实', '党费收缴不及时', '志愿服务积分未兑现', '“四议两公开”程序不完整'][i]!, `2026-05-${10 + i}T18:00`), 'u_t1_m2', at(`2026-05-0${1 + i}T10:00`));
      await closeIt(issue, '已整改到位', at(`2026-05-0${3 + i}T15:00`), 'u_t1_m3');
    }

    const scope = readScopeWord(org, org.membership('u_admin'), '福禄镇');
    if (scope?.kind !== 'scope') throw new Error('no 福禄镇 in the demo org');
    const period = parsePeriod('2026年第2季度', now)!;
    const file = path.join(dir, 'demo.xlsx');
    await ledgerMaker(
      { id: 'render-demo', kind: 'ledger', requester: 'u_admin', chatId: 'CHAT_ADMIN', scope: { label: scope.scope.label, unitIds: scope.scope.units.map((u) => u.id) }, period: { label: period.label, months: period.months! }, createdAt: now, expiresAt: now + DAY_MS, extra: {} },
      file,
      { redis, keys, ledger: store, org: () => org, clock: fixedClock(new Date(now)), logger: createLogger('silent') },
    );
    return file;
  } finally {
    await redis.quit().catch(() => redis.disconnect());
    await server.stop();
  }
}

const esc = (s: string) => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
/** Excel's column width (characters of the default font) in pixels, as Excel itself converts it at 100 %. */
const px = (width: number | undefined) => Math.round((width ?? 8.43) * 7 + 5);
const argb = (c: Partial<ExcelJS.Color> | undefined) => (c?.argb ? `#${c.argb.slice(2)}` : undefined);

/** A value as Excel shows it with the cell's number format (dates from their UTC fields: wall time). */
function shown(cell: ExcelJS.Cell): string {
  const v = cell.value;
  if (v === null || v === undefined) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  if (v instanceof Date) {
    const day = `${v.getUTCFullYear()}-${p(v.getUTCMonth() + 1)}-${p(v.getUTCDate())}`;
    return cell.numFmt?.includes('hh') ? `${day} ${p(v.getUTCHours())}:${p(v.getUTCMinutes())}` : day;
  }
  if (typeof v === 'number') {
    if (cell.numFmt === '0.0"%"') return `${v.toFixed(1)}%`;
    if (cell.numFmt === '0.0') return v.toFixed(1);
    return String(v);
  }
  if (typeof v === 'object' && 'text' in v) return String(v.text);
  return String(v);
}

function style(cell: ExcelJS.Cell): string {
  const css: string[] = [];
  const fill = cell.fill?.type === 'pattern' ? argb(cell.fill.fgColor) : undefined;
  if (fill) css.push(`background:${fill}`);
  if (cell.font?.bold) css.push('font-weight:bold');
  if (cell.font?.italic) css.push('font-style:italic');
  if (argb(cell.font?.color)) css.push(`color:${argb(cell.font?.color)}`);
  if (cell.font?.size && cell.font.size !== 11) css.push(`font-size:${Math.round((cell.font.size * 4) / 3)}px`);
  const a = cell.alignment;
  if (a?.horizontal) css.push(`text-align:${a.horizontal === 'centerContinuous' ? 'center' : a.horizontal}`);
  else if (typeof cell.value === 'number' || cell.value instanceof Date) css.push('text-align:right');
  css.push(`vertical-align:${a?.vertical === 'middle' ? 'middle' : a?.vertical === 'bottom' ? 'bottom' : 'top'}`);
  css.push(a?.wrapText ? 'white-space:pre-wrap' : 'white-space:nowrap;overflow:hidden;text-overflow:clip');
  return css.join(';');
}

function sheetHtml(ws: ExcelJS.Worksheet): string {
  const cols = ws.columnCount;
  const letters = Array.from({ length: cols }, (_, i) => ws.getColumn(i + 1).letter);
  const widths = Array.from({ length: cols }, (_, i) => px(ws.getColumn(i + 1).width));
  const merged = new Map<string, number>();
  for (const range of (ws.model as { merges?: string[] }).merges ?? []) {
    const [from, to] = range.split(':');
    if (from && to) merged.set(from, ws.getCell(to).fullAddress.col - ws.getCell(from).fullAddress.col + 1);
  }
  const last = Math.min(ws.rowCount, 2 + ROWS_SHOWN);
  const rows: string[] = [];
  for (let r = 1; r <= last; r++) {
    const row = ws.getRow(r);
    const cells: string[] = [`<th class="n">${r}</th>`];
    for (let c = 1; c <= cols; c++) {
      const cell = row.getCell(c);
      const span = merged.get(cell.address);
      if (span) {
        cells.push(`<td colspan="${span}" style="${style(cell)}">${esc(shown(cell))}</td>`);
        c += span - 1;
        continue;
      }
      cells.push(`<td style="${style(cell)}">${esc(shown(cell))}</td>`);
    }
    rows.push(`<tr${row.height ? ` style="height:${Math.round((row.height * 4) / 3)}px"` : ''}>${cells.join('')}</tr>`);
  }
  const more = ws.rowCount > last ? `<p class="more">…共 ${ws.rowCount - 2} 行，此处显示前 ${last - 2} 行</p>` : '';
  return `<section><div class="tab">${esc(ws.name)}</div>
<table style="width:${40 + widths.reduce((a, b) => a + b, 0)}px"><colgroup><col style="width:40px">${widths.map((w) => `<col style="width:${w}px">`).join('')}</colgroup>
<tr class="letters"><th></th>${letters.map((l) => `<th>${l}</th>`).join('')}</tr>
${rows.join('\n')}</table>${more}</section>`;
}

function page(wb: ExcelJS.Workbook): string {
  return `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
body { margin: 16px; font-family: "DengXian", "Noto Sans CJK SC", "Noto Sans SC", "WenQuanYi Micro Hei", sans-serif; font-size: 14px; color: #000; background: #fff; }
section { margin-bottom: 28px; }
.tab { display: inline-block; padding: 4px 16px; border: 1px solid #9a9a9a; border-bottom: none; background: #fff; font-weight: bold; color: #217346; border-top: 3px solid #217346; }
table { border-collapse: collapse; table-layout: fixed; }
td, th { border: 1px solid #d4d4d4; padding: 2px 4px; overflow: hidden; line-height: 1.35; }
th { background: #efefef; color: #555; font-weight: normal; font-size: 12px; text-align: center; }
th.n { text-align: center; }
.more { color: #666; font-size: 12px; margin: 4px 0 0 44px; }
</style></head><body>
${wb.worksheets.map(sheetHtml).join('\n')}
</body></html>`;
}

main().catch((err: unknown) => {
  console.error('render failed:', err);
  process.exit(1);
});
