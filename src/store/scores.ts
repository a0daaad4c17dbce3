import type { Clock } from '../clock';
import type { Org } from '../domain/org';
import type { ScoreBoard } from '../domain/scoring';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { computeScoreBoard, type ScoreQuery } from './score-board';
import { ScoreCache } from './score-cache';
import { ScoreEntryStore } from './score-entries';

/** What the chat commands use for scores: one cache and one entry store per app. */
export interface Scores {
  board(query: ScoreQuery): Promise<ScoreBoard>;
  entries: ScoreEntryStore;
  cache: ScoreCache;
}

export function createScores(deps: { redis: RedisClient; keys: Keys; org: Org | (() => Org); clock: Clock }): Scores {
  const cache = new ScoreCache(deps.redis, deps.keys);
  const entries = new ScoreEntryStore(deps.redis, deps.keys);
  return { board: (query) => computeScoreBoard(deps, query, cache, entries), entries, cache };
}
