import { formatPoints } from '../src/domain/scoring';
import { normalizeText } from '../src/parsing/normalize';
import { assertChatShows } from '../src/pipeline/chat-scope';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { entryTargetUnitIds } from '../src/pipeline/score-target';
import { ConflictError, NotFoundError, UsageError } from '../src/pipeline/errors';
import { formatStamp } from '../src/rendering/dates';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/撤回加减分 3 录入有误';

/** /撤回加减分 <编号> [理由]: the entry stays, marked withdrawn, and counts for nothing (audited). */
export default defineCommand({
  name: 'withdraw-score',
  aliases: ['撤回加减分', '撤销加减分', 'undo-score'],
  roles: ['admin'],
  summary: '撤回一条加分或扣分（记录保留并注明已撤回）',
  usage: '/撤回加减分 <编号> [理由]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    // "#3" reads as an issue reference in the grammar; here it is the entry's number.
    const first = args.refs[0] !== undefined ? String(args.refs[0]) : args.words[0]?.norm;
    const m = first === undefined ? null : /^(?:编号)?(\d{1,9})号?$/u.exec(normalizeText(first));
    if (!m) throw new UsageError('请写明要撤回的加减分编号（加分、扣分时回复里的编号）', EXAMPLE);
    const n = Number(m[1]);
    const rest = args.refs[0] !== undefined ? args.words : args.words.slice(1);
    const reason = rest.map((w) => w.raw).join(' ').trim().slice(0, 200);
    const now = ctx.clock.now().getTime();
    // Shown only where the entry's target belongs (its reason is read by everyone in the group).
    const stored = await ctx.jobs.scores.entries.get(n);
    if (!stored) throw new NotFoundError(`没有编号 ${n} 的加减分记录`, EXAMPLE);
    assertChatShows(ctx, entryTargetUnitIds(ctx.org, stored.target), '这条加减分');
    const res = await ctx.jobs.scores.entries.withdraw(n, ctx.sender.userid, now, reason);
    if (!res.ok && res.reason === 'missing') throw new NotFoundError(`没有编号 ${n} 的加减分记录`, EXAMPLE);
    const e = res.entry;
    const what = `${userText(e.targetLabel)} ${e.points >= 0 ? '+' : '−'}${formatPoints(Math.abs(e.points))} 分（${userText(e.reason)}）`;
    if (!res.ok) throw new ConflictError(`编号 ${n} 的加减分已于 ${formatStamp(e.withdrawn?.at ?? now, now)} 撤回：${what}`);
    return `✅ 已撤回加减分（编号 ${n}）：${what}，不再计分；记录保留备查。`;
  },
});
