import type { Org, Unit } from '../../domain/org';
import { meanScore, mergeFigures, onTimeRate, scaleCounts, type PerformanceFigures } from '../../domain/performance';
import { spanOfMonths } from '../../domain/period-span';
import type { ScoreBoard } from '../../domain/scoring';
import type { PerformanceReader } from '../../store/performance-reader';
import type { PracticeStore } from '../../store/practice-store';
import type { ScoreQuery } from '../../store/score-board';
import type { TalkStore } from '../../store/talk-store';
import type { SheetScope } from './practice-sheet';
import type { SheetColumn, SheetRow, TableSheet } from './table-sheet';

/** Where the sheet's figures come from (each store owns its part). */
export interface PerformanceSources {
  performance: Pick<PerformanceReader, 'units'>;
  talks: Pick<TalkStore, 'all'>;
  practices: Pick<PracticeStore, 'scan'>;
  board(query: ScoreQuery): Promise<ScoreBoard>;
}

/** One secretary's row: their units in the scope and the figures summed over them. */
export interface SecretaryRecord {
  person: string;
  units: Unit[];
  figures: PerformanceFigures;
  /** Undefined where talks may not be read (domain/talk.ts talksReadable). */
  talks?: number | undefined;
  practices: number;
  score?: number | undefined;
}

/**
 * The 实绩档案 sheet of the 台账 workbook (docs/design.md §4.18): one row per secretary of the
 * scope's units (a secretary of several units has one row over them; units without a
 * secretary on file have none), with the /档案 figures for the file's period. The 约谈次数
 * column only when `withTalks` (the file goes to 组织部 in its group or a single chat; a
 * leader's export lands in a work group). Never a talk's reason or date: those stay in /约谈.
 */
export async function performanceSheet(org: Org, src: PerformanceSources, { scope, period }: SheetScope, now: number, withTalks: boolean): Promise<TableSheet> {
  const records = await secretaryRecords(org, src, scope, period, now, withTalks);
  const grades = org.policy.grades.map((g) => g.word);
  const ratings = org.policy.ratings.map((r) => r.word);
  const columns: SheetColumn[] = [
    { header: '序号', key: 'n', kind: 'number', width: 6 },
    { header: '姓名', key: 'name', width: 10 },
    { header: '单位', key: 'units', width: 22 },
    { header: '镇街', key: 'towns', width: 12 },
    { header: '交办', key: 'assigned', kind: 'number', width: 7 },
    { header: '按期销号', key: 'onTime', kind: 'number', width: 9 },
    { header: '逾期销号', key: 'late', kind: 'number', width: 9 },
    { header: '按期率', key: 'rate', kind: 'percent', width: 9 },
    { header: '当前逾期', key: 'overdue', kind: 'number', width: 9 },
    { header: '驳回', key: 'rejections', kind: 'number', width: 7 },
    { header: '反弹', key: 'relapses', kind: 'number', width: 7 },
    ...grades.map((w, i): SheetColumn => ({ header: `效果·${w}`, key: `grade${i}`, kind: 'number', width: 8 })),
    ...ratings.map((w, i): SheetColumn => ({ header: `评价·${w}`, key: `rating${i}`, kind: 'number', width: 10 })),
    ...(withTalks ? [{ header: '约谈次数', key: 'talks', kind: 'number', width: 9 } satisfies SheetColumn] : []),
    { header: '典型经验', key: 'practices', kind: 'number', width: 9 },
    { header: '得分', key: 'score', kind: 'number', width: 8 },
  ];
  const rows: SheetRow[] = records.map((r, i) => {
    const f = r.figures;
    const row: SheetRow = {
      n: i + 1,
      name: org.person(r.person)?.name ?? r.person,
      units: r.units.map((u) => u.name).join('、'),
      towns: [...new Set(r.units.map((u) => u.town))].join('、'),
      assigned: f.assigned,
      onTime: f.closedOnTime,
      late: f.closedLate,
      rate: onTimeRate(f),
      overdue: f.overdueNow,
      rejections: f.rejections,
      relapses: f.relapses,
      talks: r.talks,
      practices: r.practices,
      score: r.score,
    };
    // Only the scale's own words have columns; a word since removed from the policy is not lost
    // from /档案 but has no column here.
    scaleCounts(org.policy.grades, f.grades).forEach((c, j) => j < grades.length && (row[`grade${j}`] = c.count));
    scaleCounts(org.policy.ratings, f.ratings).forEach((c, j) => j < ratings.length && (row[`rating${j}`] = c.count));
    return row;
  });
  return { name: '实绩档案', title: `${org.district}书记实绩档案 · ${scope.label} · ${period.label}`, columns, rows };
}

/** The secretaries of the scope in the org file's order of their first unit. */
export async function secretaryRecords(org: Org, src: PerformanceSources, scope: SheetScope['scope'], period: SheetScope['period'], now: number, withTalks: boolean): Promise<SecretaryRecord[]> {
  const inScope = new Set(scope.unitIds);
  const bySecretary = new Map<string, Unit[]>();
  for (const u of org.units) {
    if (!inScope.has(u.id) || !u.secretary) continue;
    bySecretary.set(u.secretary, [...(bySecretary.get(u.secretary) ?? []), u]);
  }
  const unitIds = [...bySecretary.values()].flat().map((u) => u.id);
  const span = spanOfMonths(period.months);
  const [figures, board, talks, practices] = await Promise.all([
    src.performance.units(unitIds, period.months, now),
    src.board({ scope, period }),
    withTalks ? src.talks.all(span) : [],
    countPractices(src.practices, unitIds, span),
  ]);
  const talksOf = new Map<string, number>();
  for (const t of talks) talksOf.set(t.person, (talksOf.get(t.person) ?? 0) + 1);
  const scoreOf = new Map(board.units.map((r) => [r.id, r.score]));
  return [...bySecretary].map(([person, units]) => ({
    person,
    units,
    figures: mergeFigures(units.map((u) => figures.get(u.id)!)),
    talks: withTalks ? (talksOf.get(person) ?? 0) : undefined,
    practices: units.reduce((n, u) => n + (practices.get(u.id) ?? 0), 0),
    score: meanScore(units.flatMap((u) => (scoreOf.has(u.id) ? [scoreOf.get(u.id)!] : []))),
  }));
}

async function countPractices(store: PerformanceSources['practices'], unitIds: readonly string[], span: ReturnType<typeof spanOfMonths>): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for await (const batch of store.scan(unitIds, span)) for (const p of batch) out.set(p.unitId, (out.get(p.unitId) ?? 0) + 1);
  return out;
}
