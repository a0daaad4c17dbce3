import { STATE_WORDS, type Issue } from '../src/domain/issue';
import { revisitAt } from '../src/domain/revisit';
import { officialCalendar } from '../src/parsing/deadline';
import { restText } from '../src/parsing/args';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { ConflictError, UsageError } from '../src/pipeline/errors';
import { act, checkLength, refuseEarly, requireRef } from '../src/pipeline/issue-actions';
import { takeScaleWord, type ScaleTake } from '../src/pipeline/scale-field';
import { formatDay } from '../src/rendering/dates';
import { unitLabel } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/销号 #12 效果:好 现场核验，闸阀运行正常';

export default defineCommand({
  name: 'verify',
  takesIssue: true,
  aliases: ['销号', '核验', '通过', 'close'],
  roles: ['admin', 'leader', 'member'],
  once: 'commit',
  summary: '核验整改到位后销号（反馈整改的人和责任人不能销号：两人核验）',
  usage: '/销号 #编号 [效果:好/较好/一般/差] [核验意见]（完成效果可不填，档次以本区规定为准；已销号未评定的可再发 /销号 #编号 效果:好 补记）',
  example: EXAMPLE,
  fields: ['grade'],
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const grades = ctx.org.policy.grades;
    const gradeExample = `/销号 #${id} 效果:${grades[0]!.word}`;
    // 完成效果 is optional at 销号; a word outside the district's scale is refused before anything is written.
    let taken: ScaleTake | undefined;
    let wrongWord: unknown;
    try {
      taken = takeScaleWord(args.fields.grade, args.words, { field: '完成效果', scale: grades, strictKeys: ['完成效果', '效果'], example: `${gradeExample} 现场核验，整改到位` });
    } catch (err) {
      wrongWord = err;
    }
    const given = wrongWord !== undefined || taken?.word !== undefined;
    // The issue's state decides the step: 销号, or a grade given later to an issue closed without
    // one. A step that is refused (not the team's, closed and graded, …) is said before the
    // word is judged: fixing the word would not help (docs/design.md §4.16).
    const isClosed = (i: Issue) => i.state === 'closed' || i.state === 'revisited';
    let seen: Issue | undefined;
    let current: Issue;
    try {
      current = await refuseEarly(ctx, id, (i) => {
        seen = i;
        return isClosed(i) && given ? { type: 'grade', grade: taken?.word?.word ?? grades[0]!.word } : { type: 'verify' };
      });
    } catch (err) {
      if (err instanceof ConflictError && seen && isClosed(seen)) {
        throw new ConflictError(`${err.message}${seen.grade ? `（完成效果：${userText(seen.grade)}）` : `；要补记完成效果，请发送：${gradeExample}`}`);
      }
      throw err;
    }
    const closed = isClosed(current);
    if (wrongWord instanceof UsageError && closed) throw new UsageError(wrongWord.message, gradeExample);
    if (wrongWord !== undefined || !taken) throw wrongWord;
    const { word: grade, words } = taken;
    const note = restText(words);
    if (closed) {
      // Only the grade: the 销号's note is the verifier's and stays as it was.
      if (!grade) throw new ConflictError(`#${id} 当前是${STATE_WORDS[current.state]}状态，不能销号`);
      if (note) throw new UsageError(`#${id} 已销号，只能补记完成效果，不能再加核验意见`, gradeExample);
      const { finished } = await act(
        ctx,
        id,
        () => ({ type: 'grade', grade: grade.word }),
        (before, { issue }) => {
          const was = before.grade ? `（原为“${userText(before.grade)}”）` : '';
          return { reply: { markdown: `☑️ **#${id}** ${unitLabel(ctx.org, issue.unitId)} 补记完成效果：${userText(grade.word)}${was}，状态：${STATE_WORDS[issue.state]}` } };
        },
      );
      return finished.reply;
    }
    checkLength('verifyNote', note, EXAMPLE);
    const { finished } = await act(
      ctx,
      id,
      () => ({ type: 'verify', ...(note ? { note } : {}), ...(grade ? { grade: grade.word } : {}) }),
      (_before, { issue }) => {
        const now = ctx.clock.now().getTime();
        const revisitDay = revisitAt(issue.closedAt ?? now, ctx.org.policy, officialCalendar);
        const markdown = [
          `☑️ **#${id}** ${unitLabel(ctx.org, issue.unitId)} ${STATE_WORDS[issue.state]}（${issue.closedOnTime ? '按期整改' : '逾期整改'}）`,
          ...(issue.grade ? [`完成效果：${userText(issue.grade)}`] : []),
          `回头看：${formatDay(revisitDay, now)}提醒工作队回访，\`/回访 #${id} 正常\` 或 \`/回访 #${id} 反弹 说明\`。`,
        ].join('\n');
        return { reply: { markdown } };
      },
    );
    return finished.reply;
  },
});
