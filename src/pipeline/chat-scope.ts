import { unitsChatShows } from '../domain/visibility';
import type { CommandContext } from './command';
import { PermissionError } from './errors';

/** What the command's chat may be shown (domain/visibility: only where the ledger belongs). */
export function chatShowsUnits(ctx: CommandContext): ReadonlySet<string> | 'any' {
  return unitsChatShows(ctx.org, ctx.chat, ctx.message.chatType === 'single');
}

const ELSEWHERE = '请到本片区的工作群，或单聊督办助手查看';

/** Refuses to show units' issues in a chat they do not belong to, pointing to where they may be seen. */
export function assertChatShows(ctx: CommandContext, unitIds: readonly string[], what = '这些问题'): void {
  const shows = chatShowsUnits(ctx);
  if (shows === 'any') return;
  if (!ctx.chat) throw new PermissionError('登记的工作群或单聊', `这个群不是组织名册里登记的工作群，不在这里显示问题情况。${ELSEWHERE}。（发送 /我是谁 可看到本群的 chatid，供组织部登记）`);
  if (unitIds.every((id) => shows.has(id))) return;
  throw new PermissionError('该片区的工作群或单聊', `${what}不在本群的范围内。${ELSEWHERE}。`);
}
