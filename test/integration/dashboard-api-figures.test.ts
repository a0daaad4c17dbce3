import { fixedClock } from '../../src/clock';
import { colourOf, type Issue } from '../../src/domain/issue';
import { monthKey } from '../../src/domain/time';
import { parsePeriod } from '../../src/parsing/period';
import type { ChartsResponse, FiguresResponse, IssueResponse, ScoresResponse } from '../../src/server/dashboard-contract';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { demoOrg, startTestApp, type TestApp } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { qs, say, signIn, type ApiClient } from './dashboard-api.support';
import { statusFigures, shownFigures } from '../support/status-figures';

/**
 * GET /api/figures, /api/charts, /api/issues/:id and /api/scores on a real Redis: the figures
 * are /status's for the same person, scope and period; the charts add up to them; the issue is
 * /查看's; the scores are /考核's.
 */
const NOW = '2026-06-15T10:00:00+08:00';
const now = Date.parse(NOW);
const clock = fixedClock(NOW);
const org = demoOrg();
let t: TestApp;
let store: LedgerStore;
const clients = new Map<string, ApiClient>();
const as = (user: string) => clients.get(user)!;

beforeAll(async () => {
  t = await startTestApp({ clock });
  store = new LedgerStore(t.redis, createKeys(t.prefix));
  const units = org.units.filter((u) => ['福禄镇', '七塘镇', '璧城街道'].includes(u.town) && u.secretary);
  // Task issues (/布置) count apart: one task overdue now, one due within the yellow window.
  clock.set('2026-06-01T09:00:00+08:00');
  expect(await say(t, 'u_admin', 'CHAT_ADMIN', '/布置 开展党员大会会议记录自查 期限:6月5日 范围:福禄镇')).toContain('#T');
  clock.set(NOW);
  expect(await say(t, 'u_admin', 'CHAT_ADMIN', '/布置 核对党员信息 期限:6月16日 范围:七塘镇')).toContain('#T');
  await generateLedger(store, org, { found: 300, closed: 160, units, days: 150, now });
  // A problem due within the yellow window (the generated ones are a week each, found days ago).
  expect(await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 龙井村 路灯不亮 期限:1天')).toContain('已登记');
  for (const u of ['u_admin', 'u_luo', 'u_t2_m1', 'u_t1_m2']) clients.set(u, await signIn(t, u));
});
afterAll(async () => {
  await t.stop();
});

async function everyIssue(): Promise<Issue[]> {
  const max = Number(await t.redis.get(createKeys(t.prefix).issueSeq));
  return store.getMany(Array.from({ length: max }, (_, i) => i + 1));
}

const shown = shownFigures;

const VIEWS: [string, string, Record<string, string>][] = [
  ['u_admin', '', {}],
  ['u_admin', '福禄镇 本月', { scope: '福禄镇', period: '本月' }],
  ['u_admin', '全区 本季度', { scope: '全区', period: '本季度' }],
  ['u_admin', '七塘镇 2026', { scope: '七塘镇', period: '2026' }],
  ['u_admin', '斑竹村', { scope: '斑竹村' }],
  ['u_admin', '第二工作队 上月', { scope: '第二工作队', period: '上月' }],
  ['u_luo', '', {}],
  ['u_luo', '上月', { period: '上月' }],
  ['u_t2_m1', '本年', { period: '本年' }],
  ['u_t1_m2', '本季度', { period: '本季度' }],
];

describe('GET /api/figures', () => {
  it.each(VIEWS)('gives %s the figures of /status %s', async (user, words, query) => {
    const status = await say(t, user, '', `/status ${words}`.trim());
    const res = await as(user).json<FiguresResponse>(`/api/figures?${qs(query)}`);
    expect(res.status).toBe(200);
    expect(status.split('\n')[0]).toBe(`**${res.body.scope} · ${res.body.period}**`);
    expect(res.body.figures.found).toBeGreaterThan(0);
    expect(shown(res.body.figures)).toEqual(statusFigures(status));
  });

  it('reads a custom range of months as the chat reads the same months', async () => {
    const range = await as('u_admin').json<FiguresResponse>(`/api/figures?${qs({ from: '2026-04', to: '2026-06' })}`);
    const quarter = await as('u_admin').json<FiguresResponse>(`/api/figures?${qs({ period: '本季度' })}`);
    expect(range.body).toEqual(quarter.body);
    const two = await as('u_admin').json<FiguresResponse>(`/api/figures?${qs({ from: '2026-03', to: '2026-04' })}`);
    expect(two.body.period).toBe('2026年3月至2026年4月');
    const [march, april] = await Promise.all(['2026-03', '2026-04'].map((m) => as('u_admin').json<FiguresResponse>(`/api/figures?${qs({ from: m, to: m })}`)));
    expect(two.body.figures.found).toBe(march!.body.figures.found + april!.body.figures.found);
    expect(two.body.figures.overdue).toBe(march!.body.figures.overdue + april!.body.figures.overdue);
    // From a month to now.
    const since = await as('u_admin').json<FiguresResponse>(`/api/figures?${qs({ from: '2026-04' })}`);
    expect(since.body.figures).toEqual(quarter.body.figures);
  });
});

describe('GET /api/charts', () => {
  it.each(VIEWS)('adds up to the figures for %s %s', async (user, _words, query) => {
    const [charts, figures] = await Promise.all([as(user).json<ChartsResponse>(`/api/charts?${qs(query)}`), as(user).json<FiguresResponse>(`/api/figures?${qs(query)}`)]);
    expect(charts.status).toBe(200);
    const c = charts.body;
    const f = figures.body.figures;
    expect([c.scope, c.period]).toEqual([figures.body.scope, figures.body.period]);
    const sum = (k: 'reported' | 'assigned' | 'submitted' | 'rectified' | 'overdue') => c.groups.rows.reduce((n, r) => n + r[k], 0);
    if (c.groups.by !== 'team') {
      // Towns and units split a scope; teams may share a unit (a town's school is also the schools' team's).
      expect({ reported: sum('reported'), assigned: sum('assigned'), submitted: sum('submitted'), rectified: sum('rectified'), overdue: sum('overdue') }).toEqual({
        reported: f.reported,
        assigned: f.assigned,
        submitted: f.submitted,
        rectified: f.rectified,
        overdue: f.overdue,
      });
    }
    expect(c.warning.red).toBe(f.overdue);
    // Every problem rectifying has a deadline here: the three colours are all of 整改中.
    expect(c.warning.red + c.warning.yellow + c.warning.green).toBe(f.assigned);
    expect(c.topOverdue.reduce((n, u) => n + u.overdue, 0)).toBeLessThanOrEqual(f.overdue);
    const period = query.period ? parsePeriod(query.period, now) : undefined;
    if (period?.months) {
      // The period's months up to this one: months to come are not drawn as zeros.
      expect(c.trend.map((m) => m.month.replace('-', ''))).toEqual(period.months.filter((m) => m <= monthKey(now)));
      expect(c.trend.reduce((n, m) => n + m.found, 0)).toBe(f.found);
      expect(c.trend.reduce((n, m) => n + m.rectified, 0)).toBe(f.rectified);
    } else expect(c.trend).toHaveLength(12);
  });

  it.each([['本年', '2026-01'], ['本季度', '2026-04'], ['2026', '2026-01']])('ends the trend of %s at this month', async (period, first) => {
    const c = (await as('u_admin').json<ChartsResponse>(`/api/charts?${qs({ period })}`)).body;
    expect(c.trend[0]!.month).toBe(first);
    expect(c.trend.at(-1)!.month).toBe('2026-06');
    expect(c.trend.at(-1)!.found).toBeGreaterThan(0);
  });

  it('groups the district by team, an area by town, a town by unit; each team row is that team’s /status', async () => {
    const district = (await as('u_admin').json<ChartsResponse>('/api/charts')).body;
    expect(district.groups.by).toBe('team');
    expect(district.groups.rows.map((r) => r.label)).toEqual(org.teams.map((team) => team.name));
    const t2 = (await as('u_admin').json<FiguresResponse>(`/api/figures?${qs({ scope: '第二工作队' })}`)).body.figures;
    expect(district.groups.rows.find((r) => r.key === 't2')).toMatchObject({ reported: t2.reported, assigned: t2.assigned, submitted: t2.submitted, rectified: t2.rectified, overdue: t2.overdue });
    expect((await as('u_t2_m1').json<ChartsResponse>('/api/charts')).body.groups).toMatchObject({ by: 'town', rows: [{ label: '七塘镇' }, { label: '八塘镇' }] });
    const town = (await as('u_admin').json<ChartsResponse>(`/api/charts?${qs({ scope: '福禄镇' })}`)).body;
    expect(town.groups.by).toBe('unit');
    expect(town.groups.rows.map((r) => r.key)).toEqual(org.units.filter((u) => u.town === '福禄镇').map((u) => u.id));
  });

  it('splits the clocks as the issues’ own colours say, tasks left out, and names the most overdue units', async () => {
    const c = (await as('u_admin').json<ChartsResponse>('/api/charts')).body;
    const problems = (await everyIssue()).filter((i) => i.taskId === undefined);
    const colours = { red: 0, yellow: 0, green: 0 };
    for (const i of problems) {
      const colour = colourOf(i, now, org.policy.yellowWithin.ms);
      if (colour) colours[colour]++;
    }
    expect(c.warning).toEqual({ ...colours, yellowWithinDays: 2 });
    expect(c.warning.yellow).toBeGreaterThan(0);
    const perUnit = new Map<string, number>();
    for (const i of problems) if (colourOf(i, now, 0) === 'red') perUnit.set(i.unitId, (perUnit.get(i.unitId) ?? 0) + 1);
    const top = [...perUnit].sort((a, b) => b[1] - a[1]).slice(0, 10);
    expect(c.topOverdue.map((u) => u.overdue)).toEqual(top.map(([, n]) => n));
    for (const u of c.topOverdue) expect(perUnit.get(u.unitId)).toBe(u.overdue);
    expect(c.topOverdue[0]).toMatchObject({ unit: org.unit(c.topOverdue[0]!.unitId)!.name, town: org.unit(c.topOverdue[0]!.unitId)!.town });
    // The trend of 累计: the last twelve months to this one, each month's problems as found.
    expect(c.trend.at(-1)!.month).toBe('2026-06');
    const june = problems.filter((i) => monthKey(i.createdAt) === '202606' && i.state !== 'canceled');
    expect(c.trend.at(-1)).toEqual({ month: '2026-06', found: june.length, rectified: june.filter((i) => i.state === 'closed' || i.state === 'revisited').length });
  });
});

describe('GET /api/issues/:id', () => {
  it('shows the issue as /查看 does, with its whole history in names', async () => {
    const reply = await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 斑竹村 闸阀老化漏水 期限:5天 来源:走访');
    const id = Number(/#(\d+)/u.exec(reply)![1]);
    await say(t, 'u_sec_banzhu', 'CHAT_T1', `/整改 #${id} 已更换闸阀`);
    await say(t, 'u_t1_m3', 'CHAT_T1', `/驳回 #${id} 照片看不清`);
    const res = await as('u_luo').json<IssueResponse>(`/api/issues/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      row: { id, ref: `#${id}`, description: '闸阀老化漏水', unit: '斑竹村', town: '福禄镇', state: 'assigned', stateLabel: '整改中', assignee: '陈晓燕' },
      reporter: '唐建平',
      source: '走访',
      fixNote: '已更换闸阀',
      rejectReasons: ['照片看不清'],
      photos: [],
    });
    expect(res.body.history.map((h) => [h.actor, h.action, h.from ?? null, h.to, h.note ?? null])).toEqual([
      ['唐建平', '上报', null, '整改中', null],
      ['陈晓燕', '反馈整改', '整改中', '待核验', '已更换闸阀'],
      ['冉小兵', '驳回', '待核验', '整改中', '照片看不清'],
    ]);
    const card = await say(t, 'u_luo', '', `/查看 #${id}`);
    for (const h of res.body.history) expect(card).toContain(`${h.actor} ${h.action}`);
  });

  it('answers 404 for an unknown id, 403 for another area’s issue, 400 for a word', async () => {
    const other = (await everyIssue()).find((i) => org.unit(i.unitId)!.town === '七塘镇')!;
    expect((await as('u_luo').json(`/api/issues/${other.id}`)).status).toBe(403);
    expect((await as('u_t2_m1').json(`/api/issues/${other.id}`)).status).toBe(200);
    expect((await as('u_luo').json('/api/issues/99999')).status).toBe(404);
    const bad = await as('u_luo').json<{ message: string }>('/api/issues/abc');
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('问题编号');
  });
});

describe('GET /api/scores', () => {
  it('is /考核 单位’s ranking of the scope and period, with the 典型经验', async () => {
    await say(t, 'u_t1_m2', 'CHAT_T1', '/典型 斑竹村 “213工作法”：两周一次院坝会');
    const res = await as('u_luo').json<ScoresResponse>(`/api/scores?${qs({ period: '本季度' })}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scope: '第一工作队', period: '2026年第2季度' });
    const chat = await say(t, 'u_luo', '', '/考核 单位 本季度');
    const lines = chat.split('\n').filter((l) => /^\d+\. /u.test(l));
    // The chat lists what moved in rank order; the same units with the same scores lead the API's rows.
    for (const [i, line] of lines.slice(0, 5).entries()) {
      const r = res.body.units[i]!;
      expect(line).toMatch(new RegExp(`^${r.rank}\\. .*${r.name}.* ${r.scoreText}$`, 'u'));
    }
    expect(res.body.units.every((r) => org.unit(r.id)!.town === '福禄镇')).toBe(true);
    expect(res.body.units.some((r) => r.deducted > 0 && r.score === Math.round((100 - r.deducted + r.adjusted) * 100) / 100)).toBe(true);
    expect(res.body.practices).toEqual([expect.objectContaining({ unit: '斑竹村', by: '唐建平', title: '“213工作法”：两周一次院坝会' })]);
  });

  it('ranks the teams for 组织部’s 全区 as /考核 does, with a team’s 加分 on its row and 加减分 apart from 扣分', async () => {
    expect(await say(t, 'u_admin', 'CHAT_ADMIN', '/加分 队 第三工作队 2 走访台账规范')).toContain('编号');
    expect(await say(t, 'u_admin', 'CHAT_ADMIN', '/扣分 单位 斑竹村 1 会议记录不全')).toContain('编号');
    const res = await as('u_admin').json<ScoresResponse>(`/api/scores?${qs({ scope: '全区' })}`);
    expect(res.status).toBe(200);
    const chat = await say(t, 'u_admin', 'CHAT_ADMIN', '/考核 全区');
    expect(chat).toContain(res.body.words.asOf);
    expect(res.body.words).toMatchObject({ title: '百分量化考核', teams: '工作队排名', units: '责任单位排名', adjusted: '加减分' });
    expect(res.body.asOf).toBe(now);
    const ranked = chat.split('\n').filter((l) => /^\d+\. /u.test(l));
    expect(ranked.length).toBe(org.teams.length);
    expect(res.body.teams.map((r) => `${r.rank}. ${r.name} ${r.scoreText}`)).toEqual(ranked);
    const third = res.body.teams.find((r) => r.name === '第三工作队')!;
    expect(third.adjusted).toBe(2);
    expect(third.score).toBe(Math.round((100 - third.deducted + 2) * 100) / 100);
    const banzhu = res.body.units.find((r) => r.name === '斑竹村')!;
    expect(banzhu).toMatchObject({ town: '福禄镇', adjusted: -1 });
    // A unit’s score stops at 0 (the generated ledger takes 斑竹村 below it).
    expect(banzhu.score).toBe(Math.max(0, Math.round((100 - banzhu.deducted - 1) * 100) / 100));
    expect(res.body.units.length).toBe(org.units.length);
  });

  it('is refused to a member (as /考核 is) and outside a leader’s teams', async () => {
    expect((await as('u_t1_m2').json('/api/scores')).status).toBe(403);
    expect((await as('u_luo').json(`/api/scores?${qs({ scope: '七塘镇' })}`)).status).toBe(403);
    expect((await as('u_admin').json(`/api/scores?${qs({ scope: '七塘镇' })}`)).status).toBe(200);
  });
});
