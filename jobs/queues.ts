import { Queue } from 'bullmq';
import type { Logger } from '../src/log/logger';
import { bullConnection } from '../src/store/redis';

/**
 * BullMQ queues: `outbound` carries every push (docs/design.md §5), `outbound-ws` the ones the
 * long connection's holder sends, `timers` the per-issue delayed
 * jobs (deadline reminders, 回头看), `files` the generated files (the 台账 workbook, the .docx).
 */
export const OUTBOUND_QUEUE = 'outbound';
/**
 * Pushes bound for the long connection (WECOM_TRANSPORT=ws), handed on by any instance's outbound
 * sender and consumed only by the instance holding the connection (docs/design.md §7.5).
 */
export const OUTBOUND_WS_QUEUE = 'outbound-ws';
export const TIMERS_QUEUE = 'timers';
export const FILES_QUEUE = 'files';
/** Evidence downloads (jobs/evidence/): WeCom's links expire in 5 minutes. */
export const EVIDENCE_QUEUE = 'evidence';

export interface Queues {
  outbound: Queue;
  outboundWs: Queue;
  timers: Queue;
  files: Queue;
  evidence: Queue;
  /** Reachability for /healthz, the dead letters (pushes that failed their last attempt) and the backlog. */
  check(): Promise<{ deadLetters: number; waiting: number }>;
  /** Workers connected to each queue (BullMQ names their connections), on any instance. */
  workers(): Promise<{ outbound: number; timers: number; files: number; evidence: number }>;
  close(): Promise<void>;
}

export function createQueues(redisUrl: string, prefix: string, logger: Logger): Queues {
  const bull = bullConnection(redisUrl, 'queue');
  const make = (name: string) => {
    const q = new Queue(name, { connection: bull.connection, prefix });
    q.on('error', (err) => logger.warn({ queue: name, err: err.message }, 'queue connection error'));
    return q;
  };
  const outbound = make(OUTBOUND_QUEUE);
  const outboundWs = make(OUTBOUND_WS_QUEUE);
  const timers = make(TIMERS_QUEUE);
  const files = make(FILES_QUEUE);
  const evidence = make(EVIDENCE_QUEUE);
  let closing: Promise<void> | undefined;
  return {
    outbound,
    outboundWs,
    timers,
    files,
    evidence,
    async check() {
      const [counts, ws] = await Promise.all([outbound.getJobCounts('failed', 'waiting'), outboundWs.getJobCounts('failed', 'waiting')]);
      await timers.getJobCounts('waiting');
      return { deadLetters: (counts.failed ?? 0) + (ws.failed ?? 0), waiting: (counts.waiting ?? 0) + (ws.waiting ?? 0) };
    },
    async workers() {
      const [o, t, f, e] = await Promise.all([outbound.getWorkersCount(), timers.getWorkersCount(), files.getWorkersCount(), evidence.getWorkersCount()]);
      return { outbound: o, timers: t, files: f, evidence: e };
    },
    close() {
      closing ??= Promise.all([outbound.close(), outboundWs.close(), timers.close(), files.close(), evidence.close()]).then(() => bull.close());
      return closing;
    },
  };
}
