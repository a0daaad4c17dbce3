import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { PracticeStore } from '../../src/store/practice-store';
import { practicesOf, practiceSheet } from '../../src/rendering/xlsx/practice-sheet';
import type { SheetRow } from '../../src/rendering/xlsx/table-sheet';
import { parsePeriod } from '../../src/parsing/period';
import { appForFile, BOT_NAME, demoOrg } from '../support/app';
import { testRedis } from '../support/redis';
import { monitorRedis } from '../support/monitor';

/** /典型 over the encrypted protocol: record, list, show, photos, roles, and "#3" that is never issue 3. */
const { app, clock } = appForFile('2026-06-15T10:00:00+08:00');

const MEMBER = 'u_t1_m2'; // 唐建平, 第一工作队
const LEADER = 'u_luo'; // 罗志刚, 第一工作队 队长
const T2_LEADER = 'u_t2_m1'; // 郑国强, 第二工作队 (七塘镇、八塘镇)
const SECRETARY = 'u_sec_banzhu';
const EXAMPLE = '/典型 斑竹村 “213工作法”：两委干部每周二、周一夜访、每月三次院坝会';

function say(userId: string, chatId: string, text: string, extra: { images?: string[]; quote?: string } = {}): Promise<string> {
  return app().client.say({ userId, chatId, text: `@${BOT_NAME} ${text}`, ...extra });
}
const store = () => new PracticeStore(app().redis, createKeys(app().prefix));

describe('recording a 典型经验', () => {
  it('keeps who, when, the unit, the text as typed and the photos, and audits it', async () => {
    const reply = await say(MEMBER, 'CHAT_T1', '/典型 斑竹村 “213工作法”：两委干部每周二集中办公', { images: ['https://img.example/a.jpg', 'https://img.example/b.jpg'] });
    expect(reply).toBe(
      [
        '✅ 已记录 **典型 #1** 福禄镇斑竹村：“213工作法”：两委干部每周二集中办公',
        '记录：唐建平，6月15日 10:00',
        '照片 2 张未保存（典型经验不保存照片，整改照片请随 /整改 发送）',
        '查看全部：`/典型 清单`',
      ].join('\n'),
    );
    const saved = await store().get(1);
    expect(saved).toEqual({
      id: 1,
      unitId: 'banzhu',
      author: MEMBER,
      at: Date.parse('2026-06-15T10:00:00+08:00'),
      chatId: 'CHAT_T1',
      text: '“213工作法”：两委干部每周二集中办公',
      evidence: [expect.objectContaining({ kind: 'image', index: 0, failed: { reason: 'not-kept' } }), expect.objectContaining({ kind: 'image', index: 1, failed: { reason: 'not-kept' } })],
    });
    const audit = await store().audit();
    expect(audit).toEqual([{ id: expect.stringMatching(/^\d+-\d+$/), kind: 'practice.add', actor: MEMBER, at: saved!.at, what: saved }]);
  });

  it('accepts the unit glued to the text, by leaders and admins too', async () => {
    clock.advance(60_000);
    expect(await say(LEADER, 'CHAT_T1', '/典型 石堰村“云说事”：村民线上议事')).toMatch(/^✅ 已记录 \*\*典型 #2\*\* 福禄镇石堰村：“云说事”：村民线上议事\n记录：罗志刚，6月15日 10:01\n/u);
    clock.advance(60_000);
    expect(await say('u_admin', 'CHAT_ADMIN', '/practice 喜观村 “电视秀”：党员在村电视台讲政策')).toMatch(/^✅ 已记录 \*\*典型 #3\*\* 七塘镇喜观村：/u);
  });

  it('refuses secretaries, and a member outside the unit’s area with the reason', async () => {
    const before = await app().redis.get(createKeys(app().prefix).practiceSeq);
    expect(await say(SECRETARY, 'CHAT_T1', '/典型 斑竹村 院坝会')).toBe(
      '无权限：/典型 仅限组织部、队长或队员使用。\n你可以用：/我的（等你办理的）、/整改 #编号 整改情况、/延期 #编号 新期限 理由。',
    );
    expect(await say(T2_LEADER, 'CHAT_T2', '/典型 斑竹村 院坝会')).toBe('无权限：斑竹村（福禄镇）不在第二工作队的片区（七塘镇、八塘镇），请由负责该片区的工作队办理。');
    expect(await app().redis.get(createKeys(app().prefix).practiceSeq)).toBe(before);
  });

  it.each<[string, string, string]>([
    ['/典型', '/典型', `⚠️ 请写明单位和做法\n例如：\`${EXAMPLE}\``],
    ['/典型 斑竹村', '/典型 斑竹村', `⚠️ 请写明斑竹村的做法\n例如：\`${EXAMPLE}\``],
    ['/典型 斑竹村，', '/典型 斑竹村，', `⚠️ 请写明斑竹村的做法\n例如：\`${EXAMPLE}\``],
    ['/典型 火星村 院坝会', '/典型 火星村 院坝会', `⚠️ 找不到单位“火星村”，请先写单位名称\n例如：\`${EXAMPLE}\``],
    ['/典型 斑竹村 <1002 字>', `/典型 斑竹村 ${'院坝会'.repeat(334)}`, `⚠️ 典型经验请控制在 1000 字以内（现在 1002 字）；材料全文可作为附件另行报送\n例如：\`${EXAMPLE}\``],
    ['/典型 #999', '/典型 #999', '⚠️ 没有找到典型 #999\n例如：`/典型 清单`'],
    ['/典型 #1 #2', '/典型 #1 #2', '⚠️ 查看典型经验请只写编号\n例如：`/典型 #3`'],
  ])('answers %s with what is wrong and an example, writing nothing', async (_label, text, want) => {
    const before = await app().redis.get(createKeys(app().prefix).practiceSeq);
    expect(await say(MEMBER, 'CHAT_T1', text)).toBe(want);
    expect(await app().redis.get(createKeys(app().prefix).practiceSeq)).toBe(before);
  });
});

describe('/典型 #n is a practice, never an issue', () => {
  beforeAll(async () => {
    // Issue #2 is in 七塘镇 (outside 第一工作队's area) while practice 2 is in 福禄镇石堰村; issue #3
    // is in 福禄镇 while practice 3 is in 七塘镇喜观村.
    for (const [user, chat, text] of [
      [MEMBER, 'CHAT_T1', '/上报 斑竹村 路灯不亮'],
      [T2_LEADER, 'CHAT_T2', '/上报 喜观村 党员活动室漏雨'],
      [MEMBER, 'CHAT_T1', '/上报 石堰村 公开栏破损'],
    ] as const) {
      await say(user, chat, text);
    }
    const ledger = new LedgerStore(app().redis, createKeys(app().prefix));
    expect([(await ledger.get(2))?.unitId, (await ledger.get(3))?.unitId]).toEqual(['xiguan', 'shiyan']);
  });

  it('shows practice 1 by "#1", "1", "＃1" and "1号"', async () => {
    const card = ['**典型 #1 福禄镇斑竹村**', '做法：“213工作法”：两委干部每周二集中办公', '记录：唐建平，6月15日 10:00', '照片 2 张（未保存）'].join('\n');
    expect(await say(LEADER, 'CHAT_T1', '/典型 #1')).toBe(card);
    expect(await say(LEADER, 'CHAT_T1', '/典型 1')).toBe(card);
    expect(await say(LEADER, 'CHAT_T1', '/典型 ＃1')).toBe(card);
    expect(await say('u_admin', 'CHAT_ADMIN', '/典型 1号')).toBe(card);
  });

  it('shows practice 2 to 第一工作队 although issue 2 is not theirs, without reading any issue', async () => {
    const monitor = testRedis();
    const seen: string[][] = [];
    const m = await monitorRedis(monitor);
    m.on('monitor', (_time: string, args: string[]) => seen.push(args));
    try {
      expect(await say(MEMBER, 'CHAT_T1', '/典型 #2')).toMatch(/^\*\*典型 #2 福禄镇石堰村\*\*\n做法：“云说事”/u);
    } finally {
      m.disconnect();
      monitor.disconnect();
    }
    const prefix = app().prefix;
    const touched = seen.flat().filter((a) => a.startsWith(prefix));
    expect(touched).toContain(`${prefix}{dept}:practice:2`);
    // The message's own record lives under the ledger's hash tag (src/store/keys.ts); no issue key is read.
    expect(touched.filter((k) => k.includes('{ledger}') && !k.includes('{ledger}:msg:'))).toEqual([]);
  });

  it('refuses practice 3 to 第一工作队 for the practice’s unit, although issue 3 is theirs', async () => {
    expect(await say(MEMBER, 'CHAT_T1', '/典型 #3')).toBe('无权限：喜观村（七塘镇）不在第一工作队的片区（福禄镇），请由负责该片区的工作队办理。');
    expect(await say(MEMBER, 'CHAT_T1', '/查看 #3')).toMatch(/^\*\*#3 福禄镇石堰村\*\*/u);
  });

  it('is not read as issue 3 when its card is quoted', async () => {
    const card = await say('u_admin', 'CHAT_ADMIN', '/典型 #3');
    expect(card.split('\n')[0]).toBe('**典型 #3 七塘镇喜观村**');
    // Quoting the practice card and asking /查看 asks which issue, rather than showing issue 3.
    expect(await say('u_admin', 'CHAT_ADMIN', '/查看', { quote: card })).toMatch(/^❓ 是哪个问题？/u);
    await say('u_admin', 'CHAT_ADMIN', '/取消');
  });
});

describe('/典型 清单', () => {
  beforeAll(async () => {
    for (let i = 0; i < 11; i++) {
      clock.advance(60_000);
      await say(MEMBER, 'CHAT_T1', `/典型 龙井村 第${i + 1}条做法：党员积分管理`);
    }
  });

  it('lists the chat’s scope newest first, paged', async () => {
    const first = await say(LEADER, 'CHAT_T1', '/典型 清单');
    const lines = first.split('\n');
    expect(lines[0]).toBe('**第一工作队 · 典型经验 · 累计**（共 13 条，第 1/2 页）');
    expect(lines[1]).toMatch(/^典型 #14 福禄镇龙井村：第11条做法：党员积分管理（6月15日 10:13 唐建平）$/u);
    expect(lines).toHaveLength(1 + 10 + 2);
    expect(lines[11]).toBe('下一页：`/典型 清单 第2页`');
    expect(lines[12]).toBe('查看一条：`/典型 #编号`');
    const second = (await say(LEADER, 'CHAT_T1', '/典型 清单 第2页')).split('\n');
    expect(second[0]).toBe('**第一工作队 · 典型经验 · 累计**（共 13 条，第 2/2 页）');
    expect(second.slice(1, 4)).toEqual([
      expect.stringMatching(/^典型 #4 福禄镇龙井村：第1条做法/u),
      expect.stringMatching(/^典型 #2 福禄镇石堰村：“云说事”/u),
      expect.stringMatching(/^典型 #1 福禄镇斑竹村：“213工作法”/u),
    ]);
  });

  it('reads scope and period words like /status, keeping the scope in the next-page hint', async () => {
    expect((await say(LEADER, 'CHAT_T1', '/典型 清单 斑竹村')).split('\n')[0]).toBe('**福禄镇斑竹村 · 典型经验 · 累计**（共 1 条）');
    expect((await say('u_admin', 'CHAT_ADMIN', '/典型 清单 全区 本月')).split('\n')[0]).toBe('**全区（示例区） · 典型经验 · 2026年6月**（共 14 条，第 1/2 页）');
    expect(await say('u_admin', 'CHAT_ADMIN', '/典型 清单 全区 本月')).toContain('下一页：`/典型 清单 全区 本月 第2页`');
    expect(await say('u_admin', 'CHAT_ADMIN', '/典型 清单 全区 2025')).toBe('**全区（示例区） · 典型经验 · 2025年**\n还没有记录典型经验。记录一条：`' + EXAMPLE + '`');
    expect(await say(LEADER, 'CHAT_T1', '/典型 清单 喜观村')).toBe('无权限：七塘镇喜观村不在第一工作队的片区（福禄镇）；本片区以外的情况请组织部查看。');
  });
});

describe('for the export and the quarterly summary', () => {
  it('describes the 典型经验 sheet with one streamed row per practice of the scope and period', async () => {
    const org = demoOrg();
    const t1 = org.team('t1')!.coveredUnitIds;
    const sheet = practiceSheet(org, store(), { scope: { label: '第一工作队', unitIds: t1 }, period: { label: '2026年第2季度', months: parsePeriod('本季度', clock.now().getTime())!.months } });
    expect(sheet.name).toBe('典型经验');
    expect(sheet.title).toBe('示例区典型经验 · 第一工作队 · 2026年第2季度');
    expect(sheet.columns.map((c) => c.header)).toEqual(['序号', '编号', '记录时间', '镇街', '单位', '工作队', '典型经验做法', '记录人', '照片']);
    const rows: SheetRow[] = [];
    for await (const r of sheet.rows as AsyncIterable<SheetRow>) rows.push(r);
    expect(rows).toHaveLength(13);
    expect(rows[0]).toEqual({
      n: 1,
      ref: '典型 #1',
      at: Date.parse('2026-06-15T10:00:00+08:00'),
      town: '福禄镇',
      unit: '斑竹村',
      teams: '第一工作队',
      text: '“213工作法”：两委干部每周二集中办公',
      author: '唐建平',
      photos: 2,
    });
    expect(rows.map((r) => r.n)).toEqual(Array.from({ length: 13 }, (_, i) => i + 1));
    expect(rows.some((r) => r.unit === '喜观村')).toBe(false);
  });

  it('gives the practices of a scope and period, oldest first', async () => {
    const all = await practicesOf(store(), ['xiguan', 'banzhu'], ['202606']);
    expect(all.map((p) => [p.id, p.unitId])).toEqual([
      [1, 'banzhu'],
      [3, 'xiguan'],
    ]);
    expect(await practicesOf(store(), ['banzhu'], ['202605'])).toEqual([]);
  });
});
