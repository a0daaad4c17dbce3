import { createHash, randomBytes } from 'node:crypto';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { connected, FAST_WS_TIMINGS, wsEnv } from '../support/drivers';
import { FakeWecom } from '../support/fake-wecom';
import { FakeWsServer } from '../support/fake-ws-server';
import { wsDriver } from '../support/ws-driver';
import { pollUntil } from '../support/wait';

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
    expect(await app.redis.zscore(`${app.prefix}ws:chats`, 'CHAT_T1')).not.toBeNull();
  });

  it('logs one line per frame and never the message text above debug', async () => {
    const app = await start();
    await connected(app);
    const secret = `内部情况${randomBytes(4).toString('hex')}`;
    await wsDriver(server, app.logs).say({ chatId: 'CHAT_T1', userId: 'u_t1_m2', text: `@${BOT_NAME} /上报 斑竹村 ${secret}` });
    const lines = app.logs.filter((l) => l.msg === 'wecom frame');
    expect(lines).toEqual([expect.objectContaining({ kind: 'message', outcome: 'replied', command: 'report', chat: 'CHAT_T1', user: 'u_t1_m2' })]);
    expect(JSON.stringify(app.logs)).not.toContain(secret);
  });

  it('answers a card click with no aibot_respond_msg on the event req_id, and ignores a frame it cannot read', async () => {
    const app = await start();
    await connected(app);
    const driver = wsDriver(server, app.logs);
    // The click path itself (no card change yet): answered on time, never with a message reply.
    expect(await driver.click({ chatId: 'CHAT_T1', userId: 'u_t1_m2', taskId: 'issue_1_open', eventKey: 'verify' })).toEqual({});
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

  it('stops for good on disconnected_event, logs it at error and shows it in /healthz', async () => {
    const app = await start();
    await connected(app);
    server.disconnectedEvent();
    await pollUntil(() => app.logs.some((l) => l.msg === 'long connection stopped'), 'stopped');
    expect(app.logs.find((l) => l.msg === 'long connection stopped')).toMatchObject({ level: 50, state: 'stopped', reason: expect.stringContaining('disconnected_event') });
    await server.waitForNoConnection();
    const h = await health(app);
    expect(h.checks.transport).toMatchObject({ state: 'stopped', reason: expect.stringContaining('disconnected_event') });
    expect(h.problems).toEqual([expect.stringMatching(/^transport: the long connection stopped: disconnected_event/)]);
    // Not in a loop: no new connection while the instance holds the (still renewed) lease.
    await pollUntil(async () => (await app.redis.pttl(`${app.prefix}ws:lease:${leaseHash()}`)) > FAST_WS_TIMINGS.leaseMs / 2, 'the lease renewed after the stop');
    expect(server.subscriptions).toHaveLength(1);
    expect(server.open).toBe(0);
  });

  it('stops after the authentication keeps failing, and says what to check', async () => {
    server.scriptAuth(Array(10).fill(40014));
    const app = await start();
    await pollUntil(() => app.logs.some((l) => l.msg === 'long connection stopped'), 'stopped after the auth failures', 20_000);
    // The first try and FAST_WS_TIMINGS.authAttempts retries, then the SDK gives up.
    expect(server.frames.filter((f) => f.cmd === 'aibot_subscribe')).toHaveLength(FAST_WS_TIMINGS.authAttempts + 1);
    const h = await health(app);
    expect(h.checks.transport.state).toBe('stopped');
    expect(h.problems).toEqual([expect.stringMatching(/^transport: the long connection stopped: authentication failed 3 times in a row \(Authentication failed: scripted error \(code: 40014\)\): check WECOM_BOT_ID and WECOM_BOT_SECRET/)]);
    expect(JSON.stringify(app.logs)).not.toContain('BotSecretForTests0123456789');
  });
});

function leaseHash(): string {
  return createHash('sha1').update('BOT_TEST').digest('hex').slice(0, 16);
}
