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
 * How long the first follow-up of a batch waits for others (ms). Callbacks arrive one by one, not
 * in turns of the event loop: at 1 000 a second, four in ten of them writes, 10 ms gathers about
 * four changes into one addBulk and one ZREM/HDEL instead of four of each. Nothing waits on it —
 * the reply has gone, and a reminder is hours away.
 */
export const FOLLOW_UP_BATCH_MS = 10;

/**
 * After the reply, in the process that answered: the change's timers, pushes and downloads, then
 * its entry is cleared. The follow-ups of every reply sent within `windowMs` of the first go
 * together (one addBulk for their timers, one ZREM and one HDEL for their entries): under load,
 * one callback's work after the reply is much like the next's. Never throws: what failed stays
 * written down for the sweeper.
 */
export function followUpBatcher(deps: FollowUpDeps, windowMs = FOLLOW_UP_BATCH_MS): (f: FollowUp) => Promise<void> {
  let batch: { f: FollowUp; done: () => void }[] | undefined;
  const run = (mine: { f: FollowUp; done: () => void }[]) => {
    batch = undefined; // only one batch is ever open, and it is this one
    void runFollowUps(deps, mine.map((b) => b.f)).finally(() => {
      for (const b of mine) b.done();
    });
  };
  return (f) =>
    new Promise<void>((resolve) => {
      if (!batch) {
        const mine: { f: FollowUp; done: () => void }[] = [];
        batch = mine;
        if (windowMs > 0) setTimeout(run, windowMs, mine);
        else setImmediate(run, mine);
      }
      batch.push({ f, done: resolve });
    });
}

async function runFollowUps(deps: FollowUpDeps, fs: readonly FollowUp[]): Promise<void> {
  const now = deps.clock.now().getTime();
  try {
    const evidence = fs.flatMap((f) => f.evidence);
    await Promise.all([deps.timers.syncMany(fs.map((f) => ({ before: f.before, after: f.after })), now), ...fs.flatMap((f) => f.pushes).map((p) => deps.outbox.enqueue(p)), evidence.length ? deps.storeEvidence(evidence) : undefined]);
  } catch (err) {
    deps.logger.error({ err, issues: fs.map((f) => f.after.id) }, 'follow-ups of a change not queued; the sweeper retries them');
    return;
  }
  await deps.store.done(...fs.map((f) => followUpMember(f.after))).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message, issues: fs.map((f) => f.after.id) }, 'follow-ups done but not cleared; the sweeper repeats them harmlessly'));
}
