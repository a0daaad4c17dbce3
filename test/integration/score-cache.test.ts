import { fixedClock } from '../../src/clock';
import type { Org } from '../../src/domain/org';
import type { ScoreBoard } from '../../src/domain/scoring';
import { createKeys, type Keys } from '../../src/store/keys';
import { LedgerStore } from '../../src/store/ledger-store';
import { computeScoreBoard } from '../../src/store/score-board';
import { ScoreCache } from '../../src/store/score-cache';
import { ScoreEntryStore } from '../../src/store/score-entries';
import { demoOrg, demoOrgWith } from '../support/app';
import { testPrefix, testRedis } from '../support/redis';
import { june, playScoreFixture, SCORE_AS_OF, type Player } from '../support/score-fixture';

/**
 * The scores through the real store and the real cache: the same figures as the hand-computed
 * fixture (test/unit/scoring.test.ts), a change to one issue recomputes only its unit's month and
 * moves only its unit and teams, a commit after a cached read is seen, and a rules change is.
 */
const redis = testRedis();
let keys: Keys;
let store: LedgerStore;
let fixture: Player;
let cache: ScoreCache;
const clock = fixedClock(SCORE_AS_OF);
const org = demoOrg();
const district = { label: '全区（示例区）', unitIds: org.units.map((u) => u.id) };

const board = (o: Org = org, details = false) => computeScoreBoard({ redis, keys, org: o, clock }, { scope: district, period: { label: '累计' }, details }, cache);
const scores = (b: ScoreBoard) => Object.fromEntries([...b.teams, ...b.units, ...b.members].filter((r) => r.score !== 100).map((r) => [`${r.kind}:${r.id}`, r.score]));

beforeEach(async () => {
  keys = createKeys(testPrefix());
  store = new LedgerStore(redis, keys);
  cache = new ScoreCache(redis, keys);
  clock.set(SCORE_AS_OF);
  fixture = await playScoreFixture(org, store);
});
afterAll(async () => {
  await redis.quit();
});

const HAND = {
  'team:t1': 98,
  'team:t3': 96.3,
  'team:t6': 96.3,
  'unit:banzhu': 96.1,
  'unit:daxing_jx': 98,
  'member:u_t1_m2': 98,
  'member:u_t3_m2': 97.3,
  'member:u_t6_m1': 99,
};

describe('score board from the ledger', () => {
  it('gives the hand-computed scores, and the same board twice (the second from the cache)', async () => {
    const first = await board(org, true);
    expect(scores(first)).toEqual(HAND);
    expect(first.teams.find((t) => t.id === 't3')!.deductions.map((d) => [d.kind, d.count, d.issueIds])).toEqual([
      ['unassigned', 5, [1, 4]],
      ['unreminded', 6, [1]],
    ]);
    // Two units with issues, one month each.
    expect(cache.last).toEqual({ hits: 0, recomputed: 2, issuesRead: 4 });
    const second = await board(org, true);
    expect(cache.last).toEqual({ hits: 2, recomputed: 0, issuesRead: 0 });
    expect(second).toEqual(first);
  });

  it('recomputes only the changed unit’s month, and moves only its unit, teams and finder', async () => {
    const before = scores(await board());
    // /催办 #1 on 19 June: 第三、第六工作队's run since 14 June (5 days, 3 counted) stops; the new
    // one (19 → 20 June) is within the grace: 6 − 1 = 5 days of 催办 counted, 1.0 instead of 1.2.
    await fixture.act(1, 'u_t3_m1', { type: 'remind' }, june(19));
    const after = scores(await board());
    expect(cache.last).toEqual({ hits: 1, recomputed: 1, issuesRead: 2 });
    expect(after).toEqual({ ...before, 'team:t3': 96.5, 'team:t6': 96.5, 'member:u_t3_m2': 97.5 });
  });

  it('sees a commit made after a cached read (the counter moves, the month is read again)', async () => {
    await board();
    await fixture.act(1, 'u_t3_m3', { type: 'fix', note: '已整改', evidence: [] }, june(20, 9));
    const b = await board();
    expect(cache.last.recomputed).toBe(1);
    // #1's overdue stops at the fix on 20 June: still 10 days; its 催办 runs end too (2 + 4 days): unchanged.
    expect(scores(b)['unit:daxing_jx']).toBe(98);
    // A day later the overdue no longer grows (it would be 97.8 had the fix not been seen), and 第三工作队 has a fix to verify.
    clock.set('2026-06-23T12:00:00+08:00');
    const later = await board(org, true);
    expect(cache.last.recomputed).toBe(0);
    expect(scores(later)['unit:daxing_jx']).toBe(98);
    // 待核验 since 20 June 09:00: 23 − 20 − 2 = 1 day; 催办 still 2 + (20 − 14 − 2) = 6 days.
    expect(later.teams.find((t) => t.id === 't3')!.deductions.map((d) => `${d.kind} ${d.count}`)).toEqual(['unassigned 5', 'unverified 1', 'unreminded 6']);
  });

  it('reads the weights when evaluating and recomputes every month when a grace changes', async () => {
    await board();
    const heavier = demoOrgWith({ scoring: { units: { perOverdueDay: 0.5 } } }, false);
    const b = await board(heavier);
    expect(cache.last.recomputed).toBe(0);
    expect(scores(b)['unit:daxing_jx']).toBe(95); // 10 days × 0.5
    const graceless = demoOrgWith({ scoring: { teams: { graceDays: 0 } } }, false);
    const g = await board(graceless);
    expect(cache.last.recomputed).toBe(2);
    expect(scores(g)['team:t1']).toBe(95.6);
  });

  it('rebuilds a lost cache from the ledger alone', async () => {
    const first = await board();
    for (const u of ['banzhu', 'daxing_jx']) await redis.del(keys.scoreDir(u), keys.scorePart(u), keys.scoreIds(u));
    const again = await board();
    expect(cache.last.recomputed).toBe(2);
    expect(again).toEqual(first);
  });

  it('counts manual entries of the period, and a withdrawn one no longer', async () => {
    const entries = new ScoreEntryStore(redis, keys);
    const e = await entries.add({ target: { kind: 'team', id: 't3', label: '第三工作队' }, points: 1.5, reason: '宣传报道', by: 'u_admin', at: june(18) });
    expect(scores(await board())['team:t3']).toBe(97.8);
    const june2026 = { label: '2026年6月', months: ['202606'] };
    const inJune = await computeScoreBoard({ redis, keys, org, clock }, { scope: district, period: june2026 }, cache);
    expect(inJune.teams.find((t) => t.id === 't3')!.score).toBe(97.8);
    const may = await computeScoreBoard({ redis, keys, org, clock }, { scope: district, period: { label: '2026年5月', months: ['202605'] } }, cache);
    expect(may.teams.every((t) => t.score === 100)).toBe(true);
    await entries.withdraw(e.id, 'u_admin2', june(19), '录入有误');
    expect(scores(await board())['team:t3']).toBe(96.3);
  });
});
