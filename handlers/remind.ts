import { createHash } from 'node:crypto';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { ConflictError } from '../src/pipeline/errors';
import { act, requireRef } from '../src/pipeline/issue-actions';
import { formatDeadline } from '../src/rendering/dates';
import { mention, unitLabel } from '../src/rendering/issue';
import { remindNowText } from '../src/rendering/pushes';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/催办 #12';

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
    const { outcome } = await act(ctx, id, () => ({ type: 'remind' }));
    const issue = outcome.issue;
    if (!issue.assignee) throw new ConflictError(`#${id} 还没有责任人，请先 /交办`);
    const now = ctx.clock.now().getTime();
    // The @ itself is the group robot's (only it can @ a person): one push per /催办 message.
    await ctx.jobs.outbox.enqueue({
      id: `remind-now-${id}-${createHash('sha1').update(ctx.message.msgid).digest('hex').slice(0, 16)}`,
      chatId: issue.homeChat,
      kind: 'remind-now',
      format: 'text',
      content: remindNowText(ctx.org, issue, ctx.sender.userid, now),
      mentions: [issue.assignee],
      createdAt: now,
    });
    const where = issue.homeChat === ctx.message.chatId ? '本群' : '问题所在的群';
    return [
      `📣 已催办 **#${id}** ${unitLabel(ctx.org, issue.unitId)}：${userText(issue.description)}`,
      `将在${where} ${mention(ctx.org, issue.assignee)}${issue.deadline !== undefined ? `，期限：${formatDeadline(issue.deadline, now)}` : ''}。`,
    ].join('\n');
  },
});
