import { systemClock, type Clock } from './clock';
import type { Credentials } from './config/credentials';
import type { Env } from './config/env';
import type { Org } from './domain/org';
import type { Logger } from './log/logger';
import { createMetrics } from './observability/metrics';
import { createPipeline } from './pipeline/pipeline';
import { CommandRegistry } from './pipeline/registry';
import { createDashboardRouter } from './server/dashboard';
import { createDownloadRouter } from './server/downloads';
import { createEvidenceRouter } from './server/evidence';
import { evidenceLink } from './server/evidence-links';
import { EvidenceFiles } from './store/evidence-files';
import { HeldPhotos } from './store/evidence-held';
import { createLoosePhotos } from './pipeline/loose-photos';
import { createHttpServer } from './server/http-server';
import { LinkSigner, linkKey } from './server/signed-links';
import { ExportFiles } from './store/export-files';
import { createKeys } from './store/keys';
import { createOrgSync, type ReloadOutcome } from './store/org-sync';
import { DraftStore } from './store/draft-store';
import { LedgerStore } from './store/ledger-store';
import { MessageLog } from './store/message-log';
import { createRecordStores } from './store/record-stores';
import { createRedis, describeRedis, type RedisClient } from './store/redis';
import { SessionStore } from './store/sessions';
import type { HealthCheck } from './server/health';
import { WecomCallbackCrypto } from './wecom/crypto';
import { WebhookTransport } from './wecom/webhook-transport';
import { TalkedChats } from './wecom/talked-chats';
import { ConnectionLease } from './wecom/ws-lease';
import { WsTransport } from './wecom/ws-transport';
import { longConnectionHealth } from './server/health-transport';
import { linkKeyMaterial } from './config/credentials';
import type { Transport } from './transport/types';
import type Router from '@koa/router';
import { commands } from '../handlers';
import { createJobsClient, createJobsRunner, createLongConnectionWorker, type JobsClient, type LongConnectionWorker } from '../jobs';
import type { FileMakers } from '../jobs/files/makers';
import { createQueues, type Queues } from '../jobs/queues';

export interface AppDeps {
  env: Env;
  org: Org;
  redisUrl: string;
  /** The callback Token and AES key: required with WECOM_TRANSPORT=webhook, optional with ws. */
  credentials?: Pick<Credentials, 'token' | 'encodingAESKey'> | undefined;
  logger: Logger;
  clock?: Clock;
  /** Retry timings (tests compress them) and the workers' lock and stalled check (JOB_LOCK_MS, JOB_STALLED_INTERVAL_MS). */
  jobTimings?: { backoffMs?: number; throttleMs?: number; lockMs?: number; stalledIntervalMs?: number; followUpGraceMs?: number; followUpSweepMs?: number; followUpBatchMs?: number };
  /** "worker": only the workers and ticks, no HTTP (npm run worker). Default "server". */
  role?: 'server' | 'worker';
  /** The makers of generated files; default the registry in jobs/files/makers.ts (tests pass their own). */
  makers?: FileMakers;
  /** The built dashboard page (index.html, assets/); default dist/web. */
  webDir?: string;
  /** The long connection's lease term and the SDK's reconnect, heartbeat and auth attempts (tests shorten them). */
  wsTimings?: { leaseMs?: number; reconnectMs?: number; heartbeatMs?: number; authAttempts?: number; pushRetryMs?: number; pushFallbackMs?: number };
  /** How long a card click may take before it is answered without an update (tests: 0, always late). */
  cardBudgetMs?: number;
  /** ORG_FILE: what /重新加载 and SIGHUP re-read. Absent: they say there is no file. */
  orgFile?: string;
  /**
   * `org` as its file's validated YAML and the file's hash (loadOrgSource): published at start
   * when the organisation in force (Redis) differs. Absent: this app only follows what is published.
   */
  orgSource?: { yaml: string; hash: string };
  /** The environment a published org's `env:` webhook keys resolve in; default process.env. */
  orgEnv?: NodeJS.ProcessEnv;
}

export interface App {
  /** Connects to Redis and starts serving; resolves with the bound port (0 for a worker). */
  start(): Promise<number>;
  /** Stops in order: HTTP (finishing in-flight), transport, queues, Redis. Safe to call twice. */
  stop(): Promise<void>;
  /** Swaps the organisation in force here only; the caller has validated it (reloadOrg switches every instance). */
  setOrg(org: Org): void;
  org(): Org;
  /** /重新加载 and SIGHUP: validates ORG_FILE, publishes it to every instance, switches this one. */
  reloadOrg(by: string): Promise<ReloadOutcome>;
  /** Calls `listener` after every switch of the organisation here; returns the unsubscribe. */
  onOrgChange(listener: (org: Org) => void): () => void;
  /** The published version and file hash in force here (0 and '' before any). */
  orgVersion(): { version: number; hash: string };
  /** Resolves once the organisation published now is the one in force here (or refused here). */
  syncOrg(): Promise<void>;
  /** For tests and tools: the pushes and timers the app uses. */
  readonly jobs: JobsClient;
  /** Resolves once the work after every reply so far (timers, pushes, downloads) is queued. */
  settled(): Promise<void>;
}

export class StartError extends Error {
  constructor(
    readonly stage: 'redis' | 'listen',
    message: string,
  ) {
    super(message);
  }
}

/** The one lifecycle owner: builds every part from its dependencies, starts and stops them. */
export function createApp(deps: AppDeps): App {
  const { env, logger } = deps;
  const clock = deps.clock ?? systemClock;
  let org = deps.org;
  const keys = createKeys(env.REDIS_KEY_PREFIX);
  const redis = createRedis(deps.redisUrl, { commandTimeout: env.REDIS_COMMAND_TIMEOUT_MS });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'redis connection error'));
  const queues = createQueues(deps.redisUrl, keys.bullPrefix, logger);
  const messages = new MessageLog(redis, keys);
  const ledger = new LedgerStore(redis, keys);
  const drafts = new DraftStore(redis, keys);
  const records = createRecordStores(redis, keys);
  const metrics = createMetrics();
  const exportFiles = new ExportFiles(redis, keys, env.DATA_DIR);
  // PUBLIC_URL, or this host at the port it is bound to (known after listen; a worker uses PORT).
  let boundPort = env.PORT;
  const publicUrl = () => env.PUBLIC_URL ?? `http://127.0.0.1:${boundPort}`;
  // LINK_SECRET, else derived from the AES key or (long connection) the bot secret: src/config/credentials.ts.
  const links = new LinkSigner(linkKey(env.LINK_SECRET, env.LINK_SECRET ? '' : linkKeyMaterial(env, deps.credentials)), publicUrl);
  const sessions = new SessionStore(redis, keys);
  const signIns = {
    async issue(userid: string) {
      const { token, expiresAt } = await sessions.issueSignIn(userid, clock.now().getTime());
      return { url: `${publicUrl().replace(/\/+$/u, '')}/dashboard/login?t=${token}`, expiresAt };
    },
  };
  const files = { exports: exportFiles, links, ...(deps.makers ? { makers: deps.makers } : {}) };
  const evidenceFiles = new EvidenceFiles(env.DATA_DIR);
  // Webhook media are encrypted with the callback key; the long connection gives each item its own.
  const evidence = { files: evidenceFiles, hosts: env.EVIDENCE_MEDIA_HOSTS, ...(deps.credentials ? { callbackKey: deps.credentials.encodingAESKey } : {}) };
  const jobsDeps = { queues, redisUrl: deps.redisUrl, redis, keys, ledger, org: () => org, env, clock, logger, metrics, files, evidence, ...deps.jobTimings };
  const jobs = createJobsClient(jobsDeps);
  const role = deps.role ?? 'server';
  const runner = role === 'worker' || env.RUN_WORKERS ? createJobsRunner(jobsDeps, jobs) : undefined;
  const orgListeners = new Set<(org: Org) => void>();
  const setOrg = (next: Org) => {
    org = next;
    for (const l of orgListeners) l(next);
  };
  const orgSync = createOrgSync({
    redis,
    redisUrl: deps.redisUrl,
    keys,
    env: deps.orgEnv ?? process.env,
    orgFile: deps.orgFile,
    source: deps.orgSource,
    org: () => org,
    setOrg,
    ledger,
    clock,
    logger,
  });
  const registry = new CommandRegistry(commands);
  const photos = createLoosePhotos({ held: new HeldPhotos(redis, keys), commands: registry, clock });
  const pipeline = createPipeline({ org: () => org, commands: registry, messages, ledger, drafts, records, jobs, signIns, clock, logger, metrics, photos, orgReload: orgSync, ...(deps.cardBudgetMs !== undefined ? { cardBudgetMs: deps.cardBudgetMs } : {}) });
  const { transport, routers: transportRouters, health: transportHealth, wsWorker } = role === 'server' ? createTransport() : { transport: undefined, routers: [], health: [], wsWorker: undefined };

  /** The configured transport: the callback URL (its route), or the long connection (its lease, its push worker, its health check). */
  function createTransport(): { transport: Transport; routers: Router[]; health: HealthCheck[]; wsWorker?: LongConnectionWorker } {
    if (env.WECOM_TRANSPORT === 'webhook') {
      if (!deps.credentials) throw new Error('WECOM_TRANSPORT=webhook needs the callback Token and EncodingAESKey');
      const webhook = new WebhookTransport({
        metrics,
        crypto: new WecomCallbackCrypto(deps.credentials.token, deps.credentials.encodingAESKey),
        messages,
        botNames: env.WECOM_BOT_NAMES,
        aibotId: env.WECOM_AIBOT_ID,
        clock,
        logger,
      });
      return { transport: webhook, routers: [webhook.router], health: [] };
    }
    const t = deps.wsTimings ?? {};
    let worker: LongConnectionWorker | undefined;
    const ws = new WsTransport({
      botId: env.WECOM_BOT_ID!,
      secret: env.WECOM_BOT_SECRET!,
      wsUrl: env.WECOM_WS_URL,
      messages,
      talked: new TalkedChats(redis, keys, env.WECOM_BOT_ID!),
      lease: new ConnectionLease(redis, keys, env.WECOM_BOT_ID!, logger, t.leaseMs),
      botNames: env.WECOM_BOT_NAMES,
      aibotId: env.WECOM_AIBOT_ID,
      clock,
      logger,
      metrics,
      timings: { ...(t.reconnectMs ? { reconnectMs: t.reconnectMs } : {}), ...(t.heartbeatMs ? { heartbeatMs: t.heartbeatMs } : {}), ...(t.authAttempts ? { authAttempts: t.authAttempts } : {}) },
      onHolding(holding) {
        const step = holding ? worker?.start() : worker?.stop();
        step?.catch((err: unknown) => logger.error({ err }, `long-connection push worker did not ${holding ? 'start' : 'stop'}`));
      },
    });
    worker = createLongConnectionWorker(jobsDeps, ws, { ...(t.pushRetryMs ? { reconnectWaitMs: t.pushRetryMs } : {}), ...(t.pushFallbackMs ? { downFallbackMs: t.pushFallbackMs } : {}) });
    return { transport: ws, routers: [], health: [longConnectionHealth(() => ws.status(), () => clock.now().getTime())], wsWorker: worker };
  }
  const http = createHttpServer({
    logger,
    routers: [
      // ws mode mounts no callback route: /wecom/callback is a 404 there.
      ...transportRouters,
      createDownloadRouter({ links, exports: exportFiles, clock, logger }),
      createEvidenceRouter({ links, files: evidenceFiles, ledger, org: () => org, clock, logger }),
      createDashboardRouter({ sessions, ledger, records, files: jobs.files, evidenceLink: (file, userid) => evidenceLink(links, org, file, userid, clock.now().getTime(), 'path'), redis, keys, org: () => org, clock, logger, publicUrl, ...(deps.webDir ? { webDir: deps.webDir } : {}) }),
    ],
    trustProxy: env.TRUST_PROXY,
    adminToken: env.ADMIN_TOKEN,
    metrics: {
      registry: metrics.registry,
      async refresh() {
        for (const q of [queues.outbound, queues.outboundWs, queues.timers, queues.files, queues.evidence]) {
          const counts = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed');
          for (const [state, n] of Object.entries(counts)) metrics.queueJobs.set({ queue: q.name, state }, n);
        }
      },
    },
    health: [...healthChecks(redis, queues, describeRedis(deps.redisUrl)), ...transportHealth],
  });

  let stopping: Promise<void> | undefined;
  return {
    async start() {
      try {
        await redis.connect();
        await redis.ping();
      } catch (err) {
        throw new StartError('redis', `cannot reach Redis: ${(err as Error).message}`);
      }
      // Before the workers and the transport: they start on the organisation in force.
      try {
        await orgSync.start();
      } catch (err) {
        throw new StartError('redis', `cannot share the organisation through Redis: ${(err as Error).message}`);
      }
      await runner?.start();
      if (role === 'worker') {
        logger.info({ org: org.district }, 'duban worker running');
        return 0;
      }
      await transport!.start((m) => pipeline.dispatch(m));
      try {
        const port = await http.listen(env.PORT, env.HOST);
        boundPort = port;
        logger.info({ port, host: env.HOST, transport: transport!.name, org: org.district }, 'duban listening');
        return port;
      } catch (err) {
        throw new StartError('listen', `cannot listen on ${env.HOST}:${env.PORT}: ${(err as Error).message}`);
      }
    },
    stop() {
      stopping ??= (async () => {
        await http.close();
        await transport?.stop();
        // Replies already sent: their timers and pushes go out before the queues close.
        await pipeline.idle();
        await wsWorker?.stop();
        await runner?.stop();
        await queues.close();
        await orgSync.stop();
        if (redis.status === 'ready') await redis.quit().catch(() => redis.disconnect());
        else redis.disconnect();
        logger.info('duban stopped');
      })();
      return stopping;
    },
    setOrg,
    org: () => org,
    reloadOrg: (by) => orgSync.reload(by),
    onOrgChange(listener) {
      orgListeners.add(listener);
      return () => orgListeners.delete(listener);
    },
    orgVersion: () => orgSync.current(),
    syncOrg: () => orgSync.sync(),
    jobs,
    settled: () => pipeline.idle(),
  };
}

/** What /healthz checks, and how each says what is wrong. */
function healthChecks(redis: RedisClient, queues: Queues, where: string): HealthCheck[] {
  return [
    {
      name: 'redis',
      critical: true,
      async check() {
        const started = performance.now();
        await redis.ping();
        return { at: where, ms: Math.round(performance.now() - started) };
      },
      explain: (error) => `Redis (${where}) does not answer: ${error}; changes get 503 (WeCom re-sends them) until it is back`,
    },
    {
      name: 'queue',
      critical: true,
      async check() {
        const { deadLetters, waiting } = await queues.check();
        const problem = deadLetters
          ? `${deadLetters} push(es) failed for good (dead letters): see the log lines "job dead-lettered", mend the cause (e.g. a wrong group-robot key), then retry them`
          : undefined;
        return { deadLetters, waiting, ...(problem ? { problem } : {}) };
      },
    },
    {
      // Not critical: this instance still answers callbacks; the pushes wait in the queue.
      name: 'workers',
      critical: false,
      async check() {
        const n = await queues.workers();
        if (!n.outbound || !n.timers) throw new Error('no worker sends reminders and pushes (they wait in the queue): run `npm run worker` or set RUN_WORKERS=true');
        if (!n.files) throw new Error('no worker makes the requested files (/导出 links stay "being prepared"): run `npm run worker` or set RUN_WORKERS=true');
        return n;
      },
    },
  ];
}
