import { randomBytes } from 'node:crypto';
import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';

/**
 * The rectification loop end to end: real server, real Redis, WeCom's encrypted protocol.
 * The clock is fixed (a Monday morning in Shanghai) and moved by the tests.
 */
const START = '2026-04-27T09:00:00+08:00';
const clock = fixedClock(START);
let t: TestApp;

beforeAll(async () => {
  t = await startTestApp({ clock });
});
afterAll(async () => {
  await t.stop();
});
beforeEach(() => clock.set(START));

/** People of the demo organisation. */
const LEADER_T1 = 'u_luo'; // 罗志刚, 第一工作队 队长 (福禄镇)
const MEMBER_T1 = 'u_t1_m2'; // 唐建平
const MEMBER2_T1 = 'u_t1_m3'; // 冉小兵
const LEADER_T2 = 'u_t2_m1'; // 郑国强, 第二工作队 (七塘镇、八塘镇)
const SEC_BANZHU = 'u_sec_banzhu'; // 陈晓燕, 斑竹村
const ADMIN = 'u_admin'; // 何静怡, 组织部

function say(userId: string, chatId: string, text: string, extra: { quote?: string; images?: string[]; msgid?: string } = {}): Promise<string> {
  return t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}`, ...extra });
}

async function report(text: string, who = MEMBER_T1, chat = 'CHAT_T1'): Promise<{ id: number; reply: string }> {
  const reply = await say(who, chat, `/上报 ${text}`);
  const m = /#(\d+)/.exec(reply);
  if (!m) throw new Error(`no issue id in: ${reply}`);
  return { id: Number(m[1]), reply };
}

describe('the loop: 上报 → 整改 → 销号 → 回访', () => {
  it('runs to the end, with a relapse on the revisit', async () => {
    const { id, reply } = await report('斑竹村 闸阀老化漏水，群众反映强烈 期限:5个工作日内');
    expect(reply).toContain(`📌 已登记 **#${id}** 福禄镇斑竹村：闸阀老化漏水，群众反映强烈`);
    expect(reply).toContain('状态：整改中');
    // 5 working days from Mon 27 April 2026 skip the 劳动节 holiday (1–5 May).
    expect(reply).toContain('责任人：@陈晓燕　期限：5月7日（周四），还有10天');

    const fixed = await say(SEC_BANZHU, 'CHAT_T1', `/整改 #${id} 闸阀已更换，恢复正常`, { images: ['https://img.example/1.jpg'] });
    expect(fixed).toContain(`✅ **#${id}** 福禄镇斑竹村 已反馈整改，状态：待核验`);
    expect(fixed).toContain('（照片 1 张）');

    clock.advance(3_600_000);
    const verified = await say(MEMBER_T1, 'CHAT_T1', `/销号 #${id} 现场核验无误`);
    expect(verified).toContain(`☑️ **#${id}** 福禄镇斑竹村 已销号（按期整改）`);
    expect(verified).toContain('5月27日');

    clock.advance(30 * 86_400_000);
    const relapse = await say(LEADER_T1, 'CHAT_T1', `/回访 #${id} 反弹 闸阀又开始渗水`);
    expect(relapse).toContain(`⚠️ **#${id}** 福禄镇斑竹村 回访发现反弹（第 1 次），状态：整改中`);
    expect(relapse).toContain('请 @陈晓燕 重新整改');

    expect(await say(SEC_BANZHU, 'CHAT_T1', `/整改 #${id} 已更换密封圈`)).toContain('状态：待核验');
    expect(await say(MEMBER2_T1, 'CHAT_T1', `/销号 #${id}`)).toContain('已销号');
    expect(await say(LEADER_T1, 'CHAT_T1', `/回访 #${id} 正常`)).toContain(`🔁 **#${id}** 福禄镇斑竹村 回访正常，状态：已回访`);

    const card = await say(LEADER_T1, 'CHAT_T1', `/查看 #${id}`);
    expect(card).toContain(`**#${id} 福禄镇斑竹村**（已回访）`);
    expect(card).toContain('反弹：1 次');
    expect(card).toMatch(/陈晓燕 反馈整改 → 待核验：闸阀已更换，恢复正常（照片 1 张）/);
    expect(card).toMatch(/罗志刚 回访 → 整改中：反弹：闸阀又开始渗水/);

    const issue = await new LedgerStore(t.redis, createKeys(t.prefix)).get(id);
    expect(issue).toMatchObject({ state: 'revisited', relapseCount: 1, rejectCount: 0, version: 7 });
    // The entry names the message and place; WeCom's link stays out of the ledger.
    expect(issue!.evidence).toEqual([expect.objectContaining({ kind: 'image', index: 0 })]);
    expect(JSON.stringify(issue!.evidence)).not.toContain('img.example');
    const audit = (await t.redis.lrange(createKeys(t.prefix).audit(id), 0, -1)).map((e) => JSON.parse(e) as { action: string });
    expect(audit.map((e) => e.action)).toEqual(['report', 'fix', 'verify', 'revisit', 'fix', 'verify', 'revisit']);
  });

  it('a rejected fix goes back to 整改中 with the reason', async () => {
    const { id } = await report('斑竹村 村务公开栏内容未更新');
    await say(SEC_BANZHU, 'CHAT_T1', `/整改 #${id} 已更新`);
    const rejected = await say(MEMBER_T1, 'CHAT_T1', `/驳回 #${id} 照片看不清公开栏`);
    expect(rejected).toContain(`↩️ **#${id}** 福禄镇斑竹村 已驳回，状态：整改中`);
    expect(rejected).toContain('原因：照片看不清公开栏');
    expect(rejected).toContain('请 @陈晓燕 继续整改');
  });

  it('a unit without a secretary waits in 待交办 until /交办', async () => {
    const { id, reply } = await report('大兴精密机械公司 安全生产台账缺失', ADMIN, 'CHAT_ADMIN');
    expect(reply).toContain('状态：待交办');
    const assigned = await say(ADMIN, 'CHAT_ADMIN', `/交办 #${id} @王丽萍 期限:5月15日`);
    expect(assigned).toContain(`已交办 @王丽萍，状态：整改中`);
    expect(assigned).toContain('期限：5月15日（周五）');
  });
});

describe('who may do what', () => {
  it('refuses a secretary who tries to report or verify, saying who may', async () => {
    expect(await say(SEC_BANZHU, 'CHAT_T1', '/上报 斑竹村 路灯不亮')).toBe('无权限：/上报 仅限组织部、队长或队员使用。\n你可以用：/我的（等你办理的）、/整改 #编号 整改情况、/延期 #编号 新期限 理由。');
    const { id } = await report('斑竹村 路灯不亮');
    await say(SEC_BANZHU, 'CHAT_T1', `/整改 #${id} 已修好`);
    expect(await say(SEC_BANZHU, 'CHAT_T1', `/销号 #${id}`)).toBe('无权限：/销号 仅限组织部、队长或队员使用。\n你可以用：/我的（等你办理的）、/整改 #编号 整改情况、/延期 #编号 新期限 理由。');
  });

  it('never lets the assignee verify their own fix, even a team member', async () => {
    const { id } = await report('斑竹村 文化室漏雨 @冉小兵');
    await say(MEMBER2_T1, 'CHAT_T1', `/整改 #${id} 屋顶已修补`);
    expect(await say(MEMBER2_T1, 'CHAT_T1', `/销号 #${id}`)).toBe(`无权限：#${id} 的整改由你反馈，销号需由本片区工作队的其他同志核验（两人核验）。`);
  });

  it('keeps teams to their own area', async () => {
    const { id } = await report('斑竹村 道路破损');
    await say(SEC_BANZHU, 'CHAT_T1', `/整改 #${id} 已修补`);
    expect(await say(LEADER_T2, 'CHAT_T2', `/销号 #${id}`)).toBe('无权限：斑竹村（福禄镇）不在第二工作队的片区（七塘镇、八塘镇），请由负责该片区的工作队办理。');
    expect(await say(LEADER_T2, 'CHAT_T2', '/上报 斑竹村 垃圾未清运')).toBe('无权限：斑竹村（福禄镇）不在第二工作队的片区（七塘镇、八塘镇），请由负责该片区的工作队办理。');
    expect(await say(ADMIN, 'CHAT_ADMIN', `/销号 #${id}`)).toContain('已销号');
  });

  it('lets only the reporter or 组织部 cancel', async () => {
    const { id } = await report('斑竹村 重复上报测试');
    expect(await say(MEMBER2_T1, 'CHAT_T1', `/撤销 #${id} 重复`)).toBe('无权限：/撤销 仅限上报人或组织部使用。');
    expect(await say(MEMBER_T1, 'CHAT_T1', `/撤销 #${id} 与 #1 重复`)).toContain(`🗑 **#${id}** 福禄镇斑竹村 已撤销`);
    expect(await say(MEMBER_T1, 'CHAT_T1', `/整改 #${id} 已处理`)).toMatch(/无权限|当前是已撤销状态/);
  });

  it('says which step is wrong when the state does not allow it', async () => {
    const { id } = await report('斑竹村 标识牌缺失');
    expect(await say(MEMBER_T1, 'CHAT_T1', `/销号 #${id}`)).toBe(`⚠️ #${id} 当前是整改中状态，不能销号，责任人还没有反馈整改`);
    expect(await say(MEMBER_T1, 'CHAT_T1', '/销号 #99999')).toMatch(/^⚠️ 没有找到问题 #99999/);
  });
});

describe('two members verifying at once', () => {
  it('closes once; the other is told it is already closed', async () => {
    const { id } = await report('斑竹村 消防通道堵塞');
    await say(SEC_BANZHU, 'CHAT_T1', `/整改 #${id} 已清理`);
    const [a, b] = await Promise.all([say(MEMBER_T1, 'CHAT_T1', `/销号 #${id}`), say(MEMBER2_T1, 'CHAT_T1', `/销号 #${id}`)]);
    const replies = [a, b].sort();
    expect(replies.filter((r) => r.includes('☑️'))).toHaveLength(1);
    // Told at its read or at its commit's retry; the read's refusal adds how to record a grade.
    expect(replies.filter((r) => r.startsWith(`⚠️ #${id} 当前是已销号状态，不能销号`))).toHaveLength(1);
    const audit = (await t.redis.lrange(createKeys(t.prefix).audit(id), 0, -1)).map((e) => JSON.parse(e) as { action: string });
    expect(audit.filter((e) => e.action === 'verify')).toHaveLength(1);
  });
});

describe('dialogues', () => {
  it('asks for what is missing and continues with the same user in the same chat', async () => {
    expect(await say(MEMBER_T1, 'CHAT_T1', '/上报')).toMatch(/^❓ 是哪个单位的问题？/);
    expect(await say(MEMBER_T1, 'CHAT_T1', '斑竹村')).toMatch(/^❓ 请简要描述在斑竹村发现的问题/);
    const done = await say(MEMBER_T1, 'CHAT_T1', '垃圾桶破损');
    expect(done).toMatch(/📌 已登记 \*\*#\d+\*\* 福禄镇斑竹村：垃圾桶破损/);
    expect(await say(MEMBER_T1, 'CHAT_T1', '还有别的吗')).toMatch(/^⚠️ 没有看懂这条消息/);
  });

  it('asks which unit when a name is ambiguous, listing the candidates', async () => {
    const ask = await say(LEADER_T2, 'CHAT_T2', '/上报 喜观 村规民约未上墙');
    expect(ask).toContain('“喜观”对应多个单位：七塘镇喜观村、七塘镇喜观乡村旅游公司');
    expect(await say(LEADER_T2, 'CHAT_T2', '喜观村')).toMatch(/已登记 \*\*#\d+\*\* 七塘镇喜观村：村规民约未上墙/);
  });

  it('drops the draft on /取消', async () => {
    await say(MEMBER_T1, 'CHAT_T1', '/驳回');
    expect(await say(MEMBER_T1, 'CHAT_T1', '/取消')).toBe('已取消，刚才的命令没有提交。');
    // The draft is gone: "12" is no 驳回 of #12, only a look at it (a number alone reads as 12号).
    expect(await say(MEMBER_T1, 'CHAT_T1', '12')).toMatch(/^(?:⚠️ 没有找到问题 #12|\*\*#12 )/u);
    expect(await say(MEMBER_T1, 'CHAT_T1', '/取消')).toBe('没有需要取消的内容。');
  });

  it('never continues another user’s draft, nor one from another chat', async () => {
    await say(MEMBER_T1, 'CHAT_T1', '/上报');
    // Not a draft answer for anyone else: a unit name alone is read as a report to confirm.
    expect(await say(MEMBER2_T1, 'CHAT_T1', '斑竹村')).toBe('❓ 要上报这个问题吗？请发送：`/上报 斑竹村`');
    expect(await say(MEMBER_T1, 'CHAT_ADMIN', '斑竹村')).toBe('❓ 要上报这个问题吗？请发送：`/上报 斑竹村`');
    expect(await say(MEMBER_T1, 'CHAT_T1', '斑竹村')).toMatch(/^❓ 请简要描述/);
    const key = `${t.prefix}conv:CHAT_T1:${MEMBER_T1}`;
    expect(await t.redis.ttl(key)).toBeGreaterThan(590);
    await say(MEMBER_T1, 'CHAT_T1', '/取消');
  });

  it('asks for the issue number and takes a bare number as the answer', async () => {
    const { id } = await report('斑竹村 健身器材损坏');
    expect(await say(SEC_BANZHU, 'CHAT_T1', '/整改 已更换器材')).toMatch(/^❓ 是哪个问题？/);
    expect(await say(SEC_BANZHU, 'CHAT_T1', String(id))).toContain(`✅ **#${id}** 福禄镇斑竹村 已反馈整改`);
  });
});

describe('quote replies', () => {
  it('a secretary quoting the assignment and writing what was done reports the fix', async () => {
    const { id, reply } = await report('斑竹村 闸阀损坏');
    const fixed = await say(SEC_BANZHU, 'CHAT_T1', '已整改，闸阀已更换', { quote: reply, images: ['https://img.example/2.jpg'] });
    expect(fixed).toContain(`✅ **#${id}** 福禄镇斑竹村 已反馈整改，状态：待核验`);
    // "已整改" is the command word said plainly; the note is what was done.
    expect(fixed).toContain('整改情况：闸阀已更换（照片 1 张）');
  });

  it('a member quoting the fix can verify with a command word and no number', async () => {
    const { id } = await report('斑竹村 宣传栏破损');
    const fixed = await say(SEC_BANZHU, 'CHAT_T1', `/整改 #${id} 已更换`);
    expect(await say(MEMBER_T1, 'CHAT_T1', '销号', { quote: fixed })).toContain(`☑️ **#${id}**`);
  });

  it('asks for a command when a member quotes without one', async () => {
    const { id, reply } = await report('斑竹村 路牌缺失');
    expect(await say(MEMBER_T1, 'CHAT_T1', '收到', { quote: reply })).toBe(`⚠️ 回复 #${id} 时请写明要做什么，例如：\`/销号\`、\`/驳回 照片看不清闸阀\` 或 \`/查看\`。`);
  });
});

describe('input in every script', () => {
  it('accepts Traditional Chinese and full-width forms', async () => {
    const reply = await say(MEMBER_T1, 'CHAT_T1', '／上報 斑竹村 閘閥漏水 期限：３天');
    expect(reply).toMatch(/📌 已登记 \*\*#(\d+)\*\* 福禄镇斑竹村：閘閥漏水/);
    expect(reply).toContain('期限：4月30日（周四），还有3天');
    const id = /#(\d+)/.exec(reply)![1];
    expect(await say(SEC_BANZHU, 'CHAT_T1', `／整改 ＃${id} 已更換閘閥`)).toContain('状态：待核验');
    expect(await say(MEMBER_T1, 'CHAT_T1', `/銷號 ${id}号`)).toContain('已销号');
  });
});

describe('a callback WeCom sends twice', () => {
  it('creates the issue once', async () => {
    const before = Number((await t.redis.get(createKeys(t.prefix).issueSeq)) ?? 0);
    const msgid = `dup-${randomBytes(6).toString('hex')}`;
    const [a, b] = await Promise.all([
      say(MEMBER_T1, 'CHAT_T1', '/上报 斑竹村 重复回调测试', { msgid }),
      say(MEMBER_T1, 'CHAT_T1', '/上报 斑竹村 重复回调测试', { msgid }),
    ]);
    expect(a).toBe(b);
    expect(Number(await t.redis.get(createKeys(t.prefix).issueSeq))).toBe(before + 1);
  });
});
