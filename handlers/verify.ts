import { STATE_WORDS } from '../src/domain/issue';
import { revisitAt } from '../src/domain/revisit';
import { officialCalendar } from '../src/parsing/deadline';
import { restText } from '../src/parsing/args';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { act, checkLength, requireRef } from '../src/pipeline/issue-actions';
import { formatDay } from '../src/rendering/dates';
import { unitLabel } from '../src/rendering/issue';

const EXAMPLE = '/销号 #12 现场核验，闸阀运行正常';

export default defineCommand({
  name: 'verify',
  takesIssue: true,
  aliases: ['销号', '核验', '通过', 'close'],
  roles: ['admin', 'leader', 'member'],
  summary: '核验整改到位后销号（反馈整改的人和责任人不能销号：两人核验）',
  usage: '/销号 #编号 [核验意见]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const note = restText(args.words);
    checkLength('verifyNote', note, EXAMPLE);
    const { outcome } = await act(ctx, id, () => (note ? { type: 'verify', note } : { type: 'verify' }));
    const issue = outcome.issue;
    const now = ctx.clock.now().getTime();
    const revisitDay = revisitAt(issue.closedAt ?? now, ctx.org.policy, officialCalendar);
    return [
      `☑️ **#${id}** ${unitLabel(ctx.org, issue.unitId)} ${STATE_WORDS[issue.state]}（${issue.closedOnTime ? '按期整改' : '逾期整改'}）`,
      `回头看：${formatDay(revisitDay, now)}提醒工作队回访，\`/回访 #${id} 正常\` 或 \`/回访 #${id} 反弹 说明\`。`,
    ].join('\n');
  },
});
