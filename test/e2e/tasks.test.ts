import type { ReminderJob } from '../../jobs/timers/timer-jobs';
import { fixedClock } from '../../src/clock';
import type { Issue } from '../../src/domain/issue';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { TaskStore } from '../../src/store/task-store';
import { sha1Hex } from '../../src/wecom/crypto';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { FakeWecom, type RobotMessage } from '../support/fake-wecom';
import { generateOrg } from '../support/generate-org';
import { expectLedgerWhole } from '../support/ledger-integrity';

/**
 * /布置 to a generated 500-unit district (10 towns × 50 units, one team and one group robot per
 * town), through the real webhook, with real BullMQ on the real Redis and the fake group robot.
 */
const fake = new FakeWecom();
const gen = generateOrg();
const org = gen.org;
const clock = fixedClock('2026-12-01T10:00:00+08:00');
let t: TestApp;
let ledger: LedgerStore;
let tasks: TaskStore;

beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ org, clock, env: { WECOM_API_BASE: fake.url }, jobTimings: { backoffMs: 50, throttleMs: 200 } });
  const keys = createKeys(t.prefix);
  ledger = new LedgerStore(t.redis, keys);
  tasks = new TaskStore(t.redis, keys);
});
afterAll(async () => {
  await t.stop();
  await fake.stop();
});
afterEach(() => {
  expect(fake.unexpected).toEqual([]);
});

const say = (userId: string, chatId: string, text: string, msgid?: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}`, ...(msgid ? { msgid } : {}) });
const taskIdOf = (reply: string) => Number(/#T(\d+)/.exec(reply)![1]);
const seq = async (key: string) => Number((await t.redis.get(key)) ?? 0);
const keys = () => createKeys(t.prefix);

/** The robot messages of one task: its parts per group key. */
function pushesOf(taskId: number, messages: readonly RobotMessage[]): Map<string, RobotMessage[]> {
  const out = new Map<string, RobotMessage[]>();
  for (const m of messages.filter((x) => x.content.includes(`任务 #T${taskId}`) && x.content.startsWith('📋'))) {
    out.set(m.key, [...(out.get(m.key) ?? []), m]);
  }
  return out;
}

/** Every robot key got at most 20 messages in any 60 s. */
function maxPerMinute(messages: readonly RobotMessage[]): number {
  let max = 0;
  const byKey = new Map<string, number[]>();
  for (const m of messages) byKey.set(m.key, [...(byKey.get(m.key) ?? []), m.at]);
  for (const times of byKey.values()) {
    times.sort((a, b) => a - b);
    for (let i = 0, j = 0; i < times.length; i++) {
      while (times[i]! - times[j]! >= 60_000) j++;
      max = Math.max(max, i - j + 1);
    }
  }
  return max;
}

/** Checks the task's issues, its pushes (one per group or its parts), their mentions and the reminders. */
async function checkTask(taskId: number, unitIds: readonly string[], source: string): Promise<Issue[]> {
  const task = (await tasks.get(taskId))!;
  expect(task.units.map(([u]) => u)).toEqual(unitIds);
  const issues = await ledger.getMany(task.units.map(([, id]) => id));
  for (const [i, issue] of issues.entries()) {
    const unit = org.unit(unitIds[i]!)!;
    expect(issue).toMatchObject({ unitId: unit.id, taskId, source, deadline: task.deadline, description: task.content });
    if (unit.secretary) expect(issue).toMatchObject({ state: 'assigned', assignee: unit.secretary });
    else expect(issue.state).toBe('reported');
  }
  // Each group: its units exactly, in parts that fit the robot, every secretary @ed once.
  const groups = new Map<string, Issue[]>();
  for (const i of issues) groups.set(i.homeChat, [...(groups.get(i.homeChat) ?? []), i]);
  const expectedParts = (list: Issue[]) => Math.max(1, Math.ceil(list.length / 40));
  const messages = await fake.waitFor((m) => {
    const got = pushesOf(taskId, m);
    return [...groups].every(([chat, list]) => (got.get(gen.keyOf(chat))?.length ?? 0) >= expectedParts(list) && got.get(gen.keyOf(chat))!.length >= 1);
  }, 30_000);
  // Let a stray second copy show itself before counting.
  await t.app.jobs.outbox['queue'].getJobCounts();
  const got = pushesOf(taskId, messages);
  expect([...got.keys()].sort()).toEqual([...groups.keys()].map(gen.keyOf).sort());
  for (const [chat, list] of groups) {
    const parts = got.get(gen.keyOf(chat))!;
    for (const p of parts) expect(Buffer.byteLength(p.content)).toBeLessThanOrEqual(2048);
    if (parts.length > 1) parts.forEach((p, i) => expect(p.content).toContain(`（${i + 1}/${parts.length}）`));
    const listed = parts.flatMap((p) => [...p.content.matchAll(/^#(\d+) /gmu)].map((m) => Number(m[1])));
    expect(listed.sort((a, b) => a - b)).toEqual(list.map((i) => i.id).sort((a, b) => a - b));
    expect(parts.flatMap((p) => p.mentions).sort()).toEqual(list.flatMap((i) => (i.assignee ? [i.assignee] : [])).sort());
    expect(parts[0]!.content).toContain('/整改 #编号');
  }
  // The first reminder of every assigned issue is a delayed timer job.
  const timers = await t.app.jobs.timers['queue'].getDelayed(0, -1);
  const reminded = new Set(timers.map((j) => (j.data as ReminderJob).issueId));
  for (const i of issues) expect(reminded.has(i.id)).toBe(i.state === 'assigned');
  return issues;
}

describe('/布置 to a 500-unit district', () => {
  it('a town: one issue per unit, one push (or its parts) per group, reminders set', async () => {
    const reply = await say('u_admin', 'CHAT_ADMIN', '/布置 开展党员大会会议记录自查 期限:12月20日 范围:福禄镇');
    const id = taskIdOf(reply);
    const units = org.units.filter((u) => u.town === '福禄镇');
    const waiting = units.filter((u) => !u.secretary);
    expect(reply).toContain(`📋 已布置 任务 **#T${id}**：开展党员大会会议记录自查`);
    expect(reply).toContain(`共 50 个单位（已交办 ${50 - waiting.length}，待交办 ${waiting.length}）`);
    expect(reply).toContain('已通知 1 个群：第1工作队的群');
    expect(reply).toContain(`/任务 #T${id}`);
    for (const u of waiting) expect(reply).toContain(u.name);
    await checkTask(id, units.map((u) => u.id), '组织部布置');
    expect(await tasks.counts(id, clock.now().getTime())).toEqual({ total: 50, done: 0, overdue: 0, open: 50 });
  });

  it('a kind: every school, one push per town group', async () => {
    const reply = await say('u_admin', 'CHAT_ADMIN', '/布置 校园安全隐患排查 期限:12月15日 范围:学校');
    const schools = org.units.filter((u) => u.kind === '学校');
    expect(schools.length).toBeGreaterThanOrEqual(10);
    expect(reply).toContain(`共 ${schools.length} 个单位`);
    expect(reply).toContain('已通知 10 个群');
    await checkTask(taskIdOf(reply), schools.map((u) => u.id), '组织部布置');
  });

  it('全区: 500 issues in one step, every group within the robot limit', async () => {
    const before = await seq(keys().issueSeq);
    const reply = await say('u_admin', 'CHAT_ADMIN', '/布置 “两委”换届档案整理 期限:12月31日 范围:全区');
    const id = taskIdOf(reply);
    expect(reply).toContain('共 500 个单位');
    expect(await seq(keys().issueSeq)).toBe(before + 500);
    const issues = await checkTask(id, org.units.map((u) => u.id), '组织部布置');
    expect(issues.map((i) => i.id)).toEqual(Array.from({ length: 500 }, (_, i) => before + 1 + i));
    expect(maxPerMinute(fake.messages)).toBeLessThanOrEqual(20);
    // A task issue is indexed like a reported one: by unit, by assignee, in the audit.
    const first = issues[0]!;
    expect(await t.redis.zscore(keys().byUnit(first.unitId), String(first.id))).toBe(String(first.id));
    expect(await t.redis.zscore(keys().byAssignee(first.assignee!), String(first.id))).toBe(String(first.id));
    expect((await ledger.history(first.id))[0]).toMatchObject({ action: 'report', actor: 'u_admin', to: 'assigned', note: `布置任务 #T${id}：“两委”换届档案整理`.replace(/[“”]/g, '') });
  });

  it('a leader: inside their area under the team name; outside, or 全区, refused with nothing written', async () => {
    const before = [await seq(keys().issueSeq), await seq(keys().taskSeq)];
    const outside = await say('u_t01_m1', 'CHAT_T01', '/布置 清理河道 范围:福禄镇、七塘镇');
    expect(outside).toContain('无权限');
    expect(outside).toContain('不在第1工作队的片区');
    expect(outside).toMatch(/七塘镇\S*村/u);
    const district = await say('u_t01_m1', 'CHAT_T01', '/布置 清理河道 范围:全区');
    expect(district).toContain('全区任务由组织部布置');
    expect(district).toContain('范围:福禄镇');
    const member = await say('u_t01_m2', 'CHAT_T01', '/布置 清理河道 范围:福禄镇');
    expect(member).toContain('无权限');
    expect([await seq(keys().issueSeq), await seq(keys().taskSeq)]).toEqual(before);

    const village = org.units.find((u) => u.town === '福禄镇' && u.kind === '村' && u.secretary)!;
    const own = await say('u_t01_m1', 'CHAT_T01', `/布置 清理河道 期限:3天 范围:${village.name}`);
    const id = taskIdOf(own);
    expect(own).toContain('共 1 个单位（已交办 1，待交办 0）');
    await checkTask(id, [village.id], '第1工作队');
  });

  it('asks for a missing 范围 and reads the answer', async () => {
    const ask = await say('u_admin', 'CHAT_ADMIN', '/布置 冬季防火检查 期限:12月25日');
    expect(ask).toContain('布置给哪些单位');
    const done = await say('u_admin', 'CHAT_ADMIN', '七塘镇');
    expect(done).toContain('📋 已布置 任务');
    expect(done).toContain('冬季防火检查');
    expect(done).toContain('共 50 个单位');
    const task = (await tasks.get(taskIdOf(done)))!;
    expect(task.content).toBe('冬季防火检查');
    expect(new Set(task.units.map(([u]) => org.unit(u)!.town))).toEqual(new Set(['七塘镇']));
  });

  it('asks which unit a shared name means, and keeps the rest of 范围', async () => {
    const ask = await say('u_admin', 'CHAT_ADMIN', '/布置 党建阵地挂牌 期限:12月26日 范围:大兴镇、青');
    expect(ask).toContain('“青”对应多个单位');
    const other = org.units.find((u) => u.town === '七塘镇' && u.name.startsWith('青'))!;
    const done = await say('u_admin', 'CHAT_ADMIN', other.name);
    expect(done).toContain('共 51 个单位');
    const task = (await tasks.get(taskIdOf(done)))!;
    expect(task.content).toBe('党建阵地挂牌');
    expect(task.units.map(([u]) => u)).toEqual(org.units.filter((u) => u.town === '大兴镇' || u.id === other.id).map((u) => u.id));
  });

  it('a re-sent callback creates nothing new, even when its first reply was lost', async () => {
    const msgid = 'resent-task-msgid';
    const text = '/布置 整理党费收缴台账 期限:12月18日 范围:八塘镇';
    const first = await say('u_admin', 'CHAT_ADMIN', text, msgid);
    const counts = [await seq(keys().issueSeq), await seq(keys().taskSeq)];
    expect(await say('u_admin', 'CHAT_ADMIN', text, msgid)).toBe(first);
    // As if the instance died after the commit, before it recorded the reply: the task marker answers.
    await t.redis.del(keys().message(sha1Hex(msgid)));
    const again = await say('u_admin', 'CHAT_ADMIN', text, msgid);
    expect(taskIdOf(again)).toBe(taskIdOf(first));
    expect(again).toContain('共 50 个单位');
    expect([await seq(keys().issueSeq), await seq(keys().taskSeq)]).toEqual(counts);
  });
});

describe('/任务 and /撤销 #T', () => {
  let id: number;
  let issues: Issue[];
  beforeAll(async () => {
    id = taskIdOf(await say('u_admin', 'CHAT_ADMIN', '/布置 村务公开栏更新 期限:12月10日 范围:正兴镇'));
    issues = (await ledger.getMany((await tasks.get(id))!.units.map(([, i]) => i))).filter((i) => i.state === 'assigned');
  });

  it('shows completion across units after /整改 and /销号, and the 逾期 once the deadline passes', async () => {
    const [a, b, c] = issues;
    expect(await say(a!.assignee!, 'CHAT_T05', `/整改 #${a!.id} 已更新公开栏`)).toContain('待核验');
    expect(await say('u_t05_m2', 'CHAT_T05', `/销号 #${a!.id}`)).toContain('已销号');
    expect(await say(b!.assignee!, 'CHAT_T05', `/整改 #${b!.id} 已更新`)).toContain('待核验');
    const card = await say('u_admin', 'CHAT_ADMIN', `/任务 #T${id}`);
    const unit = (i: Issue) => org.unit(i.unitId)!;
    expect(card).toContain('来源：组织部布置');
    expect(card).toContain('完成 1/50（2.0%）');
    expect(card).toContain(`· 完成 1：${unit(a!).town}${unit(a!).name} #${a!.id}`);
    expect(card).toContain(`· 待核验 1：${unit(b!).town}${unit(b!).name} #${b!.id}`);
    expect(card).toMatch(/· 整改中 4\d：.* 等 4\d 个/u);
    expect(card).toContain(`${unit(c!).name} #${c!.id}`);
    expect(card).not.toContain('逾期');

    // The same through the short forms, and the counters /任务 清单 reads.
    expect(await say('u_admin', 'CHAT_ADMIN', `/任务 T${id}`)).toBe(card);
    expect(await say('u_admin', 'CHAT_ADMIN', `/任务 ${id}`)).toBe(card);
    expect(await say('u_admin', 'CHAT_ADMIN', `/任务 任务${id}`)).toBe(card);
    const now = clock.now().getTime();
    const waiting = (await tasks.get(id))!.units.length - issues.length;
    expect(await tasks.counts(id, now)).toEqual({ total: 50, done: 1, overdue: 0, open: 49 });

    // A secretary sees their own unit's share only; the team its area.
    const mine = await say(c!.assignee!, 'CHAT_T05', `/任务 #T${id}`);
    expect(mine).toContain('本片区 1 个');
    expect(mine).toContain(`整改中 1：${unit(c!).town}${unit(c!).name} #${c!.id}`);
    expect(await say('u_t01_m2', 'CHAT_T01', `/任务 #T${id}`)).toContain('无权限');

    clock.set('2026-12-11T09:00:00+08:00');
    try {
      const late = await say('u_admin', 'CHAT_ADMIN', `/任务 #T${id}`);
      expect(late).toMatch(new RegExp(`🔴 逾期 ${issues.length - 2}：`, 'u'));
      expect(await tasks.counts(id, clock.now().getTime())).toEqual({ total: 50, done: 1, overdue: issues.length - 2, open: 49 });
      const list = await say('u_admin', 'CHAT_ADMIN', '/任务 清单');
      expect(list).toContain(`#T${id} 村务公开栏更新（完成 1/50　🔴逾期 ${issues.length - 2}`);
      expect(waiting).toBeGreaterThan(0);
    } finally {
      clock.set('2026-12-01T10:00:00+08:00');
    }
  });

  it('/任务 清单 lists newest first, paged; a leader sees the tasks touching their area', async () => {
    const list = await say('u_admin', 'CHAT_ADMIN', '/任务 清单');
    const ids = [...list.matchAll(/^#T(\d+) /gmu)].map((m) => Number(m[1]));
    // town, kind, 全区, the leader's, the two dialogues', the re-sent one's, this one.
    expect(ids.length).toBe(8);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(ids[0]).toBe(id);
    expect(list).toContain('共 8 项）');
    expect(await say('u_admin', 'CHAT_ADMIN', '/任务 清单 第 2 页')).toContain('这一页没有内容了');
    const leader = await say('u_t01_m1', 'CHAT_T01', '/任务 清单 本月');
    const seen = [...leader.matchAll(/^#T(\d+) /gmu)].map((m) => Number(m[1]));
    expect(seen).not.toContain(id); // 正兴镇 is not 福禄镇
    // 全区 seen by a leader: figures of their 50 units only.
    expect(leader).toMatch(/两委”?换届档案整理（完成 0\/50/u);
    expect(await say('u_admin', 'CHAT_ADMIN', '/任务 清单 2025')).toContain('还没有布置的任务');
  });

  it('/撤销 #T cancels the open issues only, audited; only an admin or the one who assigned it', async () => {
    const [closed] = issues;
    expect(await say('u_t01_m1', 'CHAT_T01', `/撤销 #T${id} 不需要了`)).toContain('无权限');
    expect(await say('u_admin', 'CHAT_ADMIN', `/撤销 #T${id}`)).toContain(`请说明撤销任务 #T${id} 的原因`);
    const reply = await say('u_admin', 'CHAT_ADMIN', '任务调整，另行布置');
    expect(reply).toContain(`🗑 任务 **#T${id}** 已撤销，原因：任务调整，另行布置`);
    expect(reply).toContain('未完成的 49 个问题已撤销，已完成或已撤销的 1 个保持不变');
    const task = (await tasks.get(id))!;
    expect(task).toMatchObject({ canceledBy: 'u_admin', cancelReason: '任务调整，另行布置' });
    const after = await ledger.getMany(task.units.map(([, i]) => i));
    expect(after.filter((i) => i.state === 'closed').map((i) => i.id)).toEqual([closed!.id]);
    expect(after.filter((i) => i.state === 'canceled').length).toBe(49);
    const canceled = after.find((i) => i.state === 'canceled')!;
    expect((await ledger.history(canceled.id)).at(-1)).toMatchObject({ action: 'cancel', actor: 'u_admin', note: `撤销任务 #T${id}：任务调整，另行布置` });
    expect(await tasks.audit(id)).toEqual([expect.objectContaining({ action: 'create', issues: 50 }), expect.objectContaining({ action: 'cancel', actor: 'u_admin', note: '任务调整，另行布置', issues: 49 })]);
    expect(await tasks.counts(id, clock.now().getTime())).toEqual({ total: 50, done: 1, overdue: 0, open: 0 });
    const card = await say('u_admin', 'CHAT_ADMIN', `/任务 #T${id}`);
    expect(card).toContain('🗑 已撤销');
    expect(card).toContain('· 已撤销 49');
    expect(await say('u_admin', 'CHAT_ADMIN', `/撤销 #T${id} 再来一次`)).toContain('已经撤销过了');
    // An issue's own /撤销 still works as before.
    expect(await say('u_admin', 'CHAT_ADMIN', `/撤销 #${closed!.id} 误报`)).toContain('当前是已销号状态');
  });
});

describe('after the flows above', () => {
  it('leaves the ledger whole: every issue, counter, task counter and deadline set recounts', async () => {
    const issues = await expectLedgerWhole(t.redis, t.prefix);
    expect(issues.filter((i) => i.taskId !== undefined).length).toBeGreaterThanOrEqual(600);
  });
});
