import { formatPoints } from '../domain/scoring';
import type { Token } from '../parsing/args';
import { normalizeText } from '../parsing/normalize';
import { clipForReply } from '../rendering/clip';
import { userText } from '../rendering/safe-text';
import type { CommandContext, CommandInput } from './command';
import { UsageError } from './errors';
import { assertChatShows } from './chat-scope';
import { describeTargets, kindWord, readScoreTarget, targetUnitIds } from './score-target';

/**
 * /加分 and /扣分 (组织部): `<队|队员|单位> <分值> <理由>` — the target by name (with an optional
 * kind word first when a name is shared), the points (up to two decimals), the reason in the
 * sender's own words. Recorded with who and when, and audited, in one transaction.
 */
const MAX_POINTS = 100;
const MAX_REASON = 200;

/** "2", "+1.5", "0.25分", "３": positive, at most two decimals. */
function readPoints(word: string): number | undefined {
  const m = /^[+＋]?(\d{1,3}(?:\.\d{1,2})?)分?$/u.exec(normalizeText(word));
  if (!m) return undefined;
  const n = Number(m[1]);
  return n > 0 && n <= MAX_POINTS ? n : undefined;
}

export async function recordScoreEntry(ctx: CommandContext, input: CommandInput, sign: 1 | -1, example: string): Promise<string> {
  const verb = sign > 0 ? '加分' : '扣分';
  const words: Token[] = [...input.args.mentions.map((m) => ({ raw: `@${m}`, norm: `@${m}` })), ...input.args.words];
  if (words.length < 3) throw new UsageError(`请写明${verb}的对象（工作队、队员或单位）、分值和理由`, example);
  let i = 0;
  const only = kindWord(words[0]!.raw);
  if (only) i++;
  const name = words[i++];
  if (!name) throw new UsageError(`请写明${verb}的对象（工作队、队员或单位）`, example);
  const read = readScoreTarget(ctx.org, name.raw, only);
  if (read.kind === 'none') throw new UsageError(`没有找到“${clipForReply(name.raw)}”：请写工作队、队员或单位的名称`, example);
  if (read.kind === 'many') throw new UsageError(`“${clipForReply(name.raw)}”对应多个：${describeTargets(read.targets)}；请在名称前写明“队”“队员”或“单位”，或写全称`, example);
  const pointsWord = words[i++];
  const points = pointsWord ? readPoints(pointsWord.raw) : undefined;
  if (points === undefined) throw new UsageError(`分值要写成 0.01 到 ${MAX_POINTS} 之间的数字，最多两位小数`, example);
  const reason = words
    .slice(i)
    .map((w) => w.raw)
    .join(' ')
    .trim();
  if (!reason) throw new UsageError(`请写明${verb}理由（如表彰奖励、宣传报道、肯定性批示）`, example);
  if ([...reason].length > MAX_REASON) throw new UsageError(`理由太长了，请控制在 ${MAX_REASON} 字以内`, example);

  const target = read.target;
  const label = target.kind === 'unit' ? `${target.unit.town}${target.unit.name}` : target.label;
  assertChatShows(ctx, targetUnitIds(ctx.org, target), label);
  const entry = await ctx.jobs.scores.entries.add({
    target: { kind: target.kind, id: target.id, label },
    points: sign * points,
    reason,
    by: ctx.sender.userid,
    at: ctx.clock.now().getTime(),
  });
  return [
    `✅ 已${verb}（编号 ${entry.id}）：${userText(label)} ${sign > 0 ? '+' : '−'}${formatPoints(points)} 分`,
    `理由：${userText(reason)}`,
    `计入${userText(label)}的百分量化考核；如需撤回：/撤回加减分 ${entry.id}`,
  ].join('\n');
}
