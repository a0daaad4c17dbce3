import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { Queue, QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import pino from 'pino';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { OUTBOUND_QUEUE, TIMERS_QUEUE } from '../../jobs/queues';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { startEmbeddedRedis, type EmbeddedRedis } from '../../src/store/embedded-redis';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { MessageLog } from '../../src/store/message-log';
import { redisOptions } from '../../src/store/redis';
import { BOT_NAME, startTestApp, TEST_AES_KEY, TEST_TOKEN, type TestApp } from '../support/app';
import { FakeWecom, type RobotMessage } from '../support/fake-wecom';
import { testPrefix, testRedis, testRedisUrl } from '../support/redis';
import { pollUntil } from '../support/wait';
import { monitorRedis } from '../support/monitor';

/**
 * Several app instances on one Redis (docs/design.md §5.2: "several instances push once"), a worker
 * process that dies in the middle of its sends, and a callback WeCom re-sends to another
 * instance while the first one still works on it.
 */
const root = path.resolve(__dirname, '../..');
const silent = pino({ level: 'silent' });

/** The demo organisation with this policy and a group-robot key (KEY_<chatid>) on every chat, as YAML. */
function orgYaml(policy: Record<string, unknown>): string {
  const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as { policy: Record<string, unknown>; chats: { chatid: string; webhookKey?: string }[] };
  raw.policy = { ...raw.policy, ...policy };
  for (const c of raw.chats) c.webhookKey = `KEY_${c.chatid}`;
  return stringifyYaml(raw);
}

const say = (t: TestApp, userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const idOf = (reply: string) => Number(/已登记 \*\*#(\d+)\*\*/.exec(reply)![1]);

/** Resolves when `cond` holds, checked on every `event` of `emitter` (no polling). */
async function until(emitter: EventEmitter, event: string, cond: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = AbortSignal.timeout(timeoutMs);
  while (!cond()) {
    await once(emitter, event, { signal: deadline }).catch(() => {
      throw new Error(`not within ${timeoutMs} ms: ${what}`);
    });
  }
}


describe('two app instances, both running workers and ticks, on one Redis', () => {
  let server: EmbeddedRedis | undefined;
  const fake = new FakeWecom();
  afterAll(async () => {
    await fake.stop();
    await server?.stop();
  });

  it('push each due reminder once, one digest per chat per tick, and the weekly 通报 once', async () => {
    // Its own redis-server, so MONITOR sees only these two instances.
    server = await startEmbeddedRedis({ dir: await mkdtemp(path.join(os.tmpdir(), 'duban-instances-')), logger: silent, tcp: true, persistence: false });
    await fake.start();
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    const redis = new Redis({ ...redisOptions(server.url), maxRetriesPerRequest: 1 });
    const monitor = await monitorRedis(redis);
    const tickAttempts: { key: string; source: string }[] = [];
    const seen = new EventEmitter();
    monitor.on('monitor', (_time: string, args: string[], source: string) => {
      if (args[0]?.toLowerCase() === 'set' && args[1]?.startsWith(`${prefix}tick:`)) {
        tickAttempts.push({ key: args[1], source });
        seen.emit('attempt');
      }
    });

    // Real cron ticks in both instances, at seconds planned from now: two digest ticks after
    // every deadline has passed, and one 通报 tick between them (the cron's seconds field;
    // each fires once in this test, which ends long before the minute comes round again).
    const t0 = Date.now();
    const wholeSecond = (ms: number) => Math.ceil(ms / 1000) * 1000;
    const digestAt = [wholeSecond(t0 + 8_000), wholeSecond(t0 + 10_000)];
    const bulletinAt = wholeSecond(t0 + 9_000);
    const seconds = (at: number[]) => `${at.map((ms) => new Date(ms).getUTCSeconds()).join(',')} * * * * *`;
    const lockName = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '');
    const planned = [...digestAt.map((ms) => keys.tickLock('digest', lockName(ms))), keys.tickLock('bulletin', lockName(bulletinAt))];
    const policy = { quietHours: 'off', deadline: '3s', remindBefore: ['2s'], escalate: [], digestCron: seconds(digestAt), bulletinCron: seconds([bulletinAt]) };
    const org = parseOrg(orgYaml(policy), {});
    const start = () => startTestApp({ org, redisUrl: server!.url, prefix, env: { WECOM_API_BASE: fake.url }, jobTimings: { backoffMs: 50, throttleMs: 200 } });

    const running = new Set<TestApp>();
    const stop = async (t: TestApp | undefined) => {
      if (t && running.delete(t)) await t.stop();
    };
    const a = await start();
    running.add(a);
    let b: TestApp | undefined;
    try {
      // Some issues through A; then B starts (its start-up reconcile re-sets A's timers under the
      // same ids) and takes the rest, in two chats.
      const t1 = [idOf(await say(a, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 闸阀老化漏水')), idOf(await say(a, 'u_luo', 'CHAT_T1', '/上报 斑竹村 路灯不亮'))];
      b = await start();
      running.add(b);
      t1.push(idOf(await say(b, 'u_t1_m3', 'CHAT_T1', '/上报 斑竹村 公开栏未更新')));
      const t2 = [idOf(await say(b, 'u_t2_m2', 'CHAT_T2', '/上报 喜观村 道路破损')), idOf(await say(b, 'u_t2_m1', 'CHAT_T2', '/上报 喜观村 垃圾未清运'))];
      const ids = [...t1, ...t2];
      expect(new Set(ids).size).toBe(5);

      const ledger = new LedgerStore(redis, keys);
      const issues = await ledger.getMany(ids);
      const lastDeadline = Math.max(...issues.map((i) => i.deadline!));
      // The digests must see every issue overdue; a start this slow would make them racy.
      expect(lastDeadline).toBeLessThan(digestAt[0]! - 1_000);

      const isReminder = (m: RobotMessage) => m.content.startsWith('⏰ 整改提醒');
      const isDigest = (m: RobotMessage) => m.content.startsWith('🔴 逾期未整改');
      const isBulletin = (m: RobotMessage) => m.content.includes('整改工作通报');
      await fake.waitFor(
        (m) => m.filter(isReminder).length >= ids.length && m.filter(isDigest).length >= 2 * digestAt.length && m.some(isBulletin),
        digestAt[1]! - Date.now() + 10_000,
      );
      // Both instances go for every tick (a SET NX each); wait for all of them before stopping.
      await until(seen, 'attempt', () => tickAttempts.length >= 2 * planned.length, 'both instances attempted every tick');
      await stop(a);
      await stop(b);

      // Nothing is left to send: no push waits, retries or failed that could still go out twice.
      const outbound = new Queue(OUTBOUND_QUEUE, { connection: redisOptions(server.url), prefix: keys.bullPrefix });
      const timers = new Queue(TIMERS_QUEUE, { connection: redisOptions(server.url), prefix: keys.bullPrefix });
      try {
        const idle = { waiting: 0, active: 0, delayed: 0, prioritized: 0, failed: 0 };
        expect(await outbound.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')).toEqual(idle);
        expect(await timers.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'failed')).toEqual(idle);
      } finally {
        await outbound.close();
        await timers.close();
      }

      const msgs = fake.messages;
      expect(msgs.every((m) => m.errcode === 0)).toBe(true);
      expect(fake.unexpected).toEqual([]);

      // Each due reminder exactly once, in the issue's group, @ the assignee.
      for (const issue of issues) {
        const reminders = msgs.filter((m) => m.content.startsWith(`⏰ 整改提醒 #${issue.id} `));
        expect(reminders).toHaveLength(1);
        expect(reminders[0]).toMatchObject({ key: `KEY_${issue.homeChat}`, msgtype: 'text', mentions: [issue.assignee] });
        expect(reminders[0]!.content).toContain(`：${issue.description}`);
      }
      // One digest per chat per tick (two ticks: two, not four), each listing every overdue issue of the chat.
      for (const [chat, chatIds, assignee] of [['CHAT_T1', t1, 'u_sec_banzhu'], ['CHAT_T2', t2, 'u_sec_xiguan']] as const) {
        const digests = msgs.filter((m) => isDigest(m) && m.key === `KEY_${chat}`);
        expect(digests).toHaveLength(digestAt.length);
        for (const d of digests) {
          expect(d.content.split('\n')[0]).toBe(`🔴 逾期未整改 ${chatIds.length} 件，请责任人抓紧整改，完成后回复 /整改 #编号 整改情况`);
          for (const id of chatIds) expect(d.content).toContain(`🔴 #${id} `);
          expect(d.mentions).toEqual([assignee]);
        }
      }
      // The 通报 once, to the one admin chat, with the figures of both teams and the overdue list.
      const bulletins = msgs.filter(isBulletin);
      expect(bulletins).toHaveLength(1);
      expect(bulletins[0]).toMatchObject({ key: 'KEY_CHAT_ADMIN', msgtype: 'markdown' });
      expect(bulletins[0]!.content).toContain('> 第一工作队：发现 3，已销号 0');
      expect(bulletins[0]!.content).toContain('> 第二工作队：发现 2，已销号 0');
      for (const id of ids) expect(bulletins[0]!.content).toContain(`🔴 #${id} `);
      // And nothing else: 5 reminders + 2 chats × 2 ticks + 1 通报.
      expect(msgs).toHaveLength(ids.length + 2 * digestAt.length + 1);
      // Each tick: attempted by both instances (two connections), run by one.
      for (const k of planned) {
        const attempts = tickAttempts.filter((x) => x.key === k);
        expect(attempts).toHaveLength(2);
        expect(new Set(attempts.map((x) => x.source)).size).toBe(2);
      }
      const locks: string[] = [];
      for (const name of ['digest', 'bulletin']) locks.push(...(await redis.keys(keys.tickLock(name, '*'))));
      expect(locks.sort()).toEqual([...planned].sort());
      const done = [...a.logs, ...b.logs].filter((l) => l.msg === 'tick done');
      expect(done.map((l) => `${String(l.tick)}:${String(l.at)}`).sort()).toEqual(planned.map((k) => k.slice(`${prefix}tick:`.length)).sort());
    } finally {
      await stop(a);
      await stop(b);
      monitor.disconnect();
      redis.disconnect();
    }
  }, 40_000);
});

describe('a worker process killed while its sends are in flight', () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });

  /*
   * What is guaranteed: at-least-once. A push is marked sent (SET sent:<id>) only after WeCom
   * answered errcode 0, and a job whose worker died stays in BullMQ's active list until its lock
   * lapses; the stalled check then puts it back to wait and another worker sends it. So no push is
   * lost. A push whose send completed (marker set) before the kill is never sent again. A push
   * the dead worker had already handed to WeCom but not yet marked (here: WeCom holds its answer
   * at the moment of the kill; in production, the gap between WeCom's 200 and the SET) is
   * delivered twice: duplicates are exactly those sends in flight at the kill, at most the
   * outbound worker's concurrency.
   *
   * The killed worker holds its jobs for JOB_LOCK_MS and the recovering app checks for stalled
   * jobs every JOB_STALLED_INTERVAL_MS (both 30 s by default): short here, so the recovery takes
   * a few seconds and needs nothing but the real processes.
   */
  it('delivers every push afterwards; only the sends in flight at the kill arrive twice', async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    const fake = new FakeWecom();
    await fake.start();
    const policy = { quietHours: 'off', digestCron: '0 0 1 1 *', bulletinCron: '0 0 1 1 *' };
    const dir = await mkdtemp(path.join(os.tmpdir(), 'duban-worker-kill-'));
    const orgFile = path.join(dir, 'org.yaml');
    await writeFile(orgFile, orgYaml(policy));
    const org = parseOrg(orgYaml(policy), {});
    const connection = redisOptions(testRedisUrl());
    // The server side: queues pushes, runs no workers (RUN_WORKERS=false, the scale-out layout).
    const app = await startTestApp({ org, prefix, env: { RUN_WORKERS: 'false', WECOM_API_BASE: fake.url }, jobTimings: { backoffMs: 200 } });
    const queue = new Queue(OUTBOUND_QUEUE, { connection, prefix: keys.bullPrefix });
    const events = new QueueEvents(OUTBOUND_QUEUE, { connection, prefix: keys.bullPrefix });
    const completed = new Set<string>();
    const stalled = new Set<string>();
    const seen = new EventEmitter();
    events.on('completed', ({ jobId }) => {
      completed.add(jobId);
      seen.emit('event');
    });
    events.on('stalled', ({ jobId }) => {
      stalled.add(jobId);
      seen.emit('event');
    });
    const redis = testRedis();
    // The dead worker's locks lapse 3 s after its last renewal (it renews every 1.5 s); the
    // recovering app's stalled check runs every 300 ms.
    const LOCK_MS = 3_000;
    const STALLED_INTERVAL_MS = 300;
    let recovery: TestApp | undefined;
    const output: string[] = [];
    try {
      await events.waitUntilReady();
      // One process (tsx as a loader, not its wrapper): SIGKILL must reach the worker itself.
      child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
        cwd: root,
        env: {
          PATH: process.env.PATH ?? '', TZ: 'Asia/Shanghai', NODE_ENV: 'test', LOG_LEVEL: 'info', DATA_DIR: dir, ORG_FILE: orgFile,
          REDIS_URL: testRedisUrl(), REDIS_KEY_PREFIX: prefix, WECOM_API_BASE: fake.url, WECOM_TOKEN: TEST_TOKEN, WECOM_ENCODING_AES_KEY: TEST_AES_KEY, WECOM_BOT_NAMES: BOT_NAME,
          JOB_LOCK_MS: String(LOCK_MS), JOB_STALLED_INTERVAL_MS: String(STALLED_INTERVAL_MS),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const worker = child;
      worker.stderr!.on('data', (d: Buffer) => output.push(d.toString('utf8')));
      const lines = readline.createInterface({ input: worker.stdout! });
      await new Promise<void>((resolve, reject) => {
        lines.on('line', (l) => {
          output.push(l);
          if (l.includes('"duban worker running"')) resolve();
        });
        worker.once('exit', (code) => reject(new Error(`worker exited (${code}) before running:\n${output.join('\n')}`)));
      });

      const push = (batch: string, i: number) => ({ id: `kill-${batch}-${i}`, chatId: `CHAT_T${(i % 4) + 1}`, kind: 'remind-now' as const, format: 'text' as const, content: `测试：${batch === 'a' ? '进程被杀前' : '进程被杀时'}的推送${i}`, mentions: [], createdAt: Date.now() });
      const before = Array.from({ length: 6 }, (_, i) => push('a', i));
      const during = Array.from({ length: 8 }, (_, i) => push('b', i));

      // These go out, and are marked sent, before anything happens to the worker.
      for (const p of before) await app.app.jobs.outbox.enqueue(p);
      await until(seen, 'event', () => before.every((p) => completed.has(p.id)), 'the first pushes completed');

      // WeCom now takes the next sends in and keeps its answers: the worker waits on them.
      fake.hold();
      for (const p of during) await app.app.jobs.outbox.enqueue(p);
      await until(fake, 'held', () => fake.heldCount > 0, 'a send held by WeCom');
      // Nothing announces that the worker took up all the sends it will; the queue's active count,
      // against the requests WeCom holds, says so (bounded).
      await pollUntil(async () => fake.heldCount > 0 && fake.heldCount === (await queue.getActiveCount()), 'the worker busy on every job it took');
      worker.kill('SIGKILL');
      if (worker.exitCode === null && worker.signalCode === null) await once(worker, 'exit');
      expect(worker.signalCode).toBe('SIGKILL');

      // In flight at the kill: every send WeCom had received (and held, unanswered) by then.
      const inFlight = during.filter((p) => fake.messages.some((m) => m.content === p.content));
      expect(inFlight.length).toBe(fake.heldCount);
      expect(inFlight.length).toBeGreaterThan(0);
      // The kill landed mid-send: those jobs are still active, locked by the dead worker, and none is marked sent.
      const activeAtKill = (await queue.getJobs(['active'])).map((j) => String(j.id)).sort();
      expect(activeAtKill).toEqual(expect.arrayContaining(inFlight.map((p) => p.id)));
      expect(await redis.exists(...during.map((p) => keys.sent(p.id)))).toBe(0);
      fake.release();

      // Another instance, running the workers, takes the jobs up once the dead worker's locks
      // lapse: BullMQ's stalled check puts them back to wait, and the real sender sends them.
      recovery = await startTestApp({ org, prefix, env: { WECOM_API_BASE: fake.url }, jobTimings: { backoffMs: 200, stalledIntervalMs: STALLED_INTERVAL_MS } });
      await until(seen, 'event', () => during.every((p) => completed.has(p.id)), 'every push of the second batch completed');
      await recovery.stop();
      recovery = undefined;

      // Recovered by BullMQ's stalled check: exactly the jobs the dead worker held.
      expect([...stalled].sort()).toEqual(activeAtKill);
      expect(await redis.exists(...[...before, ...during].map((p) => keys.sent(p.id)))).toBe(before.length + during.length);
      expect(await queue.getJobCounts('waiting', 'active', 'delayed', 'failed')).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });

      const received = (content: string) => fake.messages.filter((m) => m.content === content);
      // Sent before the kill: once. In flight at the kill: twice (WeCom had it, nobody marked it). The rest: once.
      for (const p of before) expect(received(p.content)).toHaveLength(1);
      for (const p of during) {
        const got = received(p.content);
        expect(got).toHaveLength(inFlight.includes(p) ? 2 : 1);
        for (const m of got) expect(m).toMatchObject({ key: `KEY_${p.chatId}`, msgtype: 'text', errcode: 0 });
      }
      const duplicates = fake.messages.length - before.length - during.length;
      expect(duplicates).toBe(inFlight.length);
      expect(inFlight.length).toBeLessThan(during.length); // the worker takes 4 at a time: the rest had not started, and went once
      expect(fake.unexpected).toEqual([]);
    } catch (err) {
      if (output.length) process.stderr.write(`worker output:\n${output.join('\n')}\n`);
      throw err;
    } finally {
      await recovery?.stop();
      await events.close();
      await queue.close();
      await app.stop();
      redis.disconnect();
      await fake.stop();
    }
  }, 40_000);
});

/**
 * A loopback TCP proxy in front of Redis that can stop forwarding one instance's commands: after
 * the command that carries `marker` has been answered, everything else that instance sends waits
 * until release(). It makes the instance slow exactly after a given step, without touching its code.
 */
class SlowLink {
  private readonly server = net.createServer((client) => this.connect(client));
  private readonly links = new Set<{ client: net.Socket; upstream: net.Socket; pending: Buffer[] }>();
  private marker: Buffer | undefined;
  private onHeld: (() => void) | undefined;
  private holding = false;

  constructor(private readonly target: { host: string; port: number }) {}

  async start(): Promise<number> {
    this.server.listen(0, '127.0.0.1');
    await once(this.server, 'listening');
    return (this.server.address() as net.AddressInfo).port;
  }

  /** Resolves once the command carrying `marker` was answered and the instance's next commands are held. */
  holdAfter(marker: string): Promise<void> {
    this.marker = Buffer.from(marker);
    return new Promise((resolve) => (this.onHeld = resolve));
  }

  release(): void {
    this.holding = false;
    for (const link of this.links) for (const chunk of link.pending.splice(0)) link.upstream.write(chunk);
  }

  async stop(): Promise<void> {
    for (const { client, upstream } of this.links) {
      client.destroy();
      upstream.destroy();
    }
    this.server.close();
    await once(this.server, 'close');
  }

  private connect(client: net.Socket): void {
    const upstream = net.connect(this.target.port, this.target.host);
    const link = { client, upstream, pending: [] as Buffer[] };
    this.links.add(link);
    let awaitingAnswer = false;
    upstream.on('data', (chunk: Buffer) => {
      client.write(chunk);
      if (awaitingAnswer) {
        awaitingAnswer = false;
        this.onHeld?.();
      }
    });
    client.on('data', (chunk: Buffer) => {
      if (this.holding) return void link.pending.push(chunk);
      upstream.write(chunk);
      if (this.marker && chunk.includes(this.marker)) {
        this.marker = undefined;
        this.holding = true;
        awaitingAnswer = true;
      }
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
      this.links.delete(link);
    };
    client.on('close', close).on('error', close);
    upstream.on('close', close).on('error', close);
  }
}

describe('a callback WeCom re-sends to another instance while the first one still works on it', () => {
  it('runs the command once, and both attempts answer with the reply of the one that committed', async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    const target = redisOptions(testRedisUrl());
    const link = new SlowLink({ host: target.host!, port: target.port! });
    const linkPort = await link.start();
    // A reaches Redis through the link (it becomes slow right after taking its issue id); B directly.
    const a = await startTestApp({ prefix, redisUrl: `redis://:${target.password ?? ''}@127.0.0.1:${linkPort}/${target.db ?? 0}`, env: { RUN_WORKERS: 'false' } });
    const b = await startTestApp({ prefix, env: { RUN_WORKERS: 'false' } });
    try {
      const msg = a.client.textMessage({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 重发回调的问题` });
      const streamId = new MessageLog(b.redis, keys).streamId(String(msg.msgid));
      // A /上报 takes no claim: its first batch reads the round and takes an id (the script that
      // looks the msgid up first, named by the sequence key it is given); its commit waits on the link.
      const held = link.holdAfter(keys.issueSeq);
      const first = a.client.send(msg);
      await held;
      expect(await b.redis.get(keys.issueSeq)).toBe('1');

      // B runs it whole and commits first (#2: A's id is a gap, the cost of taking no claim).
      const resent = await b.client.send(msg);
      expect(resent.reply).toEqual({
        msgtype: 'stream_with_template_card',
        stream: { id: streamId, finish: true, content: expect.stringMatching(/^📌 已登记 \*\*#2\*\* 福禄镇斑竹村：重发回调的问题\n状态：整改中/) },
        template_card: expect.objectContaining({ task_id: expect.stringMatching(/^i2-assigned-[0-9a-z]+-[0-9a-f]{8}$/) }),
      });

      // A's commit finds the message answered: it writes nothing and answers with B's reply, word for word.
      link.release();
      const answered = await first;
      expect(answered.reply).toEqual(resent.reply);

      const ledger = new LedgerStore(b.redis, keys);
      expect(await ledger.get(1)).toBeUndefined();
      expect(await ledger.get(2)).toMatchObject({ description: '重发回调的问题', state: 'assigned', version: 1 });
      expect(await ledger.history(2)).toHaveLength(1);
      expect(await b.redis.xlen(keys.auditAll)).toBe(1);
      expect(a.logs.filter((l) => l.msg === 'wecom callback' && l.msgid === msg.msgid).map((l) => l.result)).toEqual(['duplicate']);
      expect(b.logs.filter((l) => l.msg === 'wecom callback' && l.msgid === msg.msgid).map((l) => l.command)).toEqual(['report']);
    } finally {
      link.release();
      await a.stop();
      await b.stop();
      await link.stop();
    }
  });
});
