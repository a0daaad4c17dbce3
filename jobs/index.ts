import { Worker, type Job } from 'bullmq';
import type { Clock } from '../src/clock';
import type { Env } from '../src/config/env';
import type { Org } from '../src/domain/org';
import type { Logger } from '../src/log/logger';
import type { Metrics } from '../src/observability/metrics';
import type { Keys } from '../src/store/keys';
import type { LedgerStore } from '../src/store/ledger-store';
import { bullConnection, type RedisClient } from '../src/store/redis';
import type { LinkSigner } from '../src/server/signed-links';
import type { ExportFiles } from '../src/store/export-files';
import { createFilesClient, type FilesClient } from './files/file-jobs';
import { makers as registeredMakers, type FileMakers } from './files/makers';
import { processFile } from './files/process-file';
import { EXPORT_SWEEP_CRON, runExportSweep } from './files/sweep';
import { createScores } from '../src/store/scores';
import { Outbox } from './outbound/outbox';
import type { Jobs } from '../src/pipeline/jobs';
import { RateLimiter } from './outbound/rate-limit';
import { RemindGate } from './outbound/remind-gate';
import { processPush } from './outbound/sender';
import { createChannels } from './outbound/channel-choice';
import { EVIDENCE_QUEUE, FILES_QUEUE, OUTBOUND_QUEUE, OUTBOUND_WS_QUEUE, TIMERS_QUEUE, type Queues } from './queues';
import { processLongConnectionPush } from './outbound/ws-sender';
import type { LongConnection } from '../src/wecom/long-connection';
import { districtScope } from '../src/domain/visibility';
import { ALL_TIME, type Period } from '../src/parsing/period';
import { departmentSections } from './files/department-extras';
import { runBulletin } from './ticks/bulletin';
import { scheduleTicks } from './ticks/cron';
import { TalkStore } from '../src/store/talk-store';
import { runDigest } from './ticks/digest';
import { runSummary } from './ticks/summary';
import { processTimer } from './timers/process-timer';
import { reconcileTimers } from './timers/reconcile';
import { followUpBatcher, type FollowUpDeps } from './follow-ups/run-follow-up';
import { FOLLOW_UP_GRACE_MS, FOLLOW_UP_SWEEP_MS, sweepFollowUps } from './follow-ups/sweep';
import { FollowUpStore } from '../src/store/follow-up-store';
import { TimerScheduler } from './timers/timer-jobs';
import { createEvidenceClient, evidenceDeadLetters } from './evidence/evidence-jobs';
import { processEvidence } from './evidence/process-evidence';
import type { MediaHostRule } from './evidence/media-hosts';
import { EvidenceStore } from '../src/store/evidence-store';
import type { EvidenceFiles } from '../src/store/evidence-files';
import { evidenceLink, issueEvidenceLink } from '../src/server/evidence-links';

export interface JobsDeps {
  queues: Queues;
  /** REDIS_URL: the workers make their own BullMQ connections from it. */
  redisUrl: string;
  redis: RedisClient;
  keys: Keys;
  ledger: LedgerStore;
  org: () => Org;
  env: Pick<Env, 'WECOM_API_BASE' | 'WECOM_TRANSPORT' | 'WECOM_BOT_ID'>;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<Metrics, 'pushes'>;
  /** Retry backoff base and 45009 wait; tests compress them. */
  backoffMs?: number;
  throttleMs?: number;
  /** The workers' job lock and stalled check (BullMQ's lockDuration, stalledInterval); unset: BullMQ's 30 s. */
  lockMs?: number;
  stalledIntervalMs?: number;
  /** Generated files: the store (DATA_DIR/exports + metadata), the link signer, and the makers (default jobs/files/makers.ts). */
  files: { exports: ExportFiles; links: LinkSigner; makers?: FileMakers };
  /** How old a follow-up left behind must be before the sweeper takes it (default FOLLOW_UP_GRACE_MS), and how often it looks (FOLLOW_UP_SWEEP_MS). */
  followUpGraceMs?: number;
  followUpSweepMs?: number;
  /** How long follow-ups wait to be queued together after a reply (default FOLLOW_UP_BATCH_MS; 0: the same event-loop turn). */
  followUpBatchMs?: number;
  /** Evidence downloads: where files are kept (DATA_DIR/evidence), the callback EncodingAESKey (webhook media's key), EVIDENCE_MEDIA_HOSTS. Unset: no evidence worker. */
  evidence?: { files: EvidenceFiles; callbackKey?: string | undefined; hosts?: readonly MediaHostRule[] };
}

/**
 * The jobs port the handlers see (src/pipeline/jobs.ts) on BullMQ, plus what the app, the ticks
 * and tests reach directly: the outbox and the timer scheduler.
 */
export interface JobsClient extends Jobs {
  outbox: Outbox;
  timers: TimerScheduler;
  remindGate: RemindGate;
  /** Generated files: request one (answers with its signed link at once), read its status, sign a link. */
  files: FilesClient;
  /** What the follow-ups after a reply run on (the sweeper uses the same). */
  followUps: FollowUpDeps;
}

export interface JobsRunner {
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createJobsClient(deps: JobsDeps): JobsClient {
  const outbox = new Outbox(deps.queues.outbound, deps.backoffMs);
  const timers = new TimerScheduler(deps.queues.timers, deps.org);
  const storeEvidence = createEvidenceClient({ queue: deps.queues.evidence, store: new EvidenceStore(deps.redis, deps.keys, deps.ledger), clock: deps.clock, logger: deps.logger, ...(deps.backoffMs ? { backoffMs: deps.backoffMs } : {}) }).storeEvidence;
  const followUps: FollowUpDeps = { timers, outbox, storeEvidence, store: new FollowUpStore(deps.redis, deps.keys), clock: deps.clock, logger: deps.logger };
  return {
    followUps,
    followUp: followUpBatcher(followUps, deps.followUpBatchMs),
    outbox,
    timers,
    remindGate: new RemindGate(deps.redis, deps.keys),
    files: createFilesClient({ queue: deps.queues.files, exports: deps.files.exports, links: deps.files.links, org: deps.org, clock: deps.clock, logger: deps.logger, ...(deps.backoffMs ? { backoffMs: deps.backoffMs } : {}) }),
    scores: createScores(deps),
    async push(input, delayMs) {
      await outbox.enqueue(input, delayMs);
    },
    async afterCommitMany(changes, now) {
      await timers.syncMany(changes, now);
    },
    storeEvidence,
    evidenceLink: (file, userid) => evidenceLink(deps.files.links, deps.org(), file, userid, deps.clock.now().getTime()),
    issueEvidenceLink: (issueId, userid) => issueEvidenceLink(deps.files.links, deps.org(), issueId, userid, deps.clock.now().getTime()),
    async afterCommit(before, after) {
      try {
        await timers.sync(before, after, deps.clock.now().getTime());
      } catch (err) {
        // The change is committed; the start-up reconcile sets any timer missed here.
        deps.logger.error({ err, issue: after.id }, 'could not update the issue timers');
      }
    },
    async pushAfterCommit(pushes) {
      const results = await Promise.allSettled(pushes.map((p) => outbox.enqueue(p)));
      const failed = results.flatMap((r, i) => (r.status === 'rejected' ? [{ id: pushes[i]!.id, err: r.reason as unknown }] : []));
      for (const f of failed) deps.logger.error({ err: f.err, push: f.id }, 'could not queue a push after a committed change');
      return failed.length;
    },
  };
}

/**
 * The workers (outbound sender, timers, files) and the calendar ticks. They run inside the server by
 * default, or alone with `npm run worker`.
 */
export function createJobsRunner(deps: JobsDeps, client: JobsClient): JobsRunner {
  const bull = bullConnection(deps.redisUrl, 'worker');
  // Only the timings that are set: an undefined option would replace BullMQ's default, not keep it.
  const timings = {
    ...(deps.lockMs ? { lockDuration: deps.lockMs } : {}),
    ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
  };
  const prefix = deps.keys.bullPrefix;
  const limiter = new RateLimiter(deps.redis, deps.keys.rate);
  const channels = createChannels({ ...deps, forwardQueue: deps.queues.outboundWs, outboundQueue: deps.queues.outbound, ...(deps.backoffMs ? { backoffMs: deps.backoffMs } : {}) });
  let workers: Worker[] = [];
  let ticks: { stop(): Promise<void> } | undefined;
  let reconciling: Promise<void> | undefined;
  let sweeping: Promise<void> | undefined;
  let warming: Promise<void> | undefined;
  let followUpTimer: NodeJS.Timeout | undefined;
  let followUpSweep: Promise<void> = Promise.resolve();

  const onFailed = failedJobLogger(deps);

  return {
    async start() {
      const outbound = new Worker(OUTBOUND_QUEUE, (job, token) => processPush(job, token, { ...deps, limiter, channels, exportsDir: deps.files.exports.dir, ...(deps.throttleMs ? { throttleMs: deps.throttleMs } : {}) }), {
        connection: bull.connection,
        prefix,
        concurrency: 4,
        ...timings,
      });
      const timers = new Worker(TIMERS_QUEUE, (job) => processTimer(job, { ...deps, outbox: client.outbox, timers: client.timers }), {
        connection: bull.connection,
        prefix,
        concurrency: 8,
        ...timings,
      });
      const fileDeps = { ...deps, exports: deps.files.exports, links: deps.files.links, outbox: client.outbox, makers: deps.files.makers ?? registeredMakers };
      // One at a time: a 100 000-row workbook takes seconds of CPU and its share of memory.
      const files = new Worker(FILES_QUEUE, (job) => processFile(job, fileDeps), { connection: bull.connection, prefix, concurrency: 1, ...timings });
      outbound.on('completed', (job, result) => deps.metrics?.pushes.inc({ kind: String((job.data as { kind?: unknown }).kind ?? 'unknown'), outcome: String(result) }));
      workers = [outbound, timers, files];
      if (deps.evidence) {
        const evidenceDeps = { store: new EvidenceStore(deps.redis, deps.keys, deps.ledger), files: deps.evidence.files, callbackKey: deps.evidence.callbackKey, clock: deps.clock, logger: deps.logger, ...(deps.evidence.hosts ? { hosts: deps.evidence.hosts } : {}) };
        const evidence = new Worker(EVIDENCE_QUEUE, (job) => processEvidence(job, evidenceDeps), { connection: bull.connection, prefix, concurrency: 2, ...timings });
        // A job that ends without an outcome (its recording failed, it stalled for good) is recorded as not kept.
        const dead = evidenceDeadLetters({ ...evidenceDeps, queue: deps.queues.evidence });
        evidence.on('failed', dead.failed);
        evidence.on('stalled', dead.stalled);
        workers.push(evidence);
        void deps.evidence.files.sweepTemporary().catch((err: unknown) => deps.logger.warn({ err }, 'evidence temporary files not swept'));
      }
      for (const w of workers) {
        w.on('failed', onFailed);
        w.on('error', (err) => deps.logger.warn({ err: err.message }, 'worker connection error'));
      }
      await Promise.all(workers.map((w) => w.waitUntilReady()));
      const policy = deps.org().policy;
      const tickDeps = { ledger: deps.ledger, outbox: client.outbox, org: deps.org, clock: deps.clock, scores: client.scores };
      const district = () => {
        const d = districtScope(deps.org());
        return { label: d.label, unitIds: d.units.map((u) => u.id) };
      };
      const summaryDeps = {
        ...tickDeps,
        redis: deps.redis,
        keys: deps.keys,
        files: client.files,
        logger: deps.logger,
        extraSections: (period: Period) => departmentSections(deps, { scope: district(), period }),
      };
      ticks = scheduleTicks(
        [
          { name: 'digest', cron: policy.digestCron, run: (tick) => runDigest(tick, tickDeps) },
          { name: 'bulletin', cron: policy.bulletinCron, run: (tick) => runBulletin(tick, { ...tickDeps, talks: new TalkStore(deps.redis, deps.keys) }) },
          { name: 'export-sweep', cron: EXPORT_SWEEP_CRON, run: () => runExportSweep(fileDeps) },
          { name: 'quarterly', cron: policy.quarterlyCron, run: (tick) => runSummary('quarter', tick, summaryDeps) },
          { name: 'annual', cron: policy.annualCron, run: (tick) => runSummary('year', tick, summaryDeps) },
        ],
        deps.redis,
        deps.keys,
        deps.logger,
      );
      deps.logger.info({ queues: [OUTBOUND_QUEUE, TIMERS_QUEUE, FILES_QUEUE, ...(deps.evidence ? [EVIDENCE_QUEUE] : [])], digest: policy.digestCron, bulletin: policy.bulletinCron, quarterly: policy.quarterlyCron, annual: policy.annualCron }, 'workers started');
      // In the background: a big ledger must not hold the start up.
      reconciling = reconcileTimers({ ...deps, timers: client.timers }).then(
        () => undefined,
        (err: unknown) => deps.logger.error({ err }, 'timer reconcile failed'),
      );
      // Follow-ups a stopped process left between its reply and its timers and pushes: now, then
      // every little while (another instance may die at any time).
      const sweepLeft = () => {
        followUpSweep = followUpSweep.then(() =>
          sweepFollowUps({ ...client.followUps, ledger: deps.ledger }, deps.followUpGraceMs ?? FOLLOW_UP_GRACE_MS).then(
            () => undefined,
            (err: unknown) => deps.logger.error({ err }, 'follow-up sweep failed'),
          ),
        );
      };
      sweepLeft();
      followUpTimer = setInterval(sweepLeft, deps.followUpSweepMs ?? FOLLOW_UP_SWEEP_MS);
      followUpTimer.unref();
      // Files that expired while no worker ran; harmless if several instances sweep at once.
      sweeping = runExportSweep(fileDeps).then(
        () => undefined,
        (err: unknown) => deps.logger.error({ err }, 'export sweep failed'),
      );
      // The scores' cache, built once after a deployment or a change of graces, so the first
      // /考核 of the day does not wait for the whole ledger (seconds at 100 000 issues).
      const warmStart = performance.now();
      warming = client.scores.board({ scope: district(), period: ALL_TIME }).then(
        () => deps.logger.info({ ms: Math.round(performance.now() - warmStart) }, 'score cache warmed'),
        (err: unknown) => deps.logger.warn({ err }, 'score cache warm-up failed; /考核 builds it on first use'),
      );
    },
    async stop() {
      clearInterval(followUpTimer);
      await followUpSweep;
      await reconciling;
      await sweeping;
      await warming;
      await ticks?.stop();
      // close() lets active jobs finish; BullMQ closes the connections it made, we close a Cluster client we gave it.
      await Promise.all(workers.map((w) => w.close()));
      workers = [];
      await bull.close();
    },
  };
}

/** A worker's 'failed' listener: a retry at warn, a dead letter at error, counted for pushes. */
function failedJobLogger(deps: Pick<JobsDeps, 'logger' | 'metrics'>): (job: Job | undefined, err: Error) => void {
  return (job, err) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || err.name === 'UnrecoverableError';
    const log = { queue: job.queueName, job: job.id, attempts: job.attemptsMade, err: err.message };
    if (job.queueName === OUTBOUND_QUEUE || job.queueName === OUTBOUND_WS_QUEUE) deps.metrics?.pushes.inc({ kind: String((job.data as { kind?: unknown }).kind ?? 'unknown'), outcome: final ? 'dead-letter' : 'retry' });
    if (final) deps.logger.error(log, 'job dead-lettered (kept in the failed set)');
    else deps.logger.warn(log, 'job failed, will retry');
  };
}

export interface LongConnectionWorker {
  /** Starts consuming `outbound-ws` (this instance now holds the connection); a second call does nothing. */
  start(): Promise<void>;
  /** Stops consuming (the lease went elsewhere, or the app stops); active sends finish first. */
  stop(): Promise<void>;
}

/**
 * The `outbound-ws` worker: only the instance holding the long connection runs it, whatever
 * RUN_WORKERS says (no other instance has the socket). Started and stopped with the lease.
 */
export function createLongConnectionWorker(deps: JobsDeps, connection: LongConnection, opts: { reconnectWaitMs?: number; downFallbackMs?: number } = {}): LongConnectionWorker {
  const timings = {
    ...(deps.lockMs ? { lockDuration: deps.lockMs } : {}),
    ...(deps.stalledIntervalMs ? { stalledInterval: deps.stalledIntervalMs } : {}),
  };
  const limiter = new RateLimiter(deps.redis, deps.keys.rate);
  const channels = createChannels(deps);
  let worker: Worker | undefined;
  let bull: ReturnType<typeof bullConnection> | undefined;
  let changing: Promise<void> = Promise.resolve();
  const senderDeps = { ...deps, limiter, channels, connection, exportsDir: deps.files.exports.dir, ...(deps.throttleMs ? { throttleMs: deps.throttleMs } : {}), ...opts };
  // Start and stop may be asked for in quick succession (a lease won and lost): one at a time.
  const serial = (step: () => Promise<void>) => (changing = changing.then(step, step));
  return {
    start: () =>
      serial(async () => {
        if (worker) return;
        bull = bullConnection(deps.redisUrl, 'worker');
        const w = new Worker(OUTBOUND_WS_QUEUE, (job, token) => processLongConnectionPush(job, token, senderDeps), { connection: bull.connection, prefix: deps.keys.bullPrefix, concurrency: 4, ...timings });
        w.on('completed', (job, result) => deps.metrics?.pushes.inc({ kind: String((job.data as { kind?: unknown }).kind ?? 'unknown'), outcome: String(result) }));
        w.on('failed', failedJobLogger(deps));
        w.on('error', (err) => deps.logger.warn({ err: err.message }, 'worker connection error'));
        worker = w;
        await w.waitUntilReady();
        deps.logger.info({ queue: OUTBOUND_WS_QUEUE }, 'long-connection push worker started');
      }),
    stop: () =>
      serial(async () => {
        const w = worker;
        worker = undefined;
        if (!w) return;
        // Forced: the socket is gone by now (lease lost, or the transport stopped first), so an
        // active send cannot finish anyway (its job is retried, the sent-marker keeps it once);
        // and BullMQ 6.7's graceful close never resolves after its connection was refused once.
        await w.close(true);
        await bull?.close();
        bull = undefined;
      }),
  };
}
