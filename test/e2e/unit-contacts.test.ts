import { runDigest } from '../../jobs/ticks/digest';
import { renderWelcome } from '../../src/rendering/welcome';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { readFileSync } from 'node:fs';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import type { Org } from '../../src/domain/org';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { TRANSPORTS, type TransportUnderTest } from '../support/drivers';
import { FakeWecom } from '../support/fake-wecom';
import { clockPast } from '../support/wait';

/**
 * A unit's other contacts (驻村第一书记, 联络员; src/config/demo-org.yaml's 将军村): @-ed with the
 * secretary on its assignments, reminders, digests and /催办; they may report its fixes and, like
 * its assignee, never verify them. Real BullMQ on the real Redis, a fake of the group robot.
 */
const SEC = 'u_sec_jiangjun'; // 赵德胜, 将军村书记
const FIRST_SECRETARY = 'u_zc_jiangjun'; // 黄海波, 驻村第一书记
const LIAISON = 'u_ll_jiangjun'; // 彭雪梅, 联络员
const MEMBER = 'u_t2_m2'; // 王建军, 第二工作队 (七塘镇, 八塘镇)
const COLLEAGUE = 'u_t2_m3'; // 苏红梅, same team
const STRANGER = 'u_t1_m2'; // 唐建平, 第一工作队: not 将军村's area
const ALL = [SEC, FIRST_SECRETARY, LIAISON];
const MEMBER_AND_LIAISON = 'u_t2_m4'; // 付明, 第二工作队 and, here, 联络员 of 三教村 (八塘镇, the team's area)

/** The demo on fast timings with robot keys, and 付明 made 三教村's 联络员 as well as a team member. */
function testOrg(policy: Record<string, unknown>): Org {
  type Raw = { policy: Record<string, unknown>; chats: { chatid: string; webhookKey?: string }[]; units: { id: string; contacts?: { userid: string; title: string }[] }[] };
  const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as Raw;
  raw.policy = { ...raw.policy, ...policy };
  for (const c of raw.chats) c.webhookKey = `KEY_${c.chatid}`;
  const sanjiao = raw.units.find((u) => u.id === 'sanjiao')!;
  sanjiao.contacts = [...(sanjiao.contacts ?? []), { userid: MEMBER_AND_LIAISON, title: '联络员' }];
  return parseOrg(stringifyYaml(raw), {});
}

const fake = new FakeWecom();
let t: TestApp;
beforeAll(async () => {
  await fake.start();
  const policy = { quietHours: 'off', deadline: '5s', remindBefore: ['3s'], escalate: [{ after: '1s', to: 'leader' }], digestCron: '0 0 1 1 *', bulletinCron: '0 0 1 1 *' };
  t = await startTestApp({ org: testOrg(policy), env: { WECOM_API_BASE: fake.url }, jobTimings: { backoffMs: 50, throttleMs: 200 } });
});
afterAll(async () => {
  await t.stop();
  await fake.stop();
});
afterEach(() => {
  expect(fake.unexpected).toEqual([]);
});

const say = (userId: string, text: string, chatId = 'CHAT_T2') => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const idOf = (reply: string) => Number(/#(\d+)/.exec(reply)![1]);
const ledger = () => new LedgerStore(t.redis, createKeys(t.prefix));

describe('the assignment names the unit’s contacts', () => {
  it('/上报 goes to the secretary and tells the 驻村第一书记 and the 联络员, once each', async () => {
    const reply = await say(MEMBER, '/上报 将军村 村道路灯不亮 期限:3天');
    expect(reply).toContain('责任人：@赵德胜');
    expect(reply).toContain('同时通知：驻村第一书记 @黄海波、联络员 @彭雪梅（可代为反馈整改）');
    expect(reply).not.toContain('书记 @赵德胜');
  });

  it('/交办 to someone else names the secretary too; to a contact, nobody twice', async () => {
    const id = idOf(await say(MEMBER, '/上报 将军村 公示栏破损 期限:3天'));
    const reply = await say(COLLEAGUE, `/交办 #${id} @付明`);
    expect(reply).toContain('已交办 @付明');
    expect(reply).toContain('同时通知：书记 @赵德胜、驻村第一书记 @黄海波、联络员 @彭雪梅（可代为反馈整改）');
    const again = await say(COLLEAGUE, `/交办 #${id} @黄海波`);
    expect(again).toContain('已交办 @黄海波');
    expect(again).toContain('同时通知：书记 @赵德胜、联络员 @彭雪梅（可代为反馈整改）');
    expect(again.match(/@黄海波/gu)).toHaveLength(1);
  });

  it('a unit without contacts reads as before', async () => {
    const reply = await say(MEMBER, '/上报 莲花村 垃圾未清运 期限:3天');
    expect(reply).toContain('责任人：@孙桂芳');
    expect(reply).not.toContain('同时通知');
  });
});

describe('fixes: a contact reports, the team verifies (两人核验)', () => {
  it('accepts the 驻村第一书记’s /整改, refuses both contacts’ /销号, and a team member closes it', async () => {
    const id = idOf(await say(MEMBER, '/上报 将军村 水渠堵塞 期限:3天'));
    expect(await say(FIRST_SECRETARY, `/整改 #${id} 已组织村民清淤`)).toContain('已反馈整改');
    // The liaison adds a photo's words to the fix: the unit's people may add to it.
    expect(await say(LIAISON, `/整改 #${id} 补充：渠口已加装格栅`)).toContain('已补充整改材料');
    // Not on the team: /销号 and /驳回 are not theirs at all.
    for (const who of [FIRST_SECRETARY, LIAISON, SEC]) expect(await say(who, `/销号 #${id}`)).toMatch(/^无权限：\/销号 仅限组织部、队长或队员使用/u);
    expect(await say(COLLEAGUE, `/销号 #${id} 现场核验无误`)).toContain('已销号');
    expect(await ledger().get(id)).toMatchObject({ state: 'closed', assignee: SEC, fixedBy: FIRST_SECRETARY, fixNote: '已组织村民清淤；补充：渠口已加装格栅' });
    const audit = (await t.redis.lrange(createKeys(t.prefix).audit(id), 0, -1)).map((e) => JSON.parse(e) as { action: string; actor: string });
    expect(audit.map((e) => `${e.action}:${e.actor}`)).toEqual([`report:${MEMBER}`, `fix:${FIRST_SECRETARY}`, `supplement:${LIAISON}`, `verify:${COLLEAGUE}`]);
  });

  it('a team member who is the unit’s 联络员 does not verify its fixes, nor approve its extensions', async () => {
    const id = idOf(await say(MEMBER, '/上报 三教村 农家书屋漏雨 期限:3天'));
    expect(await say('u_zc_sanjiao', `/延期 #${id} 10天 等待晴天施工`)).toContain('申请延期至');
    expect(await say(MEMBER_AND_LIAISON, `/延期 #${id} 同意`)).toBe(`无权限：你是 #${id} 所在单位的联络员，延期需由本片区工作队批准。`);
    expect(await say('u_zc_sanjiao', `/整改 #${id} 屋顶已修补`)).toContain('已反馈整改');
    expect(await say(MEMBER_AND_LIAISON, `/销号 #${id}`)).toBe(`无权限：你是 #${id} 所在单位的联络员，销号需由本片区工作队的其他同志核验（两人核验）。`);
    expect(await say(MEMBER_AND_LIAISON, `/驳回 #${id} 再看看`)).toBe(`无权限：你是 #${id} 所在单位的联络员，驳回需由本片区工作队的其他同志核验（两人核验）。`);
    expect(await say(COLLEAGUE, `/销号 #${id}`)).toContain('已销号');
  });

  it('a contact of another unit, or a stranger, may not report its fix: the reason names their own units', async () => {
    const id = idOf(await say(MEMBER, '/上报 喜观村 广场地砖松动 期限:3天'));
    const refusal = await say(FIRST_SECRETARY, `/整改 #${id} 已修好`);
    expect(refusal).toContain('无权限');
    expect(refusal).toContain('喜观村（七塘镇）不是你负责的单位（你负责：将军村）');
    expect(await say(STRANGER, `/整改 #${id} 已修好`, 'CHAT_T1')).toContain('无权限');
    expect(await ledger().get(id)).toMatchObject({ state: 'assigned' });
  });
});

describe('pushes @ the assignee and the unit’s contacts', () => {
  it('the reminder, the overdue digest and /催办', async () => {
    const id = idOf(await say(MEMBER, '/上报 将军村 路面塌陷'));
    const head = `⏰ 整改提醒 #${id} `;
    const [reminder] = (await fake.waitFor((m) => m.some((x) => x.content.startsWith(head)))).filter((x) => x.content.startsWith(head));
    expect(reminder).toMatchObject({ key: 'KEY_CHAT_T2', msgtype: 'text', mentions: ALL, errcode: 0 });

    const reminded = await say(COLLEAGUE, `/催办 #${id}`);
    expect(reminded).toContain('将在本群 @赵德胜 @黄海波 @彭雪梅');
    const nudge = `📣`;
    const nudges = (await fake.waitFor((m) => m.some((x) => x.content.startsWith(nudge) && x.content.includes(`#${id}`)))).filter((x) => x.content.startsWith(nudge) && x.content.includes(`#${id}`));
    expect(nudges).toEqual([expect.objectContaining({ key: 'KEY_CHAT_T2', mentions: ALL })]);

    // Past the deadline and the leader's threshold: the digest @s the unit's people once and the leader.
    const issue = (await ledger().get(id))!;
    await clockPast(issue.deadline! + 1_200);
    await runDigest(`contacts-${id}`, { ledger: ledger(), outbox: t.app.jobs.outbox, org: t.app.org, clock: { now: () => new Date() } });
    const isDigest = (x: { key: string; content: string }) => x.key === 'KEY_CHAT_T2' && x.content.startsWith('🔴 逾期未整改') && x.content.includes(`#${id} `);
    const [digest] = (await fake.waitFor((m) => m.some(isDigest))).filter(isDigest);
    for (const u of ALL) expect(digest!.mentions.filter((m) => m === u)).toEqual([u]);
    expect(digest!.mentions).toContain('u_t2_m1');
    expect(new Set(digest!.mentions).size).toBe(digest!.mentions.length);
  });
});

describe('a task (/布置) reaching the unit', () => {
  it('@s 将军村’s secretary with its contacts in the group push', async () => {
    const reply = await say('u_admin', '/布置 开展村务公开栏自查 期限:12月30日 范围:七塘镇', 'CHAT_ADMIN');
    const taskId = Number(/#T(\d+)/u.exec(reply)![1]);
    const mine = (x: { content: string }) => x.content.startsWith('📋') && x.content.includes(`任务 #T${taskId}`);
    const parts = (await fake.waitFor((m) => m.some(mine))).filter(mine);
    expect(parts.map((p) => p.key)).toEqual(['KEY_CHAT_T2']);
    const mentions = parts.flatMap((p) => p.mentions);
    for (const u of ALL) expect(mentions.filter((m) => m === u)).toEqual([u]);
    expect(mentions).toContain('u_sec_xiguan');
  });
});

describe('what a contact sees', () => {
  it('/我的 lists the unit’s open issues assigned to the secretary', async () => {
    const id = idOf(await say(MEMBER, '/上报 将军村 文化墙褪色 期限:10天'));
    const mine = await say(FIRST_SECRETARY, '/我的');
    expect(mine).toMatch(/\*\*将军村待整改\*\*（\d+）/u);
    expect(mine).toContain(`#${id} `);
    expect(mine).toContain('@赵德胜');
    expect(mine).toContain('整改后回复：`/整改 #编号 整改情况`（可附照片）');
    // The 驻村第一书记 of 三教村 has nothing open there.
    expect(await say('u_zc_sanjiao', '/我的')).toBe('目前没有等你办理的问题。');
  });

  it('the welcome names the title at the unit', () => {
    const org = t.app.org();
    expect(renderWelcome(org, org.membership(FIRST_SECRETARY))).toBe(
      '您好，黄海波！我是督办助手。\n交办给将军村（驻村第一书记）的问题会通知你。发送 /我的 查看待办，/整改 #编号 整改情况 反馈整改（可附照片），/帮助 查看全部用法。',
    );
  });

  it('/我是谁 and /查看 of the unit', async () => {
    const who = await say(LIAISON, '/我是谁');
    expect(who).toContain('**彭雪梅**（u_ll_jiangjun）');
    expect(who).toContain('- 七塘镇将军村 联络员：该单位的交办和提醒会同时通知你，可代为反馈整改');
    const id = idOf(await say(MEMBER, '/上报 将军村 宣传栏玻璃破碎 期限:10天'));
    expect(await say(LIAISON, `/查看 #${id}`)).toContain('宣传栏玻璃破碎');
    // Not another village's.
    const other = idOf(await say(MEMBER, '/上报 喜观村 宣传栏玻璃破碎 期限:10天'));
    expect(await say(LIAISON, `/查看 #${other}`)).not.toContain('宣传栏玻璃破碎');
  });
});

describe('the 已整改 button', () => {
  let u: TransportUnderTest;
  beforeAll(async () => {
    u = await TRANSPORTS[0]!.start();
  });
  afterAll(async () => {
    await u.stop();
  });

  it('asks the 驻村第一书记 for the fix on a click, takes the typed answer', async () => {
    const r = await u.driver.say({ userId: MEMBER, chatId: 'CHAT_T2', text: `@${BOT_NAME} /上报 将军村 路灯杆倾斜` });
    const id = Number(/\*\*#(\d+)\*\*/u.exec(r.markdown)![1]);
    const click = await u.driver.click({ chatId: 'CHAT_T2', userId: FIRST_SECRETARY, taskId: r.card!.task_id!, eventKey: 'fix', expectFollowUp: true });
    expect(click.followUp).toMatch(new RegExp(`^❓ 请简要说明 #${id} 的整改情况`, 'u'));
    const answer = await u.driver.say({ userId: FIRST_SECRETARY, chatId: 'CHAT_T2', text: `@${BOT_NAME} 已扶正加固` });
    expect(answer.markdown).toContain(`✅ **#${id}** 七塘镇将军村 已反馈整改，状态：待核验`);
    expect(await new LedgerStore(u.t.redis, createKeys(u.t.prefix)).get(id)).toMatchObject({ state: 'submitted', fixedBy: FIRST_SECRETARY, assignee: SEC });
  });
});
