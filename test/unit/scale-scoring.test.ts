import { policySchema } from '../../src/config/org-schema';
import { issueFacts, type AuditStep } from '../../src/domain/scoring-facts';
import { mergePartial, emptyPartial, partialOf, scoreBoard, type PartialRules, type ScoreBoard } from '../../src/domain/scoring';
import { officialCalendar } from '../../src/parsing/deadline';
import { demoOrg } from '../support/app';

/**
 * 完成效果 and 群众评价 in the scores (docs/design.md §4.16), recomputed by hand on the pure
 * functions: the fact of each word the issue holds, from the step that gave it; the unit loses the
 * word's `deduct` per issue from that day on, as the scale in force says.
 */
const org = demoOrg();
const rules: PartialRules = { revisitAfter: org.policy.revisitAfter, remindAt: org.policy.remindAt, scoring: org.policy.scoring };
const day = (d: number, h = 9) => Date.parse(`2026-06-${String(d).padStart(2, '0')}T${String(h).padStart(2, '0')}:00:00+08:00`);
const DEADLINE = day(20, 18);

type Graded = { state: 'closed' | 'revisited' | 'assigned' | 'canceled'; grade?: string; rating?: string };
function issue(g: Graded) {
  return { ...g, createdAt: day(1), deadlineChanges: [{ from: null, to: DEADLINE, reason: '交办', by: 'u_t1_m2', at: day(1) }] };
}
const step = (action: string, from: AuditStep['from'], to: AuditStep['to'], at: number): AuditStep => ({ action, from, to, at });
const closedOn = (d: number): AuditStep[] => [step('report', null, 'assigned', day(1)), step('fix', 'assigned', 'submitted', day(d - 1)), step('verify', 'submitted', 'closed', day(d))];

function board(issues: { id: number; facts: ReturnType<typeof issueFacts> }[], asOf: number, scales?: Parameters<typeof scoreBoard>[0]['scales']): ScoreBoard {
  const p = partialOf(issues.map((i) => ({ ...i, reporter: 'u_t1_m2' })), rules);
  return scoreBoard({
    org,
    rules: org.policy.scoring,
    partials: new Map([['banzhu', p]]),
    entries: [],
    scope: { label: '斑竹村', unitIds: ['banzhu'] },
    period: { label: '累计' },
    asOf,
    ...(scales ? { scales } : {}),
  });
}
const banzhu = (b: ScoreBoard) => b.units.find((u) => u.id === 'banzhu')!;
const lines = (b: ScoreBoard) => banzhu(b).deductions.map((d) => `${d.label} ${d.count}${d.per} ${d.points} [${d.issueIds?.join(',') ?? ''}]`);

describe('the facts of a grade and a rating', () => {
  it('dates the grade from the 销号 that gave it, the rating from the last 回访', () => {
    const steps = [...closedOn(5), step('revisit', 'closed', 'revisited', day(12))];
    const facts = issueFacts(issue({ state: 'revisited', grade: '一般', rating: '不满意' }), steps, rules, officialCalendar);
    expect(facts.filter((f) => f.kind === 'grade' || f.kind === 'rating')).toEqual([
      { side: 'unit', kind: 'grade', word: '一般', at: day(5) },
      { side: 'unit', kind: 'rating', word: '不满意', at: day(12) },
    ]);
  });

  it('dates a grade given after a relapse from the second 销号', () => {
    const steps = [...closedOn(5), step('revisit', 'closed', 'assigned', day(8)), step('fix', 'assigned', 'submitted', day(9)), step('verify', 'submitted', 'closed', day(10))];
    const facts = issueFacts(issue({ state: 'closed', grade: '差' }), steps, rules, officialCalendar);
    expect(facts.find((f) => f.kind === 'grade')).toEqual({ side: 'unit', kind: 'grade', word: '差', at: day(10) });
  });

  it('counts no grade on an issue not closed, and nothing for a withdrawn one', () => {
    const reopened = issueFacts(issue({ state: 'assigned', grade: '差', rating: '不满意' }), [...closedOn(5), step('revisit', 'closed', 'assigned', day(8))], rules, officialCalendar);
    expect(reopened.filter((f) => f.kind === 'grade')).toEqual([]);
    expect(reopened.filter((f) => f.kind === 'rating')).toEqual([{ side: 'unit', kind: 'rating', word: '不满意', at: day(8) }]);
    const withdrawn = issueFacts(issue({ state: 'canceled', rating: '不满意' }), [step('report', null, 'assigned', day(1)), step('cancel', 'assigned', 'canceled', day(2))], rules, officialCalendar);
    expect(withdrawn.filter((f) => f.side === 'unit')).toEqual([]);
  });
});

describe('the board', () => {
  const graded = [
    { id: 1, facts: issueFacts(issue({ state: 'closed', grade: '一般' }), closedOn(5), rules, officialCalendar) },
    { id: 2, facts: issueFacts(issue({ state: 'closed', grade: '一般' }), closedOn(10), rules, officialCalendar) },
    { id: 3, facts: issueFacts(issue({ state: 'revisited', grade: '差', rating: '基本满意' }), [...closedOn(6), step('revisit', 'closed', 'revisited', day(15))], rules, officialCalendar) },
    { id: 4, facts: issueFacts(issue({ state: 'revisited', grade: '好', rating: '满意' }), [...closedOn(6), step('revisit', 'closed', 'revisited', day(15))], rules, officialCalendar) },
  ];

  it('takes each word’s deduct per issue from the day it was given', () => {
    // As of 7 June: #1 一般 (5 June) 0.5, #3 差 (6 June) 2; #2 is graded on the 10th, the ratings on the 15th.
    expect(lines(board(graded, day(7)))).toEqual(['完成效果“一般” 1件 0.5 [1]', '完成效果“差” 1件 2 [3]']);
    expect(banzhu(board(graded, day(7))).score).toBe(97.5);
    // As of 20 June: 一般 × 2 = 1, 差 2, 基本满意 0.5; 好 and 满意 cost nothing and are not listed. 100 − 3.5 = 96.5.
    expect(lines(board(graded, day(20)))).toEqual(['完成效果“一般” 2件 1 [1,2]', '完成效果“差” 1件 2 [3]', '群众评价“基本满意” 1件 0.5 [3]']);
    expect(banzhu(board(graded, day(20))).score).toBe(96.5);
  });

  it('weighs with the scale in force: a word renamed counts under the word that lists it as an alias, a dropped word for nothing', () => {
    const scales = policySchema.parse({
      grades: [
        { word: '好', deduct: 0 },
        { word: '中等', aliases: ['一般'], deduct: 1 },
      ],
      ratings: [
        { word: '满意', deduct: 0 },
        { word: '基本满意', deduct: 0.25 },
      ],
    });
    expect(lines(board(graded, day(20), scales))).toEqual(['完成效果“中等” 2件 2 [1,2]', '群众评价“基本满意” 1件 0.25 [3]']);
    expect(banzhu(board(graded, day(20), scales)).score).toBe(97.75);
  });

  it('sums the months of a period (partials merged side by side)', () => {
    const june = partialOf(graded.slice(0, 2).map((i) => ({ ...i, reporter: 'u' })), rules).partial;
    const july = partialOf(graded.slice(2).map((i) => ({ ...i, reporter: 'u' })), rules).partial;
    const merged = mergePartial(mergePartial(emptyPartial(), june), july);
    expect(Object.keys(merged.marks?.grade ?? {}).sort()).toEqual(['一般', '好', '差']);
    expect(merged.marks?.grade?.['一般']).toEqual(june.marks?.grade?.['一般']);
    expect(merged.marks?.rating).toEqual(july.marks?.rating);
  });
});
