import type { ChecklistItem } from '../../src/config/org-schema';
import { spanOfMonths } from '../../src/domain/period-span';
import type { Round } from '../../src/domain/round';
import { itemCounts, type ItemCount } from '../../src/domain/round-figures';
import { checklistMatcher, type ChecklistMatch, type ChecklistMatcher } from '../../src/parsing/checklist';
import { checklistSheet, roundSheet } from '../../src/rendering/xlsx/round-sheets';
import { readRoundFigures, RoundStore } from '../../src/store/round-store';
import { VisitStore } from '../../src/store/visit-store';
import type { FileRequest } from './file-request';
import type { SheetProvider } from './ledger-maker';

/**
 * The rounds of a file's scope and period: those sharing a unit with the scope whose time open
 * overlaps the period (all of them for all time), oldest first.
 */
async function roundsOf(store: RoundStore, req: FileRequest, now: number): Promise<Round[]> {
  const inScope = new Set(req.scope.unitIds);
  const span = spanOfMonths(req.period.months);
  return (await store.all()).filter((r) => r.unitIds.some((u) => inScope.has(u)) && (!span || (r.openedAt < span.to && (r.closedAt ?? now) >= span.from)));
}

/** The workbook's 巡查轮次 sheet; none when the scope had no round in the period. */
export const roundSheetProvider: SheetProvider = async (req, deps) => {
  const org = deps.org();
  const now = deps.clock.now().getTime();
  const rounds = new RoundStore(deps.redis, deps.keys);
  const list = await roundsOf(rounds, req, now);
  if (!list.length) return undefined;
  const inScope = new Set(req.scope.unitIds);
  const read = { ledger: deps.ledger, rounds, visits: new VisitStore(deps.redis, deps.keys) };
  const figures = await Promise.all(list.map((r) => readRoundFigures(read, org, r, r.unitIds.filter((u) => inScope.has(u)), now)));
  return roundSheet(org, figures, req);
};

/**
 * The workbook's 检查项目 sheet: the scope's problems of the period (by discovery month, as the
 * 台账) per checklist item, and per round; none when the org file has no checklist. Counted in
 * the 台账's own pass over the ledger (a second scan cost about as much as the 台账's: README,
 * 台账 export), so the rows are made when the sheet is written, after the 台账.
 */
export const checklistSheetProvider: SheetProvider = async (req, deps, pass) => {
  const org = deps.org();
  if (!org.checklist.length) return undefined;
  const now = deps.clock.now().getTime();
  const matcher = memoized(checklistMatcher(org.checklist));
  const rounds = await roundsOf(new RoundStore(deps.redis, deps.keys), req, now);
  const total = new Map<ChecklistItem | undefined, ItemCount>();
  const perRound = new Map<number, Map<ChecklistItem | undefined, number>>(rounds.map((r) => [r.id, new Map()]));
  pass.observe((batch) => {
    for (const c of itemCounts(batch, matcher, now)) {
      const t = total.get(c.item);
      if (t) for (const k of ['found', 'open', 'closed', 'overdue'] as const) t[k] += c[k];
      else total.set(c.item, { ...c });
    }
    for (const [id, counts] of perRound) {
      const during = batch.filter((i) => i.roundId === id);
      if (during.length) for (const c of itemCounts(during, matcher, now)) counts.set(c.item, (counts.get(c.item) ?? 0) + c.found);
    }
  });
  const { name, title, columns } = checklistSheet(org, org.checklist, [], perRound, rounds, req);
  return {
    name,
    title,
    columns,
    rows: {
      async *[Symbol.asyncIterator]() {
        yield* checklistSheet(org, org.checklist, [...total.values()], perRound, rounds, req).rows;
      },
    },
  };
};

/**
 * A matcher that matches each distinct 类别 once: a ledger from before the checklist holds the
 * same few free-text words many times, and an unknown word costs a did-you-mean search.
 */
function memoized(matcher: ChecklistMatcher): ChecklistMatcher {
  const seen = new Map<string, ChecklistMatch>();
  return {
    match(typed) {
      let m = seen.get(typed);
      if (!m) {
        m = matcher.match(typed);
        seen.set(typed, m);
      }
      return m;
    },
  };
}
