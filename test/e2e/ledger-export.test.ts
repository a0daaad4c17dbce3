import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { createLedgerMaker, ledgerMaker, type SheetProvider } from '../../jobs/files/ledger-maker';
import type { FileRequest, MakerDeps } from '../../jobs/files/file-request';
import { actorFor } from '../../src/domain/actor';
import type { Issue } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Action, type NewIssueInput } from '../../src/domain/lifecycle';
import { defaultScope, readScopeWord, type Scope } from '../../src/domain/visibility';
import { DAY_MS, monthKey } from '../../src/domain/time';
import { ALL_TIME, parsePeriod, type Period } from '../../src/parsing/period';
import { createKeys, type Keys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, demoOrg, startTestApp, type TestApp } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { captureLogs } from '../support/log-capture';
import { fixedClock } from '../../src/clock';

/**
 * The 台账 workbook made by the 'ledger' maker on a generated ledger plus issues of every kind
 * written through the real lifecycle and store, read back with exceljs from the file.
 */
const NOW = '2026-06-20T10:00:00+08:00';
const now = Date.parse(NOW);
const at = (wall: string) => Date.parse(`${wall}+08:00`);
const org = demoOrg();
let t: TestApp;
let keys: Keys;
let store: LedgerStore;
let dir: string;
const { logger, lines: logs } = captureLogs();

/** The issues written by hand, by what they are for. */
const made: Record<string, Issue> = {};

async function create(input: Omit<NewIssueInput, 'id' | 'teamIds' | 'homeChat' | 'evidence'> & { evidence?: NewIssueInput['evidence'] }, who: string, when: number): Promise<Issue> {
  const id = await store.nextId();
  const out = createIssue(
    { id, teamIds: org.teamsCovering(input.unitId).map((x) => x.id), homeChat: 'CHAT_T1', evidence: [], ...input },
    actorFor(org, who, input.unitId),
    when,
  );
  if (isRefusal(out)) throw new Error(JSON.stringify(out));
  expect(await store.commit(undefined, out, who, when)).toBe(true);
  return out.issue;
}

async function step(issue: Issue, action: Action, who: string, when: number): Promise<Issue> {
  const out = apply(issue, action, actorFor(org, who, issue.unitId), when);
  if (isRefusal(out)) throw new Error(`${action.type} by ${who}: ${JSON.stringify(out)}`);
  expect(await store.commit(issue, out, who, when)).toBe(true);
  return out.issue;
}

const SEC = 'u_sec_banzhu'; // 斑竹村's secretary, 陈晓燕
const photo = (n: number) => Array.from({ length: n }, (_, i) => ({ kind: 'image' as const, msgid: `m${i}`, index: 0, at: now }));

beforeAll(async () => {
  t = await startTestApp({ clock: fixedClock(NOW) });
  keys = createKeys(t.prefix);
  store = new LedgerStore(t.redis, keys);
  dir = await mkdtemp(path.join(os.tmpdir(), 'duban-ledger-'));
  const units = org.units.filter((u) => (u.town === '福禄镇' || u.town === '七塘镇') && u.secretary);
  await generateLedger(store, org, { found: 150, closed: 100, units, days: 60, now });

  const base = { unitId: 'banzhu', assignee: SEC };
  // Found 15:00 Shanghai; deadline passed yesterday: 🔴. Its description tries to be a formula.
  made.overdue = await create({ ...base, description: '=HYPERLINK("http://evil.invalid","点我")', deadline: at('2026-06-19T18:00'), category: '作风建设', source: '走访' }, 'u_t1_m2', at('2026-06-15T15:00'));
  made.yellow = await create({ ...base, description: '+86 电话打不通\u0007，村委会公示栏\u200e破损\r\n需更换', deadline: at('2026-06-21T18:00') }, 'u_t1_m2', at('2026-06-19T09:00'));
  made.green = await create({ ...base, description: '@所有人 -- 组织生活会记录不全', deadline: at('2026-06-30T18:00'), evidence: photo(2) }, 'u_t1_m2', at('2026-06-18T09:00'));

  let rejected = await create({ ...base, description: '党员活动室长期锁门', deadline: at('2026-06-28T18:00') }, 'u_t1_m2', at('2026-06-10T09:00'));
  rejected = await step(rejected, { type: 'fix', note: '已开门', evidence: photo(1) }, SEC, at('2026-06-11T09:00'));
  made.rejected = await step(rejected, { type: 'reject', reason: '照片看不出已开放' }, 'u_t1_m3', at('2026-06-12T09:00'));

  let extended = await create({ ...base, description: '三会一课台账缺页', deadline: at('2026-06-22T18:00') }, 'u_t1_m2', at('2026-06-08T09:00'));
  extended = await step(extended, { type: 'assign', assignee: SEC, deadline: at('2026-06-23T18:00'), reason: '重新交办' }, 'u_t1_m2', at('2026-06-09T09:00'));
  extended = await step(extended, { type: 'extend', to: at('2026-06-26T18:00'), reason: '需要补材料' }, 'u_t1_m2', at('2026-06-10T09:00'));
  extended = await step(extended, { type: 'extend', to: at('2026-07-03T18:00'), reason: '书记外出学习' }, SEC, at('2026-06-11T09:00'));
  made.extended = await step(extended, { type: 'approve-extension' }, 'u_t1_m3', at('2026-06-11T10:00'));

  let relapsed = await create({ ...base, description: '村务公开栏未更新', deadline: at('2026-05-20T18:00') }, 'u_t1_m2', at('2026-05-10T09:00'));
  relapsed = await step(relapsed, { type: 'fix', note: '已更新', evidence: [] }, SEC, at('2026-05-12T09:00'));
  relapsed = await step(relapsed, { type: 'verify' }, 'u_t1_m2', at('2026-05-13T09:00'));
  relapsed = await step(relapsed, { type: 'revisit', outcome: 'relapse', note: '又是旧内容', deadline: at('2026-06-10T18:00') }, 'u_t1_m3', at('2026-06-01T09:00'));
  relapsed = await step(relapsed, { type: 'fix', note: '重新更新并专人负责', evidence: [] }, SEC, at('2026-06-05T09:00'));
  made.relapsed = await step(relapsed, { type: 'verify', note: '现场核实' }, 'u_t1_m4', at('2026-06-06T09:00'));

  let revisited = await create({ ...base, description: '发展党员档案不规范', deadline: at('2026-05-25T18:00') }, 'u_t1_m2', at('2026-05-15T09:00'));
  revisited = await step(revisited, { type: 'fix', note: '已整理', evidence: [] }, SEC, at('2026-05-16T09:00'));
  revisited = await step(revisited, { type: 'verify' }, 'u_t1_m2', at('2026-05-17T09:00'));
  made.revisited = await step(revisited, { type: 'revisit', outcome: 'normal', note: '保持良好' }, 'u_t1_m3', at('2026-06-16T09:00'));

  let late = await create({ ...base, description: '党费收缴不及时', deadline: at('2026-06-10T18:00') }, 'u_t1_m2', at('2026-06-03T09:00'));
  late = await step(late, { type: 'fix', note: '已补缴', evidence: [] }, SEC, at('2026-06-12T09:00'));
  made.late = await step(late, { type: 'verify' }, 'u_t1_m3', at('2026-06-13T09:00'));

  const canceled = await create({ ...base, description: '重复上报', deadline: at('2026-06-25T18:00') }, 'u_t1_m2', at('2026-06-14T09:00'));
  made.canceled = await step(canceled, { type: 'cancel', reason: '与 #1 重复' }, 'u_admin', at('2026-06-14T10:00'));
});

afterAll(async () => {
  await t.stop();
  await rm(dir, { recursive: true, force: true });
});

const deps = (): MakerDeps => ({ redis: t.redis, keys, ledger: store, org: () => org, clock: fixedClock(NOW), logger });

function request(scope: Scope, period: Period, id = `req${Math.random().toString(36).slice(2, 10)}`): FileRequest {
  const p: FileRequest['period'] = { label: period.label };
  if (period.months) p.months = period.months;
  return { id, kind: 'ledger', requester: 'u_admin', chatId: 'CHAT_ADMIN', scope: { label: scope.label, unitIds: scope.units.map((u) => u.id) }, period: p, createdAt: now, expiresAt: now + DAY_MS, extra: {} };
}

function named(word: string, userid = 'u_admin'): Scope {
  const r = readScopeWord(org, org.membership(userid), word);
  if (r?.kind !== 'scope') throw new Error(`no scope ${word}`);
  return r.scope;
}

async function make(req: FileRequest, maker = ledgerMaker) {
  const file = path.join(dir, `${req.id}.xlsx`);
  const result = await maker(req, file, deps());
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.readFile(file);
  return { file, result, wb };
}

const HEADERS = [
  '序号', '问题编号', '发现时间', '镇街', '责任单位', '问题描述', '类别', '来源', '发现人', '责任人', '整改期限', '状态',
  '整改情况', '整改完成时间', '核验人', '销号时间', '是否逾期', '逾期天数', '驳回次数', '延期次数', '回头看结果', '完成效果', '群众评价',
  '佐证材料',
];

type Row = Record<string, ExcelJS.CellValue> & { _cells: Record<string, ExcelJS.Cell> };

/** The data rows of a sheet as header → value, from row 3 (row 1 is the title, row 2 the header). */
function table(ws: ExcelJS.Worksheet): { headers: string[]; rows: Row[] } {
  const headers = (ws.getRow(2).values as ExcelJS.CellValue[]).slice(1).map(String);
  const rows: Row[] = [];
  ws.eachRow((r, n) => {
    if (n < 3) return;
    const o = { _cells: {} } as unknown as Row;
    headers.forEach((h, i) => {
      o[h] = r.getCell(i + 1).value;
      o._cells[h] = r.getCell(i + 1);
    });
    rows.push(o);
  });
  return { headers, rows };
}

const byId = (rows: Row[], issue: Issue) => {
  const r = rows.find((x) => x['问题编号'] === `#${issue.id}`);
  if (!r) throw new Error(`#${issue.id} not on the sheet`);
  return r;
};
const cellOf = (r: Row, header: string) => r._cells[header]!;
const fillOf = (r: Row, header = '状态') => {
  const f = cellOf(r, header).fill;
  return f?.type === 'pattern' ? f.fgColor?.argb : undefined;
};
const say = (userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });

/** /status's headline figures, read from its reply. */
async function statusFigures(text: string) {
  const reply = await say('u_admin', 'CHAT_ADMIN', text);
  const n = (re: RegExp) => Number(re.exec(reply)?.[1]);
  const rate = /整改率 ([\d.]+)%/.exec(reply)?.[1];
  return {
    found: n(/发现 (\d+)/),
    rectified: n(/已销号 (\d+)/),
    overdue: n(/逾期 (\d+)/),
    assigned: n(/整改中 (\d+)/),
    submitted: n(/待核验 (\d+)/),
    rate: rate === undefined ? undefined : Number(rate),
    onTime: Number(/按期整改率 ([\d.]+)%/.exec(reply)?.[1]),
    reply,
  };
}

describe('the 台账 of 福禄镇, all time, as 组织部 asks for it', () => {
  let wb: ExcelJS.Workbook;
  let result: { name: string; caption?: string };
  let rows: Row[];
  let headers: string[];
  const scope = () => named('福禄镇');

  beforeAll(async () => {
    ({ wb, result } = await make(request(scope(), ALL_TIME)));
    ({ rows, headers } = table(wb.getWorksheet('台账')!));
  });

  it('names the file and the chat line by district, scope, period and day', () => {
    expect(result.name).toBe('示例区福禄镇台账_累计_20260620.xlsx');
    expect(result.caption).toBe(`福禄镇 · 累计 整改台账，共 ${rows.length} 条`);
  });

  it('has the 台账 and 汇总 sheets, a title row and the header the department keeps', () => {
    expect(wb.worksheets.map((w) => w.name)).toEqual(['台账', '汇总']);
    const ws = wb.getWorksheet('台账')!;
    expect(ws.getCell('A1').value).toBe('示例区整改台账　范围：福禄镇　时段：累计　导出时间：2026-06-20 10:00');
    expect(headers).toEqual(HEADERS);
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2, xSplit: 2 });
    expect(ws.autoFilter).toBe(`A2:X${rows.length + 2}`);
  });

  it('holds one row per issue of the scope, in id order, numbered', async () => {
    const ids = (await t.redis.zrange(keys.byUnit('banzhu'), '0', '-1')).length;
    expect(ids).toBeGreaterThan(10);
    const inTown = org.units.filter((u) => u.town === '福禄镇').map((u) => u.name);
    expect(rows.every((r) => r['镇街'] === '福禄镇' && inTown.includes(String(r['责任单位'])))).toBe(true);
    expect(rows.map((r) => r['序号'])).toEqual(rows.map((_, i) => i + 1));
    const numbers = rows.map((r) => Number(String(r['问题编号']).slice(1)));
    expect(numbers).toEqual([...numbers].sort((a, b) => a - b));
    expect(rows.filter((r) => r['责任单位'] === '斑竹村')).toHaveLength(ids);
  });

  it('shows times as Shanghai wall-clock Excel dates: found at 15:00 reads 15:00', () => {
    const r = byId(rows, made.overdue!);
    const found = r['发现时间'];
    expect(found).toBeInstanceOf(Date);
    // exceljs reads an Excel date back as a Date whose UTC fields are the cell's wall time.
    expect((found as Date).toISOString()).toBe('2026-06-15T15:00:00.000Z');
    expect((r['整改期限'] as Date).toISOString()).toBe('2026-06-19T18:00:00.000Z');
    expect(cellOf(r, '发现时间').numFmt).toBe('yyyy-mm-dd hh:mm');
    const late = byId(rows, made.late!);
    expect((late['整改完成时间'] as Date).toISOString()).toBe('2026-06-12T09:00:00.000Z');
    expect((late['销号时间'] as Date).toISOString()).toBe('2026-06-13T09:00:00.000Z');
  });

  it('keeps Chinese text, names people and says states in Chinese', () => {
    const r = byId(rows, made.overdue!);
    expect(r).toMatchObject({ 镇街: '福禄镇', 责任单位: '斑竹村', 类别: '作风建设', 来源: '走访', 发现人: '唐建平', 责任人: '陈晓燕', 状态: '整改中' });
    expect(byId(rows, made.late!)).toMatchObject({ 状态: '已销号', 核验人: '冉小兵', 整改情况: '已补缴' });
    expect(byId(rows, made.canceled!)).toMatchObject({ 状态: '已撤销', 整改情况: '撤销：与 #1 重复' });
  });

  it('colours rows as 三色预警: red overdue, yellow due within 2 days, green otherwise; closed rows plain', () => {
    const overdue = byId(rows, made.overdue!);
    expect(overdue).toMatchObject({ 是否逾期: '是', 逾期天数: 1 });
    for (const h of HEADERS) expect(fillOf(overdue, h)).toBe('FFFFC7CE');
    expect(fillOf(byId(rows, made.yellow!))).toBe('FFFFEB9C');
    expect(fillOf(byId(rows, made.green!))).toBe('FFC6EFCE');
    expect(fillOf(byId(rows, made.late!))).toBeUndefined();
    expect(byId(rows, made.green!)).toMatchObject({ 是否逾期: '否', 逾期天数: null });
  });

  it('never turns user text into a formula, and drops control characters', () => {
    const r = byId(rows, made.overdue!);
    const cell = cellOf(r, '问题描述');
    expect(cell.type).toBe(ExcelJS.ValueType.String);
    expect(cell.formula).toBeUndefined();
    expect(cell.value).toBe(`'=HYPERLINK("http://evil.invalid","点我")`);
    expect(byId(rows, made.yellow!)['问题描述']).toBe(`'+86 电话打不通，村委会公示栏破损\n需更换`);
    expect(byId(rows, made.green!)['问题描述']).toBe(`'@所有人 -- 组织生活会记录不全`);
    for (const row of rows) for (const h of HEADERS) if (typeof row[h] === 'string') expect(row[h]).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u200e]/u);
  });

  it('counts rejections, extensions (not re-assignments), relapses, evidence; names the verifier in force', () => {
    expect(byId(rows, made.rejected!)).toMatchObject({ 状态: '整改中', 驳回次数: 1, 整改情况: '已开门\n驳回：照片看不出已开放', 佐证材料: 1, 核验人: null });
    expect(byId(rows, made.extended!)).toMatchObject({ 延期次数: 2, 驳回次数: 0 });
    expect((byId(rows, made.extended!)['整改期限'] as Date).toISOString()).toBe('2026-07-03T18:00:00.000Z');
    expect(byId(rows, made.relapsed!)).toMatchObject({ 状态: '已销号', 核验人: '邓丽华', 回头看结果: '反弹1次；待回访', 整改情况: '重新更新并专人负责\n核验：现场核实', 延期次数: 0 });
    expect(byId(rows, made.revisited!)).toMatchObject({ 状态: '已回访', 核验人: '唐建平', 回头看结果: '正常：保持良好' });
    expect(byId(rows, made.late!)).toMatchObject({ 是否逾期: '超期整改', 逾期天数: 2 });
    expect(byId(rows, made.green!)['佐证材料']).toBe(2);
  });

  it('sizes columns for Chinese text and wraps the long ones', () => {
    const ws = wb.getWorksheet('台账')!;
    const width = (h: string) => ws.getColumn(HEADERS.indexOf(h) + 1).width ?? 0;
    // 福禄镇中心小学: 7 characters, 14 columns wide.
    expect(width('责任单位')).toBeGreaterThanOrEqual(16);
    expect(width('发现时间')).toBeGreaterThanOrEqual(16);
    expect(width('问题描述')).toBeGreaterThanOrEqual(30);
    expect(cellOf(byId(rows, made.overdue!), '问题描述').alignment?.wrapText).toBe(true);
  });

  it('gives the same figures on 汇总 as /status for the scope, per team, town and unit, with a total', async () => {
    const { rows: summary, headers: sh } = table(wb.getWorksheet('汇总')!);
    expect(sh).toEqual(['分组', '名称', '发现', '已销号', '整改中', '待核验', '待交办', '逾期', '整改率', '按期整改率', '平均整改天数']);
    const total = summary.find((r) => r['分组'] === '合计')!;
    const status = await statusFigures('/status 福禄镇');
    expect(status.reply).toContain('**福禄镇 · 累计**');
    expect(total).toMatchObject({ 名称: '福禄镇', 发现: status.found, 已销号: status.rectified, 逾期: status.overdue, 整改中: status.assigned, 待核验: status.submitted, 整改率: status.rate, 按期整改率: status.onTime });
    // …and with the 台账's own rows.
    expect(total['发现']).toBe(rows.filter((r) => r['状态'] !== '已撤销').length);
    expect(total['逾期']).toBe(rows.filter((r) => r['是否逾期'] === '是').length);
    expect(total['已销号']).toBe(rows.filter((r) => r['状态'] === '已销号' || r['状态'] === '已回访').length);
    expect(summary.filter((r) => r['分组'] === '工作队').map((r) => r['名称'])).toEqual(['第一工作队', '第七工作队']);
    expect(summary.filter((r) => r['分组'] === '镇街').map((r) => r['名称'])).toEqual(['福禄镇']);
    const units = summary.filter((r) => r['分组'] === '单位');
    expect(units.map((r) => r['名称'])).toEqual(org.units.filter((u) => u.town === '福禄镇').map((u) => u.name));
    expect(units.reduce((a, r) => a + Number(r['发现']), 0)).toBe(status.found);
    const banzhu = units.find((r) => r['名称'] === '斑竹村')!;
    expect(banzhu['发现']).toBe(rows.filter((r) => r['责任单位'] === '斑竹村' && r['状态'] !== '已撤销').length);
    expect(fillOf(total, '分组')).toBe('FFDDEBF7');
  });
});

describe('scope and period', () => {
  it('a leader’s export from the team chat holds only the team’s units', async () => {
    const scope = defaultScope(org, org.membership('u_luo'), org.chat('CHAT_T1'));
    const { wb, result } = await make(request(scope, ALL_TIME));
    const { rows } = table(wb.getWorksheet('台账')!);
    const t1 = new Set(org.team('t1')!.coveredUnitIds.map((id) => org.unit(id)!.name));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => t1.has(String(r['责任单位'])))).toBe(true);
    const qitang = org.units.filter((u) => u.town === '七塘镇').map((u) => u.id);
    const outside = (await Promise.all(qitang.map((u) => t.redis.zcard(keys.byUnit(u))))).reduce((a, b) => a + b, 0);
    expect(outside).toBeGreaterThan(0);
    expect(rows.some((r) => r['镇街'] === '七塘镇')).toBe(false);
    expect(result.name).toBe('示例区第一工作队台账_累计_20260620.xlsx');
  });

  it('a period holds only the issues found in its months, and /status’s figures for it', async () => {
    const june = parsePeriod('本月', now)!;
    const { wb, result } = await make(request(named('福禄镇'), june));
    const { rows } = table(wb.getWorksheet('台账')!);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((r) => monthKey((r['发现时间'] as Date).getTime() - 8 * 3_600_000) === '202606')).toBe(true);
    expect(rows.some((r) => r['问题编号'] === `#${made.relapsed!.id}`)).toBe(false); // found in May
    const all = await make(request(named('福禄镇'), ALL_TIME));
    const mayRows = table(all.wb.getWorksheet('台账')!).rows.filter((r) => (r['发现时间'] as Date).getUTCMonth() === 4);
    expect(mayRows.length).toBeGreaterThan(0);
    expect(wb.getWorksheet('台账')!.getCell('A1').value).toContain('时段：2026年6月');
    const total = table(wb.getWorksheet('汇总')!).rows.find((r) => r['分组'] === '合计')!;
    const status = await statusFigures('/status 福禄镇 本月');
    expect(status.reply).toContain('**福禄镇 · 2026年6月**');
    expect(total).toMatchObject({ 发现: status.found, 已销号: status.rectified, 逾期: status.overdue, 整改率: status.rate });
    expect(result.name).toBe('示例区福禄镇台账_2026年6月_20260620.xlsx');
  });

  it('the district scope reads 全区 once in the title and the name', async () => {
    const { wb, result } = await make(request(named('全区'), parsePeriod('2026年第2季度', now)!));
    expect(result.name).toBe('示例区全区台账_2026年第2季度_20260620.xlsx');
    expect(wb.getWorksheet('台账')!.getCell('A1').value).toBe('示例区整改台账　范围：全区　时段：2026年第2季度　导出时间：2026-06-20 10:00');
    const towns = new Set(table(wb.getWorksheet('台账')!).rows.map((r) => r['镇街']));
    expect([...towns].sort()).toEqual(['七塘镇', '福禄镇']);
  });
});

describe('extra sheets', () => {
  const scores: SheetProvider = (req) =>
    Promise.resolve({
      name: '考核',
      title: `示例区百分量化考核 · ${req.period.label}`,
      columns: [
        { header: '工作队', key: 'team' },
        { header: '得分', key: 'score', kind: 'number' as const },
        { header: '按期整改率', key: 'rate', kind: 'percent' as const },
        { header: '最后扣分时间', key: 'at', kind: 'datetime' as const },
        { header: '记录日期', key: 'day', kind: 'date' as const },
        { header: '说明', key: 'note' },
      ],
      rows: (async function* () {
        yield { team: '第一工作队', score: 96.5, rate: 80.8, at: at('2026-06-15T15:00'), day: at('2026-06-15T00:30'), note: '=1+1' };
        yield { team: '第二工作队', score: 100, rate: undefined, at: undefined, day: undefined, note: '没有扣分。'.repeat(20) };
      })(),
    });
  const broken: SheetProvider = () => Promise.reject(new Error('scores are not ready'));
  const none: SheetProvider = () => Promise.resolve(undefined);

  it('lays any TableSheet out with the same title row, frozen header, autofilter, widths and dates; a failing one is left out', async () => {
    const { wb, result } = await make(request(named('福禄镇'), ALL_TIME), createLedgerMaker({ sheets: [scores, broken, none] }));
    expect(wb.worksheets.map((w) => w.name)).toEqual(['台账', '汇总', '考核']);
    expect(result.caption).toMatch(/整改台账，共 \d+ 条（另含 考核）$/u);
    expect(logs.some((l) => l.msg.includes('a workbook sheet failed') && l.level === 50)).toBe(true);
    const ws = wb.getWorksheet('考核')!;
    expect(ws.getCell('A1').value).toBe('示例区百分量化考核 · 累计');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(ws.autoFilter).toBe('A2:F4');
    const { headers, rows } = table(ws);
    expect(headers).toEqual(['工作队', '得分', '按期整改率', '最后扣分时间', '记录日期', '说明']);
    expect(rows[0]).toMatchObject({ 工作队: '第一工作队', 得分: 96.5, 按期整改率: 80.8, 说明: "'=1+1" });
    expect((rows[0]!['最后扣分时间'] as Date).toISOString()).toBe('2026-06-15T15:00:00.000Z');
    expect(ws.getCell('D3').numFmt).toBe('yyyy-mm-dd hh:mm');
    expect(ws.getCell('E3').numFmt).toBe('yyyy-mm-dd');
    expect(ws.getCell('C3').numFmt).toBe('0.0"%"');
    expect(ws.getCell('B3').numFmt).toBe('0.0');
    expect(rows[1]).toMatchObject({ 得分: 100, 按期整改率: null });
    // 工作队: 5 characters → 10 columns and padding; the long note wraps at the cap.
    expect(ws.getColumn(1).width).toBe(12);
    expect(ws.getColumn(6).width).toBe(48);
    expect(ws.getCell('F4').alignment?.wrapText).toBe(true);
  });
});

it('links 佐证材料 to the evidence when the maker is given links', async () => {
  const link = (i: Issue) => (i.evidence.length ? `https://files.invalid/evidence/${i.id}?a=1&b=<2>` : undefined);
  const { wb } = await make(request(named('福禄镇'), ALL_TIME), createLedgerMaker({ evidenceLink: link }));
  const { rows } = table(wb.getWorksheet('台账')!);
  expect(byId(rows, made.green!)['佐证材料']).toEqual({ text: '2 份', hyperlink: `https://files.invalid/evidence/${made.green!.id}?a=1&b=<2>` });
  expect(byId(rows, made.rejected!)['佐证材料']).toEqual({ text: '1 份', hyperlink: `https://files.invalid/evidence/${made.rejected!.id}?a=1&b=<2>` });
  expect(byId(rows, made.late!)['佐证材料']).toBe(0);
});

it('gives an empty scope a workbook with its header and no rows', async () => {
  const { file, wb } = await make(request({ label: '空', units: [] }, ALL_TIME));
  expect((await stat(file)).size).toBeGreaterThan(0);
  expect(table(wb.getWorksheet('台账')!).rows).toEqual([]);
  expect(wb.getWorksheet('台账')!.autoFilter).toBe('A2:X2');
});
