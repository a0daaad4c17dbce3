import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { Outbox } from '../../jobs/outbound/outbox';
import { createQueues, type Queues } from '../../jobs/queues';
import { processReminder, processRevisit } from '../../jobs/timers/process-timer';
import { reminderJobId, revisitJobId, TimerScheduler } from '../../jobs/timers/timer-jobs';
import { fixedClock } from '../../src/clock';
import { actorFor } from '../../src/domain/actor';
import { apply, createIssue, isRefusal, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import { createKeys, type Keys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { parseOrg } from '../../src/config/org-file';
import { demoOrgFile } from '../../src/config/paths';
import { demoOrg } from '../support/app';
import { captureLogs } from '../support/log-capture';
import { testPrefix, testRedis, testRedisUrl } from '../support/redis';

/** The per-issue timers on the real Redis and BullMQ (no workers: jobs are only queued). */
const org = demoOrg();
const must = (r: Outcome | Refusal): Outcome => {
  if (isRefusal(r)) throw new Error(JSON.stringify(r));
  return r;
};

let redis: Redis;
let keys: Keys;
let queues: Queues;
let store: LedgerStore;
let timers: TimerScheduler;
beforeEach(() => {
  redis = testRedis();
  keys = createKeys(testPrefix());
  queues = createQueues(testRedisUrl(), keys.bullPrefix, captureLogs().logger);
  store = new LedgerStore(redis, keys);
  timers = new TimerScheduler(queues.timers, () => org);
});
afterEach(async () => {
  await queues.close();
  await redis.quit();
});

async function openIssue(now: number, deadline: number): Promise<Outcome> {
  const member = actorFor(org, 'u_t1_m2', 'banzhu');
  const open = must(createIssue({ id: await store.nextId(), unitId: 'banzhu', teamIds: ['t1'], description: '路灯不亮', homeChat: 'CHAT_T1', assignee: 'u_sec_banzhu', deadline, evidence: [] }, member, now));
  await store.commit(undefined, open, 'u_t1_m2', now);
  return open;
}

it('queues the 回头看 of a close on 2026-12-02 for Monday 2027-01-04 09:00, past 元旦 and the weekend', async () => {
  const now = Date.parse('2026-12-02T15:20:00+08:00');
  const open = await openIssue(now - 86_400_000, now + 86_400_000);
  const fixed = must(apply(open.issue, { type: 'fix', note: '已修复', evidence: [] }, actorFor(org, 'u_sec_banzhu', 'banzhu'), now));
  const closed = must(apply(fixed.issue, { type: 'verify' }, actorFor(org, 'u_t1_m2', 'banzhu'), now));
  await timers.sync(fixed.issue, closed.issue, now);
  const job = await queues.timers.getJob(revisitJobId(closed.issue.id, now));
  expect(new Date(now + job!.opts.delay!).toISOString()).toBe(new Date('2027-01-04T09:00:00+08:00').toISOString());
});

it('pushes nothing, and sets no later slot, for a reminder timer that runs at or after its deadline', async () => {
  const set = Date.parse('2026-12-02T08:30:00+08:00');
  const deadline = set + 120_000;
  const open = await openIssue(set, deadline);
  const clock = fixedClock(new Date(deadline));
  const outbox = new Outbox(queues.outbound);
  const deps = { ledger: store, outbox, timers, org: () => org, clock, logger: captureLogs().logger };
  const halfway = { issueId: open.issue.id, deadline, slot: 3 };
  expect(await processReminder(halfway, deps)).toBe('late');
  expect(await queues.outbound.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 0 });
  expect(await queues.timers.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 0, delayed: 0 });

  // The same timer on time pushes, with the time left and no 已逾期.
  clock.set(new Date(set + 60_000));
  expect(await processReminder(halfway, deps)).toBe('pushed');
  const push = await queues.outbound.getJob(`remind-${open.issue.id}-${deadline}-3`);
  expect(String(push!.data.content)).toContain('还剩1分钟');
  expect(String(push!.data.content)).not.toContain('逾期');
  expect(await queues.timers.getJob(reminderJobId(open.issue.id, deadline, 3))).toBeUndefined();
});

it('sends a reminder and a 回头看 of an issue whose group was removed by a reload to the unit\'s area group, not the dead chat', async () => {
  // The organisation after a /重新加载 that dropped 第一工作队's group and added a 福禄镇 group.
  const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as { chats: Record<string, unknown>[] };
  raw.chats = [...raw.chats.filter((c) => c.chatid !== 'CHAT_T1'), { chatid: 'CHAT_FULU', town: '福禄镇' }];
  const reloaded = parseOrg(stringifyYaml(raw), {});
  expect(reloaded.chat('CHAT_T1')).toBeUndefined();

  const set = Date.parse('2026-12-02T08:30:00+08:00');
  const deadline = set + 3 * 86_400_000;
  const open = await openIssue(set, deadline);
  expect(open.issue.homeChat).toBe('CHAT_T1');
  const clock = fixedClock(new Date(set + 60_000));
  const deps = { ledger: store, outbox: new Outbox(queues.outbound), timers, org: () => reloaded, clock, logger: captureLogs().logger };
  expect(await processReminder({ issueId: open.issue.id, deadline, slot: 0 }, deps)).toBe('pushed');
  const remind = await queues.outbound.getJob(`remind-${open.issue.id}-${deadline}-0`);
  expect(remind!.data).toMatchObject({ chatId: 'CHAT_FULU', kind: 'reminder' });
  expect(remind!.data.mentions).toContain('u_sec_banzhu');

  // A unit no group covers any more: the 组织部 group hears of it.
  const fixed = must(apply(open.issue, { type: 'fix', note: '已修复', evidence: [] }, actorFor(org, 'u_sec_banzhu', 'banzhu'), set));
  const closed = must(apply(fixed.issue, { type: 'verify' }, actorFor(org, 'u_t1_m2', 'banzhu'), set));
  await store.commit(open.issue, fixed, 'u_sec_banzhu', set);
  await store.commit(fixed.issue, closed, 'u_t1_m2', set);
  raw.chats = raw.chats.filter((c) => c.chatid !== 'CHAT_FULU');
  const noArea = parseOrg(stringifyYaml(raw), {});
  expect(await processRevisit({ issueId: open.issue.id, closedAt: set }, { ...deps, org: () => noArea })).toBe('pushed');
  const revisit = await queues.outbound.getJob(`revisit-${open.issue.id}-${set}`);
  expect(revisit!.data).toMatchObject({ chatId: 'CHAT_ADMIN', kind: 'revisit' });
});
