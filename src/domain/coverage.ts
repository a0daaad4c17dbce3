import { DAY_MS } from './time';

/**
 * 走访覆盖 (the teams' coverage, as the reports measure them: "全覆盖巡回指导…106个基层党组织"):
 * for a scope and period, the units visited out of the units in scope, the visits, and the units
 * not visited for a long time (policy coverageStaleDays) — as of now, whatever the period. Read
 * from per-month counters and one "last visit" set: a handful of commands, never every visit.
 */
export interface CoverageReader {
  /** Whether the district has any visit on record (a district not using visits sees nothing of them). */
  anyVisit(): Promise<boolean>;
  /** Visits per unit in these months ("YYYYMM"); all time when undefined. Units without any are absent. */
  visitCounts(unitIds: readonly string[], months: readonly string[] | undefined): Promise<Map<string, number>>;
  /** Each unit's latest visit (ms); never-visited units are absent. */
  lastVisits(unitIds: readonly string[]): Promise<Map<string, number>>;
}

export interface StaleUnit {
  unitId: string;
  /** The latest visit, if there ever was one. */
  lastAt?: number;
}

export interface Coverage {
  /** Units in scope. */
  units: number;
  /** Units with at least one visit in the period. */
  visited: number;
  /** Visits in the period. */
  visits: number;
  /** visited / units in percent; undefined for an empty scope. */
  rate: number | undefined;
  /** 全覆盖: every unit of the scope visited in the period. */
  full: boolean;
  /** Visits per unit in the period (every unit of the scope, 0 included). */
  perUnit: Map<string, number>;
  /** Units whose latest visit is older than staleDays (or that were never visited): never visited first, then the longest ago. */
  stale: StaleUnit[];
  staleDays: number;
}

export async function coverageOf(
  reader: CoverageReader,
  unitIds: readonly string[],
  period: { months?: readonly string[] | undefined },
  now: number,
  staleDays: number,
): Promise<Coverage> {
  const [counts, last] = await Promise.all([reader.visitCounts(unitIds, period.months), reader.lastVisits(unitIds)]);
  return coverageFrom(unitIds, counts, last, now, staleDays);
}

/** The figures from the counts and the latest visits (pure). */
export function coverageFrom(
  unitIds: readonly string[],
  counts: ReadonlyMap<string, number>,
  last: ReadonlyMap<string, number>,
  now: number,
  staleDays: number,
): Coverage {
  const perUnit = new Map<string, number>();
  let visited = 0;
  let visits = 0;
  for (const id of unitIds) {
    const n = counts.get(id) ?? 0;
    perUnit.set(id, n);
    visits += n;
    if (n > 0) visited++;
  }
  const since = now - staleDays * DAY_MS;
  const stale: StaleUnit[] = [];
  for (const id of unitIds) {
    const at = last.get(id);
    if (at === undefined) stale.push({ unitId: id });
    else if (at < since) stale.push({ unitId: id, lastAt: at });
  }
  // Never visited first (in scope order), then the longest ago.
  stale.sort((a, b) => (a.lastAt === undefined ? (b.lastAt === undefined ? 0 : -1) : b.lastAt === undefined ? 1 : a.lastAt - b.lastAt));
  const units = unitIds.length;
  return { units, visited, visits, rate: units ? (visited / units) * 100 : undefined, full: units > 0 && visited === units, perUnit, stale, staleDays };
}
