import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import ExcelJS from 'exceljs';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { makers } from '../../jobs/files/makers';
import type { FileRequest, MakerDeps } from '../../jobs/files/file-request';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import type { Org } from '../../src/domain/org';
import { DAY_MS } from '../../src/domain/time';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { RoundStore } from '../../src/store/round-store';
import { appForFile, BOT_NAME, demoOrg } from '../support/app';
import { captureLogs } from '../support/log-capture';
import { pollUntil } from '../support/wait';
import { monitorRedis } from '../support/monitor';

/**
 * 巡查 rounds over the encrypted protocol (docs/design.md §4.19): an admin opens a round for a
 * scope, problems reported with a checklist 类别 (code, name, typo refused with a suggestion)
 * and visits logged during it carry it, /status 本轮 shows each viewer their part, overlapping
 * rounds and non-admins are refused, 结束 closes it, and the workbook's 巡查 sheets count it.
 */
const T0 = '2026-12-01T09:00:00+08:00';
const { app, clock } = appForFile(T0);
const org = demoOrg();

const ADMIN = 'u_admin';
const MEMBER = 'u_t1_m2'; // 唐建平, 第一工作队 (福禄镇)
const LEADER = 'u_luo'; // 罗志刚, 第一工作队 队长
const LEADER2 = 'u_t2_m1'; // 郑国强, 第二工作队 (七塘镇, 八塘镇)

const say = (userId: string, chatId: string, text: string) => app().client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const keys = () => createKeys(app().prefix);
const ledger = () => new LedgerStore(app().redis, keys());
const rounds = () => new RoundStore(app().redis, keys());
const fuluAndQitang = org.units.filter((u) => u.town === '福禄镇' || u.town === '七塘镇').length;

describe('opening a round', () => {
  it('refuses a member, before anything is written', async () => {
    expect(await say(MEMBER, 'CHAT_T1', '/巡查 开始 2026年12月 范围:全区')).toBe('无权限：开始巡查由组织部（管理员）操作；查看本轮进度：/status 本轮。');
    expect(await app().redis.get(keys().roundSeq)).toBeNull();
  });

  it('opens a round for two towns, audited', async () => {
    const reply = await say(ADMIN, 'CHAT_ADMIN', '/巡查 开始 2026年12月 范围:福禄镇，七塘镇');
    expect(reply.split('\n').slice(0, 3)).toEqual([
      '🔍 已开始 **巡查 #1 2026年12月（福禄镇、七塘镇）**',
      `范围：福禄镇、七塘镇，共 ${fuluAndQitang} 个单位`,
      '开始：何静怡，12月1日 09:00',
    ]);
    expect(reply).toContain('上报时写检查项目：`类别:A1` 或 `类别:党建重点工作`');
    const r = await rounds().get(1);
    expect(r).toMatchObject({ id: 1, name: '2026年12月', scopeLabel: '福禄镇、七塘镇', openedBy: ADMIN, chatId: 'CHAT_ADMIN' });
    expect(r!.unitIds).toContain('banzhu');
    expect(r!.unitIds).toContain('xiguan');
    expect(await app().redis.smembers(keys().openRounds)).toEqual(['1']);
    const audit = await app().redis.xrange(keys().deptAudit, '-', '+');
    expect(audit.map(([, f]) => JSON.parse(f[1]!).kind)).toEqual(['round.open']);
  });

  it('refuses a round that shares a unit with the open one (a school of 福禄镇), naming it', async () => {
    for (const scope of ['斑竹村', '学校', '全区']) {
      expect(await say(ADMIN, 'CHAT_ADMIN', `/巡查 开始 专项 范围:${scope}`)).toBe(
        '⚠️ 巡查 #1 2026年12月（福禄镇、七塘镇）还在进行，与这一轮的范围有重叠：一个单位同时只能在一轮巡查里。先结束它：`/巡查 结束 #1`',
      );
    }
    expect(await app().redis.exists(keys().round(2))).toBe(0);
    expect(await app().redis.smembers(keys().openRounds)).toEqual(['1']);
  });

  it('opens a second round on other units, its name defaulting to the month', async () => {
    expect((await say(ADMIN, 'CHAT_ADMIN', '/巡查 开始 范围:机关')).split('\n')[0]).toMatch(/^🔍 已开始 \*\*巡查 #\d+ 2026年12月（机关（4个））\*\*$/u);
  });

  it('refuses a scope word it does not know, with an example', async () => {
    expect(await say(ADMIN, 'CHAT_ADMIN', '/巡查 开始 范围:火星')).toBe('⚠️ 范围里的“火星”不是镇街、单位类型、工作队或单位\n例如：`/巡查 开始 2026年12月 范围:全区`');
  });
});

describe('reporting during the round with a checklist 类别', () => {
  it('stores the item’s name for a code typed in lower case, and the round', async () => {
    clock.advance(60 * 60_000);
    const reply = await say(MEMBER, 'CHAT_T1', '/上报 斑竹村 公开栏内容未更新 类别:a10');
    expect(reply).toMatch(/^📌 已登记 \*\*#1\*\* 福禄镇斑竹村：公开栏内容未更新/u);
    expect(reply).toContain('\n检查项目：A10 村务公开\n计入巡查 #1 2026年12月（福禄镇、七塘镇）');
    expect(await ledger().get(1)).toMatchObject({ category: '村务公开', roundId: 1 });
    expect(await app().redis.zrange(keys().byRound(1), '0', '-1')).toEqual(['1']);
  });

  it('stores a name typed in Traditional characters as the Simplified item', async () => {
    expect(await say(MEMBER, 'CHAT_T1', '/上报 石堰村 垃圾清运不及时 类别:環境治理')).toContain('检查项目：A5 环境治理');
    expect(await ledger().get(2)).toMatchObject({ category: '环境治理', roundId: 1 });
  });

  it('refuses a typo with the item it is close to, before taking an id', async () => {
    const seq = await app().redis.get(keys().issueSeq);
    expect(await say(MEMBER, 'CHAT_T1', '/上报 龙井村 路灯不亮 类别:环竟治理')).toBe(
      '⚠️ 检查项目里没有“环竟治理”。是不是：A5 环境治理？（类别写编号或名称）\n例如：`/上报 斑竹村 公开栏未更新 类别:A5`',
    );
    // A word near nothing gets the whole list.
    const far = await say(MEMBER, 'CHAT_T1', '/上报 龙井村 路灯不亮 类别:闸阀');
    expect(far).toMatch(/^⚠️ 检查项目里没有“闸阀”。类别请写编号或名称：A1 党建重点工作、A2 党风廉政建设、/u);
    expect(await app().redis.get(keys().issueSeq)).toBe(seq);
    expect(await app().redis.exists(keys().draft('CHAT_T1', MEMBER))).toBe(0);
  });

  it('asks which item a word means when it only starts one item’s name and sits inside another’s, before taking an id', async () => {
    // The trial: 卫生 starts A8's alias 卫生城市 and was stored as A8, though 环境卫生 is A5's.
    const seq = await app().redis.get(keys().issueSeq);
    expect(await say(MEMBER, 'CHAT_T1', '/上报 龙井村 厕所脏乱 类别:卫生')).toBe(
      '⚠️ “卫生”对应多个检查项目：A5 环境治理、A8 国家卫生城市复审。请写编号或完整名称\n例如：`/上报 斑竹村 公开栏未更新 类别:A5`',
    );
    expect(await app().redis.get(keys().issueSeq)).toBe(seq);
  });

  it('leaves a unit outside every open round without a round', async () => {
    expect(await say(LEADER2, 'CHAT_T2', '/上报 三教村 党员活动室锁门 类别:A9')).not.toContain('计入巡查');
    const issue = await ledger().get(3);
    expect(issue).toMatchObject({ unitId: 'sanjiao', category: '阵地建设' });
    expect(issue!.roundId).toBeUndefined();
  });
});

describe('visits during the round', () => {
  it('carry the round and count for its coverage', async () => {
    const reply = await say(MEMBER, 'CHAT_T1', '/走访 龙井村 发现:党员活动日记录不全');
    expect(reply.split('\n').pop()).toBe('计入巡查 #1 2026年12月（福禄镇、七塘镇）');
    expect(await app().redis.zrange(keys().roundVisits(1), '0', '-1')).toEqual(['1']);
    expect(JSON.parse((await app().redis.get(keys().visit(1)))!)).toMatchObject({ unitId: 'longjing', roundId: 1 });
  });
});

describe('/status 本轮', () => {
  it('shows a team leader the figures of their part of the round', async () => {
    const reply = await say(LEADER, 'CHAT_T1', '/status 本轮');
    expect(reply.split('\n')).toEqual([
      '**巡查 #1 2026年12月（福禄镇、七塘镇）**',
      '（只显示第一工作队的部分）',
      '12月1日周二起，进行中',
      '发现问题 2　已销号 0　逾期 0',
      '整改中 2　待核验 0　待交办 0',
      '覆盖 3/6 个单位（50.0%）',
      '未覆盖：福禄镇 3',
      '',
      '**问题较多的检查项目**',
      'A10 村务公开 1（未完成 1）',
      'A5 环境治理 1（未完成 1）',
    ]);
  });

  it('shows another team only its own units, with nothing found yet', async () => {
    const reply = await say(LEADER2, 'CHAT_T2', '/status 本轮');
    expect(reply).toContain('（只显示第二工作队的部分）');
    expect(reply).toContain('发现问题 0　已销号 0　逾期 0');
    expect(reply).toContain('覆盖 0/6 个单位（0.0%）\n未覆盖：七塘镇 6');
    expect(reply).not.toContain('福禄镇 ');
  });

  it('shows an admin every open round whole', async () => {
    const reply = await say(ADMIN, 'CHAT_ADMIN', '/status 本轮');
    expect(reply).toContain(`**巡查 #1 2026年12月（福禄镇、七塘镇）**\n12月1日周二起，进行中\n发现问题 2`);
    expect(reply).toContain(`覆盖 3/${fuluAndQitang} 个单位（25.0%）\n未覆盖：福禄镇 3、七塘镇 6`);
    expect(reply).toContain('**巡查 #2 2026年12月（机关（4个））**');
    expect(reply).not.toContain('只显示');
    // /巡查 alone says the same.
    expect(await say(ADMIN, 'CHAT_ADMIN', '/巡查')).toBe(reply);
  });

  it('keeps a plain /status as it was', async () => {
    expect(await say(LEADER, 'CHAT_T1', '/status')).not.toMatch(/巡查|本轮/u);
  });
});

describe('the workbook', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'duban-rounds-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function workbook(unitIds: readonly string[], label: string, withOrg: Org = org): Promise<ExcelJS.Workbook> {
    const now = clock.now().getTime();
    const req: FileRequest = { id: `rounds${unitIds.length}x`, kind: 'ledger', requester: ADMIN, chatId: 'CHAT_ADMIN', scope: { label, unitIds: [...unitIds] }, period: { label: '累计' }, createdAt: now, expiresAt: now + DAY_MS, extra: {} };
    const deps: MakerDeps = { redis: app().redis, keys: keys(), ledger: ledger(), org: () => withOrg, clock, logger: captureLogs().logger };
    const file = path.join(dir, `${req.id}.xlsx`);
    await makers.ledger!(req, file, deps);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    return wb;
  }
  const table = (ws: ExcelJS.Worksheet) => {
    const headers = (ws.getRow(2).values as ExcelJS.CellValue[]).slice(1).map(String);
    const rows: Record<string, ExcelJS.CellValue>[] = [];
    ws.eachRow((r, n) => {
      if (n >= 3) rows.push(Object.fromEntries(headers.map((h, i) => [h, r.getCell(i + 1).value])));
    });
    return { headers, rows };
  };

  it('has a 巡查轮次 row per round and a 检查项目 row per item, with per-round columns', async () => {
    const wb = await workbook(org.units.map((u) => u.id), '全区（示例区）');
    const r = table(wb.getWorksheet('巡查轮次')!);
    expect(wb.getWorksheet('巡查轮次')!.getCell('A1').value).toBe('示例区巡查轮次 · 全区（示例区） · 累计');
    expect(r.headers).toEqual(['序号', '编号', '名称', '范围', '开始时间', '结束时间', '状态', '单位数', '已覆盖', '覆盖率', '发现问题', '未完成', '已销号', '逾期']);
    expect(r.rows[0]).toMatchObject({ 编号: '巡查 #1', 名称: '2026年12月', 范围: '福禄镇、七塘镇', 状态: '进行中', 单位数: fuluAndQitang, 已覆盖: 3, 覆盖率: 25, 发现问题: 2, 未完成: 2, 已销号: 0, 逾期: 0, 结束时间: null });
    expect((r.rows[0]!['开始时间'] as Date).toISOString()).toBe('2026-12-01T09:00:00.000Z');
    expect(r.rows[1]).toMatchObject({ 编号: '巡查 #2', 范围: '机关（4个）', 单位数: 4, 已覆盖: 0, 发现问题: 0 });

    const c = table(wb.getWorksheet('检查项目')!);
    expect(c.headers).toEqual(['序号', '编号', '检查项目', '发现问题', '未完成', '已销号', '逾期', '巡查 #1 2026年12月', '巡查 #2 2026年12月']);
    expect(c.rows).toHaveLength(org.checklist.length);
    const row = (code: string) => c.rows.find((x) => x['编号'] === code)!;
    expect(row('A5')).toMatchObject({ 检查项目: '环境治理', 发现问题: 1, 未完成: 1, 已销号: 0, '巡查 #1 2026年12月': 1, '巡查 #2 2026年12月': 0 });
    expect(row('A10')).toMatchObject({ 发现问题: 1, '巡查 #1 2026年12月': 1 });
    // Reported outside any round: counted for its item, in no round's column.
    expect(row('A9')).toMatchObject({ 检查项目: '阵地建设', 发现问题: 1, '巡查 #1 2026年12月': 0 });
    expect(row('A1')).toMatchObject({ 发现问题: 0 });
  });

  it('counts 检查项目 in the 台账’s own pass: the sheet reads no issue of its own', async () => {
    const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as Record<string, unknown>;
    delete raw.checklist;
    const bare = parseOrg(toYaml(raw), {});
    // How many commands name issue #1's hash while the whole district's workbook is made.
    const reads = async (withOrg: Org) => {
      const monitor = await monitorRedis(app().redis);
      const issueKey = keys().issue(1);
      const sentinel = `${keys().issue(0)}:sentinel`;
      let n = 0;
      let done = false;
      monitor.on('monitor', (_time: string, args: string[]) => {
        if (args.includes(issueKey)) n++;
        if (args.includes(sentinel)) done = true;
      });
      try {
        await workbook(org.units.map((u) => u.id), '全区（示例区）', withOrg);
        await app().redis.get(sentinel);
        await pollUntil(() => done, 'the monitor to see the sentinel');
        return n;
      } finally {
        monitor.disconnect();
      }
    };
    const withChecklist = await reads(org);
    expect(withChecklist).toBeGreaterThan(0);
    expect(withChecklist).toBe(await reads(bare));
  });

  it('counts a team’s export on its own part of the round', async () => {
    const wb = await workbook(org.team('t2')!.coveredUnitIds, '第二工作队');
    const r = table(wb.getWorksheet('巡查轮次')!);
    expect(r.rows).toHaveLength(1);
    expect(r.rows[0]).toMatchObject({ 编号: '巡查 #1', 单位数: 6, 已覆盖: 0, 发现问题: 0 });
  });
});

describe('closing the round', () => {
  it('refuses a member, and asks which when two are open', async () => {
    expect(await say(LEADER, 'CHAT_T1', '/巡查 结束')).toMatch(/^无权限：结束巡查由组织部/u);
    expect(await say(ADMIN, 'CHAT_ADMIN', '/巡查 结束')).toMatch(/^⚠️ 现在有 2 轮巡查在进行：.*请写明结束哪一轮\n例如：`\/巡查 结束 #1`$/u);
  });

  it('closes the named round with its figures, audited; later reports carry no round', async () => {
    clock.advance(27 * DAY_MS);
    const reply = await say(ADMIN, 'CHAT_ADMIN', '/巡查 结束 #1');
    expect(reply.split('\n').slice(0, 3)).toEqual(['✅ 已结束 **巡查 #1 2026年12月（福禄镇、七塘镇）**', '12月1日周二—12月28日周一，已结束', '发现问题 2　已销号 0　逾期 2']);
    // Found on 12月1日 with the default 7-day deadline: both overdue by now.
    expect(await app().redis.smembers(keys().openRounds)).toEqual(['2']);
    expect(await rounds().get(1)).toMatchObject({ closedBy: ADMIN, closedAt: clock.now().getTime() });
    const kinds = (await app().redis.xrange(keys().deptAudit, '-', '+')).map(([, f]) => JSON.parse(f[1]!).kind);
    expect(kinds.filter((k: string) => k.startsWith('round.'))).toEqual(['round.open', 'round.open', 'round.close']);
    expect(await say(ADMIN, 'CHAT_ADMIN', '/巡查 结束 #1')).toBe('⚠️ 巡查 #1 2026年12月（福禄镇、七塘镇）已经结束了');

    expect(await say(MEMBER, 'CHAT_T1', '/上报 斑竹村 路灯不亮 类别:A5')).not.toContain('计入巡查');
    expect((await ledger().get(4))!.roundId).toBeUndefined();
    // 本轮 right after the close: the last round of the area, said to be over.
    const status = await say(LEADER, 'CHAT_T1', '/status 本轮');
    expect(status).toContain('现在没有进行中的巡查（由组织部开始）。\n最近一轮：\n**巡查 #1');
  });

  it('lists the rounds, newest first, and the checklist', async () => {
    const list = (await say(ADMIN, 'CHAT_ADMIN', '/巡查 清单')).split('\n');
    expect(list[0]).toBe('**巡查轮次**（共 2 轮）');
    expect(list[1]).toMatch(/^巡查 #2 2026年12月（机关（4个）） 12月1日周二起，进行中，4 个单位，问题 0$/u);
    expect(list[2]).toBe(`巡查 #1 2026年12月（福禄镇、七塘镇） 12月1日周二—12月28日周一，已结束，${fuluAndQitang} 个单位，问题 2`);
    expect(await say(MEMBER, 'CHAT_T1', '/巡查 项目')).toMatch(/^\*\*巡查检查项目\*\*（共 \d+ 项）\nA1 党建重点工作、/u);
  });
});

describe('a one-day round, and the README’s example', () => {
  it('stores the README’s 类别:基础设施, and shows a round opened and closed on one day with one date', async () => {
    expect((await say(ADMIN, 'CHAT_ADMIN', '/巡查 开始 专项 范围:斑竹村')).split('\n')[0]).toBe('🔍 已开始 **巡查 #3 专项（福禄镇斑竹村）**');
    const reply = await say(MEMBER, 'CHAT_T1', '/上报 斑竹村 闸阀老化漏水 期限:5个工作日内 类别:基础设施');
    expect(reply).toContain('\n检查项目：A19 基础设施\n计入巡查 #3 专项（福禄镇斑竹村）');
    expect(await ledger().get(5)).toMatchObject({ unitId: 'banzhu', category: '基础设施', roundId: 3 });
    clock.advance(2 * 60 * 60_000);
    const closed = (await say(ADMIN, 'CHAT_ADMIN', '/巡查 结束 #3')).split('\n');
    expect(closed.slice(0, 2)).toEqual(['✅ 已结束 **巡查 #3 专项（福禄镇斑竹村）**', '12月28日周一，已结束']);
    expect((await say(ADMIN, 'CHAT_ADMIN', '/巡查 清单')).split('\n')[1]).toBe('巡查 #3 专项（福禄镇斑竹村） 12月28日周一，已结束，1 个单位，问题 1');
  });
});
