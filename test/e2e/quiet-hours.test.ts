import { QueueEvents } from 'bullmq';
import { fixedClock } from '../../src/clock';
import { createKeys } from '../../src/store/keys';
import { redisOptions } from '../../src/store/redis';
import { OUTBOUND_QUEUE } from '../../jobs/queues';
import { demoOrgWith, startTestApp } from '../support/app';
import { FakeWecom } from '../support/fake-wecom';
import { testRedisUrl } from '../support/redis';

/** Nothing is pushed inside quiet hours: the push waits, delayed to the end of the window. */
it('shifts a push due at 22:30 to 08:00 the next morning without spending an attempt (a future date: BullMQ delays in real time)', async () => {
  const fake = new FakeWecom();
  await fake.start();
  const clock = fixedClock('2027-05-06T22:30:00+08:00');
  const t = await startTestApp({ org: demoOrgWith({ quietHours: '21:00-08:00' }), clock, env: { WECOM_API_BASE: fake.url } });
  const events = new QueueEvents(OUTBOUND_QUEUE, { connection: redisOptions(testRedisUrl()), prefix: createKeys(t.prefix).bullPrefix });
  try {
    await events.waitUntilReady();
    const delayed = new Promise<{ jobId: string; delay: number }>((resolve) => events.on('delayed', (e) => resolve(e as { jobId: string; delay: number })));
    await t.app.jobs.outbox.enqueue({ id: 'quiet-1', chatId: 'CHAT_T1', kind: 'reminder', format: 'text', content: '夜间到期的提醒', mentions: ['u_sec_banzhu'], createdAt: clock.now().getTime() });
    const event = await delayed;
    expect(event.jobId).toBe('quiet-1');
    expect(event.delay).toBe(Date.parse('2027-05-07T08:00:00+08:00'));
    const job = await t.app.jobs.outbox['queue'].getJob('quiet-1');
    expect(await job!.getState()).toBe('delayed');
    expect(job!.attemptsMade).toBe(0);
    expect(fake.messages).toEqual([]);
  } finally {
    await events.close();
    await t.stop();
    await fake.stop();
  }
});
