import type { Redis } from 'ioredis';
import { createKeys } from '../../src/store/keys';
import { MESSAGE_TTL_SECONDS, MessageLog, PENDING_LEASE_SECONDS } from '../../src/store/message-log';
import { testPrefix, testRedis } from '../support/redis';

/**
 * The once-per-msgid record: a claim is a short lease (an instance that dies after claiming must
 * not swallow the message for the hour a reply is kept), a reply is kept for the hour.
 */
let redis: Redis;
let log: MessageLog;
let keys: ReturnType<typeof createKeys>;
beforeAll(() => {
  redis = testRedis();
  keys = createKeys(testPrefix());
  log = new MessageLog(redis, keys);
});
afterAll(async () => {
  await redis.quit();
});
const key = (msgid: string) => keys.message(log.streamId(msgid));

describe('MessageLog', () => {
  it('claims once; the claim is a lease of seconds, the reply is kept an hour', async () => {
    expect(PENDING_LEASE_SECONDS).toBeLessThan(15); // inside WeCom's retries (5 s × 3)
    expect(await log.claim('m-lease')).toBe('claimed');
    expect(await log.claim('m-lease')).toEqual({ status: 'pending' });
    const lease = await redis.pttl(key('m-lease'));
    expect(lease).toBeGreaterThan(0);
    expect(lease).toBeLessThanOrEqual(PENDING_LEASE_SECONDS * 1000);

    await log.complete('m-lease', { markdown: '📌 已登记 **#1**' });
    expect(await log.peek('m-lease')).toEqual({ status: 'done', markdown: '📌 已登记 **#1**' });
    expect(await redis.ttl(key('m-lease'))).toBeGreaterThan(MESSAGE_TTL_SECONDS - 5);
  });

  it('gives a claim back when the attempt failed, but never a recorded reply', async () => {
    expect(await log.claim('m-fail')).toBe('claimed');
    await log.release('m-fail');
    expect(await log.peek('m-fail')).toBeUndefined();
    expect(await log.claim('m-fail')).toBe('claimed'); // WeCom's re-send runs it

    expect(await log.claim('m-done')).toBe('claimed');
    await log.complete('m-done', { markdown: '好' });
    await log.release('m-done');
    expect(await log.peek('m-done')).toEqual({ status: 'done', markdown: '好' });
  });

  it('peeks without claiming, and reads a record of another shape as pending (never re-run)', async () => {
    expect(await log.peek('m-none')).toBeUndefined();
    expect(await log.claim('m-none')).toBe('claimed');
    await redis.set(key('m-odd'), '{"v":0}');
    expect(await log.peek('m-odd')).toEqual({ status: 'pending' });
  });
});
