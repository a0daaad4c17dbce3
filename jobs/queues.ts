import { Queue } from 'bullmq';
import type { Logger } from '../src/log/logger';
import type { RedisEndpoint } from '../src/store/redis';

/**
 * BullMQ queues. Every push (reminders, digests, bulletins, /催办) will go through the one
 * outbound queue (DESIGN §5); its workers arrive with the reminders issue (#4).
 */
export const OUTBOUND_QUEUE = 'outbound';

export interface Queues {
  outbound: Queue;
  /** Reachability for /healthz: the queue answers through its own connection. */
  check(): Promise<void>;
  close(): Promise<void>;
}

export function createQueues(connection: RedisEndpoint, prefix: string, logger: Logger): Queues {
  // Passing options (not a client) lets BullMQ own and close its connections.
  const outbound = new Queue(OUTBOUND_QUEUE, { connection: { ...connection, maxRetriesPerRequest: 1 }, prefix });
  outbound.on('error', (err) => logger.warn({ queue: OUTBOUND_QUEUE, err: err.message }, 'queue connection error'));
  let closing: Promise<void> | undefined;
  return {
    outbound,
    async check() {
      await outbound.getJobCounts('waiting');
    },
    close() {
      closing ??= outbound.close();
      return closing;
    },
  };
}
