import { MEDIA_PER_MESSAGE } from '../domain/limits';
import type { Draft } from '../store/draft-store';
import type { HeldPhoto, HeldPhotos } from '../store/evidence-held';
import { commandInput, defineCommand, noArgs, type Command } from './command';
import type { Read } from './boundary';
import type { CommandRegistry } from './registry';
import type { Route } from './route';

/**
 * Photos sent apart from their /整改 (docs/design.md §6.6). On a phone people send the photo and
 * the words as two messages, in either order, and WeCom delivers them as two callbacks that may
 * be handled at the same moment (on two instances). A lone photo (media, no words, no quote) from
 * someone who may report fixes:
 * - answers a pending /整改 that asked for its note: the dialogue goes on with the photo;
 * - leaves any other pending dialogue alone (a /上报 waiting for its description is not a fix);
 * - follows their /整改 in the same chat within ATTACH_WINDOW_MS: added to that fix;
 * - otherwise is held (Redis, same window) and joins their next /整改 in the chat.
 * The store checks and holds in one step, and a /整改 takes the held photos and notes itself in
 * one step after its commit (src/store/evidence-held.ts), taking then any photo held while it
 * ran: whichever comes first, the photo reaches the fix, and reaches it once.
 */

/**
 * Three minutes: long enough to take a second photo or type the words, short enough that a photo
 * meant for another issue rarely lands on this one; and a held photo's WeCom link (5 minutes
 * from the message) still leaves two minutes for the download and its retries, since a held
 * photo older than the window is dropped, never attached.
 */
export const ATTACH_WINDOW_MS = 3 * 60_000;

export interface LoosePhotos {
  /** The route of a lone photo (holding it, or naming the fix it joins), or undefined when the message is not one (or the sender may not report fixes). */
  route(r: Read, draft: Draft | undefined): Promise<Route | undefined>;
  /** Before a /整改 runs: the sender's held photos taken and joined to the message's media (as many as fit; the rest stay held). */
  withHeld(r: Read): Promise<{ read: Read; taken: HeldPhoto[] }>;
  /**
   * After a /整改 was done: note its issue for photos that follow, and take the photos held while
   * it ran (they join it as a supplement). Undefined when the text names no issue.
   */
  fixed(r: Read, routedText: string): Promise<{ issueId: number; late: HeldPhoto[] } | undefined>;
  /** After a /整改 that did not go through: the photos it took are held again. */
  refused(r: Read, taken: readonly HeldPhoto[]): Promise<void>;
}

/**
 * The issue a command's text names as its handler reads it (src/pipeline/issue-actions.ts
 * requireRef): the first #ref of the text (a bare number too, unless a quoted message names one),
 * else the quoted message's.
 */
export function issueRefIn(routedText: string, quotedRef: number | undefined): number | undefined {
  return commandInput(routedText, { bareRef: quotedRef === undefined }).args.refs[0] ?? quotedRef;
}

export function isLonePhoto(r: Read): boolean {
  return r.message.media.length > 0 && r.text === '' && r.quotedRef === undefined;
}

export function createLoosePhotos(deps: { held: HeldPhotos; commands: CommandRegistry; clock: { now(): Date } }): LoosePhotos {
  const now = () => deps.clock.now().getTime();
  return {
    async route(r, draft) {
      const fix = deps.commands.find('fix');
      if (!fix || !isLonePhoto(r) || !mayFix(fix, r)) return undefined;
      // "请简要说明 #12 的整改情况（可附照片）" answered with a photo: the fix goes on with it.
      if (draft?.command === 'fix' && draft.field === 'note') return { kind: 'command', command: fix, text: draft.text, continuing: true, typed: '/整改' };
      // Another dialogue waits for its answer (a /上报's description …): the photo is not a fix's.
      if (draft) return undefined;
      const media = r.message.media.slice(0, MEDIA_PER_MESSAGE);
      const held = await deps.held.hold(r.message.chatId, r.message.userId, r.message.msgid, media, now(), ATTACH_WINDOW_MS);
      if ('fix' in held) return { kind: 'command', command: fix, text: `#${held.fix}`, continuing: false, typed: '/整改', note: `（已附到 #${held.fix}）` };
      return { kind: 'command', command: heldReply(Math.min(held.held, MEDIA_PER_MESSAGE)), text: '', continuing: false, typed: '/整改' };
    },
    async withHeld(r) {
      const taken = await deps.held.take(r.message.chatId, r.message.userId, now(), ATTACH_WINDOW_MS);
      if (!taken.length) return { read: r, taken: [] };
      const room = Math.max(0, MEDIA_PER_MESSAGE - r.message.media.length);
      const joined = taken.slice(0, room);
      await deps.held.putBack(r.message.chatId, r.message.userId, taken.slice(room), ATTACH_WINDOW_MS);
      if (!joined.length) return { read: r, taken: [] };
      return { read: { ...r, message: { ...r.message, media: [...r.message.media, ...joined.map((h) => h.media)] } }, taken: joined };
    },
    async fixed(r, routedText) {
      const id = issueRefIn(routedText, r.quotedRef);
      if (id === undefined) return undefined;
      const late = await deps.held.take(r.message.chatId, r.message.userId, now(), ATTACH_WINDOW_MS, id);
      return { issueId: id, late: late.slice(0, MEDIA_PER_MESSAGE) };
    },
    async refused(r, taken) {
      await deps.held.putBack(r.message.chatId, r.message.userId, taken, ATTACH_WINDOW_MS);
    },
  };
}

function mayFix(fix: Command, r: Read): boolean {
  return fix.roles === 'anyone' || fix.roles.some((role) => r.sender.roles.includes(role));
}

/**
 * The reply to a held photo (held by route(), which checked for a recent fix in the same step):
 * a write (once per msgid), so a re-sent callback gets the same words.
 */
function heldReply(count: number): Command {
  return defineCommand({
    name: 'hold-photos',
    aliases: [],
    roles: ['admin', 'leader', 'member', 'secretary'],
    summary: '暂存单独发来的照片，附到下一条 /整改',
    usage: '（单独发送照片）',
    example: '/整改 #12 闸阀已更换',
    args: noArgs,
    async run() {
      const minutes = ATTACH_WINDOW_MS / 60_000;
      return `📷 照片已收到（共 ${count} 张待附），请在 ${minutes} 分钟内发送 \`/整改 #编号 整改情况\`，照片会附到这次整改。`;
    },
  });
}
