import { assertChatShows } from '../src/pipeline/chat-scope';
import { defineCommand, noArgs, type CommandContext } from '../src/pipeline/command';
import { issueLine } from '../src/rendering/issue';

/** What waits on me: issues I must rectify, and fixes in my area waiting for someone to verify. */
export async function listMine(ctx: CommandContext): Promise<string> {
  // Someone's own list is shown in their groups and single chats, never in a stranger group.
  if (ctx.message.chatType === 'group' && !ctx.chat) assertChatShows(ctx, [], '你的问题');
  const now = ctx.clock.now().getTime();
  const mine = await ctx.ledger.assignedTo(ctx.sender.userid, 0, 20);
  const lines: string[] = [];
  if (mine.total) {
    lines.push(`**待我整改**（${mine.total}）`, ...mine.issues.map((i) => issueLine(ctx.org, i, now, ctx.sender.userid)));
  }
  const area = [...new Set(ctx.sender.memberOf.flatMap((t) => t.coveredUnitIds))];
  if (area.length || ctx.sender.roles.includes('admin')) {
    const units = ctx.sender.roles.includes('admin') && !area.length ? ctx.org.units.map((u) => u.id) : area;
    const waiting = await ctx.ledger.list(units, ['submitted'], 0, 20);
    const forMe = waiting.issues.filter((i) => i.assignee !== ctx.sender.userid);
    if (forMe.length) lines.push(...(lines.length ? [''] : []), `**待我核验**（${waiting.total}）`, ...forMe.map((i) => issueLine(ctx.org, i, now, ctx.sender.userid)), '核验：`/销号 #编号` 或 `/驳回 #编号 原因`');
  }
  if (mine.total) lines.push('', '整改后回复：`/整改 #编号 整改情况`（可附照片）');
  return lines.length ? lines.join('\n') : '目前没有等你办理的问题。';
}

export default defineCommand({
  name: 'mine',
  effects: 'reads',
  aliases: ['我的', '待办', 'my', 'todo'],
  roles: 'anyone',
  summary: '等我办理的问题：待我整改、待我核验',
  usage: '/我的',
  example: '/我的',
  args: noArgs,
  run: listMine,
});
