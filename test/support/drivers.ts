import { webhookDriver, type ChatDriver } from './chat-driver';
import { FakeWecom } from './fake-wecom';
import { startTestApp, type TestApp, type TestAppOptions } from './app';

/** A running app with a driver on one transport, and the fake WeCom its outbound calls reach. */
export interface TransportUnderTest {
  t: TestApp;
  driver: ChatDriver;
  wecom: FakeWecom;
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

/** Every transport the contract suite runs its conversations over (`describe.each(TRANSPORTS)`). */
export const TRANSPORTS: readonly TransportFactory[] = [webhook];
