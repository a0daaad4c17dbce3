import { reminderJobId, revisitJobId, type ReminderJob } from '../../jobs/timers/timer-jobs';
import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, demoOrgWith, startTestApp, type TestApp } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { pollUntil } from '../support/wait';

/**
 * When duban speaks on its own, on the demo policy. A deadline shorter than its reminders (3d, 1d, 0d at 09:00), set before 09:00:
 * its reminder comes before it, through the real timers worker, the real sender and the fake
 * WeCom. The clock is fixed; BullMQ waits in real time, so the test moves the clock to the
 * timer's instant and promotes the timer instead of waiting a minute.
 */
const T0 = '2026-12-02T08:30:00+08:00';
const clock = fixedClock(T0);
const fake = new FakeWecom();
let t: TestApp;

beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ org: demoOrgWith({}), clock, env: { WECOM_API_BASE: fake.url } });
});
afterAll(async () => {
  await t.stop();
  await fake.stop();
});
beforeEach(() => clock.set(T0));
afterEach(() => {
  expect(fake.unexpected).toEqual([]);
});

/** A message and its reply, then the work after the reply, where its timers are set (docs/design.md §4.21). */
const say = async (userId: string, text: string) => {
  const reply = await t.client.say({ userId, chatId: 'CHAT_T1', text: `@${BOT_NAME} ${text}` });
  await t.app.settled();
  return reply;
};
const timersQueue = () => t.app.jobs.timers['queue'];

async function reportWithin(what: string, deadline: string): Promise<{ id: number; deadline: number }> {
  const reply = await say('u_t1_m2', `/上报 斑竹村 ${what} 期限:${deadline}`);
  const id = Number(/#(\d+)/.exec(reply)![1]);
  const issue = await new LedgerStore(t.redis, createKeys(t.prefix)).get(id);
  return { id, deadline: issue!.deadline! };
}

/** The issue's pending reminder timers, as [instant on the test clock, slot]. */
async function timersOf(id: number): Promise<[string, number][]> {
  const jobs = (await timersQueue().getDelayed()).filter((j) => (j.data as ReminderJob).issueId === id);
  return jobs.map((j) => [new Date(Date.parse(T0) + j.opts.delay!).toISOString(), (j.data as ReminderJob).slot]);
}

it('期限:2分钟 set at 08:30 is reminded at 08:31, not at the deadline, and never told 已逾期', async () => {
  const { id, deadline } = await reportWithin('路灯不亮', '2分钟');
  expect(new Date(deadline).toISOString()).toBe(new Date('2026-12-02T08:32:00+08:00').toISOString());
  // One timer, halfway (slot 3: past the policy's three offsets), a minute before the deadline.
  expect(await timersOf(id)).toEqual([[new Date('2026-12-02T08:31:00+08:00').toISOString(), 3]]);

  const timer = await timersQueue().getJob(reminderJobId(id, deadline, 3));
  clock.set('2026-12-02T08:31:00+08:00');
  await timer!.promote();
  const mine = (m: { content: string }) => m.content.startsWith(`⏰ 整改提醒 #${id} 福禄镇斑竹村：路灯不亮`);
  const [reminder] = (await fake.waitFor((m) => m.some(mine))).filter(mine);
  expect(reminder).toMatchObject({ key: 'KEY_CHAT_T1', msgtype: 'text', mentions: ['u_sec_banzhu'], errcode: 0 });
  expect(reminder!.content).toContain('期限：12月2日（周三） 08:32，还剩1分钟');
  expect(reminder!.content).not.toContain('逾期');
  // Sent (the marker holds the send time on the test clock) before the deadline.
  const sentAt = Number(await t.redis.get(`${t.prefix}sent:remind-${id}-${deadline}-3`));
  expect(sentAt).toBeLessThan(deadline);
  // The timer ran to its end (removed on completion) and set no later slot: none fits before the deadline.
  await pollUntil(async () => (await timersQueue().getJob(timer!.id!)) === undefined, 'the reminder timer done');
  expect(await timersOf(id)).toEqual([]);
});

it('期限:10分钟 set at 08:30 has its one timer at 08:35, halfway, not at 08:40', async () => {
  const { id } = await reportWithin('道路破损', '10分钟');
  expect(await timersOf(id)).toEqual([[new Date('2026-12-02T08:35:00+08:00').toISOString(), 3]]);
});

it('期限:2小时 set at 08:30 is reminded by the 0d slot at 09:00', async () => {
  const { id } = await reportWithin('垃圾未清运', '2小时');
  expect(await timersOf(id)).toEqual([[new Date('2026-12-02T09:00:00+08:00').toISOString(), 2]]);
});

it('销号 on Wednesday 2026-12-02 sets the 回头看 for Monday 2027-01-04 (30 days land on 元旦) and says so', async () => {
  const { id, deadline } = await reportWithin('标识牌缺失', '3天');
  expect(deadline).toBeGreaterThan(clock.now().getTime());
  await say('u_sec_banzhu', `/整改 #${id} 已补齐`);
  const reply = await say('u_t1_m3', `/销号 #${id} 现场核验无误`);
  expect(reply).toContain(`回头看：2027年1月4日（周一）提醒工作队回访`);
  const timer = await timersQueue().getJob(revisitJobId(id, Date.parse(T0)));
  expect(new Date(Date.parse(T0) + timer!.opts.delay!).toISOString()).toBe(new Date('2027-01-04T09:00:00+08:00').toISOString());
});
