import { QueueEvents } from 'bullmq';
import { runBulletin } from '../../jobs/ticks/bulletin';
import { runTickOnce } from '../../jobs/ticks/cron';
import { runDigest } from '../../jobs/ticks/digest';
import { reminderJobId } from '../../jobs/timers/timer-jobs';
import { TIMERS_QUEUE } from '../../jobs/queues';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { BOT_NAME, demoOrgWith, startTestApp, type TestApp } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { testPrefix, testRedisUrl } from '../support/redis';
import { clockPast, pollUntil } from '../support/wait';

/**
 * The bot's voice when nobody asks, on compressed timelines (policy durations in seconds), with
 * real BullMQ on the real Redis and a local fake of WeCom's group-robot API.
 */
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

const fast = { quietHours: 'off', deadline: '6s', remindBefore: ['3s'], escalate: [{ after: '1s', to: 'leader' }, { after: '2s', to: 'admins' }], revisitAfter: '2s', digestCron: '0 0 1 1 *', bulletinCron: '0 0 1 1 *' };

async function app(policy: Record<string, unknown> = fast, prefix = testPrefix()): Promise<TestApp> {
  return startTestApp({ org: demoOrgWith(policy), env: { WECOM_API_BASE: fake.url }, prefix, jobTimings: { backoffMs: 50, throttleMs: 200 } });
}

/** A message and its reply, then the work after that reply (its timers and pushes, docs/design.md §4.21). */
const say = async (t: TestApp, userId: string, chatId: string, text: string) => {
  const reply = await t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
  await t.app.settled();
  return reply;
};
const idOf = (reply: string) => Number(/#(\d+)/.exec(reply)![1]);

describe('deadline reminder → overdue digest → escalation → 回头看', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await app();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('reminds the assignee with a real @, then digests, escalates and asks for the revisit', async () => {
    const id = idOf(await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 路灯不亮'));
    const mine = (x: { content: string }) => x.content.startsWith(`⏰ 整改提醒 #${id} 福禄镇斑竹村：路灯不亮`);
    const [reminder] = (await fake.waitFor((m) => m.some(mine))).filter(mine);
    expect(reminder).toMatchObject({ key: 'KEY_CHAT_T1', msgtype: 'text', mentions: ['u_sec_banzhu'], errcode: 0 });
    expect(reminder!.content).toContain('福禄镇斑竹村：路灯不亮');

    // Past the deadline (6 s) and both escalation thresholds: one digest tick.
    const issue = await new LedgerStore(t.redis, createKeys(t.prefix)).get(id);
    await clockPast(issue!.deadline! + 2_500);
    const tickDeps = { ledger: new LedgerStore(t.redis, createKeys(t.prefix)), outbox: t.app.jobs.outbox, org: t.app.org, clock: { now: () => new Date() } };
    await runDigest('t1', tickDeps);
    const msgs = await fake.waitFor((m) => m.some((x) => x.key === 'KEY_CHAT_T1' && x.content.startsWith('🔴 逾期未整改')) && m.some((x) => x.key === 'KEY_CHAT_ADMIN'));
    const digest = msgs.find((x) => x.key === 'KEY_CHAT_T1' && x.content.startsWith('🔴 逾期未整改'))!;
    expect(digest.content).toContain(`#${id} 福禄镇斑竹村：路灯不亮`);
    expect(digest.content).toContain('请队长 罗志刚 督促');
    expect(digest.mentions).toEqual(['u_sec_banzhu', 'u_luo']);
    const escalation = msgs.find((x) => x.key === 'KEY_CHAT_ADMIN')!;
    expect(escalation.content).toMatch(/^⚠️ 逾期超过2秒未整改 1 件（上报组织部）/);

    await say(t, 'u_sec_banzhu', 'CHAT_T1', `/整改 #${id} 已更换灯泡`);
    await say(t, 'u_t1_m2', 'CHAT_T1', `/销号 #${id}`);
    const revisit = await fake.waitFor((m) => m.some((x) => x.content.startsWith(`🔁 回头看 #${id}`)));
    expect(revisit.filter((x) => x.content.startsWith(`🔁 回头看 #${id}`))).toEqual([expect.objectContaining({ key: 'KEY_CHAT_T1', mentions: ['u_t1_m2'] })]);
  });
});

describe('timers follow the issue', () => {
  let t: TestApp;
  let events: QueueEvents;
  beforeAll(async () => {
    t = await app({ ...fast, deadline: '3s', remindBefore: ['1s'] });
    events = new QueueEvents(TIMERS_QUEUE, { connection: redisOptions(testRedisUrl()), prefix: createKeys(t.prefix).bullPrefix });
    await events.waitUntilReady();
  });
  afterAll(async () => {
    await events.close();
    await t.stop();
  });

  it('sends no reminder for an issue closed before its slot', async () => {
    const id = idOf(await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 标识牌缺失'));
    const issue = await new LedgerStore(t.redis, createKeys(t.prefix)).get(id);
    const jobId = reminderJobId(id, issue!.deadline!, 0);
    const done = new Promise<string>((resolve) => {
      events.on('completed', ({ jobId: j, returnvalue }) => {
        if (j === jobId) resolve(String(returnvalue));
      });
    });
    await say(t, 'u_sec_banzhu', 'CHAT_T1', `/整改 #${id} 已补齐`);
    await say(t, 'u_t1_m3', 'CHAT_T1', `/销号 #${id}`);
    // The timer was removed with the closing; if a copy still runs it finds the issue closed.
    const outcome = await Promise.race([done, clockPast(issue!.deadline! + 500).then(() => 'not run')]);
    expect(['stale', 'not run']).toContain(outcome);
    expect(fake.messages.filter((m) => m.content.startsWith('⏰') && m.content.includes('福禄镇斑竹村：标识牌缺失'))).toEqual([]);
  });

  it('reschedules on /延期: the old deadline’s timer goes, the new one is set', async () => {
    const id = idOf(await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 道路破损 期限:10分钟'));
    const store = new LedgerStore(t.redis, createKeys(t.prefix));
    const old = (await store.get(id))!.deadline!;
    const oldJob = await t.app.jobs.timers['queue'].getJob(reminderJobId(id, old, 0));
    expect(oldJob).toBeDefined();
    expect(await say(t, 'u_luo', 'CHAT_T1', `/延期 #${id} 30分钟 等待材料`)).toContain('期限调整为');
    const moved = (await store.get(id))!.deadline!;
    expect(moved).toBeGreaterThan(old);
    expect(await t.app.jobs.timers['queue'].getJob(reminderJobId(id, old, 0))).toBeUndefined();
    const fresh = await t.app.jobs.timers['queue'].getJob(reminderJobId(id, moved, 0));
    expect(fresh?.data).toEqual({ issueId: id, deadline: moved, slot: 0 });
    expect(Math.abs(fresh!.timestamp + fresh!.delay - (moved - 1_000))).toBeLessThan(2_000);
  });
});

describe('the outbound queue', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await app();
  });
  afterAll(async () => {
    await t.stop();
  });

  it('waits out 45009 and delivers once', async () => {
    fake.script('KEY_CHAT_T2', [45009]);
    const push = await t.app.jobs.outbox.enqueue({ id: 'test-throttle-1', chatId: 'CHAT_T2', kind: 'remind-now', format: 'text', content: '测试：频率限制后重发', mentions: ['u_t2_m1'], createdAt: Date.now() });
    const msgs = await fake.waitFor((m) => m.some((x) => x.content === push.content && x.errcode === 0));
    expect(msgs.filter((x) => x.content === push.content).map((x) => x.errcode)).toEqual([45009, 0]);
    await pollUntil(async () => (await t.redis.exists(`${t.prefix}sent:test-throttle-1`)) === 1, 'the throttled push sent');
  });

  it('dead-letters a permanent refusal and keeps it visible in /healthz', async () => {
    fake.script('KEY_CHAT_T3', [93000]);
    await t.app.jobs.outbox.enqueue({ id: 'test-dead-1', chatId: 'CHAT_T3', kind: 'remind-now', format: 'text', content: '测试：机器人已被移出群', mentions: [], createdAt: Date.now() });
    await fake.waitFor((m) => m.some((x) => x.content === '测试：机器人已被移出群'));
    await pollUntil(async () => (await (await fetch(`${t.baseUrl}/healthz`)).json() as { checks: { queue: { deadLetters: number } } }).checks.queue.deadLetters === 1, 'one dead letter in /healthz');
    expect(fake.messages.filter((x) => x.content === '测试：机器人已被移出群')).toHaveLength(1);
    // Said in words, but no 503: the instance still answers callbacks.
    const health = await fetch(`${t.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { problems: string[] }).problems).toEqual([
      'queue: 1 push(es) failed for good (dead letters): see the log lines "job dead-lettered", mend the cause (e.g. a wrong group-robot key), then retry them',
    ]);
    expect(t.logs.some((l) => l.msg === 'job dead-lettered (kept in the failed set)' && l.job === 'test-dead-1')).toBe(true);
  });

  it('sends one push per id, however often it is queued', async () => {
    const input = { id: 'test-once-1', chatId: 'CHAT_T4', kind: 'remind-now' as const, format: 'text' as const, content: '测试：只发一次', mentions: [], createdAt: Date.now() };
    await Promise.all([t.app.jobs.outbox.enqueue(input), t.app.jobs.outbox.enqueue(input), t.app.jobs.outbox.enqueue(input)]);
    await fake.waitFor((m) => m.some((x) => x.content === '测试：只发一次'));
    await t.app.jobs.outbox.enqueue(input);
    await pollUntil(async () => (await t.redis.exists(`${t.prefix}sent:test-once-1`)) === 1, 'the push sent');
    expect(fake.messages.filter((x) => x.content === '测试：只发一次')).toHaveLength(1);
  });
});

describe('calendar ticks', () => {
  it('sends one digest message per chat per tick, listing every overdue issue', async () => {
    const t = await app({ ...fast, deadline: '1s', remindBefore: [] });
    try {
      const ids = [];
      for (const what of ['路灯不亮', '道路破损', '垃圾未清运']) ids.push(idOf(await say(t, 'u_t1_m2', 'CHAT_T1', `/上报 斑竹村 ${what}`)));
      const last = await new LedgerStore(t.redis, createKeys(t.prefix)).get(ids[2]!);
      await clockPast(last!.deadline! + 50);
      const deps = { ledger: new LedgerStore(t.redis, createKeys(t.prefix)), outbox: t.app.jobs.outbox, org: t.app.org, clock: { now: () => new Date() } };
      const before = fake.messages.length;
      // The same tick run twice (two instances that both missed the lock) still queues one message.
      expect(await Promise.all([runDigest('tick-a', deps), runDigest('tick-a', deps)])).toEqual([{ messages: 1 }, { messages: 1 }]);
      const msgs = await fake.waitFor((m) => m.slice(before).some((x) => x.key === 'KEY_CHAT_T1'));
      await pollUntil(async () => (await t.redis.exists(`${t.prefix}sent:digest-CHAT_T1-tick-a`)) === 1, 'the digest sent');
      const digests = msgs.slice(before).filter((x) => x.key === 'KEY_CHAT_T1');
      expect(digests).toHaveLength(1);
      for (const id of ids) expect(digests[0]!.content).toContain(`#${id} 福禄镇斑竹村`);
    } finally {
      await t.stop();
    }
  });

  it('lets one of two instances take a tick', async () => {
    const prefix = testPrefix();
    const [a, b] = [await app(fast, prefix), await app(fast, prefix)];
    try {
      const at = new Date('2026-05-04T01:00:00Z');
      let runs = 0;
      const tick = { name: 'digest', cron: '* * * * *', run: async () => void runs++ };
      const keys = createKeys(prefix);
      const won = await Promise.all([runTickOnce(a.redis, keys, tick, at, silent), runTickOnce(b.redis, keys, tick, at, silent)]);
      expect(won.sort()).toEqual([false, true]);
      expect(runs).toBe(1);
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  it('sends the weekly 通报 to the admin chats', async () => {
    const t = await app();
    try {
      await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 公开栏未更新');
      const deps = { ledger: new LedgerStore(t.redis, createKeys(t.prefix)), outbox: t.app.jobs.outbox, org: t.app.org, clock: { now: () => new Date() }, scores: t.app.jobs.scores };
      expect(await runBulletin('week-1', deps)).toEqual({ messages: 1 });
      const msgs = await fake.waitFor((m) => m.some((x) => x.msgtype === 'markdown' && x.content.includes('整改工作通报')));
      const bulletin = msgs.find((x) => x.content.includes('整改工作通报'))!;
      expect(bulletin.key).toBe('KEY_CHAT_ADMIN');
      expect(bulletin.content).toMatch(/> 第一工作队：发现 1，已销号 0/);
      // This year's scores close it: the ranking of the teams (nothing is late yet: all at 100).
      expect(bulletin.content).toMatch(/\n\*\*百分量化考核（20\d\d年）\*\*\n1\. 第一工作队 100 分\n/u);
    } finally {
      await t.stop();
    }
  });
});

describe('two app instances on one ledger', () => {
  it('push each reminder slot once', async () => {
    const prefix = testPrefix();
    const a = await app({ ...fast, deadline: '3s', remindBefore: ['2s'] }, prefix);
    const b = await app({ ...fast, deadline: '3s', remindBefore: ['2s'] }, prefix);
    try {
      const id = idOf(await say(a, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 井盖缺失'));
      await fake.waitFor((m) => m.some((x) => x.content.startsWith(`⏰ 整改提醒 #${id} 福禄镇斑竹村：井盖缺失`)));
      const issue = await new LedgerStore(a.redis, createKeys(prefix)).get(id);
      await clockPast(issue!.deadline! + 300);
      expect(fake.messages.filter((x) => x.content.startsWith(`⏰ 整改提醒 #${id} 福禄镇斑竹村：井盖缺失`) && x.errcode === 0)).toHaveLength(1);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});

const silent = { debug() {}, info() {}, warn() {}, error() {} } as unknown as Parameters<typeof runTickOnce>[4];


