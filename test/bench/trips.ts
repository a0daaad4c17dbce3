import { startCountedApp } from '../support/round-trips';
import { measureTripRows, TRIPS_START, tripTable } from '../support/round-trip-rows';
import { fixedClock } from '../../src/clock';

/**
 * `BENCH_ONLY=trips`: the Redis round trips each command kind makes on the app's command
 * connection before its reply (test/support/round-trips.ts says how they are counted), the
 * commands in each, and issue 15's target. The same rows test/integration/round-trips.test.ts caps.
 */
export async function benchTrips(redisUrl: string): Promise<string[]> {
  // The test app reads its server from here (test/support/redis.ts).
  process.env.DUBAN_TEST_REDIS_URL = redisUrl;
  const clock = fixedClock(TRIPS_START);
  const c = await startCountedApp({ clock, env: { RUN_WORKERS: 'false' } });
  try {
    return tripTable(await measureTripRows(c, clock));
  } finally {
    await c.t.stop();
  }
}
