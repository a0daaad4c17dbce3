import { fixedClock } from '../../src/clock';
import type { Issue, IssueState } from '../../src/domain/issue';
import { monthKey } from '../../src/domain/time';
import { normalizeText } from '../../src/parsing/normalize';
import { parsePeriod } from '../../src/parsing/period';
import type { MeResponse, TableResponse } from '../../src/server/dashboard-contract';
import { createKeys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { LedgerTable, type TableSpec } from '../../src/store/ledger-table';
import { visibleUnits } from '../../src/domain/visibility';
import { demoOrg, startTestApp, type TestApp } from '../support/app';
import { generateLedger } from '../support/generate-ledger';
import { gunzipSync } from 'node:zlib';
import { qs, rawGet, say, signIn, type ApiClient } from './dashboard-api.support';

/**
 * GET /api/me and GET /api/issues on a real Redis: the 台账 table's filters, search, sort and
 * paging checked against a direct computation over every issue of the ledger, and the table
 * index seeing a change made in the chat at once.
 */
const NOW = '2026-06-15T10:00:00+08:00';
const now = Date.parse(NOW);
const clock = fixedClock(NOW);
const org = demoOrg();
let t: TestApp;
let store: LedgerStore;
let admin: ApiClient;
let luo: ApiClient;
// No quotes: the chat reads them as quoting, not as text.
const XSS = '<img src=x onerror=alert(1)>公开栏未更新&<b>';

beforeAll(async () => {
  t = await startTestApp({ clock });
  store = new LedgerStore(t.redis, createKeys(t.prefix));
  const units = org.units.filter((u) => (u.town === '福禄镇' || u.town === '七塘镇') && u.secretary);
  await generateLedger(store, org, { found: 240, closed: 120, units, days: 120, now });
  // What a generated ledger lacks: 类别, Traditional and full-width text, markup in a description.
  for (const text of ['/上报 斑竹村 閘閥老化漏水 類別:A5 期限:5天', '/上报 石堰村 公开栏ＡＢＣ编号缺失 类别:村务公开 期限:3天', `/上报 斑竹村 ${XSS} 类别:环境治理 期限:10天`]) {
    expect(await say(t, 'u_t1_m2', 'CHAT_T1', text)).toContain('已登记');
  }
  admin = await signIn(t, 'u_admin');
  luo = await signIn(t, 'u_luo');
});
afterAll(async () => {
  await t.stop();
});

async function everyIssue(): Promise<Issue[]> {
  const max = Number(await t.redis.get(createKeys(t.prefix).issueSeq));
  return store.getMany(Array.from({ length: max }, (_, i) => i + 1));
}

interface Want {
  units: readonly string[];
  months?: readonly string[] | undefined;
  states?: readonly IssueState[];
  overdue?: boolean;
  category?: string;
  q?: string;
  sort: 'deadline' | 'age';
  order: 'asc' | 'desc';
  page: number;
  size: number;
}

/** The table as a plain computation over every issue: what /api/issues must answer. */
async function expected(w: Want): Promise<{ total: number; ids: number[] }> {
  const fold = (s: string) => normalizeText(s).toLowerCase();
  const rows = (await everyIssue()).filter(
    (i) =>
      w.units.includes(i.unitId) &&
      (!w.months || w.months.includes(monthKey(i.createdAt))) &&
      (!w.states || w.states.includes(i.state)) &&
      (w.overdue === undefined || (i.state === 'assigned' && i.deadline !== undefined && now > i.deadline) === w.overdue) &&
      (w.category === undefined || i.category === w.category) &&
      (w.q === undefined || fold(`${i.description}\n${i.fixNote ?? ''}`).includes(fold(w.q))),
  );
  const key = (i: Issue) => (w.sort === 'age' ? i.createdAt : (i.deadline ?? Infinity));
  rows.sort((a, b) => key(a) - key(b) || a.id - b.id);
  if (w.order === 'desc') rows.reverse();
  return { total: rows.length, ids: rows.slice((w.page - 1) * w.size, w.page * w.size).map((i) => i.id) };
}

const unitsOf = (pred: (u: (typeof org.units)[number]) => boolean) => org.units.filter(pred).map((u) => u.id);
const t1Units = org.team('t1')!.coveredUnitIds;
const allUnits = org.units.map((u) => u.id);

async function table(c: ApiClient, q: Record<string, string | number | undefined>): Promise<TableResponse> {
  const res = await c.json<TableResponse>(`/api/issues?${qs(q)}`);
  expect([q, res.status]).toEqual([q, 200]);
  return res.body;
}

describe('GET /api/me', () => {
  it('names the person, their roles, scope and CSRF token, and offers only what they may see', async () => {
    const res = await luo.json<MeResponse>('/api/me');
    expect(res.status).toBe(200);
    const me = res.body;
    expect(me).toMatchObject({ name: '罗志刚', userid: 'u_luo', roles: ['队长', '队员'], scope: '第一工作队', canSeeScores: true, canExport: true });
    expect(me.csrf).toMatch(/^[A-Za-z0-9_-]{16,}$/u);
    expect(me.choices.towns).toEqual(['福禄镇']);
    expect(me.choices.teams).toEqual([{ id: 't1', name: '第一工作队' }]);
    expect(me.choices.units.map((u) => u.id).sort()).toEqual([...t1Units].sort());
    expect(me.choices.states.map((s) => s.key)).toEqual(['reported', 'assigned', 'submitted', 'closed', 'revisited', 'canceled', 'open', 'rectified']);
    expect(me.choices.categories).toContainEqual({ code: 'A5', name: '环境治理' });

    const a = (await admin.json<MeResponse>('/api/me')).body;
    expect(a).toMatchObject({ roles: ['组织部'], scope: '全区（示例区）', canSeeScores: true, canExport: true });
    expect(a.choices.teams).toHaveLength(org.teams.length);
    expect(a.choices.units).toHaveLength(org.units.length);

    const member = (await (await signIn(t, 'u_t1_m2')).json<MeResponse>('/api/me')).body;
    expect(member).toMatchObject({ roles: ['队员'], canSeeScores: false, canExport: false });
  });
});

describe('GET /api/issues', () => {
  const month = parsePeriod('本月', now)!.months;
  const quarter = parsePeriod('本季度', now)!.months;
  it.each<[string, () => ApiClient, Record<string, string | number | undefined>, Want]>([
    ['the district, newest first', () => admin, {}, { units: allUnits, sort: 'age', order: 'desc', page: 1, size: 20 }],
    ['a town, open, by deadline, page 2', () => admin, { scope: '福禄镇', state: 'open', sort: 'deadline', order: 'asc', page: 2, size: 10 }, { units: unitsOf((u) => u.town === '福禄镇'), states: ['reported', 'assigned', 'submitted'], sort: 'deadline', order: 'asc', page: 2, size: 10 }],
    ['a leader’s area, overdue, this quarter', () => luo, { overdue: '1', period: '本季度', sort: 'deadline', order: 'desc' }, { units: t1Units, months: quarter, overdue: true, sort: 'deadline', order: 'desc', page: 1, size: 20 }],
    ['not overdue, a custom range, oldest first', () => admin, { overdue: '0', from: '2026-04', to: '2026-05', order: 'asc', size: 50 }, { units: allUnits, months: ['202604', '202605'], overdue: false, sort: 'age', order: 'asc', page: 1, size: 50 }],
    ['rectified in a unit by id', () => admin, { unit: 'banzhu', state: 'rectified', size: 100 }, { units: ['banzhu'], states: ['closed', 'revisited'], sort: 'age', order: 'desc', page: 1, size: 100 }],
    ['a team by id within the district, this month', () => admin, { team: 't2', period: '本月' }, { units: org.team('t2')!.coveredUnitIds, months: month, sort: 'age', order: 'desc', page: 1, size: 20 }],
    ['a town word within a leader’s area', () => luo, { town: '福禄镇', state: 'assigned' }, { units: unitsOf((u) => u.town === '福禄镇'), states: ['assigned'], sort: 'age', order: 'desc', page: 1, size: 20 }],
    ['a page past the end', () => admin, { page: 999, size: 100 }, { units: allUnits, sort: 'age', order: 'desc', page: 999, size: 100 }],
    ['text: a word of every generated description', () => admin, { q: '村务公开', size: 5, page: 3 }, { units: allUnits, q: '村务公开', sort: 'age', order: 'desc', page: 3, size: 5 }],
    ['text: Simplified finds Traditional', () => admin, { q: '闸阀' }, { units: allUnits, q: '闸阀', sort: 'age', order: 'desc', page: 1, size: 20 }],
    ['text: full-width and case folded', () => luo, { q: 'ａbC' }, { units: t1Units, q: 'abc', sort: 'age', order: 'desc', page: 1, size: 20 }],
    ['text: in the fix note', () => admin, { q: '已整改', state: 'closed' }, { units: allUnits, q: '已整改', states: ['closed'], sort: 'age', order: 'desc', page: 1, size: 20 }],
    ['category by code', () => admin, { category: 'A5' }, { units: allUnits, category: '环境治理', sort: 'age', order: 'desc', page: 1, size: 20 }],
    ['category by alias', () => admin, { category: '人居环境' }, { units: allUnits, category: '环境治理', sort: 'age', order: 'desc', page: 1, size: 20 }],
  ])('%s', async (_, who, query, want) => {
    const got = await table(who(), query);
    const exp = await expected(want);
    expect({ total: got.total, ids: got.rows.map((r) => r.id) }).toEqual(exp);
    expect(got).toMatchObject({ page: want.page, size: want.size });
  });

  it('finds what the searches above are about (they are not all empty)', async () => {
    expect((await table(admin, { q: '闸阀' })).rows.map((r) => r.description)).toEqual(['閘閥老化漏水']);
    expect((await table(admin, { q: 'abc' })).total).toBe(1);
    expect((await table(admin, { category: 'A5' })).total).toBe(2);
    expect((await table(luo, { overdue: '1', period: '本季度' })).total).toBeGreaterThan(0);
  });

  it('searches an issue number, a unit or town, a person’s name, as well as the text', async () => {
    const all = await everyIssue();
    const mine = all.find((i) => t1Units.includes(i.unitId))!;
    const other = all.find((i) => !t1Units.includes(i.unitId))!;
    for (const q of [`#${mine.id}`, String(mine.id), `＃${mine.id}`]) expect([q, (await table(luo, { q })).rows.map((r) => r.id)]).toEqual([q, [mine.id]]);
    // Another area's issue is not found by its number.
    expect((await table(luo, { q: `#${other.id}` })).total).toBe(0);
    expect((await table(admin, { q: `#${other.id}` })).rows.map((r) => r.id)).toEqual([other.id]);

    const ids = (pred: (i: Issue) => boolean) => all.filter(pred).map((i) => i.id).sort((a, b) => b - a);
    const found = async (c: ApiClient, q: string) => (await table(c, { q, size: 100, sort: 'age', order: 'desc' })).rows.map((r) => r.id).sort((a, b) => b - a);
    const banzhu = ids((i) => i.unitId === 'banzhu' || i.description.includes('斑竹村'));
    expect(banzhu.length).toBeGreaterThan(3);
    expect(await found(admin, '斑竹村')).toEqual(banzhu.slice(0, 100));
    expect(await found(admin, '福禄镇斑竹')).toEqual(banzhu.slice(0, 100));
    const chen = ids((i) => i.assignee === 'u_sec_banzhu');
    expect(chen.length).toBeGreaterThan(3);
    expect(await found(admin, '陈晓燕')).toEqual(chen.slice(0, 100));
    expect(await found(luo, '陈书记')).toEqual(chen.slice(0, 100));
    // A town's name finds its units' issues, within what the person sees.
    const qitang = (await table(admin, { q: '七塘镇', size: 5 })).total;
    expect(qitang).toBe(all.filter((i) => org.unit(i.unitId)!.town === '七塘镇').length);
    expect((await table(luo, { q: '七塘镇' })).total).toBe(0);
  });

  it('gives a row the fields the page shows, user text verbatim', async () => {
    const { rows } = await table(admin, { q: '未更新' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ description: XSS, unit: '斑竹村', town: '福禄镇', teams: ['第一工作队'], category: '环境治理', state: 'assigned', stateLabel: '整改中', warning: 'green', assignee: '陈晓燕' });
    const raw = await (await admin.get(`/api/issues?${qs({ q: '未更新' })}`)).text();
    expect(raw).toContain(JSON.stringify(XSS).slice(1, -1));
  });

  it('says a row is overdue from the minute its deadline passes, and whether its deadline has a time', async () => {
    clock.set('2026-06-15T08:00:00+08:00');
    const reply = await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 龙井村 宣传栏破损 期限:6月15日09:30');
    clock.set(NOW);
    const id = Number(/#(\d+)/u.exec(reply)![1]);
    const [row] = (await table(luo, { q: `#${id}` })).rows;
    expect(row).toMatchObject({ id, state: 'assigned', warning: 'red', overdue: true, overdueDays: 0, deadlineHasTime: true, deadline: Date.parse('2026-06-15T09:30:00+08:00') });
    // The 逾期 filter lists it, as the 逾期 figure counts it.
    expect((await table(luo, { overdue: '1', size: 100 })).rows.map((r) => r.id)).toContain(id);
    const { rows } = await table(admin, { q: '未更新' });
    expect(rows[0]).toMatchObject({ deadlineHasTime: false });
    expect(rows[0]!.overdue).toBeUndefined();
  });

  it('sends a large answer gzip-encoded when the browser asks, with the security headers, and a small one as it is', async () => {
    const path = `/api/issues?${qs({ size: 100 })}`;
    const plain = await (await admin.get(path)).text();
    expect(plain.length).toBeGreaterThan(10_000);
    const res = await rawGet(`${t.baseUrl}${path}`, { cookie: admin.cookie, 'accept-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('gzip');
    expect(res.headers.vary).toMatch(/accept-encoding/iu);
    expect(res.body.length).toBeLessThan(plain.length / 3);
    expect(gunzipSync(res.body).toString('utf8')).toBe(plain);
    expect(res.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    // Not asked: as it is.
    const asIs = await rawGet(`${t.baseUrl}${path}`, { cookie: admin.cookie });
    expect([asIs.headers['content-encoding'], asIs.body.toString('utf8')]).toEqual([undefined, plain]);
    // Under 1 KB (an empty page): not worth it.
    const small = await rawGet(`${t.baseUrl}/api/issues?${qs({ q: '没有这样的问题' })}`, { cookie: admin.cookie, 'accept-encoding': 'gzip' });
    expect([small.status, small.headers['content-encoding']]).toEqual([200, undefined]);
  });

  it('sees a report made in the chat at once, and its fix', async () => {
    const before = await table(luo, { order: 'desc' });
    const reply = await say(t, 'u_t1_m2', 'CHAT_T1', '/上报 龙井村 路灯不亮 期限:7天');
    const id = Number(/#(\d+)/u.exec(reply)![1]);
    const after = await table(luo, { order: 'desc' });
    expect(after.total).toBe(before.total + 1);
    expect(after.rows[0]).toMatchObject({ id, description: '路灯不亮', state: 'assigned' });
    expect(await say(t, 'u_sec_longjing', 'CHAT_T1', `/整改 #${id} 已更换灯具`)).toContain('待核验');
    const fixed = await table(luo, { q: '更换灯具' });
    expect(fixed.rows.map((r) => [r.id, r.state])).toEqual([[id, 'submitted']]);
    expect((await table(luo, { state: 'submitted', q: '路灯不亮' })).total).toBe(1);
  });

  it('keeps its orders through many changes after it was built', async () => {
    expect((await table(admin, {})).total).toBeGreaterThan(0); // built by now
    const units = org.units.filter((u) => u.town === '七塘镇' && u.secretary);
    // New issues (inserted) and fixes and 销号 of some (moved in no order, changed in state).
    await generateLedger(store, org, { found: 80, closed: 50, units, days: 30, now });
    for (const sort of ['deadline', 'age'] as const) {
      for (const order of ['asc', 'desc'] as const) {
        const got = await table(admin, { sort, order, size: 100, page: 2, state: 'assigned' });
        expect({ total: got.total, ids: got.rows.map((r) => r.id) }).toEqual(await expected({ units: allUnits, states: ['assigned'], sort, order, page: 2, size: 100 }));
      }
    }
  });

  it('refuses a leader another team’s town, unit, team and scope (403), and bad queries (400)', async () => {
    for (const q of [{ town: '七塘镇' }, { unit: 'xiguan' }, { unit: '喜观村' }, { team: 't2' }, { scope: '七塘镇' }, { scope: '全区' }]) {
      const res = await luo.json<{ error: string; message: string }>(`/api/issues?${qs(q)}`);
      expect([q, res.status, res.body.error]).toEqual([q, 403, 'outside-scope']);
    }
    for (const q of [{ sort: 'name' }, { size: '1000' }, { state: 'done' }, { page: '0' }, { overdue: 'yes' }, { period: '明年吧' }, { from: '2026-05', to: '2026-01' }, { from: '2026-13' }]) {
      const res = await admin.json<{ error: string; message: string }>(`/api/issues?${qs(q)}`);
      expect([q, res.status]).toEqual([q, 400]);
      expect(res.body.message).toMatch(/[\u4e00-\u9fff]/u);
      // Shown on the page as it is: in people's words, no query syntax.
      expect(res.body.message).not.toMatch(/[?=&]|\d{4}-\d{2}/u);
    }
  });
});

describe('a team defined by unit kind (the enterprises t6, the schools and hospitals t7)', () => {
  it.each(['u_t6_m1', 'u_t7_m2'])('%s: every scope and filter /api/me offers answers 200 on figures, charts and issues', async (user) => {
    const c = await signIn(t, user);
    const me = (await c.json<MeResponse>('/api/me')).body;
    const visible = visibleUnits(org, user);
    // Their units lie in several towns, no town whole: no town is a scope, every such town a filter.
    expect(me.choices.scopeTowns).toEqual([]);
    expect(me.choices.towns).toEqual([...new Set(org.units.filter((u) => visible.has(u.id)).map((u) => u.town))]);
    expect(me.choices.towns.length).toBeGreaterThan(1);
    // What the page's scope picker offers (web/src/main.ts offerScopes), as it sends them.
    const scopes = ['', ...me.choices.teams.map((x) => x.name), ...me.choices.scopeTowns, ...me.choices.units.map((u) => `${u.town}${u.name}`)];
    for (const scope of scopes) {
      for (const p of ['/api/figures', '/api/charts', '/api/issues']) {
        const res = await c.get(`${p}?${qs({ scope: scope || undefined })}`);
        expect([p, scope, res.status]).toEqual([p, scope, 200]);
      }
    }
    // What the table's filters offer: 镇街 keeps the rows of the units they see there.
    for (const town of me.choices.towns) {
      const got = await table(c, { town, size: 100 });
      const units = org.units.filter((u) => u.town === town && visible.has(u.id)).map((u) => u.id);
      expect({ total: got.total, ids: got.rows.map((r) => r.id) }).toEqual(await expected({ units, sort: 'age', order: 'desc', page: 1, size: 100 }));
    }
    for (const team of me.choices.teams) await table(c, { team: team.id });
    for (const unit of me.choices.units) await table(c, { unit: unit.id });
    // A town with none of their units is still refused, as a town they may not see whole is as a scope.
    const outside = [...new Set(org.units.map((u) => u.town))].find((x) => !me.choices.towns.includes(x))!;
    for (const q of [{ town: outside }, { scope: me.choices.towns[0]! }]) {
      const res = await c.json<{ error: string }>(`/api/issues?${qs(q)}`);
      expect([q, res.status, res.body.error]).toEqual([q, 403, 'outside-scope']);
    }
  });

  it('finds rows in a town they see only part of (the filter is not empty for nothing)', async () => {
    const c = await signIn(t, 'u_t7_m2');
    const got = await table(c, { town: '福禄镇', size: 100 });
    expect(got.total).toBeGreaterThan(0);
    expect(new Set(got.rows.map((r) => r.unit))).toEqual(new Set(['福禄镇中心小学']));
  });
});

describe('the table index (LedgerTable)', () => {
  const keys = () => createKeys(t.prefix);
  const spec = (unitIds: string[]): TableSpec => ({ unitIds: new Set(unitIds), filter: {}, sort: 'age', order: 'desc', offset: 0, limit: 1000, now });

  it('reads again the issues of a refresh whose pipeline failed: the next query sees the change', async () => {
    const index = new LedgerTable(t.redis, keys(), { unitIds: () => allUnits });
    const before = await index.query(spec(['lianhua']));
    // A new issue straight in the ledger (no chat, so no worker reads it meanwhile).
    await generateLedger(store, org, { found: 1, closed: 0, units: [org.unit('lianhua')!], days: 1, now });
    const id = Number(await t.redis.get(keys().issueSeq));
    const key = keys().issue(id);
    // For one refresh the issue's key holds a string: its HMGET in the pipeline fails (WRONGTYPE).
    await t.redis.rename(key, `${key}:aside`);
    await t.redis.set(key, 'not a hash');
    try {
      await expect(index.query(spec(['lianhua']))).rejects.toThrow(/WRONGTYPE/u);
    } finally {
      await t.redis.del(key);
      await t.redis.rename(`${key}:aside`, key);
    }
    const after = await index.query(spec(['lianhua']));
    expect(after.total).toBe(before.total + 1);
    expect(after.ids[0]).toBe(id);
  });

  it('scans the issues of a unit the org gains after the build (/重新加载), once', async () => {
    let units = allUnits.filter((u) => u !== 'lianhua');
    const index = new LedgerTable(t.redis, keys(), { unitIds: () => units });
    expect((await index.query(spec(['lianhua']))).total).toBe(0);
    units = allUnits;
    const fresh = new LedgerTable(t.redis, keys(), { unitIds: () => allUnits });
    const expected = await fresh.query(spec(['lianhua']));
    expect(expected.total).toBeGreaterThan(0);
    expect(await index.query(spec(['lianhua']))).toEqual(expected);
    // Put in order, and not twice.
    expect(await index.query(spec(allUnits))).toEqual(await fresh.query(spec(allUnits)));
  });

  it('shares the queued refresh with a caller arriving as a failed build ends, then builds once', async () => {
    let calls = 0;
    const index = new LedgerTable(t.redis, keys(), {
      unitIds: () => {
        if (calls++ === 0) throw new Error('org file not read yet');
        return allUnits;
      },
    });
    const first = index.fresh();
    const second = index.fresh();
    // A reaction on the failed build itself runs before the queued refresh starts: a caller there.
    let third: Promise<void> | undefined;
    const late = () => {
      third = index.fresh();
    };
    first.then(late, late);
    await expect(first).rejects.toThrow('org file not read yet');
    await second;
    expect(third).toBe(second);
    await third;
    // One build after the failed one, not two at once.
    expect(calls).toBe(2);
    const all = index.page({ ...spec(allUnits), limit: 1_000_000 });
    expect(new Set(all.ids).size).toBe(all.total);
    expect(all.total).toBe((await everyIssue()).length);
  });
});
