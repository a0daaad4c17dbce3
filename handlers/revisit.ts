import { STATE_WORDS } from '../src/domain/issue';
import { restText, type Token } from '../src/parsing/args';
import type { ScaleWord } from '../src/config/org-schema';
import { findScaleWord, scaleKey, scaleWords, splitValue } from '../src/parsing/scale';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { resolveDeadline } from '../src/pipeline/deadlines';
import { NeedInput, UsageError } from '../src/pipeline/errors';
import { act, checkLength, refuseEarly, requireRef } from '../src/pipeline/issue-actions';
import { takeScaleWord, type ScaleSpec } from '../src/pipeline/scale-field';
import { clipForReply } from '../src/rendering/clip';
import { formatDeadline } from '../src/rendering/dates';
import { mention, unitLabel } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';
import { assignmentCard } from '../src/rendering/issue-card';

const EXAMPLE = '/回访 #12 反弹 不满意 闸阀又开始漏水';

/** English and the words people use for the same two outcomes. */
const OUTCOMES: Record<string, '正常' | '反弹'> = { 正常: '正常', 好: '正常', 良好: '正常', 没问题: '正常', ok: '正常', normal: '正常', good: '正常', 反弹: '反弹', 复发: '反弹', relapse: '反弹', bad: '反弹' };

/**
 * Phrases that say the outcome at the start of a word, with the rest of the word glued on
 * (`正常群众满意`, `一切正常，群众满意`, `没有反弹`), longest first so 没有反弹 is never read as 反弹.
 */
const OUTCOME_PHRASES: readonly [string, '正常' | '反弹'][] = (
  [
    ['一切正常', '正常'],
    ['情况正常', '正常'],
    ['回访正常', '正常'],
    ['都正常', '正常'],
    ['没有反弹', '正常'],
    ['没反弹', '正常'],
    ['未反弹', '正常'],
    ['无反弹', '正常'],
    ['没问题', '正常'],
    ['正常', '正常'],
    ['出现反弹', '反弹'],
    ['又反弹', '反弹'],
    ['有反弹', '反弹'],
    ['反弹', '反弹'],
    ['复发', '反弹'],
  ] as [string, '正常' | '反弹'][]
).sort((a, b) => b[0].length - a[0].length);
/** What may sit between a glued outcome and the rest: `正常了，`, `正常的`. */
const GLUE = /^[的了啊呀吧]*[\s:：,，.。、;；!！?？~～]*/u;
/** A word that names an outcome somewhere inside it (`不正常`, `好像反弹`): read wrongly, it would close or reopen an issue. */
const OUTCOME_INSIDE = /正常|反弹|复发/u;
/** Answers that leave the rating out on purpose, when asked for it. */
const NO_RATING = new Set(['不记', '不填', '无', '没有', '跳过']);

interface SaidOutcome {
  outcome: '正常' | '反弹';
  rest?: Token;
}

/**
 * The outcome a word says: one of OUTCOMES as the whole word (`正常`, `正常，` or `正常，群众满意`
 * with the rest after it), or a phrase of OUTCOME_PHRASES the word starts with.
 */
function outcomeOf(token: Token | undefined): SaidOutcome | undefined {
  if (!token) return undefined;
  const { head, rest } = splitValue(token.raw);
  const said = head.toLowerCase();
  if (Object.hasOwn(OUTCOMES, said)) return rest ? { outcome: OUTCOMES[said]!, rest } : { outcome: OUTCOMES[said]! };
  const norm = token.norm.toLowerCase();
  const phrase = OUTCOME_PHRASES.find(([p]) => norm.startsWith(p));
  if (!phrase) return undefined;
  const afterNorm = norm.slice(phrase[0].length);
  const skip = GLUE.exec(afterNorm)![0].length;
  // The note keeps the user's characters when folding kept the lengths.
  const restRaw = (token.raw.length === token.norm.length ? token.raw.slice(phrase[0].length) : afterNorm).slice(skip);
  const restNorm = afterNorm.slice(skip);
  return restNorm ? { outcome: phrase[1], rest: { raw: restRaw, norm: restNorm } } : { outcome: phrase[1] };
}

/**
 * Where the outcome is: the first word (any of OUTCOMES or a glued phrase), the second after a
 * rating (`满意 正常`), or any later word that is an outcome phrase (a dialogue's answer comes
 * after what was typed first: `群众很满意 正常`).
 */
function findOutcome(words: readonly Token[], isRating: (t: Token) => boolean): (SaidOutcome & { at: number }) | undefined {
  const first = outcomeOf(words[0]);
  if (first) return { ...first, at: 0 };
  const second = words[0] && isRating(words[0]) ? outcomeOf(words[1]) : undefined;
  if (second) return { ...second, at: 1 };
  for (let i = 1; i < words.length; i++) {
    // Later on only a phrase that says it (正常, 反弹, 没有反弹): a lone 好 is more likely a note's.
    const norm = words[i]!.norm.toLowerCase();
    if (!OUTCOME_PHRASES.some(([p]) => norm.startsWith(p))) continue;
    const said = outcomeOf(words[i]);
    if (said) return { ...said, at: i };
  }
  return undefined;
}

/** Does a note speak of the villagers' verdict: 满意, or a word of the scale of two characters or more? */
function mentionsRating(note: string, scale: readonly ScaleWord[]): boolean {
  const key = scaleKey(note);
  return key.includes('满意') || scale.some((w) => [w.word, ...w.aliases].some((k) => k.length >= 2 && key.includes(scaleKey(k))));
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
  fields: ['rating', 'deadline'],
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const spec = ratingSpec(ctx, id);
    const words = args.words;
    const said = findOutcome(words, (t) => findScaleWord(spec.scale, t.norm) !== undefined);
    if (!said) {
      // A word that names an outcome but is not read as one ("不正常") is refused, not asked
      // again: the dialogue ends instead of going round (docs/design.md §4.16).
      const unread = words.find((w) => OUTCOME_INSIDE.test(w.norm));
      if (unread) throw new UsageError(`没看出 #${id} 的回访结果“${clipForReply(unread.raw)}”：请写“正常”或“反弹”`, `/回访 #${id} 正常 评价:${spec.scale[0]!.word}`);
      await refuseEarly(ctx, id, { type: 'revisit', outcome: 'normal' });
      throw new NeedInput('outcome', `#${id} 回访结果是“正常”还是“反弹”？`, '正常');
    }
    const before = words.slice(0, said.at);
    const after = said.rest ? [said.rest, ...words.slice(said.at + 1)] : words.slice(said.at + 1);
    const fieldRating = args.fields.rating;
    const noRating = fieldRating !== undefined && NO_RATING.has(scaleKey(fieldRating));
    let taken: { word?: ScaleWord; words: Token[] } | undefined;
    if (fieldRating === undefined && before.length) {
      // "/回访 #12 满意 正常": the villagers' word first.
      const lead = takeScaleWord(undefined, before, spec);
      if (lead.word) taken = { word: lead.word, words: [...lead.words, ...after] };
    }
    if (!taken) {
      const rest = takeScaleWord(noRating ? undefined : fieldRating, after, spec);
      taken = { ...(rest.word ? { word: rest.word } : {}), words: [...before, ...rest.words] };
    }
    const rating = taken.word?.word;
    const note = restText(taken.words);
    checkLength('revisitNote', note, EXAMPLE);
    if (!rating && !noRating && mentionsRating(note, spec.scale)) {
      // The note speaks of the villagers' verdict in words the scale does not read ("群众满意度高"):
      // asked, never dropped (the answer comes back as 评价:<answer>, so it is asked once).
      await refuseEarly(ctx, id, { type: 'revisit', outcome: said.outcome === '正常' ? 'normal' : 'relapse' });
      throw new NeedInput('rating', `#${id} 的说明提到群众评价，是“${scaleWords(spec.scale).split('、').join('”“')}”中的哪一档？（不记评价请回复“不记”）`, spec.scale[0]!.word);
    }
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
    const markdown = [
      `⚠️ **#${id}** ${unitLabel(ctx.org, issue.unitId)} 回访发现反弹（第 ${issue.relapseCount} 次），状态：${STATE_WORDS[issue.state]}`,
      ...ratingLine,
      ...(note ? [`情况：${userText(note)}`] : []),
      `请 ${mention(ctx.org, issue.assignee)} 重新整改，期限：${formatDeadline(deadline.at, now.getTime())}。`,
    ].join('\n');
    // Reopened: the unit rectifies again, with the assignment notice's 已整改.
    return { markdown, card: assignmentCard(ctx.org, issue, now.getTime(), ctx.message.msgid) };
  },
});
