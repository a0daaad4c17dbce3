import { Writable } from 'node:stream';
import { Redis } from 'ioredis';
import { stringify as stringifyYaml } from 'yaml';
import { createApp, type App } from '../../src/app';
import { fixedClock, type Clock } from '../../src/clock';
import { loadEnv } from '../../src/config/env';
import { parseOrg } from '../../src/config/org-file';
import { actorFor } from '../../src/domain/actor';
import { createIssue, isRefusal, type Actor } from '../../src/domain/lifecycle';
import type { Org, Unit } from '../../src/domain/org';
import { DAY_MS, startOfDay } from '../../src/domain/time';
import { createLogger } from '../../src/log/logger';
import { createKeys, type Keys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { redisOptions } from '../../src/store/redis';
import { TEST_AES_KEY, TEST_TOKEN } from '../support/app';
import { FakeWecom, type RobotMessage } from '../support/fake-wecom';

/**
 * The reminders section of `npm run bench` (issue #4): a big district's ledger of open issues
 * with their reminder timers, seeded through the real store and the app's TimerScheduler while no
 * worker runs; then the workers start (`npm run worker`'s app) and deliver the reminders that are
 * due through a local fake of WeCom's group-robot API, which is checked afterwards: each due issue
 * reminded exactly once, nothing for the others, and at most 20 messages per robot in any 60 s.
 *
 * Time: the seeding runs at a fixed clock one second before 09:00 on DUE_AT's day, so the issues
 * whose deadline is three days later get their "3d" slot at 09:00 (due one second after they are
 * queued), and every other issue's first slot is at least two days away. The workers then run on
 * a clock that moves with real time from 09:00:01 that day, so BullMQ's real-time delays, the
 * rate limiter's windows and the fake's timestamps agree.
 */
export const SEED_TARGET_MS = 60_000;
export const MEMORY_TARGET_BYTES = 2048;
export const ROBOT_LIMIT = { messages: 20, windowMs: 60_000 };
/** 09:00 (remindAt) on the day the due reminders fire. */
export const DUE_AT = '2026-06-15T09:00:00+08:00';
const PREFIX = 'duban:';
const TOWNS = 25;
const VILLAGES_PER_TOWN = 20;
const SEED_CONCURRENCY = 200;

export interface ReminderBenchOptions {
  redisUrl: string;
  issues: number;
  due: number;
  print(line?: string): void;
}

export interface ReminderBenchResult {
  /** false on a correctness failure (duplicates, missed, reminders not due, rate limit, dead letters). */
  ok: boolean;
  failures: string[];
  table: string[];
}

interface Spec {
  unit: Unit;
  due: boolean;
  /** The n-th issue of its kind (due / not due): spreads deadlines, reporters, descriptions. */
  n: number;
}

export async function benchReminders(o: ReminderBenchOptions): Promise<ReminderBenchResult> {
  if (o.due > o.issues) throw new Error(`BENCH_DUE (${o.due}) must not exceed BENCH_ISSUES (${o.issues})`);
  const { org, keyOf } = bigDistrict();
  const fireAt = Date.parse(DUE_AT);
  const seedNow = fireAt - 1_000;
  const keys = createKeys(PREFIX);
  const redis = new Redis({ ...redisOptions(o.redisUrl), maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // a failing command rejects on its own; Ctrl-C must not add a stack trace
  const store = new LedgerStore(redis, keys);
  const fake = new FakeWecom();
  const failures: string[] = [];
  const rows: Row[] = [];
  const units = org.units;
  const perRobot = Math.ceil(o.due / units.length);
  try {
    await fake.start();
    const env = (workers: boolean) =>
      loadEnv({
        NODE_ENV: 'production',
        PORT: '0',
        HOST: '127.0.0.1',
        REDIS_KEY_PREFIX: PREFIX,
        WECOM_TOKEN: TEST_TOKEN,
        WECOM_ENCODING_AES_KEY: TEST_AES_KEY,
        WECOM_API_BASE: fake.url,
        RUN_WORKERS: workers ? 'true' : 'false',
      });
    o.print(
      `organisation: ${units.length} villages in ${TOWNS} towns, ${org.teams.length} teams of 4, ${org.chats.length - 1} unit chats each with its own group-robot key ` +
        `(env:WECOM_WEBHOOK_*), an admin chat; remindBefore [3d, 1d, 0d] at 09:00, quiet hours off, digest/bulletin crons that do not fire`,
    );

    // --- seeding: no worker runs -------------------------------------------------------------
    const seeder = createApp({ env: env(false), org, redisUrl: o.redisUrl, credentials: { token: TEST_TOKEN, encodingAESKey: TEST_AES_KEY }, logger: nullLogger(), clock: fixedClock(new Date(seedNow)) });
    await seeder.start();
    const specs = interleave(o.issues, o.due, units);
    const dueIds = new Map<number, Spec>();
    let memBefore = 0;
    let seedMs = 0;
    try {
      memBefore = await usedMemory(redis);
      o.print(
        `seeding ${o.issues.toLocaleString('en-US')} open issues (整改中, assigned to the unit's secretary, with a deadline) through LedgerStore.commit + the app's ` +
          `TimerScheduler.sync at ${iso(seedNow)}, ${SEED_CONCURRENCY} in flight, workers not running; ${o.due.toLocaleString('en-US')} of them due at ${iso(fireAt)} ` +
          `(${perRobot} per robot), the rest 2–27 days later …`,
      );
      const started = performance.now();
      await seed(store, seeder, org, specs, seedNow, fireAt, (id, spec) => {
        if (spec.due) dueIds.set(id, spec);
      });
      seedMs = performance.now() - started;
    } finally {
      await seeder.stop();
    }
    const memAfter = await usedMemory(redis);
    const perIssue = (memAfter - memBefore) / o.issues;
    o.print(
      `seeded in ${(seedMs / 1000).toFixed(1)} s (${Math.round(o.issues / (seedMs / 1000))} issues/s: INCR + commit script + BullMQ addDelayedJob each); ` +
        `used_memory ${mb(memBefore)} → ${mb(memAfter)} MB = ${Math.round(perIssue)} bytes/issue`,
    );
    const census = await keyCensus(redis, keys);
    o.print(`  per issue by key type (MEMORY USAGE of every key, divided by ${o.issues.toLocaleString('en-US')}; the rest is the keyspace's hash table and allocator slack):`);
    for (const line of breakdown(census, memAfter - memBefore, o.issues)) o.print(`    ${line}`);

    // The timers as queued: exactly `due` of them fire within seconds of 09:00, none before.
    const delayedKey = `${keys.bullPrefix}:timers:delayed`;
    const [queued, dueSoon] = await Promise.all([redis.zcard(delayedKey), redis.zcount(delayedKey, 0, (Date.now() + 5_000) * 0x1000)]);
    if (queued !== o.issues || dueSoon !== o.due) throw new Error(`seeding: expected ${o.issues} timers of which ${o.due} due now, found ${queued} and ${dueSoon}`);

    // --- delivery: the workers start -----------------------------------------------------------
    const seen = new Map<number, number>();
    let dueDelivered = 0;
    let lastDueAt = 0;
    fake.on('message', (m: RobotMessage) => {
      const id = reminderId(m);
      if (id === undefined || m.errcode !== 0) return;
      const n = (seen.get(id) ?? 0) + 1;
      seen.set(id, n);
      if (n === 1 && dueIds.has(id)) {
        dueDelivered++;
        lastDueAt = m.at;
      }
    });
    const logs = new LogWatch();
    const t0 = Date.now();
    const offset = fireAt + 1_000 - t0;
    const clock: Clock = { now: () => new Date(Date.now() + offset) };
    const worker = createApp({ env: env(true), org, redisUrl: o.redisUrl, credentials: { token: TEST_TOKEN, encodingAESKey: TEST_AES_KEY }, logger: logs.logger, clock, role: 'worker' });
    const memBeforeDelivery = await usedMemory(redis);
    o.print(
      `delivering: the worker app (npm run worker: outbound sender ×4, timers ×8, start-up reconcile of every open issue) on a clock moving from ${iso(fireAt + 1_000)}; ` +
        `group robot = FakeWecom at ${fake.url} …`,
    );
    let deliverMs = 0;
    let timedOut = false;
    try {
      await worker.start();
      // Every robot's share beyond 20 waits a minute per 20; generous on a busy machine.
      const timeoutMs = 180_000 + Math.max(0, perRobot / ROBOT_LIMIT.messages - 1) * ROBOT_LIMIT.windowMs;
      await fake.waitFor(() => dueDelivered >= o.due, timeoutMs).catch((err: Error) => {
        timedOut = true;
        failures.push(err.message);
      });
      deliverMs = (timedOut ? Date.now() : lastDueAt) - t0;
      // Let anything still in flight land (a duplicate would arrive now), and the reconcile finish.
      if (!timedOut) await settle(redis, keys, logs);
    } finally {
      await worker.stop();
    }
    const memAfterDelivery = await usedMemory(redis);

    // --- verification from the fake's records --------------------------------------------------
    const delivered = fake.messages.filter((m) => m.errcode === 0);
    const reminders = delivered.filter((m) => reminderId(m) !== undefined);
    let duplicates = 0;
    let notDue = 0;
    let misrouted = 0;
    for (const [id, n] of seen) {
      if (!dueIds.has(id)) notDue += n;
      else duplicates += n - 1;
    }
    for (const m of reminders) {
      const spec = dueIds.get(reminderId(m)!);
      if (spec && (m.key !== keyOf(spec.unit.id) || m.mentions.join() !== spec.unit.secretary)) misrouted++;
    }
    const missed = [...dueIds.keys()].filter((id) => !seen.has(id)).length;
    const others = delivered.length - reminders.length;
    const refused = fake.messages.length - delivered.length;
    const windows = maxPerWindow(fake.messages);
    const worst = [...windows.values()].reduce((a, n) => Math.max(a, n), 0);
    const overLimit = [...windows.values()].filter((n) => n > ROBOT_LIMIT.messages).length;
    const atWorst = [...windows.values()].filter((n) => n === worst).length;
    const [outboundFailed, timersFailed] = await Promise.all([
      redis.zcard(`${keys.bullPrefix}:outbound:failed`),
      redis.zcard(`${keys.bullPrefix}:timers:failed`),
    ]);
    const firstAt = fake.messages.reduce((a, m) => Math.min(a, m.at), Infinity);

    if (duplicates) failures.push(`${duplicates} duplicate reminders`);
    if (missed) failures.push(`${missed} due issues not reminded`);
    if (notDue) failures.push(`${notDue} reminders for issues not due`);
    if (misrouted) failures.push(`${misrouted} reminders to the wrong robot or @ the wrong person`);
    if (others) failures.push(`${others} pushes that are not reminders`);
    if (overLimit) failures.push(`${overLimit} robots got more than ${ROBOT_LIMIT.messages} messages in a 60 s window`);
    if (outboundFailed || timersFailed) failures.push(`dead letters: ${outboundFailed} pushes, ${timersFailed} timers`);
    if (fake.unexpected.length) failures.push(`unexpected requests to the fake: ${fake.unexpected.slice(0, 3).join(', ')}`);
    if (logs.deadLettered) failures.push(`${logs.deadLettered} jobs dead-lettered`);
    if (logs.reconcileFailed) failures.push('the start-up reconcile failed');

    const reconcile = logs.reconciled;
    o.print(
      `delivered ${dueDelivered.toLocaleString('en-US')} of ${o.due.toLocaleString('en-US')} due reminders in ${(deliverMs / 1000).toFixed(1)} s from the worker's start ` +
        `(first after ${((firstAt - t0) / 1000).toFixed(1)} s; ${Math.round(dueDelivered / (deliverMs / 1000))}/s); ` +
        `start-up reconcile of ${reconcile ? `${reconcile.reminders.toLocaleString('en-US')} open issues took ${(reconcile.ms / 1000).toFixed(1)} s, alongside` : 'not finished'}; ` +
        `retries ${logs.retried}, refused by the fake ${refused}`,
    );
    o.print(
      `  fake's records: ${reminders.length.toLocaleString('en-US')} reminders, ${seen.size.toLocaleString('en-US')} distinct issues; duplicates ${duplicates}, missed ${missed}, ` +
        `for issues not due ${notDue}, wrong robot/@ ${misrouted}, other pushes ${others}; dead letters ${outboundFailed + timersFailed}`,
    );
    o.print(
      `  rate limit: max ${worst} messages in any 60 s window by the fake's clock (${atWorst} of ${windows.size} robots at that max), ${overLimit} robots over ${ROBOT_LIMIT.messages}` +
        (perRobot <= ROBOT_LIMIT.messages ? ` — ${perRobot} per robot is within the limit, so the limiter held nothing back (BENCH_DUE above ${units.length * ROBOT_LIMIT.messages} makes it wait)` : ` — ${perRobot} per robot: the limiter had to hold ${perRobot - ROBOT_LIMIT.messages} per robot back`),
    );
    o.print(
      `  used_memory after delivery ${mb(memBeforeDelivery)} → ${mb(memAfterDelivery)} MB = ${Math.round((memAfterDelivery - memBeforeDelivery) / Math.max(1, dueDelivered))} bytes per delivered reminder ` +
        `(sent markers kept 30 days, the next slot’s timer instead of the fired one)`,
    );

    const correct = duplicates === 0 && missed === 0 && notDue === 0;
    rows.push(
      { label: `seed ${o.issues.toLocaleString('en-US')} open issues + timers`, value: `${(seedMs / 1000).toFixed(1)} s`, target: `< ${SEED_TARGET_MS / 1000} s`, verdict: seedMs < SEED_TARGET_MS ? 'PASS' : 'MISS' },
      { label: 'Redis used_memory per issue', value: `${Math.round(perIssue)} B`, target: `< ${MEMORY_TARGET_BYTES} B`, verdict: perIssue < MEMORY_TARGET_BYTES ? 'PASS' : 'MISS' },
      { label: `deliver ${o.due.toLocaleString('en-US')} due reminders (${Math.round(dueDelivered / (deliverMs / 1000))}/s)`, value: `${(deliverMs / 1000).toFixed(1)} s`, target: 'no target', verdict: '' },
      { label: 'duplicates / missed / not due', value: `${duplicates} / ${missed} / ${notDue}`, target: '0 / 0 / 0', verdict: correct ? 'PASS' : 'FAIL' },
      { label: 'max per robot in any 60 s', value: String(worst), target: `≤ ${ROBOT_LIMIT.messages}`, verdict: overLimit === 0 ? 'PASS' : 'FAIL' },
    );
    return { ok: failures.length === 0, failures, table: table(rows) };
  } finally {
    await fake.stop();
    await redis.quit().catch(() => redis.disconnect());
  }
}

// --- the organisation ------------------------------------------------------------------------

const TOWN_NAMES = ['福禄', '七塘', '八塘', '青杠', '正兴', '大兴', '丁家', '大路', '河边', '健龙', '三合', '梅江', '广普', '依凤', '马坊', '金龙', '永兴', '太和', '石坝', '双凤', '龙凤', '临江', '新店', '观音', '白沙'];
const VILLAGE_FIRST = ['青', '石', '龙', '凤', '白', '黄', '红', '金', '银', '新', '古', '高', '长', '大', '小', '东', '西', '南', '北', '中', '上', '下', '双', '三', '五'];
const VILLAGE_SECOND = ['河', '山', '林', '坝', '桥', '湾', '田', '岭', '沟', '塘', '坪', '庙', '堰', '井', '溪', '岗', '店', '寨', '坡', '园'];
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭', '何', '高', '林', '罗', '郑', '梁', '谢', '宋', '唐', '许', '韩', '冯', '邓', '曹'];
const GIVEN = ['建国', '秀英', '志刚', '丽华', '永红', '国强', '桂芳', '海燕', '德明', '春兰', '晓燕', '大勇', '玉琴', '明霞', '光辉', '文斌', '红梅', '长青', '振华', '小红', '建军', '丽娟', '永康', '云', '敏'];

/** 500 villages in 25 towns, one team of four per town, one chat (own robot key) per village. */
export function bigDistrict(): { org: Org; keyOf(unitId: string): string } {
  const names = SURNAMES.flatMap((s) => GIVEN.map((g) => s + g));
  let nextName = 0;
  const person = (userid: string) => ({ userid, name: names[nextName++]! });
  const env: Record<string, string> = {};
  const keyByUnit = new Map<string, string>();
  const people = [person('u_admin'), person('u_admin2')];
  const units: { id: string; name: string; town: string; kind: string; secretary: string }[] = [];
  const teams: { id: string; name: string; leader: string; members: string[]; towns: string[] }[] = [];
  const chats: Record<string, unknown>[] = [];
  for (let t = 0; t < TOWNS; t++) {
    const town = `${TOWN_NAMES[t]}镇`;
    const tid = `t${String(t + 1).padStart(2, '0')}`;
    const members = [1, 2, 3, 4].map((m) => `u_${tid}_m${m}`);
    people.push(...members.map(person));
    teams.push({ id: tid, name: `第${t + 1}工作队`, leader: members[0]!, members, towns: [town] });
    for (let v = 0; v < VILLAGES_PER_TOWN; v++) {
      const k = t * VILLAGES_PER_TOWN + v;
      const id = `${tid}v${String(v + 1).padStart(2, '0')}`;
      const secretary = `u_sec_${id}`;
      people.push(person(secretary));
      units.push({ id, name: `${VILLAGE_FIRST[k % 25]}${VILLAGE_SECOND[Math.floor(k / 25)]}村`, town, kind: '村', secretary });
      const variable = `WECOM_WEBHOOK_${id.toUpperCase()}`;
      // Shaped like a real key (a UUID); only the fake sees it.
      const key = `${hex(k, 8)}-${hex(k * 7, 4)}-4${hex(k * 13, 3)}-a${hex(k * 17, 3)}-${hex(k * 31, 12)}`;
      env[variable] = key;
      keyByUnit.set(id, key);
      chats.push({ chatid: `wr${id}`, unit: id, webhookKey: `env:${variable}` });
    }
  }
  env.WECOM_WEBHOOK_ADMIN = 'ffffffff-ffff-4fff-afff-ffffffffffff';
  chats.push({ chatid: 'wradmin', admin: true, webhookKey: 'env:WECOM_WEBHOOK_ADMIN' });
  const file = {
    district: '大区',
    timezone: 'Asia/Shanghai',
    admins: ['u_admin', 'u_admin2'],
    people,
    units,
    teams,
    chats,
    policy: {
      deadline: '7d',
      remindBefore: ['3d', '1d', '0d'],
      remindAt: '09:00',
      digestCron: '0 0 1 1 *',
      bulletinCron: '0 0 1 1 *',
      escalate: [{ after: '3d', to: 'leader' }, { after: '7d', to: 'admins' }],
      revisitAfter: '30d',
      quietHours: 'off',
      yellowWithin: '2d',
    },
  };
  const org = parseOrg(stringifyYaml(file), env, 'bench organisation');
  return { org, keyOf: (unitId) => keyByUnit.get(unitId)! };
}

const hex = (n: number, width: number) => ((n * 2654435761) >>> 0).toString(16).padStart(8, '0').repeat(2).slice(0, width);

// --- seeding ----------------------------------------------------------------------------------

const DESCRIPTIONS = [
  '闸阀老化漏水，群众反映强烈',
  '路灯不亮，夜间出行不便',
  '村务公开栏内容未及时更新',
  '垃圾收集点清运不及时，异味明显',
  '河道沿岸有生活垃圾堆放',
  '便民服务中心窗口无人值守',
  '三资台账登记不完整',
  '防汛物资储备不足，部分已过期',
  '危房改造户资料缺失',
  '低保对象动态调整不及时',
  '村道护栏破损未修复',
  '农家书屋长期关闭',
  '集中供水点水质检测记录缺失',
  '党员活动室堆放杂物',
  '消防通道被占用',
  '公共厕所卫生差，无专人管护',
  '网格员走访记录不全',
  '惠农补贴公示期不足',
  '山坪塘堤坝有渗漏',
  '老年活动中心设施损坏',
];
const CATEGORIES = ['基础设施', '环境卫生', '村务管理', '安全生产', '民生保障'];

/** Due and not-due issues evenly interleaved; each kind goes round the units, so each robot gets its share. */
function interleave(total: number, due: number, units: readonly Unit[]): Spec[] {
  const specs: Spec[] = [];
  let d = 0;
  let r = 0;
  for (let i = 0; i < total; i++) {
    const isDue = Math.floor(((i + 1) * due) / total) > Math.floor((i * due) / total);
    const n = isDue ? d++ : r++;
    specs.push({ unit: units[n % units.length]!, due: isDue, n });
  }
  return specs;
}

async function seed(
  store: LedgerStore,
  app: App,
  org: Org,
  specs: readonly Spec[],
  now: number,
  fireAt: number,
  done: (id: number, spec: Spec) => void,
): Promise<void> {
  const endOfDay = (ms: number) => startOfDay(ms) + DAY_MS - 1;
  const teamsOf = new Map(org.units.map((u) => [u.id, org.teamsCovering(u.id)]));
  const actors = new Map<string, Actor>();
  const actor = (userid: string, unitId: string) => {
    const key = `${userid}|${unitId}`;
    let a = actors.get(key);
    if (!a) actors.set(key, (a = actorFor(org, userid, unitId)));
    return a;
  };
  const one = async (spec: Spec, i: number) => {
    const { unit, n } = spec;
    const team = teamsOf.get(unit.id)![0]!;
    const reporter = team.members[i % team.members.length]!;
    // Due: the deadline is the end of the day three days after fireAt, so the 3d slot is fireAt.
    // Not due: 5–30 days after, so the first slot is 2–27 days away.
    const deadline = endOfDay(fireAt + (spec.due ? 3 : 5 + (n % 26)) * DAY_MS);
    const createdAt = now - 3_600_000 - ((i * 7919) % (30 * 24)) * 3_600_000;
    const id = await store.nextId();
    const outcome = createIssue(
      {
        id,
        unitId: unit.id,
        teamIds: teamsOf.get(unit.id)!.map((t) => t.id),
        description: DESCRIPTIONS[i % DESCRIPTIONS.length]!,
        ...(i % 2 ? { category: CATEGORIES[i % CATEGORIES.length]! } : {}),
        homeChat: `wr${unit.id}`,
        assignee: unit.secretary!,
        deadline,
        evidence: [],
      },
      actor(reporter, unit.id),
      createdAt,
    );
    if (isRefusal(outcome)) throw new Error(`seeding refused: ${JSON.stringify(outcome)}`);
    if (!(await store.commit(undefined, outcome, reporter, createdAt))) throw new Error(`seeding lost a version race on #${id}`);
    await app.jobs.timers.sync(undefined, outcome.issue, now);
    done(id, spec);
  };
  let next = 0;
  const lane = async () => {
    while (next < specs.length) {
      const i = next++;
      await one(specs[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(SEED_CONCURRENCY, specs.length) }, lane));
}

// --- delivery ---------------------------------------------------------------------------------

/** The issue id of a deadline reminder (reminderText's first line), or undefined for any other push. */
function reminderId(m: RobotMessage): number | undefined {
  const match = /^⏰ 整改提醒 #(\d+) /.exec(m.content);
  return match ? Number(match[1]) : undefined;
}

/** The most messages any `windowMs` window held, per robot key (every message the fake got, refused or not). */
function maxPerWindow(messages: readonly RobotMessage[]): Map<string, number> {
  const byKey = new Map<string, number[]>();
  for (const m of messages) {
    const list = byKey.get(m.key) ?? [];
    list.push(m.at);
    byKey.set(m.key, list);
  }
  const out = new Map<string, number>();
  for (const [key, times] of byKey) {
    times.sort((a, b) => a - b);
    let max = 0;
    for (let lo = 0, hi = 0; hi < times.length; hi++) {
      while (times[hi]! - times[lo]! >= ROBOT_LIMIT.windowMs) lo++;
      max = Math.max(max, hi - lo + 1);
    }
    out.set(key, max);
  }
  return out;
}

/** Waits until no push is pending, no timer is due and the start-up reconcile is done; then a grace second. */
async function settle(redis: Redis, keys: Keys, logs: LogWatch): Promise<void> {
  const q = (name: string, part: string) => `${keys.bullPrefix}:${name}:${part}`;
  const until = Date.now() + 600_000;
  for (;;) {
    const [wait, active, delayed, prioritized, timersWait, timersActive, timersDue] = await Promise.all([
      redis.llen(q('outbound', 'wait')),
      redis.llen(q('outbound', 'active')),
      redis.zcard(q('outbound', 'delayed')),
      redis.zcard(q('outbound', 'prioritized')),
      redis.llen(q('timers', 'wait')),
      redis.llen(q('timers', 'active')),
      redis.zcount(q('timers', 'delayed'), 0, (Date.now() + 60_000) * 0x1000),
    ]);
    if (wait + active + delayed + prioritized + timersWait + timersActive + timersDue === 0 && (logs.reconciled || logs.reconcileFailed)) break;
    if (Date.now() > until) throw new Error('delivery: queues did not settle within 10 minutes');
    await new Promise((r) => setTimeout(r, 200));
  }
  await new Promise((r) => setTimeout(r, 1_000));
}

/** The worker's log at info, as deployed, written nowhere; the few lines the bench needs are kept. */
class LogWatch {
  reconciled: { reminders: number; ms: number } | undefined;
  reconcileFailed = false;
  retried = 0;
  deadLettered = 0;
  readonly logger = createLogger('info', {
    destination: new Writable({
      write: (chunk: Buffer, _enc, done) => {
        for (const text of chunk.toString('utf8').split('\n')) {
          if (text.includes('issue timers reconciled')) {
            const line = JSON.parse(text) as { reminders: number; ms: number };
            this.reconciled = { reminders: line.reminders, ms: line.ms };
          } else if (text.includes('timer reconcile failed')) this.reconcileFailed = true;
          else if (text.includes('job failed, will retry')) this.retried++;
          else if (text.includes('job dead-lettered')) this.deadLettered++;
        }
        done();
      },
    }),
  });
}

function nullLogger() {
  return createLogger('info', { destination: new Writable({ write: (_c, _e, done) => done() }) });
}

// --- memory -----------------------------------------------------------------------------------

async function usedMemory(redis: Redis): Promise<number> {
  const text = await redis.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(text)![1]);
}

interface KeyType {
  label: string;
  keys: number;
  bytes: number;
}

/** Every key, classified, with its MEMORY USAGE (SAMPLES 0: exact, key name and dict entry included). */
async function keyCensus(redis: Redis, keys: Keys): Promise<KeyType[]> {
  const p = keys.ledgerPrefix;
  const timerJob = new RegExp(`^${escape(keys.bullPrefix)}:timers:(remind|revisit)-`);
  const kinds: [string, (k: string) => boolean][] = [
    ['issue hash (issue:<id>)', (k) => /^issue:\d+$/.test(k.slice(p.length))],
    ['issue history (issue:<id>:history)', (k) => /^issue:\d+:history$/.test(k.slice(p.length))],
    ['audit list (audit:<id>)', (k) => /^audit:\d+$/.test(k.slice(p.length))],
    ['district audit stream (audit)', (k) => k === keys.auditAll],
    ['indexes (idx:state/unit/team/assignee)', (k) => k.startsWith(`${p}idx:`)],
    ['deadline sets (deadlines, :<unit>, :<unit>:<month>)', (k) => k === keys.deadlines || k.startsWith(`${keys.deadlines}:`)],
    ['counters (stats:<unit>)', (k) => k.startsWith(`${p}stats:`)],
    ['BullMQ timer job hash', (k) => timerJob.test(k)],
    ['BullMQ timers delayed set', (k) => k === `${keys.bullPrefix}:timers:delayed`],
    ['BullMQ other (events streams, meta, ids)', (k) => k.startsWith(keys.bullPrefix)],
    ['other', () => true],
  ];
  const out = kinds.map(([label]) => ({ label, keys: 0, bytes: 0 }));
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'COUNT', 2000);
    cursor = next;
    const pipe = redis.pipeline();
    for (const k of batch) pipe.memory('USAGE', k, 'SAMPLES', 0);
    const sizes = (await pipe.exec()) ?? [];
    batch.forEach((k, i) => {
      const at = kinds.findIndex(([, test]) => test(k));
      out[at]!.keys++;
      out[at]!.bytes += Number(sizes[i]![1] ?? 0);
    });
  } while (cursor !== '0');
  return out.filter((t) => t.keys > 0);
}

function breakdown(census: KeyType[], delta: number, issues: number): string[] {
  const width = Math.max(...census.map((t) => t.label.length));
  const lines = census.map((t) => `${t.label.padEnd(width)} ${String(Math.round(t.bytes / issues)).padStart(5)} B  (${t.keys.toLocaleString('en-US')} keys)`);
  const counted = census.reduce((a, t) => a + t.bytes, 0);
  lines.push(`${'unaccounted (keyspace table, allocator)'.padEnd(width)} ${String(Math.round((delta - counted) / issues)).padStart(5)} B`);
  return lines;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const iso = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace('T', ' ') + ' +08:00';

// --- the table ---------------------------------------------------------------------------------

interface Row {
  label: string;
  value: string;
  target: string;
  verdict: string;
}

function table(rows: Row[]): string[] {
  const w = (f: (r: Row) => string) => Math.max(...rows.map((r) => f(r).length));
  const [a, b, c] = [w((r) => r.label), w((r) => r.value), w((r) => r.target)];
  return rows.map((r) => `${r.label.padEnd(a)}  ${r.value.padStart(b)}  ${r.target.padEnd(c)}  ${r.verdict}`.trimEnd());
}
