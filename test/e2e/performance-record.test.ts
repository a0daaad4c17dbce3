import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { makers } from '../../jobs/files/makers';
import type { FileRequest } from '../../jobs/files/file-request';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { DAY_MS } from '../../src/domain/time';
import { parsePeriod } from '../../src/parsing/period';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { createScores } from '../../src/store/scores';
import { appForFile, BOT_NAME } from '../support/app';
import { captureLogs } from '../support/log-capture';
import { Player } from '../support/score-fixture';

/**
 * /档案 over the encrypted protocol on a small ledger whose figures are counted by hand below,
 * for a secretary of two units (陈晓燕: 斑竹村 and, in this org, 石堰村 too); who may see whose
 * record; and the workbook's 实绩档案 sheet with the same figures.
 */
const NOW = '2026-06-20T12:00:00+08:00';
const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as { units: { id: string; secretary?: string }[] };
raw.units.find((u) => u.id === 'shiyan')!.secretary = 'u_sec_banzhu';
const org = parseOrg(stringifyYaml(raw), {});
const { app, clock } = appForFile(NOW, { org });
const keys = () => createKeys(app().prefix);
const say = (userId: string, chatId: string, text: string) => app().client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
/** A single chat with the bot (no chat id). */
const single = (userId: string, text: string) => app().client.say({ userId, text });
const june = (day: number, hour = 10) => Date.parse(`2026-06-${String(day).padStart(2, '0')}T${String(hour).padStart(2, '0')}:00:00+08:00`);
const endOf = (day: number) => june(day + 1, 0) - 1;

/**
 * The fixture, by hand (discovered in 2026 unless said):
 * A 斑竹村, due 5 June, fixed 4 June, verified 6 June 效果:好            → 交办, 按期销号, 好
 * B 斑竹村, due 5 June, fixed 7 June, verified 8 June 效果:一般, 回访 10 June 满意
 *                                                                       → 交办, 逾期销号, 一般, 满意
 * C 斑竹村, due 10 June, fixed 3 June, 驳回 4 June, fixed 5 June, verified 6 June 效果:好,
 *   回头看 8 June 反弹 (new deadline 15 June) 不满意: the relapse drops the grade
 *                                                                       → 交办, 当前逾期, 驳回 1, 反弹 1, 不满意
 * D 石堰村, due 30 June, rectifying                                      → 交办
 * E 石堰村, reported, not yet assigned                                   → nothing
 * F 斑竹村, assigned then withdrawn (撤销)                                → nothing
 * G 斑竹村, found 10 December 2025, closed on time                       → only in 2025 and 累计
 * So for 今年: 交办 4, 按期销号 1, 逾期销号 1 (按期率 50.0%), 当前逾期 1, 驳回 1, 反弹 1,
 * 效果 好 1 一般 1, 评价 满意 1 不满意 1.
 */
const ref: Record<string, number> = {};
beforeAll(async () => {
  const p = new Player(org, new LedgerStore(app().redis, keys()));
  const sec = 'u_sec_banzhu';
  ref.A = await p.report('u_t1_m2', { unitId: 'banzhu', assignee: sec, deadline: endOf(5) }, june(1));
  await p.act(ref.A, sec, { type: 'fix', note: '已整改', evidence: [] }, june(4));
  await p.act(ref.A, 'u_t1_m3', { type: 'verify', grade: '好' }, june(6));
  ref.B = await p.report('u_t1_m2', { unitId: 'banzhu', assignee: sec, deadline: endOf(5) }, june(1));
  await p.act(ref.B, sec, { type: 'fix', note: '已整改', evidence: [] }, june(7));
  await p.act(ref.B, 'u_t1_m3', { type: 'verify', grade: '一般' }, june(8));
  await p.act(ref.B, 'u_t1_m3', { type: 'revisit', outcome: 'normal', rating: '满意' }, june(10));
  ref.C = await p.report('u_t1_m2', { unitId: 'banzhu', assignee: sec, deadline: endOf(10) }, june(1));
  await p.act(ref.C, sec, { type: 'fix', note: '已整改', evidence: [] }, june(3));
  await p.act(ref.C, 'u_t1_m3', { type: 'reject', reason: '照片不清楚' }, june(4));
  await p.act(ref.C, sec, { type: 'fix', note: '补拍照片', evidence: [] }, june(5));
  await p.act(ref.C, 'u_t1_m3', { type: 'verify', grade: '好' }, june(6));
  await p.act(ref.C, 'u_t1_m3', { type: 'revisit', outcome: 'relapse', deadline: endOf(15), rating: '不满意' }, june(8));
  ref.D = await p.report('u_t1_m2', { unitId: 'shiyan', assignee: sec, deadline: endOf(30) }, june(2));
  ref.E = await p.report('u_t1_m2', { unitId: 'shiyan' }, june(2));
  ref.F = await p.report('u_t1_m2', { unitId: 'banzhu', assignee: sec, deadline: endOf(20) }, june(2));
  await p.act(ref.F, 'u_t1_m2', { type: 'cancel', reason: '重复上报' }, june(3));
  const dec = Date.parse('2025-12-10T10:00:00+08:00');
  ref.G = await p.report('u_t1_m2', { unitId: 'banzhu', assignee: sec, deadline: dec + 5 * DAY_MS }, dec);
  await p.act(ref.G, sec, { type: 'fix', note: '已整改', evidence: [] }, dec + DAY_MS);
  await p.act(ref.G, 'u_t1_m3', { type: 'verify' }, dec + 2 * DAY_MS);
  clock.set('2026-06-18T15:00:00+08:00');
  await say('u_admin', 'CHAT_ADMIN', '/约谈 陈晓燕 #3 逾期未整改，提醒抓紧');
  await say('u_t1_m2', 'CHAT_T1', '/典型 斑竹村 “院坝会”：每月三次院坝会收集群众意见');
  clock.set(NOW);
});

/** The unit scores as /考核 computes them (the scoring tests check that arithmetic). */
async function scoreOf(unitId: string, period = parsePeriod('今年', Date.parse(NOW))!): Promise<number> {
  const board = await createScores({ redis: app().redis, keys: keys(), org, clock }).board({ scope: { label: 'x', unitIds: [unitId] }, period });
  return board.units.find((r) => r.id === unitId)!.score;
}

describe('/档案', () => {
  it('gives 组织部 a secretary’s record over all their units, counted as by hand', async () => {
    const [banzhu, shiyan] = [await scoreOf('banzhu'), await scoreOf('shiyan')];
    expect(banzhu).toBeLessThan(100);
    const mean = Math.round(((banzhu + shiyan) / 2) * 100) / 100;
    expect(await say('u_admin', 'CHAT_ADMIN', '/档案 陈晓燕')).toBe(
      [
        '**实绩档案 · 陈晓燕（福禄镇斑竹村、福禄镇石堰村） · 2026年**',
        '交办 4 件：按期销号 1，逾期销号 1（按期率 50.0%），当前逾期 1',
        '驳回 1 次 · 反弹 1 次',
        '完成效果：好 1、较好 0、一般 1、差 0',
        '群众评价：满意 1、基本满意 0、不满意 1',
        '提醒约谈 1 次：',
        '· 6月18日 15:00 #3 逾期未整改，提醒抓紧（约谈 #1）',
        '典型经验 1 条：',
        '· 典型 #1 “院坝会”：每月三次院坝会收集群众意见',
        `考核得分：斑竹村 ${banzhu}、石堰村 ${shiyan}（平均 ${mean}）`,
      ].join('\n'),
    );
  });

  it('reads a unit and a period: 斑竹村 in 2025 has only G, its overdue figure said to be as of today', async () => {
    const score = await scoreOf('banzhu', parsePeriod('2025', Date.parse(NOW))!);
    expect(await say('u_admin', 'CHAT_ADMIN', '/实绩档案 斑竹村 2025')).toBe(
      [
        '**实绩档案 · 陈晓燕（福禄镇斑竹村） · 2025年**',
        '交办 1 件：按期销号 1，逾期销号 0（按期率 100.0%），至今仍逾期 0',
        '驳回 0 次 · 反弹 0 次',
        '完成效果：好 0、较好 0、一般 0、差 0',
        '群众评价：满意 0、基本满意 0、不满意 0',
        '提醒约谈：无',
        '典型经验：无',
        `考核得分：${score}`,
      ].join('\n'),
    );
  });

  it('lets a leader see the units of their team, and the secretary their own', async () => {
    expect(await say('u_luo', 'CHAT_T1', '/档案 斑竹村 本月')).toMatch(/^\*\*实绩档案 · 陈晓燕（福禄镇斑竹村） · 2026年6月\*\*\n交办 3 件：按期销号 1，逾期销号 1/u);
    expect(await say('u_sec_banzhu', 'CHAT_T1', '/档案')).toMatch(/^\*\*实绩档案 · 陈晓燕（福禄镇斑竹村、福禄镇石堰村） · 2026年\*\*\n交办 4 件/u);
  });

  it('refuses a leader outside the area, another secretary and a member, with the reason', async () => {
    expect(await say('u_t2_m1', 'CHAT_T2', '/档案 陈晓燕')).toBe(
      '无权限：陈晓燕负责的单位（斑竹村、石堰村）不在你带领的工作队的片区；你带领的是第二工作队（七塘镇、八塘镇），其他片区的实绩档案请组织部查看。',
    );
    expect(await say('u_sec_longjing', 'CHAT_T1', '/档案 斑竹村')).toBe('无权限：书记只能查看自己的实绩档案：斑竹村（福禄镇）不是你负责的单位。');
    expect(await say('u_t1_m2', 'CHAT_T1', '/档案 斑竹村')).toBe('无权限：/档案 仅限组织部、队长或单位书记（责任人）使用。\n你可以用：/status（本片区整改进度）；需要时请第一工作队队长或组织部办理。');
  });

  it.each<[string, string]>([
    ['/档案 李大勇', '⚠️ 李大勇不是哪个单位的书记（责任人），实绩档案按书记或单位查看\n例如：`/档案 陈晓燕 今年`'],
    ['/档案 张三丰', '⚠️ 找不到“张三丰”：请写书记的姓名（或 @姓名）或单位名称\n例如：`/档案 陈晓燕 今年`'],
    ['/档案 陈小燕', '⚠️ 找不到“陈小燕”，是不是：陈晓燕？\n例如：`/档案 陈晓燕`'],
    ['/档案', '⚠️ 请写明要看谁的实绩档案：书记的姓名或单位名称\n例如：`/档案 陈晓燕 今年`'],
  ])('answers %s with what is wrong and an example', async (text, want) => {
    expect(await say('u_admin', 'CHAT_ADMIN', text)).toBe(want);
  });
});

/**
 * 约谈 are the department's own records (docs/design.md §4.17, §4.18): /档案 shows them only to
 * 组织部 in its group or a single chat. The secretary, a leader, and 组织部 in a work group (where
 * the whole team reads along) see neither the reason, nor the date, nor a count.
 */
describe('/档案 keeps 约谈 to 组织部', () => {
  const REASON = '逾期未整改，提醒抓紧';
  const noTalk = (text: string) => {
    expect(text).toMatch(/^\*\*实绩档案 · 陈晓燕/u);
    expect(text).not.toContain(REASON);
    expect(text).not.toContain('6月18日');
    expect(text).not.toMatch(/约谈 #|约谈 \d+ 次/u);
  };

  it('shows the secretary their record without the talk, in the work group and in a single chat', async () => {
    const inGroup = await say('u_sec_banzhu', 'CHAT_T1', '/档案');
    noTalk(inGroup);
    expect(inGroup).not.toContain('约谈');
    const alone = await single('u_sec_banzhu', '/档案');
    noTalk(alone);
    expect(alone).not.toContain('约谈');
  });

  it('shows a leader the figures without the talk, in the group and alone', async () => {
    for (const text of [await say('u_luo', 'CHAT_T1', '/档案 陈晓燕'), await single('u_luo', '/档案 陈晓燕')]) {
      noTalk(text);
      expect(text).not.toContain('约谈');
      expect(text).toContain('交办 4 件');
    }
  });

  it('tells 组织部 in a work group where to look, without a count', async () => {
    const text = await say('u_admin', 'CHAT_T1', '/档案 陈晓燕');
    noTalk(text);
    expect(text).toContain('提醒约谈：请在组织部的群或单聊督办助手查看');
  });

  it('shows 组织部 the talk in a single chat, as in its group', async () => {
    expect(await single('u_admin', '/档案 陈晓燕')).toContain(`提醒约谈 1 次：\n· 6月18日 15:00 #3 ${REASON}（约谈 #1）`);
  });
});

/** As a new user types it: without the slash, Traditional, a comma between name and period. */
describe('/档案 typed loosely', () => {
  it('reads Traditional, with or without the slash, and a comma before the period', async () => {
    const want = await say('u_admin', 'CHAT_ADMIN', '/档案 陈晓燕');
    expect(await say('u_admin', 'CHAT_ADMIN', '/檔案 陳曉燕')).toBe(want);
    // Reading only: done at once without the slash (docs/design.md §4.11).
    expect(await say('u_admin', 'CHAT_ADMIN', '檔案 陳曉燕')).toContain('**实绩档案 · 陈晓燕（福禄镇斑竹村、福禄镇石堰村） · 2026年**');
    expect(await say('u_admin', 'CHAT_ADMIN', '/档案 陈晓燕，2025')).toMatch(/^\*\*实绩档案 · 陈晓燕（福禄镇斑竹村、福禄镇石堰村） · 2025年\*\*/u);
  });
});

describe('the export’s 实绩档案 sheet', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'duban-perf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('has one row per secretary with the /档案 figures, in the workbook’s table layout; 组织部’s file counts the talks, never their reasons', async () => {
    const now = Date.parse(NOW);
    const period = parsePeriod('今年', now)!;
    const fulu = org.units.filter((u) => u.town === '福禄镇').map((u) => u.id);
    const req: FileRequest = { id: 'perfsheet1', kind: 'ledger', requester: 'u_admin', chatId: 'CHAT_ADMIN', scope: { label: '福禄镇', unitIds: fulu }, period: { label: period.label, months: period.months! }, createdAt: now, expiresAt: now + DAY_MS, extra: {} };
    const file = path.join(dir, 'perf.xlsx');
    await makers.ledger!(req, file, { redis: app().redis, keys: keys(), ledger: new LedgerStore(app().redis, keys()), org: () => org, clock, logger: captureLogs().logger });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.getWorksheet('实绩档案')!;
    expect(ws.getCell('A1').value).toBe('示例区书记实绩档案 · 福禄镇 · 2026年');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    const headers = (ws.getRow(2).values as ExcelJS.CellValue[]).slice(1);
    expect(headers).toEqual([
      '序号', '姓名', '单位', '镇街', '交办', '按期销号', '逾期销号', '按期率', '当前逾期', '驳回', '反弹',
      '效果·好', '效果·较好', '效果·一般', '效果·差', '评价·满意', '评价·基本满意', '评价·不满意', '约谈次数', '典型经验', '得分',
    ]);
    const [banzhu, shiyan] = [await scoreOf('banzhu'), await scoreOf('shiyan')];
    const first = (ws.getRow(3).values as ExcelJS.CellValue[]).slice(1);
    expect(first).toEqual([1, '陈晓燕', '斑竹村、石堰村', '福禄镇', 4, 1, 1, 50, 1, 1, 1, 1, 0, 1, 0, 1, 0, 1, 1, 1, Math.round(((banzhu + shiyan) / 2) * 100) / 100]);
    // 龙井村, 福禄社区, 黄桷社区, 福禄镇中心小学: a row each, nothing assigned, score 100.
    const others = [4, 5, 6, 7].map((r) => (ws.getRow(r).values as ExcelJS.CellValue[]).slice(1));
    expect(others.map((r) => r[1])).toEqual(['周永红', '马玉琴', '任国华', '卢晓琳']);
    for (const r of others) expect([r[4], r[7], r[20]]).toEqual([0, undefined, 100]);
    expect(ws.rowCount).toBe(7);
    expect(cellsOf(wb).filter((v) => v.includes('提醒抓紧'))).toEqual([]);
  });

  it('leaves 约谈 out of a leader’s export (the file lands in the work group): no count, no reason', async () => {
    const now = Date.parse(NOW);
    const period = parsePeriod('今年', now)!;
    const fulu = org.units.filter((u) => u.town === '福禄镇').map((u) => u.id);
    const req: FileRequest = { id: 'perfsheet2', kind: 'ledger', requester: 'u_luo', chatId: 'CHAT_T1', scope: { label: '福禄镇', unitIds: fulu }, period: { label: period.label, months: period.months! }, createdAt: now, expiresAt: now + DAY_MS, extra: {} };
    const file = path.join(dir, 'perf-leader.xlsx');
    await makers.ledger!(req, file, { redis: app().redis, keys: keys(), ledger: new LedgerStore(app().redis, keys()), org: () => org, clock, logger: captureLogs().logger });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.getWorksheet('实绩档案')!;
    const headers = (ws.getRow(2).values as ExcelJS.CellValue[]).slice(1);
    expect(headers).not.toContain('约谈次数');
    expect(headers.slice(-2)).toEqual(['典型经验', '得分']);
    expect((ws.getRow(3).values as ExcelJS.CellValue[]).slice(1, 5)).toEqual([1, '陈晓燕', '斑竹村、石堰村', '福禄镇']);
    expect(cellsOf(wb).filter((v) => v.includes('约谈') || v.includes('提醒抓紧'))).toEqual([]);
  });
});

/** Every cell's text in the workbook. */
function cellsOf(wb: ExcelJS.Workbook): string[] {
  const out: string[] = [];
  wb.eachSheet((ws) => ws.eachRow((row) => row.eachCell((c) => out.push(String(c.text ?? '')))));
  return out;
}
