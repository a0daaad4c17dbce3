import { createHash } from 'node:crypto';
import { actorFor } from '../src/domain/actor';
import { apply, isRefusal } from '../src/domain/lifecycle';
import { wallTime } from '../src/domain/time';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { ConflictError } from '../src/pipeline/errors';
import { act, loadIssue, requireRef, throwRefusal } from '../src/pipeline/issue-actions';
import { formatDeadline } from '../src/rendering/dates';
import { mention, unitLabel } from '../src/rendering/issue';
import { remindNowText } from '../src/rendering/pushes';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/催办 #12';

const noAssignee = (id: number) => new ConflictError(`#${id} 还没有责任人，请先 /交办`);
const hhmm = (ms: number) => {
  const w = wallTime(ms);
  return `${String(w.hour).padStart(2, '0')}:${String(w.minute).padStart(2, '0')}`;
};

export default defineCommand({
  name: 'remind',
  takesIssue: true,
  aliases: ['催办', '提醒'],
  roles: ['admin', 'leader', 'member'],
  summary: '催促责任人尽快整改（在问题所在的群里 @责任人）',
  usage: '/催办 #编号',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const id = requireRef(ctx, args, EXAMPLE);
    const now = ctx.clock.now().getTime();
    const message = createHash('sha1').update(ctx.message.msgid).digest('hex').slice(0, 16);
    const gate = ctx.jobs.remindGate;
    const perMinute = gate.limits.perUserPerMinute;
    const wait = await gate.userWait(ctx.sender.userid, now, message);
    if (wait > 0) throw new ConflictError(`催办太频繁了：每人每分钟最多 ${perMinute} 次，请 ${Math.ceil(wait / 1000)} 秒后再试`);

    // Every refusal before anything is written: who may, the state, an assignee to @, the hour.
    const current = await loadIssue(ctx, id);
    const decided = apply(current, { type: 'remind' }, actorFor(ctx.org, ctx.sender.userid, current.unitId), now);
    if (isRefusal(decided)) throwRefusal(decided, { ctx, unitId: current.unitId, actor: actorFor(ctx.org, ctx.sender.userid, current.unitId) });
    if (!current.assignee) throw noAssignee(id);
    const claim = await gate.claimIssue(id, now, message);
    if (!claim.ok) throw new ConflictError(`#${id} 已在 ${hhmm(claim.since)} 催办过，1 小时内不再重复推送`);

    try {
      const { outcome } = await act(ctx, id, (issue) => {
        // Read again for the commit: an issue changed in between is checked again, still before writing.
        if (!issue.assignee) throw noAssignee(id);
        return { type: 'remind' };
      });
      const issue = outcome.issue;
      const assignee = issue.assignee ?? current.assignee;
      // The @ itself is the group robot's (only it can @ a person): one push per /催办 message.
      await ctx.jobs.outbox.enqueue({
        id: `remind-now-${id}-${message}`,
        chatId: issue.homeChat,
        kind: 'remind-now',
        format: 'text',
        content: remindNowText(ctx.org, issue, ctx.sender.userid, now),
        mentions: [assignee],
        createdAt: now,
      });
      const where = issue.homeChat === ctx.message.chatId ? '本群' : '问题所在的群';
      return [
        `📣 已催办 **#${id}** ${unitLabel(ctx.org, issue.unitId)}：${userText(issue.description)}`,
        `将在${where} ${mention(ctx.org, assignee)}${issue.deadline !== undefined ? `，期限：${formatDeadline(issue.deadline, now)}` : ''}。`,
      ].join('\n');
    } catch (err) {
      // Not pushed after all (refused on the second read, or the queue failed): the hour stays free.
      await claim.release();
      throw err;
    }
  },
});
