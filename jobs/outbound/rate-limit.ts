import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Result } from 'ioredis';
import type { RedisClient } from '../../src/store/redis';
import { packageRoot } from '../../src/config/paths';

const RATE_TAKE = readFileSync(path.join(packageRoot(), 'src', 'store', 'lua', 'rate-take.lua'), 'utf8');

declare module 'ioredis' {
  interface RedisCommander<Context> {
    rateTake(key: string, now: number, windowMs: number, limit: number, member: string): Result<number, Context>;
  }
}

/** Per-destination sliding window shared by every worker instance (it lives in Redis). */
export class RateLimiter {
  constructor(
    private readonly redis: RedisClient,
    private readonly keyOf: (destination: string) => string,
    readonly limit = 20,
    readonly windowMs = 60_000,
  ) {
    redis.defineCommand('rateTake', { numberOfKeys: 1, lua: RATE_TAKE });
  }

  /** 0 when the send may go now, else how long to wait. */
  take(destination: string, now: number, member: string): Promise<number> {
    return this.redis.rateTake(this.keyOf(destination), now, this.windowMs, this.limit, member);
  }

  /**
   * Moves a taken slot to when the send actually finished: WeCom counts the message when it
   * arrives, so a slow send must not let the next-but-twenty go out early.
   */
  async sent(destination: string, at: number, member: string): Promise<void> {
    await this.redis.zadd(this.keyOf(destination), 'XX', at, member);
  }
}
