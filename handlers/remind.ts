import { defineCommand, grammarInput } from '../src/pipeline/command';
import { act, requireRef } from '../src/pipeline/issue-actions';
import { formatDeadline } from '../src/rendering/dates';
import { mention, unitLabel } from '../src/rendering/issue';

const EXAMPLE = '/催办 #12';

export default defineCommand({
  name: 'remind',
  aliases: ['催办', '提醒'],
  roles: ['admin', 'leader', 'member'],
  summary: '催促责任人尽快整改',
  usage: '/催办 #编号',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const { outcome } = await act(ctx, id, () => ({ type: 'remind' }));
    const issue = outcome.issue;
    const now = ctx.clock.now().getTime();
    // The @-push to the assignee goes through the group robot with the reminders (issue #4).
    return [
      `📣 催办 **#${id}** ${unitLabel(ctx.org, issue.unitId)}：${issue.description}`,
      `${mention(ctx.org, issue.assignee)} 请尽快整改${issue.deadline !== undefined ? `，期限：${formatDeadline(issue.deadline, now)}` : ''}。`,
    ].join('\n');
  },
});
