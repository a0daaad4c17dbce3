import { STATE_WORDS } from '../src/domain/issue';
import { restText } from '../src/parsing/args';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { resolveDeadline } from '../src/pipeline/deadlines';
import { NeedInput } from '../src/pipeline/errors';
import { act, checkLength, refuseEarly, requireRef } from '../src/pipeline/issue-actions';
import { formatDeadline } from '../src/rendering/dates';
import { mention, unitLabel } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/回访 #12 反弹 闸阀又开始漏水';

export default defineCommand({
  name: 'revisit',
  takesIssue: true,
  aliases: ['回访', '回头看'],
  roles: ['admin', 'leader', 'member'],
  summary: '销号后回头看：正常则结案，反弹则重新整改',
  usage: '/回访 #编号 正常，或 /回访 #编号 反弹 [说明] [期限:<日期>]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const [first, ...rest] = args.words;
    // English and the words people use for the same two outcomes.
    const OUTCOMES: Record<string, '正常' | '反弹'> = { 正常: '正常', 好: '正常', 良好: '正常', 没问题: '正常', ok: '正常', normal: '正常', good: '正常', 反弹: '反弹', 复发: '反弹', relapse: '反弹', bad: '反弹' };
    const said = first?.norm.toLowerCase();
    const outcomeWord = said !== undefined && Object.hasOwn(OUTCOMES, said) ? OUTCOMES[said] : undefined;
    if (outcomeWord !== '正常' && outcomeWord !== '反弹') {
      await refuseEarly(ctx, id, { type: 'revisit', outcome: 'normal' });
      throw new NeedInput('outcome', `#${id} 回访结果是“正常”还是“反弹”？`, '正常');
    }
    const note = restText(rest);
    checkLength('revisitNote', note, EXAMPLE);
    const now = ctx.clock.now();
    if (outcomeWord === '正常') {
      const { outcome } = await act(ctx, id, () => ({ type: 'revisit', outcome: 'normal', ...(note ? { note } : {}) }));
      return `🔁 **#${id}** ${unitLabel(ctx.org, outcome.issue.unitId)} 回访正常，状态：${STATE_WORDS[outcome.issue.state]}。`;
    }
    const deadline = resolveDeadline(args.fields.deadline, ctx.org.policy, now, EXAMPLE);
    const { outcome } = await act(ctx, id, () => ({ type: 'revisit', outcome: 'relapse', deadline: deadline.at, ...(note ? { note } : {}) }));
    const issue = outcome.issue;
    return [
      `⚠️ **#${id}** ${unitLabel(ctx.org, issue.unitId)} 回访发现反弹（第 ${issue.relapseCount} 次），状态：${STATE_WORDS[issue.state]}`,
      ...(note ? [`情况：${userText(note)}`] : []),
      `请 ${mention(ctx.org, issue.assignee)} 重新整改，期限：${formatDeadline(deadline.at, now.getTime())}。`,
    ].join('\n');
  },
});
