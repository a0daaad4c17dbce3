import type { Redis } from 'ioredis';
import { createRedis } from '../../src/store/redis';
import { testPrefix, testRedisUrl } from '../support/redis';
import { measure, startCountedApp, type CountedApp } from '../support/round-trips';
import { measureTripRows, TRIPS_START, type TripRow } from '../support/round-trip-rows';
import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';

/**
 * Redis round trips before the reply, per command kind: on the app's command connection at most
 * the target (issue 15: reads 1, writes 2), and none at all on BullMQ's (timers and pushes go
 * after the reply). Workers are off (RUN_WORKERS=false) so their polling cannot land in a
 * measured window.
 */
const CEILING: Record<string, number> = {
  // Writes: the reads (the issue, then the message's record), then one script that looks up the
  // msgid, commits, records the reply and writes the follow-ups down (src/store/lua/commit-once.lua).
  '/上报': 2,
  '/整改': 2,
  '/销号': 2,
  '/驳回': 2,
  '/延期': 2,
  // Reads: one batch (/查看: the issue with its audit; /清单 and /我的: src/store/lua/read-page.lua).
  '/查看 #1': 1,
  '/status': 1,
  // With overdue issues, a 布置 task's issues and a 走访: the figures in one script (src/store/lua/read-report.lua).
  '/status 逾期': 1,
  '/清单': 1,
  '/我的': 1,
};

let c: CountedApp;
let rows: TripRow[];

beforeAll(async () => {
  const clock = fixedClock(TRIPS_START);
  c = await startCountedApp({ clock, env: { RUN_WORKERS: 'false' } });
  rows = await measureTripRows(c, clock);
});
afterAll(async () => {
  await c?.t.stop();
});

describe.each(Object.keys(CEILING))('%s', (command) => {
  it('makes no more round trips than its target, the same on both runs', () => {
    const row = rows.find((r) => r.command === command)!;
    expect(row.kind === 'read' ? 1 : 2).toBe(CEILING[command]);
    const counts = row.runs.map((t) => t.command.length);
    expect(counts[0]).toBe(counts[1]);
    expect(row.runs[1]!.command).toEqual(row.runs[0]!.command);
    expect(counts[0]).toBeGreaterThan(0);
    expect(counts[0]).toBeLessThanOrEqual(CEILING[command]!);
    // Every flush names what it carried (no unparsed writes).
    for (const t of row.runs) for (const f of t.command) expect(f.commands).not.toContain('?');
    // Nothing waits on BullMQ before the reply.
    for (const t of row.runs) expect(Object.keys(t.others).filter((k) => k.startsWith('bullmq'))).toEqual([]);
  });
});

describe('answer first', () => {
  it("queues a new issue's reminder timer only after the reply, and then clears its follow-up", () => {
    const report = rows.find((r) => r.command === '/上报')!;
    for (const t of report.runs) {
      const after = Object.entries(t.after);
      expect(after.flatMap(([k, v]) => (k.startsWith('bullmq') ? v.flatMap((f) => f.commands) : []))).toContain('addDelayedJob:6.7.0');
      expect(t.after.command?.flatMap((f) => f.commands)).toEqual(['zrem', 'hdel']);
    }
  });
});

describe('follow-ups of changes answered close together', () => {
  it('go out together: one write of timers for both, one ZREM and one HDEL for both entries', async () => {
    // A wide window makes "close together" certain on a slow machine; the default is 10 ms.
    const clock = fixedClock(TRIPS_START);
    const w = await startCountedApp({ clock, env: { RUN_WORKERS: 'false' }, jobTimings: { followUpBatchMs: 1_000 } });
    try {
      const say = (text: string) => w.t.client.say({ userId: 'u_t1_m2', chatId: 'CHAT_T1', text: `@督办助手 ${text}` });
      const { result, trips } = await w.measure(() => Promise.all([say('/上报 斑竹村 路灯不亮 期限:5个工作日内'), say('/上报 斑竹村 垃圾未清运 期限:5个工作日内')]));
      expect(result).toEqual([expect.stringContaining('已登记'), expect.stringContaining('已登记')]);
      const queued = Object.entries(trips.after).filter(([k]) => k.startsWith('bullmq')).flatMap(([, v]) => v);
      const timerWrites = queued.filter((f) => f.commands.some((c) => c.startsWith('addDelayedJob')));
      expect(timerWrites).toHaveLength(1);
      expect(timerWrites[0]!.commands.filter((c) => c.startsWith('addDelayedJob'))).toHaveLength(2);
      // (With two callbacks in flight, the second's own commit may land after the first's reply.)
      expect((trips.after.command ?? []).flatMap((f) => f.commands).filter((c) => c === 'zrem' || c === 'hdel')).toEqual(['zrem', 'hdel']);
      expect(await w.t.redis.zcard(createKeys(w.t.prefix).followUpsDue)).toBe(0);
    } finally {
      await w.t.stop();
    }
  });
});

describe('the counter', () => {
  it('counts one round trip for the commands of one tick, one more for each awaited answer', async () => {
    // The app's own kind of connection: auto-pipelined, with duban's scripts defined.
    const redis = createRedis(testRedisUrl()) as Redis;
    const key = `${testPrefix()}claim`;
    await redis.connect();
    try {
      const watched = [{ label: 'command', redis }];
      const batch = await measure(watched, () => Promise.all([redis.get(`${key}:a`), redis.get(`${key}:b`), redis.hgetall(`${key}:c`)]));
      expect(batch.trips.command).toEqual([{ commands: ['get', 'get', 'hgetall'] }]);
      const awaited = await measure(watched, async () => {
        await redis.get(`${key}:a`);
        await redis.claimOnce(key, Date.now(), 1000, 'round-trips test');
      });
      expect(awaited.trips.command).toEqual([{ commands: ['get'] }, { commands: ['claimOnce'] }]);
    } finally {
      await redis.del(key);
      await redis.quit();
    }
  });
});
