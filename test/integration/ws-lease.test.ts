import { createHash } from 'node:crypto';
import { BOT_NAME, startTestApp, type TestApp } from '../support/app';
import { connected, FAST_WS_TIMINGS, wsEnv } from '../support/drivers';
import { FakeWecom } from '../support/fake-wecom';
import { FakeWsServer } from '../support/fake-ws-server';
import { testPrefix } from '../support/redis';
import { clockPast, pollUntil } from '../support/wait';
import { wsDriver } from '../support/ws-driver';
import { TcpLink } from '../support/tcp-link';

/**
 * One live connection per bot with several instances on one Redis (docs/design.md §7.5): the
 * lease holder connects, the others stand by; when the holder stops, another takes over; a
 * holder that loses its lease disconnects.
 */
let wecom: FakeWecom;
let server: FakeWsServer;
const apps: TestApp[] = [];
const prefix = testPrefix();
const leaseKey = `${prefix}ws:lease:${createHash('sha1').update('BOT_TEST').digest('hex').slice(0, 16)}`;

beforeAll(async () => {
  wecom = new FakeWecom();
  await wecom.start();
  server = new FakeWsServer();
  await server.start();
});
afterAll(async () => {
  for (const a of apps) await a.stop();
  await server.stop();
  await wecom.stop();
});

const instance = async () => {
  const app = await startTestApp({ prefix, wsTimings: FAST_WS_TIMINGS, env: wsEnv(server, wecom) });
  apps.push(app);
  return app;
};
const state = async (app: TestApp) => ((await (await fetch(`${app.baseUrl}/healthz`)).json()) as { checks: { transport: { state: string } } }).checks.transport.state;

describe('two instances, one bot', () => {
  it('one connects, the other stands by and takes over when the first stops', async () => {
    const a = await instance();
    await connected(a);
    const b = await instance();
    // b tries the lease every third of its term: what is awaited is two terms passing without it
    // taking the lease (a lapse would have let it in).
    const holder = await a.redis.get(leaseKey);
    await clockPast(Date.now() + FAST_WS_TIMINGS.leaseMs * 2);
    expect(await state(b)).toBe('standby');
    expect(await state(a)).toBe('connected');
    expect(await a.redis.get(leaseKey)).toBe(holder);
    expect(server.subscriptions).toHaveLength(1);
    expect(b.logs.some((l) => l.msg === 'long connection lease taken; connecting')).toBe(false);

    await a.stop();
    apps.splice(apps.indexOf(a), 1);
    await connected(b);
    expect(server.subscriptions).toHaveLength(2);
    expect(await b.redis.get(leaseKey)).not.toBe(holder);
    const reply = await wsDriver(server, b.logs).say({ chatId: 'CHAT_T1', userId: 'u_luo', text: `@${BOT_NAME} /我是谁` });
    expect(reply.markdown).toContain('罗志刚');
    expect(b.logs.some((l) => l.msg === 'wecom frame' && l.command === 'whoami')).toBe(true);
  });

  it('a holder that loses its lease disconnects and stands by', async () => {
    const [b] = apps;
    // Someone else's token in the lease (as after a Redis failover that lost the renewal).
    await b!.redis.set(leaseKey, 'someone-else', 'PX', 60_000);
    await pollUntil(() => b!.logs.some((l) => l.msg === 'long connection lease lost; disconnected and standing by'), 'the holder let go');
    await server.waitForNoConnection();
    expect(await state(b!)).toBe('standby');
    // Once the other owner is gone, the instance takes the lease and the bot back.
    await b!.redis.del(leaseKey);
    await server.waitForSubscriptions(3);
    await pollUntil(async () => (await state(b!)) === 'connected', 'connected again');
  });
});

describe('a holder that cannot keep the bot', () => {
  let ws: FakeWsServer;
  let robot: FakeWecom;
  const running: TestApp[] = [];
  const p = testPrefix();
  beforeEach(async () => {
    robot = new FakeWecom();
    await robot.start();
    ws = new FakeWsServer();
    await ws.start();
  });
  afterEach(async () => {
    for (const a of running.splice(0)) await a.stop();
    await ws.stop();
    await robot.stop();
  });
  const start = async (redisUrl?: string) => {
    const app = await startTestApp({ prefix: p, ...(redisUrl ? { redisUrl } : {}), wsTimings: FAST_WS_TIMINGS, env: { ...wsEnv(ws, robot), RUN_WORKERS: 'false' } });
    running.push(app);
    return app;
  };
  const said = (app: TestApp, msg: string) => app.logs.some((l) => l.msg === msg);

  it('cut off from Redis, lets go before its lease can lapse: one connection stays live and nobody ends stopped', async () => {
    const link = await new TcpLink().start();
    try {
      const a = await start(link.url);
      await connected(a);
      const b = await start();
      // a's Redis stops answering (a half-open socket: its renewals hang) for longer than a term.
      link.hold();
      await pollUntil(() => said(a, 'long connection lease lost; disconnected and standing by'), 'a let go', 10_000);
      await connected(b);
      link.restore();
      await clockPast(Date.now() + FAST_WS_TIMINGS.leaseMs * 2);
      expect(ws.subscriptions).toHaveLength(2);
      expect(ws.open).toBe(1);
      expect(ws.live).toBe(ws.subscriptions[1]);
      expect([await state(a), await state(b)]).toEqual(['standby', 'connected']);
      expect(said(a, 'long connection stopped') || said(b, 'long connection stopped')).toBe(false);
    } finally {
      link.restore();
      for (const a of running.splice(0)) await a.stop();
      await link.stop();
    }
  });

  it('whose secret is refused gives the lease up, and a correctly configured instance takes over', async () => {
    // The first try and three retries of the first instance (FAST_WS_TIMINGS.authAttempts).
    ws.scriptAuth([40014, 40014, 40014, 40014]);
    const a = await start();
    await pollUntil(() => said(a, 'long connection lease taken; connecting'), 'a holds the lease');
    const b = await start();
    await pollUntil(() => said(a, 'long connection stopped'), 'a stopped');
    await connected(b);
    expect(await state(a)).toBe('stopped');
    expect(await state(b)).toBe('connected');
    expect(ws.subscriptions).toHaveLength(1);
  });
});
