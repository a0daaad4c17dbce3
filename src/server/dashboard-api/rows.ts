import { colourOf, STATE_WORDS, type Issue } from '../../domain/issue';
import type { Org } from '../../domain/org';
import { calendarDaysBetween } from '../../domain/time';
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
  if (issue.deadline !== undefined) row.deadline = issue.deadline;
  const colour = colourOf(issue, now, org.policy.yellowWithin.ms);
  if (colour) row.warning = colour;
  // Counted as /查看 counts it ("已逾期2天"): calendar days, Shanghai time.
  if (colour === 'red') row.overdueDays = calendarDaysBetween(issue.deadline!, now);
  if (issue.assignee) row.assignee = nameOf(org, issue.assignee);
  if (issue.taskId !== undefined) row.task = `#T${issue.taskId}`;
  return row;
}
