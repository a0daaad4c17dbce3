import { MEDIA_PER_MESSAGE } from '../domain/limits';
import type { Draft } from '../store/draft-store';
import type { HeldPhotos } from '../store/evidence-held';
import { commandInput, defineCommand, noArgs, type Command } from './command';
import type { Read } from './boundary';
import type { CommandRegistry } from './registry';
import type { Route } from './route';

/**
 * Photos sent apart from their /整改 (docs/design.md §6.6). On a phone people send the photo and
 * the words as two messages, in either order. A lone photo (media, no words, no quote) from
 * someone who may report fixes:
 * - answers a pending /整改 that asked for its note: the dialogue goes on with the photo;
 * - follows their /整改 in the same chat within ATTACH_WINDOW_MS: added to that fix;
 * - otherwise is held (Redis, same window) and joins their next /整改 in the chat.
 */

/**
 * Three minutes: long enough to take a second photo or type the words, short enough that a photo
 * meant for another issue rarely lands on this one; and a held photo's WeCom link (5 minutes
 * from the message) still leaves two minutes for the download and its retries.
 */
export const ATTACH_WINDOW_MS = 3 * 60_000;

export interface LoosePhotos {
  /** The route of a lone photo, or undefined when the message is not one (or the sender may not report fixes). */
  route(r: Read, draft: Draft | undefined): Promise<Route | undefined>;
  /** Before a /整改 runs: the sender's held photos joined to the message's media (as many as fit). */
  withHeld(r: Read): Promise<{ read: Read; taken: string[] }>;
  /** After a /整改 was done: remember its issue for photos that follow, and let go of the held ones it took. */
  fixed(r: Read, routedText: string, taken: readonly string[]): Promise<void>;
}

export function isLonePhoto(r: Read): boolean {
  return r.message.media.length > 0 && r.text === '' && r.quotedRef === undefined;
}

export function createLoosePhotos(deps: { held: HeldPhotos; commands: CommandRegistry; clock: { now(): Date } }): LoosePhotos {
  const hold = holdCommand(deps.held, deps.clock);
  return {
    async route(r, draft) {
      const fix = deps.commands.find('fix');
      if (!fix || !isLonePhoto(r) || !mayFix(fix, r)) return undefined;
      // "请简要说明 #12 的整改情况（可附照片）" answered with a photo: the fix goes on with it.
      if (draft?.command === 'fix' && draft.field === 'note') return { kind: 'command', command: fix, text: draft.text, continuing: true, typed: '/整改' };
      const recent = await deps.held.recentFix(r.message.chatId, r.message.userId);
      if (recent !== undefined) return { kind: 'command', command: fix, text: `#${recent}`, continuing: false, typed: '/整改', note: `（已附到 #${recent}）` };
      return { kind: 'command', command: hold, text: '', continuing: false, typed: '/整改' };
    },
    async withHeld(r) {
      const room = MEDIA_PER_MESSAGE - r.message.media.length;
      if (room <= 0) return { read: r, taken: [] };
      const held = (await deps.held.held(r.message.chatId, r.message.userId)).slice(0, room);
      if (!held.length) return { read: r, taken: [] };
      return { read: { ...r, message: { ...r.message, media: [...r.message.media, ...held.map((h) => h.media)] } }, taken: held.map((h) => h.field) };
    },
    async fixed(r, routedText, taken) {
      // The issue as the handler read it (src/pipeline/issue-actions.ts requireRef): the first
      // #ref of the text, else the quoted message's.
      const id = commandInput(routedText, { bareRef: r.quotedRef === undefined }).args.refs[0] ?? r.quotedRef;
      await Promise.all([
        deps.held.release(r.message.chatId, r.message.userId, taken),
        id === undefined ? undefined : deps.held.noteFix(r.message.chatId, r.message.userId, id, ATTACH_WINDOW_MS),
      ]);
    },
  };
}

function mayFix(fix: Command, r: Read): boolean {
  return fix.roles === 'anyone' || fix.roles.some((role) => r.sender.roles.includes(role));
}

/** Holding a lone photo: a write (once per msgid), so a re-sent callback holds nothing again. */
function holdCommand(held: HeldPhotos, clock: { now(): Date }): Command {
  return defineCommand({
    name: 'hold-photos',
    aliases: [],
    roles: ['admin', 'leader', 'member', 'secretary'],
    summary: '暂存单独发来的照片，附到下一条 /整改',
    usage: '（单独发送照片）',
    example: '/整改 #12 闸阀已更换',
    args: noArgs,
    async run(ctx) {
      const media = ctx.message.media.slice(0, MEDIA_PER_MESSAGE);
      const count = await held.hold(ctx.message.chatId, ctx.message.userId, ctx.message.msgid, media, clock.now().getTime(), ATTACH_WINDOW_MS);
      const minutes = ATTACH_WINDOW_MS / 60_000;
      return `📷 照片已收到（共 ${Math.min(count, MEDIA_PER_MESSAGE)} 张待附），请在 ${minutes} 分钟内发送 \`/整改 #编号 整改情况\`，照片会附到这次整改。`;
    },
  });
}
