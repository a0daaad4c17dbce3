import type { Org } from '../domain/org';
import { talkRef, type Talk } from '../domain/talk';
import type { TalkAdvice } from '../domain/talk-advice';
import { formatShortDate, formatStamp } from './dates';
import { personName, truncate, unitLabel } from './issue';
import { userText } from './safe-text';

/**
 * 提醒约谈 in the chat and in the weekly 通报 (docs/design.md §4.17). A talk is always named
 * "约谈 #3", never "#3" alone: that is an issue.
 */

/** "11月20日 14:30", or "11月20日" for a talk recorded by its day only. */
export function talkWhen(t: Pick<Talk, 'at' | 'dayOnly'>, now: number): string {
  if (!t.dayOnly) return formatStamp(t.at, now);
  const stamp = formatShortDate(t.at, now);
  return stamp.replace(/周[日一二三四五六].*$/u, '');
}

/** "陈晓燕（福禄镇斑竹村）" — the person and the units the talk concerns. */
function withWhom(org: Org, t: Talk): string {
  const units = t.unitIds.map((u) => unitLabel(org, u)).join('、');
  return units ? `${personName(org, t.person)}（${units}）` : personName(org, t.person);
}

const MAX_REFS = 20;

function refs(ids: readonly number[]): string {
  const shown = ids.slice(0, MAX_REFS).map((id) => `#${id}`).join(' ');
  return ids.length > MAX_REFS ? `${shown} 等 ${ids.length} 件` : shown;
}

export function talkRecorded(org: Org, t: Talk, overdue: number, now: number): string {
  const lines = [
    `✅ 已记录 **${talkRef(t.id)}**：约谈 ${withWhom(org, t)}`,
    `时间：${talkWhen(t, now)}`,
    `约谈人：${t.heldBy.map((p) => personName(org, p)).join('、')}`,
    `事由：${userText(t.reason)}`,
  ];
  const typed = t.issueIds.length - overdue;
  if (t.issueIds.length) {
    const parts = [overdue ? `当前逾期 ${overdue} 件` : '', typed > 0 ? `另列 ${typed} 件` : ''].filter(Boolean).join('，');
    lines.push(`涉及问题：${refs(t.issueIds)}（${parts}）`);
  } else lines.push('涉及问题：无（记录时没有逾期问题）');
  lines.push('仅作组织部记录，不会推送给书记。查看全部：`/约谈 清单`');
  return lines.join('\n');
}

/** "约谈 #3 11月20日 陈晓燕（福禄镇斑竹村）：整改拖沓…（何静怡；#12 #15）" */
export function talkLine(org: Org, t: Talk, now: number): string {
  const issues = t.issueIds.length ? `；${refs(t.issueIds.slice(0, 5))}${t.issueIds.length > 5 ? ' …' : ''}` : '';
  return `${talkRef(t.id)} ${talkWhen(t, now)} ${withWhom(org, t)}：${truncate(t.reason, 24)}（${t.heldBy.map((p) => personName(org, p)).join('、')}${issues}）`;
}

export function talkCard(org: Org, t: Talk, now: number): string {
  return [
    `**${talkRef(t.id)}** 约谈 ${withWhom(org, t)}`,
    `时间：${talkWhen(t, now)}`,
    `约谈人：${t.heldBy.map((p) => personName(org, p)).join('、')}`,
    `事由：${userText(t.reason)}`,
    `涉及问题：${t.issueIds.length ? refs(t.issueIds) : '无'}`,
    `记录：${personName(org, t.recordedBy)}，${formatStamp(t.recordedAt, now)}`,
  ].join('\n');
}

/**
 * The 通报's 建议提醒约谈 section (markdown): a suggestion to the department, each unit with its
 * secretary, how many issues are overdue past the threshold, the oldest of them, and a recent talk.
 * `advice` is the units shown, `total` how many passed the rule: the rest are named as a count.
 */
export function talkAdviceLines(org: Org, advice: readonly TalkAdvice[], total: number, rule: { overdueIssues: number; overdueDays: number }, now: number): string[] {
  if (!total) return [];
  const lines = ['**建议提醒约谈（供组织部参考）**', `逾期超过${rule.overdueDays}天的问题达到 ${rule.overdueIssues} 件的单位${total > advice.length ? `共 ${total} 个` : ''}：`];
  for (const a of advice) {
    const who = a.secretary ? personName(org, a.secretary) : '未登记书记';
    const talked = a.lastTalk !== undefined ? `，已于 ${talkWhen({ at: a.lastTalk, dayOnly: true }, now)} 约谈` : '';
    lines.push(`> ${unitLabel(org, a.unitId)}（${who}）：${a.count} 件，最久 ${a.oldest.map((id) => `#${id}`).join(' ')}${talked}`);
  }
  if (total > advice.length) lines.push(`> …等 ${total - advice.length} 个单位（各单位逾期情况见 \`/status\`）`);
  lines.push('约谈后请用 `/约谈 单位 事由` 记录；本建议不会发给书记。');
  return lines;
}
