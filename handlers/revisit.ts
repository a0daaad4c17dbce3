import { STATE_WORDS } from '../src/domain/issue';
import { restText, type Token } from '../src/parsing/args';
import { splitValue } from '../src/parsing/scale';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { resolveDeadline } from '../src/pipeline/deadlines';
import { NeedInput } from '../src/pipeline/errors';
import { act, checkLength, refuseEarly, requireRef } from '../src/pipeline/issue-actions';
import { takeScaleWord, type ScaleSpec } from '../src/pipeline/scale-field';
import { formatDeadline } from '../src/rendering/dates';
import { mention, unitLabel } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/回访 #12 反弹 不满意 闸阀又开始漏水';

/** English and the words people use for the same two outcomes. */
const OUTCOMES: Record<string, '正常' | '反弹'> = { 正常: '正常', 好: '正常', 良好: '正常', 没问题: '正常', ok: '正常', normal: '正常', good: '正常', 反弹: '反弹', 复发: '反弹', relapse: '反弹', bad: '反弹' };

/** The outcome a word says (`正常`, `正常，` or `正常，群众满意` with the rest of the word after it). */
function outcomeOf(token: Token | undefined): { outcome: '正常' | '反弹'; rest?: Token } | undefined {
  if (!token) return undefined;
  const { head, rest } = splitValue(token.raw);
  const said = head.toLowerCase();
  if (!Object.hasOwn(OUTCOMES, said)) return undefined;
  return rest ? { outcome: OUTCOMES[said]!, rest } : { outcome: OUTCOMES[said]! };
}

/** 群众评价: the field, `群众满意` / `评价:满意` glued, or the word alone (docs/design.md §4.16). */
function ratingSpec(ctx: CommandContext, id: number): ScaleSpec {
  const ratings = ctx.org.policy.ratings;
  return {
    field: '群众评价',
    scale: ratings,
    strictKeys: ['群众评价', '评价', '满意度'],
    // "群众反映又漏水" is a note; only "群众" glued to a rating word is the rating.
    looseKeys: ['群众'],
    example: `/回访 #${id} 正常 评价:${ratings[0]!.word}`,
  };
}

export default defineCommand({
  name: 'revisit',
  takesIssue: true,
  aliases: ['回访', '回头看'],
  roles: ['admin', 'leader', 'member'],
  summary: '销号后回头看：正常则结案，反弹则重新整改；可记下群众评价',
  usage: '/回访 #编号 正常 [满意/基本满意/不满意] [说明]，或 /回访 #编号 反弹 [群众评价] [说明] [期限:<日期>]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const spec = ratingSpec(ctx, id);
    let words = args.words;
    let said = outcomeOf(words[0]);
    let leading: string | undefined;
    if (!said && words.length > 1 && args.fields.rating === undefined) {
      // "/回访 #12 满意 正常": the villagers' word first (a draft's answer also lands after it).
      const lead = takeScaleWord(undefined, words.slice(0, 1), spec);
      const next = lead.word && !lead.words.length ? outcomeOf(words[1]) : undefined;
      if (next) {
        said = next;
        leading = lead.word!.word;
        words = words.slice(1);
      }
    }
    if (!said) {
      await refuseEarly(ctx, id, { type: 'revisit', outcome: 'normal' });
      throw new NeedInput('outcome', `#${id} 回访结果是“正常”还是“反弹”？`, '正常');
    }
    const after = said.rest ? [said.rest, ...words.slice(1)] : words.slice(1);
    const taken = leading === undefined ? takeScaleWord(args.fields.rating, after, spec) : { word: undefined, words: after };
    const rating = leading ?? taken.word?.word;
    const note = restText(taken.words);
    checkLength('revisitNote', note, EXAMPLE);
    const extra = { ...(note ? { note } : {}), ...(rating ? { rating } : {}) };
    const ratingLine = rating ? [`群众评价：${userText(rating)}`] : [];
    const now = ctx.clock.now();
    if (said.outcome === '正常') {
      const { outcome } = await act(ctx, id, () => ({ type: 'revisit', outcome: 'normal', ...extra }));
      return [`🔁 **#${id}** ${unitLabel(ctx.org, outcome.issue.unitId)} 回访正常，状态：${STATE_WORDS[outcome.issue.state]}。`, ...ratingLine].join('\n');
    }
    const deadline = resolveDeadline(args.fields.deadline, ctx.org.policy, now, EXAMPLE);
    const { outcome } = await act(ctx, id, () => ({ type: 'revisit', outcome: 'relapse', deadline: deadline.at, ...extra }));
    const issue = outcome.issue;
    return [
      `⚠️ **#${id}** ${unitLabel(ctx.org, issue.unitId)} 回访发现反弹（第 ${issue.relapseCount} 次），状态：${STATE_WORDS[issue.state]}`,
      ...ratingLine,
      ...(note ? [`情况：${userText(note)}`] : []),
      `请 ${mention(ctx.org, issue.assignee)} 重新整改，期限：${formatDeadline(deadline.at, now.getTime())}。`,
    ].join('\n');
  },
});
