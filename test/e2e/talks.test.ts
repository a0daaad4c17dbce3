import { runBulletin } from '../../jobs/ticks/bulletin';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { TalkStore } from '../../src/store/talk-store';
import { appForFile, BOT_NAME, demoOrg } from '../support/app';
import { Player } from '../support/score-fixture';
import { pollUntil } from '../support/wait';

/**
 * /约谈 over the encrypted protocol (record, audit, list, refusals) and the weekly 通报's
 * 建议提醒约谈: a unit past policy.talkAdvice (3 issues overdue more than 7 days) is named with its
 * secretary, its oldest issues and a talk of the last 30 days; a unit below it is not.
 */
const NOW = '2026-06-15T10:00:00+08:00';
const { app, clock } = appForFile(NOW);
const at = (iso: string) => Date.parse(`${iso}+08:00`);
const keys = () => createKeys(app().prefix);
const talks = () => new TalkStore(app().redis, keys());
const say = (userId: string, chatId: string, text: string) => app().client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const EXAMPLE = '/约谈 斑竹村 3件问题逾期超过一周未整改，提醒抓紧销号';

/**
 * The ledger on 15 June: 斑竹村 has 4 issues overdue (#1–#3 past their deadline of 1–3 June, so
 * 12–14 days; #4 since 12 June, 3 days); 石堰村 2 overdue 12 days and one due later (#7); 龙井村
 * 3 overdue since 10 June (5 days: below the threshold now, past it a week later).
 */
const ids: { banzhu: number[]; shiyan: number[]; longjing: number[] } = { banzhu: [], shiyan: [], longjing: [] };
beforeAll(async () => {
  const player = new Player(demoOrg(), new LedgerStore(app().redis, keys()));
  const report = async (unitId: keyof typeof ids, secretary: string, deadline: string) => {
    ids[unitId].push(await player.report('u_t1_m2', { unitId, assignee: secretary, deadline: at(deadline) }, at('2026-05-20T10:00:00')));
  };
  for (const d of ['2026-06-01T23:59:59', '2026-06-02T23:59:59', '2026-06-03T23:59:59', '2026-06-12T23:59:59']) await report('banzhu', 'u_sec_banzhu', d);
  for (const d of ['2026-06-03T23:59:59', '2026-06-03T23:59:59', '2026-06-30T23:59:59']) await report('shiyan', 'u_sec_shiyan', d);
  for (const d of ['2026-06-10T09:00:00', '2026-06-10T09:00:00', '2026-06-10T09:00:00']) await report('longjing', 'u_sec_longjing', d);
});

describe('recording a 提醒约谈', () => {
  it('keeps who held it, with whom, when, why and the unit’s overdue issues, audited in the department’s records', async () => {
    const reply = await say('u_admin', 'CHAT_ADMIN', `/约谈 斑竹村 @宋立新 3件问题逾期超过一周未整改，另见 #${ids.shiyan[0]}`);
    const [b1, b2, b3, b4] = ids.banzhu;
    expect(reply).toBe(
      [
        '✅ 已记录 **约谈 #1**：约谈 陈晓燕（福禄镇斑竹村）',
        '时间：6月15日 10:00',
        '约谈人：何静怡、宋立新',
        `事由：3件问题逾期超过一周未整改，另见 #${ids.shiyan[0]}`,
        `涉及问题：#${b1} #${b2} #${b3} #${b4} #${ids.shiyan[0]}（当前逾期 4 件，另列 1 件）`,
        '仅作组织部记录，不会推送给书记。查看全部：`/约谈 清单`',
      ].join('\n'),
    );
    const saved = await talks().get(1);
    expect(saved).toEqual({
      id: 1,
      at: Date.parse(NOW),
      recordedAt: Date.parse(NOW),
      recordedBy: 'u_admin',
      heldBy: ['u_admin', 'u_admin2'],
      person: 'u_sec_banzhu',
      unitIds: ['banzhu'],
      reason: `3件问题逾期超过一周未整改，另见 #${ids.shiyan[0]}`,
      issueIds: [b1, b2, b3, b4, ids.shiyan[0]],
      chatId: 'CHAT_ADMIN',
    });
    expect(await talks().audit()).toEqual([{ id: expect.stringMatching(/^\d+-\d+$/), kind: 'talk.add', actor: 'u_admin', at: Date.parse(NOW), what: saved }]);
    // Indexed by the unit and by the person, so /档案 and the 通报 find it without a scan.
    expect(await app().redis.zscore(keys().unitTalks('banzhu'), '1')).toBe(String(Date.parse(NOW)));
    expect(await app().redis.zscore(keys().personTalks('u_sec_banzhu'), '1')).toBe(String(Date.parse(NOW)));
  });

  it('takes the person by @name or name, and a day it was held (时间: or a leading 昨天)', async () => {
    clock.advance(60_000);
    expect(await say('u_admin2', 'CHAT_ADMIN', '/约谈 @李大勇 时间:6月10日 整改进度滞后')).toMatch(/^✅ 已记录 \*\*约谈 #2\*\*：约谈 李大勇（福禄镇石堰村）\n时间：6月10日\n约谈人：宋立新\n事由：整改进度滞后\n涉及问题：#\d+ #\d+（当前逾期 2 件）/u);
    expect(await talks().get(2)).toMatchObject({ at: at('2026-06-10T00:00:00'), dayOnly: true, person: 'u_sec_shiyan', unitIds: ['shiyan'] });
    clock.advance(60_000);
    expect(await say('u_admin', 'CHAT_ADMIN', '/提醒约谈 周永红 昨天 谈心谈话，提醒按期整改')).toMatch(/^✅ 已记录 \*\*约谈 #3\*\*：约谈 周永红（福禄镇龙井村）\n时间：6月14日\n/u);
    expect(await talks().get(3)).toMatchObject({ at: at('2026-06-14T00:00:00'), reason: '谈心谈话，提醒按期整改' });
  });

  it('refuses everyone but 组织部, and 组织部 in a work group (the secretary would read it there)', async () => {
    const before = await app().redis.get(keys().talkSeq);
    expect(await say('u_luo', 'CHAT_T1', '/约谈 斑竹村 整改拖沓')).toMatch(/^无权限：\/约谈 仅限组织部使用。/u);
    expect(await say('u_sec_banzhu', 'CHAT_T1', '/约谈 清单')).toMatch(/^无权限：\/约谈 仅限组织部使用。/u);
    expect(await say('u_admin', 'CHAT_T1', '/约谈 斑竹村 整改拖沓')).toBe('无权限：约谈是组织部的内部记录，不在工作群里登记或查看；请在组织部的群或单聊督办助手中使用 /约谈。');
    expect(await app().redis.get(keys().talkSeq)).toBe(before);
  });

  it.each<[string, string]>([
    ['/约谈', `⚠️ 请写明约谈谁和事由\n例如：\`${EXAMPLE}\``],
    ['/约谈 斑竹村', `⚠️ 请写明约谈陈晓燕的事由\n例如：\`${EXAMPLE}\``],
    ['/约谈 张三丰 整改拖沓', `⚠️ 找不到“张三丰”：请先写约谈对象的姓名（或 @姓名）或单位名称\n例如：\`${EXAMPLE}\``],
    // A typo is offered the names it is close to, the message pre-filled; nothing is recorded.
    ['/约谈 陈小燕 台账不规范', '⚠️ 找不到“陈小燕”，是不是：陈晓燕？\n例如：`/约谈 陈晓燕 台账不规范`'],
    ['/约谈 斑竹材，台账不规范', '⚠️ 找不到“斑竹材”，是不是：斑竹村？\n例如：`/约谈 斑竹村 台账不规范`'],
    ['/约谈 大兴精密机械公司 整改拖沓', `⚠️ 大兴镇大兴精密机械公司没有登记书记（责任人），请直接写约谈对象的姓名\n例如：\`${EXAMPLE}\``],
    ['/约谈 斑竹村 @唐建平 整改拖沓', `⚠️ @唐建平 不是组织部的同志：约谈人只记组织部的同志，约谈对象写在最前面\n例如：\`${EXAMPLE}\``],
    ['/约谈 斑竹村 时间:2026年7月1日 整改拖沓', '⚠️ 约谈时间不能晚于现在：请记录已经进行的约谈\n例如：`/约谈 斑竹村 时间:12月1日 整改进度滞后`'],
    ['/约谈 斑竹村 整改拖沓 #9999', `⚠️ 没有找到 #9999，请核对问题编号\n例如：\`${EXAMPLE}\``],
  ])('answers %s with what is wrong and an example, writing nothing', async (text, want) => {
    const before = await app().redis.get(keys().talkSeq);
    expect(await say('u_admin', 'CHAT_ADMIN', text)).toBe(want);
    expect(await app().redis.get(keys().talkSeq)).toBe(before);
  });
});

describe('/约谈 清单', () => {
  it('lists the talks newest first, by scope and period, and shows one', async () => {
    const all = await say('u_admin', 'CHAT_ADMIN', '/约谈 清单');
    expect(all.split('\n')).toEqual([
      '**全区（示例区） · 提醒约谈 · 累计**（共 3 次）',
      `约谈 #1 6月15日 10:00 陈晓燕（福禄镇斑竹村）：3件问题逾期超过一周未整改，另见 #${ids.shiyan[0]}（何静怡、宋立新；${[...ids.banzhu, ids.shiyan[0]].map((id) => `#${id}`).join(' ')}）`,
      '约谈 #3 6月14日 周永红（福禄镇龙井村）：谈心谈话，提醒按期整改（何静怡；' + ids.longjing.map((id) => `#${id}`).join(' ') + '）',
      `约谈 #2 6月10日 李大勇（福禄镇石堰村）：整改进度滞后（宋立新；#${ids.shiyan[0]} #${ids.shiyan[1]}）`,
      '查看一次：`/约谈 #编号`',
    ]);
    expect(await say('u_admin', 'CHAT_ADMIN', '/约谈 清单 石堰村')).toMatch(/^\*\*福禄镇石堰村 · 提醒约谈 · 累计\*\*（共 1 次）\n约谈 #2 /u);
    expect(await say('u_admin', 'CHAT_ADMIN', '/约谈 清单 上月')).toBe(`**全区（示例区） · 提醒约谈 · 2026年5月**\n还没有约谈记录。记录一次：\`${EXAMPLE}\``);
    expect(await say('u_admin', 'CHAT_ADMIN', '/约谈 #2')).toMatch(/^\*\*约谈 #2\*\* 约谈 李大勇（福禄镇石堰村）\n时间：6月10日\n约谈人：宋立新\n事由：整改进度滞后\n/u);
  });
});

/** Runs the weekly 通报 at the clock's time and returns what it pushed to the admin chat. */
async function bulletinNow(tick: string): Promise<string> {
  const deps = { ledger: new LedgerStore(app().redis, keys()), outbox: app().app.jobs.outbox, org: app().app.org, clock, talks: talks() };
  expect(await runBulletin(tick, deps)).toEqual({ messages: 1 });
  let content: string | undefined;
  await pollUntil(async () => {
    const entries = await app().redis.xrange(keys().pushes, '-', '+');
    const fields = entries.map(([, f]) => f).find((f) => f[f.indexOf('id') + 1] === `bulletin-CHAT_ADMIN-${tick}`);
    content = fields?.[fields.indexOf('content') + 1];
    return content !== undefined;
  }, 'the bulletin in the sink');
  return content!;
}

const section = (text: string) => text.slice(text.indexOf('**建议提醒约谈'), text.indexOf('\n\n', text.indexOf('**建议提醒约谈')) >>> 0);

describe('建议提醒约谈 in the weekly 通报', () => {
  it('names the unit past the threshold with its secretary, count, oldest issues and the recent talk; not the units below', async () => {
    clock.set('2026-06-15T10:05:00+08:00');
    const text = await bulletinNow('w1');
    const [b1, b2, b3] = ids.banzhu;
    expect(section(text)).toBe(
      [
        '**建议提醒约谈（供组织部参考）**',
        '逾期超过7天的问题达到 3 件的单位：',
        `> 福禄镇斑竹村（陈晓燕）：3 件，最久 #${b1} #${b2} #${b3}，已于 6月15日 约谈`,
        '约谈后请用 `/约谈 单位 事由` 记录；本建议不会发给书记。',
      ].join('\n'),
    );
    // 石堰村: 2 past 7 days; 龙井村: 3 overdue, but only 5 days.
    expect(text).not.toMatch(/石堰村（|龙井村（/u);
  });

  it('a week later names 龙井村 too, and after 30 days no longer says a talk was held', async () => {
    clock.set('2026-06-22T10:00:00+08:00');
    const week = section(await bulletinNow('w2'));
    expect(week).toContain(`> 福禄镇龙井村（周永红）：3 件，最久 ${ids.longjing.map((id) => `#${id}`).join(' ')}，已于 6月14日 约谈`);
    // 斑竹村's #4 is now past 7 days too.
    expect(week).toContain(`> 福禄镇斑竹村（陈晓燕）：4 件，最久 #${ids.banzhu[0]} #${ids.banzhu[1]} #${ids.banzhu[2]}，已于 6月15日 约谈`);
    // 石堰村's third is due 30 June: still only 2.
    expect(week).not.toContain('石堰村');
    clock.set('2026-07-20T10:00:00+08:00');
    const later = section(await bulletinNow('w3'));
    expect(later).toContain(`> 福禄镇斑竹村（陈晓燕）：4 件，最久 #${ids.banzhu[0]} #${ids.banzhu[1]} #${ids.banzhu[2]}\n`);
    expect(later).not.toContain('已于');
    expect(later).toContain('福禄镇石堰村（李大勇）：3 件');
  });
});

/** As a new user types it: punctuation after the name, a full-width colon, no slash, Traditional. */
describe('/约谈 typed loosely', () => {
  it('splits a name followed by Chinese punctuation from the reason', async () => {
    clock.set('2026-07-20T11:00:00+08:00');
    expect(await say('u_admin', 'CHAT_ADMIN', '/约谈 陈晓燕，台账不规范')).toMatch(/^✅ 已记录 \*\*约谈 #4\*\*：约谈 陈晓燕（福禄镇斑竹村）\n时间：7月20日 11:00\n约谈人：何静怡\n事由：台账不规范\n/u);
    expect(await talks().get(4)).toMatchObject({ person: 'u_sec_banzhu', unitIds: ['banzhu'], reason: '台账不规范' });
    expect(await say('u_admin', 'CHAT_ADMIN', '/约谈 斑竹村：整改慢')).toMatch(/^✅ 已记录 \*\*约谈 #5\*\*：约谈 陈晓燕（福禄镇斑竹村）\n[^]*\n事由：整改慢\n/u);
  });

  it('reads 时间： with a full-width colon, and Traditional characters', async () => {
    expect(await say('u_admin', 'CHAT_ADMIN', '/约谈 石堰村 时间：7月1日 整改进度滞后')).toMatch(/^✅ 已记录 \*\*约谈 #6\*\*：约谈 李大勇（福禄镇石堰村）\n时间：7月1日\n/u);
    expect(await talks().get(6)).toMatchObject({ at: at('2026-07-01T00:00:00'), dayOnly: true, reason: '整改进度滞后' });
    expect(await say('u_admin', 'CHAT_ADMIN', '/約談 陳曉燕 臺賬不規範')).toMatch(/^✅ 已记录 \*\*约谈 #7\*\*：约谈 陈晓燕（福禄镇斑竹村）\n[^]*\n事由：臺賬不規範\n/u);
  });

  it('shows 约谈 #1 for "/约谈 #1，" (the comma is not a name)', async () => {
    expect(await say('u_admin', 'CHAT_ADMIN', '/约谈 #1，')).toMatch(/^\*\*约谈 #1\*\* 约谈 陈晓燕（福禄镇斑竹村）\n/u);
  });

  it('without the slash offers the command and records nothing (docs/design.md §4.11)', async () => {
    const before = await app().redis.get(keys().talkSeq);
    const reply = await say('u_admin', 'CHAT_ADMIN', '约谈 斑竹村 台账不规范');
    expect(reply).toContain('/约谈 斑竹村 台账不规范');
    expect(reply).not.toContain('已记录');
    expect(await app().redis.get(keys().talkSeq)).toBe(before);
  });
});
