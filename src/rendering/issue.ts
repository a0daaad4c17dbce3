import { COLOUR_MARKS, colourOf, STATE_WORDS, type Issue } from '../domain/issue';
import { ACTION_WORDS } from '../domain/lifecycle';
import type { Org } from '../domain/org';
import type { AuditEntry } from '../store/ledger-store';
import { formatDate, formatDeadline, formatStamp } from './dates';
import { userText } from './safe-text';

/** "@罗亚倩" — WeCom shows a name after @; the userid when the person is not in the org file. */
export function mention(org: Org, userid: string | undefined): string {
  if (!userid) return '（未指定）';
  return `@${personName(org, userid)}`;
}

export function personName(org: Org, userid: string): string {
  return userText(org.person(userid)?.name ?? userid);
}

export function unitLabel(org: Org, unitId: string): string {
  const u = org.unit(unitId);
  // A unit named after its town (福禄镇中心小学) is not prefixed again: 福禄镇福禄镇中心小学 reads as a typo.
  return userText(u ? (u.name.startsWith(u.town) ? u.name : `${u.town}${u.name}`) : unitId);
}

/** "照片 2 张" — the one word for evidence, wherever it is counted. */
export function photoCount(n: number): string {
  return `照片 ${n} 张`;
}

/**
 * One line of a list: colour, #id, unit, what, then in one pair of brackets the deadline (or
 * the state) and who. The reader's own name is left out: "待我整改" needs no @ of oneself.
 */
export function issueLine(org: Org, issue: Issue, now: number, viewer?: string): string {
  const colour = colourOf(issue, now, org.policy.yellowWithin.ms);
  const mark = colour ? `${COLOUR_MARKS[colour]} ` : '';
  const what = truncate(issue.description, 24);
  const when = issue.state === 'assigned' && issue.deadline !== undefined ? formatDeadline(issue.deadline, now, true) : STATE_WORDS[issue.state];
  const who = issue.assignee && issue.assignee !== viewer ? ` ${mention(org, issue.assignee)}` : '';
  return `${mark}#${issue.id} ${unitLabel(org, issue.unitId)}：${what}（${when}${who}）`;
}

/** /查看: the whole record and its history. Every user field is one inert line (userText). */
export function issueCard(org: Org, issue: Issue, history: readonly AuditEntry[], now: number): string {
  const lines = [
    `**#${issue.id} ${unitLabel(org, issue.unitId)}**（${STATE_WORDS[issue.state]}）`,
    `问题：${userText(issue.description)}`,
  ];
  if (issue.category) lines.push(`类别：${userText(issue.category)}`);
  if (issue.source) lines.push(`来源：${userText(issue.source)}`);
  if (issue.taskId !== undefined) lines.push(`任务：#T${issue.taskId}（\`/任务 #T${issue.taskId}\` 看各单位完成情况）`);
  lines.push(`上报：${personName(org, issue.reporter)}，${formatStamp(issue.createdAt, now)}`);
  if (issue.assignee) lines.push(`责任人：${mention(org, issue.assignee)}`);
  if (issue.deadline !== undefined) lines.push(`期限：${issue.state === 'assigned' ? formatDeadline(issue.deadline, now) : formatDate(issue.deadline, now)}`);
  if (issue.extensionRequest) {
    lines.push(`延期申请：至 ${formatDate(issue.extensionRequest.to, now)}，理由：${userText(issue.extensionRequest.reason)}。待批准：\`/延期 #${issue.id} 同意\``);
  }
  if (issue.fixNote) lines.push(`整改情况：${userText(issue.fixNote)}`);
  if (issue.evidence.length) lines.push(photoCount(issue.evidence.length));
  if (issue.rejectCount) lines.push(`驳回：${issue.rejectCount} 次（${issue.rejectReasons.map(userText).join('；')}）`);
  if (issue.grade) lines.push(`完成效果：${userText(issue.grade)}`);
  if (issue.rating) lines.push(`群众评价：${userText(issue.rating)}`);
  if (issue.relapseCount) lines.push(`反弹：${issue.relapseCount} 次`);
  if (issue.cancelReason) lines.push(`撤销原因：${userText(issue.cancelReason)}`);
  if (history.length) {
    lines.push('', '**记录**');
    for (const h of history) lines.push(`- ${historyLine(org, h, now)}`);
  }
  return lines.join('\n');
}

/** "11月23日 14:05 陈晓燕 反馈整改 → 待核验：闸阀已更换（照片 1 张）". */
function historyLine(org: Org, h: AuditEntry, now: number): string {
  const step = ACTION_WORDS[h.action as keyof typeof ACTION_WORDS] ?? userText(h.action);
  const state = h.from !== h.to ? ` → ${STATE_WORDS[h.to]}` : '';
  // The report's note is the description (shown above); a note that only repeats the step ("催办：催办") says nothing.
  const note = h.note && h.action !== 'report' && h.note.trim() !== step ? `：${truncate(h.note, 40)}` : '';
  const photos = h.evidenceCount ? `（${photoCount(h.evidenceCount)}）` : '';
  return `${formatStamp(h.at, now)} ${personName(org, h.actor)} ${step}${state}${note}${photos}`;
}

/** User text made inert (userText) and cut to `max` characters, the last being "…". */
export function truncate(text: string, max: number): string {
  const chars = [...userText(text).replace(/\s+/g, ' ')];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}
