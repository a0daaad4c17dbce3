import { createHash } from 'node:crypto';
import { runDigest } from '../../jobs/ticks/digest';
import { fixedClock } from '../../src/clock';
import type { Issue } from '../../src/domain/issue';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, demoOrgWith, startTestApp, type TestApp } from '../support/app';
import { FakeWecom, type RobotMessage } from '../support/fake-wecom';
import { pollUntil } from '../support/wait';

/**
 * /催办 on real Redis through the real app, sender and the fake WeCom: one push per issue per
 * hour, a few /催办 per person per minute, a refusal writes nothing, and a flood of /催办 leaves
 * each robot room for the scheduled pushes. The clock is fixed in the future: a push the rate
 * limit holds back is delayed to a real instant still ahead (BullMQ delays in real time).
 */
const T0 = '2029-06-05T10:00:00+08:00';
const clock = fixedClock(T0);
const fake = new FakeWecom();

beforeAll(async () => {
  await fake.start();
});
afterAll(async () => {
  await fake.stop();
});
afterEach(() => {
  expect(fake.unexpected).toEqual([]);
});

/** The demo organisation, with no reminders or ticks of its own to get in the way. */
const policy = { quietHours: 'off', remindBefore: [], digestCron: '0 0 1 1 *', bulletinCron: '0 0 1 1 *' };

let t: TestApp;
let store: LedgerStore;
/** The fake's messages before this test: each test reads only its own. */
let before = 0;
const robot = () => fake.messages.slice(before);
beforeEach(async () => {
  clock.set(T0);
  before = fake.messages.length;
  t = await startTestApp({ org: demoOrgWith(policy), clock, env: { WECOM_API_BASE: fake.url } });
  store = new LedgerStore(t.redis, createKeys(t.prefix));
});
afterEach(async () => {
  await t.stop();
});

const say = (userId: string, text: string) => t.client.say({ userId, chatId: 'CHAT_T1', text: `@${BOT_NAME} ${text}` });
async function report(what: string, extra = ''): Promise<number> {
  const reply = await say('u_t1_m2', `/上报 斑竹村 ${what}${extra}`);
  return Number(/#(\d+)/.exec(reply)![1]);
}
const remindersOf = (id: number) => (m: RobotMessage) => m.key === 'KEY_CHAT_T1' && m.content.includes(`催办 #${id} `);

describe('one /催办 push per issue per hour', () => {
  it('answers a second /催办 within the hour with the time of the first, and pushes again after the hour', async () => {
    const id = await report('路灯不亮');
    expect(await say('u_t1_m2', `/催办 #${id}`)).toMatch(new RegExp(`^📣 已催办 \\*\\*#${id}\\*\\* 福禄镇斑竹村：路灯不亮`));
    const version = (await store.get(id))!.version;

    clock.advance(25 * 60_000);
    expect(await say('u_luo', `/催办 #${id}`)).toBe(`⚠️ #${id} 已在 10:00 催办过，1 小时内不再重复推送`);
    // Refused before anything was written: no version, no history line.
    expect((await store.get(id))!.version).toBe(version);
    expect((await store.history(id)).filter((e) => e.action === 'remind')).toHaveLength(1);

    clock.set('2029-06-05T11:00:01+08:00');
    expect(await say('u_luo', `/催办 #${id}`)).toMatch(/^📣 已催办/);
    await fake.waitFor(() => robot().filter(remindersOf(id)).length >= 2);
    const pushes = robot().filter(remindersOf(id));
    expect(pushes.map((p) => p.content.split('\n')[0])).toEqual([`📣 唐建平 催办 #${id} 福禄镇斑竹村：路灯不亮`, `📣 罗志刚 催办 #${id} 福禄镇斑竹村：路灯不亮`]);
    expect(pushes.map((p) => p.mentions)).toEqual([['u_sec_banzhu'], ['u_sec_banzhu']]);
    expect((await store.history(id)).filter((e) => e.action === 'remind')).toHaveLength(2);
  });

  it('lets exactly one of many simultaneous /催办 of one issue through', async () => {
    const id = await report('井盖缺失');
    const replies = await Promise.all(['u_luo', 'u_t1_m2', 'u_t1_m3', 'u_t1_m4', 'u_admin'].map((u) => say(u, `/催办 #${id}`)));
    expect(replies.filter((r) => r.startsWith('📣'))).toHaveLength(1);
    expect(replies.filter((r) => r === `⚠️ #${id} 已在 10:00 催办过，1 小时内不再重复推送`)).toHaveLength(4);
    expect((await store.history(id)).filter((e) => e.action === 'remind')).toHaveLength(1);
  });
});

describe('a few /催办 per person per minute', () => {
  it('refuses the sixth in a minute with a short line, and takes it once the minute has passed', async () => {
    const ids: number[] = [];
    for (let i = 1; i <= 6; i++) ids.push(await report(`标识牌缺失${i}`));
    const replies: string[] = [];
    for (const id of ids) replies.push(await say('u_t1_m3', `/催办 #${id}`));
    expect(replies.slice(0, 5).every((r) => r.startsWith('📣 已催办'))).toBe(true);
    expect(replies[5]).toBe('⚠️ 催办太频繁了：每人每分钟最多 5 次，请 60 秒后再试');
    // Someone else is not held back by it.
    expect(await say('u_t1_m4', `/催办 #${ids[5]}`)).toMatch(/^📣 已催办/);
    clock.advance(60_000);
    expect(await say('u_t1_m3', `/催办 #${ids[0]}`)).toMatch(/^⚠️ #\d+ 已在 10:00 催办过/);
  });
});

describe('a refused /催办 writes nothing', () => {
  it('refuses an issue without an assignee before committing (no version, no history, no push, the hour left free)', async () => {
    const id = await report('公开栏破损');
    // An issue in 整改中 with nobody to @ (data from before assignees were required): written directly.
    const before = (await store.get(id))!;
    const { assignee: _dropped, ...rest } = before;
    const orphan: Issue = { ...rest, version: before.version + 1 };
    expect(await store.commit(before, { issue: orphan, audit: { action: 'assign', from: 'assigned', to: 'assigned', note: '旧数据' } }, 'u_admin', clock.now().getTime())).toBe(true);
    const history = (await store.history(id)).length;

    expect(await say('u_t1_m2', `/催办 #${id}`)).toBe(`⚠️ #${id} 还没有责任人，请先 /交办`);
    expect((await store.get(id))!.version).toBe(orphan.version);
    expect((await store.history(id)).length).toBe(history);
    expect(await t.redis.exists(`${t.prefix}remind:issue:${id}`)).toBe(0);
    expect(await t.app.jobs.outbox['queue'].getJobCounts('waiting', 'active', 'delayed', 'completed')).toEqual({ waiting: 0, active: 0, delayed: 0, completed: 0 });
    expect(robot().filter(remindersOf(id))).toEqual([]);
  });

  it('refuses by state and by area without taking the hour', async () => {
    const id = await report('垃圾未清运');
    await say('u_sec_banzhu', `/整改 #${id} 已清运`);
    const version = (await store.get(id))!.version;
    expect(await say('u_t1_m2', `/催办 #${id}`)).toMatch(new RegExp(`^⚠️ #${id} 当前是待核验状态，不能催办`));
    expect(await t.client.say({ userId: 'u_t2_m2', chatId: 'CHAT_T2', text: `@${BOT_NAME} /催办 #${id}` })).toMatch(/^无权限/);
    expect((await store.get(id))!.version).toBe(version);
    expect(await t.redis.exists(`${t.prefix}remind:issue:${id}`)).toBe(0);
  });
});

describe('a /催办 flood', () => {
  it('60 /催办 on 60 issues in one go still leave each robot room for the digest in the same minute', async () => {
    const ids: number[] = [];
    for (let i = 1; i <= 60; i++) ids.push(await report(`路面坑洼${i}`, ' 期限:2分钟'));
    clock.advance(3 * 60_000); // every issue overdue: the digest has something to say
    const users = ['u_luo', 'u_t1_m2', 'u_t1_m3', 'u_t1_m4', 'u_admin', 'u_admin2'];
    const replies = await Promise.all(ids.map((id, i) => say(users[i % users.length]!, `/催办 #${id}`)));
    // Five per person pass the per-person limit: 30 pushes queued, 30 refused with the short line.
    expect(replies.filter((r) => r.startsWith('📣 已催办'))).toHaveLength(30);
    expect(replies.filter((r) => r.startsWith('⚠️ 催办太频繁了'))).toHaveLength(30);

    // The robot sends 10 of them this minute; the other 20 wait for the window.
    const adHoc = (m: RobotMessage) => m.key === 'KEY_CHAT_T1' && m.content.startsWith('📣');
    await fake.waitFor(() => robot().filter(adHoc).length >= 10);
    const outbound = t.app.jobs.outbox['queue'];
    await pollUntil(async () => (await outbound.getJobCounts('delayed')).delayed === 20, '20 /催办 pushes held back');

    await runDigest('flood', { ledger: store, outbox: t.app.jobs.outbox, org: t.app.org, clock });
    const isDigest = (x: RobotMessage) => x.key === 'KEY_CHAT_T1' && x.content.startsWith('🔴 逾期未整改 60 件');
    await fake.waitFor(() => robot().some(isDigest));
    const digest = robot().find(isDigest)!;
    expect(digest.errcode).toBe(0);
    expect(robot().filter(adHoc)).toHaveLength(10);
    // All within one minute of the test clock: the robot's window holds the 10 and the digest.
    const window = await t.redis.zrange(`${t.prefix}rate:webhook-${createHash('sha1').update('KEY_CHAT_T1').digest('hex').slice(0, 16)}`, '0', '-1');
    expect([window.length, window.filter((m) => m.startsWith('adhoc|')).length]).toEqual([11, 10]);
  });
});
