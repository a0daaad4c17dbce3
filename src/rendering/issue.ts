import { COLOUR_MARKS, colourOf, STATE_WORDS, type Issue } from '../domain/issue';
import { ACTION_WORDS } from '../domain/lifecycle';
import type { Org } from '../domain/org';
import type { AuditEntry } from '../store/ledger-store';
import { formatDate, formatDeadline, formatStamp } from './dates';

/** "@罗亚倩" — WeCom shows a name after @; the userid when the person is not in the org file. */
export function mention(org: Org, userid: string | undefined): string {
  if (!userid) return '（未指定）';
  return `@${org.person(userid)?.name ?? userid}`;
}

export function personName(org: Org, userid: string): string {
  return org.person(userid)?.name ?? userid;
}

export function unitLabel(org: Org, unitId: string): string {
  const u = org.unit(unitId);
  return u ? `${u.town}${u.name}` : unitId;
}

/** One line of a list: colour, #id, unit, what, state or deadline, who. */
export function issueLine(org: Org, issue: Issue, now: number): string {
  const colour = colourOf(issue, now, org.policy.yellowWithin.ms);
  const mark = colour ? `${COLOUR_MARKS[colour]} ` : '';
  const what = truncate(issue.description, 24);
  const tail =
    issue.state === 'assigned' && issue.deadline !== undefined
      ? `${formatDeadline(issue.deadline, now)} ${mention(org, issue.assignee)}`
      : `${STATE_WORDS[issue.state]}${issue.assignee ? ` ${mention(org, issue.assignee)}` : ''}`;
  return `${mark}#${issue.id} ${unitLabel(org, issue.unitId)}：${what}（${tail}）`;
}


/** /查看: the whole record and its history. */
export function issueCard(org: Org, issue: Issue, history: readonly AuditEntry[], now: number): string {
  const lines = [
    `**#${issue.id} ${unitLabel(org, issue.unitId)}**（${STATE_WORDS[issue.state]}）`,
    `问题：${issue.description}`,
  ];
  if (issue.category) lines.push(`类别：${issue.category}`);
  if (issue.source) lines.push(`来源：${issue.source}`);
  lines.push(`上报：${personName(org, issue.reporter)}，${formatStamp(issue.createdAt, now)}`);
  if (issue.assignee) lines.push(`责任人：${mention(org, issue.assignee)}`);
  if (issue.deadline !== undefined) lines.push(`期限：${issue.state === 'assigned' ? formatDeadline(issue.deadline, now) : formatDate(issue.deadline, now)}`);
  if (issue.extensionRequest) lines.push(`延期申请：至 ${formatDate(issue.extensionRequest.to, now)}（${issue.extensionRequest.reason}），待批准：\`/延期 #${issue.id} 同意\``);
  if (issue.fixNote) lines.push(`整改情况：${issue.fixNote}`);
  if (issue.evidence.length) lines.push(`佐证材料：${issue.evidence.length} 份`);
  if (issue.rejectCount) lines.push(`驳回：${issue.rejectCount} 次（${issue.rejectReasons.join('；')}）`);
  if (issue.relapseCount) lines.push(`反弹：${issue.relapseCount} 次`);
  if (issue.cancelReason) lines.push(`撤销原因：${issue.cancelReason}`);
  if (history.length) {
    lines.push('', '**记录**');
    for (const h of history) {
      const step = ACTION_WORDS[h.action as keyof typeof ACTION_WORDS] ?? h.action;
      const state = h.from !== h.to ? ` → ${STATE_WORDS[h.to]}` : '';
      lines.push(`- ${formatStamp(h.at, now)} ${personName(org, h.actor)} ${step}${state}${h.note && h.action !== 'report' ? `：${truncate(h.note, 40)}` : ''}${h.evidenceCount ? `（附 ${h.evidenceCount} 张图）` : ''}`);
    }
  }
  return lines.join('\n');
}

export function truncate(text: string, max: number): string {
  const chars = [...text.replace(/\s+/g, ' ')];
  return chars.length > max ? `${chars.slice(0, max - 1).join('')}…` : chars.join('');
}
