import type { Result } from 'ioredis';
import type { RedisClient } from '../../src/store/redis';
import { defineScripts } from '../../src/store/scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rateTake(key: string, now: number, member: string, windows: number, ...rest: number[] | [...number[], number, string]): Result<number, Context>;
  }
}

/** A rate-limit window of a destination: at most `limit` sends in `windowMs`. */
export interface Window {
  limit: number;
  windowMs: number;
}

/** A send that may use only part of the (first) window (an ad-hoc push), and how much of it. */
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

/**
 * Per-destination sliding windows shared by every worker instance (they live in Redis). Each
 * destination may have several windows that must all have room (the long connection's 30 a
 * minute and 1 000 an hour); by default the one window given here.
 */
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
   * send counts against every window and against its share of the first one.
   */
  async take(destination: string, now: number, member: string, share?: Share, windows?: readonly Window[]): Promise<Taken> {
    const list = windows?.length ? windows : [{ limit: this.limit, windowMs: this.windowMs }];
    const args = list.flatMap((w) => [w.windowMs, w.limit]);
    if (!share) return { waitMs: await this.redis.rateTake(this.keyOf(destination), now, member, list.length, ...args), member };
    const tagged = `${share.tag}|${member}`;
    return { waitMs: await this.redis.rateTake(this.keyOf(destination), now, tagged, list.length, ...args, share.limit, `${share.tag}|`), member: tagged };
  }

  /**
   * Moves a taken slot to when the send actually finished: WeCom counts the message when it
   * arrives, so a slow send must not let the next-but-twenty go out early.
   */
  async sent(destination: string, at: number, member: string): Promise<void> {
    await this.redis.zadd(this.keyOf(destination), 'XX', at, member);
  }
}
