import type { RedisClient } from '../../src/store/redis';
import type { Clock } from '../../src/clock';
import type { Org } from '../../src/domain/org';
import { revisitAt } from '../../src/domain/revisit';
import { officialCalendar } from '../../src/parsing/deadline';
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
  redis: RedisClient;
  keys: Keys;
  ledger: LedgerStore;
  timers: TimerScheduler;
  org: () => Org;
  clock: Clock;
  logger: Logger;
}): Promise<{ reminders: number; revisits: number }> {
  const now = deps.clock.now().getTime();
  const policy = deps.org().policy;
  let reminders = 0;
  let revisits = 0;
  for await (const ids of scanIds(deps.redis, deps.keys.deadlines)) {
    // A page at a time, together: one await per issue made a 100 000-issue start take minutes.
    const open = (await deps.ledger.getMany(ids)).filter((i) => i.state === 'assigned' && i.deadline !== undefined);
    await Promise.all(open.map((i) => deps.timers.scheduleReminder(i.id, i.deadline!, now)));
    reminders += open.length;
  }
  for await (const ids of scanIds(deps.redis, deps.keys.byState('closed'))) {
    // Only revisits still ahead: one already due was sent (or is in the outbound queue).
    const ahead = (await deps.ledger.getMany(ids)).filter((i) => i.closedAt !== undefined && revisitAt(i.closedAt, policy, officialCalendar) > now);
    await Promise.all(ahead.map((i) => deps.timers.sync(undefined, i, now)));
    revisits += ahead.length;
  }
  deps.logger.info({ reminders, revisits, ms: deps.clock.now().getTime() - now }, 'issue timers reconciled');
  return { reminders, revisits };
}

/** Ids of a sorted set, 500 at a time (ZSCAN: no long blocking read on a big ledger). */
async function* scanIds(redis: RedisClient, key: string): AsyncGenerator<number[]> {
  let cursor = '0';
  do {
    const [next, flat] = await redis.zscan(key, cursor, 'COUNT', 500);
    cursor = next;
    const ids: number[] = [];
    for (let i = 0; i < flat.length; i += 2) ids.push(Number(flat[i]));
    if (ids.length) yield ids;
  } while (cursor !== '0');
}
