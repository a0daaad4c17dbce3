import scoreCommand from '../../../handlers/score';
import { spanOfMonths } from '../../domain/period-span';
import { ranks, type ScoreRow } from '../../domain/scoring';
import { mayUse, type Scope } from '../../domain/visibility';
import type { Period } from '../../parsing/period';
import type { PracticeStore } from '../../store/practice-store';
import { asOfLine, PART_WORDS, scoreText } from '../../rendering/scores';
import type { Org } from '../../domain/org';
import type { Scores } from '../../store/scores';
import type { ScoreLine, ScoresResponse } from '../dashboard-contract';
import { nameOf } from './rows';
import { ApiRefusal, ledScope, type Viewer } from './view';

/** The newest 典型经验 listed; a practice's title is its first line, cut to this many characters. */
const PRACTICES = 50;
const TITLE_CHARS = 40;

const cents = (points: number) => Math.round(points * 100) / 100;

/**
 * GET /api/scores: the /考核 rankings of the scope and period (teams, as /考核 ranks by default,
 * and units), from the store /考核 reads (src/store/scores.ts: the cached partials and the manual
 * entries), in the chat's words, and the scope's 典型经验. Who may see it is who may send /考核
 * (handlers/score.ts), over the area /考核 allows them.
 */
export async function scoresResponse(v: Viewer, scope: Scope, named: boolean, period: Period, scores: Scores, practices: PracticeStore): Promise<ScoresResponse> {
  if (!mayUse(scoreCommand.roles, v.membership)) throw new ApiRefusal(403, { error: 'forbidden', message: '考核得分只有组织部和队长可以查看' });
  const led = ledScope(v, scope, named);
  const unitIds = led.units.map((u) => u.id);
  const [board, recorded] = await Promise.all([
    scores.board({ scope: { label: led.label, unitIds }, period: { label: period.label, ...(period.months ? { months: period.months } : {}) } }),
    practices.page(unitIds, spanOfMonths(period.months), 0, PRACTICES),
  ]);
  return {
    scope: led.label,
    period: period.label,
    asOf: board.asOf,
    words: {
      title: '百分量化考核',
      teams: `${PART_WORDS.teams}排名`,
      units: `${PART_WORDS.units}排名`,
      score: '得分',
      deducted: '扣分',
      adjusted: '加减分',
      asOf: asOfLine(board, v.now),
    },
    teams: lines(v.org, board.teams),
    units: lines(v.org, board.units),
    practices: recorded.practices.map((p) => ({ id: p.id, unit: v.org.unit(p.unitId)?.name ?? p.unitId, title: titleOf(p.text), at: p.at, by: nameOf(v.org, p.author) })),
  };
}

/** A ranking's rows: the ledger's deductions apart from the 组织部's 加减分 (withdrawn entries count for nothing). */
function lines(org: Org, rows: readonly ScoreRow[]): ScoreLine[] {
  const rank = ranks(rows);
  return rows.map((r, i) => {
    const unit = r.kind === 'unit' ? org.unit(r.id) : undefined;
    const line: ScoreLine = {
      rank: rank[i]!,
      id: r.id,
      name: unit?.name ?? r.label,
      score: r.score,
      scoreText: scoreText(r.score),
      deducted: cents(r.deductions.reduce((n, d) => n + d.points, 0)),
      adjusted: cents(r.entries.filter((e) => !e.withdrawn).reduce((n, e) => n + e.points, 0)),
    };
    if (unit) line.town = unit.town;
    return line;
  });
}

function titleOf(text: string): string {
  const first = [...(text.split('\n').find((l) => l.trim()) ?? '').trim()];
  return first.length > TITLE_CHARS ? `${first.slice(0, TITLE_CHARS - 1).join('')}…` : first.join('');
}
