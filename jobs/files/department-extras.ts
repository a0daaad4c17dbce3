import type { Clock } from '../../src/clock';
import type { Org } from '../../src/domain/org';
import { scoreSummary } from '../../src/rendering/scores';
import type { ExtraSection } from '../../src/rendering/summary';
import { coverageOf } from '../../src/domain/coverage';
import { practicesOf } from '../../src/rendering/xlsx/practice-sheet';
import { visitSheet } from '../../src/rendering/xlsx/visit-sheet';
import { VisitStore } from '../../src/store/visit-store';
import { scoreSheet } from '../../src/rendering/xlsx/score-sheet';
import type { Keys } from '../../src/store/keys';
import { PracticeStore } from '../../src/store/practice-store';
import type { RedisClient } from '../../src/store/redis';
import { computeScoreBoard } from '../../src/store/score-board';
import type { SheetProvider } from './ledger-maker';

/**
 * What the scores and the 典型经验 add to the department's outputs: sections of the summaries and
 * the .docx documents, and the workbook's 考核 sheet. Each comes from the module that owns it;
 * this only joins them to a scope and period.
 */
export interface ExtrasDeps {
  redis: RedisClient;
  keys: Keys;
  org: () => Org;
  clock: Clock;
}

interface ScopeAndPeriod {
  scope: { label: string; unitIds: readonly string[] };
  period: { label: string; months?: readonly string[] | undefined };
}

/** How many teams, units and practices a summary names (the workbook has them all). */
const TOP = 3;
const PRACTICES = 5;
const PRACTICE_CHARS = 60;

export function practiceSection(org: Org, practices: readonly { unitId: string; text: string; id: number }[]): ExtraSection | undefined {
  if (!practices.length) return undefined;
  const lines = practices.slice(-PRACTICES).map((p) => {
    const unit = org.unit(p.unitId);
    const text = [...p.text].length > PRACTICE_CHARS ? `${[...p.text].slice(0, PRACTICE_CHARS).join('')}…` : p.text;
    return `典型 #${p.id} ${unit ? unit.town + unit.name : p.unitId}：${text}`;
  });
  if (practices.length > PRACTICES) lines.push(`共 ${practices.length} 条，全部见台账的“典型经验”表`);
  return { title: '典型经验', lines };
}

export async function departmentSections(deps: ExtrasDeps, q: ScopeAndPeriod): Promise<ExtraSection[]> {
  const [board, practices] = await Promise.all([computeScoreBoard(deps, { scope: q.scope, period: q.period }), practicesOf(new PracticeStore(deps.redis, deps.keys), q.scope.unitIds, q.period.months)]);
  return [scoreSummary(board, TOP), practiceSection(deps.org(), practices)].filter((s): s is ExtraSection => s !== undefined);
}

/** The workbook's 考核 sheet: the board of the file's scope and period, with the issues behind each deduction. */
export const scoreSheetProvider: SheetProvider = async (req, deps) => {
  const board = await computeScoreBoard(deps, { scope: req.scope, period: req.period, details: true });
  return scoreSheet(board, { now: deps.clock.now().getTime() });
};

/**
 * The 走访记录 sheet, its title carrying the scope's coverage for the period (走访覆盖 5/6 个单位
 * （83.3%）· 走访 9 次), as /status shows it.
 */
export const visitSheetProvider: SheetProvider = async (req, deps) => {
  const org = deps.org();
  const store = new VisitStore(deps.redis, deps.keys);
  const c = await coverageOf(store, req.scope.unitIds, req.period, deps.clock.now().getTime(), org.policy.coverageStaleDays);
  const share = c.full ? '全覆盖' : c.rate === undefined ? '—' : `${c.rate.toFixed(1)}%`;
  const sheet = visitSheet(org, store, req);
  return { ...sheet, title: `${sheet.title} · 走访覆盖 ${c.visited}/${c.units} 个单位（${share}）· 走访 ${c.visits} 次` };
};
