import { createHash } from 'node:crypto';
import type { Keys } from '../store/keys';
import type { RedisClient } from '../store/redis';

/** A bot id as it appears in Redis keys (the lease, the talked chats): never the id itself. */
export function botHash(botId: string): string {
  return createHash('sha1').update(botId).digest('hex').slice(0, 16);
}

/**
 * How long a chat counts as one that talked to the bot. WeCom does not say whether the
 * precondition of a proactive send lapses; past this a push goes through the group robot (which
 * always works where a chat has one), and the sets stay bounded (every single-chat user adds one).
 */
export const TALKED_KEEP_MS = 30 * 86_400_000;

export type ChatType = 'single' | 'group';

/**
 * The chats that have messaged one bot over the long connection, with when they last did and
 * whether each is a group: the precondition of a proactive send (aibot_send_msg reaches only
 * those, docs/wecom-protocol.md §3.6) and its chat_type. Per bot (a replacement bot inherits
 * nothing it may not push to), one sorted set per chat type, kept as WeCom spells the chatid (it
 * is case-sensitive: a lower-cased one is refused with 93006).
 */
export class TalkedChats {
  private readonly bot: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Pick<Keys, 'wsChats'>,
    botId: string,
    private readonly keepMs = TALKED_KEEP_MS,
  ) {
    this.bot = botHash(botId);
  }

  private key(type: ChatType): string {
    return this.keys.wsChats(this.bot, type);
  }

  /** Records a message from the chat, and forgets the chats of this type silent for too long. */
  async record(chatId: string, chatType: ChatType, at: number): Promise<void> {
    const key = this.key(chatType);
    await this.redis.multi().zadd(key, at, chatId).zremrangebyscore(key, '-inf', `(${at - this.keepMs}`).exec();
  }

  /** When the chat last messaged the bot (ms) and its type, or undefined when it never has (or too long ago). */
  async since(chatId: string, now: number): Promise<{ at: number; chatType: ChatType } | undefined> {
    const [group, single] = await Promise.all([this.redis.zscore(this.key('group'), chatId), this.redis.zscore(this.key('single'), chatId)]);
    const found = group !== null ? { at: Number(group), chatType: 'group' as const } : single !== null ? { at: Number(single), chatType: 'single' as const } : undefined;
    return found && now - found.at < this.keepMs ? found : undefined;
  }

  /** Forgets a chat WeCom refused as unknown (93006): its pushes go through the other channels. */
  async forget(chatId: string): Promise<void> {
    await Promise.all([this.redis.zrem(this.key('group'), chatId), this.redis.zrem(this.key('single'), chatId)]);
  }
}
