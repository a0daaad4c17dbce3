import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { BOT_NAME, demoOrg } from '../support/app';
import { describeFlushes, startCountedApp, type CountedApp } from '../support/round-trips';
import { readCases, seedPagesLedger, type ReadCase } from './read-pages.support';

/**
 * Every read command in one Redis round trip, whatever its filter, scope or page (issue 15 §1,
 * §4): /清单 and /我的 read their pages with the issues in one script each, asked together;
 * /查看 reads the issue and its audit in one batch, the audit dropped when the asker may not see
 * the issue. Workers are off, so their polling cannot land in a measured window.
 */
const NOW = '2026-06-15T10:00:00+08:00';
let c: CountedApp;
let cases: ReadCase[];
let submittedNote: string;
let submittedId: number;

beforeAll(async () => {
  c = await startCountedApp({ clock: fixedClock(NOW), env: { RUN_WORKERS: 'false' } });
  const store = new LedgerStore(c.t.redis, createKeys(c.t.prefix));
  await seedPagesLedger(store, demoOrg(), { found: 400, closed: 150, now: Date.parse(NOW) });
  const first = async (states: Parameters<LedgerStore['list']>[1]) => (await store.pages.list(['banzhu'], states, 0, 1)).issues[0]!;
  const submitted = await first(['submitted']);
  submittedNote = submitted.fixNote!;
  submittedId = submitted.id;
  const ids = { closed: (await first(['closed'])).id, open: (await first(['assigned'])).id, submitted: submitted.id, other: submitted.id };
  cases = readCases(ids);
}, 60_000);
afterAll(async () => {
  await c?.t.stop();
});

const send = (r: ReadCase) => c.t.client.say({ userId: r.userId, ...(r.chatId ? { chatId: r.chatId } : {}), text: `@${BOT_NAME} ${r.text}` });

it('answers every read in one round trip on the command connection', async () => {
  const over: string[] = [];
  for (const r of cases) {
    const { result, trips } = await c.measure(() => send(r));
    expect(result.length).toBeGreaterThan(0);
    if (trips.command.length !== 1) over.push(`${r.userId} ${r.text}: ${trips.command.length} (${describeFlushes(trips.command)})`);
  }
  expect(over).toEqual([]);
});

it('reads the pages the reply needs together, one script per page', async () => {
  // 王建军, 第二工作队: his own issues and the fixes of his team's area to verify: two pages, one round trip.
  const member = await c.measure(() => send({ userId: 'u_t2_m2', chatId: 'CHAT_T2', text: '/我的' }));
  expect(member.trips.command).toEqual([{ commands: ['readPage', 'readPage'] }]);
  // 黄海波, 将军村's 驻村第一书记: his own issues and his unit's.
  const contact = await c.measure(() => send({ userId: 'u_zc_jiangjun', chatId: undefined, text: '/我的' }));
  expect(contact.result).toContain('**将军村待整改**');
  expect(contact.trips.command).toEqual([{ commands: ['readPage', 'readPage'] }]);
  const list = await c.measure(() => send({ userId: 'u_luo', chatId: 'CHAT_T1', text: '/清单 逾期 第2页' }));
  expect(list.result).toMatch(/^\*\*第一工作队 · 逾期（最久的在前）\*\*（共 \d+ 条，第 2\/\d+ 页）/);
  expect(list.trips.command).toEqual([{ commands: ['readPage'] }]);
});

it('reads /查看’s audit with the issue, and shows none of it to someone who may not see the issue', async () => {
  const card = await c.measure(() => send({ userId: 'u_luo', chatId: 'CHAT_T1', text: `/查看 #${submittedId}` }));
  expect(card.result).toContain(submittedNote);
  expect(card.trips.command).toEqual([{ commands: ['hgetall', 'get', 'lrange', 'llen'] }]);
  // 王建军, 第二工作队: 斑竹村 is not his team's area.
  const refused = await c.measure(() => send({ userId: 'u_t2_m2', chatId: 'CHAT_T2', text: `/查看 #${submittedId}` }));
  expect(refused.result).toMatch(/^无权限/);
  expect(refused.result).not.toContain(submittedNote);
  expect(refused.result).not.toContain('整改');
  expect(refused.trips.command).toEqual([{ commands: ['hgetall', 'get', 'lrange', 'llen'] }]);
});
