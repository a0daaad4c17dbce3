import type { Issue } from '../../src/domain/issue';
import { meanScore, mergeFigures, onTimeRate, performanceOf, scaleCounts } from '../../src/domain/performance';
import { unitsPastThreshold } from '../../src/domain/talk-advice';
import { refsInText, talkIssues } from '../../src/domain/talk';
import { readTalkTime } from '../../src/parsing/talk-time';
import { demoOrg } from '../support/app';

const NOW = Date.parse('2026-06-20T12:00:00+08:00');
const base: Issue = { id: 0, version: 1, state: 'assigned', unitId: 'banzhu', teamIds: ['t1'], description: 'x', reporter: 'u', homeChat: 'c', createdAt: 0, evidence: [], rejectCount: 0, rejectReasons: [], relapseCount: 0, deadlineChanges: [] };
const issue = (over: Partial<Issue>): Issue => ({ ...base, ...over });

describe('实绩档案 figures', () => {
  it('counts each issue as docs/design.md §4.18 says', () => {
    const f = performanceOf(
      [
        issue({ id: 1, state: 'closed', assignedAt: 1, closedOnTime: true, grade: '好' }),
        issue({ id: 2, state: 'revisited', assignedAt: 1, closedOnTime: false, grade: '一般', rating: '满意' }),
        issue({ id: 3, state: 'assigned', assignedAt: 1, deadline: NOW - 1, rejectCount: 2, relapseCount: 1, rating: '不满意' }),
        issue({ id: 4, state: 'assigned', assignedAt: 1, deadline: NOW + 1 }),
        issue({ id: 5, state: 'reported' }),
        issue({ id: 6, state: 'canceled', assignedAt: 1, rejectCount: 5, grade: '差' }),
        issue({ id: 7, state: 'submitted', assignedAt: 1, deadline: NOW - 1 }),
      ],
      NOW,
    );
    expect(f).toEqual({ assigned: 5, closedOnTime: 1, closedLate: 1, overdueNow: 1, rejections: 2, relapses: 1, grades: { 好: 1, 一般: 1 }, ratings: { 满意: 1, 不满意: 1 } });
    expect(onTimeRate(f)).toBe(50);
    expect(onTimeRate({ closedOnTime: 0, closedLate: 0 })).toBeUndefined();
  });

  it('sums several units, lists a scale in its order with words since removed last, and means scores', () => {
    const a = performanceOf([issue({ state: 'closed', assignedAt: 1, closedOnTime: true, grade: '好' })], NOW);
    const b = performanceOf([issue({ state: 'closed', assignedAt: 1, closedOnTime: false, grade: '优秀' })], NOW);
    const m = mergeFigures([a, b]);
    expect(m).toMatchObject({ assigned: 2, closedOnTime: 1, closedLate: 1, grades: { 好: 1, 优秀: 1 } });
    expect(scaleCounts([{ word: '好' }, { word: '差' }], m.grades)).toEqual([{ word: '好', count: 1 }, { word: '差', count: 0 }, { word: '优秀', count: 1 }]);
    expect(meanScore([98.5, 100, 95.25])).toBe(97.92);
    expect(meanScore([])).toBeUndefined();
  });
});

describe('约谈', () => {
  it('keeps the overdue issues first, then the typed refs, each once', () => {
    expect(refsInText('见 #12、＃15 和 #12，不是12号楼')).toEqual([12, 15]);
    expect(talkIssues([3, 5], [5, 9])).toEqual([3, 5, 9]);
  });

  it.each<[string, string | { at: string; dayOnly: boolean }]>([
    ['今天', { at: '2026-06-20T12:00:00', dayOnly: false }],
    ['昨天', { at: '2026-06-19T00:00:00', dayOnly: true }],
    ['前天', { at: '2026-06-18T00:00:00', dayOnly: true }],
    ['6月1日', { at: '2026-06-01T00:00:00', dayOnly: true }],
    ['6月1日14:30', { at: '2026-06-01T14:30:00', dayOnly: false }],
    ['12月1日', { at: '2025-12-01T00:00:00', dayOnly: true }],
    ['2026-06-02', { at: '2026-06-02T00:00:00', dayOnly: true }],
    ['2026年7月1日', '约谈时间不能晚于现在：请记录已经进行的约谈'],
    ['2024年1月1日', '约谈时间超过一年了，请写近一年内的日期'],
    ['2月30日', '约谈时间“2月30日”不是有效的日期'],
    ['下周', '看不懂约谈时间“下周”，可以写“昨天”“12月1日”或“12月1日14:30”'],
  ])('reads the time %s', (word, want) => {
    const got = readTalkTime(word, NOW);
    if (typeof want === 'string') expect(got).toEqual({ ok: false, error: want });
    else expect(got).toEqual({ ok: true, at: Date.parse(`${want.at}+08:00`), dayOnly: want.dayOnly });
  });

  it('suggests the units at or past the threshold, most overdue first', () => {
    const counts = new Map([['shiyan', 3], ['banzhu', 3], ['longjing', 2], ['xiguan', 5]]);
    expect(unitsPastThreshold(demoOrg(), counts, { overdueIssues: 3, overdueDays: 7 })).toEqual(['xiguan', 'banzhu', 'shiyan']);
  });
});
