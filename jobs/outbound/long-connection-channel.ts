import type { Queue } from 'bullmq';
import type { Clock } from '../../src/clock';
import { LongConnectionRefused, NotConnectedError, type LongConnection, type LongConnectionBody } from '../../src/wecom/long-connection';
import type { TalkedChats } from '../../src/wecom/talked-chats';
import { pushJobOptions, pushSchema, type Push } from '../push';
import { fitBytes, PermanentSendError, type Channel } from './channels';

/** The long connection's markdown holds at most 20 480 bytes of UTF-8 (docs/wecom-protocol.md §3.6). */
export const LONG_CONNECTION_MAX_BYTES = 20_480;

/**
 * errcodes of an aibot_send_msg ack that a retry will not change (docs/wecom-protocol.md §3.9,
 * §4.4): an unknown chatid (93006), a bad or empty body, content too long.
 */
const PERMANENT = new Set([93006, 40008, 44004, 45002]);

/** The body a push becomes on the long connection: its card where it has one, else its words. */
export function longConnectionBody(push: Push): LongConnectionBody {
  if (push.card) return { msgtype: 'template_card', template_card: push.card };
  return { msgtype: 'markdown', markdown: { content: fitBytes(push.content, LONG_CONNECTION_MAX_BYTES) } };
}

/** The words of a carded push, sent before its card (a client that does not render cards still gets them). */
export function wordsOf(push: Push): Push {
  const { card: _card, ...words } = push;
  return { ...words, id: `${push.id}#text` };
}

/**
 * The @ part of a carded push that @s someone: a short text through the group robot, which alone
 * can @ (the card and the words go over the long connection). Its own push id, so it goes once.
 */
export function mentionOf(push: Push): Push {
  const first = push.content.split('\n')[0]!.slice(0, 80);
  return { id: `${push.id.slice(0, 196)}.at`, chatId: push.chatId, kind: push.kind, format: 'text', content: `${first}（详见卡片）`, mentions: push.mentions, createdAt: push.createdAt };
}

/**
 * The proactive send over the long connection, used by the lease holder's worker only (the
 * socket is there). No socket: NotConnectedError (the worker waits); a refusal that stays:
 * PermanentSendError (the worker falls back to the group robot or the sink). Says chat_type
 * where the chat's type is known.
 */
export class LongConnectionChannel implements Channel {
  readonly name = 'long-connection';
  constructor(
    private readonly connection: LongConnection,
    private readonly talked: TalkedChats,
    private readonly clock: Clock,
  ) {}

  async send(push: Push): Promise<void> {
    if (this.connection.state !== 'connected') throw new NotConnectedError(`long connection is ${this.connection.state}`);
    const chat = await this.talked.since(push.chatId, this.clock.now().getTime());
    try {
      await this.connection.send(push.chatId, { ...longConnectionBody(push), ...(chat ? { chat_type: chat.chatType === 'group' ? 2 : 1 } : {}) });
    } catch (err) {
      if (err instanceof LongConnectionRefused && PERMANENT.has(err.errcode)) throw new PermanentSendError(err.errcode, err.message);
      throw err;
    }
  }
}

/**
 * A ws-bound push seen by any instance's outbound sender: handed to the `outbound-ws` queue, which
 * only the holder of the connection consumes. The job id is the push id, so handing it on twice
 * queues it once. A carded push that @s someone is split: the push without its @ goes to the long
 * connection, the @ as a short text back to the `outbound` queue (the group robot).
 */
export class LongConnectionForward implements Channel {
  readonly name = 'long-connection-forward';
  constructor(
    private readonly queue: Queue,
    private readonly outbound: Queue,
    private readonly backoffMs = 5_000,
  ) {}

  async send(push: Push): Promise<void> {
    const backoff = { type: 'exponential', delay: this.backoffMs };
    if (push.mentions.length && push.card) {
      const mention = pushSchema.parse(mentionOf(push));
      await this.outbound.add('push', mention, { ...pushJobOptions(mention), backoff });
    }
    const carried = push.mentions.length ? { ...push, mentions: [] } : push;
    await this.queue.add('push', carried, { ...pushJobOptions(carried), backoff });
  }
}
