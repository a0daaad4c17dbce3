import { createHash, randomBytes } from 'node:crypto';
import { createKeys } from '../../src/store/keys';
import { MessageLog } from '../../src/store/message-log';
import { CLICK_UNAVAILABLE_TEXT, UNAVAILABLE_TEXT } from '../../src/wecom/ws-frames';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { connected, FAST_WS_TIMINGS, wsEnv } from '../support/drivers';
import { FakeWecom } from '../support/fake-wecom';
import { FakeWsServer } from '../support/fake-ws-server';
import { wsDriver } from '../support/ws-driver';
import { clockPast, pollUntil } from '../support/wait';
import { TcpLink } from '../support/tcp-link';

/**
 * The long connection's own life (docs/design.md §7.5): the real SDK client in the real app
 * against a local fake of WeCom's server. Reconnection after a dropped socket; disconnected_event
 * and an authentication that keeps failing stop it for good and show in /healthz; no callback
 * route; message text never in the log above debug.
 */
let wecom: FakeWecom;
let server: FakeWsServer;
let t: TestApp | undefined;

beforeEach(async () => {
  wecom = new FakeWecom();
  await wecom.start();
  server = new FakeWsServer();
  await server.start();
});
afterEach(async () => {
  await t?.stop();
  t = undefined;
  await server.stop();
  await wecom.stop();
});

const start = async () => {
  t = await startTestApp({ wsTimings: FAST_WS_TIMINGS, env: wsEnv(server, wecom) });
  return t;
};

interface Health {
  ok: boolean;
  problems: string[];
  checks: { transport: { ok: boolean; state: string; reason?: string } };
}
const health = async (app: TestApp): Promise<Health> => (await (await fetch(`${app.baseUrl}/healthz`)).json()) as Health;

describe('the long connection', () => {
  it('subscribes with the bot id and secret, answers on the callback req_id and mounts no callback route', async () => {
    const app = await start();
    await connected(app);
    expect(server.frames.find((f) => f.cmd === 'aibot_subscribe')?.body).toEqual({ bot_id: 'BOT_TEST', secret: 'BotSecretForTests0123456789' });
    const reply = await wsDriver(server, app.logs).say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /我是谁` });
    expect(reply.markdown).toContain('**罗志刚**（u_luo）');
    const h = await health(app);
    expect(h.checks.transport).toMatchObject({ ok: true, state: 'connected' });
    expect(h.problems).toEqual([]);
    expect((await fetch(`${app.baseUrl}/wecom/callback`, { method: 'POST', body: '{}' })).status).toBe(404);
    // The chat is remembered as one that talked (the precondition of aibot_send_msg), spelt as sent.
    expect(await app.redis.zscore(`${app.prefix}ws:chats:${leaseHash()}:group`, 'CHAT_T1')).not.toBeNull();
  });

  it('logs one line per frame and never the message text above debug', async () => {
    const app = await start();
    await connected(app);
    const secret = `内部情况${randomBytes(4).toString('hex')}`;
    const reply = await wsDriver(server, app.logs).say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 ${secret}` });
    // The assignment notice comes with its card, as a frame of its own after the stream.
    expect(reply.card?.card_type).toBe('button_interaction');
    const lines = app.logs.filter((l) => l.msg === 'wecom frame');
    expect(lines).toEqual([expect.objectContaining({ kind: 'message', outcome: 'replied_card', command: 'report', chat: 'CHAT_T1', user: 'u_t1_m2' })]);
    expect(JSON.stringify(app.logs)).not.toContain(secret);
  });

  it('answers a card click with no aibot_respond_msg on the event req_id, and ignores a frame it cannot read', async () => {
    const app = await start();
    await connected(app);
    const driver = wsDriver(server, app.logs);
    // A task_id that is not one of ours: refused in words (a message of its own), no card update,
    // never a message reply on the event's req_id.
    expect(await driver.click({ chatId: 'CHAT_T1', userId: 'u_t1_m2', taskId: 'issue_1_open', eventKey: 'verify' })).toEqual({ followUp: '⚠️ 这个按钮已失效，请直接发送命令，例如：`/查看 #12`' });
    const bad = server.pushMessage({ msgtype: 'text', chattype: 'group', from: { userid: 'u_luo' }, text: { content: 'no msgid, no chatid' } });
    await pollUntil(() => app.logs.some((l) => l.reqId === bad), 'the bad frame logged');
    expect(app.logs.find((l) => l.reqId === bad)).toMatchObject({ outcome: 'bad_payload' });
    expect(server.repliesTo(bad)).toEqual([]);
  });

  it('reconnects after a dropped socket and keeps answering', async () => {
    const app = await start();
    await connected(app);
    server.drop();
    await server.waitForSubscriptions(2);
    await pollUntil(() => app.logs.filter((l) => l.msg === 'long connection up').length === 2, 'connected again');
    expect(app.logs.some((l) => l.msg === 'long connection dropped; reconnecting')).toBe(true);
    const reply = await wsDriver(server, app.logs).say({ userId: 'u_luo', text: '/我是谁' });
    expect(reply.markdown).toContain('罗志刚');
    expect((await health(app)).checks.transport.state).toBe('connected');
  });

  it('tries once more a lease term after disconnected_event, then stops for good on a second one: logged at error and shown in /healthz', async () => {
    const app = await start();
    await connected(app);
    const kickedAt = Date.now();
    server.disconnectedEvent();
    await pollUntil(() => app.logs.some((l) => l.msg === 'long connection taken over; retrying once after a lease term'), 'the first kick seen');
    expect((await health(app)).checks.transport).toMatchObject({ state: 'connecting', reason: expect.stringContaining('trying once more') });
    // Still the lease holder: it connects again, a term later (not in a loop).
    await server.waitForSubscriptions(2);
    const again = server.frames.filter((f) => f.cmd === 'aibot_subscribe')[1]!;
    expect(again.at - kickedAt).toBeGreaterThanOrEqual(FAST_WS_TIMINGS.leaseMs - 100);
    await pollUntil(() => app.logs.filter((l) => l.msg === 'long connection up').length === 2, 'up again');
    expect(app.logs.some((l) => l.msg === 'long connection stopped')).toBe(false);

    server.disconnectedEvent();
    await pollUntil(() => app.logs.some((l) => l.msg === 'long connection stopped'), 'stopped');
    expect(app.logs.find((l) => l.msg === 'long connection stopped')).toMatchObject({ level: 50, state: 'stopped', reason: expect.stringContaining('twice within 10 minutes') });
    await server.waitForNoConnection();
    const h = await health(app);
    expect(h.checks.transport).toMatchObject({ state: 'stopped', reason: expect.stringContaining('disconnected_event') });
    expect(h.problems).toEqual([expect.stringMatching(/^transport: the long connection stopped: disconnected_event/)]);
    // Not in a loop: no new connection while the instance holds the (still renewed) lease.
    await pollUntil(async () => (await app.redis.pttl(`${app.prefix}ws:lease:${leaseHash()}`)) > FAST_WS_TIMINGS.leaseMs / 2, 'the lease renewed after the stop');
    await clockPast(Date.now() + FAST_WS_TIMINGS.leaseMs * 1.5);
    expect(server.subscriptions).toHaveLength(2);
    expect(server.open).toBe(0);
  });

  it('stops after the authentication keeps failing, says what to check, and gives the lease up', async () => {
    server.scriptAuth(Array(10).fill(40014));
    const app = await start();
    await pollUntil(() => app.logs.some((l) => l.msg === 'long connection stopped'), 'stopped after the auth failures', 20_000);
    // The first try and FAST_WS_TIMINGS.authAttempts retries, then the SDK gives up.
    expect(server.frames.filter((f) => f.cmd === 'aibot_subscribe')).toHaveLength(FAST_WS_TIMINGS.authAttempts + 1);
    const h = await health(app);
    expect(h.checks.transport.state).toBe('stopped');
    expect(h.problems).toEqual([expect.stringMatching(/^transport: the long connection stopped: authentication failed 3 times in a row \(Authentication failed: scripted error \(code: 40014\)\): check WECOM_BOT_ID and WECOM_BOT_SECRET/)]);
    expect(JSON.stringify(app.logs)).not.toContain('BotSecretForTests0123456789');
    // Released for a correctly configured instance (test/integration/ws-lease.test.ts takes it over).
    await pollUntil(async () => (await app.redis.exists(`${app.prefix}ws:lease:${leaseHash()}`)) === 0, 'the lease given up');
  });

  it('refuses a group click that names no chat, and answers nothing', async () => {
    const app = await start();
    await connected(app);
    const reqId = server.pushEvent({
      msgid: randomBytes(8).toString('hex'),
      aibotid: 'AIBOT_LOCAL',
      chattype: 'group',
      from: { userid: 'u_t1_m2' },
      create_time: Math.floor(Date.now() / 1000),
      msgtype: 'event',
      event: { eventtype: 'template_card_event', template_card_event: { card_type: 'button_interaction', event_key: 'show', task_id: 'i1-assigned-0a1b2c3d' } },
    });
    await pollUntil(() => app.logs.some((l) => l.msg === 'wecom frame' && l.reqId === reqId), 'the frame logged');
    expect(app.logs.find((l) => l.msg === 'wecom frame' && l.reqId === reqId)).toMatchObject({ level: 40, outcome: 'bad_card_event' });
    expect(server.repliesTo(reqId)).toEqual([]);
    expect(server.sends()).toEqual([]);
  });

  it('sends the words of a click even when the card update is refused', async () => {
    const app = await start();
    await connected(app);
    const driver = wsDriver(server, app.logs);
    const reported = await driver.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /上报 斑竹村 更新被拒的卡片` });
    const id = Number(/\*\*#(\d+)\*\*/u.exec(reported.markdown)![1]);
    await driver.say({ chatId: 'CHAT_T1', userId: 'u_sec_banzhu', text: `@${BOT_NAME} /整改 #${id} 已处理` });
    // 查看 on the (now stale) assignment card: the card is brought up to date, the /查看 text comes as words.
    server.scriptAcks('aibot_respond_update_msg', [846605]);
    const click = await driver.click({ chatId: 'CHAT_T1', userId: 'u_luo', taskId: reported.card!.task_id!, eventKey: 'show', expectFollowUp: true });
    expect(click.update).toBeDefined();
    expect(click.followUp).toContain(`#${id}`);
    expect(app.logs.filter((l) => l.msg === 'wecom frame' && l.kind === 'event').at(-1)).toMatchObject({ outcome: 'reply_failed' });
  });

  it('answers a re-delivered message with the answer the other attempt records, or says it was not handled when that attempt gave up', async () => {
    const app = await start();
    await connected(app);
    const driver = wsDriver(server, app.logs);
    const log = new MessageLog(app.redis, createKeys(app.prefix));
    const unfinished = () => server.frames.filter((f) => f.cmd === 'aibot_respond_msg' && (f.body?.stream as { finish?: boolean } | undefined)?.finish === false).length;

    // Another instance claimed the message and answers it.
    const first = randomBytes(12).toString('base64');
    expect(await log.claim(first)).toBe('claimed');
    const answer = driver.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', msgid: first, text: `@${BOT_NAME} /上报 斑竹村 另一实例在处理` });
    await server.waitForFrame(() => unfinished() === 1);
    await log.complete(first, { markdown: '📌 另一实例的回答' });
    expect((await answer).markdown).toBe('📌 另一实例的回答');

    // Another instance claimed it and failed (its claim given back): nothing was done, say so at once.
    const second = randomBytes(12).toString('base64');
    expect(await log.claim(second)).toBe('claimed');
    const started = Date.now();
    const given = driver.say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', msgid: second, text: `@${BOT_NAME} /上报 斑竹村 另一实例失败了` });
    await server.waitForFrame(() => unfinished() === 2);
    await log.release(second);
    expect((await given).markdown).toBe(UNAVAILABLE_TEXT);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('the long connection while Redis is down', () => {
  it('tells the chat a message or a click was not handled', async () => {
    const link = await new TcpLink().start();
    // A lease term longer than the outage: the holder does not fence itself off meanwhile.
    const app = await startTestApp({ redisUrl: link.url, wsTimings: { ...FAST_WS_TIMINGS, leaseMs: 12_000 }, env: { ...wsEnv(server, wecom), RUN_WORKERS: 'false' } });
    try {
      await connected(app);
      const driver = wsDriver(server, app.logs);
      const reported = await driver.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /上报 斑竹村 停机前的问题` });
      link.refuse();
      expect((await driver.say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /上报 斑竹村 停机时的问题` })).markdown).toBe(UNAVAILABLE_TEXT);
      const click = await driver.click({ chatId: 'CHAT_T1', userId: 'u_luo', taskId: reported.card!.task_id!, eventKey: 'show', expectFollowUp: true });
      expect(click).toEqual({ followUp: CLICK_UNAVAILABLE_TEXT });
      expect(app.logs.filter((l) => l.msg === 'wecom frame').slice(-2).map((l) => l.outcome)).toEqual(['unavailable', 'unavailable']);
    } finally {
      link.restore();
      await app.stop();
      await link.stop();
    }
  }, 30_000);
});

function leaseHash(): string {
  return createHash('sha1').update('BOT_TEST').digest('hex').slice(0, 16);
}
