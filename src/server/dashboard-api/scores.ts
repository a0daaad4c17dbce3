import scoreCommand from '../../../handlers/score';
import { spanOfMonths } from '../../domain/period-span';
import { ranks } from '../../domain/scoring';
import { mayUse, type Scope } from '../../domain/visibility';
import type { Period } from '../../parsing/period';
import type { PracticeStore } from '../../store/practice-store';
import type { Scores } from '../../store/scores';
import type { ScoresResponse } from '../dashboard-contract';
import { nameOf } from './rows';
import { ApiRefusal, ledScope, type Viewer } from './view';

/** The newest 典型经验 listed; a practice's title is its first line, cut to this many characters. */
const PRACTICES = 50;
const TITLE_CHARS = 40;

const cents = (points: number) => Math.round(points * 100) / 100;

/**
 * GET /api/scores: the /考核 单位 ranking of the scope and period, from the store /考核 reads
 * (src/store/scores.ts: the cached partials and the manual entries), and the scope's 典型经验.
 * Who may see it is who may send /考核 (handlers/score.ts), over the area /考核 allows them.
 */
export async function scoresResponse(v: Viewer, scope: Scope, named: boolean, period: Period, scores: Scores, practices: PracticeStore): Promise<ScoresResponse> {
  if (!mayUse(scoreCommand.roles, v.membership)) throw new ApiRefusal(403, { error: 'forbidden', message: '考核得分只有组织部和队长可以查看' });
  const led = ledScope(v, scope, named);
  const unitIds = led.units.map((u) => u.id);
  const [board, recorded] = await Promise.all([
    scores.board({ scope: { label: led.label, unitIds }, period: { label: period.label, ...(period.months ? { months: period.months } : {}) } }),
    practices.page(unitIds, spanOfMonths(period.months), 0, PRACTICES),
  ]);
  const rank = ranks(board.units);
  return {
    scope: led.label,
    period: period.label,
    rows: board.units.map((r, i) => {
      const unit = v.org.unit(r.id);
      const live = r.entries.filter((e) => !e.withdrawn);
      const deducted = r.deductions.reduce((n, d) => n + d.points, 0) - live.filter((e) => e.points < 0).reduce((n, e) => n + e.points, 0);
      return { rank: rank[i]!, unitId: r.id, unit: unit?.name ?? r.label, town: unit?.town ?? '', score: r.score, deducted: cents(deducted), bonus: cents(live.filter((e) => e.points > 0).reduce((n, e) => n + e.points, 0)) };
    }),
    practices: recorded.practices.map((p) => ({ id: p.id, unit: v.org.unit(p.unitId)?.name ?? p.unitId, title: titleOf(p.text), at: p.at, by: nameOf(v.org, p.author) })),
  };
}

function titleOf(text: string): string {
  const first = [...(text.split('\n').find((l) => l.trim()) ?? '').trim()];
  return first.length > TITLE_CHARS ? `${first.slice(0, TITLE_CHARS - 1).join('')}…` : first.join('');
}
