import type { Clock } from '../../src/clock';
import type { Logger } from '../../src/log/logger';
import type { FollowUp } from '../../src/pipeline/follow-ups';
import { followUpMember } from '../../src/store/ledger-store';
import type { FollowUpStore } from '../../src/store/follow-up-store';
import type { EvidenceOrder } from '../evidence/evidence-order';
import type { Outbox } from '../outbound/outbox';
import type { PushInput } from '../push';
import type { TimerScheduler } from '../timers/timer-jobs';

export interface FollowUpDeps {
  timers: TimerScheduler;
  outbox: Outbox;
  storeEvidence(orders: readonly EvidenceOrder[]): Promise<void>;
  store: FollowUpStore;
  clock: Clock;
  logger: Logger;
}

/** Queues what one change still needs; throws when any of it could not be queued. */
export async function queueFollowUp(deps: FollowUpDeps, before: FollowUp['before'], after: FollowUp['after'], pushes: readonly PushInput[], evidence: readonly EvidenceOrder[]): Promise<void> {
  const now = deps.clock.now().getTime();
  await Promise.all([deps.timers.sync(before, after, now), ...pushes.map((p) => deps.outbox.enqueue(p)), evidence.length ? deps.storeEvidence(evidence) : undefined]);
}

/**
 * After the reply, in the process that answered: the change's timers, pushes and downloads, then
 * its entry is cleared. Never throws: what failed stays written down for the sweeper.
 */
export async function runFollowUp(deps: FollowUpDeps, f: FollowUp): Promise<void> {
  try {
    await queueFollowUp(deps, f.before, f.after, f.pushes, f.evidence);
  } catch (err) {
    deps.logger.error({ err, issue: f.after.id }, 'follow-up of a change not queued; the sweeper retries it');
    return;
  }
  await deps.store.done(followUpMember(f.after)).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message, issue: f.after.id }, 'follow-up done but not cleared; the sweeper repeats it harmlessly'));
}
