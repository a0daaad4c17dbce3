import { createHash } from 'node:crypto';
import type { JobsOptions, Queue } from 'bullmq';
import type { Logger } from '../../src/log/logger';
import type { EvidenceOrder } from './evidence-order';

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
    // worker also skips an entry already settled).
    removeOnComplete: { age: 86_400 },
    removeOnFail: { age: 7 * 86_400 },
  };
}

/** The jobs port's storeEvidence: queues the downloads, logging (never throwing) when it cannot. */
export function createEvidenceClient(deps: { queue: Queue; logger: Logger; backoffMs?: number }): { storeEvidence(orders: readonly EvidenceOrder[]): Promise<void> } {
  return {
    async storeEvidence(orders) {
      if (!orders.length) return;
      try {
        await deps.queue.addBulk(orders.map((o) => ({ name: 'evidence', data: o, opts: evidenceJobOptions(o, deps.backoffMs) })));
      } catch (err) {
        // The change is committed; the entries stay "saving" and the log says which.
        deps.logger.error({ err, issues: [...new Set(orders.map((o) => o.issueId))], count: orders.length }, 'could not queue evidence downloads');
      }
    },
  };
}
