import cron, { type ScheduledTask } from 'node-cron';
import type { RedisClient } from '../../src/store/redis';
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

/**
 * How late a tick may still run. node-cron's default (1 s) silently skips a tick whose timer
 * fires late, e.g. after a busy event loop or a paused VM. Running it up to a minute late is
 * safe: the lock is named after the scheduled slot (ctx.date), not the wake-up time, so a late
 * instance still finds a tick another instance already ran. (node-cron never runs a slot once
 * the next one is due, whatever the tolerance.)
 */
const MISSED_EXECUTION_TOLERANCE_MS = 60_000;

/** "20261123T010000": the tick's slot in its lock and in the log. */
const slotName = (at: Date) => at.toISOString().slice(0, 19).replace(/[-:]/g, '');

export async function runTickOnce(redis: RedisClient, keys: Keys, tick: Tick, at: Date, logger: Logger): Promise<boolean> {
  const key = slotName(at);
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

export function scheduleTicks(ticks: readonly Tick[], redis: RedisClient, keys: Keys, logger: Logger): { stop(): Promise<void> } {
  // Ticks in progress: a stop waits for them, so Redis is not closed under a tick's commands.
  const running = new Set<Promise<void>>();
  const tasks: ScheduledTask[] = ticks.map((tick) => {
    const task = cron.schedule(
      tick.cron,
      async (ctx) => {
        const run = (async () => {
          try {
            // The scheduled second, not the moment this instance woke: every instance derives the same lock.
            await runTickOnce(redis, keys, tick, new Date(Math.round(ctx.date.getTime() / 1000) * 1000), logger);
          } catch (err) {
            logger.error({ err, tick: tick.name }, 'tick failed');
          }
        })();
        running.add(run);
        await run;
        running.delete(run);
      },
      { timezone: 'Asia/Shanghai', name: tick.name, noOverlap: true, missedExecutionTolerance: MISSED_EXECUTION_TOLERANCE_MS },
    );
    // A tick later than the tolerance is skipped: say so in our log (a listener also silences
    // node-cron's own console warning).
    task.on('execution:missed', (ctx) => {
      logger.warn({ tick: tick.name, at: slotName(ctx.date), lateMs: ctx.triggeredAt.getTime() - ctx.date.getTime() }, 'tick missed');
    });
    return task;
  });
  return {
    async stop() {
      await Promise.all(tasks.map((t) => t.destroy()));
      await Promise.all(running);
    },
  };
}
