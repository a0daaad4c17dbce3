import type { Result } from 'ioredis';
import type { Keys } from '../../src/store/keys';
import type { RedisClient } from '../../src/store/redis';
import { RateLimiter } from './rate-limit';
import { defineScripts } from '../../src/store/scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    claimOnce(key: string, now: number, periodMs: number, caller: string): Result<[number, number], Context>;
    releaseClaim(key: string, claimedAt: number, caller: string): Result<number, Context>;
  }
}

export interface RemindLimits {
  /** One /催办 push per issue within this period. */
  perIssueMs: number;
  /** /催办 messages one person may send per minute. */
  perUserPerMinute: number;
}

export const REMIND_LIMITS: RemindLimits = { perIssueMs: 3_600_000, perUserPerMinute: 5 };

export type { IssueClaim } from '../../src/pipeline/jobs';
import type { IssueClaim, RemindLimiter } from '../../src/pipeline/jobs';

/**
 * What keeps /催办 from flooding a chat (60 in a second once delayed the digest): one push per
 * issue per hour and a few /催办 per person per minute, both decided atomically in Redis so
 * every instance agrees.
 */
export class RemindGate implements RemindLimiter {
  private readonly perUser: RateLimiter;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    readonly limits: RemindLimits = REMIND_LIMITS,
  ) {
    this.perUser = new RateLimiter(redis, keys.remindRate, limits.perUserPerMinute, 60_000);
    defineScripts(redis);
  }

  /** Counts one /催办 of this person (`message` names it); 0 when it may go, else ms until one may. */
  async userWait(userId: string, now: number, message: string): Promise<number> {
    return (await this.perUser.take(userId, now, message)).waitMs;
  }

  /**
   * Claims the issue's hour for this message. Refused: when the holder claimed (`since`). The
   * caller releases the claim when its /催办 does not go through after all.
   */
  async claimIssue(issueId: number, now: number, message: string): Promise<IssueClaim> {
    const key = this.keys.remindOnce(issueId);
    const [took, since] = await this.redis.claimOnce(key, now, this.limits.perIssueMs, message);
    if (took === 1) return { ok: true, release: async () => void (await this.redis.releaseClaim(key, now, message)) };
    return { ok: false, since: Number(since) };
  }
}
