import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { ScoreEntryStore } from '../../src/store/score-entries';
import { appForFile, BOT_NAME, demoOrg } from '../support/app';
import { playScoreFixture, SCORE_AS_OF } from '../support/score-fixture';

/**
 * /考核, /加分, /扣分 and /撤回加减分 over the encrypted protocol, on the fixture whose scores
 * test/unit/scoring.test.ts recomputes by hand (第一工作队 98, 第三、第六工作队 96.3, 斑竹村 96.1 …).
 */
const { app } = appForFile(SCORE_AS_OF);
const say = (userId: string, chatId: string, text: string) => app().client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const AS_OF_LINE = '计分截至 6月20日（周六）；满分 100，按台账结果扣分，含组织部加减分。';
const AT = Date.parse(SCORE_AS_OF);

beforeAll(async () => {
  await playScoreFixture(demoOrg(), new LedgerStore(app().redis, createKeys(app().prefix)));
});

describe('/考核', () => {
  it('ranks the teams by default for 组织部', async () => {
    expect(await say('u_admin', 'CHAT_ADMIN', '/考核')).toBe(
      [
        '**百分量化考核 · 工作队排名 · 全区（示例区） · 累计**',
        AS_OF_LINE,
        '',
        '1. 第二工作队 100 分',
        '1. 第四工作队 100 分',
        '1. 第五工作队 100 分',
        '1. 第七工作队 100 分',
        '1. 第八工作队 100 分',
        '6. 第一工作队 98 分',
        '7. 第三工作队 96.3 分',
        '7. 第六工作队 96.3 分',
        '',
        '查看扣分明细：/考核 第六工作队',
      ].join('\n'),
    );
    // The English name and 全区 say the same.
    expect(await say('u_admin', 'CHAT_ADMIN', '/score 全区')).toBe(await say('u_admin', 'CHAT_ADMIN', '/考核'));
  });

  it('breaks a team down with the issues behind each deduction', async () => {
    expect(await say('u_admin', 'CHAT_ADMIN', '/考核 第三工作队')).toBe(
      ['**百分量化考核 · 第三工作队（工作队） · 累计**', AS_OF_LINE, '', '**第三工作队 96.3 分**', '扣分：', '- 待交办超期 5 天 −2.5：#1 #4', '- 逾期未催办 6 天 −1.2：#1'].join('\n'),
    );
  });

  it('ranks members and units, listing who lost points and naming the rest in one line', async () => {
    const members = await say('u_admin', 'CHAT_ADMIN', '/考核 队员');
    // In rank order: the many at 100 share one line in their place, above those that lost points.
    expect(members.split('\n').slice(3)).toEqual([
      '29 个 100 分（并列第 1）：罗志刚、冉小兵、邓丽华、郑国强、王建军、苏红梅、付明、徐长青、吴秀英、蒋涛 等',
      '30. 钟文斌（第六工作队） 99 分',
      '31. 唐建平（第一工作队） 98 分',
      '32. 黄德明（第三工作队） 97.3 分',
      '',
      '查看扣分明细：/考核 黄德明',
    ]);
    const units = await say('u_admin', 'CHAT_ADMIN', '/考核 单位 本月');
    expect(units.split('\n')[0]).toBe('**百分量化考核 · 责任单位排名 · 全区（示例区） · 2026年6月**');
    expect(units.split('\n').slice(4, 6)).toEqual(['39. 大兴精密机械公司 98 分', '40. 斑竹村 96.1 分']);
  });

  it('breaks a unit and a member down', async () => {
    expect(await say('u_admin', 'CHAT_ADMIN', '/考核 斑竹村')).toBe(
      [
        '**百分量化考核 · 斑竹村（责任单位） · 累计**',
        AS_OF_LINE,
        '',
        '**斑竹村 96.1 分**',
        '扣分：',
        '- 逾期整改完成 1 件 −1：#2',
        '- 整改逾期 2 天 −0.4：#2',
        '- 整改被驳回 1 次 −0.5：#3',
        '- 回头看反弹 1 次 −2：#3',
      ].join('\n'),
    );
    // In a single chat with the bot, by @name.
    expect(await app().client.say({ userId: 'u_admin', text: '/考核 @黄德明' })).toContain('**黄德明（第三工作队） 97.3 分**\n扣分：\n- 待交办超期 3 天 −1.5：#1\n- 逾期未催办 6 天 −1.2：#1');
  });

  it('shows a 队长 their own team, its members and units, and refuses the rest with the reason', async () => {
    expect(await say('u_luo', 'CHAT_T1', '/考核')).toBe(['**百分量化考核 · 工作队排名 · 第一工作队 · 累计**', AS_OF_LINE, '', '1. 第一工作队 98 分', '', '查看扣分明细：/考核 第一工作队'].join('\n'));
    expect(await say('u_luo', 'CHAT_T1', '/考核 唐建平')).toContain('**唐建平（第一工作队） 98 分**');
    expect(await say('u_luo', 'CHAT_T1', '/考核 第二工作队')).toBe('无权限：第二工作队不是你带领的工作队，你带领的是第一工作队（福禄镇）；其他工作队、队员和单位的考核请组织部查看。');
    expect(await say('u_luo', 'CHAT_T1', '/考核 黄德明')).toBe('无权限：黄德明不是你带领的工作队的队员，你带领的是第一工作队（福禄镇）；其他工作队、队员和单位的考核请组织部查看。');
    expect(await say('u_luo', 'CHAT_T1', '/考核 喜观村')).toBe('无权限：喜观村（七塘镇）不在你带领的工作队的片区，你带领的是第一工作队（福禄镇）；其他工作队、队员和单位的考核请组织部查看。');
    expect(await say('u_luo', 'CHAT_T1', '/考核 全区')).toBe('无权限：全区（示例区）不在第一工作队的片区（福禄镇）；本片区以外的情况请组织部查看。');
  });

  it('refuses members and secretaries, and shows a group only its own area', async () => {
    // A member is told what they can do instead, and whom to ask.
    expect(await say('u_t1_m2', 'CHAT_T1', '/考核')).toBe('无权限：/考核 仅限组织部或队长使用。\n你可以用：/status（本片区整改进度）；需要时请第一工作队队长或组织部办理。');
    expect(await say('u_sec_banzhu', 'CHAT_T1', '/考核')).toMatch(/^无权限：\/考核 仅限组织部或队长使用。\n你可以用：/u);
    expect(await say('u_admin', 'CHAT_T1', '/考核 第三工作队')).toBe('无权限：第三工作队不在本群的范围内。请到本片区的工作群，或单聊督办助手查看。');
  });

  it('answers a word it cannot read with an example', async () => {
    expect(await say('u_admin', 'CHAT_ADMIN', '/考核 随便')).toBe(
      '⚠️ 看不懂“随便”：可以写“队”“队员”“单位”“全区”、工作队、队员或单位的名称，以及“本月”“本季度”“2026”这样的时段\n例如：`/考核 队员 本季度`',
    );
  });
});

describe('/加分, /扣分, /撤回加减分', () => {
  it('are for 组织部 only', async () => {
    expect(await say('u_luo', 'CHAT_T1', '/加分 第一工作队 2 获市级表彰')).toBe('无权限：/加分 仅限组织部使用。');
    expect(await say('u_t1_m2', 'CHAT_T1', '/扣分 斑竹村 1 资料不全')).toBe('无权限：/扣分 仅限组织部使用。\n你可以用：/status（本片区整改进度）；需要时请第一工作队队长或组织部办理。');
    expect(await say('u_sec_banzhu', 'CHAT_T1', '/加分 斑竹村 2 自己加')).toMatch(/^无权限：\/加分 仅限组织部使用。\n你可以用：/u);
    expect(await say('u_luo', 'CHAT_T1', '/撤回加减分 1')).toBe('无权限：/撤回加减分 仅限组织部使用。');
    expect(await new ScoreEntryStore(app().redis, createKeys(app().prefix)).audit()).toEqual([]);
  });

  it('record an entry with who, when and why, audit it, count it, and withdraw it (kept, audited)', async () => {
    expect(await say('u_admin', 'CHAT_ADMIN', '/加分 第一工作队 2 获市级表彰')).toBe(
      ['✅ 已加分（编号 1）：第一工作队 +2 分', '理由：获市级表彰', '计入第一工作队的百分量化考核；如需撤回：/撤回加减分 1'].join('\n'),
    );
    expect(await say('u_admin2', 'CHAT_ADMIN', '/扣分 单位 斑竹村 0.5 台账资料不全')).toBe(
      ['✅ 已扣分（编号 2）：福禄镇斑竹村 −0.5 分', '理由：台账资料不全', '计入福禄镇斑竹村的百分量化考核；如需撤回：/撤回加减分 2'].join('\n'),
    );
    expect(await say('u_admin', 'CHAT_ADMIN', '/考核')).toContain('\n1. 第一工作队 100 分\n');
    expect(await say('u_admin', 'CHAT_ADMIN', '/考核 斑竹村')).toContain('**斑竹村 95.6 分**');
    expect(await say('u_admin', 'CHAT_ADMIN', '/考核 第一工作队')).toContain('加减分：\n- 编号 1 +2 获市级表彰（6月20日 12:00）');

    expect(await say('u_admin', 'CHAT_ADMIN', '/撤回加减分 1 录入有误')).toBe('✅ 已撤回加减分（编号 1）：第一工作队 +2 分（获市级表彰），不再计分；记录保留备查。');
    expect(await say('u_admin', 'CHAT_ADMIN', '/撤回加减分 1')).toBe('⚠️ 编号 1 的加减分已于 6月20日 12:00 撤回：第一工作队 +2 分（获市级表彰）');
    expect(await say('u_admin', 'CHAT_ADMIN', '/考核 第一工作队')).toContain('**第一工作队 98 分**');
    expect(await say('u_admin', 'CHAT_ADMIN', '/考核 第一工作队')).toContain('- 编号 1 +2 获市级表彰（6月20日 12:00）（已撤回，不计分）');

    const store = new ScoreEntryStore(app().redis, createKeys(app().prefix));
    const common = { actor: 'u_admin', at: AT };
    expect(await store.audit()).toEqual([
      { action: 'bonus', entry: 1, targetKind: 'team', targetId: 't1', targetLabel: '第一工作队', points: 200, reason: '获市级表彰', ...common },
      { action: 'deduct', entry: 2, targetKind: 'unit', targetId: 'banzhu', targetLabel: '福禄镇斑竹村', points: -50, reason: '台账资料不全', actor: 'u_admin2', at: AT },
      { action: 'withdraw', entry: 1, targetKind: 'team', targetId: 't1', targetLabel: '第一工作队', points: 200, reason: '获市级表彰', note: '录入有误', ...common },
    ]);
    expect(await store.get(1)).toEqual({
      id: 1,
      target: { kind: 'team', id: 't1' },
      targetLabel: '第一工作队',
      points: 2,
      reason: '获市级表彰',
      by: 'u_admin',
      at: AT,
      withdrawn: { by: 'u_admin', at: AT },
      withdrawReason: '录入有误',
    });
  });

  it('refuse bad input with an example, writing nothing', async () => {
    const store = new ScoreEntryStore(app().redis, createKeys(app().prefix));
    const before = (await store.audit()).length;
    expect(await say('u_admin', 'CHAT_ADMIN', '/加分 第一工作队 abc 理由')).toBe('⚠️ 分值要写成 0.01 到 100 之间的数字，最多两位小数\n例如：`/加分 第一工作队 2 获市级表彰`');
    expect(await say('u_admin', 'CHAT_ADMIN', '/加分 第一工作队 2')).toBe('⚠️ 请写明加分的对象（工作队、队员或单位）、分值和理由\n例如：`/加分 第一工作队 2 获市级表彰`');
    expect(await say('u_admin', 'CHAT_ADMIN', '/加分 第九工作队 2 表彰')).toBe('⚠️ 没有找到“第九工作队”：请写工作队、队员或单位的名称\n例如：`/加分 第一工作队 2 获市级表彰`');
    expect(await say('u_admin', 'CHAT_ADMIN', '/扣分 斑竹村 0.125 资料')).toBe('⚠️ 分值要写成 0.01 到 100 之间的数字，最多两位小数\n例如：`/扣分 斑竹村 1 台账资料弄虚作假`');
    expect(await say('u_admin', 'CHAT_ADMIN', '/撤回加减分 9')).toBe('⚠️ 没有编号 9 的加减分记录\n例如：`/撤回加减分 3 录入有误`');
    expect(await say('u_admin', 'CHAT_ADMIN', '/撤回加减分')).toBe('⚠️ 请写明要撤回的加减分编号（加分、扣分时回复里的编号）\n例如：`/撤回加减分 3 录入有误`');
    expect((await store.audit()).length).toBe(before);
  });
});
