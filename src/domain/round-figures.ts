import type { ChecklistItem } from '../config/org-schema';
import type { ChecklistMatcher } from '../parsing/checklist';
import { ISSUE_STATES, isOverdue, OPEN_STATES, type Issue, type IssueState } from './issue';
import type { Org } from './org';
import type { Round } from './round';

/**
 * The figures of a 巡查 round for a part of its scope (docs/design.md §4.19): the problems found
 * during it by state, by checklist item, and its coverage — units of the part visited or with a
 * problem during the round, out of the part's units — with the units not yet covered by town.
 * Pure: the round's issues and visited units are read by the caller.
 */
export interface ItemCount {
  /** The checklist item, or none: issues whose 类别 names no item (free text, or none at all). */
  item?: ChecklistItem;
  found: number;
  open: number;
  closed: number;
  overdue: number;
}

export interface RoundFigures {
  round: Round;
  /** The part of the round's units shown (all of them for an admin). */
  unitIds: string[];
  found: number;
  byState: Record<IssueState, number>;
  /** Open (待交办, 整改中, 待核验), closed (已销号, 已回访) and overdue now. */
  open: number;
  closed: number;
  overdue: number;
  /** By checklist item, most problems first (items without any left out). */
  items: ItemCount[];
  covered: number;
  /** covered / units in percent; undefined for an empty part. */
  rate: number | undefined;
  /** Units not yet covered, per town, in the org's town order. */
  uncoveredByTown: { town: string; units: number }[];
}

const CLOSED: readonly IssueState[] = ['closed', 'revisited'];

export function roundFigures(
  org: Org,
  matcher: ChecklistMatcher | undefined,
  round: Round,
  part: readonly string[],
  issues: readonly Issue[],
  visitedUnitIds: Iterable<string>,
  now: number,
): RoundFigures {
  const inPart = new Set(part);
  const mine = issues.filter((i) => inPart.has(i.unitId) && i.state !== 'canceled');
  const byState = Object.fromEntries(ISSUE_STATES.map((s) => [s, 0])) as Record<IssueState, number>;
  for (const i of mine) byState[i.state]++;
  const covered = new Set<string>();
  for (const u of visitedUnitIds) if (inPart.has(u)) covered.add(u);
  for (const i of mine) covered.add(i.unitId);
  const uncovered = new Map<string, number>();
  for (const id of part) {
    if (covered.has(id)) continue;
    const town = org.unit(id)?.town ?? '（已不在名册）';
    uncovered.set(town, (uncovered.get(town) ?? 0) + 1);
  }
  return {
    round,
    unitIds: [...part],
    found: mine.length,
    byState,
    open: mine.filter((i) => OPEN_STATES.includes(i.state)).length,
    closed: mine.filter((i) => CLOSED.includes(i.state)).length,
    overdue: mine.filter((i) => isOverdue(i, now)).length,
    items: itemCounts(mine, matcher, now).filter((c) => c.found > 0),
    covered: covered.size,
    rate: part.length ? (covered.size / part.length) * 100 : undefined,
    uncoveredByTown: [...uncovered.entries()].map(([town, units]) => ({ town, units })),
  };
}

/**
 * Problems per checklist item, most first, the unclassified last. An issue's 类别 is matched as
 * typed input is, so a problem reported before the checklist existed (`环境卫生`) still counts
 * for its item; one reported with a name since renamed counts as unclassified.
 */
export function itemCounts(issues: readonly Issue[], matcher: ChecklistMatcher | undefined, now: number, items: readonly ChecklistItem[] = []): ItemCount[] {
  const by = new Map<ChecklistItem | undefined, ItemCount>();
  for (const item of items) by.set(item, { item, found: 0, open: 0, closed: 0, overdue: 0 });
  for (const i of issues) {
    if (i.state === 'canceled') continue;
    const m = i.category && matcher ? matcher.match(i.category) : undefined;
    const item = m?.kind === 'one' ? m.item : undefined;
    let c = by.get(item);
    if (!c) {
      c = { ...(item ? { item } : {}), found: 0, open: 0, closed: 0, overdue: 0 };
      by.set(item, c);
    }
    c.found++;
    if (OPEN_STATES.includes(i.state)) c.open++;
    if (CLOSED.includes(i.state)) c.closed++;
    if (isOverdue(i, now)) c.overdue++;
  }
  const order = new Map(items.map((it, n) => [it, n]));
  return [...by.values()].sort((a, b) => {
    if (!a.item !== !b.item) return a.item ? -1 : 1;
    return b.found - a.found || (order.get(a.item!) ?? 0) - (order.get(b.item!) ?? 0);
  });
}
