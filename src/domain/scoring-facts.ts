import type { Policy } from '../config/org-schema';
import type { WorkCalendar } from '../parsing/deadline';
import type { Issue, IssueState } from './issue';
import { revisitAt } from './revisit';
import { DAY_MS, SHANGHAI_OFFSET_MS } from './time';

/**
 * What one issue's history says about duties done late (百分量化考核), before any rule's weight
 * or grace: spans of time a duty waited (a report in 待交办, a fix in 待核验, an overdue issue
 * without 催办, an issue overdue) and moments a duty failed (closed late, a 回头看 missed, a
 * rejection, a relapse). Pure: from the issue record and its audit entries, nothing else.
 *
 * Why the audit entries and not the issue record: the record keeps only the latest time of each
 * step (assignedAt is overwritten by a reassignment, submittedAt by a second fix, and no /催办
 * time is kept at all), while the per-issue audit list has every step with its time. It is read
 * only when a unit's month is recomputed (src/store/score-cache.ts), so its cost is paid once per
 * change, not per /考核.
 */

/** Team (and finder) duties: 发现问题、反馈交办、督促整改销号. */
export const TEAM_KINDS = ['unassigned', 'unverified', 'unreminded', 'lateRevisit', 'lateClose'] as const;
/** The unit's rectification. */
export const UNIT_KINDS = ['lateClose', 'overdue', 'rejection', 'relapse'] as const;
export type TeamKind = (typeof TEAM_KINDS)[number];
export type UnitKind = (typeof UNIT_KINDS)[number];
export type DeductionKind = TeamKind | UnitKind;
/**
 * The verdicts on a unit's work, one word of a scale each (docs/design.md §4.16): 完成效果 at
 * 销号 (policy.grades) and 群众评价 at 回访 (policy.ratings). Counted per issue and word; each
 * word's `deduct` applies when the board is evaluated, so a changed scale recomputes nothing.
 */
export const MARK_KINDS = ['grade', 'rating'] as const;
export type MarkKind = (typeof MARK_KINDS)[number];

/** Kinds counted per day past a grace; the others per case. */
export const DAILY_KINDS: ReadonlySet<string> = new Set<DeductionKind>(['unassigned', 'unverified', 'unreminded', 'overdue']);

/** One step of an issue's audit list, as the scores read it. */
export interface AuditStep {
  action: string;
  from: IssueState | null;
  to: IssueState;
  at: number;
}

/** A span a duty waited ([from, to), to undefined: still waiting), or a moment one failed. */
export type Fact =
  | { side: 'team'; kind: TeamKind; from: number; to: number | undefined }
  | { side: 'unit'; kind: UnitKind; from: number; to: number | undefined }
  | { side: 'team'; kind: TeamKind; at: number }
  | { side: 'unit'; kind: UnitKind; at: number }
  /** A grade or rating the issue holds now, from the step that gave it. */
  | { side: 'unit'; kind: MarkKind; word: string; at: number };

/** Shanghai calendar day number (days since 1970-01-01 in Shanghai): whole days are differences of these. */
export function dayIndex(ms: number): number {
  return Math.floor((ms + SHANGHAI_OFFSET_MS) / DAY_MS);
}

/** The first millisecond of a Shanghai day number. */
export function dayStart(day: number): number {
  return day * DAY_MS - SHANGHAI_OFFSET_MS;
}

/** Spans of one condition over time; contiguous pieces join unless a reset splits them. */
class Spans {
  readonly list: { from: number; to: number | undefined }[] = [];
  add(from: number, to: number | undefined, split: boolean): void {
    const last = this.list[this.list.length - 1];
    if (last && !split && last.to === from) last.to = to;
    else this.list.push({ from, to });
  }
}

/**
 * The facts of one issue. `steps` is its audit list in order; an issue without one (written by
 * an import) is read as reported in its current state at createdAt.
 */
export function issueFacts(
  issue: Pick<Issue, 'state' | 'createdAt' | 'deadlineChanges' | 'grade' | 'rating'>,
  steps: readonly AuditStep[],
  policy: Pick<Policy, 'revisitAfter' | 'remindAt'>,
  calendar: WorkCalendar,
): Fact[] {
  const timeline: AuditStep[] = steps.length ? [...steps] : [{ action: 'report', from: null, to: issue.state, at: issue.createdAt }];
  const deadlines = [...issue.deadlineChanges].sort((a, b) => a.at - b.at);
  const facts: Fact[] = [];
  const reported = new Spans();
  const submitted = new Spans();
  const overdue = new Spans();
  const unreminded = new Spans();

  let state: IssueState | undefined;
  let deadline: number | undefined;
  let lastFix: number | undefined;
  // When the grade and rating the issue holds were given: the last 销号 (a relapse drops the grade,
  // so the one it holds is the last 销号's) and the last 回访 (the best the audit's steps tell).
  let lastVerify: number | undefined;
  let lastRevisit: number | undefined;
  let d = 0;
  for (let i = 0; i < timeline.length; i++) {
    const step = timeline[i]!;
    const at = step.at;
    while (d < deadlines.length && deadlines[d]!.at <= at) deadline = deadlines[d++]!.to;
    const before = state;
    state = step.to;
    if (step.action === 'fix') lastFix = at;
    // A grade given after 销号 (the grade step) dates the grade the issue holds from then.
    if (step.action === 'verify' || step.action === 'grade') lastVerify = at;
    if (step.action === 'revisit') lastRevisit = at;
    if (step.action === 'verify' && state === 'closed') {
      // As the lifecycle decides 按期 at 销号: the accepted fix reported by the deadline in force.
      if (deadline !== undefined && (lastFix ?? at) > deadline) {
        facts.push({ side: 'team', kind: 'lateClose', at }, { side: 'unit', kind: 'lateClose', at });
      }
      const due = revisitAt(at, policy, calendar);
      const next = timeline[i + 1];
      const done = next && next.action === 'revisit' ? next.at : undefined;
      // Late once its date has passed without it: counted from the day after the due date.
      if (done === undefined || dayIndex(done) > dayIndex(due)) facts.push({ side: 'team', kind: 'lateRevisit', at: dayStart(dayIndex(due) + 1) });
    }
    if (step.action === 'reject') facts.push({ side: 'unit', kind: 'rejection', at });
    if (step.action === 'revisit' && state === 'assigned') facts.push({ side: 'unit', kind: 'relapse', at });

    // The state holds until the next step (or for good): the spans of this piece of time.
    const until = timeline[i + 1]?.at;
    // Deadline changes inside the piece (none in practice: each comes with a step) cut it.
    const cuts: { at: number | undefined; deadline: number | undefined }[] = [];
    for (let k = d; k < deadlines.length && (until === undefined || deadlines[k]!.at < until); k++) cuts.push({ at: deadlines[k]!.at, deadline: deadlines[k]!.to });
    const entered = before !== state;
    // A new 交办 or a /催办 is the team pressing: the days without one start again.
    const pressed = entered || step.action === 'assign' || step.action === 'remind';
    if (state === 'reported') reported.add(at, until, entered);
    if (state === 'submitted') submitted.add(at, until, entered);
    if (state === 'assigned') {
      let from = at;
      let dl = deadline;
      let first = true;
      for (const piece of [...cuts, { at: until, deadline: undefined }]) {
        const to = piece.at;
        if (dl !== undefined) {
          const start = Math.max(from, dl);
          if (to === undefined || start < to) {
            overdue.add(start, to, first && entered);
            unreminded.add(start, to, first && pressed);
          }
        }
        first = false;
        if (to === undefined) break;
        from = to;
        dl = piece.deadline;
      }
    }
  }

  const teamSpans: [TeamKind, Spans][] = [
    ['unassigned', reported],
    ['unverified', submitted],
    ['unreminded', unreminded],
  ];
  for (const [kind, spans] of teamSpans) for (const s of spans.list) facts.push({ side: 'team', kind, from: s.from, to: s.to });
  for (const s of overdue.list) facts.push({ side: 'unit', kind: 'overdue', from: s.from, to: s.to });
  // A grade only on an issue closed now (the lifecycle drops it on a relapse); no audit list
  // (an import): as of when the issue was written.
  if (issue.grade && (state === 'closed' || state === 'revisited')) facts.push({ side: 'unit', kind: 'grade', word: issue.grade, at: lastVerify ?? issue.createdAt });
  if (issue.rating) facts.push({ side: 'unit', kind: 'rating', word: issue.rating, at: lastRevisit ?? issue.createdAt });
  // A withdrawn report (重复上报, 误报) is no failure of the unit's; the team's waiting before it stands.
  return state === 'canceled' ? facts.filter((f) => f.side === 'team') : facts;
}
