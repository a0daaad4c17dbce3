import { addIssue, emptyFigures, type PerformanceFigures } from '../domain/performance';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { scanIssues } from './issue-scan';

/**
 * The 实绩档案 figures of each unit (docs/design.md §4.18), from the issue scan of the units and
 * period (issues discovered in the period's months; all time without months): the records are
 * folded batch by batch, never held all at once.
 */
export class PerformanceReader {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {}

  async units(unitIds: readonly string[], months: readonly string[] | undefined, now: number): Promise<Map<string, PerformanceFigures>> {
    const out = new Map<string, PerformanceFigures>(unitIds.map((u) => [u, emptyFigures()]));
    if (!unitIds.length) return out;
    for await (const batch of scanIssues(this.redis, this.keys, { unitIds, months })) {
      for (const issue of batch) {
        const f = out.get(issue.unitId);
        if (f) addIssue(f, issue, now);
      }
    }
    return out;
  }
}
