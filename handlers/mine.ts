import { actorFor } from '../src/domain/actor';
import { apply, isRefusal } from '../src/domain/lifecycle';
import { assertChatShows, chatShowsUnits } from '../src/pipeline/chat-scope';
import { defineCommand, noArgs, type CommandContext } from '../src/pipeline/command';
import { issueLine } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';

/** What waits on me: issues I must rectify, and fixes in my area waiting for me to verify. */
export async function listMine(ctx: CommandContext): Promise<string> {
  // Someone's own list is shown in their groups and single chats, never in a stranger group.
  assertChatShows(ctx, [], '你的问题');
  // A group sees only its own area; the rest is for that area's group or a single chat.
  const shows = chatShowsUnits(ctx);
  const here = (unitId: string) => shows === 'any' || shows.has(unitId);
  const now = ctx.clock.now().getTime();
  // A 驻村第一书记 or 联络员: the open issues of their units assigned to someone else (they may report those fixes too).
  const contactUnits = ctx.sender.contactOf.map((u) => u.id).filter(here);
  // A team member or an admin: the fixes of their area waiting for a verifier.
  const area = [...new Set(ctx.sender.memberOf.flatMap((t) => t.coveredUnitIds))];
  const verifies = area.length > 0 || ctx.sender.roles.includes('admin');
  const verifyUnits = verifies ? (ctx.sender.roles.includes('admin') && !area.length ? ctx.org.units.map((u) => u.id) : area).filter(here) : [];
  // The three pages are independent: asked together, they go out in one round trip.
  const pages = ctx.ledger.pages;
  const none = Promise.resolve({ total: 0, issues: [] });
  const [mine, open, waiting] = await Promise.all([
    pages.assignedTo(ctx.sender.userid, 0, 20),
    contactUnits.length ? pages.list(contactUnits, ['assigned'], 0, 20) : none,
    verifyUnits.length ? pages.list(verifyUnits, ['submitted'], 0, 20) : none,
  ]);
  // The most urgent first: overdue, then by deadline.
  const mineHere = mine.issues.filter((i) => here(i.unitId)).sort((a, b) => (a.deadline ?? Infinity) - (b.deadline ?? Infinity));
  const lines: string[] = [];
  if (mineHere.length) {
    lines.push(`**待我整改**（${mineHere.length}）`, ...mineHere.map((i) => issueLine(ctx.org, i, now, ctx.sender.userid)));
  }
  let forUnits = 0;
  if (contactUnits.length) {
    const theirs = open.issues.filter((i) => i.assignee !== ctx.sender.userid).sort((a, b) => (a.deadline ?? Infinity) - (b.deadline ?? Infinity));
    forUnits = theirs.length;
    if (theirs.length) {
      const names = ctx.sender.contactOf.filter((u) => contactUnits.includes(u.id)).map((u) => userText(u.name)).join('、');
      lines.push(...(lines.length ? [''] : []), `**${names}待整改**（${theirs.length}${open.total > open.issues.length ? '+' : ''}）`, ...theirs.map((i) => issueLine(ctx.org, i, now, ctx.sender.userid)));
    }
  }
  // Only what was read counts as elsewhere; more than a page is said as such.
  const elsewhere = mine.issues.length - mineHere.length;
  const beyond = mine.total - mine.issues.length;
  if (verifies) {
    // Only fixes this person may close: not their own report of the fix, nor one they were assignee of.
    const forMe = waiting.issues.filter((i) => !isRefusal(apply(i, { type: 'verify' }, actorFor(ctx.org, ctx.sender.userid, i.unitId), now)));
    if (forMe.length) {
      const more = waiting.total > waiting.issues.length ? '+' : '';
      lines.push(...(lines.length ? [''] : []), `**待我核验**（${forMe.length}${more}）`, ...forMe.map((i) => issueLine(ctx.org, i, now, ctx.sender.userid)), '核验：`/销号 #编号` 或 `/驳回 #编号 原因`');
    }
  }
  if (mineHere.length || forUnits) lines.push('', '整改后回复：`/整改 #编号 整改情况`（可附照片）');
  if (elsewhere > 0) lines.push(...(lines.length ? [''] : []), `另有 ${elsewhere} 件不在本群的范围内，请到对应的工作群或单聊督办助手查看。`);
  if (beyond > 0) lines.push(`（待我整改共 ${mine.total} 件，这里只列出 ${mine.issues.length} 件）`);
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
