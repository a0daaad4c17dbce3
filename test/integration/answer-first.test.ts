import type { ChildProcess } from 'node:child_process';
import http from 'node:http';
import { once } from 'node:events';
import { Queue } from 'bullmq';
import { createKeys } from '../../src/store/keys';
import { LedgerStore, followUpMember } from '../../src/store/ledger-store';
import { FollowUpStore } from '../../src/store/follow-up-store';
import { freePort } from '../../src/store/embedded-redis';
import { redisOptions } from '../../src/store/redis';
import { CallbackClient } from '../../src/wecom/callback-client';
import { TIMERS_QUEUE } from '../../jobs/queues';
import { apply, createIssue, isRefusal } from '../../src/domain/lifecycle';
import { actorFor } from '../../src/domain/actor';
import { MessageLog } from '../../src/store/message-log';
import { BOT_NAME, demoOrg, demoOrgWith, startTestApp, TEST_AES_KEY, TEST_TOKEN } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { testPrefix, testRedis, testRedisUrl } from '../support/redis';
import { pollUntil } from '../support/wait';
import { startServerProcess } from '../support/server-process';
import { TcpLink } from '../support/tcp-link';

/**
 * Answer first (docs/design.md §4.21): the timers, pushes and downloads of a change go out after
 * its reply. A process killed between the two has written them down with the change itself, and
 * the next worker does them.
 */

describe('kill -9 between the reply and the work after it', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  it("leaves the new issue's reminder timer to the next worker, which sets it", async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    const port = await freePort();
    child = await startServerProcess({ prefix, port, preload: ['./test/support/die-after-reply.ts'] });
    const exited = once(child, 'exit');

    const client = new CallbackClient(`http://127.0.0.1:${port}`, TEST_TOKEN, TEST_AES_KEY);
    const reply = await client.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 路灯损坏 期限:5个工作日内` });
    const [, signal] = (await exited) as [number | null, string | null];
    expect(signal).toBe('SIGKILL');
    const id = Number(/已登记 \*\*#(\d+)\*\*/.exec(reply)?.[1]);
    expect(id).toBeGreaterThan(0);

    const redis = testRedis();
    const timers = new Queue(TIMERS_QUEUE, { connection: redisOptions(testRedisUrl()), prefix: keys.bullPrefix });
    try {
      // The change and its reply are whole; its timer was never queued, and says so in Redis.
      const issue = await new LedgerStore(redis, keys).get(id);
      expect(issue).toMatchObject({ state: 'assigned', version: 1 });
      const timerIds = async () => (await timers.getDelayed()).filter((j) => (j.data as { issueId?: number }).issueId === id).map((j) => j.id);
      expect(await timerIds()).toEqual([]);
      expect(await redis.zrange(keys.followUpsDue, '0', '-1')).toEqual([followUpMember(issue!)]);

      // The next worker to start (no grace: nothing else is running) does what the dead one left.
      const t = await startTestApp({ prefix, jobTimings: { followUpGraceMs: 0 } });
      try {
        await pollUntil(async () => (await timerIds()).length === 1, 'the reminder timer set by the sweeper');
        expect((await timerIds())[0]).toMatch(new RegExp(`^remind-${id}-`));
        await pollUntil(async () => (await redis.zcard(keys.followUpsDue)) === 0, 'the follow-up cleared');
        expect(await redis.hlen(keys.followUpsData)).toBe(0);
        expect(t.logs.some((l) => l.msg === 'follow-ups left by a stopped process done' && l.followUps === 1)).toBe(true);
      } finally {
        await t.stop();
      }
    } finally {
      await timers.close();
      redis.disconnect();
    }
  }, 60_000);
});

describe('the sweeper', () => {
  it("sends a left-over change's push once, and leaves fresh follow-ups to the process that answered", async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    const fake = new FakeWecom();
    const url = await fake.start();
    const redis = testRedis();
    try {
      // A fix committed with its push written down, as a process that died after its reply leaves it.
      const org = demoOrg();
      const ledger = new LedgerStore(redis, keys);
      const now = Date.now();
      const made = createIssue({ id: 1, unitId: 'banzhu', teamIds: ['t1'], description: '路灯损坏', homeChat: 'CHAT_T1', assignee: 'u_sec_banzhu', deadline: now + 5 * 86_400_000, evidence: [] }, actorFor(org, 'u_t1_m2', 'banzhu'), now - 60_000);
      if (isRefusal(made)) throw new Error('refused');
      expect(await ledger.commit(undefined, made, 'u_t1_m2', now - 60_000)).toBe(true);
      const fixed = apply(made.issue, { type: 'fix', note: '已修好', evidence: [] }, actorFor(org, 'u_sec_banzhu', 'banzhu'), now - 30_000);
      if (isRefusal(fixed)) throw new Error('refused');
      const push = { id: 'fix-reported-1-test', chatId: 'CHAT_T1', kind: 'fix-reported' as const, format: 'text' as const, content: '#1 已反馈整改', mentions: [], createdAt: now - 30_000 };
      const messages = new MessageLog(redis, keys);
      const written = await ledger.commitOnce(made.issue, fixed, 'u_sec_banzhu', now - 30_000, { messageKey: messages.keyOf('m-fix'), record: MessageLog.answered({ markdown: '✅ #1' }), ttlSeconds: 60, followUps: JSON.stringify({ pushes: [push], evidence: [] }) });
      expect(written).toBe('ok');
      // One just written (another process is still on it): not the sweeper's.
      const fresh = apply(fixed.issue, { type: 'supplement', note: '补充', evidence: [] }, actorFor(org, 'u_sec_banzhu', 'banzhu'), now);
      if (isRefusal(fresh)) throw new Error('refused');
      expect(await ledger.commitOnce(fixed.issue, fresh, 'u_sec_banzhu', now, { messageKey: messages.keyOf('m-more'), record: MessageLog.answered({ markdown: '📎 #1' }), ttlSeconds: 60 })).toBe('ok');

      const t = await startTestApp({ prefix, org: demoOrgWith({ quietHours: 'off' }), env: { WECOM_API_BASE: url }, jobTimings: { followUpGraceMs: 10_000, followUpSweepMs: 200 } });
      try {
        await pollUntil(() => fake.messages.some((m: { content: string }) => m.content === '#1 已反馈整改'), 'the left-over push delivered');
        // Swept again every 200 ms meanwhile: the push still went out once, and the fresh entry stays.
        await pollUntil(async () => (await new FollowUpStore(redis, keys).pending()) === 1, 'only the fresh follow-up left');
        await t.app.settled();
        expect(fake.messages.filter((m: { content: string }) => m.content === '#1 已反馈整改')).toHaveLength(1);
        expect(await redis.zrange(keys.followUpsDue, '0', '-1')).toEqual([followUpMember(fresh.issue)]);
      } finally {
        await t.stop();
      }
    } finally {
      redis.disconnect();
      await fake.stop();
    }
  });
});

describe('a graceful stop while a message is still being handled', () => {
  it('waits for the message whose caller has gone, and queues its follow-ups before the queues close', async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    // The app's Redis behind a link that can hold its commands, so the message stays in flight.
    const link = await new TcpLink().start();
    const t = await startTestApp({ prefix, redisUrl: link.url });
    const redis = testRedis();
    const timers = new Queue(TIMERS_QUEUE, { connection: redisOptions(testRedisUrl()), prefix: keys.bullPrefix });
    let stopped: Promise<void> | undefined;
    try {
      link.hold();
      const msgid = `stop-${prefix}`;
      const { query, body } = t.client.encryptedCallback(t.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_t1_m2', msgid, text: `@${BOT_NAME} /上报 斑竹村 路灯损坏 期限:5个工作日内` }));
      const req = http.request(`${t.baseUrl}/wecom/callback?${query}`, { method: 'POST', headers: { 'content-type': 'application/json' } });
      req.on('error', () => undefined); // destroyed below on purpose
      req.end(body);
      // Its first batch (the id taken for this msgid) waits on the link, not some other connection's command.
      const messageKey = new MessageLog(redis, keys).keyOf(msgid);
      await pollUntil(() => link.holds(messageKey), 'the callback waiting on Redis');
      // The caller gives up (WeCom does after 5 s), so the HTTP server has nothing left to wait for.
      req.destroy();
      stopped = t.stop();
      await pollUntil(() => new Promise<boolean>((resolve) => http.get(t.baseUrl, () => resolve(false)).on('error', () => resolve(true))), 'the HTTP server closed');
      link.restore();
      await stopped;

      expect(t.logs.filter((l) => l.level >= 50)).toEqual([]);
      const issue = await new LedgerStore(redis, keys).get(1);
      expect(issue).toMatchObject({ state: 'assigned', description: '路灯损坏', version: 1 });
      // Done by the process that answered, before it stopped: nothing left for a sweeper.
      const timerIds = (await timers.getDelayed()).filter((j) => (j.data as { issueId?: number }).issueId === 1).map((j) => j.id);
      expect(timerIds).toEqual([expect.stringMatching(/^remind-1-/)]);
      expect(await redis.zcard(keys.followUpsDue)).toBe(0);
    } finally {
      link.restore();
      await (stopped ?? t.stop());
      await link.stop();
      await timers.close();
      redis.disconnect();
    }
  }, 60_000);
});
