import type { Keys } from '../store/keys';
import type { RedisClient } from '../store/redis';

/**
 * The chats that have messaged the bot over the long connection, with when they last did: the
 * precondition of a proactive send (aibot_send_msg reaches only those, docs/wecom-protocol.md
 * §3.6). One sorted set, one member per chat, kept as WeCom spells the chatid (it is
 * case-sensitive: a lower-cased one is refused with 93006).
 */
export class TalkedChats {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Pick<Keys, 'wsChats'>,
  ) {}

  async record(chatId: string, at: number): Promise<void> {
    await this.redis.zadd(this.keys.wsChats, at, chatId);
  }

  /** When the chat last messaged the bot (ms), or undefined when it never has. */
  async since(chatId: string): Promise<number | undefined> {
    const score = await this.redis.zscore(this.keys.wsChats, chatId);
    return score === null ? undefined : Number(score);
  }

  /** Forgets a chat WeCom refused as unknown (93006): its pushes go through the other channels. */
  async forget(chatId: string): Promise<void> {
    await this.redis.zrem(this.keys.wsChats, chatId);
  }
}
