import { randomUUID } from 'node:crypto';
import type { Result } from 'ioredis';
import type { Logger } from '../log/logger';
import type { Keys } from '../store/keys';
import type { RedisClient } from '../store/redis';
import { defineScripts } from '../store/scripts';
import { botHash } from './talked-chats';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    leaseRenew(key: string, token: string, termMs: number): Result<number, Context>;
    leaseRelease(key: string, token: string): Result<number, Context>;
  }
}

/** How long a lease lasts without renewal; the holder renews it three times per term. */
export const LEASE_TERM_MS = 15_000;

export interface LeaseEvents {
  /** This instance now holds the lease: connect. */
  acquired(): void;
  /** It no longer does (another instance holds it, or it could not be renewed in time): disconnect. */
  lost(reason: string): void;
}

/**
 * One live long connection per bot, however many instances run (docs/design.md §7.5): a Redis
 * lease holding the owner's random token, taken with SET NX PX, renewed and released by scripts
 * that check the owner. The holder connects; the others stand by, trying to take it every third
 * of a term, so one takes over within a term and a third of the holder dying (at once after a
 * clean stop, which releases it).
 *
 * The holder fences itself: a holder that has not renewed for two thirds of a term lets go
 * (disconnects) before the lease can lapse and another instance take it, so two never hold the
 * bot at once. Each step has a time limit, so a renewal that hangs on a half-open socket counts
 * as failed rather than holding the loop.
 */
export class ConnectionLease {
  readonly token = randomUUID();
  private readonly key: string;
  private timer: NodeJS.Timeout | undefined;
  private holding = false;
  private lastRenewed = 0;
  private running = false;
  private tick: Promise<void> = Promise.resolve();
  private generation = 0;

  constructor(
    private readonly redis: RedisClient,
    keys: Pick<Keys, 'wsLease'>,
    botId: string,
    private readonly logger: Logger,
    readonly termMs = LEASE_TERM_MS,
  ) {
    defineScripts(redis);
    this.key = keys.wsLease(botHash(botId));
  }

  get held(): boolean {
    return this.holding;
  }

  start(events: LeaseEvents): void {
    this.running = true;
    const loop = async () => {
      if (!this.running) return;
      this.tick = this.step(events);
      await this.tick;
      if (this.running) this.timer = setTimeout(() => void loop(), this.stepLimitMs);
    };
    void loop();
  }

  /** Stops trying; gives the lease up when held (the caller has disconnected first). */
  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    await this.tick;
    if (!this.holding) return;
    this.holding = false;
    await this.redis.leaseRelease(this.key, this.token).catch((err: unknown) => this.logger.warn({ err: (err as Error).message }, 'long-connection lease not released; it lapses on its own'));
  }

  /** One renewal or attempt to take, given up after a third of a term (its late answer is harmless). */
  private async step(events: LeaseEvents): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const limit = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer from Redis within ${this.stepLimitMs} ms`)), this.stepLimitMs)));
    try {
      await Promise.race([this.attempt(events), limit]);
    } catch (err) {
      this.generation++;
      this.logger.warn({ err: (err as Error).message }, 'long-connection lease not renewed');
      // Redis cannot say who holds it: let go before the lease could lapse and be taken.
      if (this.holding && Date.now() - this.lastRenewed >= this.fenceMs) {
        this.holding = false;
        events.lost('the lease could not be renewed for two thirds of its term (Redis unreachable or too slow)');
      }
    } finally {
      clearTimeout(timer);
    }
  }

  private get stepLimitMs(): number {
    return Math.max(10, Math.floor(this.termMs / 3));
  }

  private get fenceMs(): number {
    return Math.floor((this.termMs * 2) / 3);
  }

  private async attempt(events: LeaseEvents): Promise<void> {
    const now = Date.now();
    // A step that timed out may still be answered later: its answer is stale, only the newest counts.
    const gen = ++this.generation;
    const current = () => gen === this.generation;
    if (this.holding) {
      const renewed = (await this.redis.leaseRenew(this.key, this.token, this.termMs)) === 1;
      if (!current()) return;
      if (renewed) {
        this.lastRenewed = now;
        return;
      }
      this.holding = false;
      events.lost('another instance holds the lease');
      return;
    }
    // Taken free, or still ours (a renewal that failed in a Redis blip): either way it is held.
    const taken = (await this.redis.set(this.key, this.token, 'PX', this.termMs, 'NX')) === 'OK' || (await this.redis.leaseRenew(this.key, this.token, this.termMs)) === 1;
    if (!taken || !current()) return;
    this.holding = true;
    this.lastRenewed = now;
    // Taken while stopping: stop() gives it back instead of connecting.
    if (this.running) events.acquired();
  }
}
