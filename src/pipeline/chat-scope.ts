import type { CommandContext } from './command';
import { PermissionError } from './errors';

/**
 * What a chat may be shown. Replies to a group are read by everyone in it, so the ledger is
 * shown only where it belongs: a single chat shows what the person may see; a registered group
 * its own scope (the admin group everything); a group not in the organisation file nothing.
 */
export function chatShowsUnits(ctx: CommandContext): ReadonlySet<string> | 'any' {
  if (ctx.message.chatType === 'single') return 'any';
  if (!ctx.chat) return new Set();
  if (ctx.chat.scope.kind === 'admin') return 'any';
  return new Set(ctx.org.unitsInScope(ctx.chat.scope).map((u) => u.id));
}

const ELSEWHERE = '请到本片区的工作群，或单聊督办助手查看';

/** Refuses to show units' issues in a chat they do not belong to, pointing to where they may be seen. */
export function assertChatShows(ctx: CommandContext, unitIds: readonly string[], what = '这些问题'): void {
  const shows = chatShowsUnits(ctx);
  if (shows === 'any') return;
  if (!ctx.chat) throw new PermissionError('登记的工作群或单聊', `这个群不是组织名册里登记的工作群，不在这里显示问题情况。${ELSEWHERE}。`);
  if (unitIds.every((id) => shows.has(id))) return;
  throw new PermissionError('该片区的工作群或单聊', `${what}不在本群的范围内。${ELSEWHERE}。`);
}
