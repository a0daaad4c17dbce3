import { z } from 'zod';
import { createChecklistMatcher } from '../parsing/checklist';
import { normalizeText } from '../parsing/normalize';
import { ISSUE_STATES, isOverdue, OPEN_STATES, type Issue, type IssueState } from './issue';
import type { Org } from './org';

/**
 * The 台账 table's row filters beyond scope and period (docs/design.md §7.4, API): states, 逾期,
 * 类别 and a search (an issue number; else words in the description and the fix note, a unit's
 * or town's name, an assignee's name). One meaning for the dashboard's
 * table (src/store/ledger-table.ts evaluates it on its columns) and for its export (the ledger
 * maker evaluates it on each issue), so a filtered table and its workbook hold the same rows.
 */

/** The state groups the table offers besides the states themselves. */
export const STATE_GROUPS = {
  open: { label: '未办结', states: OPEN_STATES },
  rectified: { label: '已整改（销号、回访）', states: ['closed', 'revisited'] },
} as const satisfies Record<string, { label: string; states: readonly IssueState[] }>;
export type StateKey = IssueState | keyof typeof STATE_GROUPS;

export function statesOf(key: StateKey): readonly IssueState[] {
  return key in STATE_GROUPS ? STATE_GROUPS[key as keyof typeof STATE_GROUPS].states : [key as IssueState];
}

/**
 * The form text is searched in: full-width folded to half-width, Traditional to Simplified
 * (as commands are read, src/parsing/normalize.ts) and lower-cased, so 閘閥 finds 闸阀 and ＡＢ ab.
 */
export function foldText(text: string): string {
  return normalizeText(text).toLowerCase();
}

/** The filter as it travels (the export's request carries it as JSON): already resolved. */
export const rowFilterSchema = z.object({
  states: z.array(z.enum(ISSUE_STATES)).optional(),
  overdue: z.boolean().optional(),
  /** The 类别 as stored (a checklist item's name, or free text), folded. */
  category: z.string().optional(),
  /** Folded search text. */
  q: z.string().min(1).optional(),
  /** The issue number searched for ("#12", "12"): that issue alone, the words not searched. */
  id: z.number().int().positive().optional(),
  /** The units whose name or town holds the search words: their issues match the search too. */
  qUnits: z.array(z.string()).optional(),
  /** The people whose name holds the search words: the issues assigned to them match the search too. */
  qAssignees: z.array(z.string()).optional(),
});
export type RowFilter = z.infer<typeof rowFilterSchema>;

/** The filter of a table query's words: the state key, '1'/'0', a checklist code or name, a search text. */
/** "#12", "12", "＃12": a search for an issue number. */
const ISSUE_NUMBER = /^#?(\d{1,9})$/u;

/**
 * The filter of a table query, resolved against the org file: a category word to its item, the
 * search to an issue number or to its words with the units and people they name (a search for
 * "斑竹村" or "陈晓燕" means that unit's or that person's issues, whose text rarely says so).
 */
export function rowFilter(org: Pick<Org, 'checklist' | 'units' | 'people'>, q: { state?: StateKey | undefined; overdue?: '1' | '0' | undefined; category?: string | undefined; q?: string | undefined }): RowFilter {
  const f: RowFilter = {};
  if (q.state) f.states = [...statesOf(q.state)];
  if (q.overdue) f.overdue = q.overdue === '1';
  if (q.category) {
    // A code (A5) or a name of the checklist names its item, as /上报's 类别 does; else the text itself.
    const m = org.checklist.length ? createChecklistMatcher(org.checklist).match(q.category) : undefined;
    f.category = foldText(m?.kind === 'one' ? m.item.name : q.category);
  }
  const text = q.q ? foldText(q.q).trim() : '';
  const number = ISSUE_NUMBER.exec(text);
  if (number) f.id = Number(number[1]);
  else if (text) {
    f.q = text;
    const units = org.units.filter((u) => foldText(`${u.town}${u.name}`).includes(text)).map((u) => u.id);
    if (units.length) f.qUnits = units;
    const people = org.people.filter((p) => [p.name, ...p.aliases].some((n) => foldText(n).includes(text))).map((p) => p.userid);
    if (people.length) f.qAssignees = people;
  }
  return f;
}

export const isEmptyFilter = (f: RowFilter) => !f.states && f.overdue === undefined && f.category === undefined && f.q === undefined && f.id === undefined;

/** The searched text of an issue: its description and its fix note, folded, one line each. */
export function searchText(issue: Pick<Issue, 'description' | 'fixNote'>): string {
  return issue.fixNote ? `${foldText(issue.description)}\n${foldText(issue.fixNote)}` : foldText(issue.description);
}

/** Whether an issue matches the search of a filter (the words, or the units and people they name). */
export function matchesSearch(f: RowFilter, issue: Pick<Issue, 'unitId' | 'assignee' | 'description' | 'fixNote'>): boolean {
  if (f.q === undefined) return true;
  return searchText(issue).includes(f.q) || !!f.qUnits?.includes(issue.unitId) || (issue.assignee !== undefined && !!f.qAssignees?.includes(issue.assignee));
}

export function matchesFilter(f: RowFilter, issue: Pick<Issue, 'id' | 'state' | 'deadline' | 'category' | 'unitId' | 'assignee' | 'description' | 'fixNote'>, now: number): boolean {
  if (f.id !== undefined && issue.id !== f.id) return false;
  if (f.states && !f.states.includes(issue.state)) return false;
  if (f.overdue !== undefined && isOverdue(issue, now) !== f.overdue) return false;
  if (f.category !== undefined && (issue.category === undefined || foldText(issue.category) !== f.category)) return false;
  return matchesSearch(f, issue);
}
