import { createHash } from 'node:crypto';
import type { Job, JobsOptions, Queue } from 'bullmq';
import type { Clock } from '../../src/clock';
import type { Logger } from '../../src/log/logger';
import type { EvidenceStore } from '../../src/store/evidence-store';
import { evidenceRefSchema, redactedOrder, type EvidenceOrder } from './evidence-order';

/** Tries in all: WeCom's links live 5 minutes, the backoff (2 s, 4 s, 8 s) stays well inside that. */
export const EVIDENCE_ATTEMPTS = 4;
const BACKOFF_MS = 2_000;

/**
 * The job id of one entry's download: issue, message and place, so a command re-run (or the
 * same order queued twice) queues it once. BullMQ ids may not hold ":" and msgids are base64,
 * so the msgid goes in hashed.
 */
export function evidenceJobId(o: Pick<EvidenceOrder, 'issueId' | 'msgid' | 'index'>): string {
  return `ev-${o.issueId}-${createHash('sha1').update(o.msgid).digest('hex').slice(0, 20)}-${o.index}`;
}

export function evidenceJobOptions(o: EvidenceOrder, backoffMs = BACKOFF_MS): JobsOptions {
  return {
    jobId: evidenceJobId(o),
    attempts: EVIDENCE_ATTEMPTS,
    backoff: { type: 'exponential', delay: backoffMs },
    // Kept a day so a re-queued order stays one job; the entry's outcome is the record (the
    // worker also skips an entry already settled), so a dead letter need not outlive that.
    removeOnComplete: { age: 86_400 },
    removeOnFail: { age: 86_400 },
  };
}

export interface EvidenceSettleDeps {
  store: EvidenceStore;
  clock: Clock;
  logger: Logger;
}

/**
 * The jobs port's storeEvidence: queues the downloads, never throwing. An order that cannot be
 * queued (Redis away, the queue closed) is recorded at once as not kept (`storage`), so no entry
 * waits "saving" for a job that does not exist.
 */
export function createEvidenceClient(deps: EvidenceSettleDeps & { queue: Queue; backoffMs?: number }): { storeEvidence(orders: readonly EvidenceOrder[]): Promise<void> } {
  return {
    async storeEvidence(orders) {
      if (!orders.length) return;
      try {
        await deps.queue.addBulk(orders.map((o) => ({ name: 'evidence', data: o, opts: evidenceJobOptions(o, deps.backoffMs) })));
      } catch (err) {
        deps.logger.error({ err, issues: [...new Set(orders.map((o) => o.issueId))], count: orders.length }, 'could not queue evidence downloads; recording them as not kept');
        await Promise.all(orders.map((o) => settleAsFailed(o, deps, 'not queued')));
      }
    },
  };
}

/**
 * The evidence worker's listener for jobs that end without an outcome: a job that failed its
 * last attempt (the recording itself failed, or the order names its entry but is otherwise
 * broken) or one moved to the failed set for stalling. Records the entry as not kept
 * (`storage`) and clears the link and key from the job.
 */
export function evidenceDeadLetters(deps: EvidenceSettleDeps & { queue: Pick<Queue, 'getJob'> }): { failed(job: Job | undefined, err: Error): void; stalled(jobId: string): void } {
  const settle = async (job: Job, why: string) => {
    await settleAsFailed(job.data, deps, why);
    await job.updateData(redactedOrder(job.data)).catch(() => undefined);
  };
  return {
    failed(job, err) {
      if (!job) return;
      const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
      if (final) void settle(job, err.message);
    },
    stalled(jobId) {
      // A stall usually puts the job back to wait; past BullMQ's stall limit it is failed instead.
      void (async () => {
        const job = await deps.queue.getJob(jobId);
        if (job && (await job.isFailed())) await settle(job, 'stalled');
      })().catch((err: unknown) => deps.logger.error({ err, job: jobId }, 'could not settle a stalled evidence job'));
    },
  };
}

async function settleAsFailed(data: unknown, deps: EvidenceSettleDeps, why: string): Promise<void> {
  const ref = evidenceRefSchema.safeParse(data);
  if (!ref.success) return;
  const { issueId, msgid, index, by } = ref.data;
  try {
    const result = await deps.store.record(issueId, msgid, index, { failed: { reason: 'storage' } }, by, deps.clock.now().getTime());
    deps.logger.warn({ issue: issueId, msgid, index, why, result }, 'evidence not kept');
  } catch (err) {
    // Nothing more to do here: /查看 shows an entry saving past its time as not kept.
    deps.logger.error({ err, issue: issueId, msgid, index, why }, 'could not record an evidence entry as not kept');
  }
}
