import type { FileOrder, FileTicket } from '../../jobs/files/file-jobs';
import type { FileRequests } from '../../jobs/files/requests';
import { runTickOnce } from '../../jobs/ticks/cron';
import { runSummary, summaryDueDay, type SummaryTickDeps } from '../../jobs/ticks/summary';
import { fixedClock } from '../../src/clock';
import { parsePeriod } from '../../src/parsing/period';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { demoOrgWith, startTestApp, type TestApp } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { QUARTER_STORIES, writeStories } from '../support/period-ledger';
import { testPrefix } from '../support/redis';

/**
 * The 季度小结 and 年度汇总 ticks on a fixed clock walked over the days after a quarter ends
 * (国庆 2026: 1–7 October off, the 8th the first working day; 2026's first working day is
 * Sunday 4 January, a 调休 day), with real BullMQ, the real Redis and the fake group robot.
 */
const fake = new FakeWecom();
const clock = fixedClock('2026-10-01T09:00:00+08:00');
const policy = { quietHours: 'off', digestCron: '0 0 1 1 *', bulletinCron: '0 0 1 1 *', quarterlyCron: '0 0 1 1 *', annualCron: '0 0 1 1 *' };
let t: TestApp;
let ids: number[];

/** The app's real files client, with what the tick asks of it and what it answers recorded on the way. */
function recordingFiles(): FileRequests & { asked: FileOrder[]; tickets: FileTicket[] } {
  const asked: FileOrder[] = [];
  const tickets: FileTicket[] = [];
  return {
    asked,
    tickets,
    async request(order) {
      asked.push(order);
      const ticket = await t.app.jobs.files.request(order);
      tickets.push(ticket);
      return ticket;
    },
  };
}

/** Files that cannot be asked for (the files queue unreachable). */
const noFileRequests: FileRequests = { request: () => Promise.reject(new Error('the files queue is unreachable')) };

function depsWith(files: FileRequests, more: Partial<SummaryTickDeps> = {}): SummaryTickDeps {
  const keys = createKeys(t.prefix);
  return { ledger: new LedgerStore(t.redis, keys), outbox: t.app.jobs.outbox, org: t.app.org, clock, redis: t.redis, keys, files, logger: silent, ...more };
}

beforeAll(async () => {
  await fake.start();
  t = await startTestApp({ org: demoOrgWith(policy), clock, env: { WECOM_API_BASE: fake.url }, jobTimings: { backoffMs: 50, throttleMs: 200 } });
  ids = (await writeStories(new LedgerStore(t.redis, createKeys(t.prefix)), t.app.org(), QUARTER_STORIES)).map((i) => i.id);
});
afterAll(async () => {
  await t.stop();
  await fake.stop();
});
afterEach(() => {
  expect(fake.unexpected).toEqual([]);
});

const summaries = (title: string) => fake.messages.filter((m) => m.msgtype === 'markdown' && m.content.startsWith(`**${title}**`));

describe('the quarterly summary', () => {
  const files = recordingFiles();

  it('waits through 国庆 and sends on the first working day after the quarter, once', async () => {
    for (const day of ['2026-10-01', '2026-10-04', '2026-10-07']) {
      clock.set(`${day}T09:00:00+08:00`);
      expect(await runSummary('quarter', day, depsWith(files))).toEqual({ sent: false, period: '2026Q3', reason: 'not-working-day' });
    }
    // Before the quarter has ended, a working day does nothing: Q2's summary was due on 1 July.
    clock.set('2026-09-30T09:00:00+08:00');
    expect(await runSummary('quarter', 'sep-30', depsWith(files))).toEqual({ sent: false, period: '2026Q2', reason: 'not-due' });
    expect(files.asked).toEqual([]);

    clock.set('2026-10-08T09:00:00+08:00');
    // Two instances on the same tick: one sends.
    const results = await Promise.all([runSummary('quarter', 'oct-8', depsWith(files)), runSummary('quarter', 'oct-8', depsWith(files))]);
    expect(results).toContainEqual({ sent: true, period: '2026Q3', messages: 1, files: 2 });
    expect(results).toContainEqual({ sent: false, period: '2026Q3', reason: 'already-sent' });

    const [msg] = await fake.waitFor(() => summaries('示例区2026年第3季度整改工作小结').length > 0).then(() => summaries('示例区2026年第3季度整改工作小结'));
    expect(msg!.key).toBe('KEY_CHAT_ADMIN');
    const lines = msg!.content.split('\n');
    expect(lines.slice(0, 9)).toEqual([
      '**示例区2026年第3季度整改工作小结**',
      '2026年7月1日至9月30日发现的问题，截至2026年10月8日；▲▼为与2026年第2季度相比',
      '全区：发现 6 ▲3　已销号 3 ▲1　逾期 3 ▲2',
      '整改率 50.0% ▼16.7　按期整改率 33.3% ▼33.4',
      '平均 5.0 天销号',
      '',
      '**各工作队**（发现 销号 逾期 整改率，较上期）',
      '> 第一工作队：发现 4 ▲2，销号 1 ▼1，逾期 3 ▲3，整改率 25.0% ▼75.0',
      '> 第二工作队：发现 2 ▲1，销号 2 ▲2，逾期 0 ▼1，整改率 100.0% ▲100.0',
    ]);
    expect(msg!.content).toContain('**逾期最多的单位**\n🔴 福禄镇斑竹村 逾期 2 件\n🔴 福禄镇石堰村 逾期 1 件');
    expect(msg!.content).toContain('**回头看反弹**\n共 1 件次：第一工作队 1\n反弹较多：福禄镇斑竹村 1');
    expect(lines.slice(-3)).toEqual([
      `📎 [2026年第3季度台账](${files.tickets[0]!.url})`,
      `📎 [2026年第3季度小结（公文）](${files.tickets[1]!.url})`,
      '文件生成后会发到本群。',
    ]);
    expect(Buffer.byteLength(msg!.content)).toBeLessThanOrEqual(4096);

    // The two files of the period, for the admin chat, under ids a retried tick asks for again.
    const months = parsePeriod('2026Q3', clock.now().getTime())!.months;
    expect(files.asked).toEqual(
      (['ledger', 'summary'] as const).map((kind) => ({
        id: expect.stringMatching(new RegExp(`^quarter-2026Q3-[0-9a-f]{12}-${kind}$`)),
        kind,
        requester: 'u_admin',
        chatId: 'CHAT_ADMIN',
        scope: { label: '全区', unitIds: t.app.org().units.map((u) => u.id) },
        period: { label: '2026年第3季度', months },
        createdAt: Date.parse('2026-10-08T09:00:00+08:00'),
        extra: { summary: 'quarter' },
      })),
    );

    // The next days find it sent.
    clock.set('2026-10-09T09:00:00+08:00');
    expect(await runSummary('quarter', 'oct-9', depsWith(files))).toEqual({ sent: false, period: '2026Q3', reason: 'already-sent' });
    expect(files.asked).toHaveLength(2);
    expect(summaries('示例区2026年第3季度整改工作小结')).toHaveLength(1);
    expect(ids).toHaveLength(QUARTER_STORIES.length);
  });
});

describe('the annual summary', () => {
  it('goes out on Sunday 4 January 2026 (调休), not on the 元旦 days before it', async () => {
    const files = recordingFiles();
    for (const day of ['2026-01-01', '2026-01-02', '2026-01-03']) {
      clock.set(`${day}T09:00:00+08:00`);
      expect(await runSummary('year', day, depsWith(files))).toEqual({ sent: false, period: '2025', reason: 'not-working-day' });
    }
    clock.set('2026-01-04T09:00:00+08:00');
    expect(await runSummary('year', 'jan-4', depsWith(files))).toEqual({ sent: true, period: '2025', messages: 1, files: 2 });
    const msgs = await fake.waitFor(() => summaries('示例区2025年整改工作年度汇总').length > 0);
    const msg = msgs.find((m) => m.content.startsWith('**示例区2025年整改工作年度汇总**'))!;
    expect(msg.content.split('\n').slice(1, 3)).toEqual(['2025年1月1日至12月31日发现的问题，截至2026年1月4日；▲▼为与2024年相比', '全区：发现 0 —　已销号 0 —　逾期 0 —']);
    expect(msg.content).toContain('这个时段还没有登记问题。');
    expect(files.asked.map((f) => [f.kind, f.period.label])).toEqual([
      ['ledger', '2025年'],
      ['summary', '2025年'],
    ]);
  });

  it('catches up on a later working day when the day itself was missed, but not after a week', async () => {
    // 2027 is past the official calendar: Monday to Friday less 元旦 (Friday 1 January).
    expect(new Date(summaryDueDay(parsePeriod('2026', clock.now().getTime())!)).toISOString()).toBe('2027-01-03T16:00:00.000Z');
    const files = recordingFiles();
    clock.set('2027-01-13T09:00:00+08:00');
    expect(await runSummary('year', 'jan-13', depsWith(files))).toEqual({ sent: false, period: '2026', reason: 'not-due' });
    clock.set('2027-01-06T09:00:00+08:00');
    expect(await runSummary('year', 'jan-6', depsWith(files))).toEqual({ sent: true, period: '2026', messages: 1, files: 2 });
    const msgs = await fake.waitFor(() => summaries('示例区2026年整改工作年度汇总').length > 0);
    expect(msgs.find((m) => m.content.startsWith('**示例区2026年整改工作年度汇总**'))!.content).toContain('全区：发现 9 ▲9　已销号 5 ▲5　逾期 4 ▲4');
  });
});

describe('when something fails', () => {
  it('sends the figures without links when the files cannot be asked for', async () => {
    clock.set('2027-01-04T09:00:00+08:00');
    const logged: string[] = [];
    const logger = { ...silent, warn: (_o: unknown, msg: string) => void logged.push(msg) } as unknown as SummaryTickDeps['logger'];
    expect(await runSummary('quarter', 'jan-4', depsWith(noFileRequests, { logger }))).toEqual({ sent: true, period: '2026Q4', messages: 1, files: 0 });
    const msgs = await fake.waitFor(() => summaries('示例区2026年第4季度整改工作小结').length > 0);
    const content = msgs.find((m) => m.content.startsWith('**示例区2026年第4季度整改工作小结**'))!.content;
    expect(content).not.toContain('📎');
    expect(content).not.toContain('文件生成后');
    expect(logged).toEqual(['summary file request failed', 'summary file request failed']);
  });

  it('frees the period when the run fails, so a later day sends it', async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    clock.set('2026-07-01T09:00:00+08:00');
    let calls = 0;
    const extraSections = async () => {
      calls++;
      if (calls === 1) throw new Error('scores not ready');
      return [{ title: '百分量化考核', lines: ['第一工作队 96.5 分'] }];
    };
    const files = recordingFiles();
    const deps = { ...depsWith(files, { extraSections }), keys };
    await expect(runSummary('quarter', 'jul-1', deps)).rejects.toThrow('scores not ready');
    expect(await t.redis.exists(keys.tickLock('quarter-summary', '2026Q2'))).toBe(0);
    clock.set('2026-07-02T09:00:00+08:00');
    expect(await runSummary('quarter', 'jul-2', deps)).toEqual({ sent: true, period: '2026Q2', messages: 1, files: 2 });
    expect(await t.redis.get(keys.tickLock('quarter-summary', '2026Q2'))).toBe('done jul-2');
    const msgs = await fake.waitFor(() => summaries('示例区2026年第2季度整改工作小结').length > 0);
    expect(msgs.find((m) => m.content.startsWith('**示例区2026年第2季度整改工作小结**'))!.content).toContain('**百分量化考核**\n第一工作队 96.5 分');
  });
});

describe('the cron tick', () => {
  it('takes the slot lock like the other ticks, then the period lock', async () => {
    const prefix = testPrefix();
    const keys = createKeys(prefix);
    clock.set('2026-04-01T09:00:00+08:00');
    const deps = { ...depsWith(recordingFiles()), keys };
    let result: unknown;
    const tick = { name: 'quarterly', cron: '0 9 1-10 1,4,7,10 *', run: async (slot: string) => (result = await runSummary('quarter', slot, deps)) };
    const at = new Date('2026-04-01T01:00:00Z');
    expect(await Promise.all([runTickOnce(t.redis, keys, tick, at, silent), runTickOnce(t.redis, keys, tick, at, silent)])).toEqual(expect.arrayContaining([true, false]));
    expect(result).toEqual({ sent: true, period: '2026Q1', messages: 1, files: 2 });
    expect(await t.redis.exists(keys.tickLock('quarterly', '20260401T010000'))).toBe(1);
  });
});

describe('the schedule (jobs/index.ts)', () => {
  it('runs the quarterly tick from the org policy and pushes to the admin chat', async () => {
    // One second a minute, a few seconds from now (the story is written by then); a start slower
    // than that on a loaded machine is caught a minute later. The app's clock says the first
    // working day after Q3.
    const cron = `${new Date(Date.now() + 4_000).getUTCSeconds()} * * * * *`;
    const app = await startTestApp({
      org: demoOrgWith({ ...policy, quarterlyCron: cron }),
      clock: fixedClock('2026-10-08T09:00:00+08:00'),
      env: { WECOM_API_BASE: fake.url },
      jobTimings: { backoffMs: 50, throttleMs: 200 },
    });
    try {
      const seen = fake.messages.length;
      await writeStories(new LedgerStore(app.redis, createKeys(app.prefix)), app.app.org(), QUARTER_STORIES.slice(0, 1));
      const msgs = await fake.waitFor((m) => m.some((x) => x.key === 'KEY_CHAT_ADMIN' && x.content.startsWith('**示例区2026年第3季度整改工作小结**') && x.content.includes('全区：发现 1 ▲1')), 75_000);
      // The scores of the quarter come with it (wired in jobs/index.ts).
      expect(msgs.find((x) => x.content.includes('全区：发现 1 ▲1'))!.content).toMatch(/\n\*\*百分量化考核（2026年第3季度）\*\*\n1\. /u);
      // The period's 台账 and the .docx 小结 follow as files, made by the files worker.
      const fileMessages = (m: typeof fake.messages) => m.slice(seen).filter((x) => x.key === 'KEY_CHAT_ADMIN' && x.msgtype === 'file' && x.errcode === 0);
      // (Files the earlier tests asked for may arrive here too: the fake robot is shared.)
      const kinds = (m: typeof fake.messages) => [...new Set(fileMessages(m).map((x) => x.upload?.name.replace(/^.*\./, '')))].sort();
      expect(kinds(await fake.waitFor((m) => kinds(m).length >= 2))).toEqual(['docx', 'xlsx']);
      expect(fake.messages.filter((x) => x.content.includes('全区：发现 1 ▲1'))).toHaveLength(1);
      expect(await app.redis.get(createKeys(app.prefix).tickLock('quarter-summary', '2026Q3'))).toMatch(/^done /);
    } finally {
      await app.stop();
    }
  }, 90_000);
});

const silent = { debug() {}, info() {}, warn() {}, error() {} } as unknown as SummaryTickDeps['logger'];
