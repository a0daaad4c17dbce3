import { coverageOf } from '../../src/domain/coverage';
import { parsePeriod } from '../../src/parsing/period';
import { visitSheet } from '../../src/rendering/xlsx/visit-sheet';
import type { SheetRow } from '../../src/rendering/xlsx/table-sheet';
import { createKeys } from '../../src/store/keys';
import { VisitStore } from '../../src/store/visit-store';
import { appForFile, BOT_NAME, demoOrg } from '../support/app';

/**
 * /走访 over the encrypted protocol: the record form of the unit's kind, photos, the issues the
 * visitor reported there that day, the area and role refusals, the department audit, and the
 * coverage /status shows once a district logs visits.
 */
const T0 = '2026-06-15T10:00:00+08:00';
const { app, clock } = appForFile(T0);

const MEMBER = 'u_t1_m2'; // 唐建平, 第一工作队
const MEMBER3 = 'u_t1_m3'; // 冉小兵, 第一工作队
const LEADER = 'u_luo'; // 罗志刚, 第一工作队 队长
const EXAMPLE = '/走访 斑竹村 三会一课:按时召开 党员管理:台账齐全 发现:公开栏未更新';

function say(userId: string, chatId: string, text: string, extra: { images?: string[] } = {}): Promise<string> {
  return app().client.say({ userId, chatId, text: `@${BOT_NAME} ${text}`, ...extra });
}
const keys = () => createKeys(app().prefix);
const store = () => new VisitStore(app().redis, keys());
const seq = async () => app().redis.get(keys().visitSeq);
const coverageLines = (status: string) => status.split('\n').filter((l) => l.startsWith('走访覆盖') || /天内未走访/u.test(l));

describe('before any visit', () => {
  it('shows /status exactly as a district without visits always saw it', async () => {
    for (const [user, chat, text] of [
      [LEADER, 'CHAT_T1', '/status'],
      ['u_admin', 'CHAT_ADMIN', '/status 全区'],
    ] as const) {
      expect(await say(user, chat, text)).not.toMatch(/走访/u);
    }
  });
});

describe('recording a visit', () => {
  let statusBefore: string;

  it('keeps the 农村 form’s fields in the form’s order, the photo, and links the issue reported there that day', async () => {
    expect(await say(MEMBER, 'CHAT_T1', '/上报 斑竹村 公开栏内容未更新')).toMatch(/^📌 已登记 \*\*#1\*\*/u);
    statusBefore = await say(LEADER, 'CHAT_T1', '/status');
    clock.advance(30 * 60_000);
    const reply = await say(MEMBER, 'CHAT_T1', '/走访 斑竹村 发现:公开栏未更新 三会一课:按时召开 党员管理：台账齐全 与书记交流了换届准备', { images: ['https://img.example/v1.jpg'] });
    expect(reply).toBe(
      [
        '✅ 已记录走访：福禄镇斑竹村（农村巡回指导记录表）',
        '走访人：唐建平，6月15日 10:30',
        '三会一课：按时召开',
        '党员管理：台账齐全',
        '发现：公开栏未更新',
        '情况：与书记交流了换届准备',
        '照片 1 张未保存（走访记录不保存照片，整改照片请随 /整改 发送）',
        '当天上报的问题：#1',
      ].join('\n'),
    );
    expect(await store().get(1)).toEqual({
      id: 1,
      unitId: 'banzhu',
      visitor: MEMBER,
      at: Date.parse('2026-06-15T10:30:00+08:00'),
      chatId: 'CHAT_T1',
      form: '农村',
      fields: [
        { name: '三会一课', value: '按时召开' },
        { name: '党员管理', value: '台账齐全' },
        { name: '发现', value: '公开栏未更新' },
      ],
      note: '与书记交流了换届准备',
      evidence: [{ kind: 'image', msgid: expect.any(String), index: 0, at: expect.any(Number), failed: { reason: 'not-kept' } }],
    });
  });

  it('adds the coverage lines to /status after the first visit, and changes nothing else', async () => {
    const after = await say(LEADER, 'CHAT_T1', '/status');
    expect(coverageLines(after)).toEqual(['走访覆盖 1/6 个单位（16.7%）· 走访 1 次', '90天内未走访 5 个：石堰村、龙井村、福禄社区等']);
    // Right after the headline figures, before the per-unit lines.
    const lines = after.split('\n');
    expect(lines.indexOf('走访覆盖 1/6 个单位（16.7%）· 走访 1 次')).toBe(4);
    expect(lines.filter((l) => !coverageLines(after).includes(l)).join('\n')).toBe(statusBefore);
  });

  it('links the issues the visitor reports there later that day, not others’ nor the next day’s', async () => {
    clock.advance(60 * 60_000);
    await say(MEMBER, 'CHAT_T1', '/上报 斑竹村 党员活动室漏雨'); // #2: same visitor, same unit, same day
    await say(MEMBER3, 'CHAT_T1', '/上报 斑竹村 路灯不亮'); // #3: another member
    await say(MEMBER, 'CHAT_T1', '/上报 石堰村 便民服务点无人值守'); // #4: another unit
    clock.set('2026-06-16T09:00:00+08:00');
    await say(MEMBER, 'CHAT_T1', '/上报 斑竹村 文化室门窗破损'); // #5: the next day
    const visit = (await store().get(1))!;
    expect((await store().linkedIssues([visit])).get(1)).toEqual([1, 2]);
  });

  it('says how to link a problem found when none was reported yet', async () => {
    clock.set('2026-06-16T10:00:00+08:00');
    expect(await say(MEMBER3, 'CHAT_T1', '/走访 福禄社区 网格治理:网格员全部到岗 为民服务:代办点运行正常 发现: 党员活动记录不全')).toBe(
      [
        '✅ 已记录走访：福禄镇福禄社区（小区巡回指导记录表）',
        '走访人：冉小兵，6月16日 10:00',
        '网格治理：网格员全部到岗',
        '为民服务：代办点运行正常',
        '发现：党员活动记录不全',
        '发现的问题请用 `/上报 福禄社区 问题描述` 登记，当天上报的会关联到这次走访。',
      ].join('\n'),
    );
  });
});

describe('the record form by the unit’s kind', () => {
  it.each<[string, string, string, string, { name: string; value: string }[]]>([
    ['学校', 'u_t1_m4', 'CHAT_T1', '/走访 福禄镇中心小学 检查:查阅支部台账 思政教育:思政课按计划开设', [{ name: '思政教育', value: '思政课按计划开设' }, { name: '检查', value: '查阅支部台账' }]],
    ['企业', 'u_t6_m1', 'CHAT_T6', '/走访 区城投集团 党建融合:党建与项目建设结合 建议:建立项目党小组', [{ name: '党建融合', value: '党建与项目建设结合' }, { name: '建议', value: '建立项目党小组' }]],
    ['医院', 'u_t7_m1', 'CHAT_T7', '/走访 区人民医院 医德医风:开展专题教育', [{ name: '医德医风', value: '开展专题教育' }]],
    ['机关', 'u_t8_m1', 'CHAT_T8', '/visit 区农业农村局 主题党日:每月开展 作风建设:“四下基层 常态化”', [{ name: '主题党日', value: '每月开展' }, { name: '作风建设', value: '四下基层 常态化' }]],
  ])('%s', async (form, user, chat, text, fields) => {
    const reply = await say(user, chat, text);
    expect(reply.split('\n')[0]).toMatch(new RegExp(`^✅ 已记录走访：.+（${form}巡回指导记录表）$`, 'u'));
    const id = Number(await seq());
    expect(await store().get(id)).toMatchObject({ form, fields });
  });

  it('refuses a field the unit’s form does not have, naming the ones it has, writing nothing', async () => {
    const before = await seq();
    expect(await say(MEMBER, 'CHAT_T1', '/走访 斑竹村 医德医风:良好')).toBe(
      `⚠️ 斑竹村（村）的农村巡回指导记录表没有“医德医风”这一项。可以填：组织建设、三会一课、党员管理、阵地建设、村务公开、产业发展、检查、发现、建议\n例如：\`${EXAMPLE}\``,
    );
    expect(await seq()).toBe(before);
  });
});

describe('who may record a visit, and where', () => {
  it.each<[string, string, string]>([
    ['u_sec_banzhu', 'CHAT_T1', '无权限：/走访 仅限队长或队员使用。\n你可以用：/我的（等你办理的）、/整改 #编号 整改情况、/延期 #编号 新期限 理由。'],
    ['u_t2_m1', 'CHAT_T2', '无权限：斑竹村（福禄镇）不在第二工作队的片区（七塘镇、八塘镇），请由负责该片区的工作队办理。'],
    ['u_t6_m1', 'CHAT_T6', '无权限：斑竹村（福禄镇）不在第六工作队的片区（企业类单位），请由负责该片区的工作队办理。'],
  ])('refuses %s with the reason', async (user, chat, want) => {
    const before = await seq();
    expect(await say(user, chat, '/走访 斑竹村 检查:查阅台账')).toBe(want);
    expect(await seq()).toBe(before);
  });

  it.each<[string, string]>([
    ['/走访', `⚠️ 请写明走访的单位，以及检查和发现的情况\n例如：\`${EXAMPLE}\``],
    ['/走访 火星村 检查:台账', `⚠️ 找不到单位“火星村”，请先写单位名称\n例如：\`${EXAMPLE}\``],
    [`/走访 斑竹村 发现:${'台账'.repeat(101)}`, `⚠️ “发现”请控制在 200 字以内\n例如：\`${EXAMPLE}\``],
  ])('answers bad input with an example, writing nothing (%#)', async (text, want) => {
    const before = await seq();
    expect(await say(MEMBER, 'CHAT_T1', text)).toBe(want);
    expect(await seq()).toBe(before);
  });

  it('records a re-sent callback once', async () => {
    const before = Number(await seq());
    const msg = { userId: LEADER, chatId: 'CHAT_T1', text: `@${BOT_NAME} /走访 斑竹村`, msgid: 'visit-resent-1' };
    const first = await app().client.say(msg);
    expect(await app().client.say(msg)).toBe(first);
    expect(Number(await seq())).toBe(before + 1);
  });
});

describe('coverage for a scope and period, by hand', () => {
  beforeAll(async () => {
    // An old visit: 石堰村 on 2026-03-01, more than 90 days before now (2026-06-16).
    clock.set('2026-03-01T10:00:00+08:00');
    await say(MEMBER, 'CHAT_T1', '/走访 石堰村 检查:查阅资料');
    clock.set('2026-06-16T11:00:00+08:00');
  });

  // 第一工作队 covers 福禄镇's six units (斑竹村 石堰村 龙井村 福禄社区 黄桷社区 福禄镇中心小学).
  // Visits: 斑竹村 2 (6-15, 6-16), 福禄社区 1, 福禄镇中心小学 1 in June; 石堰村 1 in March.
  it('gives units visited / units in scope, visits, and the units not visited for 90 days', async () => {
    const org = demoOrg();
    const t1 = org.team('t1')!.coveredUnitIds;
    const now = clock.now().getTime();
    const june = await coverageOf(store(), t1, parsePeriod('本月', now)!, now, 90);
    expect({ ...june, perUnit: Object.fromEntries(june.perUnit) }).toEqual({
      units: 6,
      visited: 3,
      visits: 4,
      rate: 50,
      full: false,
      perUnit: { banzhu: 2, shiyan: 0, longjing: 0, fulu_sq: 1, huangjue_sq: 0, fulu_xx: 1 },
      stale: [{ unitId: 'longjing' }, { unitId: 'huangjue_sq' }, { unitId: 'shiyan', lastAt: Date.parse('2026-03-01T10:00:00+08:00') }],
      staleDays: 90,
    });
    const all = await coverageOf(store(), t1, {}, now, 90);
    expect([all.visited, all.visits, all.rate?.toFixed(1)]).toEqual([4, 5, '66.7']);
    const q1 = await coverageOf(store(), t1, parsePeriod('2026年第1季度', now)!, now, 90);
    expect([q1.visited, q1.visits]).toEqual([1, 1]);
    // 石堰村 was visited 107 days ago: a 120-day policy no longer names it.
    expect((await coverageOf(store(), t1, {}, now, 120)).stale.map((s) => s.unitId)).toEqual(['longjing', 'huangjue_sq']);
  });

  it('shows them in /status for the scope and period asked', async () => {
    expect(coverageLines(await say(LEADER, 'CHAT_T1', '/status'))).toEqual(['走访覆盖 4/6 个单位（66.7%）· 走访 5 次', '90天内未走访 3 个：龙井村、黄桷社区、石堰村']);
    expect(coverageLines(await say(LEADER, 'CHAT_T1', '/status 本月'))).toEqual(['走访覆盖 3/6 个单位（50.0%）· 走访 4 次', '90天内未走访 3 个：龙井村、黄桷社区、石堰村']);
    expect(coverageLines(await say(LEADER, 'CHAT_T1', '/status 斑竹村'))).toEqual(['走访覆盖 1/1 个单位（全覆盖）· 走访 2 次']);
    // The district: 40 units; visited 斑竹村 石堰村 福禄社区 福禄镇中心小学 区城投集团 区人民医院 区农业农村局.
    const district = coverageLines(await say('u_admin', 'CHAT_ADMIN', '/status 全区'));
    expect(district[0]).toBe('走访覆盖 7/40 个单位（17.5%）· 走访 8 次');
    expect(district[1]).toMatch(/^90天内未走访 34 个：[^、]+、[^、]+、[^、]+等$/u);
    for (const l of coverageLines(await say(LEADER, 'CHAT_T1', '/status'))) expect([...l].length).toBeLessThanOrEqual(30);
  });
});

describe('the department audit and the 走访记录 sheet', () => {
  it('audits every visit with kind, actor, time and the record', async () => {
    const audit = await store().audit(1000);
    const visits = audit.filter((e) => e.kind === 'visit.add');
    expect(visits).toHaveLength(Number(await seq()));
    expect(visits[0]).toEqual({ id: expect.any(String), kind: 'visit.add', actor: MEMBER, at: Date.parse('2026-06-15T10:30:00+08:00'), what: await store().get(1) });
  });

  it('describes the sheet with one streamed row per visit of the scope and period, with the day’s issues', async () => {
    const org = demoOrg();
    const sheet = visitSheet(org, store(), { scope: { label: '第一工作队', unitIds: org.team('t1')!.coveredUnitIds }, period: { label: '2026年6月', months: ['202606'] } });
    expect(sheet.name).toBe('走访记录');
    expect(sheet.title).toBe('示例区巡回指导走访记录 · 第一工作队 · 2026年6月');
    const rows: SheetRow[] = [];
    for await (const r of sheet.rows as AsyncIterable<SheetRow>) rows.push(r);
    expect(rows.map((r) => r.unit)).toEqual(['斑竹村', '福禄社区', '福禄镇中心小学', '斑竹村']);
    expect(rows[0]).toEqual({
      n: 1,
      at: Date.parse('2026-06-15T10:30:00+08:00'),
      town: '福禄镇',
      unit: '斑竹村',
      kind: '村',
      form: '农村',
      teams: '第一工作队',
      visitor: '唐建平',
      formFields: '三会一课：按时召开；党员管理：台账齐全',
      checked: undefined,
      found: '公开栏未更新',
      advice: undefined,
      note: '与书记交流了换届准备',
      photos: 1,
      issues: '#1 #2',
    });
  });
});
