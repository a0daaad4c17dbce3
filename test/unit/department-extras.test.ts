import { practiceSection } from '../../jobs/files/department-extras';
import { scoreSummary } from '../../src/rendering/scores';
import type { ScoreBoard, ScoreRow } from '../../src/domain/scoring';
import { demoOrg } from '../support/app';

/** What the scores and the 典型经验 add to the summaries and documents: short, ranked, clipped. */
const row = (kind: ScoreRow['kind'], label: string, score: number): ScoreRow => ({ kind, id: label, label, score, deductions: [], entries: [] });
const board = (teams: ScoreRow[], units: ScoreRow[]): ScoreBoard => ({ district: '示例区', scopeLabel: '全区', periodLabel: '2026年第3季度', asOf: 0, teams, members: [], units });

it('names the top three teams, ties sharing a rank, and the lowest units that lost points', () => {
  const b = board(
    [row('team', '第一工作队', 98.5), row('team', '第二工作队', 98.5), row('team', '第三工作队', 97), row('team', '第四工作队', 90)],
    [row('unit', '斑竹村', 100), row('unit', '喜观村', 96.2), row('unit', '龙井村', 99), row('unit', '石堰村', 91), row('unit', '青杠社区', 95)],
  );
  expect(scoreSummary(b)).toEqual({
    title: '百分量化考核（2026年第3季度）',
    lines: ['1. 第一工作队 98.5 分', '1. 第二工作队 98.5 分', '3. 第三工作队 97 分', '得分最低的责任单位：石堰村 91 分、青杠社区 95 分、喜观村 96.2 分'],
  });
  expect(scoreSummary(board([], []))).toBeUndefined();
});

it('lists the newest five practices, clipped, and counts the rest', () => {
  const org = demoOrg();
  const unit = org.units.find((u) => u.name === '斑竹村')!;
  const practices = Array.from({ length: 7 }, (_, i) => ({ id: i + 1, unitId: unit.id, text: i === 6 ? '两周一走访'.repeat(20) : `做法${i + 1}` }));
  const s = practiceSection(org, practices)!;
  expect(s.title).toBe('典型经验');
  expect(s.lines).toHaveLength(6);
  expect(s.lines[0]).toBe('典型 #3 福禄镇斑竹村：做法3');
  expect(s.lines[4]).toBe(`典型 #7 福禄镇斑竹村：${'两周一走访'.repeat(12)}…`);
  expect(s.lines[5]).toBe('共 7 条，全部见台账的“典型经验”表');
  expect(practiceSection(org, [])).toBeUndefined();
});
