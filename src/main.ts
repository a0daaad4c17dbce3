// Asia/Shanghai is the only time zone duban speaks; set it before anything reads the clock.
process.env.TZ ??= 'Asia/Shanghai';

import path from 'node:path';
import { createApp, StartError, type App } from './app';
import { resolveTransportCredentials } from './config/credentials';
import { ConfigError, loadDotEnv, loadEnv, type Env } from './config/env';
import { formatProblemLines } from './config/org-problems-format';
import { loadOrgSource } from './config/org-source';
import { demoOrgFile } from './config/paths';
import { createLogger, type Logger } from './log/logger';
import { embeddedRedisUrl, EmbeddedRedisError, startEmbeddedRedis, type EmbeddedRedis } from './store/embedded-redis';
import { ExitCode } from './exit-codes';

/**
 * `npm start`: the server from the environment alone; REDIS_URL unset → an embedded
 * redis-server. `npm run worker` (role "worker"): the workers and ticks alone, on REDIS_URL or
 * on the embedded server's socket under DATA_DIR.
 */
/** Signals this close together are one request (see the handler). */
const SAME_REQUEST_MS = 2_000;

export async function main(role: 'server' | 'worker' = 'server'): Promise<void> {
  if (process.env.TZ !== 'Asia/Shanghai') fail(`TZ: must be Asia/Shanghai (got "${process.env.TZ}")`, ExitCode.config);

  let env: Env;
  try {
    loadDotEnv();
    env = loadEnv();
  } catch (err) {
    return fail(`invalid environment: ${(err as Error).message}`, ExitCode.config);
  }
  const logger = createLogger(env.LOG_LEVEL, { pretty: process.stdout.isTTY && env.NODE_ENV !== 'production' });
  const orgFile = env.ORG_FILE ?? demoOrgFile();

  const load = await loadOrgSource(orgFile);
  if (!load.ok) {
    // One problem of the whole file (the YAML reader's) already names ORG_FILE and where; several are listed.
    const only = load.problems.length === 1 && load.problems[0]!.where === orgFile ? load.problems[0]!.message : undefined;
    return fail(only ?? `ORG_FILE ${orgFile}: ${load.problems.length} 个问题，未启动（npm run org -- check 可逐条检查）：\n${formatProblemLines(load.problems, '  ')}`, ExitCode.config);
  }
  if (load.problems.length) logger.warn({ file: orgFile, problems: load.problems }, 'organisation file has warnings');
  const org = load.org;
  let credentials;
  try {
    // The long connection needs no callback Token or AES key: none are generated in ws mode.
    credentials = await resolveTransportCredentials(env, { create: true });
  } catch (err) {
    if (err instanceof ConfigError) return fail(err.message, ExitCode.config);
    throw err;
  }
  if (credentials?.generated) printDevCredentials(credentials.token, credentials.encodingAESKey, credentials.file!);
  else if (credentials?.file) logger.info({ file: credentials.file }, 'using dev WeCom credentials (set WECOM_TOKEN and WECOM_ENCODING_AES_KEY for a real bot)');

  let embedded: EmbeddedRedis | undefined;
  let redisUrl = env.REDIS_URL;
  if (!redisUrl && role === 'worker') {
    // A worker beside `make run` joins the embedded server instead of starting a second one.
    redisUrl = embeddedRedisUrl(path.join(env.DATA_DIR, 'redis'));
  }
  if (!redisUrl) {
    try {
      embedded = await startEmbeddedRedis({ dir: path.join(env.DATA_DIR, 'redis'), logger });
    } catch (err) {
      if (err instanceof EmbeddedRedisError) return fail(err.message, ExitCode.redis);
      throw err;
    }
  }

  const jobTimings = { lockMs: env.JOB_LOCK_MS, stalledIntervalMs: env.JOB_STALLED_INTERVAL_MS };
  const app = createApp({ env, org, orgFile, orgSource: { yaml: load.yaml, hash: load.hash }, redisUrl: redisUrl ?? embedded!.url, credentials, logger, role, jobTimings });
  let exitCode: number = ExitCode.ok;
  let shuttingDown: Promise<void> | undefined;
  const shutdown = (code: number, reason: string) => {
    exitCode = Math.max(exitCode, code);
    process.exitCode = exitCode;
    shuttingDown ??= (async () => {
      logger.info({ reason }, 'shutting down');
      // A stop waits for in-flight work, which may wait on Redis; when Redis is gone it would
      // wait for ever. After the deadline, exit anyway (the queue keeps what was not done).
      const deadline = setTimeout(() => {
        logger.error({ ms: env.STOP_TIMEOUT_MS }, 'stop timed out: exiting without a clean stop');
        void Promise.resolve(embedded?.stop()).finally(() => process.exit(ExitCode.unexpected));
      }, env.STOP_TIMEOUT_MS);
      deadline.unref();
      await app.stop().catch((err) => logger.error({ err }, 'error while stopping'));
      await embedded?.stop();
      clearTimeout(deadline);
      // Started by node:cluster or a process manager's cluster mode, the IPC channel to the parent
      // would keep a stopped process alive: let it go, so the process exits with its code.
      if (process.connected) process.disconnect();
    })();
    return shuttingDown;
  };

  // `kill -- -<pgid>` (a service manager, a script stopping `make run`) signals make and the bot
  // together, and make passes it on: one request that arrives twice. Only a signal some time after
  // the first is someone insisting; even then the embedded redis-server is stopped, not orphaned.
  let firstSignalAt = 0;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (shuttingDown) {
        if (Date.now() - firstSignalAt < SAME_REQUEST_MS) return;
        logger.warn({ signal }, 'second signal: exiting now');
        void Promise.resolve(embedded?.stop()).finally(() => process.exit(ExitCode.unexpected));
        return;
      }
      firstSignalAt = Date.now();
      void shutdown(ExitCode.ok, signal);
    });
  }
  process.on('SIGHUP', () => void reloadOrg(app, logger));
  process.on('unhandledRejection', (err) => logger.error({ err }, 'unhandled rejection'));
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    void shutdown(ExitCode.unexpected, 'uncaughtException');
  });
  void embedded?.exited.then((code) => {
    if (!shuttingDown) {
      logger.fatal({ code }, 'embedded redis-server exited');
      void shutdown(ExitCode.redis, 'redis-server exited');
    }
  });

  try {
    await app.start();
  } catch (err) {
    const code = err instanceof StartError ? (err.stage === 'redis' ? ExitCode.redis : ExitCode.listen) : ExitCode.unexpected;
    logger.fatal({ err: (err as Error).message }, 'cannot start');
    await shutdown(code, 'start failed');
  }
}

/**
 * SIGHUP: the same path as /重新加载 — validate ORG_FILE, publish it, every instance switches; a
 * bad file is refused with every problem while the old one stays in force.
 */
export async function reloadOrg(app: Pick<App, 'reloadOrg'>, logger: Logger): Promise<void> {
  try {
    const outcome = await app.reloadOrg('SIGHUP');
    if (outcome.kind === 'refused') {
      logger.error({ file: outcome.file, problems: outcome.problems }, `organisation reload refused (${outcome.problems.length} problem(s)); the previous file stays in force:\n${formatProblemLines(outcome.problems, '  ')}`);
    } else if (outcome.kind === 'reloaded') {
      const d = outcome.diff;
      logger.info(
        {
          version: outcome.version,
          hash: outcome.hash,
          people: { added: d.people.added.length, removed: d.people.removed.length, renamed: d.people.renamed.length },
          units: { added: d.units.added.length, removed: d.units.removed.length, renamed: d.units.renamed.length },
          teams: { added: d.teams.added.length, removed: d.teams.removed.length, renamed: d.teams.renamed.length },
          needingAssignee: outcome.orphans.issues.map((o) => o.id),
        },
        'organisation reloaded on SIGHUP',
      );
    }
  } catch (err) {
    logger.error({ error: (err as Error).message }, 'organisation reload failed; the previous file stays in force');
  }
}

function printDevCredentials(token: string, key: string, file: string): void {
  process.stdout.write(
    [
      '',
      '  duban generated development WeCom credentials (shown once, kept in ' + file + '):',
      `    WECOM_TOKEN=${token}`,
      `    WECOM_ENCODING_AES_KEY=${key}`,
      '  The terminal client (npm run chat) reads them from that file. A real bot uses the console’s values.',
      '',
    ].join('\n') + '\n',
  );
}

function fail(message: string, code: number): never {
  process.stderr.write(`duban: ${message}\n`);
  process.exit(code);
}

if (require.main === module) {
  main('server').catch((err) => {
    process.stderr.write(`duban: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(ExitCode.unexpected);
  });
}
