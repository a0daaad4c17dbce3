import { policySchema } from '../../src/config/org-schema';
import { issueFacts, dayIndex } from '../../src/domain/scoring-facts';
import { asOfFor, countAt, partialOf, partialRulesKey, scoreBoard, type ManualEntry, type PartialRules, type ScoreBoard, type UnitPartial } from '../../src/domain/scoring';
import { officialCalendar } from '../../src/parsing/deadline';
import { parsePeriod } from '../../src/parsing/period';
import { renderBreakdown, renderRanking, scoreLines } from '../../src/rendering/scores';
import { scoreSheet } from '../../src/rendering/xlsx/score-sheet';
import { demoOrg, demoOrgWith } from '../support/app';
import { endOfJune, june, playScoreFixture, SCORE_AS_OF, type Player } from '../support/score-fixture';

/**
 * 百分量化考核 recomputed by hand. The rules are the demo's (src/config/demo-org.yaml):
 * teams 0.5/day 待交办, 0.5/day 待核验, 0.2/day 逾期未催办, 1 per late 回头看, 0.5 per late close,
 * grace 2 days; units 1 per late close, 0.2/day overdue (grace 0), 0.5 per rejection, 2 per relapse.
 * As of 20 June 2026 12:00 (day t). The fixture is test/support/score-fixture.ts.
 */
const org = demoOrg();
const AS_OF = Date.parse(SCORE_AS_OF);
const rulesOf = (o = org): PartialRules => ({ revisitAfter: o.policy.revisitAfter, remindAt: o.policy.remindAt, scoring: o.policy.scoring });

function partials(p: Player, rules: PartialRules): Map<string, { partial: UnitPartial; ids: ReturnType<typeof partialOf>['ids'] }> {
  const byUnit = new Map<string, { id: number; reporter: string; facts: ReturnType<typeof issueFacts> }[]>();
  for (const [id, { issue, steps }] of p.played) {
    const list = byUnit.get(issue.unitId) ?? [];
    list.push({ id, reporter: issue.reporter, facts: issueFacts(issue, steps, rules, officialCalendar) });
    byUnit.set(issue.unitId, list);
  }
  return new Map([...byUnit].map(([u, issues]) => [u, partialOf(issues, rules)]));
}

function board(p: Player, opts: { asOf?: number; entries?: ManualEntry[]; o?: typeof org; scope?: string[]; period?: { label: string; months?: string[] } } = {}): ScoreBoard {
  const o = opts.o ?? org;
  return scoreBoard({
    org: o,
    rules: o.policy.scoring,
    partials: partials(p, rulesOf(o)),
    entries: opts.entries ?? [],
    scope: { label: '全区（示例区）', unitIds: opts.scope ?? o.units.map((u) => u.id) },
    period: opts.period ?? { label: '累计' },
    asOf: opts.asOf ?? AS_OF,
  });
}

const score = (b: ScoreBoard, kind: 'teams' | 'members' | 'units', id: string) => b[kind].find((r) => r.id === id)!;
const summary = (b: ScoreBoard, kind: 'teams' | 'members' | 'units', id: string) =>
  score(b, kind, id).deductions.map((d) => `${d.kind} ${d.count}${d.per} ${d.points} [${d.issueIds?.join(',') ?? ''}]`);

let fixture: Player;
beforeAll(async () => {
  fixture = await playScoreFixture(org);
});

describe('the fixture, recomputed by hand', () => {
  it('deducts from the unit what its rectification earned', () => {
    const b = board(fixture);
    // 斑竹村: #2 overdue from the end of 5 June to the fix on 7 June = 7 − 5 = 2 days × 0.2 = 0.4;
    // #2 closed late (fixed 7 June > deadline 5 June) 1; #3 rejected once 0.5; #3 relapsed once 2.
    // 100 − 0.4 − 1 − 0.5 − 2 = 96.1
    expect(summary(b, 'units', 'banzhu')).toEqual(['lateClose 1件 1 [2]', 'overdue 2天 0.4 [2]', 'rejection 1次 0.5 [3]', 'relapse 1次 2 [3]']);
    expect(score(b, 'units', 'banzhu').score).toBe(96.1);
    // 大兴精密机械公司: #1 overdue from the end of 10 June to 20 June = 20 − 10 = 10 days × 0.2 = 2;
    // #4 was withdrawn (撤销): nothing for the unit. 100 − 2 = 98
    expect(summary(b, 'units', 'daxing_jx')).toEqual(['overdue 10天 2 [1]']);
    expect(score(b, 'units', 'daxing_jx').score).toBe(98);
    expect(score(b, 'units', 'xiguan').score).toBe(100);
    expect(score(b, 'units', 'xiguan').deductions).toEqual([]);
  });

  it('deducts from the team what its duties earned, over its whole area', () => {
    const b = board(fixture);
    // 第一工作队 (斑竹村): #2 waited in 待核验 from 7 June to 12 June = 5 days − 2 grace = 3 × 0.5 = 1.5;
    // #2 closed late 0.5. #2's overdue days (5 → 7 June: 2) never pass the 2-day grace for 催办,
    // #3's 待核验 spells (3→4, 5→6 June: 1 day each) neither. 100 − 1.5 − 0.5 = 98
    expect(summary(b, 'teams', 't1')).toEqual(['unverified 3天 1.5 [2]', 'lateClose 1件 0.5 [2]']);
    expect(score(b, 'teams', 't1').score).toBe(98);
    // 第三工作队 and 第六工作队 (both cover 大兴精密机械公司):
    // 待交办: #1 1 → 6 June = 5 − 2 = 3 days, #4 1 → 5 June (withdrawn) = 4 − 2 = 2 days: 5 × 0.5 = 2.5;
    // 逾期未催办: #1 overdue from 10 June, /催办 on 14 June: 14 − 10 − 2 = 2 days; then from 14 June
    // to 20 June: 20 − 14 − 2 = 4 days: 6 × 0.2 = 1.2. 100 − 2.5 − 1.2 = 96.3
    for (const t of ['t3', 't6']) {
      expect(summary(b, 'teams', t)).toEqual(['unassigned 5天 2.5 [1,4]', 'unreminded 6天 1.2 [1]']);
      expect(score(b, 'teams', t).score).toBe(96.3);
    }
    expect(score(b, 'teams', 't2').score).toBe(100);
  });

  it('puts a team deduction on the member who found the issue, too', () => {
    const b = board(fixture);
    // 唐建平 found #2: 1.5 + 0.5 → 98. 黄德明 found #1: 待交办 3 days 1.5 + 催办 6 days 1.2 → 97.3.
    // 钟文斌 found #4: 待交办 2 days 1 → 99. 罗志刚 found #3: nothing → 100.
    expect(score(b, 'members', 'u_t1_m2').score).toBe(98);
    expect(score(b, 'members', 'u_t3_m2').score).toBe(97.3);
    expect(summary(b, 'members', 'u_t3_m2')).toEqual(['unassigned 3天 1.5 [1]', 'unreminded 6天 1.2 [1]']);
    expect(score(b, 'members', 'u_t6_m1').score).toBe(99);
    expect(score(b, 'members', 'u_luo').score).toBe(100);
    expect(score(b, 'members', 'u_luo').teams).toEqual(['第一工作队']);
  });

  it('ranks highest first, ties in the file’s order', () => {
    const b = board(fixture);
    expect(b.teams.map((r) => `${r.label} ${r.score}`)).toEqual([
      '第二工作队 100',
      '第四工作队 100',
      '第五工作队 100',
      '第七工作队 100',
      '第八工作队 100',
      '第一工作队 98',
      '第三工作队 96.3',
      '第六工作队 96.3',
    ]);
  });

  it('adds manual entries of the period, not withdrawn ones, and floors at 0', () => {
    const entries: ManualEntry[] = [
      { id: 1, target: { kind: 'team', id: 't1' }, points: 2, reason: '获市级表彰', by: 'u_admin', at: june(15) },
      { id: 2, target: { kind: 'unit', id: 'banzhu' }, points: -1, reason: '录入有误', by: 'u_admin', at: june(15), withdrawn: { by: 'u_admin', at: june(16) } },
      { id: 3, target: { kind: 'unit', id: 'daxing_jx' }, points: -150, reason: '弄虚作假', by: 'u_admin', at: june(16) },
      // Made after the as-of moment: not in this board.
      { id: 4, target: { kind: 'team', id: 't3' }, points: 1, reason: '宣传报道', by: 'u_admin', at: june(21) },
    ];
    const b = board(fixture, { entries });
    expect(score(b, 'teams', 't1').score).toBe(100); // 98 + 2
    expect(score(b, 'units', 'banzhu').score).toBe(96.1); // the withdrawn −1 counts for nothing
    expect(score(b, 'units', 'banzhu').entries.map((e) => e.id)).toEqual([2]);
    expect(score(b, 'units', 'daxing_jx').score).toBe(0); // 98 − 150, floored
    expect(score(b, 'teams', 't3').score).toBe(96.3);
  });
});

describe('time', () => {
  it('counts whole Shanghai calendar days up to the as-of moment', () => {
    // A day later every running span grows by a day: 大兴精密机械公司 overdue 11 days = 2.2 → 97.8;
    // 第三工作队's 催办 run 5 days: 7 × 0.2 = 1.4 → 100 − 2.5 − 1.4 = 96.1.
    const b = board(fixture, { asOf: june(21, 0) + 1 });
    expect(score(b, 'units', 'daxing_jx').score).toBe(97.8);
    expect(score(b, 'teams', 't3').score).toBe(96.1);
    // 23:59 on 20 June is still day 20.
    expect(score(board(fixture, { asOf: june(21, 0) - 1 }), 'units', 'daxing_jx').score).toBe(98);
  });

  it('counts nothing that happened after the as-of moment', () => {
    // As of 5 June 12:00: #2 overdue since the end of... not yet (deadline end of 5 June); #3
    // rejected on 4 June; #1 still 待交办 for 4 days (4 − 2 = 2), #4 too (2): 4 × 0.5 = 2.
    const b = board(fixture, { asOf: june(5, 12) });
    expect(summary(b, 'units', 'banzhu')).toEqual(['rejection 1次 0.5 [3]']);
    expect(summary(b, 'teams', 't3')).toEqual(['unassigned 4天 2 [1,4]']);
    expect(score(b, 'teams', 't1').score).toBe(100);
  });

  it('takes the end of an ended period as the as-of moment, and now otherwise', () => {
    const now = Date.parse('2026-07-10T10:00:00+08:00');
    expect(asOfFor(parsePeriod('2026年6月', now)!, now)).toBe(Date.parse('2026-07-01T00:00:00+08:00') - 1);
    expect(asOfFor(parsePeriod('本月', now)!, now)).toBe(now);
    expect(asOfFor({}, now)).toBe(now);
  });

  it('gives the same board for the same ledger, rules and as-of time', async () => {
    const again = await playScoreFixture(org);
    expect(board(again)).toEqual(board(fixture));
    expect(board(fixture)).toEqual(board(fixture));
  });
});

describe('rules', () => {
  it('weights apply when evaluating; graces are part of the partial', () => {
    const heavier = demoOrgWith({ scoring: { teams: { perUnverifiedDay: 1 }, units: { perOverdueDay: 0.5 } } }, false);
    const b = board(fixture, { o: heavier });
    // 第一工作队: 3 days × 1 + 0.5 (late close: the default weight) = 3.5 → 96.5
    expect(score(b, 'teams', 't1').score).toBe(96.5);
    // 斑竹村: 2 × 0.5 + 1 + 0.5 + 2 = 4.5 → 95.5
    expect(score(b, 'units', 'banzhu').score).toBe(95.5);
    expect(partialRulesKey(rulesOf(heavier))).toBe(partialRulesKey(rulesOf()));
    const graceless = demoOrgWith({ scoring: { teams: { graceDays: 0 } } }, false);
    expect(partialRulesKey(rulesOf(graceless))).not.toBe(partialRulesKey(rulesOf()));
    // No grace: #2 待核验 5 days 2.5, late close 0.5, #3 待核验 1 + 1 days 1, #2 逾期未催办 2 days 0.4 → 95.6
    expect(score(board(fixture, { o: graceless }), 'teams', 't1').score).toBe(95.6);
  });

  it('refuses weights with more than two decimals and unknown keys', () => {
    expect(() => policySchema.parse({ scoring: { teams: { perUnassignedDay: 0.125 } } })).toThrow(/two decimals/);
    expect(() => policySchema.parse({ scoring: { teams: { perActivity: 1 } } })).toThrow();
    expect(policySchema.parse({}).scoring.units).toEqual({ perLateClose: 1, perOverdueDay: 0.2, perRejection: 0.5, perRelapse: 2, graceDays: 0 });
  });
});

describe('facts of one issue', () => {
  it('counts a 回头看 not done by its date from the day after it', () => {
    const p = fixture.played.get(2)!;
    // Closed 12 June: due 13 July 09:00 (12 July is a Sunday). Late from 14 July.
    const facts = issueFacts(p.issue, p.steps, rulesOf(), officialCalendar);
    const late = facts.find((f) => f.kind === 'lateRevisit');
    expect(late && 'at' in late ? late.at : undefined).toBe(Date.parse('2026-07-14T00:00:00+08:00'));
    const { partial } = partialOf([{ id: 2, reporter: p.issue.reporter, facts }], rulesOf());
    expect(countAt('lateRevisit', partial.team.lateRevisit, dayIndex(Date.parse('2026-07-13T23:00:00+08:00')))).toBe(0);
    expect(countAt('lateRevisit', partial.team.lateRevisit, dayIndex(Date.parse('2026-07-14T08:00:00+08:00')))).toBe(1);
  });

  it('reads an issue without audit entries as reported at createdAt', () => {
    const facts = issueFacts({ state: 'assigned', createdAt: june(1), deadlineChanges: [{ from: null, to: endOfJune(2), reason: '导入', by: 'u_admin', at: june(1) }] }, [], rulesOf(), officialCalendar);
    expect(facts).toEqual([
      { side: 'team', kind: 'unreminded', from: endOfJune(2), to: undefined },
      { side: 'unit', kind: 'overdue', from: endOfJune(2), to: undefined },
    ]);
  });
});

describe('replies and sheets for the fixture', () => {
  const entries: ManualEntry[] = [{ id: 1, target: { kind: 'team', id: 't1' }, points: 2, reason: '获市级表彰', by: 'u_admin', at: june(15) }];

  it('ranks teams as “1. 第一工作队 100 分” lines', () => {
    expect(renderRanking(board(fixture, { entries }), 'teams', AS_OF)).toBe(
      [
        '**百分量化考核 · 工作队排名 · 全区（示例区） · 累计**',
        '计分截至 6月20日（周六）；满分 100，按台账结果扣分，含组织部加减分。',
        '',
        '1. 第一工作队 100 分',
        '1. 第二工作队 100 分',
        '1. 第四工作队 100 分',
        '1. 第五工作队 100 分',
        '1. 第七工作队 100 分',
        '1. 第八工作队 100 分',
        '7. 第三工作队 96.3 分',
        '7. 第六工作队 96.3 分',
        '',
        '查看扣分明细：/考核 第六工作队',
      ].join('\n'),
    );
  });

  it('breaks one team down: each deduction with its count, points and issues; each entry with its number and reason', () => {
    const b = board(fixture, { entries, scope: org.team('t1')!.coveredUnitIds, period: { label: '2026年6月', months: ['202606'] } });
    expect(renderBreakdown(b, score(b, 'teams', 't1'), AS_OF)).toBe(
      [
        '**百分量化考核 · 第一工作队（工作队） · 2026年6月**',
        '计分截至 6月20日（周六）；满分 100，按台账结果扣分，含组织部加减分。',
        '',
        '**第一工作队 100 分**',
        '扣分：',
        '- 待核验超期 3 天 −1.5：#2',
        '- 逾期销号 1 件 −0.5：#2',
        '加减分：',
        '- 编号 1 +2 获市级表彰（6月15日 10:00）',
      ].join('\n'),
    );
  });

  it('gives short lines for the 通报 and the summaries', () => {
    expect(scoreLines(board(fixture, { entries }), 3)).toEqual([
      '**百分量化考核（累计）**',
      '1. 第一工作队 100 分',
      '1. 第二工作队 100 分',
      '1. 第四工作队 100 分',
      '得分最低的责任单位：斑竹村 96.1 分、大兴精密机械公司 98 分',
    ]);
  });

  it('describes the export’s 考核 sheet', async () => {
    const sheet = scoreSheet(board(fixture, { entries }), { now: AS_OF });
    expect(sheet.name).toBe('考核');
    expect(sheet.columns.map((c) => c.header)).toEqual(['类别', '名次', '名称', '所属工作队', '得分', '扣分', '加减分', '扣分明细', '加减分明细']);
    const rows = [...(sheet.rows as Iterable<Record<string, unknown>>)];
    expect(rows.find((r) => r.name === '第三工作队')).toEqual({
      kind: '工作队',
      rank: 7,
      name: '第三工作队',
      teams: '',
      score: 96.3,
      deducted: 3.7,
      manual: 0,
      deductions: '待交办超期 5天 −2.5（#1 #4）；逾期未催办 6天 −1.2（#1）',
      entries: '',
    });
    expect(rows.find((r) => r.name === '第一工作队')).toMatchObject({ score: 100, deducted: 2, manual: 2, entries: '编号1 +2 获市级表彰（6月15日 10:00）' });
    expect(rows.filter((r) => r.kind === '队员')).toHaveLength(32);
    expect(rows.filter((r) => r.kind === '责任单位')).toHaveLength(org.units.length);
  });
});
