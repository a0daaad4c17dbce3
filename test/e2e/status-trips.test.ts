import { fixedClock } from '../../src/clock';
import { BOT_NAME } from '../support/app';
import { startCountedApp, type CountedApp } from '../support/round-trips';

/**
 * /status in one Redis round trip whatever the ledger holds (issue 15 §4): overdue issues (the
 * oldest five read with the figures), a department task's issues (counted apart, their clocks
 * too), visits (the coverage lines) — for a leader's area, a town, a unit, a team, 全区 by town,
 * with a period, in a group and a single chat.
 */
const T0 = '2026-04-27T09:00:00+08:00';
const LATER = '2026-06-01T09:30:00+08:00';
const MEMBER = 'u_t1_m2'; // 唐建平, 第一工作队
const LEADER = 'u_luo'; // 罗志刚, 第一工作队 队长
const ADMIN = 'u_admin';

const clock = fixedClock(T0);
let c: CountedApp;
const say = (userId: string, chatId: string | undefined, text: string) => c.t.client.say({ userId, ...(chatId ? { chatId } : {}), text: `@${BOT_NAME} ${text}` });

beforeAll(async () => {
  c = await startCountedApp({ clock, env: { RUN_WORKERS: 'false' } });
  for (const [unit, k] of [['斑竹村', 1], ['斑竹村', 2], ['石堰村', 3], ['龙井村', 4], ['斑竹村', 5], ['石堰村', 6]] as const) {
    expect(await say(MEMBER, 'CHAT_T1', `/上报 ${unit} 问题${k} 期限:5个工作日内`)).toContain('已登记');
  }
  expect(await say(ADMIN, 'CHAT_ADMIN', '/布置 开展党员大会会议记录自查 期限:5月15日 范围:福禄镇')).toContain('布置');
  expect(await say(LEADER, 'CHAT_T1', '/走访 斑竹村 三会一课:按时召开 党员管理:台账齐全 发现:公开栏未更新')).toContain('已记录走访');
  clock.set(LATER);
  // The first command of a day writes what later ones read: not measured.
  await say(LEADER, 'CHAT_T1', '/status');
  await c.t.app.settled();
});
afterAll(async () => {
  await c?.t.stop();
});

const cases: [string, string | undefined, string, string[]][] = [
  [LEADER, 'CHAT_T1', '/status', ['逾期最久', '走访覆盖', '布置任务']],
  [LEADER, 'CHAT_T1', '/status 本月', ['**第一工作队 · 2026年6月**']],
  [LEADER, 'CHAT_T1', '/status 福禄镇 今年', ['逾期最久', '走访覆盖', '布置任务']],
  [LEADER, 'CHAT_T1', '/status 斑竹村 4月', ['逾期最久']],
  [LEADER, 'CHAT_T1', '/status 第一工作队 本季度', ['逾期最久']],
  [ADMIN, 'CHAT_ADMIN', '/status 全区 今年', ['**各镇街**', '逾期最久', '走访覆盖', '布置任务']],
  [ADMIN, undefined, '/status', ['逾期最久']],
];

it.each(cases.map(([u, chat, text, lines]) => [text, chat ?? 'a single chat', u, chat, lines] as const))('%s in %s takes one round trip', async (text, _where, userId, chatId, expected) => {
  const { result, trips } = await c.measure(() => say(userId, chatId, text));
  for (const line of expected) expect(result).toContain(line);
  expect(trips.command).toHaveLength(1);
  expect(trips.command[0]!.commands.filter((n) => n === 'readReport').length).toBeGreaterThanOrEqual(1);
  // Nothing but the reads: no write before the reply, nothing after it.
  expect(trips.after).toEqual({});
});

