import type { Issue } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Action, type Actor, type NewIssueInput, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import { DAY_MS } from '../../src/domain/time';
import { decodeIssue, encodeIssue, HISTORY_LISTS, type IssueWrite } from '../../src/store/issue-codec';
import { createKeys } from '../../src/store/keys';
import { ledgerOps, type Op } from '../../src/store/ledger-ops';

/**
 * ledgerOps is pure: the index and counter writes of one issue change, from the issue before and
 * after. Every case asserts the whole list, in order, so a missing or extra write shows.
 */

const keys = createKeys('d:');
const HOUR = 3_600_000;
/** 00:30 on 1 June in Shanghai is still 31 May in UTC: the month bucket must be Shanghai's, 202606. */
const T0 = Date.parse('2026-06-01T00:30:00+08:00');
const DEADLINE = T0 + 7 * DAY_MS;

const MEMBER: Actor = { userid: 'u_t1_m2', isAdmin: false, inArea: true };
const VERIFIER: Actor = { userid: 'u_luo', isAdmin: false, inArea: true };
const SECRETARY: Actor = { userid: 'u_sec_banzhu', isAdmin: false, inArea: false };

function ok(r: Outcome | Refusal): Issue {
  if (isRefusal(r)) throw new Error(`refused: ${JSON.stringify(r)}`);
  return r.issue;
}

function created(over: Partial<NewIssueInput> = {}): Issue {
  const input: NewIssueInput = {
    id: 12,
    unitId: 'banzhu',
    teamIds: ['t1'],
    description: '闸阀老化漏水',
    homeChat: 'CHAT_T1',
    assignee: 'u_sec_banzhu',
    deadline: DEADLINE,
    evidence: [],
    ...over,
  };
  return ok(createIssue(input, MEMBER, T0));
}

const step = (issue: Issue, action: Action, who: Actor, at: number) => ok(apply(issue, action, who, at));

/** A counter change in every bucket (all time, month, year, quarter), as ledgerOps writes it. */
const counter = (field: string, delta: number, unit = 'banzhu'): Op[] => [
  ['hincrby', `d:{ledger}:stats:${unit}`, `all:${field}`, delta],
  ['hincrby', `d:{ledger}:stats:${unit}`, `202606:${field}`, delta],
  ['hincrby', `d:{ledger}:stats:${unit}`, `2026:${field}`, delta],
  ['hincrby', `d:{ledger}:stats:${unit}`, `2026Q2:${field}`, delta],
];

/** The score cache's change counter of the issue's unit and discovery month: bumped by every change. */
const epoch = (unit = 'banzhu'): Op[] => [['hincrby', `d:{ledger}:score:epoch:${unit}`, '202606', 1]];

describe('ledgerOps', () => {
  it('create, assigned at once: unit, team, state, unit-state, assignee, both deadline sets, counters', () => {
    const issue = created({ teamIds: ['t1', 't7'] });
    expect(ledgerOps(keys, undefined, issue)).toEqual<Op[]>([
      ['zadd', 'd:{ledger}:idx:unit:banzhu', 12, '12'],
      ['zadd', 'd:{ledger}:idx:team:t1', 12, '12'],
      ['zadd', 'd:{ledger}:idx:team:t7', 12, '12'],
      ['zadd', 'd:{ledger}:idx:state:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:assignee:u_sec_banzhu', 12, '12'],
      ['zadd', 'd:{ledger}:deadlines', DEADLINE, '12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu', DEADLINE, '202606:12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu:202606', DEADLINE, '12'],
      ...counter('found', 1),
      ...counter('assigned', 1),
      ...epoch(),
    ]);
  });

  it('create, waiting in 待交办: no assignee index and no clock, even with a deadline', () => {
    const issue = created({ assignee: undefined, unitId: 'daxing_jx', teamIds: ['t3', 't6'] });
    expect(issue.state).toBe('reported');
    expect(ledgerOps(keys, undefined, issue)).toEqual<Op[]>([
      ['zadd', 'd:{ledger}:idx:unit:daxing_jx', 12, '12'],
      ['zadd', 'd:{ledger}:idx:team:t3', 12, '12'],
      ['zadd', 'd:{ledger}:idx:team:t6', 12, '12'],
      ['zadd', 'd:{ledger}:idx:state:reported', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:daxing_jx:reported', 12, '12'],
      ...counter('found', 1, 'daxing_jx'),
      ...counter('reported', 1, 'daxing_jx'),
      ...epoch('daxing_jx'),
    ]);
  });

  it('assign (待交办 → 整改中): state moves, assignee and clock start', () => {
    const before = created({ assignee: undefined, deadline: undefined });
    const after = step(before, { type: 'assign', assignee: 'u_sec_banzhu', deadline: DEADLINE }, MEMBER, T0 + HOUR);
    expect(ledgerOps(keys, before, after)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:reported', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:reported', '12'],
      ['zadd', 'd:{ledger}:idx:state:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:assignee:u_sec_banzhu', 12, '12'],
      ['zadd', 'd:{ledger}:deadlines', DEADLINE, '12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu', DEADLINE, '202606:12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu:202606', DEADLINE, '12'],
      ...counter('reported', -1),
      ...counter('assigned', 1),
      ...epoch(),
    ]);
  });

  it('reassign while 整改中: the assignee index moves, the deadline is rescored, no state or counter change', () => {
    const before = created();
    const later = DEADLINE + 3 * DAY_MS;
    const after = step(before, { type: 'assign', assignee: 'u_t1_m3', deadline: later }, MEMBER, T0 + HOUR);
    expect(ledgerOps(keys, before, after)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:assignee:u_sec_banzhu', '12'],
      ['zadd', 'd:{ledger}:idx:assignee:u_t1_m3', 12, '12'],
      ['zadd', 'd:{ledger}:deadlines', later, '12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu', later, '202606:12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu:202606', later, '12'],
      ...epoch(),
    ]);
  });

  it('fix (整改中 → 待核验): the clock stops and the assignee no longer waits', () => {
    const before = created();
    const after = step(before, { type: 'fix', note: '已更换', evidence: [] }, SECRETARY, T0 + DAY_MS);
    expect(ledgerOps(keys, before, after)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:assigned', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:assigned', '12'],
      ['zadd', 'd:{ledger}:idx:state:submitted', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:submitted', 12, '12'],
      ['zrem', 'd:{ledger}:idx:assignee:u_sec_banzhu', '12'],
      ['zrem', 'd:{ledger}:deadlines', '12'],
      ['zrem', 'd:{ledger}:deadlines:banzhu', '202606:12'],
      ['zrem', 'd:{ledger}:deadlines:banzhu:202606', '12'],
      ...counter('assigned', -1),
      ...counter('submitted', 1),
      ...epoch(),
    ]);
  });

  it('verify on time (待核验 → 已销号): closed, ontime and the time to close are counted', () => {
    const fixed = step(created(), { type: 'fix', note: '已更换', evidence: [] }, SECRETARY, T0 + DAY_MS);
    const closed = step(fixed, { type: 'verify' }, VERIFIER, T0 + 2 * DAY_MS);
    expect(ledgerOps(keys, fixed, closed)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:submitted', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:submitted', '12'],
      ['zadd', 'd:{ledger}:idx:state:closed', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:closed', 12, '12'],
      ...counter('submitted', -1),
      ...counter('closed', 1),
      ...counter('ontime', 1),
      ...counter('closeMs', 2 * DAY_MS),
      ...epoch(),
    ]);
  });

  it('verify of a late fix: closed without ontime', () => {
    const fixed = step(created(), { type: 'fix', note: '已更换', evidence: [] }, SECRETARY, DEADLINE + HOUR);
    const closed = step(fixed, { type: 'verify' }, VERIFIER, DEADLINE + 2 * HOUR);
    expect(closed.closedOnTime).toBe(false);
    expect(ledgerOps(keys, fixed, closed)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:submitted', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:submitted', '12'],
      ['zadd', 'd:{ledger}:idx:state:closed', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:closed', 12, '12'],
      ...counter('submitted', -1),
      ...counter('closed', 1),
      ...counter('closeMs', DEADLINE + 2 * HOUR - T0),
      ...epoch(),
    ]);
  });

  it('reject (待核验 → 整改中): the assignee and the clock come back', () => {
    const fixed = step(created(), { type: 'fix', note: '已更换', evidence: [] }, SECRETARY, T0 + DAY_MS);
    const rejected = step(fixed, { type: 'reject', reason: '照片不清' }, VERIFIER, T0 + 2 * DAY_MS);
    expect(ledgerOps(keys, fixed, rejected)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:submitted', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:submitted', '12'],
      ['zadd', 'd:{ledger}:idx:state:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:assignee:u_sec_banzhu', 12, '12'],
      ['zadd', 'd:{ledger}:deadlines', DEADLINE, '12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu', DEADLINE, '202606:12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu:202606', DEADLINE, '12'],
      ...counter('assigned', 1),
      ...counter('submitted', -1),
      ...epoch(),
    ]);
  });

  it('relapse on revisit (已销号 → 整改中): closing is undone, relapse counted, the clock runs on the new deadline in the discovery month', () => {
    const fixed = step(created(), { type: 'fix', note: '已更换', evidence: [] }, SECRETARY, T0 + DAY_MS);
    const closed = step(fixed, { type: 'verify' }, VERIFIER, T0 + 2 * DAY_MS);
    // A month later: the deadline member still carries the discovery month, 202606.
    const relapseAt = T0 + 40 * DAY_MS;
    const newDeadline = relapseAt + 7 * DAY_MS;
    const reopened = step(closed, { type: 'revisit', outcome: 'relapse', deadline: newDeadline, note: '又漏水' }, VERIFIER, relapseAt);
    expect(ledgerOps(keys, closed, reopened)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:closed', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:closed', '12'],
      ['zadd', 'd:{ledger}:idx:state:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:assignee:u_sec_banzhu', 12, '12'],
      ['zadd', 'd:{ledger}:deadlines', newDeadline, '12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu', newDeadline, '202606:12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu:202606', newDeadline, '12'],
      ...counter('assigned', 1),
      ...counter('closed', -1),
      ...counter('ontime', -1),
      ...counter('closeMs', -2 * DAY_MS),
      ...counter('relapse', 1),
      ...epoch(),
    ]);
  });

  it('revisit normal (已销号 → 已回访): moves the state and keeps the close figures', () => {
    const fixed = step(created(), { type: 'fix', note: '已更换', evidence: [] }, SECRETARY, T0 + DAY_MS);
    const closed = step(fixed, { type: 'verify' }, VERIFIER, T0 + 2 * DAY_MS);
    const revisited = step(closed, { type: 'revisit', outcome: 'normal' }, VERIFIER, T0 + 32 * DAY_MS);
    expect(ledgerOps(keys, closed, revisited)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:closed', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:closed', '12'],
      ['zadd', 'd:{ledger}:idx:state:revisited', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:revisited', 12, '12'],
      ...counter('closed', -1),
      ...counter('revisited', 1),
      ...epoch(),
    ]);
  });

  it('cancel while 整改中: leaves every open index, no longer found', () => {
    const before = created();
    const canceled = step(before, { type: 'cancel', reason: '重复上报' }, MEMBER, T0 + HOUR);
    expect(ledgerOps(keys, before, canceled)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:assigned', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:assigned', '12'],
      ['zadd', 'd:{ledger}:idx:state:canceled', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:canceled', 12, '12'],
      ['zrem', 'd:{ledger}:idx:assignee:u_sec_banzhu', '12'],
      ['zrem', 'd:{ledger}:deadlines', '12'],
      ['zrem', 'd:{ledger}:deadlines:banzhu', '202606:12'],
      ['zrem', 'd:{ledger}:deadlines:banzhu:202606', '12'],
      ...counter('found', -1),
      ...counter('assigned', -1),
      ...counter('canceled', 1),
      ...epoch(),
    ]);
  });

  it('cancel while 待交办: only the state indexes and counters', () => {
    const before = created({ assignee: undefined });
    const canceled = step(before, { type: 'cancel', reason: '误报' }, MEMBER, T0 + HOUR);
    expect(ledgerOps(keys, before, canceled)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:reported', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:reported', '12'],
      ['zadd', 'd:{ledger}:idx:state:canceled', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:canceled', 12, '12'],
      ...counter('found', -1),
      ...counter('reported', -1),
      ...counter('canceled', 1),
      ...epoch(),
    ]);
  });

  it('a change without a state change (催办) rewrites the same index entries and no counters', () => {
    const before = created();
    const reminded = step(before, { type: 'remind' }, MEMBER, T0 + HOUR);
    expect(ledgerOps(keys, before, reminded)).toEqual<Op[]>([
      ['zadd', 'd:{ledger}:idx:assignee:u_sec_banzhu', 12, '12'],
      ['zadd', 'd:{ledger}:deadlines', DEADLINE, '12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu', DEADLINE, '202606:12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu:202606', DEADLINE, '12'],
      ...epoch(),
    ]);
  });

  it('does not touch its inputs', () => {
    const before = created();
    const after = step(before, { type: 'fix', note: '已更换', evidence: [] }, SECRETARY, T0 + DAY_MS);
    const copies = [structuredClone(before), structuredClone(after)];
    ledgerOps(keys, before, after);
    expect([before, after]).toEqual(copies);
  });
});

describe('issue codec', () => {
  const full: Issue = {
    id: 42,
    version: 9,
    state: 'closed',
    unitId: 'banzhu',
    teamIds: ['t1', 't7'],
    description: '闸阀老化漏水，“群众” 反映强烈\n第二行',
    category: '基础 设施',
    source: '县委巡察',
    reporter: 'u_t1_m2',
    assignee: 'u_sec_banzhu',
    formerAssignees: ['u_sec_old', 'u_t1_m3'],
    deadline: DEADLINE,
    homeChat: 'CHAT_T1',
    createdAt: T0,
    assignedAt: T0 + 1,
    submittedAt: T0 + DAY_MS,
    closedAt: T0 + 2 * DAY_MS,
    revisitedAt: T0 + 40 * DAY_MS,
    canceledAt: T0 + 41 * DAY_MS,
    fixNote: '已更换闸阀',
    fixedBy: 'u_sec_banzhu',
    evidence: [
      { kind: 'image', msgid: 'm1', index: 0, at: T0 + DAY_MS },
      { kind: 'file', msgid: 'm2', index: 0, at: T0 + DAY_MS + 5 },
    ],
    rejectCount: 2,
    rejectReasons: ['照片不清', '未附整改前后对比'],
    relapseCount: 1,
    deadlineChanges: [
      { from: null, to: DEADLINE - DAY_MS, reason: '上报', by: 'u_t1_m2', at: T0 },
      { from: DEADLINE - DAY_MS, to: DEADLINE, reason: '配件需订购', by: 'u_luo', at: T0 + HOUR },
    ],
    extensionRequest: { to: DEADLINE + DAY_MS, reason: '雨天', by: 'u_sec_banzhu', at: T0 + 2 * HOUR },
    extensionRequestCount: 3,
    verifyNote: '现场核验无误',
    revisitNote: '运行正常',
    cancelReason: '（测试）',
    closedOnTime: true,
  };

  const minimal: Issue = {
    id: 1,
    version: 1,
    state: 'reported',
    unitId: 'daxing_jx',
    teamIds: [],
    description: '台账缺失',
    reporter: 'u_admin',
    homeChat: 'CHAT_ADMIN',
    createdAt: T0,
    evidence: [],
    rejectCount: 0,
    rejectReasons: [],
    relapseCount: 0,
    deadlineChanges: [],
  };

  /** What Redis holds: the hash and the history string, as the commit script leaves them. */
  interface Stored {
    hash: Record<string, string>;
    history: string;
  }
  const write = (stored: Stored, w: IssueWrite): Stored => {
    const hash = { ...stored.hash };
    for (const k of w.del) delete hash[k];
    for (const [k, v] of w.set) hash[k] = v;
    return { hash, history: stored.history + w.append };
  };
  const EMPTY: Stored = { hash: {}, history: '' };
  const stored = (issue: Issue) => write(EMPTY, encodeIssue(issue));
  const read = (s: Stored) => decodeIssue(s.hash, s.history);
  const lines = (...entries: [string, unknown][]) => entries.map(([tag, e]) => `${tag}${JSON.stringify(e)}\n`).join('');

  it('round-trips an issue with every optional field set', () => {
    expect(read(stored(full))).toEqual(full);
  });

  it('round-trips closedOnTime false (not dropped as falsy)', () => {
    const late = { ...full, closedOnTime: false };
    expect(stored(late).hash.closedOnTime).toBe('0');
    expect(read(stored(late))).toEqual(late);
  });

  it('encodes scalars as text and small values as JSON; a new issue holds its lists as at 上报 in the hash', () => {
    const s = stored(full);
    expect(s.hash).toMatchObject({
      id: '42',
      version: '9',
      deadline: String(DEADLINE),
      closedOnTime: '1',
      teamIds: '["t1","t7"]',
      formerAssignees: '["u_sec_old","u_t1_m3"]',
      extensionRequestCount: '3',
      fixedBy: 'u_sec_banzhu',
    });
    for (const list of HISTORY_LISTS) expect(s.hash[list]).toBe(JSON.stringify(full[list]));
    expect(s.history).toBe('');
    expect(encodeIssue(full).del).toEqual([]);
  });

  it('round-trips an issue with no optional field, writing only what it has', () => {
    const { set, del, append } = encodeIssue(minimal);
    expect(set.map(([k]) => k).sort()).toEqual(['id', 'version', 'state', 'unitId', 'teamIds', 'description', 'reporter', 'homeChat', 'createdAt'].sort());
    expect(del).toEqual([]);
    expect(append).toBe('');
    const decoded = decodeIssue(Object.fromEntries(set));
    expect(decoded).toEqual(minimal);
    // Exact: no optional key present with an undefined value.
    expect(Object.keys(decoded).sort()).toEqual(Object.keys(minimal).sort());
  });

  describe('a change writes only what changed', () => {
    const created = () => {
      const out = createIssue(
        { id: 5, unitId: 'banzhu', teamIds: ['t1'], description: '闸阀漏水', homeChat: 'CHAT_T1', assignee: 'u_sec_banzhu', deadline: DEADLINE, evidence: [photo('m1')] },
        MEMBER,
        T0,
      );
      if (isRefusal(out)) throw new Error('refused');
      return out.issue;
    };
    const photo = (msgid: string) => ({ kind: 'image' as const, msgid, index: 0, at: T0 });
    const next = (issue: Issue, action: Action, who: Actor, at: number) => {
      const out = apply(issue, action, who, at);
      if (isRefusal(out)) throw new Error(JSON.stringify(out));
      return out.issue;
    };
    const SECRETARY: Actor = { userid: 'u_sec_banzhu', isAdmin: false, inArea: false };

    it('a reminder sets only the version', () => {
      const before = created();
      expect(encodeIssue(next(before, { type: 'remind' }, MEMBER, T0 + HOUR), before)).toEqual({ set: [['version', '2']], del: [], append: '' });
    });

    it('a fix sets its fields and appends only its photos', () => {
      const before = created();
      const after = next(before, { type: 'fix', note: '已更换', evidence: [photo('m2'), photo('m3')] }, SECRETARY, T0 + DAY_MS);
      const w = encodeIssue(after, before);
      expect(Object.fromEntries(w.set)).toEqual({ version: '2', state: 'submitted', submittedAt: String(T0 + DAY_MS), fixNote: '已更换', fixedBy: 'u_sec_banzhu' });
      expect(w.del).toEqual([]);
      expect(w.append).toBe(lines(['e', photo('m2')], ['e', photo('m3')]));
      expect(read(write(stored(before), w))).toEqual(after);
    });

    it('a rejection appends its reason; an approved extension appends its change and deletes the request', () => {
      const submitted = next(created(), { type: 'fix', note: '已更换', evidence: [] }, SECRETARY, T0 + DAY_MS);
      const rejected = next(submitted, { type: 'reject', reason: '照片不清' }, VERIFIER, T0 + 2 * DAY_MS);
      const w1 = encodeIssue(rejected, submitted);
      expect(w1.append).toBe(lines(['r', '照片不清']));
      expect(Object.fromEntries(w1.set)).toEqual({ version: '3', state: 'assigned', rejectCount: '1' });

      const asked = next(rejected, { type: 'extend', to: DEADLINE + DAY_MS, reason: '雨天' }, SECRETARY, T0 + 3 * DAY_MS);
      const approved = next(asked, { type: 'approve-extension' }, VERIFIER, T0 + 3 * DAY_MS + HOUR);
      const w2 = encodeIssue(approved, asked);
      expect(Object.fromEntries(w2.set)).toEqual({ version: '5', deadline: String(DEADLINE + DAY_MS) });
      expect(w2.del).toEqual(['extensionRequest']);
      expect(w2.append).toBe(lines(['d', approved.deadlineChanges.at(-1)]));

      let s = stored(created());
      for (const [b, a] of [[created(), submitted], [submitted, rejected], [rejected, asked], [asked, approved]] as const) s = write(s, encodeIssue(a, b));
      expect(read(s)).toEqual(approved);
    });

    it('refuses to write a history that was rewritten rather than appended to', () => {
      const before = created();
      expect(() => encodeIssue({ ...before, version: 2, evidence: [photo('other')] }, before)).toThrow(/evidence was rewritten/);
      expect(() => encodeIssue({ ...before, version: 2, deadlineChanges: [] }, before)).toThrow(/deadlineChanges was rewritten/);
    });
  });

  it('reads a hash written before the histories had their own keys, with entries appended since after them', () => {
    const legacy = {
      ...stored(minimal).hash,
      deadlineChanges: JSON.stringify([{ from: null, to: DEADLINE, reason: '上报', by: 'u_admin', at: T0 }]),
      rejectReasons: '["旧的原因"]',
      evidence: '[]',
    };
    const added = { from: DEADLINE, to: DEADLINE + DAY_MS, reason: '延期', by: 'u_luo', at: T0 + DAY_MS };
    const issue = decodeIssue(legacy, lines(['d', added], ['r', '新的原因']));
    expect(issue.deadlineChanges).toEqual([{ from: null, to: DEADLINE, reason: '上报', by: 'u_admin', at: T0 }, added]);
    expect(issue.rejectReasons).toEqual(['旧的原因', '新的原因']);
    expect(issue.evidence).toEqual([]);
  });

  it('refuses a hash with a state it does not know', () => {
    expect(() => decodeIssue({ ...stored(minimal).hash, state: 'archived' })).toThrow(/state/);
  });

  it('refuses a history line that is not JSON, not of its shape, or of an unknown list', () => {
    expect(() => decodeIssue(stored(minimal).hash, 'e[{\n')).toThrow(/not JSON/);
    expect(() => decodeIssue(stored(minimal).hash, 'd{"to":"soon"}\n')).toThrow();
    expect(() => decodeIssue(stored(minimal).hash, 'x"?"\n')).toThrow(/unknown tag/);
  });

  it('keeps a newline inside an entry on its line (JSON escapes it)', () => {
    const after = { ...minimal, version: 2, rejectReasons: ['第一行\n第二行'], rejectCount: 1 };
    const s = write(stored(minimal), encodeIssue(after, minimal));
    expect(s.history).toBe('r"第一行\\n第二行"\n');
    expect(read(s)).toEqual(after);
  });

  it('never rewrites the lists held in the hash once the issue exists', () => {
    const after = { ...full, version: 10, evidence: [...full.evidence, { kind: 'image' as const, msgid: 'm3', index: 0, at: T0 + 3 * DAY_MS }] };
    const w = encodeIssue(after, full);
    expect(w.set).toEqual([['version', '10']]);
    expect(w.append).toBe(lines(['e', after.evidence[2]]));
    expect(read(write(stored(full), w))).toEqual(after);
  });

  it('refuses a hash missing a required field', () => {
    const { version: _dropped, ...rest } = stored(minimal).hash;
    expect(() => decodeIssue(rest)).toThrow(/version/);
  });
});

describe('ledgerOps of a task issue (/布置): counted apart from the problems found', () => {
  const taskCounter = (field: string, delta: number): Op[] => counter(field, delta).map(([op, key, f, d]) => [op, key, `task:${f}`, d] as Op);
  const task = () => ({ ...created(), taskId: 3 });

  it('create: the task counters and the unit\'s task clocks, never the problem counters', () => {
    expect(ledgerOps(keys, undefined, task())).toEqual<Op[]>([
      ['zadd', 'd:{ledger}:idx:unit:banzhu', 12, '12'],
      ['zadd', 'd:{ledger}:idx:team:t1', 12, '12'],
      ['zadd', 'd:{ledger}:idx:state:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:assigned', 12, '12'],
      ['zadd', 'd:{ledger}:idx:assignee:u_sec_banzhu', 12, '12'],
      // Its deadline is real: it is in the unit's deadline sets as any issue (overdue lists, digests).
      ['zadd', 'd:{ledger}:deadlines', DEADLINE, '12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu', DEADLINE, '202606:12'],
      ['zadd', 'd:{ledger}:deadlines:banzhu:202606', DEADLINE, '12'],
      // The unit has a task issue now: /status reads its task counters from here on.
      ['zadd', 'd:{ledger}:task:units', 0, 'banzhu'],
      ['hincrby', 'd:{ledger}:task:3:stats', 'assigned', 1],
      ['zadd', 'd:{ledger}:task:3:deadlines', DEADLINE, '12'],
      ['zadd', 'd:{ledger}:task:deadlines:banzhu', DEADLINE, '202606:12'],
      ['zadd', 'd:{ledger}:task:deadlines:banzhu:202606', DEADLINE, '12'],
      ...taskCounter('found', 1),
      ...taskCounter('assigned', 1),
      ...epoch(),
    ]);
  });

  it('fix then 销号: the clock leaves every set, the task counters move', () => {
    const before = task();
    const fixed = step(before, { type: 'fix', note: '已完成自查', evidence: [] }, SECRETARY, T0 + HOUR);
    expect(ledgerOps(keys, before, fixed)).toEqual<Op[]>([
      ['zrem', 'd:{ledger}:idx:state:assigned', '12'],
      ['zrem', 'd:{ledger}:idx:unit:banzhu:assigned', '12'],
      ['zadd', 'd:{ledger}:idx:state:submitted', 12, '12'],
      ['zadd', 'd:{ledger}:idx:unit:banzhu:submitted', 12, '12'],
      ['zrem', 'd:{ledger}:idx:assignee:u_sec_banzhu', '12'],
      ['zrem', 'd:{ledger}:deadlines', '12'],
      ['zrem', 'd:{ledger}:deadlines:banzhu', '202606:12'],
      ['zrem', 'd:{ledger}:deadlines:banzhu:202606', '12'],
      ['hincrby', 'd:{ledger}:task:3:stats', 'assigned', -1],
      ['hincrby', 'd:{ledger}:task:3:stats', 'submitted', 1],
      ['zrem', 'd:{ledger}:task:3:deadlines', '12'],
      ['zrem', 'd:{ledger}:task:deadlines:banzhu', '202606:12'],
      ['zrem', 'd:{ledger}:task:deadlines:banzhu:202606', '12'],
      ...taskCounter('assigned', -1),
      ...taskCounter('submitted', 1),
      ...epoch(),
    ]);
    const closed = step(fixed, { type: 'verify' }, VERIFIER, T0 + 2 * HOUR);
    const counters = ledgerOps(keys, fixed, closed).filter((op) => op[0] === 'hincrby' && op[1].endsWith(':stats:banzhu'));
    expect(counters).toEqual([...taskCounter('submitted', -1), ...taskCounter('closed', 1), ...taskCounter('ontime', 1), ...taskCounter('closeMs', 2 * HOUR)]);
  });
});
