import type { LedgerStore } from '../../src/store/ledger-store';
import { queueFollowUp, type FollowUpDeps } from './run-follow-up';

/**
 * Follow-ups whose process died between the reply and the work after it (docs/design.md §4.21).
 * The process that answered clears its entry within milliseconds, so only entries older than the
 * grace are taken, each leased so that one sweeper does it; doing one twice is harmless (timer ids
 * are deterministic, a push's sent-marker stops a second send, downloads settle once).
 */
export const FOLLOW_UP_GRACE_MS = 10_000;
export const FOLLOW_UP_SWEEP_MS = 15_000;
const LEASE_MS = 60_000;
const BATCH = 200;

export async function sweepFollowUps(deps: FollowUpDeps & { ledger: LedgerStore }, graceMs = FOLLOW_UP_GRACE_MS): Promise<number> {
  let done = 0;
  for (;;) {
    const now = deps.clock.now().getTime();
    const left = await deps.store.take(now - graceMs, now + LEASE_MS, BATCH);
    for (const f of left) {
      try {
        const issue = await deps.ledger.get(f.issueId);
        // The issue as it is now: its timers follow its state, whatever came in between.
        if (issue) await queueFollowUp(deps, undefined, issue, f.data.pushes, f.data.evidence);
        await deps.store.done(f.member);
        done++;
      } catch (err) {
        // Leased: tried again once the lease runs out.
        deps.logger.error({ err, followUp: f.member }, 'left-over follow-up failed; retried later');
      }
    }
    if (left.length < BATCH) break;
  }
  if (done) deps.logger.warn({ followUps: done }, 'follow-ups left by a stopped process done');
  return done;
}
