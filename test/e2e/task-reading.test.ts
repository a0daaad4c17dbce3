import { fixedClock } from '../../src/clock';
import { actorFor } from '../../src/domain/actor';
import { apply, isRefusal } from '../../src/domain/lifecycle';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { TaskStore } from '../../src/store/task-store';
import { sha1Hex } from '../../src/wecom/crypto';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { generateOrg } from '../support/generate-org';

/**
 * What a new user typed into /布置, /任务 and /撤销 #T, and what the review found (docs/design.md
 * §4.15): a 3-town, 36-unit district with a cap of 30 units per task, through the real webhook.
 */
const fake = new FakeWecom();
const gen = generateOrg({ towns: 3, unitsPerTown: 12, policy: { taskMaxUnits: 30 } });
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

const say = (userId: string, chatId: string, text: string, msgid?: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}`, ...(msgid ? { msgid } : {}) });
const admin = (text: string, msgid?: string) => say('u_admin', 'CHAT_ADMIN', text, msgid);
const taskIdOf = (reply: string) => Number(/#T(\d+)/.exec(reply)![1]);
const ids = (pred: (u: (typeof org.units)[number]) => boolean) => org.units.filter(pred).map((u) => u.id);
const unitsOf = async (reply: string) => (await tasks.get(taskIdOf(reply)))!.units.map(([u]) => u);
const seqs = async () => {
  const k = createKeys(t.prefix);
  return [Number((await t.redis.get(k.issueSeq)) ?? 0), Number((await t.redis.get(k.taskSeq)) ?? 0)];
};

describe('/布置 reads 范围 and 期限 as people write them', () => {
  it('范围:福禄镇 村 is the villages of 福禄镇, and 村 is not glued onto the content', async () => {
    const reply = await admin('/布置 核对党员花名册 期限:下周五 范围:福禄镇 村');
    const villages = ids((u) => u.town === '福禄镇' && u.kind === '村');
    expect(villages.length).toBeGreaterThan(1);
    expect(villages.length).toBeLessThan(12);
    expect(await unitsOf(reply)).toEqual(villages);
    const task = (await tasks.get(taskIdOf(reply)))!;
    expect(task.content).toBe('核对党员花名册');
    expect(task.scopeWords).toBe('福禄镇的村');
    for (const text of ['福禄镇的村', '福禄镇村']) expect(await unitsOf(await admin(`/布置 核对花名册${text} 期限:12月20日 范围:${text}`))).toEqual(villages);
  });

  it('a trailing deadline phrase is read; a trailing scope word without 范围: is proposed, then taken when answered', async () => {
    const before = await seqs();
    const ask = await admin('/布置 清理公开栏 12月20日前 福禄镇');
    expect(ask).toContain('是要布置给“福禄镇”（12 个单位）吗？');
    expect(await seqs()).toEqual(before);
    const done = await admin('福禄镇');
    expect(done).toContain('📋 已布置 任务');
    const task = (await tasks.get(taskIdOf(done)))!;
    expect(task.content).toBe('清理公开栏');
    expect(task.deadline).toBe(Date.parse('2026-12-20T23:59:59.999+08:00'));
    expect(task.units.length).toBe(12);
  });

  it('asks for a missing 期限 instead of the default, and reads the answer', async () => {
    const before = await seqs();
    const ask = await admin('/布置 冬季防火检查 范围:七塘镇');
    expect(ask).toContain('这项任务要发给 12 个单位，请写明期限');
    expect(await seqs()).toEqual(before);
    const done = await admin('12月25日');
    const task = (await tasks.get(taskIdOf(done)))!;
    expect(task).toMatchObject({ content: '冬季防火检查', deadline: Date.parse('2026-12-25T23:59:59.999+08:00') });
    expect(done).not.toContain('默认');
  });

  it('reads fields after commas, with or without the colon', async () => {
    const unit = org.units.find((u) => u.town === '八塘镇' && u.secretary)!;
    const one = await admin(`/布置 核对花名册，期限:12月20日，范围:${unit.name}`);
    expect((await tasks.get(taskIdOf(one)))!).toMatchObject({ content: '核对花名册', units: [[unit.id, expect.any(Number)]] });
    const town = await admin('/布置 清理公开栏，期限12月20日，范围福禄镇');
    expect((await tasks.get(taskIdOf(town)))!).toMatchObject({ content: '清理公开栏', deadline: Date.parse('2026-12-20T23:59:59.999+08:00'), unitCount: 12 });
  });

  it('refuses a bad 期限 before asking anything', async () => {
    const reply = await admin('/布置 清理河道 期限:火星日');
    expect(reply).toMatch(/^⚠️/u);
    expect(reply).not.toContain('布置给哪些单位');
  });

  it('offers the scope a typo means and writes nothing', async () => {
    const before = await seqs();
    const reply = await admin('/布置 清理河道 期限:12月20日 范围:福路镇');
    expect(reply).toContain('找不到“福路镇”，是不是“福禄镇”？');
    expect(reply).toContain('/布置 清理河道 期限:12月20日 范围:福禄镇');
    expect(await seqs()).toEqual(before);
  });

  it('echoes canonical names for traditional characters', async () => {
    const reply = await admin('/佈置 整理檔案 期限:12月20日 範圍:七塘鎮');
    expect((await tasks.get(taskIdOf(reply)))!.scopeWords).toBe('七塘镇');
    expect(await admin(`/任务 #T${taskIdOf(reply)}`)).toContain('范围：七塘镇（12 个单位）');
  });

  it('refuses a task beyond policy.taskMaxUnits with a split-by-town example', async () => {
    const before = await seqs();
    const reply = await admin('/布置 两委换届档案整理 期限:12月31日 范围:全区');
    expect(reply).toContain('一次最多布置给 30 个单位（这次是 36 个），请按镇街分开布置');
    expect(reply).toContain('/布置 两委换届档案整理 期限:12月31日 范围:福禄镇');
    expect(await seqs()).toEqual(before);
  });

  it('a leader: 范围:村 is the villages of their area, said so; the missing-范围 example is their town', async () => {
    const reply = await say('u_t01_m1', 'CHAT_T01', '/布置 清理河道 期限:12月20日 范围:村');
    const mine = ids((u) => u.town === '福禄镇' && u.kind === '村');
    expect(reply).toContain(`按你的片区：${mine.length} 个村`);
    expect(await unitsOf(reply)).toEqual(mine);
    expect(await say('u_t01_m1', 'CHAT_T01', '/布置 清理河道 期限:12月20日 范围:全区')).toContain('全区任务由组织部布置');
    expect(await say('u_t01_m1', 'CHAT_T01', '/布置 打扫卫生 期限:12月20日')).toContain('例如：福禄镇');
    await say('u_t01_m1', 'CHAT_T01', '算了');
    expect(await admin('/布置 打扫卫生 期限:12月20日')).toContain('福禄镇、七塘镇');
    await admin('算了');
  });

  it('without the slash, 布置 is offered, never run', async () => {
    const before = await seqs();
    const reply = await admin('布置 清理河道 期限:12月20日 范围:福禄镇');
    expect(reply).toContain('要布置任务吗？请发送：');
    expect(reply).toContain('/布置 清理河道 期限:12月20日 范围:福禄镇');
    expect(await seqs()).toEqual(before);
  });

  it('a push that cannot be queued is no error: the reply says assigned, a re-sent callback queues it', async () => {
    const queue = t.app.jobs.outbox['queue'] as { add: (...a: unknown[]) => Promise<unknown> };
    const spy = jest.spyOn(queue, 'add').mockRejectedValue(new Error('redis down'));
    let reply: string;
    try {
      reply = await admin('/布置 整理党费台账 期限:12月18日 范围:八塘镇', 'push-fails-msgid');
    } finally {
      spy.mockRestore();
    }
    expect(reply).toContain('📋 已布置 任务');
    expect(reply).toContain('群通知稍后发出');
    const id = taskIdOf(reply);
    const before = await seqs();
    // The reply was lost and WeCom re-sends the callback: the task answers, its pushes are queued.
    await t.redis.del(createKeys(t.prefix).message(sha1Hex('push-fails-msgid')));
    const again = await admin('/布置 整理党费台账 期限:12月18日 范围:八塘镇', 'push-fails-msgid');
    expect(taskIdOf(again)).toBe(id);
    expect(again).toContain('已通知 1 个群');
    await fake.waitFor((m) => m.some((x) => x.content.includes(`任务 #T${id}`)), 15_000);
    expect(await seqs()).toEqual(before);
  });
});

describe('/任务 and /撤销 #T read references with punctuation', () => {
  let id: number;
  beforeAll(async () => {
    id = taskIdOf(await admin('/布置 村务公开栏更新 期限:12月10日 范围:福禄镇'));
  });

  it('/任务 #T1， and /任务 T1。 show the task; /任务 #<issue> shows that issue’s task; /查看 #T points to /任务', async () => {
    const card = await admin(`/任务 #T${id}`);
    expect(card).toContain(`📋 **任务 #T${id}**`);
    expect(await admin(`/任务 #T${id}，`)).toBe(card);
    expect(await admin(`/任务 T${id}。`)).toBe(card);
    const issueId = (await tasks.get(id))!.units[0]![1];
    expect(await admin(`/任务 #${issueId}`)).toBe(card);
    const plain = await admin('/上报 ' + org.units[0]!.name + ' 路灯不亮 期限:3天');
    const plainId = Number(/#(\d+)/.exec(plain)![1]);
    expect(await admin(`/任务 #${plainId}`)).toContain(`#${plainId} 是问题编号，这个问题不属于任何任务；任务编号写作 T${plainId}`);
    expect(await admin(`/查看 #T${id}`)).toContain(`查看任务进度请发送 \`/任务 #T${id}\``);
  });

  it('/撤销 #T，原因 cancels with the reason only; every group gets one short notice; the card has no countdown', async () => {
    const task = (await tasks.get(id))!;
    const first = (await ledger.getMany([task.units[0]![1]]))[0]!;
    expect(await say(first.assignee!, 'CHAT_T01', `/整改 #${first.id} 已更新`)).toContain('待核验');
    expect(await say('u_t01_m2', 'CHAT_T01', `/销号 #${first.id}`)).toContain('已销号');
    // A leader who did not assign it: 由组织部布置, not 由组织部布置布置.
    expect(await say('u_t01_m1', 'CHAT_T01', `/撤销 #T${id}，不需要了`)).toContain(`任务 #T${id} 由组织部布置，只有组织部或布置人可以撤销`);
    const reply = await admin(`/撤销 #T${id}，重复布置`);
    expect(reply).toContain(`🗑 任务 **#T${id}** 已撤销，原因：重复布置`);
    expect(reply).toContain('已通知 1 个群');
    const issues = await ledger.getMany(task.units.map(([, i]) => i));
    const canceled = issues.find((i) => i.state === 'canceled')!;
    expect((await ledger.history(canceled.id)).at(-1)).toMatchObject({ action: 'cancel', note: `撤销任务 #T${id}：重复布置` });
    const notices = await fake.waitFor((m) => m.some((x) => x.content.startsWith(`🗑 任务 #T${id} 已撤销`)), 15_000);
    const mine = notices.filter((x) => x.content.startsWith(`🗑 任务 #T${id} 已撤销`));
    expect(mine.map((x) => x.key)).toEqual([gen.keyOf(gen.teamChat.get('t01')!)]);
    expect(mine[0]!.content).toContain('重复布置');
    expect(mine[0]!.mentions).toEqual([]);
    const card = await admin(`/任务 #T${id}`);
    expect(card).not.toContain('还有');
    expect(card).not.toContain('完成 0/0');
    expect(card).toContain('撤销前已完成 1 个单位');
    expect(await admin('/任务 清单')).toContain(`#T${id} 村务公开栏更新（已撤销，撤销前已完成 1）`);
  });

  it('a dialogue answer “#T” never ends up in the reason', async () => {
    const other = taskIdOf(await admin('/布置 核对台账 期限:12月10日 范围:七塘镇'));
    expect(await admin(`/撤销 #T${other}`)).toContain('请说明撤销任务');
    const reply = await admin(`#T${other}，任务调整`);
    expect(reply).toContain('原因：任务调整');
    expect((await tasks.get(other))!.cancelReason).toBe('任务调整');
  });

  it('a closed issue that changed since it was read makes the cancel stale: nothing written', async () => {
    const tid = taskIdOf(await admin('/布置 核对党员信息 期限:12月10日 范围:八塘镇'));
    const task = (await tasks.get(tid))!;
    const issues = await ledger.getMany(task.units.map(([, i]) => i));
    const closedOne = issues.find((i) => i.state === 'assigned')!;
    expect(await say(closedOne.assignee!, 'CHAT_T03', `/整改 #${closedOne.id} 已核对`)).toContain('待核验');
    expect(await say('u_t03_m2', 'CHAT_T03', `/销号 #${closedOne.id}`)).toContain('已销号');
    const read = await ledger.getMany(task.units.map(([, i]) => i));
    const now = clock.now().getTime();
    const changes = read.filter((i) => i.state === 'assigned' || i.state === 'reported').map((before) => {
      const r = apply(before, { type: 'cancel', reason: 'x' }, actorFor(org, 'u_admin', before.unitId), now);
      if (isRefusal(r)) throw new Error(r.kind);
      return { before, outcome: r };
    });
    const kept = read.filter((i) => i.state === 'closed');
    expect(kept.map((i) => i.id)).toEqual([closedOne.id]);
    // Meanwhile the closed issue changed (a relapse): its version moved on.
    await t.redis.hincrby(createKeys(t.prefix).issue(closedOne.id), 'version', 1);
    expect(await tasks.cancel(tid, changes, 'u_admin', now, 'x', kept)).toEqual({ kind: 'stale', issueId: closedOne.id });
    expect((await tasks.get(tid))!.canceledAt).toBeUndefined();
    expect((await ledger.getMany(changes.map((c) => c.before.id))).every((i) => i.state !== 'canceled')).toBe(true);
  });
});
