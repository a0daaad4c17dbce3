import { spanOfMonths } from '../domain/period-span';
import type { Clock } from '../clock';
import type { Org } from '../domain/org';
import { asOfFor, scoreBoard, unitsForBoard, type PartialRules, type ScoreBoard } from '../domain/scoring';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { ScoreCache } from './score-cache';
import { ScoreEntryStore } from './score-entries';

/**
 * The 百分量化考核 board of a scope and period, for /考核, the 通报, the summaries and the
 * export: the cached partials of the units it needs (src/store/score-cache.ts), the manual
 * entries of the period, the rules in force, evaluated at the period's as-of moment.
 */
export interface ScoreDeps {
  redis: RedisClient;
  keys: Keys;
  org: Org | (() => Org);
  clock: Clock;
}

export interface ScoreQuery {
  scope: { label: string; unitIds: readonly string[] };
  /** As /status reads it: the discovery months it covers; none = all time. */
  period: { label: string; months?: readonly string[] | undefined };
  /** With the issues behind each deduction (a breakdown); rankings do without. */
  details?: boolean;
}

export function partialRulesOf(org: Org): PartialRules {
  return { revisitAfter: org.policy.revisitAfter, remindAt: org.policy.remindAt, scoring: org.policy.scoring };
}

export async function computeScoreBoard(
  deps: ScoreDeps,
  query: ScoreQuery,
  cache: ScoreCache = new ScoreCache(deps.redis, deps.keys),
  store: ScoreEntryStore = new ScoreEntryStore(deps.redis, deps.keys),
): Promise<ScoreBoard> {
  const org = typeof deps.org === 'function' ? deps.org() : deps.org;
  const asOf = asOfFor(query.period, deps.clock.now().getTime());
  const rules = partialRulesOf(org);
  const [partials, entries] = await Promise.all([
    cache.partials(unitsForBoard(org, query.scope.unitIds), query.period.months, rules, query.details === true),
    store.list(spanOfMonths(query.period.months)?.from ?? -Infinity, asOf),
  ]);
  return scoreBoard({ org, rules: org.policy.scoring, partials, entries, scope: query.scope, period: query.period, asOf });
}
