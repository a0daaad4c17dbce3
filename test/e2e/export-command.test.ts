import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import ExcelJS from 'exceljs';
import { fixedClock } from '../../src/clock';
import { demoOrgWith, startTestApp, BOT_NAME, type TestApp } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { pollUntil } from '../support/wait';

/**
 * /导出 over the encrypted callback protocol, end to end: the reply's signed link, the files
 * worker making the workbook, the link serving it, and the file pushed into the group through
 * the fake group robot (upload, then a file message).
 */
const fake = new FakeWecom();
let dir: string;
let t: TestApp;
beforeAll(async () => {
  await fake.start();
  dir = await mkdtemp(path.join(os.tmpdir(), 'duban-export-'));
  t = await startTestApp({ clock: fixedClock('2026-06-15T10:00:00+08:00'), org: demoOrgWith({ quietHours: 'off' }), env: { WECOM_API_BASE: fake.url }, jobTimings: { backoffMs: 50, throttleMs: 200 } });
});
afterAll(async () => {
  await t.stop();
  await fake.stop();
  await rm(dir, { recursive: true, force: true });
});
const app = () => t;

const say = (userId: string, chatId: string, text: string) => app().client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const linkOf = (reply: string) => /\]\((http[^)]+)\)/.exec(reply)?.[1];

async function download(url: string): Promise<Response> {
  let res: Response | undefined;
  await pollUntil(async () => {
    res = await fetch(url);
    return res.status !== 202;
  }, 'the workbook to be made');
  return res!;
}

describe('/导出', () => {
  beforeAll(async () => {
    await say('u_t1_m2', 'CHAT_T1', '/上报 斑竹村 闸阀老化漏水 期限:5天');
    await say('u_t1_m2', 'CHAT_T1', '/上报 斑竹村 =HYPERLINK("http://x") 公开栏未更新');
    await say('u_t1_m2', 'CHAT_T1', '/走访 斑竹村 三会一课:按时召开');
    await say('u_t1_m2', 'CHAT_T1', '/典型 斑竹村 “213工作法”');
  });

  it('gives a leader the link at once, then the workbook of the team’s area with every sheet', async () => {
    const reply = await say('u_luo', 'CHAT_T1', '/导出 本月');
    const lines = reply.split('\n');
    expect(lines[0]).toBe('**台账导出** 第一工作队 · 2026年6月，共 2 个问题');
    expect(lines[2]).toBe('文件正在生成，稍后发到本群；链接在文件生成后可以打开（24 小时内有效）。');
    const url = linkOf(reply)!;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/files\/[A-Za-z0-9_-]{22}\.xlsx\?u=u_luo&exp=\d+&sig=/);

    const res = await download(url);
    expect(res.status).toBe(200);
    expect(decodeURIComponent(res.headers.get('content-disposition') ?? '')).toContain('示例区第一工作队台账_2026年6月');
    const file = path.join(dir, 'leader.xlsx');
    await writeFile(file, Buffer.from(await res.arrayBuffer()));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['台账', '汇总', '考核', '典型经验', '走访记录', '检查项目', '实绩档案']);
    const scores = wb.getWorksheet('考核')!.getSheetValues().flat().filter((v): v is string => typeof v === 'string');
    expect(scores).toContain('第一工作队');
    const ledger = wb.getWorksheet('台账')!;
    const texts = ledger.getSheetValues().flat().filter((v): v is string => typeof v === 'string');
    expect(texts).toContain('闸阀老化漏水');
    // Typed text stays text: never a formula in the department's workbook.
    expect(texts.some((v) => v.includes('HYPERLINK'))).toBe(true);
    ledger.eachRow((row) => row.eachCell((c) => expect(c.type).not.toBe(ExcelJS.ValueType.Formula)));
    const visits = wb.getWorksheet('走访记录')!.getSheetValues().flat().filter((v): v is string => typeof v === 'string');
    expect(visits.join(' ')).toContain('斑竹村');
    // Its title says the area's coverage for the period, as /status does.
    expect(visits[0]).toMatch(/ · 走访覆盖 1\/\d+ 个单位（\d+\.\d%）· 走访 1 次$/u);
  });

  it('pushes the file into the group through the group robot: upload, then the file message', async () => {
    const files = await fake.waitFor((m) => m.some((x) => x.key === 'KEY_CHAT_T1' && x.msgtype === 'file' && x.errcode === 0));
    const sent = files.find((x) => x.key === 'KEY_CHAT_T1' && x.msgtype === 'file')!;
    expect(sent.upload?.name).toMatch(/^示例区第一工作队台账_2026年6月_\d{8}\.xlsx$/);
    expect(sent.upload?.bytes.subarray(0, 2).toString()).toBe('PK');
  });

  it('refuses members and secretaries, and a leader another area', async () => {
    expect(await say('u_t1_m2', 'CHAT_T1', '/导出')).toMatch(/^无权限：\/导出 仅限组织部或队长使用/);
    expect(await say('u_sec_banzhu', 'CHAT_T1', '/导出')).toMatch(/^无权限/);
    expect(await say('u_t2_m1', 'CHAT_T2', '/导出 福禄镇')).toMatch(/^无权限/);
    expect(await say('u_luo', 'CHAT_T1', '/导出 七塘镇')).toBe('无权限：七塘镇不在第一工作队的片区（福禄镇）；本片区以外的情况请组织部查看。');
  });

  it('reads a town or a team written short, as people do', async () => {
    expect((await say('u_admin', 'CHAT_ADMIN', '/导出 福禄')).split('\n')[0]).toBe('**台账导出** 福禄镇 · 累计，共 2 个问题');
    expect((await say('u_admin', 'CHAT_ADMIN', '/导出 第一队 本月')).split('\n')[0]).toBe('**台账导出** 第一工作队 · 2026年6月，共 2 个问题');
    expect((await say('u_admin', 'CHAT_ADMIN', '/导出 二队')).split('\n')[0]).toBe('**台账导出** 第二工作队 · 累计，共 0 个问题');
    // Units that share a name are asked about with this command, not another.
    expect(await say('u_admin', 'CHAT_ADMIN', '/导出 社区')).not.toContain('/清单');
  });

  it('gives an admin the district for a year, and says what it did not understand', async () => {
    const reply = await say('u_admin', 'CHAT_ADMIN', '/导出 全区 2026');
    expect(reply.split('\n')[0]).toBe('**台账导出** 全区（示例区） · 2026年，共 2 个问题');
    expect((await download(linkOf(reply)!)).status).toBe(200);
    expect(await say('u_admin', 'CHAT_ADMIN', '/导出 火星')).toMatch(/^⚠️ 看不懂“火星”[\s\S]*\/导出 福禄镇 本季度/);
    // A period that has not begun makes no empty file.
    expect(await say('u_admin', 'CHAT_ADMIN', '/导出 2099年')).toMatch(/^⚠️ 2099年还没有到，请写今天以前的时段/);
    expect(await say('u_admin', 'CHAT_ADMIN', '/导出 下半年')).toMatch(/^⚠️ 2026年下半年还没有到/);
  });
});
