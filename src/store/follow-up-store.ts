import type { Result } from 'ioredis';
import { z } from 'zod';
import { pushSchema } from '../../jobs/push';
import { evidenceOrderSchema } from '../../jobs/evidence/evidence-order';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';
import { parseJsonOrUndefined } from '../parsing/json';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    followUpsTake(due: string, data: string, upTo: number, leaseUntil: number, limit: number): Result<string[], Context>;
  }
}

/** Read back from Redis only by the sweeper, after a crash: checked like any other input. */
const dataSchema = z.object({ pushes: z.array(pushSchema), evidence: z.array(evidenceOrderSchema) });
export type FollowUpData = z.output<typeof dataSchema>;

export interface LeftFollowUp {
  member: string;
  issueId: number;
  data: FollowUpData;
}

/**
 * The follow-ups commit-once.lua writes down beside each change (`{ledger}followups`, a sorted set
 * by due time, and their data): cleared by the process that answered once it has done them,
 * leased and done by the sweeper when that process died first.
 */
export class FollowUpStore {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    defineScripts(redis);
  }

  /** Done: the entries go (one batch; it joins whatever the connection sends next). */
  async done(...members: string[]): Promise<void> {
    if (!members.length) return;
    await Promise.all([this.redis.zrem(this.keys.followUpsDue, ...members), this.redis.hdel(this.keys.followUpsData, ...members)]);
  }

  /** Leases up to `limit` entries due at or before `upTo` until `leaseUntil`; unreadable data counts as none. */
  async take(upTo: number, leaseUntil: number, limit: number): Promise<LeftFollowUp[]> {
    const flat = await this.redis.followUpsTake(this.keys.followUpsDue, this.keys.followUpsData, upTo, leaseUntil, limit);
    const out: LeftFollowUp[] = [];
    for (let i = 0; i + 1 < flat.length; i += 2) {
      const member = flat[i]!;
      const issueId = Number(member.split(':')[0]);
      const parsed = flat[i + 1] ? dataSchema.safeParse(parseJsonOrUndefined(flat[i + 1]!)) : undefined;
      out.push({ member, issueId, data: parsed?.success ? parsed.data : { pushes: [], evidence: [] } });
    }
    return out;
  }

  /** How many are waiting (health, tests). */
  async pending(): Promise<number> {
    return this.redis.zcard(this.keys.followUpsDue);
  }
}
