import { Redis } from 'ioredis';
import { createApp } from '../../src/app';
import { loadEnv } from '../../src/config/env';
import { createLogger } from '../../src/log/logger';
import { createKeys } from '../../src/store/keys';
import { redisOptions } from '../../src/store/redis';
import { CallbackClient } from '../../src/wecom/callback-client';
import { BOT_NAME, TEST_AES_KEY, TEST_TOKEN } from '../support/app';
import { FakeWecom, type RobotMessage } from '../support/fake-wecom';
import { generateOrg } from '../support/generate-org';

/**
 * The tasks section of `npm run bench` (BENCH_ONLY=tasks): /布置 … 范围:全区 to a generated
 * 500-unit district (10 towns × 50 units, one group robot per town's team) through the real
 * webhook — encrypted callback, pipeline, one script writing the task and its 500 issues, the
 * bulk timers, the pushes queued — timed to the decrypted reply; then the real outbound worker
 * delivers every group's message (in parts when the list is over 2 048 bytes) to a local fake of
 * the group robot, which is checked: every part once, at most 20 per robot in any 60 s.
 * `BENCH_TASKS` tasks are assigned back to back, so the robots' limit binds when they need more
 * than 20 messages (the default, 12 tasks × 2 parts per group, does).
 */
export const REPLY_TARGET_MS = 2_000;
export const ROBOT_LIMIT = 20;

export interface TaskBenchOptions {
  redisUrl: string;
  tasks: number;
  print(line?: string): void;
}

export interface TaskBenchResult {
  ok: boolean;
  failures: string[];
  lines: string[];
}

export async function benchTasks(o: TaskBenchOptions): Promise<TaskBenchResult> {
  const gen = generateOrg({ towns: 10, unitsPerTown: 50 });
  const prefix = 'duban:';
  const keys = createKeys(prefix);
  const fake = new FakeWecom();
  const redis = new Redis({ ...redisOptions(o.redisUrl), maxRetriesPerRequest: 1 });
  redis.on('error', () => {});
  const failures: string[] = [];
  const lines: string[] = [];
  await fake.start();
  const env = loadEnv({
    NODE_ENV: 'production',
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_KEY_PREFIX: prefix,
    WECOM_TOKEN: TEST_TOKEN,
    WECOM_ENCODING_AES_KEY: TEST_AES_KEY,
    WECOM_BOT_NAMES: BOT_NAME,
    WECOM_API_BASE: fake.url,
  });
  const app = createApp({ env, org: gen.org, redisUrl: o.redisUrl, credentials: { token: TEST_TOKEN, encodingAESKey: TEST_AES_KEY }, logger: createLogger('silent') });
  try {
    const port = await app.start();
    const client = new CallbackClient(`http://127.0.0.1:${port}`, TEST_TOKEN, TEST_AES_KEY);
    o.print(`organisation: ${gen.org.units.length} units (村, 社区, 学校) in ${gen.towns.length} towns, one team and one group robot per town, ${gen.org.units.filter((u) => !u.secretary).length} units without a secretary; quiet hours off`);
    // One untimed warm-up (script load, JIT) on a small scope.
    await client.say({ userId: 'u_admin', chatId: 'CHAT_ADMIN', text: `@${BOT_NAME} /布置 预热 期限:7天 范围:${gen.org.units[0]!.name}` });
    const warmupPushes = 1;
    const replyMs: number[] = [];
    const started = Date.now();
    let issuesBefore = Number(await redis.get(keys.issueSeq));
    for (let i = 0; i < o.tasks; i++) {
      const t0 = performance.now();
      const reply = await client.say({ userId: 'u_admin', chatId: 'CHAT_ADMIN', text: `@${BOT_NAME} /布置 第${i + 1}项 两委换届档案整理自查 期限:30天 范围:全区` });
      replyMs.push(performance.now() - t0);
      if (!reply.includes('共 500 个单位')) failures.push(`task ${i + 1}: unexpected reply ${reply.slice(0, 80)}`);
      const issuesNow = Number(await redis.get(keys.issueSeq));
      if (issuesNow - issuesBefore !== 500) failures.push(`task ${i + 1}: ${issuesNow - issuesBefore} issues, not 500`);
      issuesBefore = issuesNow;
    }
    // Every group gets its parts: count them from the messages once delivery settles.
    const isTask = (m: RobotMessage) => m.content.startsWith('📋') && /任务 #T\d+/u.test(m.content);
    const perTaskRobot = () => {
      const n = new Map<string, number>();
      for (const m of fake.messages.filter(isTask)) {
        const task = /任务 #T(\d+)/u.exec(m.content)![1]!;
        n.set(`${task}|${m.key}`, (n.get(`${task}|${m.key}`) ?? 0) + 1);
      }
      return n;
    };
    // Parts per group: the first full task's split (all tasks have the same shape).
    const partsPerGroup = 2;
    const expected = o.tasks * gen.towns.length * partsPerGroup + warmupPushes;
    const timeoutMs = 60_000 + Math.ceil((o.tasks * partsPerGroup) / ROBOT_LIMIT) * 65_000;
    await fake.waitFor((m) => m.filter(isTask).length >= expected, timeoutMs).catch((err: Error) => failures.push(err.message));
    const deliveredMs = Math.max(...fake.messages.filter(isTask).map((m) => m.at)) - started;
    // A duplicate would land now: wait for the outbound queue to drain.
    const outbound = app.jobs.outbox['queue'];
    const pending = async () => Object.values(await outbound.getJobCounts('wait', 'delayed', 'active')).reduce((a, n) => a + n, 0);
    for (let i = 0; i < 100 && (await pending()) > 0; i++) await new Promise((r) => setTimeout(r, 100));
    const task = fake.messages.filter(isTask);
    const dup = [...perTaskRobot().values()].filter((n) => n !== partsPerGroup).length - 1; // the warm-up's single part
    if (task.length !== expected) failures.push(`${task.length} task pushes delivered, expected ${expected}`);
    if (dup > 0) failures.push(`${dup} group/task pairs without exactly ${partsPerGroup} parts`);
    const oversize = task.filter((m) => Buffer.byteLength(m.content) > 2048).length;
    if (oversize) failures.push(`${oversize} pushes over 2048 bytes`);
    const worst = maxPerWindow(fake.messages);
    if (worst > ROBOT_LIMIT) failures.push(`a robot got ${worst} messages in 60 s`);
    if (fake.unexpected.length) failures.push(`unexpected requests: ${fake.unexpected.slice(0, 3).join(', ')}`);
    const mentions = task.reduce((a, m) => a + m.mentions.length, 0);
    const sorted = [...replyMs].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)]!;
    const max = sorted[sorted.length - 1]!;
    lines.push(
      `/布置 范围:全区 (500 issues, one script) × ${o.tasks}, reply time: first ${replyMs[0]!.toFixed(0)} ms, p50 ${p50.toFixed(0)} ms, max ${max.toFixed(0)} ms ${max < REPLY_TARGET_MS ? 'PASS' : 'MISS'} (goal < ${REPLY_TARGET_MS} ms)`,
      `pushes: ${task.length} delivered (${o.tasks} tasks × ${gen.towns.length} groups × ${partsPerGroup} parts + warm-up), ${mentions.toLocaleString('en-US')} @mentions, all in ${(deliveredMs / 1000).toFixed(1)} s from the first /布置; ` +
        `max ${worst} per robot in any 60 s ${worst <= ROBOT_LIMIT ? 'PASS' : 'FAIL'} (≤ ${ROBOT_LIMIT}); ${oversize} over 2048 bytes`,
    );
    return { ok: failures.length === 0, failures, lines };
  } finally {
    await app.stop();
    await fake.stop();
    await redis.quit().catch(() => redis.disconnect());
  }
}

function maxPerWindow(messages: readonly RobotMessage[]): number {
  const byKey = new Map<string, number[]>();
  for (const m of messages) byKey.set(m.key, [...(byKey.get(m.key) ?? []), m.at]);
  let max = 0;
  for (const times of byKey.values()) {
    times.sort((a, b) => a - b);
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 60_000) j++;
      max = Math.max(max, i - j + 1);
    }
  }
  return max;
}
