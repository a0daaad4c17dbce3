import { Queue } from 'bullmq';
import { OUTBOUND_QUEUE } from '../../jobs/queues';
import { createKeys } from '../../src/store/keys';
import { bullConnection } from '../../src/store/redis';
import { LONG_CONNECTION_WINDOWS } from '../../jobs/outbound/channel-choice';
import { RateLimiter } from '../../jobs/outbound/rate-limit';
import { processRevisit } from '../../jobs/timers/process-timer';
import { systemClock } from '../../src/clock';
import { LedgerStore } from '../../src/store/ledger-store';
import { botHash } from '../../src/wecom/talked-chats';
import { BOT_NAME, demoOrgWith, startTestApp, type TestApp } from '../support/app';
import { connected, FAST_WS_TIMINGS, TEST_BOT_ID, wsEnv } from '../support/drivers';
import { wsDriver } from '../support/ws-driver';
import { captureLogs } from '../support/log-capture';
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
  // Retries within the test (the 5 s backoff base compressed); a socket down for 1 s is "down for long".
  t = await startTestApp({ org: demoOrgWith({}), wsTimings: { ...FAST_WS_TIMINGS, pushFallbackMs: 1_000 }, jobTimings: { backoffMs: 20 }, env: wsEnv(server, wecom) });
  await connected(t);
});
afterEach(async () => {
  await t.stop();
  await server.stop();
  await wecom.stop();
});

const chatsKey = () => createKeys(t.prefix).wsChats(botHash(TEST_BOT_ID), 'group');
const talked = (chat: string) => t.redis.zadd(chatsKey(), Date.now(), chat);
const push = (chatId: string, content: string, extra: Record<string, unknown> = {}) =>
  t.app.jobs.push({ id: `ws-push-${++n}-${Date.now()}`, chatId, kind: 'bulletin', format: 'markdown', content, mentions: [], createdAt: Date.now(), ...extra });

describe('pushes over the long connection', () => {
  it('sends a push as aibot_send_msg with its chat_type, and a carded one as its words then its card, once per push id', async () => {
    await talked('CHAT_T1');
    const card = { card_type: 'text_notice' as const, main_title: { title: '通报' }, card_action: { type: 1, url: 'https://duban.example' } };
    await push('CHAT_T1', '第一条');
    await server.waitForFrame(() => server.sends('CHAT_T1').length === 1);
    await push('CHAT_T1', '卡片的文字', { id: 'ws-card-push', card });
    await server.waitForFrame(() => server.sends('CHAT_T1').length === 3);
    expect(server.sends('CHAT_T1').map((f) => f.body)).toEqual([
      { chatid: 'CHAT_T1', chat_type: 2, msgtype: 'markdown', markdown: { content: '第一条' } },
      { chatid: 'CHAT_T1', chat_type: 2, msgtype: 'markdown', markdown: { content: '卡片的文字' } },
      { chatid: 'CHAT_T1', chat_type: 2, msgtype: 'template_card', template_card: card },
    ]);
    // The same id again: the sent-marker holds it back (the job is done without a send).
    await pollUntil(async () => (await t.redis.exists(`${t.prefix}sent:ws-card-push`)) === 1, 'the sent-marker');
    await push('CHAT_T1', '卡片的文字', { id: 'ws-card-push', card });
    const outbound = new Queue(OUTBOUND_QUEUE, { connection: bullConnection(testRedisUrl(), 'queue').connection, prefix: createKeys(t.prefix).bullPrefix });
    await pollUntil(async () => (await outbound.getJobState('ws-card-push')) === 'unknown', 'the repeated push done');
    await outbound.close();
    expect(server.sends('CHAT_T1')).toHaveLength(3);
    expect(wecom.messages).toEqual([]);
  });

  it('retries a refused card without sending its words again', async () => {
    await talked('CHAT_T1');
    const card = { card_type: 'text_notice' as const, main_title: { title: '通报' }, card_action: { type: 1, url: 'https://duban.example' } };
    // The words go, the card is refused once (not for good): the retry sends the card alone.
    server.scriptAcks('aibot_send_msg', [0, 50001]);
    await push('CHAT_T1', '先到的文字', { card });
    await server.waitForFrame(() => server.sends('CHAT_T1').filter((f) => f.acked === 0).length === 2);
    expect(server.sends('CHAT_T1').map((f) => [f.body?.msgtype, f.acked])).toEqual([
      ['markdown', 0],
      ['template_card', 50001],
      ['template_card', 0],
    ]);
  });

  it('sends the 回头看 card over the long connection and its @ through the group robot', async () => {
    const driver = wsDriver(server, t.logs);
    const say = (userId: string, text: string) => driver.say({ chatId: 'CHAT_T1', userId, text: `@${BOT_NAME} ${text}` });
    const id = Number(/\*\*#(\d+)\*\*/u.exec((await say('u_luo', '/上报 斑竹村 回头看的问题')).markdown)![1]);
    await say('u_sec_banzhu', `/整改 #${id} 已处理`);
    await say('u_t1_m2', `/销号 #${id}`);
    const ledger = new LedgerStore(t.redis, createKeys(t.prefix));
    const closed = (await ledger.get(id))!;
    const from = server.sends('CHAT_T1').length;
    // The timer's step, as the timers worker runs it, into the app's own outbound queue.
    expect(await processRevisit({ issueId: id, closedAt: closed.closedAt }, { ledger, outbox: t.app.jobs.outbox, timers: t.app.jobs.timers, org: () => t.app.org(), clock: systemClock, logger: captureLogs().logger })).toBe('pushed');
    await server.waitForFrame(() => server.sends('CHAT_T1').slice(from).some((f) => f.body?.msgtype === 'template_card'));
    const sent = server.sends('CHAT_T1').slice(from).filter((f) => f.body?.msgtype === 'template_card' || String((f.body?.markdown as { content?: string } | undefined)?.content).startsWith('🔁'));
    expect(sent.map((f) => f.body?.msgtype)).toEqual(['markdown', 'template_card']);
    expect((sent[0]!.body!.markdown as { content: string }).content).toMatch(new RegExp(`^🔁 回头看 #${id} `, 'u'));
    expect((sent[1]!.body!.template_card as { task_id: string }).task_id).toMatch(new RegExp(`^i${id}-closed-`, 'u'));
    const at = await wecom.waitFor((ms) => ms.some((m) => m.content.startsWith(`🔁 回头看 #${id} `)));
    expect(at.filter((m) => m.content.startsWith(`🔁 回头看 #${id} `))).toEqual([expect.objectContaining({ key: 'KEY_CHAT_T1', mentions: ['u_luo'], content: expect.stringMatching(/（详见卡片）$/u) })]);
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
    expect(await t.redis.zscore(chatsKey(), 'CHAT_T1')).toBeNull();
    expect(t.logs.find((l) => l.msg === 'long connection cannot take the push; sending it through the other channel')).toMatchObject({ level: 40, channel: 'webhook' });
  });

  it('sends through the group robot while the connection is stopped', async () => {
    await talked('CHAT_T1');
    // Taken over twice: the first time it tries once more, the second it stops for good.
    server.disconnectedEvent();
    await server.waitForSubscriptions(2);
    await pollUntil(() => t.logs.filter((l) => l.msg === 'long connection up').length === 2, 'up again');
    server.disconnectedEvent();
    await pollUntil(() => t.logs.some((l) => l.msg === 'long connection stopped'), 'stopped');
    await push('CHAT_T1', '停了以后的推送');
    await wecom.waitFor((ms) => ms.some((m) => m.content === '停了以后的推送'));
    expect(server.sends()).toEqual([]);
  });

  it('sends through the group robot once the socket has been down for long', async () => {
    await talked('CHAT_T1');
    server.refuseConnections(true);
    server.drop();
    await pollUntil(() => t.logs.some((l) => l.msg === 'long connection dropped; reconnecting'), 'dropped');
    await push('CHAT_T1', '断线时的推送');
    await wecom.waitFor((ms) => ms.some((m) => m.content === '断线时的推送'));
    expect(t.logs.find((l) => l.msg === 'long connection cannot take the push; sending it through the other channel')).toMatchObject({ reason: expect.stringMatching(/^long connection connecting for \d+ s$/u), channel: 'webhook' });
    expect(server.sends()).toEqual([]);
  });

  it('sends through the group robot when the last attempt over the long connection fails', async () => {
    await talked('CHAT_T1');
    server.scriptAcks('aibot_send_msg', Array(8).fill(50001));
    await push('CHAT_T1', '一直失败的推送');
    await wecom.waitFor((ms) => ms.some((m) => m.content === '一直失败的推送'), 15_000);
    expect(server.sends('CHAT_T1')).toHaveLength(8);
    expect(t.logs.find((l) => l.msg === 'long connection cannot take the push; sending it through the other channel')).toMatchObject({ reason: expect.stringMatching(/^last attempt failed: /u) });
  });
});

describe("the long connection's windows", () => {
  const redis = testRedis();
  afterAll(async () => {
    await redis.quit();
  });
  const T = 1_800_000_000_000;

  it("allows pushes 20 a minute per chat (a third of WeCom's 30 left for replies), then waits for the oldest to leave the minute", async () => {
    const limiter = new RateLimiter(redis, createKeys(testPrefix()).rate);
    for (let i = 0; i < 20; i++) expect((await limiter.take('ws-chat', T + i, `m${i}`, undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
    expect((await limiter.take('ws-chat', T + 1000, 'm30', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(60_000 - 1000);
    expect((await limiter.take('ws-chat', T + 60_000, 'm31', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
    // Another chat has its own windows.
    expect((await limiter.take('ws-other', T + 1000, 'o0', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
  });

  it("allows pushes 800 an hour (a fifth of WeCom's 1 000 left for replies) even when every minute has room", async () => {
    const limiter = new RateLimiter(redis, createKeys(testPrefix()).rate);
    let taken = 0;
    // 20 a minute for 40 minutes: 800 in all.
    for (let m = 0; taken < 800; m++) {
      for (let i = 0; i < 20 && taken < 800; i++, taken++) expect((await limiter.take('ws-chat', T + m * 60_000 + i, `h${taken}`, undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
    }
    const now = T + 40 * 60_000 + 100;
    // The minute has room (none taken in it), the hour has none: free when the hour's first send leaves it.
    expect((await limiter.take('ws-chat', now, 'over', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(T + 3_600_000 - now);
    expect((await limiter.take('ws-chat', T + 3_600_000, 'next', undefined, LONG_CONNECTION_WINDOWS)).waitMs).toBe(0);
  });

  it("keeps the group robot's 20 a minute by default", async () => {
    const limiter = new RateLimiter(redis, createKeys(testPrefix()).rate);
    for (let i = 0; i < 20; i++) expect((await limiter.take('robot', T + i, `r${i}`)).waitMs).toBe(0);
    expect((await limiter.take('robot', T + 20, 'r20')).waitMs).toBe(60_000 - 20);
  });
});
