import { readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import type { Redis } from 'ioredis';
import { createApp, type App, type AppDeps } from '../../src/app';
import { fixedClock, type Clock } from '../../src/clock';
import { loadEnv } from '../../src/config/env';
import { parseOrg } from '../../src/config/org-file';
import { loadOrgSource } from '../../src/config/org-source';
import { demoOrgFile } from '../../src/config/paths';
import type { FileMakers } from '../../jobs/files/makers';
import type { Org } from '../../src/domain/org';
import { CallbackClient } from '../../src/wecom/callback-client';
import { captureLogs, type LogLine } from './log-capture';
import { testPrefix, testRedis, testRedisUrl } from './redis';
import { pollUntil } from './wait';

export const TEST_TOKEN = 'TestToken123';
export const TEST_AES_KEY = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';
export const BOT_NAME = '督办助手';

let demo: Org | undefined;
export function demoOrg(): Org {
  demo ??= parseOrg(readFileSync(demoOrgFile(), 'utf8'), {});
  return demo;
}

/** The demo organisation with another policy and group-robot keys (KEY_<chatid>) on every chat. */
export function demoOrgWith(policy: Record<string, unknown>, withKeys = true): Org {
  const raw = parseYaml(readFileSync(demoOrgFile(), 'utf8')) as { policy: Record<string, unknown>; chats: { chatid: string; webhookKey?: string }[] };
  raw.policy = { ...raw.policy, ...policy };
  if (withKeys) for (const c of raw.chats) c.webhookKey = `KEY_${c.chatid}`;
  return parseOrg(stringifyYaml(raw), {});
}

export interface TestApp {
  app: App;
  baseUrl: string;
  client: CallbackClient;
  prefix: string;
  redis: Redis;
  logs: LogLine[];
  /** DATA_DIR (generated files under exports/): per prefix, so instances on one ledger share it. */
  dataDir: string;
  stop(): Promise<void>;
}

/** The real app (real Koa server on port 0, real Redis) with a per-test key prefix. */
export interface TestAppOptions {
  org?: Org;
  clock?: Clock;
  redisUrl?: string;
  env?: Record<string, string>;
  /** Share a prefix to run several instances on one ledger. */
  prefix?: string;
  jobTimings?: AppDeps['jobTimings'];
  /** "worker": workers and ticks only, no HTTP (like `npm run worker`). */
  role?: AppDeps['role'];
  /** The file makers (default: the registry in jobs/files/makers.ts). */
  makers?: FileMakers;
  /** The built dashboard page (test/support/web-build.ts); default dist/web. */
  webDir?: string;
  /** WECOM_TRANSPORT=ws: the lease term and the SDK's timings (test/support/drivers.ts FAST_WS_TIMINGS). */
  wsTimings?: AppDeps['wsTimings'];
  /** A card click's answer budget (0: every click is answered late, its result pushed). */
  cardBudgetMs?: number;
  /**
   * ORG_FILE, as `npm start` reads it: the org is loaded from it (unless `org` is given), published
   * at start, and re-read by /重新加载 and SIGHUP.
   */
  orgFile?: string;
  /** The environment `env:` webhook keys of a published org resolve in (default: none set). */
  orgEnv?: NodeJS.ProcessEnv;
}

export async function startTestApp(opts: TestAppOptions = {}): Promise<TestApp> {
  const prefix = opts.prefix ?? testPrefix();
  const dataDir = path.join(os.tmpdir(), `duban-test-${prefix.replace(/[^A-Za-z0-9]/g, '')}`);
  const env = loadEnv({
    DATA_DIR: dataDir,
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_KEY_PREFIX: prefix,
    WECOM_TOKEN: TEST_TOKEN,
    WECOM_ENCODING_AES_KEY: TEST_AES_KEY,
    WECOM_BOT_NAMES: BOT_NAME,
    // The fake WeCom serves media on loopback over plain http.
    EVIDENCE_MEDIA_HOSTS: 'http://127.0.0.1',
    ...opts.env,
  });
  const { logger, lines } = captureLogs();
  const orgEnv = opts.orgEnv ?? {};
  const loaded = opts.orgFile ? await loadOrgSource(opts.orgFile, orgEnv) : undefined;
  if (loaded && !loaded.ok) throw new Error(`test ORG_FILE ${opts.orgFile}: ${loaded.problems.map((p) => p.message).join('; ')}`);
  const app = createApp({
    env,
    org: opts.org ?? (loaded?.ok ? loaded.org : demoOrg()),
    orgEnv,
    ...(opts.orgFile ? { orgFile: opts.orgFile } : {}),
    ...(loaded?.ok && !opts.org ? { orgSource: { yaml: loaded.yaml, hash: loaded.hash } } : {}),
    redisUrl: opts.redisUrl ?? testRedisUrl(),
    credentials: { token: TEST_TOKEN, encodingAESKey: TEST_AES_KEY },
    logger,
    ...(opts.clock ? { clock: opts.clock } : {}),
    ...(opts.jobTimings ? { jobTimings: opts.jobTimings } : {}),
    ...(opts.role ? { role: opts.role } : {}),
    ...(opts.makers ? { makers: opts.makers } : {}),
    ...(opts.webDir ? { webDir: opts.webDir } : {}),
    ...(opts.wsTimings ? { wsTimings: opts.wsTimings } : {}),
    ...(opts.cardBudgetMs !== undefined ? { cardBudgetMs: opts.cardBudgetMs } : {}),
  });
  const port = await app.start();
  // The workers warm the score cache in the background at start: let that finish, so a test
  // that compares Redis keys before and after a request sees only what the request wrote.
  if (env.RUN_WORKERS || opts.role === 'worker') {
    await pollUntil(() => lines.some((l) => l.msg === 'score cache warmed' || l.msg.startsWith('score cache warm-up failed')), 'the score cache warm-up');
  }
  const baseUrl = `http://127.0.0.1:${port}`;
  // A plain client on the test server (tests inspect keys with it); cluster tests make their own.
  const redis = testRedis();
  return {
    app,
    baseUrl,
    client: new CallbackClient(baseUrl, TEST_TOKEN, TEST_AES_KEY, opts.clock),
    prefix,
    redis,
    logs: lines,
    dataDir: env.DATA_DIR,
    async stop() {
      await app.stop();
      await redis.quit();
      // A shared prefix means a shared directory: the test that chose the prefix cleans it.
      if (!opts.prefix && !opts.env?.DATA_DIR) rmSync(env.DATA_DIR, { recursive: true, force: true });
    },
  };
}

/**
 * One app for a whole test file on a fixed clock: started before the file's tests, stopped
 * after them. `app()` is the running app inside a test.
 */
export function appForFile(start: string, opts: Omit<TestAppOptions, 'clock'> = {}): { clock: ReturnType<typeof fixedClock>; app(): TestApp } {
  const clock = fixedClock(start);
  let running: TestApp | undefined;
  beforeAll(async () => {
    running = await startTestApp({ ...opts, clock });
  });
  afterAll(async () => {
    await running?.stop();
  });
  return {
    clock,
    app() {
      if (!running) throw new Error('the app starts in beforeAll');
      return running;
    },
  };
}
