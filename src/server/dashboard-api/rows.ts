import { colourOf, STATE_WORDS, type Issue } from '../../domain/issue';
import type { Org } from '../../domain/org';
import { calendarDaysBetween, wallTime } from '../../domain/time';
import type { TableRow } from '../dashboard-contract';

/** What people call someone: their name in the org file, else the userid. Plain text (the page sets it as text). */
export function nameOf(org: Org, userid: string): string {
  return org.person(userid)?.name ?? userid;
}

/** One row of the 台账 table: the issue's own fields, with names for ids and the 三色预警 while rectifying. */
export function tableRow(org: Org, issue: Issue, now: number): TableRow {
  const unit = org.unit(issue.unitId);
  const row: TableRow = {
    id: issue.id,
    ref: `#${issue.id}`,
    description: issue.description,
    unit: unit?.name ?? issue.unitId,
    town: unit?.town ?? '',
    teams: issue.teamIds.map((t) => org.team(t)?.name ?? t),
    state: issue.state,
    stateLabel: STATE_WORDS[issue.state],
    createdAt: issue.createdAt,
  };
  if (issue.category) row.category = issue.category;
  if (issue.deadline !== undefined) {
    row.deadline = issue.deadline;
    // The chat writes a deadline's time unless it is the end of its day (rendering/dates.ts formatDate).
    const w = wallTime(issue.deadline);
    row.deadlineHasTime = !(w.hour === 23 && w.minute === 59);
  }
  const colour = colourOf(issue, now, org.policy.yellowWithin.ms);
  if (colour) row.warning = colour;
  // Counted as /查看 counts it ("已逾期2天"): calendar days, Shanghai time.
  // 0 when the deadline passed earlier today: still overdue, as the 逾期 figure counts it.
  if (colour === 'red') {
    row.overdue = true;
    row.overdueDays = calendarDaysBetween(issue.deadline!, now);
  }
  if (issue.assignee) row.assignee = nameOf(org, issue.assignee);
  if (issue.taskId !== undefined) row.task = `#T${issue.taskId}`;
  return row;
}
