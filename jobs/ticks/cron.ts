import cron, { type ScheduledTask } from 'node-cron';
import type { Redis } from 'ioredis';
import type { Logger } from '../../src/log/logger';
import type { Keys } from '../../src/store/keys';

/**
 * Calendar ticks (node-cron, Asia/Shanghai). Every instance runs the schedule; each tick takes a
 * Redis lock named after the tick's minute, so several instances push once.
 */
export interface Tick {
  name: string;
  cron: string;
  run(tick: string): Promise<unknown>;
}

/** The lock is kept a day: long enough that no instance runs the same tick late. */
const LOCK_SECONDS = 86_400;

export async function runTickOnce(redis: Redis, keys: Keys, tick: Tick, at: Date, logger: Logger): Promise<boolean> {
  const key = at.toISOString().slice(0, 19).replace(/[-:]/g, '');
  const won = await redis.set(keys.tickLock(tick.name, key), String(process.pid), 'EX', LOCK_SECONDS, 'NX');
  if (won !== 'OK') {
    logger.debug({ tick: tick.name, at: key }, 'tick taken by another instance');
    return false;
  }
  const started = performance.now();
  await tick.run(key);
  logger.info({ tick: tick.name, at: key, ms: Math.round(performance.now() - started) }, 'tick done');
  return true;
}

export function scheduleTicks(ticks: readonly Tick[], redis: Redis, keys: Keys, logger: Logger): { stop(): Promise<void> } {
  const tasks: ScheduledTask[] = ticks.map((tick) =>
    cron.schedule(
      tick.cron,
      async (ctx) => {
        try {
          // The scheduled second, not the moment this instance woke: every instance derives the same lock.
          await runTickOnce(redis, keys, tick, new Date(Math.round(ctx.date.getTime() / 1000) * 1000), logger);
        } catch (err) {
          logger.error({ err, tick: tick.name }, 'tick failed');
        }
      },
      { timezone: 'Asia/Shanghai', name: tick.name, noOverlap: true },
    ),
  );
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.destroy()));
    },
  };
}
