import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { MessageLog } from '../../src/store/message-log';
import { freePort, startEmbeddedRedis } from '../../src/store/embedded-redis';
import { CallbackClient } from '../../src/wecom/callback-client';
import { BOT_NAME, demoOrgWith, startTestApp, TEST_AES_KEY, TEST_TOKEN } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { testPrefix, testRedis } from '../support/redis';
import { pollUntil } from '../support/wait';
import { startServerProcess } from '../support/server-process';
import { TcpLink } from '../support/tcp-link';

/** duban stays correct when the process dies, Redis restarts or WeCom's API is away. */

describe('kill -9 of the server during a burst of reports', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('keeps every report that got a reply, whole', async () => {
    const prefix = testPrefix();
    const port = await freePort();
    child = await startServerProcess({ prefix, port });

    const client = new CallbackClient(`http://127.0.0.1:${port}`, TEST_TOKEN, TEST_AES_KEY);
    const replies: string[] = [];
    let killed = false;
    const sends = Array.from({ length: 60 }, (_, i) =>
      client
        .say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 压力测试问题${i}` })
        .then((r) => {
          replies.push(r);
          if (replies.length === 20 && !killed) {
            killed = true;
            child!.kill('SIGKILL');
          }
        })
        .catch(() => undefined),
    );
    await Promise.all(sends);
    // It may have exited already: only then is there no exit event left to wait for.
    if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    expect(killed).toBe(true);
    expect(replies.length).toBeGreaterThanOrEqual(20);

    const redis = testRedis();
    try {
      const store = new LedgerStore(redis, createKeys(prefix));
      for (const reply of replies) {
        const m = /已登记 \*\*#(\d+)\*\* 福禄镇斑竹村：(压力测试问题\d+)/.exec(reply);
        expect(m).not.toBeNull();
        const issue = await store.get(Number(m![1]));
        expect(issue).toMatchObject({ description: m![2], state: 'assigned', version: 1 });
        expect(await store.history(issue!.id)).toHaveLength(1);
      }
      // Whatever was cut off mid-way is absent or whole, never half-written.
      const seq = Number(await redis.get(createKeys(prefix).issueSeq));
      for (let id = 1; id <= seq; id++) {
        const issue = await store.get(id);
        if (issue) expect(await store.history(id)).toHaveLength(issue.version);
      }
    } finally {
      redis.disconnect();
    }
  }, 60_000);
});

describe('Redis restarted under load', () => {
  it('answers again within seconds and has lost nothing (AOF)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-restart-'));
    const logger = pino({ level: 'silent' });
    let redis = await startEmbeddedRedis({ dir, logger });
    const t = await startTestApp({ redisUrl: redis.url, env: { RUN_WORKERS: 'false' } });
    try {
      const before = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 重启前的问题` });
      const id = Number(/#(\d+)/.exec(before)![1]);

      await redis.stop();
      // A change cannot be claimed: 503, and WeCom re-sends the callback it got no answer to.
      const down = await t.client.send(t.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 停机时的问题` }));
      expect(down.status).toBe(503);
      // What needs no Redis still works.
      expect(await t.client.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /帮助` })).toContain('督办助手 · 可用命令');
      // /healthz says what is wrong, and that the bot is out of service meanwhile.
      const health = await fetch(`${t.baseUrl}/healthz`);
      expect(health.status).toBe(503);
      const report = (await health.json()) as { ok: boolean; problems: string[] };
      expect(report.ok).toBe(false);
      expect(report.problems[0]).toMatch(/^redis: Redis \(unix \/.*redis\.sock\) does not answer: .+; changes get 503 \(WeCom re-sends them\) until it is back$/);

      redis = await startEmbeddedRedis({ dir, logger });
      // Asked again as a user would (while the client reconnects a read may answer ⚠️ 出错了).
      let answer = '';
      await pollUntil(
        async () => (answer = await t.client.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /查看 #${id}` }).catch(() => '')).includes(`**#${id}`),
        'the issue shown again after the restart',
        10_000,
        200,
      );
      expect(answer).toContain(`**#${id} 福禄镇斑竹村**（整改中）`);
      const healthy = await fetch(`${t.baseUrl}/healthz`);
      expect(healthy.status).toBe(200);
      // Still named: this app runs no workers, so pushes would wait (200: callbacks are answered).
      expect(((await healthy.json()) as { problems: string[] }).problems).toEqual([
        'workers: no worker sends reminders and pushes (they wait in the queue): run `npm run worker` or set RUN_WORKERS=true',
      ]);
    } finally {
      await t.stop();
      await redis.stop();
    }
  });
});

describe('Redis behind a proxy that drops the connection while a command is in flight', () => {
  it('answers that callback 503 within REDIS_COMMAND_TIMEOUT_MS, and its re-send once Redis is back', async () => {
    // The link accepts and closes every connection while "refused", as a proxy in front of a dead
    // Redis does: ioredis then keeps the command that was in flight for resending, and without a
    // command timeout the callback would wait until Redis came back.
    const link = await new TcpLink().start();
    const prefix = testPrefix();
    const t = await startTestApp({ prefix, redisUrl: link.url, env: { RUN_WORKERS: 'false', REDIS_COMMAND_TIMEOUT_MS: '1000' } });
    const redis = testRedis();
    try {
      const msgid = `drop-${prefix}`;
      const message = t.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_t1_m2', msgid, text: `@${BOT_NAME} /上报 斑竹村 断线时的问题` });
      link.hold();
      const sent = t.client.send(message);
      // Its first batch (the id taken for this msgid) is the command in flight when the link drops.
      await pollUntil(() => link.holds(new MessageLog(redis, createKeys(prefix)).keyOf(msgid)), 'the callback waiting on Redis');
      link.refuse();
      const hung = new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 8_000).unref());
      const down = await Promise.race([sent, hung]);
      expect(down).toMatchObject({ status: 503 });

      link.restore();
      // WeCom re-sends the callback it got no answer to: one issue, whatever the held commands did.
      let again = { status: 0, text: '' };
      await pollUntil(
        async () => {
          const res = await t.client.send(message);
          again = { status: res.status, text: JSON.stringify(res.reply ?? '') };
          return res.status === 200;
        },
        'the re-sent callback answered',
        10_000,
        200,
      );
      const id = Number(/已登记 \*\*#(\d+)\*\*/u.exec(again.text)?.[1]);
      const ledger = new LedgerStore(redis, createKeys(prefix));
      expect(await ledger.get(id)).toMatchObject({ description: '断线时的问题', state: 'assigned', version: 1 });
      // An id the held first attempt took when its commands were resent stays unused, never a second issue.
      for (let other = 1; other < id; other++) expect(await ledger.get(other)).toBeUndefined();
    } finally {
      link.restore();
      await t.stop();
      await link.stop();
      redis.disconnect();
    }
  }, 40_000);
});

describe("WeCom's API down for a while", () => {
  it('keeps the pushes queued and delivers each once when it is back', async () => {
    const fake = new FakeWecom();
    const url = await fake.start();
    const port = Number(new URL(url).port);
    const t = await startTestApp({ org: demoOrgWith({ quietHours: 'off' }), env: { WECOM_API_BASE: url }, jobTimings: { backoffMs: 200 } });
    try {
      await fake.stop();
      const pushes = ['接口中断时排队的推送一', '接口中断时排队的推送二'];
      for (const [i, content] of pushes.entries()) {
        await t.app.jobs.outbox.enqueue({ id: `outage-${i}`, chatId: 'CHAT_T1', kind: 'remind-now', format: 'text', content, mentions: [], createdAt: Date.now() });
      }
      // Let a few attempts fail against the closed port, then bring WeCom back.
      await pollUntil(async () => {
        const jobs = await Promise.all(pushes.map((_, i) => t.app.jobs.outbox['queue'].getJob(`outage-${i}`)));
        return jobs.every((j) => (j?.attemptsMade ?? 0) >= 2);
      }, 'two failed attempts at each push', 20_000, 50);
      await fake.start(port);
      await fake.waitFor((m) => pushes.every((p) => m.some((x) => x.content === p)));
      await pollUntil(async () => (await t.redis.exists(...pushes.map((_, i) => `${t.prefix}sent:outage-${i}`))) === pushes.length, 'both pushes marked sent', 20_000, 50);
      for (const p of pushes) expect(fake.messages.filter((x) => x.content === p)).toHaveLength(1);
    } finally {
      await t.stop();
      await fake.stop();
    }
  });
});

