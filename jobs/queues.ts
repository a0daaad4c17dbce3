import { Queue } from 'bullmq';
import type { Logger } from '../src/log/logger';
import type { RedisEndpoint } from '../src/store/redis';

/**
 * BullMQ queues: `outbound` carries every push (DESIGN §5), `timers` the per-issue delayed
 * jobs (deadline reminders, 回头看).
 */
export const OUTBOUND_QUEUE = 'outbound';
export const TIMERS_QUEUE = 'timers';

export interface Queues {
  outbound: Queue;
  timers: Queue;
  /** Reachability for /healthz, plus the dead letters (pushes that failed their last attempt). */
  check(): Promise<{ deadLetters: number }>;
  close(): Promise<void>;
}

export function createQueues(connection: RedisEndpoint, prefix: string, logger: Logger): Queues {
  // Passing options (not a client) lets BullMQ own and close its connections.
  const make = (name: string) => {
    const q = new Queue(name, { connection: { ...connection, maxRetriesPerRequest: 1 }, prefix });
    q.on('error', (err) => logger.warn({ queue: name, err: err.message }, 'queue connection error'));
    return q;
  };
  const outbound = make(OUTBOUND_QUEUE);
  const timers = make(TIMERS_QUEUE);
  let closing: Promise<void> | undefined;
  return {
    outbound,
    timers,
    async check() {
      const counts = await outbound.getJobCounts('failed');
      await timers.getJobCounts('waiting');
      return { deadLetters: counts.failed ?? 0 };
    },
    close() {
      closing ??= Promise.all([outbound.close(), timers.close()]).then(() => undefined);
      return closing;
    },
  };
}
