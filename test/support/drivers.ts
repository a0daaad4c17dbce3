import { webhookDriver, type ChatDriver } from './chat-driver';
import { FakeWecom } from './fake-wecom';
import { FakeWsServer } from './fake-ws-server';
import { startTestApp, type TestApp, type TestAppOptions } from './app';
import { pollUntil } from './wait';
import { wsDriver } from './ws-driver';

/** A running app with a driver on one transport, and the fake WeCom its outbound calls reach. */
export interface TransportUnderTest {
  t: TestApp;
  driver: ChatDriver;
  wecom: FakeWecom;
  /** ws only: the fake long-connection server the app's SDK client is connected to. */
  ws?: FakeWsServer;
  stop(): Promise<void>;
}

export interface TransportFactory {
  name: 'webhook' | 'ws';
  start(opts?: TestAppOptions): Promise<TransportUnderTest>;
}

const webhook: TransportFactory = {
  name: 'webhook',
  async start(opts = {}) {
    const wecom = new FakeWecom();
    await wecom.start();
    const t = await startTestApp({ ...opts, env: { WECOM_API_BASE: wecom.url, ...opts.env } });
    return {
      t,
      wecom,
      driver: webhookDriver(t.client, wecom),
      async stop() {
        await t.stop();
        await wecom.stop();
      },
    };
  },
};

/** The long connection's settings for tests: a fake server, and timings short enough to watch. */
export const TEST_BOT_ID = 'BOT_TEST';
export const TEST_BOT_SECRET = 'BotSecretForTests0123456789';
export const FAST_WS_TIMINGS = { leaseMs: 1500, reconnectMs: 20, heartbeatMs: 60_000, authAttempts: 3, pushRetryMs: 100 };

export function wsEnv(server: FakeWsServer, wecom: FakeWecom): Record<string, string> {
  return { WECOM_API_BASE: wecom.url, WECOM_TRANSPORT: 'ws', WECOM_BOT_ID: TEST_BOT_ID, WECOM_BOT_SECRET: TEST_BOT_SECRET, WECOM_WS_URL: server.url };
}

/** Resolves once the app's long connection is up (its health check says so). */
export async function connected(t: TestApp): Promise<void> {
  await pollUntil(() => t.logs.some((l) => l.msg === 'long connection up'), 'the long connection up');
}

const ws: TransportFactory = {
  name: 'ws',
  async start(opts = {}) {
    const wecom = new FakeWecom();
    await wecom.start();
    const server = new FakeWsServer();
    await server.start();
    const t = await startTestApp({ wsTimings: FAST_WS_TIMINGS, ...opts, env: { ...wsEnv(server, wecom), ...opts.env } });
    await connected(t);
    return {
      t,
      wecom,
      ws: server,
      driver: wsDriver(server, t.logs),
      async stop() {
        await t.stop();
        await server.stop();
        await wecom.stop();
      },
    };
  },
};

/** Every transport the contract suite runs its conversations over (`describe.each(TRANSPORTS)`). */
export const TRANSPORTS: readonly TransportFactory[] = [webhook, ws];
