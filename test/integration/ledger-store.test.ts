import type { Redis } from 'ioredis';
import { actorFor } from '../../src/domain/actor';
import { ISSUE_STATES, type Evidence, type Issue, type IssueState } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Action, type NewIssueInput, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import { bucketsOf, COUNTERS, emptyCounts, type Counter } from '../../src/domain/stats';
import { DAY_MS, monthKey } from '../../src/domain/time';
import { encodeIssue } from '../../src/store/issue-codec';
import { createKeys, type Keys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { demoOrg } from '../support/app';
import { keysWithPrefix, testPrefix, testRedis } from '../support/redis';

/**
 * The ledger store on the real test Redis, through the same Lua script the bot uses. Each test
 * has its own key prefix, so every key it finds is one it wrote.
 */

const org = demoOrg();
const HOUR = 3_600_000;
/** A Monday morning in Shanghai (April 2026); the month bucket is 202604. */
const T0 = Date.parse('2026-04-27T09:00:00+08:00');

const MEMBER_T1 = 'u_t1_m2';
const MEMBER2_T1 = 'u_t1_m3';
const LEADER_T1 = 'u_luo';
const LEADER_T2 = 'u_t2_m1';
const ADMIN = 'u_admin';

let redis: Redis;
let prefix: string;
let keys: Keys;
let store: LedgerStore;

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  prefix = testPrefix();
  keys = createKeys(prefix);
  store = new LedgerStore(redis, keys);
});

function must(r: Outcome | Refusal): Outcome {
  if (isRefusal(r)) throw new Error(`refused: ${JSON.stringify(r)}`);
  return r;
}

/** Creates and commits an issue as `who` at `at`; the unit's secretary is assigned unless `assignee: undefined` is given. */
async function report(unitId: string, at: number, over: Partial<NewIssueInput> = {}, who = reporterFor(unitId)): Promise<Issue> {
  const unit = org.unit(unitId)!;
  const id = await store.nextId();
  const input: NewIssueInput = {
    id,
    unitId,
    teamIds: org.teamsCovering(unitId).map((t) => t.id),
    description: `${unit.name}的问题 ${id}`,
    homeChat: 'CHAT_T1',
    deadline: at + 7 * DAY_MS,
    evidence: [],
    ...(unit.secretary ? { assignee: unit.secretary } : {}),
    ...over,
  };
  const out = must(createIssue(input, actorFor(org, who, unitId), at));
  expect(await store.commit(undefined, out, who, at)).toBe(true);
  return out.issue;
}

function reporterFor(unitId: string): string {
  return org.teamsCovering(unitId)[0]?.members.find((m) => m !== org.unit(unitId)?.secretary) ?? ADMIN;
}

/** Applies an action to the stored issue and commits it; returns the new issue. */
async function act(issue: Issue, action: Action, who: string, at: number): Promise<Issue> {
  const before = (await store.get(issue.id))!;
  const out = must(apply(before, action, actorFor(org, who, before.unitId), at));
  expect(await store.commit(before, out, who, at)).toBe(true);
  return out.issue;
}

type KeyContent =
  | { type: 'hash'; value: Record<string, string> }
  | { type: 'zset'; value: string[] }
  | { type: 'stream'; length: number; entries: [string, string[]][] }
  | { type: 'string'; value: string | null }
  | { type: string };

/** Every key under the prefix with its full content (streams with their length and entries). */
async function snapshot(): Promise<Record<string, KeyContent>> {
  const out: Record<string, KeyContent> = {};
  for (const key of await keysWithPrefix(redis, prefix)) {
    const type = await redis.type(key);
    if (type === 'hash') out[key] = { type, value: await redis.hgetall(key) };
    else if (type === 'zset') out[key] = { type, value: await redis.zrange(key, 0, '-1', 'WITHSCORES') };
    else if (type === 'stream') out[key] = { type, length: await redis.xlen(key), entries: await redis.xrange(key, '-', '+') };
    else if (type === 'string') out[key] = { type, value: await redis.get(key) };
    else out[key] = { type };
  }
  return out;
}

/** A stream's entries as field maps. */
async function streamFields(key: string): Promise<Record<string, string>[]> {
  return (await redis.xrange(key, '-', '+')).map(([, f]) => {
    const m: Record<string, string> = {};
    for (let i = 0; i + 1 < f.length; i += 2) m[f[i]!] = f[i + 1]!;
    return m;
  });
}

const ids = (issues: readonly Issue[]) => issues.map((i) => i.id);

describe('commit', () => {
  it('writes exactly the keys of a new issue, with their contents', async () => {
    const issue = await report('banzhu', T0, { description: '闸阀老化漏水' }, MEMBER_T1);
    const p = createKeys(prefix).ledgerPrefix;
    expect(await keysWithPrefix(redis, prefix)).toEqual(
      [
        `${p}audit`,
        `${p}audit:1`,
        `${p}deadlines`,
        `${p}deadlines:banzhu`,
        `${p}deadlines:banzhu:202604`,
        `${p}idx:assignee:u_sec_banzhu`,
        `${p}idx:state:assigned`,
        `${p}idx:team:t1`,
        `${p}idx:unit:banzhu`,
        `${p}idx:unit:banzhu:assigned`,
        `${p}issue:1`,
        `${p}issue:seq`,
        `${p}score:epoch:banzhu`,
        `${p}stats:banzhu`,
      ].sort(),
    );
    expect(await redis.hgetall(`${p}issue:1`)).toEqual(Object.fromEntries(encodeIssue(issue).set));
    expect(await redis.hgetall(`${p}issue:1`)).toMatchObject({ id: '1', version: '1', state: 'assigned', assignee: 'u_sec_banzhu', description: '闸阀老化漏水' });
    // The lists as at 上报 are in the hash; the history key appears with the first later entry.
    expect(await redis.hget(`${p}issue:1`, 'deadlineChanges')).toBe(JSON.stringify([{ from: null, to: T0 + 7 * DAY_MS, reason: '上报', by: MEMBER_T1, at: T0 }]));
    for (const k of ['idx:state:assigned', 'idx:team:t1', 'idx:unit:banzhu', 'idx:unit:banzhu:assigned', 'idx:assignee:u_sec_banzhu']) {
      expect(await redis.zrange(`${p}${k}`, 0, '-1', 'WITHSCORES')).toEqual(['1', '1']);
    }
    const deadline = String(T0 + 7 * DAY_MS);
    expect(await redis.zrange(`${p}deadlines`, 0, '-1', 'WITHSCORES')).toEqual(['1', deadline]);
    expect(await redis.zrange(`${p}deadlines:banzhu`, 0, '-1', 'WITHSCORES')).toEqual(['202604:1', deadline]);
    expect(await redis.hgetall(`${p}stats:banzhu`)).toEqual({
      'all:found': '1', '202604:found': '1', '2026:found': '1', '2026Q2:found': '1',
      'all:assigned': '1', '202604:assigned': '1', '2026:assigned': '1', '2026Q2:assigned': '1',
    });
    // The score cache's change counter of the unit's discovery month.
    expect(await redis.hgetall(`${p}score:epoch:banzhu`)).toEqual({ '202604': '1' });
    expect(await redis.get(`${p}issue:seq`)).toBe('1');
    const entry = { issue: '1', actor: MEMBER_T1, at: String(T0), action: 'report', from: '', to: 'assigned', version: '1', note: '闸阀老化漏水' };
    expect(await streamFields(`${p}audit`)).toEqual([entry]);
    expect((await redis.lrange(`${p}audit:1`, 0, -1)).map((e) => JSON.parse(e) as unknown)).toEqual([
      { actor: MEMBER_T1, at: T0, action: 'report', from: null, to: 'assigned', version: 1, note: '闸阀老化漏水' },
    ]);
    expect(await redis.zrange(`${p}deadlines:banzhu:202604`, 0, '-1', 'WITHSCORES')).toEqual(['1', deadline]);
  });

  it('moves the indexes on a change and leaves no empty index behind', async () => {
    const issue = await report('banzhu', T0);
    await act(issue, { type: 'fix', note: '已更换', evidence: [] }, 'u_sec_banzhu', T0 + HOUR);
    const p = createKeys(prefix).ledgerPrefix;
    const found = await keysWithPrefix(redis, prefix);
    expect(found).toContain(`${p}idx:state:submitted`);
    expect(found).toContain(`${p}idx:unit:banzhu:submitted`);
    for (const gone of ['idx:state:assigned', 'idx:unit:banzhu:assigned', 'idx:assignee:u_sec_banzhu', 'deadlines', 'deadlines:banzhu', 'deadlines:banzhu:202604']) {
      expect(found).not.toContain(`${p}${gone}`);
    }
    expect(await redis.hgetall(`${p}stats:banzhu`)).toEqual({
      'all:found': '1', '202604:found': '1', '2026:found': '1', '2026Q2:found': '1',
      'all:assigned': '0', '202604:assigned': '0', '2026:assigned': '0', '2026Q2:assigned': '0',
      'all:submitted': '1', '202604:submitted': '1', '2026:submitted': '1', '2026Q2:submitted': '1',
    });
    expect(await redis.xlen(`${p}audit`)).toBe(2);
  });

  it('refuses a stale version and writes nothing at all', async () => {
    const issue = await report('banzhu', T0);
    // Two members read version 1; the first one's fix lands.
    const readByA = (await store.get(issue.id))!;
    const readByB = (await store.get(issue.id))!;
    const fixed = must(apply(readByA, { type: 'fix', note: '已更换', evidence: [] }, actorFor(org, 'u_sec_banzhu', 'banzhu'), T0 + HOUR));
    expect(await store.commit(readByA, fixed, 'u_sec_banzhu', T0 + HOUR)).toBe(true);

    const before = await snapshot();
    expect(Object.keys(before)).toHaveLength(10);
    const canceled = must(apply(readByB, { type: 'cancel', reason: '重复' }, actorFor(org, ADMIN, 'banzhu'), T0 + 2 * HOUR));
    expect(await store.commit(readByB, canceled, ADMIN, T0 + 2 * HOUR)).toBe(false);
    expect(await snapshot()).toEqual(before);
    expect(await store.get(issue.id)).toMatchObject({ state: 'submitted', version: 2 });
    expect((before[createKeys(prefix).auditAll] as { length: number }).length).toBe(2);
  });

  it('refuses to create an issue over an existing id and writes nothing', async () => {
    const first = await report('banzhu', T0);
    const before = await snapshot();
    const again = must(
      createIssue(
        { id: first.id, unitId: 'xiguan', teamIds: ['t2'], description: '另一个问题', homeChat: 'CHAT_T2', assignee: 'u_sec_xiguan', deadline: T0 + DAY_MS, evidence: [] },
        actorFor(org, LEADER_T2, 'xiguan'),
        T0,
      ),
    );
    expect(await store.commit(undefined, again, LEADER_T2, T0)).toBe(false);
    expect(await snapshot()).toEqual(before);
  });

  it('reads back what it wrote, with evidence', async () => {
    const evidence: Evidence[] = [{ kind: 'image', msgid: 'm1', index: 0, at: T0 + HOUR }];
    const issue = await report('banzhu', T0, { category: '基础设施', source: '群众反映' });
    const fixed = await act(issue, { type: 'fix', note: '已更换', evidence }, 'u_sec_banzhu', T0 + HOUR);
    expect(await store.get(issue.id)).toEqual(fixed);
    expect(await store.getMany([issue.id, issue.id])).toEqual([fixed, fixed]);
    expect(await store.get(9999)).toBeUndefined();
    expect(await store.getMany([])).toEqual([]);
  });
});

describe('history', () => {
  it('returns the audit entries in order, with notes and evidence counts', async () => {
    const photos: Evidence[] = [
      { kind: 'image', msgid: 'm1', index: 0, at: T0 + HOUR },
      { kind: 'image', msgid: 'm1', index: 1, at: T0 + HOUR },
    ];
    const issue = await report('banzhu', T0, { description: '闸阀漏水' }, MEMBER_T1);
    await act(issue, { type: 'fix', note: '已更换', evidence: photos }, 'u_sec_banzhu', T0 + HOUR);
    await act(issue, { type: 'reject', reason: '照片看不清' }, MEMBER2_T1, T0 + 2 * HOUR);
    await act(issue, { type: 'fix', note: '补拍照片', evidence: [] }, 'u_sec_banzhu', T0 + 3 * HOUR);
    await act(issue, { type: 'verify' }, LEADER_T1, T0 + 4 * HOUR);
    // Another issue's entries do not leak into this history.
    await report('shiyan', T0 + 5 * HOUR);

    expect(await store.history(issue.id)).toEqual([
      { issueId: 1, actor: MEMBER_T1, at: T0, action: 'report', from: null, to: 'assigned', version: 1, note: '闸阀漏水', evidenceCount: 0 },
      { issueId: 1, actor: 'u_sec_banzhu', at: T0 + HOUR, action: 'fix', from: 'assigned', to: 'submitted', version: 2, note: '已更换', evidenceCount: 2 },
      { issueId: 1, actor: MEMBER2_T1, at: T0 + 2 * HOUR, action: 'reject', from: 'submitted', to: 'assigned', version: 3, note: '照片看不清', evidenceCount: 0 },
      { issueId: 1, actor: 'u_sec_banzhu', at: T0 + 3 * HOUR, action: 'fix', from: 'assigned', to: 'submitted', version: 4, note: '补拍照片', evidenceCount: 0 },
      { issueId: 1, actor: LEADER_T1, at: T0 + 4 * HOUR, action: 'verify', from: 'submitted', to: 'closed', version: 5, evidenceCount: 0 },
    ]);
    expect(await store.history(2)).toHaveLength(1);
    expect(await store.history(404)).toEqual([]);
    expect(await redis.xlen(keys.auditAll)).toBe(6);
  });
});

describe('list', () => {
  /**
   * banzhu: #1 assigned, #2 submitted, #3 closed, #4 assigned
   * shiyan: #5 assigned, #6 reported
   * xiguan: #7 assigned (another team)
   */
  async function seed(): Promise<void> {
    const i1 = await report('banzhu', T0);
    const i2 = await report('banzhu', T0 + HOUR);
    const i3 = await report('banzhu', T0 + 2 * HOUR);
    await report('banzhu', T0 + 3 * HOUR);
    await report('shiyan', T0 + 4 * HOUR);
    await report('shiyan', T0 + 5 * HOUR, { assignee: undefined });
    await report('xiguan', T0 + 6 * HOUR);
    await act(i2, { type: 'fix', note: '已整改', evidence: [] }, 'u_sec_banzhu', T0 + DAY_MS);
    await act(i3, { type: 'fix', note: '已整改', evidence: [] }, 'u_sec_banzhu', T0 + DAY_MS);
    await act(i3, { type: 'verify' }, MEMBER_T1, T0 + 2 * DAY_MS);
    expect(i1.id).toBe(1);
  }

  it('pages newest first across units and states, with the total', async () => {
    await seed();
    const units = ['banzhu', 'shiyan'];
    const open: IssueState[] = ['reported', 'assigned', 'submitted'];
    const p1 = await store.list(units, open, 0, 2);
    expect(p1.total).toBe(5);
    expect(ids(p1.issues)).toEqual([6, 5]);
    const p2 = await store.list(units, open, 2, 2);
    expect(p2.total).toBe(5);
    expect(ids(p2.issues)).toEqual([4, 2]);
    const p3 = await store.list(units, open, 4, 2);
    expect(ids(p3.issues)).toEqual([1]);
    expect((await store.list(units, open, 6, 2)).issues).toEqual([]);
    // Whole issues come back, in their current state.
    expect(p2.issues.map((i) => [i.unitId, i.state])).toEqual([
      ['banzhu', 'assigned'],
      ['banzhu', 'submitted'],
    ]);
  });

  it('filters by state and unit', async () => {
    await seed();
    expect(ids((await store.list(['banzhu', 'shiyan', 'xiguan'], ['assigned'], 0, 10)).issues)).toEqual([7, 5, 4, 1]);
    expect(ids((await store.list(['banzhu'], ['closed', 'revisited'], 0, 10)).issues)).toEqual([3]);
    expect(await store.list(['xiguan'], ['submitted'], 0, 10)).toEqual({ total: 0, issues: [] });
    expect(await store.list([], ['assigned'], 0, 10)).toEqual({ total: 0, issues: [] });
  });

  it('lists what waits on a person (整改中 and assigned to them)', async () => {
    await seed();
    const mine = await store.assignedTo('u_sec_banzhu', 0, 10);
    expect(mine.total).toBe(2);
    expect(ids(mine.issues)).toEqual([4, 1]);
    expect(await store.assignedTo('u_sec_xiguan', 0, 10)).toMatchObject({ total: 1, issues: [{ id: 7 }] });
    expect(await store.assignedTo(MEMBER_T1, 0, 10)).toEqual({ total: 0, issues: [] });
  });
});

describe('overdue', () => {
  const APRIL = Date.parse('2026-04-10T10:00:00+08:00');
  const MAY = Date.parse('2026-05-06T10:00:00+08:00');
  const NOW = Date.parse('2026-05-20T12:00:00+08:00');

  /**
   * banzhu: #1 (Apr, due Apr 15), #2 (May, due May 10), #3 (May, due May 30, not yet), #4 (Apr, due Apr 12, but fixed)
   * shiyan: #5 (Apr, due Apr 20), #6 (May, due exactly NOW: not overdue)
   * xiguan: #7 (May, due May 8)
   */
  async function seed(): Promise<void> {
    await report('banzhu', APRIL, { deadline: Date.parse('2026-04-15T23:59:59+08:00') });
    await report('banzhu', MAY, { deadline: Date.parse('2026-05-10T23:59:59+08:00') });
    await report('banzhu', MAY + HOUR, { deadline: Date.parse('2026-05-30T23:59:59+08:00') });
    const fixed = await report('banzhu', APRIL + HOUR, { deadline: Date.parse('2026-04-12T23:59:59+08:00') });
    await act(fixed, { type: 'fix', note: '已整改', evidence: [] }, 'u_sec_banzhu', APRIL + 2 * HOUR);
    await report('shiyan', APRIL + 2 * HOUR, { deadline: Date.parse('2026-04-20T23:59:59+08:00') });
    await report('shiyan', MAY + 2 * HOUR, { deadline: NOW });
    await report('xiguan', MAY + 3 * HOUR, { deadline: Date.parse('2026-05-08T23:59:59+08:00') });
  }

  it('counts per unit and lists the oldest first', async () => {
    await seed();
    const od = await store.overdue(['banzhu', 'shiyan', 'xiguan'], NOW, undefined, 10);
    expect(od.total).toBe(4);
    expect([...od.perUnit]).toEqual([
      ['banzhu', 2],
      ['shiyan', 1],
      ['xiguan', 1],
    ]);
    expect(od.oldest).toEqual([
      { id: 1, deadline: Date.parse('2026-04-15T23:59:59+08:00') },
      { id: 5, deadline: Date.parse('2026-04-20T23:59:59+08:00') },
      { id: 7, deadline: Date.parse('2026-05-08T23:59:59+08:00') },
      { id: 2, deadline: Date.parse('2026-05-10T23:59:59+08:00') },
    ]);
  });

  it('keeps the counts whole but the list to the oldest few', async () => {
    await seed();
    const od = await store.overdue(['banzhu', 'shiyan', 'xiguan'], NOW, undefined, 2);
    expect(od.total).toBe(4);
    expect(od.perUnit.get('banzhu')).toBe(2);
    expect(od.oldest.map((o) => o.id)).toEqual([1, 5]);
  });

  it('filters by discovery month', async () => {
    await seed();
    const may = await store.overdue(['banzhu', 'shiyan', 'xiguan'], NOW, ['202605'], 10);
    expect(may.total).toBe(2);
    expect([...may.perUnit]).toEqual([
      ['banzhu', 1],
      ['shiyan', 0],
      ['xiguan', 1],
    ]);
    expect(may.oldest.map((o) => o.id)).toEqual([7, 2]);

    const april = await store.overdue(['banzhu', 'shiyan'], NOW, ['202604'], 1);
    expect(april.total).toBe(2);
    expect([...april.perUnit]).toEqual([
      ['banzhu', 1],
      ['shiyan', 1],
    ]);
    expect(april.oldest.map((o) => o.id)).toEqual([1]);

    expect((await store.overdue(['banzhu'], NOW, ['202603'], 10)).total).toBe(0);
  });

  it('counts an issue overdue only after its deadline has passed', async () => {
    await seed();
    expect((await store.overdue(['shiyan'], NOW, undefined, 10)).perUnit.get('shiyan')).toBe(1);
    expect((await store.overdue(['shiyan'], NOW + 1, undefined, 10)).perUnit.get('shiyan')).toBe(2);
  });

  it('answers nothing for no units', async () => {
    expect(await store.overdue([], NOW, undefined, 5)).toEqual({ total: 0, perUnit: new Map(), oldest: [] });
  });
});

describe('unitCounts', () => {
  it('sums the buckets asked for, per unit', async () => {
    const april = Date.parse('2026-04-30T23:30:00+08:00'); // still April in Shanghai
    const may = Date.parse('2026-05-01T00:30:00+08:00'); // May in Shanghai, April in UTC
    const a = await report('banzhu', april);
    await report('banzhu', may);
    await report('banzhu', may + HOUR, { assignee: undefined });
    await act(a, { type: 'fix', note: '已整改', evidence: [] }, 'u_sec_banzhu', may + 2 * HOUR);
    await act(a, { type: 'verify' }, MEMBER_T1, may + 3 * HOUR);
    await report('shiyan', may);

    const counts = await store.unitCounts(['banzhu', 'shiyan', 'longjing'], ['202604', '202605']);
    expect(counts.get('banzhu')).toEqual({ ...emptyCounts(), found: 3, assigned: 1, reported: 1, closed: 1, ontime: 1, closeMs: may + 3 * HOUR - april });
    expect(counts.get('shiyan')).toEqual({ ...emptyCounts(), found: 1, assigned: 1 });
    expect(counts.get('longjing')).toEqual(emptyCounts());
    expect((await store.unitCounts(['banzhu'], ['all'])).get('banzhu')).toEqual(counts.get('banzhu'));
    expect((await store.unitCounts(['banzhu'], ['202604'])).get('banzhu')).toEqual({ ...emptyCounts(), found: 1, closed: 1, ontime: 1, closeMs: may + 3 * HOUR - april });
    expect((await store.unitCounts(['banzhu'], ['202605'])).get('banzhu')).toEqual({ ...emptyCounts(), found: 2, assigned: 1, reported: 1 });
    expect(await store.unitCounts([], ['all'])).toEqual(new Map());
    expect(await store.unitCounts(['banzhu'], [])).toEqual(new Map());
  });
});

describe('no drift', () => {
  /** The counters recomputed from scratch from the final issues, as docs/design.md §4.10 defines the figures. */
  function recompute(issues: readonly Issue[]): Map<string, Record<string, number>> {
    const out = new Map<string, Record<string, number>>();
    const add = (unit: string, bucket: string, counter: Counter, n: number) => {
      if (!n) return;
      const h = out.get(unit) ?? {};
      h[`${bucket}:${counter}`] = (h[`${bucket}:${counter}`] ?? 0) + n;
      out.set(unit, h);
    };
    for (const i of issues) {
      for (const bucket of bucketsOf(i.createdAt)) {
        add(i.unitId, bucket, i.state, 1);
        if (i.state !== 'canceled') add(i.unitId, bucket, 'found', 1);
        if ((i.state === 'closed' || i.state === 'revisited') && i.closedAt !== undefined) {
          add(i.unitId, bucket, 'closeMs', i.closedAt - i.createdAt);
          if (i.closedOnTime) add(i.unitId, bucket, 'ontime', 1);
        }
        add(i.unitId, bucket, 'relapse', i.relapseCount);
      }
    }
    return out;
  }

  /** The stored stats hashes, without fields that went back to zero. */
  async function storedStats(): Promise<Map<string, Record<string, number>>> {
    const out = new Map<string, Record<string, number>>();
    for (const key of await keysWithPrefix(redis, `${createKeys(prefix).ledgerPrefix}stats:`)) {
      const h: Record<string, number> = {};
      for (const [f, v] of Object.entries(await redis.hgetall(key))) if (Number(v) !== 0) h[f] = Number(v);
      out.set(key.slice(`${createKeys(prefix).ledgerPrefix}stats:`.length), h);
    }
    return out;
  }

  it('keeps the counters and indexes equal to a recount of the final issues after a realistic history', async () => {
    const apr = Date.parse('2026-04-20T09:00:00+08:00');
    const may = Date.parse('2026-05-06T09:00:00+08:00');

    // The full loop twice, with a relapse in between: create → fix → verify → relapse → fix → verify.
    let a = await report('banzhu', apr);
    a = await act(a, { type: 'fix', note: '已更换', evidence: [] }, 'u_sec_banzhu', apr + DAY_MS);
    a = await act(a, { type: 'verify' }, MEMBER_T1, apr + 2 * DAY_MS);
    a = await act(a, { type: 'revisit', outcome: 'relapse', deadline: may + 7 * DAY_MS, note: '又漏水' }, LEADER_T1, may);
    a = await act(a, { type: 'fix', note: '已更换密封圈', evidence: [] }, 'u_sec_banzhu', may + 20 * DAY_MS); // late
    a = await act(a, { type: 'verify' }, MEMBER2_T1, may + 21 * DAY_MS);

    // Then revisited normal.
    let b = await report('shiyan', apr + HOUR);
    b = await act(b, { type: 'fix', note: '已清理', evidence: [] }, 'u_sec_shiyan', apr + 3 * DAY_MS);
    b = await act(b, { type: 'verify' }, MEMBER_T1, apr + 4 * DAY_MS);
    b = await act(b, { type: 'revisit', outcome: 'normal' }, LEADER_T1, may + 10 * DAY_MS);

    // Rejected once, reassigned, extended, still rectifying.
    let c = await report('banzhu', may + HOUR);
    c = await act(c, { type: 'fix', note: '已处理', evidence: [] }, 'u_sec_banzhu', may + DAY_MS);
    c = await act(c, { type: 'reject', reason: '照片不清' }, MEMBER_T1, may + 2 * DAY_MS);
    c = await act(c, { type: 'assign', assignee: MEMBER2_T1, deadline: may + 10 * DAY_MS }, LEADER_T1, may + 3 * DAY_MS);
    c = await act(c, { type: 'extend', to: may + 15 * DAY_MS, reason: '配件未到' }, LEADER_T1, may + 4 * DAY_MS);

    // Waiting for assignment, then assigned; and one canceled after a relapse.
    let d = await report('daxing_jx', may + 2 * HOUR, { assignee: undefined }, ADMIN);
    d = await act(d, { type: 'assign', assignee: 'u_sec_daxing_sq', deadline: may + 9 * DAY_MS }, ADMIN, may + DAY_MS);
    let e = await report('xiguan', apr + 2 * HOUR);
    e = await act(e, { type: 'fix', note: '已整改', evidence: [] }, 'u_sec_xiguan', apr + DAY_MS);
    e = await act(e, { type: 'verify' }, LEADER_T2, apr + 2 * DAY_MS);
    e = await act(e, { type: 'revisit', outcome: 'relapse', deadline: may + 30 * DAY_MS }, LEADER_T2, may + 3 * DAY_MS);
    e = await act(e, { type: 'cancel', reason: '单位已撤并' }, ADMIN, may + 4 * DAY_MS);
    const f = await report('xiguan', may + 3 * HOUR, { assignee: undefined }, LEADER_T2);
    await act(f, { type: 'cancel', reason: '重复上报' }, LEADER_T2, may + 4 * HOUR);

    const final = await store.getMany([1, 2, 3, 4, 5, 6]);
    expect(final.map((i) => [i.id, i.state, i.relapseCount])).toEqual([
      [1, 'closed', 1],
      [2, 'revisited', 0],
      [3, 'assigned', 0],
      [4, 'assigned', 0],
      [5, 'canceled', 1],
      [6, 'canceled', 0],
    ]);
    expect(final[0]).toMatchObject({ closedOnTime: false, closedAt: may + 21 * DAY_MS });
    expect([a, b, c, d, e].map((i) => i.version)).toEqual(final.slice(0, 5).map((i) => i.version));

    // Counters: what the deltas accumulated equals a recount from scratch.
    const expected = recompute(final);
    expect(await storedStats()).toEqual(expected);
    expect(expected.get('banzhu')).toMatchObject({ 'all:found': 2, 'all:closed': 1, 'all:assigned': 1, 'all:relapse': 1, '202604:closed': 1, '202605:assigned': 1 });

    // Indexes: every state set holds exactly the issues in that state, and so on.
    const members = async (key: string) => (await redis.zrange(key, 0, '-1')).map(Number).sort((x, y) => x - y);
    for (const state of ISSUE_STATES) {
      expect(await members(keys.byState(state))).toEqual(final.filter((i) => i.state === state).map((i) => i.id));
      for (const unit of ['banzhu', 'shiyan', 'xiguan', 'daxing_jx']) {
        expect(await members(keys.byUnitState(unit, state))).toEqual(final.filter((i) => i.state === state && i.unitId === unit).map((i) => i.id));
      }
    }
    const rectifying = final.filter((i) => i.state === 'assigned');
    expect(await redis.zrange(keys.deadlines, 0, '-1', 'WITHSCORES')).toEqual(
      [...rectifying].sort((x, y) => x.deadline! - y.deadline!).flatMap((i) => [String(i.id), String(i.deadline)]),
    );
    for (const unit of ['banzhu', 'shiyan', 'xiguan', 'daxing_jx']) {
      expect(await redis.zrange(keys.unitDeadlines(unit), 0, '-1')).toEqual(
        rectifying.filter((i) => i.unitId === unit).sort((x, y) => x.deadline! - y.deadline!).map((i) => `${monthKey(i.createdAt)}:${i.id}`),
      );
    }
    const assigneeKeys = await keysWithPrefix(redis, `${createKeys(prefix).ledgerPrefix}idx:assignee:`);
    expect(assigneeKeys).toEqual([keys.byAssignee(MEMBER2_T1), keys.byAssignee('u_sec_daxing_sq')].sort());
    expect(await members(keys.byAssignee(MEMBER2_T1))).toEqual([3]);

    // Every change left exactly one audit entry.
    const changes = [6, 4, 5, 2, 5, 2];
    expect(await redis.xlen(keys.auditAll)).toBe(changes.reduce((x, y) => x + y, 0));
    for (const [i, n] of changes.entries()) expect(await redis.llen(keys.audit(i + 1))).toBe(n);

    // And the summed counters the store answers with match the recount.
    const total = emptyCounts();
    for (const h of expected.values()) for (const c of COUNTERS) total[c] += h[`all:${c}`] ?? 0;
    const viaStore = await store.unitCounts(['banzhu', 'shiyan', 'xiguan', 'daxing_jx'], ['all']);
    const summed = emptyCounts();
    for (const c of viaStore.values()) for (const k of COUNTERS) summed[k] += c[k];
    expect(summed).toEqual(total);
    expect(summed).toMatchObject({ found: 4, closed: 1, revisited: 1, assigned: 2, canceled: 2, relapse: 2 });
  });
});

describe('a commit the script cannot decode', () => {
  it('fails before its first write: nothing changes', async () => {
    const issue = await report('banzhu', T0);
    const submitted = await act(issue, { type: 'fix', note: '已整改', evidence: [] }, 'u_sec_banzhu', T0 + HOUR);
    const before = await snapshot();
    // A lone surrogate is refused by Redis's JSON decoder (the pipeline makes text well-formed first).
    const out = must(apply(submitted, { type: 'reject', reason: '照片\ud800不清' }, actorFor(org, MEMBER_T1, 'banzhu'), T0 + 2 * HOUR));
    await expect(store.commit(submitted, out, MEMBER_T1, T0 + 2 * HOUR)).rejects.toThrow();
    expect(await snapshot()).toEqual(before);
  });
});
