import { STATE_WORDS } from '../src/domain/issue';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { resolveDeadline } from '../src/pipeline/deadlines';
import { NeedInput } from '../src/pipeline/errors';
import { act, loadIssue, requireRef, resolvePerson } from '../src/pipeline/issue-actions';
import { formatDeadline } from '../src/rendering/dates';
import { mention, unitLabel } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';
import { assignmentCard } from '../src/rendering/issue-card';
import { otherPeopleLine } from '../src/rendering/issue-people';

const EXAMPLE = '/交办 #12 @罗亚倩 期限:5月10日';

export default defineCommand({
  name: 'assign',
  takesIssue: true,
  aliases: ['交办', '转办'],
  roles: ['admin', 'leader', 'member'],
  summary: '把问题交给责任人限期整改，或改派',
  usage: '/交办 #编号 [@责任人] [期限:<日期>]',
  example: EXAMPLE,
  fields: ['assignee', 'deadline'],
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const current = await loadIssue(ctx, id);
    const named = args.fields.assignee ?? args.mentions[0];
    const assignee = named ? resolvePerson(ctx, named, EXAMPLE) : (current.assignee ?? ctx.org.unit(current.unitId)?.secretary);
    if (!assignee) throw new NeedInput('assignee', `#${id} 交给谁整改？请 @责任人`, '@陈晓燕');
    const now = ctx.clock.now();
    // Keep a deadline still ahead unless a new one is given.
    const keep = !args.fields.deadline && current.deadline !== undefined && current.deadline > now.getTime();
    const deadline = keep ? { at: current.deadline! } : resolveDeadline(args.fields.deadline, ctx.org.policy, now, EXAMPLE);
    const { outcome } = await act(ctx, id, () => ({ type: 'assign', assignee, deadline: deadline.at }));
    const issue = outcome.issue;
    // Someone who is not this unit's secretary: say so, a slip of the @ is easy on a phone.
    const theirs = ctx.org.units.filter((u) => u.secretary === assignee && u.id !== issue.unitId);
    const unit = ctx.org.unit(issue.unitId);
    const warn = unit?.secretary && unit.secretary !== assignee && theirs.length ? `（注意：${mention(ctx.org, assignee)} 是${theirs.map((u) => userText(u.name)).join('、')}的责任人，不是${userText(unit.name)}的）` : '';
    const markdown = [
      `📌 **#${id}** ${unitLabel(ctx.org, issue.unitId)}：${userText(issue.description)}`,
      `已交办 ${mention(ctx.org, assignee)}，状态：${STATE_WORDS[issue.state]}`,
      `期限：${formatDeadline(deadline.at, now.getTime())}${'note' in deadline && deadline.note ? `（${deadline.note}）` : ''}`,
      ...[otherPeopleLine(ctx.org, issue)].filter((l): l is string => !!l),
      `整改后请回复：\`/整改 #${id} 整改情况\`（可附照片）。`,
      ...(warn ? [warn] : []),
    ].join('\n');
    return { markdown, card: assignmentCard(ctx.org, issue, now.getTime(), ctx.message.msgid) };
  },
});
