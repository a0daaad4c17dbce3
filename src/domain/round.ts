import { wallTime } from './time';

/**
 * A 巡查 round (docs/design.md §4.19): the department's periodic inspection of a set of units
 * against the checklist ("每个月对…26项工作进行深入巡查"). An admin opens it for a scope and closes
 * it; problems reported and visits logged at a unit of the scope while it is open carry its id.
 * Pure data; the store keeps it in `{dept}`.
 */
export interface Round {
  id: number;
  /** What people call it: "2026年12月", "2026年第二轮". */
  name: string;
  /** The scope as written and read back (全区, 福禄镇、七塘镇, 学校 …). */
  scopeLabel: string;
  /** The units of the scope when the round was opened: the coverage denominator stays what it was. */
  unitIds: string[];
  openedBy: string;
  openedAt: number;
  /** The chat the round was opened in. */
  chatId: string;
  closedBy?: string;
  closedAt?: number;
}

/** Longest round name (a month, or a short title). */
export const ROUND_NAME_MAX = 20;

export const isOpen = (r: Round): boolean => r.closedAt === undefined;

/** "2026年12月": the default name, the month the round opens in (Shanghai). */
export function defaultRoundName(now: number): string {
  const w = wallTime(now);
  return `${w.year}年${w.month}月`;
}

/** "巡查 #2" — a round is never "#2" alone (that is an issue). */
export const roundRef = (id: number): string => `巡查 #${id}`;

/** The open rounds that share a unit with these units (at most one may be open per unit). */
export function overlapping(rounds: readonly Round[], unitIds: readonly string[]): Round[] {
  const want = new Set(unitIds);
  return rounds.filter((r) => isOpen(r) && r.unitIds.some((u) => want.has(u)));
}

/** The round open for a unit, if any. */
export function openRoundOf(rounds: readonly Round[], unitId: string): Round | undefined {
  return rounds.find((r) => isOpen(r) && r.unitIds.includes(unitId));
}
