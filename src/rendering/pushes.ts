import type { Issue } from '../domain/issue';
import type { Org } from '../domain/org';
import type { Figures } from '../domain/stats';
import { calendarDaysBetween } from '../domain/time';
import { durationWords, formatDate, formatDeadline, formatDay, formatShortDate } from './dates';
import { personName, truncate, unitLabel } from './issue';
import { userText } from './safe-text';
import { taskLine } from './task-line';

/**
 * What duban says when nobody asked (plain text for the group robot, which @s people through
 * mentioned_list). Short, and only when something is due (docs/design.md §4.9 "less burden, not more").
 */
export function reminderText(org: Org, issue: Issue, now: number): string {
  return [
    `⏰ 整改提醒 #${issue.id} ${unitLabel(org, issue.unitId)}：${truncate(issue.description, 40)}`,
    // A reminder comes before the deadline; one rendered late names the date, never 已逾期 (the digest's word).
    `期限：${now < issue.deadline! ? formatDeadline(issue.deadline!, now) : formatDate(issue.deadline!, now)}`,
    `整改后请回复：/整改 #${issue.id} 整改情况（可附照片）`,
  ].join('\n');
}

export function remindNowText(org: Org, issue: Issue, by: string, now: number): string {
  return [
    `📣 ${personName(org, by)} 催办 #${issue.id} ${unitLabel(org, issue.unitId)}：${truncate(issue.description, 40)}`,
    ...(issue.deadline !== undefined ? [`期限：${formatDeadline(issue.deadline, now)}`] : []),
    `请尽快整改，完成后回复：/整改 #${issue.id} 整改情况`,
  ].join('\n');
}

/** To the issue's group when its fix was reported elsewhere (a single chat, another group). */
export function fixReportedText(org: Org, issue: Issue, by: string, photos: number, added: boolean): string {
  return [
    `✅ ${personName(org, by)} ${added ? '补充了' : '反馈了'} #${issue.id} ${unitLabel(org, issue.unitId)}：${truncate(issue.description, 30)} 的整改`,
    `整改情况：${truncate(issue.fixNote ?? '', 60)}${photos ? `（照片 ${photos} 张）` : ''}`,
    `请工作队核验：/销号 #${issue.id}，或 /驳回 #${issue.id} 原因`,
  ].join('\n');
}

export function revisitText(org: Org, issue: Issue, now: number): string {
  return [
    `🔁 回头看 #${issue.id} ${unitLabel(org, issue.unitId)}：${truncate(issue.description, 40)}`,
    `${issue.closedAt !== undefined ? `${formatDay(issue.closedAt, now)}销号，` : ''}请工作队回访：/回访 #${issue.id} 正常，或 /回访 #${issue.id} 反弹 说明`,
  ].join('\n');
}

export interface OverdueItem {
  issue: Issue;
  days: number;
}

export function overdueDays(issue: Issue, now: number): number {
  return Math.max(0, calendarDaysBetween(issue.deadline!, now));
}

function overdueLine(org: Org, o: OverdueItem): string {
  const days = o.days > 0 ? `逾期${o.days}天` : '今天逾期';
  return `🔴 #${o.issue.id} ${unitLabel(org, o.issue.unitId)}：${truncate(o.issue.description, 20)}（${days}，${personName(org, o.issue.assignee ?? '')}）`;
}

/** One message per chat per tick: every overdue item of the chat, the leader @ed for the old ones. */
export function digestText(org: Org, items: readonly OverdueItem[], leaders: readonly string[], escalateAfter: string | undefined, more: number): string {
  const lines = [`🔴 逾期未整改 ${items.length + more} 件，请责任人抓紧整改，完成后回复 /整改 #编号 整改情况`, ...items.map((o) => overdueLine(org, o))];
  if (more > 0) lines.push(`…另有 ${more} 件，发送 /清单 逾期 查看全部`);
  if (leaders.length && escalateAfter !== undefined) lines.push(`其中逾期超过${durationWords(escalateAfter)}的，请队长 ${leaders.map((l) => personName(org, l)).join('、')} 督促。`);
  return lines.join('\n');
}

/** To the admin chats: what has stayed overdue past the admins' escalation threshold. */
export function escalationText(org: Org, items: readonly OverdueItem[], after: string, more: number): string {
  const lines = [`⚠️ 逾期超过${durationWords(after)}未整改 ${items.length + more} 件（上报组织部）`, ...items.map((o) => overdueLine(org, o))];
  if (more > 0) lines.push(`…另有 ${more} 件，发送 /清单 逾期 全区 查看全部`);
  return lines.join('\n');
}

export interface TeamFigures {
  team: string;
  found: number;
  rectified: number;
  overdue: number;
  rate?: number;
}

/** The weekly 通报 to the admin chats (markdown); `tasks`: the department's task issues, one line under the teams' problems. */
export function bulletinText(org: Org, rows: readonly TeamFigures[], oldest: readonly OverdueItem[], now: number, tasks?: Figures): string {
  const pct = (v: number | undefined) => (v === undefined ? '—' : `${v.toFixed(1)}%`);
  const lines = [
    `**${userText(org.district)}整改工作通报**（截至${formatShortDate(now, now)}）`,
    '',
    ...rows.map((r) => `> ${userText(r.team)}：发现 ${r.found}，已销号 ${r.rectified}，整改率 ${pct(r.rate)}，逾期 <font color="warning">${r.overdue}</font>`),
  ];
  const taskText = taskLine(tasks, 'bulletin');
  if (taskText) lines.push(taskText);
  if (oldest.length) lines.push('', '**逾期最久**', ...oldest.map((o) => overdueLine(org, o)));
  return lines.join('\n');
}
