import { Queue } from 'bullmq';
import { OUTBOUND_QUEUE } from '../../jobs/queues';
import { createKeys } from '../../src/store/keys';
import { bullConnection } from '../../src/store/redis';
import { LONG_CONNECTION_WINDOWS } from '../../jobs/outbound/channel-choice';
import { RateLimiter } from '../../jobs/outbound/rate-limit';
import { demoOrgWith, startTestApp, type TestApp } from '../support/app';
import { connected, FAST_WS_TIMINGS, wsEnv } from '../support/drivers';
import { FakeWecom } from '../support/fake-wecom';
import { FakeWsServer } from '../support/fake-ws-server';
import { testPrefix, testRedis, testRedisUrl } from '../support/redis';
import { pollUntil } from '../support/wait';

/**
 * Pushes over the long connection (docs/design.md §5.4, §7.5): aibot_send_msg into chats that
 * talked to the bot, its card where it has one, once per push id; a chat that never talked and a
 * push that @s someone go through the group robot; a permanent refusal (93006) and a stopped
 * connection fall back to it; the long connection's windows per chat.
 */
let wecom: FakeWecom;
let server: FakeWsServer;
let t: TestApp;
let n = 0;

beforeEach(async () => {
  wecom = new FakeWecom();
  await wecom.start();
  server = new FakeWsServer();
  await server.start();
  t = await startTestApp({ org: demoOrgWith({}), wsTimings: FAST_WS_TIMINGS, env: wsEnv(server, wecom) });
  await connected(t);
});
afterEach(async () => {
  await t.stop();
  await server.stop();
  await wecom.stop();
});

const talked = (chat: string) => t.redis.zadd(createKeys(t.prefix).wsChats, Date.now(), chat);
const push = (chatId: string, content: string, extra: Record<string, unknown> = {}) =>
  t.app.jobs.push({ id: `ws-push-${++n}-${Date.now()}`, chatId, kind: 'bulletin', format: 'markdown', content, mentions: [], createdAt: Date.now(), ...extra });

describe('pushes over the long connection', () => {
  it('sends a push as aibot_send_msg, and its card as a template_card, once per push id', async () => {
    await talked('CHAT_T1');
    const card = { card_type: 'text_notice' as const, main_title: { title: '通报' }, card_action: { type: 1, url: 'https://duban.example' } };
    await push('CHAT_T1', '第一条');
    await push('CHAT_T1', '卡片的文字', { id: 'ws-card-push', card });
    await server.waitForFrame(() => server.sends('CHAT_T1').length === 2);
    expect(server.sends('CHAT_T1').map((f) => f.body)).toEqual(
      expect.arrayContaining([
        { chatid: 'CHAT_T1', msgtype: 'markdown', markdown: { content: '第一条' } },
        { chatid: 'CHAT_T1', msgtype: 'template_card', template_card: card },
      ]),
    );
    // The same id again: the sent-marker holds it back (the job is done without a send).
    await pollUntil(async () => (await t.redis.exists(`${t.prefix}sent:ws-card-push`)) === 1, 'the sent-marker');
    await push('CHAT_T1', '卡片的文字', { id: 'ws-card-push', card });
    const outbound = new Queue(OUTBOUND_QUEUE, { connection: bullConnection(testRedisUrl(), 'queue').connection, prefix: createKeys(t.prefix).bullPrefix });
    await pollUntil(async () => (await outbound.getJobState('ws-card-push')) === 'unknown', 'the repeated push done');
    await outbound.close();
    expect(server.sends('CHAT_T1')).toHaveLength(2);
    expect(wecom.messages).toEqual([]);
  });

  it('keeps a chat that never talked, and a push that @s someone, on the group robot', async () => {
    await talked('CHAT_T1');
    await push('CHAT_T2', '没说过话的群');
    await push('CHAT_T1', '📣 催办', { kind: 'remind-now', format: 'text', mentions: ['u_sec_banzhu'] });
    await wecom.waitFor((ms) => ms.length === 2);
    expect(wecom.messages.map((m) => [m.key, m.content, m.mentions])).toEqual(
      expect.arrayContaining([
        ['KEY_CHAT_T2', '没说过话的群', []],
        ['KEY_CHAT_T1', '📣 催办', ['u_sec_banzhu']],
      ]),
    );
    expect(server.sends()).toEqual([]);
  });

  it('falls back to the group robot when the long connection refuses the chat (93006), and forgets the chat', async () => {
    await talked('CHAT_T1');
    server.scriptAcks('aibot_send_msg', [93006]);
    await push('CHAT_T1', '被拒绝的推送');
    await wecom.waitFor((ms) => ms.some((m) => m.content === '被拒绝的推送'));
    expect(server.sends('CHAT_T1')).toEqual([expect.objectContaining({ acked: 93006 })]);
    expect(await t.redis.zscore(createKeys(t.prefix).wsChats, 'CHAT_T1')).toBeNull();
    expect(t.logs.find((l) => l.msg === 'long connection cannot take the push; sending it through the other channel')).toMatchObject({ level: 40, channel: 'webhook' });
  });

  it('sends through the group robot while the connection is stopped', async () => {
    await talked('CHAT_T1');
    server.disconnectedEvent();
    await pollUntil(() => t.logs.some((l) => l.msg === 'long connection stopped'), 'stopped');
    await push('CHAT_T1', '停了以后的推送');
    await wecom.waitFor((ms) => ms.some((m) => m.content === '停了以后的推送'));
    expect(server.sends()).toEqual([]);
  });
});

describe("the long connection's windows", () => {
  const redis = testRedis();
  afterAll(async () => {
    await redis.quit();
  });
  const T = 1_800_000_000_000;

  it('allows 30 a minute per chat, then waits for the oldest to leave the minute', async () => {
    const limiter = new RateLimiter(redis, createKeys(testPrefix()).rate);
    for (let i = 0; i < 30; i++) expect((await limiter.take('ws-chat', T + i, `m${i}`, undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
    expect((await limiter.take('ws-chat', T + 1000, 'm30', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(60_000 - 1000);
    expect((await limiter.take('ws-chat', T + 60_000, 'm31', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
    // Another chat has its own windows.
    expect((await limiter.take('ws-other', T + 1000, 'o0', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
  });

  it('allows 1 000 an hour even when every minute has room', async () => {
    const limiter = new RateLimiter(redis, createKeys(testPrefix()).rate);
    let taken = 0;
    // 30 a minute for 33 minutes, then 10: 1 000 in all.
    for (let m = 0; taken < 1000; m++) {
      for (let i = 0; i < 30 && taken < 1000; i++, taken++) expect((await limiter.take('ws-chat', T + m * 60_000 + i, `h${taken}`, undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
    }
    const now = T + 33 * 60_000 + 100;
    // The minute has room (10 of 30), the hour has none: free when the hour's first send leaves it.
    expect((await limiter.take('ws-chat', now, 'over', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(T + 3_600_000 - now);
    expect((await limiter.take('ws-chat', T + 3_600_000, 'next', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
  });

  it("keeps the group robot's 20 a minute by default", async () => {
    const limiter = new RateLimiter(redis, createKeys(testPrefix()).rate);
    for (let i = 0; i < 20; i++) expect((await limiter.take('robot', T + i, `r${i}`)).waitMs).toBe(0);
    expect((await limiter.take('robot', T + 20, 'r20')).waitMs).toBe(60_000 - 20);
  });
});
