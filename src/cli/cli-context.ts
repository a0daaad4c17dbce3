import path from 'node:path';
import { loadDotEnv, loadEnv, type Env } from '../config/env';
import { demoOrgFile } from '../config/paths';
import { createLogger, type Logger } from '../log/logger';
import { createRedis, type RedisClient } from '../store/redis';
import { embeddedRedisUrl, startEmbeddedRedis, type EmbeddedRedis } from '../store/embedded-redis';
import { ExitCode } from '../exit-codes';

/**
 * What every operator CLI (npm run org / ledger / backup / restore) shares with the server: the
 * same .env and environment, the same ORG_FILE (the demo organisation when unset) and the same
 * Redis — REDIS_URL, else the embedded server of `make run` under DATA_DIR (joined when it runs,
 * started for the command's duration when it does not).
 */
export interface CliContext {
  env: Env;
  orgFile: string;
  logger: Logger;
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = ExitCode.unexpected,
  ) {
    super(message);
  }
}

export function cliContext(): CliContext {
  let env: Env;
  try {
    loadDotEnv();
    env = loadEnv();
  } catch (err) {
    throw new CliError(`环境变量有误：${(err as Error).message}`, ExitCode.config);
  }
  // Operator tools log to stderr at warn: stdout is for what the command reports.
  const logger = createLogger(process.env.LOG_LEVEL ?? 'warn', { destination: process.stderr as never });
  return { env, orgFile: env.ORG_FILE ?? demoOrgFile(), logger };
}

export interface CliRedis {
  url: string;
  redis: RedisClient;
  /** True when this command started the embedded server itself (nothing else was running). */
  startedEmbedded: boolean;
  close(): Promise<void>;
}

/** Connects to the server's Redis (see CliContext); close() quits and stops what it started. */
export async function openCliRedis(ctx: CliContext): Promise<CliRedis> {
  let url = ctx.env.REDIS_URL;
  let embedded: EmbeddedRedis | undefined;
  const dir = path.join(ctx.env.DATA_DIR, 'redis');
  if (!url) {
    url = embeddedRedisUrl(dir);
    if (!(await answers(url))) {
      try {
        embedded = await startEmbeddedRedis({ dir, logger: ctx.logger });
      } catch (err) {
        throw new CliError(`无法启动内置 Redis（${dir}）：${(err as Error).message}`, ExitCode.redis);
      }
      url = embedded.url;
    }
  }
  const redis = createRedis(url);
  try {
    await redis.connect();
    await redis.ping();
  } catch (err) {
    redis.disconnect();
    await embedded?.stop();
    throw new CliError(`无法连接 Redis：${(err as Error).message}`, ExitCode.redis);
  }
  return {
    url,
    redis,
    startedEmbedded: embedded !== undefined,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      await embedded?.stop();
    },
  };
}

async function answers(url: string): Promise<boolean> {
  const probe = createRedis(url, { retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1000 });
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch {
    return false;
  } finally {
    probe.disconnect();
  }
}

/**
 * A path the operator typed, resolved from the directory they typed it in: `npm run` starts the
 * command in the package root and says where it was called from in INIT_CWD.
 */
export function operatorPath(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

/** Runs a CLI's main: a CliError prints its Chinese message and exits with its code. */
export function runCli(main: (argv: string[]) => Promise<number>): void {
  process.env.TZ ??= 'Asia/Shanghai';
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      if (err instanceof CliError) {
        process.stderr.write(`duban: ${err.message}\n`);
        process.exitCode = err.code;
      } else {
        process.stderr.write(`duban: unexpected failure: ${(err as Error).stack ?? String(err)}\n`);
        process.exitCode = ExitCode.unexpected;
      }
    },
  );
}
