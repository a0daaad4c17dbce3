import { scheduleTicks } from '../../jobs/ticks/cron';
import { createKeys } from '../../src/store/keys';
import { captureLogs, type LogLine } from '../support/log-capture';
import { testPrefix, testRedis } from '../support/redis';
import { clockPast, pollUntil } from '../support/wait';

/**
 * Calendar ticks whose timer fires late (a blocked event loop, a paused VM): node-cron skips a
 * tick more than its tolerance late. The real scheduler, on the real Redis lock; the lateness is
 * real too, made by blocking the event loop across the tick's slot.
 */

const slotName = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace(/[-:]/g, '');

/** Blocks the event loop until the clock reads `ms`: no timer can fire meanwhile. */
function blockUntil(ms: number): void {
  while (Date.now() < ms) {
    // busy: what a CPU-bound request or a long GC does to node-cron's timer
  }
}


describe('calendar ticks that wake late', () => {
  const redis = testRedis();
  afterAll(() => redis.disconnect());

  it('runs a tick that wakes 2 s late (past node-cron’s default 1 s) once, under its scheduled slot', async () => {
    const keys = createKeys(testPrefix());
    const { logger, lines } = captureLogs();
    const ran: string[] = [];
    const ticks = scheduleTicks([{ name: 'late', cron: '*/5 * * * * *', run: async (at) => void ran.push(at) }], redis, keys, logger);
    try {
      // Sleep until just before a slot, then block across it. Timers fire in the order they are
      // due, so this sleep ends before node-cron's timer for the slot fires, even on a slow machine.
      const slot = Math.ceil((Date.now() + 1_000) / 5_000) * 5_000;
      await clockPast(slot - 300);
      const before = [...ran]; // a slot in the first second, if there was one, ran on time
      // node-cron reads the time without milliseconds: 2.5 s of blocking make it 2 s late, still
      // before the next slot (5 s on).
      blockUntil(slot + 2_500);
      await pollUntil(() => ran.length > before.length, 'the late tick ran');
      expect(ran).toEqual([...before, slotName(slot)]);
      // The lock is the scheduled slot's, the one an instance that woke on time would take.
      expect(await redis.get(keys.tickLock('late', slotName(slot)))).toBe(String(process.pid));
      await pollUntil(() => lines.filter((l) => l.msg === 'tick done').length === ran.length, 'the tick logged');
      expect(lines.filter((l) => l.msg === 'tick done').map((l) => l.at)).toEqual([...before, slotName(slot)]);
      expect(lines.filter((l) => l.msg === 'tick missed')).toEqual([]);
    } finally {
      await ticks.stop();
    }
  });

  it('logs a tick it skips because the next one was already due', async () => {
    const keys = createKeys(testPrefix());
    const { logger, lines } = captureLogs();
    const ran: string[] = [];
    const ticks = scheduleTicks([{ name: 'every-second', cron: '* * * * * *', run: async (at) => void ran.push(at) }], redis, keys, logger);
    try {
      await pollUntil(() => ran.length > 0, 'a first tick');
      // Blocked for 2.5 s: when the timer fires, each slot whose next slot is also past is skipped
      // (and logged); only the latest runs.
      const blockedFrom = Date.now();
      blockUntil(blockedFrom + 2_500);
      await pollUntil(() => lines.some((l) => l.msg === 'tick missed'), 'a missed tick logged');
      const missed = lines.filter((l) => l.msg === 'tick missed');
      for (const l of missed) {
        expect(l).toEqual({ level: 40, time: expect.any(String), service: 'duban', msg: 'tick missed', tick: 'every-second', at: expect.stringMatching(/^\d{8}T\d{6}$/), lateMs: expect.any(Number) });
        // A slot inside the blocked stretch, found late by at least the one second between slots.
        const at = Date.parse(`${String(l.at).replace(/^(\d{4})(\d\d)(\d\d)T(\d\d)(\d\d)(\d\d)$/, '$1-$2-$3T$4:$5:$6')}Z`);
        expect(at).toBeGreaterThanOrEqual(Math.floor(blockedFrom / 1000) * 1000);
        expect(at).toBeLessThan(blockedFrom + 2_500);
        expect(l.lateMs as number).toBeGreaterThanOrEqual(1_000);
      }
      // The missed slots never ran, and the ticks go on afterwards.
      const missedAt = new Set(missed.map((l: LogLine) => l.at));
      expect(ran.filter((at) => missedAt.has(at))).toEqual([]);
      const after = ran.length;
      await pollUntil(() => ran.length > after, 'a tick after the blocked stretch');
    } finally {
      await ticks.stop();
    }
  });
});
