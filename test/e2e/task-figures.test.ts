import { runBulletin } from '../../jobs/ticks/bulletin';
import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { TaskStore } from '../../src/store/task-store';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { expectLedgerWhole } from '../support/ledger-integrity';
import { pollUntil } from '../support/wait';

/**
 * A task the department assigns (/布置) is work it gave, not a problem inspectors found: the
 * figures of /status, /通报 and the weekly 通报 count the problems alone and show the task issues
 * as one line apart (docs/design.md §4.10), while the overdue lists keep them. The demo org's
 * 福禄镇 has 6 units, each with a secretary, in CHAT_T1.
 */
const fake = new FakeWecom();
const clock = fixedClock('2026-12-01T10:00:00+08:00');
let t: TestApp;
let taskIssues: number[];

beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ clock, env: { WECOM_API_BASE: fake.url } });
});
afterAll(async () => {
  await t.stop();
  await fake.stop();
});

const say = (userId: string, chatId: string, text: string) => t.client.say({ userId, chatId, text: `@${BOT_NAME} ${text}` });
const status = async () => (await say('u_admin', 'CHAT_ADMIN', '/status 福禄镇 本月')).split('\n');

describe('task issues count apart from the problems found', () => {
  beforeAll(async () => {
    const assigned = await say('u_admin', 'CHAT_ADMIN', '/布置 开展党员大会会议记录自查 期限:12月20日 范围:福禄镇');
    const taskId = Number(/#T(\d+)/.exec(assigned)![1]);
    expect(assigned).toContain('共 6 个单位');
    taskIssues = (await new TaskStore(t.redis, createKeys(t.prefix)).get(taskId))!.units.map(([, id]) => id);
    expect(await say('u_t1_m2', 'CHAT_T1', '/上报 斑竹村 路灯不亮 期限:12月10日')).toContain('已登记');
    expect(await say('u_t1_m2', 'CHAT_T1', '/上报 石堰村 垃圾乱堆放 期限:12月25日')).toContain('已登记');
  });

  it('/status: 发现 2, and the tasks as one line', async () => {
    const lines = await status();
    expect(lines.slice(0, 5)).toEqual(['**福禄镇 · 2026年12月**', '发现 2　已销号 0　逾期 0', '整改中 2　待核验 0　待交办 0', '整改率 0.0%　按期整改率 0.0%', '布置任务 6 项　完成 0　逾期 0']);
    // The unit lines are of problems: the four units with only the task's issue have none.
    expect(lines.filter((l) => / 发现\d+ 销号\d+/.test(l))).toEqual(['斑竹村 发现1 销号0 0%', '石堰村 发现1 销号0 0%']);
  });

  it('/通报: 发现 2 in the district, and the tasks as one line', async () => {
    const reply = await say('u_admin', 'CHAT_ADMIN', '/通报 本月');
    expect(reply).toContain('全区（示例区）：发现 2 ▲2　已销号 0 —　逾期 0 —');
    expect(reply).toContain('整改率 0.0% —　按期整改率 0.0% —');
    expect(reply).toContain('\n布置任务：6 项　完成 0　逾期 0\n');
    expect(reply).toContain('> 第一工作队：发现 2 ▲2，销号 0 —，逾期 0 —');
  });

  it('closing a task issue moves the task line, never 已销号 of the problems', async () => {
    const [done, waiting] = taskIssues as [number, number];
    expect(await say('u_sec_banzhu', 'CHAT_T1', `/整改 #${done} 已完成自查`)).toContain('待核验');
    expect(await say('u_t1_m2', 'CHAT_T1', `/销号 #${done}`)).toContain('已销号');
    const [secretary] = (await new LedgerStore(t.redis, createKeys(t.prefix)).getMany([waiting])).map((i) => i.assignee);
    expect(await say(secretary!, 'CHAT_T1', `/整改 #${waiting} 已完成自查`)).toContain('待核验');
    const lines = await status();
    expect(lines.slice(1, 5)).toEqual(['发现 2　已销号 0　逾期 0', '整改中 2　待核验 0　待交办 0', '整改率 0.0%　按期整改率 0.0%', '布置任务 6 项　完成 1　待核验 1　逾期 0']);
  });

  it('past the deadlines: each 逾期 in its own line, the overdue list keeps the task issues', async () => {
    clock.set('2026-12-21T10:00:00+08:00');
    const lines = await status();
    expect(lines.slice(1, 5)).toEqual(['发现 2　已销号 0　逾期 1', '整改中 2　待核验 0　待交办 0', '整改率 0.0%　按期整改率 0.0%', '布置任务 6 项　完成 1　待核验 1　逾期 4']);
    const oldest = lines.slice(lines.indexOf('**逾期最久**') + 1);
    expect(oldest).toHaveLength(5);
    expect(oldest[0]).toContain('路灯不亮');
    expect(oldest.filter((l) => l.includes('开展党员大会会议记录自查'))).toHaveLength(4);
  });

  it('the weekly 通报: the teams’ problems, then the tasks as one line', async () => {
    const keys = createKeys(t.prefix);
    const deps = { ledger: new LedgerStore(t.redis, keys), outbox: t.app.jobs.outbox, org: t.app.org, clock };
    expect(await runBulletin('task-figures', deps)).toEqual({ messages: 1 });
    let content: string | undefined;
    await pollUntil(async () => {
      const entries = await t.redis.xrange(keys.pushes, '-', '+');
      const fields = entries.map(([, f]) => f).find((f) => f[f.indexOf('kind') + 1] === 'bulletin');
      content = fields?.[fields.indexOf('content') + 1];
      return content !== undefined;
    }, 'the bulletin in the sink');
    const lines = content!.split('\n');
    expect(lines).toContain('> 第一工作队：发现 2，已销号 0，整改率 0.0%，逾期 <font color="warning">1</font>');
    expect(lines).toContain('> 布置任务：6 项，完成 1，待核验 1，逾期 <font color="warning">4</font>');
  });

  it('leaves the ledger whole: counters, task counters and every deadline set recount', async () => {
    const issues = await expectLedgerWhole(t.redis, t.prefix);
    expect(issues).toHaveLength(8);
  });
});
