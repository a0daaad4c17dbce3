import type { Result } from 'ioredis';
import type { RedisClient } from '../../src/store/redis';
import { defineScripts } from '../../src/store/scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rateTake(key: string, now: number, windowMs: number, limit: number, member: string, ...share: [] | [shareLimit: number, sharePrefix: string]): Result<number, Context>;
  }
}

/** A send that may use only part of the window (an ad-hoc push), and how much of it. */
export interface Share {
  /** Marks its sends in the window; part of every member it takes. */
  tag: string;
  limit: number;
}

/** A slot taken in the window: `member` names it for sent(). */
export interface Taken {
  waitMs: number;
  member: string;
}

/** Per-destination sliding window shared by every worker instance (it lives in Redis). */
export class RateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyOf: (destination: string) => string,
    readonly limit = 20,
    readonly windowMs = 60_000,
  ) {
    defineScripts(redis);
  }

  /**
   * Takes a slot: waitMs 0 when the send may go now, else how long to wait. With a share, the
   * send counts against the whole window and against its share of it.
   */
  async take(destination: string, now: number, member: string, share?: Share): Promise<Taken> {
    if (!share) return { waitMs: await this.redis.rateTake(this.keyOf(destination), now, this.windowMs, this.limit, member), member };
    const tagged = `${share.tag}|${member}`;
    return { waitMs: await this.redis.rateTake(this.keyOf(destination), now, this.windowMs, this.limit, tagged, share.limit, `${share.tag}|`), member: tagged };
  }

  /**
   * Moves a taken slot to when the send actually finished: WeCom counts the message when it
   * arrives, so a slow send must not let the next-but-twenty go out early.
   */
  async sent(destination: string, at: number, member: string): Promise<void> {
    await this.redis.zadd(this.keyOf(destination), 'XX', at, member);
  }
}
