import { STATE_WORDS } from '../src/domain/issue';
import { restText } from '../src/parsing/args';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { NeedInput } from '../src/pipeline/errors';
import { act, checkLength, refuseEarly, requireRef } from '../src/pipeline/issue-actions';
import { formatDeadline } from '../src/rendering/dates';
import { mention, unitLabel } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';
import { assignmentCard } from '../src/rendering/issue-card';
import { otherPeopleLine } from '../src/rendering/issue-people';

const EXAMPLE = '/驳回 #12 照片看不清闸阀，请补拍';

export default defineCommand({
  name: 'reject',
  takesIssue: true,
  aliases: ['驳回', '退回'],
  roles: ['admin', 'leader', 'member'],
  once: 'commit',
  summary: '整改不到位，退回责任人继续整改',
  usage: '/驳回 #编号 <原因>',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const reason = restText(args.words);
    if (!reason) await refuseEarly(ctx, id, { type: 'reject', reason: '…' });
    if (!reason) throw new NeedInput('reason', `请说明驳回 #${id} 的原因`, '照片看不清闸阀，请补拍');
    checkLength('rejectReason', reason, EXAMPLE);
    const { finished } = await act(
      ctx,
      id,
      () => ({ type: 'reject', reason }),
      (_before, { issue }) => {
        const now = ctx.clock.now().getTime();
        const markdown = [
          `↩️ **#${id}** ${unitLabel(ctx.org, issue.unitId)} 已驳回，状态：${STATE_WORDS[issue.state]}`,
          `原因：${userText(reason)}`,
          `请 ${mention(ctx.org, issue.assignee)} 继续整改${issue.deadline !== undefined ? `，期限：${formatDeadline(issue.deadline, now)}` : ''}。`,
          ...[otherPeopleLine(ctx.org, issue)].filter((l): l is string => !!l),
        ].join('\n');
        // Back to the unit: the assignment notice again, so the 责任人 can click 已整改 once more.
        return { reply: { markdown, card: assignmentCard(ctx.org, issue, now, ctx.message.msgid) } };
      },
    );
    return finished.reply;
  },
});
