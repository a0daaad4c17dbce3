import type { Redis } from 'ioredis';
import { RateLimiter } from '../../jobs/outbound/rate-limit';
import { RemindGate } from '../../jobs/outbound/remind-gate';
import { AD_HOC_SHARE } from '../../jobs/outbound/sender';
import { createKeys, type Keys } from '../../src/store/keys';
import { testPrefix, testRedis } from '../support/redis';

/** The rate windows and the /催办 claim, as Lua on the real Redis. */
let redis: Redis;
let keys: Keys;
beforeAll(() => {
  redis = testRedis();
});
beforeEach(() => {
  keys = createKeys(testPrefix());
});
afterAll(async () => {
  await redis.quit();
});

const T = Date.parse('2026-12-02T10:00:00+08:00');

describe('a robot’s window with a share for ad-hoc pushes', () => {
  it('lets ad-hoc pushes take 10 of the 20, and scheduled ones the rest', async () => {
    const limiter = new RateLimiter(redis, keys.rate);
    const adHoc = [];
    for (let i = 0; i < 12; i++) adHoc.push((await limiter.take('robot', T + i, `n${i}`, AD_HOC_SHARE)).waitMs);
    // The eleventh waits until the first ad-hoc send leaves the window (taken at T).
    expect(adHoc).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60_000 - 10, 60_000 - 11]);
    const scheduled = [];
    for (let i = 0; i < 11; i++) scheduled.push((await limiter.take('robot', T + 20 + i, `s${i}`)).waitMs);
    expect(scheduled).toEqual([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 60_000 - 30]);
    // Once the first ad-hoc sends leave the window, ad-hoc may send again (the share, not the whole, limits it).
    expect((await limiter.take('robot', T + 60_000, 'late', AD_HOC_SHARE)).waitMs).toBe(0);
    expect(await redis.zcard(keys.rate('robot'))).toBe(20);
  });

  it('names the ad-hoc member so the send time can be moved (sent) in place', async () => {
    const limiter = new RateLimiter(redis, keys.rate);
    const taken = await limiter.take('robot', T, 'push-1#0', AD_HOC_SHARE);
    expect(taken).toEqual({ waitMs: 0, member: 'adhoc|push-1#0' });
    await limiter.sent('robot', T + 500, taken.member);
    expect(await redis.zrange(keys.rate('robot'), '0', '-1', 'WITHSCORES')).toEqual(['adhoc|push-1#0', String(T + 500)]);
  });

  it('counts only ad-hoc members against the share', async () => {
    const limiter = new RateLimiter(redis, keys.rate);
    for (let i = 0; i < 15; i++) expect((await limiter.take('robot', T, `s${i}`)).waitMs).toBe(0);
    for (let i = 0; i < 5; i++) expect((await limiter.take('robot', T, `a${i}`, AD_HOC_SHARE)).waitMs).toBe(0);
    expect((await limiter.take('robot', T, 'a5', AD_HOC_SHARE)).waitMs).toBe(60_000);
  });
});

describe('the /催办 gate', () => {
  it('holds one claim per issue for the hour on the callers’ clock, and tells the others when', async () => {
    const gate = new RemindGate(redis, keys);
    const first = await gate.claimIssue(5, T, 'm1');
    expect(first.ok).toBe(true);
    expect(await gate.claimIssue(5, T + 59 * 60_000, 'm2')).toEqual({ ok: false, since: T });
    expect((await gate.claimIssue(6, T, 'm3')).ok).toBe(true);
    expect((await gate.claimIssue(5, T + 3_600_000, 'm4')).ok).toBe(true);
  });

  it('releases only its own claim', async () => {
    const gate = new RemindGate(redis, keys);
    const mine = await gate.claimIssue(5, T, 'm1');
    const theirs = await gate.claimIssue(5, T + 3_600_000, 'm2');
    if (!mine.ok || !theirs.ok) throw new Error('both should have claimed in turn');
    await mine.release();
    expect(await gate.claimIssue(5, T + 3_600_001, 'm3')).toEqual({ ok: false, since: T + 3_600_000 });
    await theirs.release();
    expect((await gate.claimIssue(5, T + 3_600_002, 'm3')).ok).toBe(true);
  });

  it('lets each person send five a minute', async () => {
    const gate = new RemindGate(redis, keys);
    const waits = [];
    for (let i = 0; i < 6; i++) waits.push(await gate.userWait('u1', T + i * 1000, `m${i}`));
    expect(waits).toEqual([0, 0, 0, 0, 0, 55_000]);
    expect(await gate.userWait('u2', T + 5000, 'x')).toBe(0);
  });
});
