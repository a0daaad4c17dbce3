import type { Redis } from 'ioredis';
import type { Clock } from '../../src/clock';
import type { Org } from '../../src/domain/org';
import type { Logger } from '../../src/log/logger';
import type { Keys } from '../../src/store/keys';
import type { LedgerStore } from '../../src/store/ledger-store';
import type { TimerScheduler } from './timer-jobs';

/**
 * At worker start: make sure every issue that should have a timer has one. A change is
 * committed before its timer is queued, so a crash in between would otherwise leave an issue
 * without reminders. Idempotent: timers have deterministic ids, so existing ones stay as they are.
 */
export async function reconcileTimers(deps: {
  redis: Redis;
  keys: Keys;
  ledger: LedgerStore;
  timers: TimerScheduler;
  org: () => Org;
  clock: Clock;
  logger: Logger;
}): Promise<{ reminders: number; revisits: number }> {
  const now = deps.clock.now().getTime();
  const revisitAfter = deps.org().policy.revisitAfter.ms;
  let reminders = 0;
  let revisits = 0;
  for await (const ids of scanIds(deps.redis, deps.keys.deadlines)) {
    for (const issue of await deps.ledger.getMany(ids)) {
      if (issue.state !== 'assigned' || issue.deadline === undefined) continue;
      await deps.timers.scheduleReminder(issue.id, issue.deadline, now);
      reminders++;
    }
  }
  for await (const ids of scanIds(deps.redis, deps.keys.byState('closed'))) {
    for (const issue of await deps.ledger.getMany(ids)) {
      // Only revisits still ahead: one already due was sent (or is in the outbound queue).
      if (issue.closedAt === undefined || issue.closedAt + revisitAfter <= now) continue;
      await deps.timers.sync(undefined, issue, now);
      revisits++;
    }
  }
  deps.logger.info({ reminders, revisits, ms: deps.clock.now().getTime() - now }, 'issue timers reconciled');
  return { reminders, revisits };
}

/** Ids of a sorted set, 500 at a time (ZSCAN: no long blocking read on a big ledger). */
async function* scanIds(redis: Redis, key: string): AsyncGenerator<number[]> {
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(key, cursor, 'COUNT', 500);
    cursor = next;
    const ids: number[] = [];
    for (let i = 0; i < flat.length; i += 2) ids.push(Number(flat[i]));
    if (ids.length) yield ids;
  } while (cursor !== '0');
}
