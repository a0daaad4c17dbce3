import { STATE_WORDS } from '../src/domain/issue';
import { revisitAt } from '../src/domain/revisit';
import { officialCalendar } from '../src/parsing/deadline';
import { restText } from '../src/parsing/args';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { act, checkLength, requireRef } from '../src/pipeline/issue-actions';
import { takeScaleWord } from '../src/pipeline/scale-field';
import { formatDay } from '../src/rendering/dates';
import { unitLabel } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/销号 #12 效果:好 现场核验，闸阀运行正常';

export default defineCommand({
  name: 'verify',
  takesIssue: true,
  aliases: ['销号', '核验', '通过', 'close'],
  roles: ['admin', 'leader', 'member'],
  summary: '核验整改到位后销号（反馈整改的人和责任人不能销号：两人核验）',
  usage: '/销号 #编号 [效果:好/较好/一般/差] [核验意见]（完成效果可不填，档次以本区规定为准）',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const grades = ctx.org.policy.grades;
    // 完成效果 is optional; a word outside the district's scale is refused before anything is written.
    const { word: grade, words } = takeScaleWord(args.fields.grade, args.words, {
      field: '完成效果',
      scale: grades,
      strictKeys: ['完成效果', '效果'],
      example: `/销号 #${id} 效果:${grades[0]!.word} 现场核验，整改到位`,
    });
    const note = restText(words);
    checkLength('verifyNote', note, EXAMPLE);
    const { outcome } = await act(ctx, id, () => ({ type: 'verify', ...(note ? { note } : {}), ...(grade ? { grade: grade.word } : {}) }));
    const issue = outcome.issue;
    const now = ctx.clock.now().getTime();
    const revisitDay = revisitAt(issue.closedAt ?? now, ctx.org.policy, officialCalendar);
    return [
      `☑️ **#${id}** ${unitLabel(ctx.org, issue.unitId)} ${STATE_WORDS[issue.state]}（${issue.closedOnTime ? '按期整改' : '逾期整改'}）`,
      ...(issue.grade ? [`完成效果：${userText(issue.grade)}`] : []),
      `回头看：${formatDay(revisitDay, now)}提醒工作队回访，\`/回访 #${id} 正常\` 或 \`/回访 #${id} 反弹 说明\`。`,
    ].join('\n');
  },
});
