import { messagePushId } from '../jobs/push';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { ConflictError } from '../src/pipeline/errors';
import { act, refuseEarly, requireRef } from '../src/pipeline/issue-actions';
import { formatClock, formatDeadline } from '../src/rendering/dates';
import { mention, unitLabel } from '../src/rendering/issue';
import { remindNowText } from '../src/rendering/pushes';
import { userText } from '../src/rendering/safe-text';
import { issueMentions } from '../src/domain/issue-people';
import { issueChat } from '../src/domain/issue-chat';

const EXAMPLE = '/催办 #12';

const noAssignee = (id: number) => new ConflictError(`#${id} 还没有责任人，请先 /交办`);

export default defineCommand({
  name: 'remind',
  takesIssue: true,
  aliases: ['催办', '提醒'],
  roles: ['admin', 'leader', 'member'],
  summary: '催促责任人尽快整改（在问题所在的群里 @责任人）',
  usage: '/催办 #编号',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const now = ctx.clock.now().getTime();
    const pushId = messagePushId('remind-now', id, ctx.message.msgid);
    const gate = ctx.jobs.remindGate;

    // Every refusal before anything is written or counted: who may, the state, an assignee to @.
    const current = await refuseEarly(ctx, id, { type: 'remind' });
    const assignee = current.assignee;
    if (!assignee) throw noAssignee(id);
    const wait = await gate.userWait(ctx.sender.userid, now, pushId);
    if (wait > 0) throw new ConflictError(`催办太频繁了：每人每分钟最多 ${gate.limits.perUserPerMinute} 次，请 ${Math.ceil(wait / 1000)} 秒后再试`);
    const claim = await gate.claimIssue(id, now, pushId);
    if (!claim.ok) throw new ConflictError(`#${id} 已在 ${formatClock(claim.since)} 催办过，1 小时内不再重复推送`);

    try {
      // The push first, under an id of this message (a re-sent callback queues nothing new), so
      // nothing can fail after the commit below; the @ itself is the group robot's.
      await ctx.jobs.push({
        id: pushId,
        chatId: issueChat(ctx.org, current),
        kind: 'remind-now',
        format: 'text',
        content: remindNowText(ctx.org, current, ctx.sender.userid, now),
        mentions: issueMentions(ctx.org, current),
        createdAt: now,
      });
      const { outcome } = await act(ctx, id, (issue) => {
        // Read again for the commit: an issue changed in between is checked again.
        if (!issue.assignee) throw noAssignee(id);
        return { type: 'remind' };
      });
      const issue = outcome.issue;
      const where = issueChat(ctx.org, issue) === ctx.message.chatId ? '本群' : '问题所在的群';
      return [
        `📣 已催办 **#${id}** ${unitLabel(ctx.org, issue.unitId)}：${userText(issue.description)}`,
        `将在${where} ${issueMentions(ctx.org, current).map((u) => mention(ctx.org, u)).join(' ')}${issue.deadline !== undefined ? `，期限：${formatDeadline(issue.deadline, now)}` : ''}。`,
      ].join('\n');
    } catch (err) {
      // Refused on the second read (another change got there first) or Redis failed: the hour
      // stays free. A push already queued in that race still goes out once.
      await claim.release();
      throw err;
    }
  },
});
