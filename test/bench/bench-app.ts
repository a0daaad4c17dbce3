import { Writable } from 'node:stream';
import { createApp, type App } from '../../src/app';
import type { Clock } from '../../src/clock';
import { loadEnv } from '../../src/config/env';
import type { Org } from '../../src/domain/org';
import { createLogger } from '../../src/log/logger';
import { BOT_NAME, TEST_AES_KEY, TEST_TOKEN } from '../support/app';

/**
 * The app the latency benches measure: production mode on a free loopback port, the HTTP role
 * only (timers and calendar ticks — a 09:00 digest over every overdue issue — would land in the
 * middle of some runs and not others), logging at info as deployed, so the per-request lines are
 * paid for, into a sink that writes nowhere.
 */
export function benchApp(o: { redisUrl: string; prefix: string; org: Org; clock: Clock; webDir?: string }): App {
  return createApp({
    env: loadEnv({ NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', REDIS_KEY_PREFIX: o.prefix, WECOM_TOKEN: TEST_TOKEN, WECOM_ENCODING_AES_KEY: TEST_AES_KEY, WECOM_BOT_NAMES: BOT_NAME, RUN_WORKERS: 'false' }),
    org: o.org,
    redisUrl: o.redisUrl,
    credentials: { token: TEST_TOKEN, encodingAESKey: TEST_AES_KEY },
    logger: createLogger('info', { destination: new Writable({ write: (_c, _e, done) => done() }) }),
    clock: o.clock,
    ...(o.webDir ? { webDir: o.webDir } : {}),
  });
}
