import { watchPushes, type SeenPush } from '../../src/cli/push-watch';
import { createKeys } from '../../src/store/keys';
import { startTestApp } from '../support/app';
import { testRedisUrl } from '../support/redis';
import { pollUntil } from '../support/wait';

/** `npm run chat -- --watch`: a push to a chat without a group-robot key reaches the terminal. */
describe('the chat client following the local push sink', () => {
  it('sees the pushes of its chat, and only those', async () => {
    const t = await startTestApp(); // the demo organisation has no group-robot keys: pushes go to the sink
    const seen: SeenPush[] = [];
    const errors: Error[] = [];
    let arrived: () => void = () => undefined;
    const got = new Promise<void>((resolve) => (arrived = resolve));
    const stop = watchPushes(testRedisUrl(), createKeys(t.prefix).pushes, 'CHAT_T2', (p) => {
      seen.push(p);
      arrived();
    }, (e) => errors.push(e));
    try {
      // The watcher reads from "now" on: wait until its XREAD is blocking (nothing announces it).
      await pollUntil(async () => String(await t.redis.client('LIST')).includes('cmd=xread'), 'the watcher blocking on XREAD', 3_000, 10);
      const at = Date.now();
      const stream = createKeys(t.prefix).pushes;
      await t.app.jobs.outbox.enqueue({ id: 'watch-t1', chatId: 'CHAT_T1', kind: 'remind-now', format: 'text', content: '别的群的提醒', mentions: [], createdAt: at });
      // The other chat's push is in the stream first (a blocking read from the start returns as
      // soon as it is), so the watcher must pass over it before it sees its own.
      expect(await t.redis.xread('BLOCK', 5_000, 'STREAMS', stream, '0')).toHaveLength(1);
      await t.app.jobs.outbox.enqueue({ id: 'watch-t2', chatId: 'CHAT_T2', kind: 'remind-now', format: 'text', content: '⏰ 整改提醒：#7 喜观村', mentions: ['u_sec_xiguan'], createdAt: at });
      await got;
      expect(seen).toEqual([{ chat: 'CHAT_T2', kind: 'remind-now', content: '⏰ 整改提醒：#7 喜观村', mentions: ['u_sec_xiguan'] }]);
      expect(errors).toEqual([]);
    } finally {
      stop();
      await t.stop();
    }
  });
});
