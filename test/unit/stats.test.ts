import type { Issue } from '../../src/domain/issue';
import { apply, createIssue, isRefusal, type Action, type Actor, type NewIssueInput, type Outcome, type Refusal } from '../../src/domain/lifecycle';
import { bucketsOf, COUNTERS, counterDeltas as everyBucket, emptyCounts, figuresFrom, percent, type Counter, type CounterDelta } from '../../src/domain/stats';
import { calendarDaysBetween, DAY_MS, monthKey, SHANGHAI_OFFSET_MS, startOfDay, wallTime } from '../../src/domain/time';

/** These tests look at the all-time and month buckets; the quarter and year buckets are tested below. */
const counterDeltas = (before: Issue | undefined, after: Issue): CounterDelta[] => everyBucket(before, after).filter((d) => /^(all|\d{6}):/.test(d.field));

/* ---------------------------------------------------------------- builders */

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

const MEMBER: Actor = { userid: 'u_m2', isAdmin: false, inArea: true };
const VERIFIER: Actor = { userid: 'u_luo', isAdmin: false, inArea: true };
const SECRETARY: Actor = { userid: 'u_sec_banzhu', isAdmin: false, inArea: false };

function input(over: Partial<NewIssueInput> = {}): NewIssueInput {
  return { id: 1, unitId: 'banzhu', teamIds: ['t1'], description: '路灯损坏', homeChat: 'CHAT_T1', evidence: [], ...over };
}

function outcome(result: Outcome | Refusal): Outcome {
  if (isRefusal(result)) throw new Error(`expected an outcome, got ${JSON.stringify(result)}`);
  return result;
}

function created(when: number, over: Partial<NewIssueInput> = {}): Issue {
  return outcome(createIssue(input(over), MEMBER, when)).issue;
}

/** Adds deltas into "unit|field" totals, dropping zeros. */
function sum(deltas: CounterDelta[], into = new Map<string, number>()): Map<string, number> {
  for (const d of deltas) {
    const key = `${d.unitId}|${d.field}`;
    const v = (into.get(key) ?? 0) + d.delta;
    if (v === 0) into.delete(key);
    else into.set(key, v);
  }
  return into;
}

/** The counters of one unit and bucket, as figuresFrom wants them. */
function countsOf(totals: Map<string, number>, unitId: string, bucket: string): Record<Counter, number> {
  const c = emptyCounts();
  for (const name of COUNTERS) c[name] = totals.get(`${unitId}|${bucket}:${name}`) ?? 0;
  return c;
}

/** A ledger that applies actions and keeps the counter totals, as the store will. */
class Ledger {
  readonly totals = new Map<string, number>();
  readonly issues = new Map<number, Issue>();

  report(when: number, over: Partial<NewIssueInput>): Issue {
    const issue = created(when, over);
    sum(counterDeltas(undefined, issue), this.totals);
    this.issues.set(issue.id, issue);
    return issue;
  }

  act(id: number, action: Action, who: Actor, when: number): Outcome | Refusal {
    const before = this.issues.get(id);
    if (!before) throw new Error(`no issue #${id}`);
    const result = apply(before, action, who, when);
    if (!isRefusal(result)) {
      sum(counterDeltas(before, result.issue), this.totals);
      this.issues.set(id, result.issue);
    }
    return result;
  }

  do(id: number, action: Action, who: Actor, when: number): Issue {
    return outcome(this.act(id, action, who, when)).issue;
  }
}

/* ---------------------------------------------------------------- counterDeltas */

describe('counterDeltas', () => {
  it('counts a new reported issue as found and reported, in the all and month buckets', () => {
    const issue = created(at('2026-05-12T10:00:00+08:00'));
    expect(counterDeltas(undefined, issue)).toEqual([
      { unitId: 'banzhu', field: 'all:found', delta: 1 },
      { unitId: 'banzhu', field: '202605:found', delta: 1 },
      { unitId: 'banzhu', field: 'all:reported', delta: 1 },
      { unitId: 'banzhu', field: '202605:reported', delta: 1 },
    ]);
  });

  it('counts a new issue assigned at once as found and assigned', () => {
    const issue = created(at('2026-05-12T10:00:00+08:00'), { assignee: SECRETARY.userid, deadline: at('2026-05-19T23:59:59+08:00') });
    expect(sum(counterDeltas(undefined, issue))).toEqual(
      new Map([
        ['banzhu|all:found', 1],
        ['banzhu|202605:found', 1],
        ['banzhu|all:assigned', 1],
        ['banzhu|202605:assigned', 1],
      ]),
    );
  });

  it('files an issue found at 2026-04-30 23:30 Shanghai (15:30Z) under 202604', () => {
    const when = at('2026-04-30T23:30:00+08:00');
    expect(new Date(when).toISOString()).toBe('2026-04-30T15:30:00.000Z');
    const fields = counterDeltas(undefined, created(when)).map((d) => d.field);
    expect(fields).toContain('202604:found');
    expect(fields.filter((f) => !f.startsWith('all:')).every((f) => f.startsWith('202604:'))).toBe(true);
  });

  it('files an issue found at 2026-05-01 00:10 Shanghai (still April 30 in UTC) under 202605', () => {
    const when = at('2026-05-01T00:10:00+08:00');
    expect(new Date(when).toISOString()).toBe('2026-04-30T16:10:00.000Z');
    const fields = counterDeltas(undefined, created(when)).map((d) => d.field);
    expect(fields).toContain('202605:found');
    expect(fields.some((f) => f.startsWith('202604:'))).toBe(false);
  });

  it('moves one state to another on a transition, leaving found alone', () => {
    const before = created(at('2026-05-12T10:00:00+08:00'));
    const after = outcome(apply(before, { type: 'assign', assignee: SECRETARY.userid, deadline: at('2026-05-19T23:59:59+08:00') }, MEMBER, at('2026-05-12T11:00:00+08:00'))).issue;
    expect(counterDeltas(before, after)).toEqual([
      { unitId: 'banzhu', field: 'all:reported', delta: -1 },
      { unitId: 'banzhu', field: '202605:reported', delta: -1 },
      { unitId: 'banzhu', field: 'all:assigned', delta: 1 },
      { unitId: 'banzhu', field: '202605:assigned', delta: 1 },
    ]);
  });

  it('keeps counting in the discovery month when the issue closes in a later month', () => {
    const ledger = new Ledger();
    const found = at('2026-04-30T23:30:00+08:00');
    ledger.report(found, { id: 3, assignee: SECRETARY.userid, deadline: found + 7 * DAY_MS });
    ledger.do(3, { type: 'fix', note: '已整改', evidence: [] }, SECRETARY, found + 2 * DAY_MS);
    ledger.do(3, { type: 'verify' }, VERIFIER, found + 3 * DAY_MS);
    expect(countsOf(ledger.totals, 'banzhu', '202604')).toMatchObject({ found: 1, closed: 1, ontime: 1, closeMs: 3 * DAY_MS });
    expect(countsOf(ledger.totals, 'banzhu', '202605')).toEqual(emptyCounts());
  });

  it('changes nothing for a remind', () => {
    const before = created(at('2026-05-12T10:00:00+08:00'), { assignee: SECRETARY.userid, deadline: at('2026-05-19T23:59:59+08:00') });
    const after = outcome(apply(before, { type: 'remind' }, MEMBER, at('2026-05-13T10:00:00+08:00'))).issue;
    expect(counterDeltas(before, after)).toEqual([]);
  });

  it('moves closed to revisited on a normal revisit, keeping ontime and closeMs', () => {
    const ledger = new Ledger();
    const t = at('2026-05-12T10:00:00+08:00');
    ledger.report(t, { id: 4, assignee: SECRETARY.userid, deadline: t + 7 * DAY_MS });
    ledger.do(4, { type: 'fix', note: '已整改', evidence: [] }, SECRETARY, t + DAY_MS);
    const closed = ledger.do(4, { type: 'verify' }, VERIFIER, t + 2 * DAY_MS);
    const revisited = outcome(apply(closed, { type: 'revisit', outcome: 'normal' }, VERIFIER, t + 32 * DAY_MS)).issue;
    expect(sum(counterDeltas(closed, revisited))).toEqual(
      new Map([
        ['banzhu|all:closed', -1],
        ['banzhu|202605:closed', -1],
        ['banzhu|all:revisited', 1],
        ['banzhu|202605:revisited', 1],
      ]),
    );
  });
});

/* ---------------------------------------------------------------- a whole life */

describe('counterDeltas over whole lives', () => {
  const A = 21;
  const B = 22;
  const foundA = at('2026-04-30T23:30:00+08:00');
  const foundB = at('2026-05-01T00:10:00+08:00');
  const firstDeadline = foundA + 7 * DAY_MS;
  const relapseDeadline = foundA + 40 * DAY_MS;
  const firstClose = foundA + 4 * DAY_MS;
  const secondClose = foundA + 42 * DAY_MS;

  const ledger = new Ledger();
  const steps: { label: string; issue: Issue }[] = [];

  beforeAll(() => {
    const step = (label: string, issue: Issue) => steps.push({ label, issue });
    step('report', ledger.report(foundA, { id: A }));
    step('assign', ledger.do(A, { type: 'assign', assignee: SECRETARY.userid, deadline: firstDeadline }, MEMBER, foundA + HOUR));
    step('fix', ledger.do(A, { type: 'fix', note: '已更换灯泡', evidence: [] }, SECRETARY, foundA + 3 * DAY_MS));
    step('verify on time', ledger.do(A, { type: 'verify' }, VERIFIER, firstClose));
    step('relapse', ledger.do(A, { type: 'revisit', outcome: 'relapse', note: '又坏了', deadline: relapseDeadline }, VERIFIER, foundA + 34 * DAY_MS));
    step('late fix', ledger.do(A, { type: 'fix', note: '再次更换', evidence: [] }, SECRETARY, foundA + 41 * DAY_MS));
    step('verify late', ledger.do(A, { type: 'verify' }, VERIFIER, secondClose));

    ledger.report(foundB, { id: B });
    ledger.do(B, { type: 'cancel', reason: '重复上报' }, MEMBER, foundB + HOUR);
  });

  it('goes through the expected states', () => {
    expect(steps.map((s) => s.issue.state)).toEqual(['reported', 'assigned', 'submitted', 'closed', 'assigned', 'submitted', 'closed']);
    expect(steps.map((s) => s.issue.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(steps[3]?.issue.closedOnTime).toBe(true);
    expect(steps[6]?.issue.closedOnTime).toBe(false);
  });

  it('refuses to cancel a closed issue and changes no counter', () => {
    const before = new Map(ledger.totals);
    const r = ledger.act(A, { type: 'cancel', reason: '不需要了' }, MEMBER, secondClose + HOUR);
    expect(r).toMatchObject({ kind: 'state' });
    expect(ledger.totals).toEqual(before);
  });

  it('ends with the counters the final issues contribute', () => {
    const expected = new Map<string, number>([
      // A: found in April (Shanghai), closed late once after a relapse.
      ['banzhu|all:found', 1],
      ['banzhu|202604:found', 1],
      ['banzhu|all:closed', 1],
      ['banzhu|202604:closed', 1],
      ['banzhu|all:closeMs', secondClose - foundA],
      ['banzhu|202604:closeMs', secondClose - foundA],
      ['banzhu|all:relapse', 1],
      ['banzhu|202604:relapse', 1],
      // B: found in May, canceled: not found, counted as canceled.
      ['banzhu|all:canceled', 1],
      ['banzhu|202605:canceled', 1],
    ]);
    expect(ledger.totals).toEqual(expected);
  });

  it('adds up to what the final issues contribute when counted from scratch', () => {
    const fromScratch = new Map<string, number>();
    for (const issue of ledger.issues.values()) sum(counterDeltas(undefined, issue), fromScratch);
    expect(ledger.totals).toEqual(fromScratch);
  });

  it('had ontime and closeMs after the first close and dropped them at the relapse', () => {
    const replay = new Map<string, number>();
    let prev: Issue | undefined;
    const snapshots: Record<Counter, number>[] = [];
    for (const { issue } of steps) {
      sum(counterDeltas(prev, issue), replay);
      snapshots.push(countsOf(replay, 'banzhu', 'all'));
      prev = issue;
    }
    expect(snapshots[3]).toMatchObject({ found: 1, closed: 1, assigned: 0, ontime: 1, closeMs: firstClose - foundA, relapse: 0 });
    expect(snapshots[4]).toMatchObject({ found: 1, closed: 0, assigned: 1, ontime: 0, closeMs: 0, relapse: 1 });
    expect(snapshots[6]).toMatchObject({ found: 1, closed: 1, submitted: 0, ontime: 0, closeMs: secondClose - foundA, relapse: 1 });
  });

  it('gives the figures of the ledger', () => {
    expect(figuresFrom(countsOf(ledger.totals, 'banzhu', 'all'), 0)).toEqual({
      found: 1,
      reported: 0,
      assigned: 0,
      submitted: 0,
      rectified: 1,
      overdue: 0,
      rate: 100,
      onTimeRate: 0,
      avgDaysToClose: 42,
    });
  });
});

/* ---------------------------------------------------------------- figures */

describe('figuresFrom', () => {
  const counts = (over: Partial<Record<Counter, number>>): Record<Counter, number> => ({ ...emptyCounts(), ...over });

  it('gives 整改率 80.8% for 276 found and 223 rectified (the seed district)', () => {
    const f = figuresFrom(counts({ found: 276, assigned: 40, submitted: 13, closed: 200, revisited: 23, ontime: 150, closeMs: 223 * 5 * DAY_MS }), 7);
    expect(f).toEqual({
      found: 276,
      reported: 0,
      assigned: 40,
      submitted: 13,
      rectified: 223,
      overdue: 7,
      rate: 80.8,
      onTimeRate: 54.3,
      avgDaysToClose: 5,
    });
  });

  it('counts rectified as closed plus revisited', () => {
    expect(figuresFrom(counts({ found: 10, closed: 3, revisited: 4 }), 0).rectified).toBe(7);
    expect(figuresFrom(counts({ found: 10, closed: 3, revisited: 4 }), 0).rate).toBe(70);
  });

  it('takes 按期整改率 over found, not over rectified', () => {
    expect(figuresFrom(counts({ found: 8, closed: 4, ontime: 2, closeMs: 4 * DAY_MS }), 0).onTimeRate).toBe(25);
  });

  it.each<[string, number, number]>([
    ['3.14 days → 3.1', 3.14 * DAY_MS * 2, 3.1],
    ['3.16 days → 3.2', 3.16 * DAY_MS * 2, 3.2],
    ['half a day → 0.5', 0.5 * DAY_MS * 2, 0.5],
    ['an hour → 0', 2 * HOUR, 0],
  ])('averages days to close with one decimal: %s', (_case, closeMs, avg) => {
    expect(figuresFrom(counts({ found: 2, closed: 2, closeMs }), 0).avgDaysToClose).toBe(avg);
  });

  it('has no rates and no average when nothing was found', () => {
    const f = figuresFrom(emptyCounts(), 0);
    expect(f).toEqual({ found: 0, reported: 0, assigned: 0, submitted: 0, rectified: 0, overdue: 0 });
    expect(f.rate).toBeUndefined();
    expect(f.onTimeRate).toBeUndefined();
    expect(f.avgDaysToClose).toBeUndefined();
  });

  it('has rates but no average when nothing was rectified', () => {
    const f = figuresFrom(counts({ found: 5, reported: 2, assigned: 3 }), 1);
    expect(f.rate).toBe(0);
    expect(f.onTimeRate).toBe(0);
    expect(f).not.toHaveProperty('avgDaysToClose');
  });

  it('passes the overdue count through (it is derived, not a counter)', () => {
    expect(figuresFrom(counts({ found: 3, assigned: 3 }), 2).overdue).toBe(2);
  });
});

describe('percent', () => {
  it.each<[number, number, number]>([
    [223, 276, 80.8],
    [1, 3, 33.3],
    [2, 3, 66.7],
    [1, 8, 12.5],
    [1, 16, 6.3],
    [3, 16, 18.8],
    [1, 6, 16.7],
    [0, 5, 0],
    [5, 5, 100],
    [150, 276, 54.3],
  ])('%s / %s → %s', (part, whole, expected) => {
    expect(percent(part, whole)).toBe(expected);
  });
});

/* ---------------------------------------------------------------- time */

describe('time (Asia/Shanghai, no daylight saving)', () => {
  it('uses a constant +08:00', () => {
    expect(SHANGHAI_OFFSET_MS).toBe(8 * HOUR);
  });

  it.each<[string, string]>([
    ['2026-04-30T23:59:59.999+08:00', '202604'],
    ['2026-05-01T00:00:00+08:00', '202605'],
    ['2026-04-30T15:59:59.999Z', '202604'],
    ['2026-04-30T16:00:00Z', '202605'],
    ['2026-12-31T23:59:59+08:00', '202612'],
    ['2027-01-01T00:00:00+08:00', '202701'],
    ['2026-12-31T16:00:00Z', '202701'],
    ['2026-01-01T07:59:00+08:00', '202601'],
  ])('monthKey(%s) = %s', (iso, key) => {
    expect(monthKey(at(iso))).toBe(key);
  });

  it.each<[string, string]>([
    ['2026-05-01T00:10:00+08:00', '2026-05-01T00:00:00+08:00'],
    ['2026-04-30T23:30:00+08:00', '2026-04-30T00:00:00+08:00'],
    ['2026-05-01T00:00:00+08:00', '2026-05-01T00:00:00+08:00'],
    ['2026-04-30T23:59:59.999+08:00', '2026-04-30T00:00:00+08:00'],
    ['2026-05-01T07:59:00+08:00', '2026-05-01T00:00:00+08:00'],
    ['2026-05-01T08:00:00+08:00', '2026-05-01T00:00:00+08:00'],
  ])('startOfDay(%s) = %s', (iso, start) => {
    expect(startOfDay(at(iso))).toBe(at(start));
  });

  it('startOfDay is the Shanghai midnight, i.e. 16:00Z the day before', () => {
    expect(new Date(startOfDay(at('2026-05-01T00:10:00+08:00'))).toISOString()).toBe('2026-04-30T16:00:00.000Z');
  });

  it.each<[string, string, string, number]>([
    ['a minute across midnight', '2026-04-30T23:59:00+08:00', '2026-05-01T00:01:00+08:00', 1],
    ['the same day, almost 24 hours apart', '2026-05-01T00:01:00+08:00', '2026-05-01T23:59:00+08:00', 0],
    ['the same UTC day but two Shanghai days', '2026-04-30T15:59:00Z', '2026-04-30T16:01:00Z', 1],
    ['two Shanghai days, same UTC date boundary crossing', '2026-04-30T07:00:00+08:00', '2026-05-01T07:00:00+08:00', 1],
    ['backwards across midnight', '2026-05-01T00:01:00+08:00', '2026-04-30T23:59:00+08:00', -1],
    ['a week', '2026-05-04T09:00:00+08:00', '2026-05-11T22:00:00+08:00', 7],
    ['across the year', '2026-12-31T23:00:00+08:00', '2027-01-01T01:00:00+08:00', 1],
    ['across February', '2028-02-28T12:00:00+08:00', '2028-03-01T12:00:00+08:00', 2],
    ['no time at all', '2026-05-01T12:00:00+08:00', '2026-05-01T12:00:00+08:00', 0],
  ])('calendarDaysBetween: %s', (_case, a, b, days) => {
    expect(calendarDaysBetween(at(a), at(b))).toBe(days);
  });

  it('wallTime reads the Shanghai wall clock', () => {
    expect(wallTime(at('2026-04-30T16:10:00Z'))).toEqual({ year: 2026, month: 5, day: 1, hour: 0, minute: 10, weekday: 5 });
  });
});

describe('percent rounds half up in decimal, not in floating point', () => {
  it.each([
    [201, 400, 50.3],
    [203, 400, 50.8],
    [1001, 2000, 50.1],
    [223, 276, 80.8],
  ])('%i/%i → %d', (part, whole, expected) => {
    expect(percent(part, whole)).toBe(expected);
  });
});

describe('quarter and year buckets', () => {
  it('count an issue in all, its month, its year and its quarter', () => {
    expect(bucketsOf(at('2026-05-12T10:00:00+08:00'))).toEqual(['all', '202605', '2026', '2026Q2']);
    expect(bucketsOf(at('2026-12-31T23:30:00+08:00'))).toEqual(['all', '202612', '2026', '2026Q4']);
    expect(bucketsOf(at('2026-01-01T00:10:00+08:00'))).toEqual(['all', '202601', '2026', '2026Q1']);
  });

  it('move with every change exactly like the month bucket', () => {
    const issue = created(at('2026-05-12T10:00:00+08:00'));
    const fields = everyBucket(undefined, issue).map((d) => `${d.field}=${d.delta}`);
    for (const counter of ['found', 'reported']) {
      for (const bucket of ['all', '202605', '2026', '2026Q2']) expect(fields).toContain(`${bucket}:${counter}=1`);
    }
    expect(fields).toHaveLength(8);
  });
});
