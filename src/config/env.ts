import { existsSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { parseRedisUrl } from '../store/redis';
import { DEFAULT_MEDIA_HOSTS, parseMediaHosts } from '../../jobs/evidence/media-hosts';

/** Environment variables (docs/design.md §7). Every variable is documented in .env.example. */
const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const optionalString = z.preprocess(emptyToUndefined, z.string().optional());
/** Milliseconds, a whole number ≥ 1; unset keeps the library's default. */
const optionalMs = z.preprocess(
  emptyToUndefined,
  z
    .string()
    .regex(/^\d{1,9}$/, 'must be a whole number of milliseconds')
    .transform(Number)
    .pipe(z.number().min(1, 'must be at least 1 millisecond'))
    .optional(),
);

export const envSchema = z
  .object({
    NODE_ENV: z.preprocess(emptyToUndefined, z.enum(['development', 'production', 'test']).default('development')),
    WECOM_TOKEN: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^[A-Za-z0-9]{1,32}$/, 'must be 1–32 letters or digits, as in the WeCom admin console').optional(),
    ),
    WECOM_ENCODING_AES_KEY: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^[A-Za-z0-9]{43}$/, 'must be exactly 43 letters or digits').optional(),
    ),
    WECOM_BOT_NAMES: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default('督办助手')
        .transform((s) => s.split(/[,，]/).map((n) => n.trim()).filter(Boolean))
        .pipe(z.array(z.string()).min(1, 'must name the bot at least once, e.g. 督办助手')),
    ),
    WECOM_TRANSPORT: z.preprocess(emptyToUndefined, z.enum(['webhook', 'ws']).default('webhook')),
    WECOM_BOT_ID: optionalString,
    // The intelligent robot's id (aibotid in every callback). Set, callbacks for another robot that
    // shares this URL and Token (a copied configuration) are refused instead of acted on.
    WECOM_AIBOT_ID: z.preprocess(emptyToUndefined, z.string().regex(/^\S{1,256}$/, 'must be the robot id as WeCom shows it, without spaces').optional()),
    WECOM_BOT_SECRET: optionalString,
    // The long connection's address (WECOM_TRANSPORT=ws): a private deployment's own, or a local
    // fake in tests. Unset: the SDK's wss://openws.work.weixin.qq.com.
    WECOM_WS_URL: z.preprocess(emptyToUndefined, z.url({ protocol: /^wss?$/, error: 'must be a ws(s) URL, e.g. wss://openws.work.weixin.qq.com' }).optional()),
    WECOM_API_BASE: z.preprocess(
      emptyToUndefined,
      z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL' })
        .default('https://qyapi.weixin.qq.com')
        .transform((u) => u.replace(/\/+$/, '')),
    ),
    // Loopback unless told otherwise: a development bot is not reachable from the network by
    // accident; a proxy on another host (or WeCom directly) needs HOST=0.0.0.0.
    HOST: z.preprocess(emptyToUndefined, z.string().default('127.0.0.1')),
    PORT: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .regex(/^\d{1,5}$/, 'must be a port number 0–65535')
        .transform(Number)
        .pipe(z.number().max(65535, 'must be a port number 0–65535'))
        .default(3000),
    ),
    TRUST_PROXY: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('false').transform((v) => v === 'true')),
    // Bearer token for /metrics and the detailed /healthz. Unset, only loopback clients get them.
    ADMIN_TOKEN: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^[\x21-\x7e]{16,256}$/, 'must be 16–256 printable ASCII characters without spaces, e.g. from `openssl rand -hex 32`').optional(),
    ),
    REDIS_URL: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .superRefine((url, ctx) => {
          try {
            parseRedisUrl(url);
          } catch (err) {
            ctx.addIssue({ code: 'custom', message: (err as Error).message });
          }
        })
        .optional(),
    ),
    REDIS_KEY_PREFIX: z.preprocess(
      emptyToUndefined,
      // No braces: duban places its own hash tags ({ledger}, {bull}); one in the prefix would pull
      // every key into one Redis Cluster slot.
      z.string().regex(/^[A-Za-z0-9_.-]+:$/, 'must be letters/digits ending with ":", e.g. duban: (no braces)').default('duban:'),
    ),
    // The base URL people's browsers reach duban at, for the signed download links of generated
    // files. Unset: http://127.0.0.1:<the port duban listens on> (make run on one machine).
    PUBLIC_URL: z.preprocess(
      emptyToUndefined,
      z
        .url({ protocol: /^https?$/, error: 'must be an http(s) URL, e.g. https://duban.example.gov.cn' })
        // The links append /files/…: a query, a fragment or a password in the base would break or leak.
        .refine((u) => {
          // zod runs this check even when the URL check above failed: leave that one to report.
          if (!URL.canParse(u)) return true;
          const url = new URL(u);
          return !url.search && !url.hash && !url.username && !url.password;
        }, 'must be a base URL without query, fragment or credentials, e.g. https://duban.example.gov.cn/duban')
        .transform((u) => u.replace(/\/+$/, ''))
        .optional(),
    ),
    // The key of the download links' signatures. Unset: derived from the callback EncodingAESKey,
    // or on the long connection without one from WECOM_BOT_SECRET, so every instance of one bot
    // agrees without setup.
    LINK_SECRET: z.preprocess(
      emptyToUndefined,
      z.string().regex(/^[\x21-\x7e]{32,256}$/, 'must be 32–256 printable ASCII characters without spaces, e.g. from `openssl rand -hex 32`').optional(),
    ),
    DATA_DIR: z.preprocess(emptyToUndefined, z.string().default('./data').transform((p) => path.resolve(p))),
    // Where evidence photos may be downloaded from (https only; `http://host` for one named host):
    // the link rides in Redis, and must not be able to point the worker anywhere else.
    EVIDENCE_MEDIA_HOSTS: z.preprocess(
      emptyToUndefined,
      z
        .string()
        .default(DEFAULT_MEDIA_HOSTS)
        .transform((text, ctx) => {
          const rules = parseMediaHosts(text);
          if (typeof rules === 'string') {
            ctx.addIssue({ code: 'custom', message: rules });
            return z.NEVER;
          }
          return rules;
        }),
    ),
    ORG_FILE: z.preprocess(emptyToUndefined, z.string().optional().transform((p) => (p ? path.resolve(p) : undefined))),
    RUN_WORKERS: z.preprocess(emptyToUndefined, z.enum(['true', 'false']).default('true').transform((v) => v === 'true')),
    // BullMQ's job lock and stalled-job check (both 30 s by default): how soon the jobs of a
    // worker that died are taken up by another.
    JOB_LOCK_MS: optionalMs,
    JOB_STALLED_INTERVAL_MS: optionalMs,
    // How long the app's Redis commands may go unanswered before they fail (the callback gets a
    // 503, the chat "not handled"). Without it a command in flight when the connection drops
    // behind a proxy that then accepts and closes waits until Redis is back: ioredis keeps it for
    // resending, and maxRetriesPerRequest never fails it. WeCom drops a callback after 5 s anyway.
    REDIS_COMMAND_TIMEOUT_MS: optionalMs.transform((v) => v ?? 5_000),
    /** How long a stop (SIGTERM) may take before the process exits anyway (e.g. Redis is gone). */
    STOP_TIMEOUT_MS: optionalMs.transform((v) => v ?? 20_000),
    LOG_LEVEL: z.preprocess(
      emptyToUndefined,
      z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    ),
  })
  .superRefine((env, ctx) => {
    if (env.WECOM_TRANSPORT === 'ws') {
      // Both named at once, with where to find them: one start should say everything that is missing.
      const missing = (['WECOM_BOT_ID', 'WECOM_BOT_SECRET'] as const).filter((key) => !env[key]);
      if (missing.length) {
        const also = missing.length > 1 ? ` (and ${missing.slice(1).join(', ')})` : '';
        ctx.addIssue({
          code: 'custom',
          path: [missing[0]!],
          message: `is required when WECOM_TRANSPORT=ws${also}: the robot's BotID and Secret from the admin console, 智能机器人 → API 模式 → 长连接`,
        });
      }
    }
    if (env.NODE_ENV === 'production' && env.WECOM_TRANSPORT === 'webhook') {
      // Dev credentials are generated only outside production: a deployed bot must use the console's.
      // The long connection needs no callback Token or AES key (docs/wecom-protocol.md §3.1).
      for (const key of ['WECOM_TOKEN', 'WECOM_ENCODING_AES_KEY'] as const) {
        if (!env[key]) ctx.addIssue({ code: 'custom', path: [key], message: 'is required when NODE_ENV=production' });
      }
    }
  });

export type Env = z.output<typeof envSchema>;

const ECHOABLE = new Set(['NODE_ENV', 'WECOM_TRANSPORT', 'HOST', 'PORT', 'TRUST_PROXY', 'RUN_WORKERS', 'REDIS_KEY_PREFIX', 'LOG_LEVEL', 'WECOM_BOT_NAMES', 'JOB_LOCK_MS', 'JOB_STALLED_INTERVAL_MS', 'STOP_TIMEOUT_MS', 'REDIS_COMMAND_TIMEOUT_MS', 'WECOM_AIBOT_ID', 'EVIDENCE_MEDIA_HOSTS']);

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses the environment; a bad value becomes one line naming the variable. */
export function loadEnv(source: NodeJS.ProcessEnv = process.env): Env {
  const result = envSchema.safeParse(source);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = issue.path.join('.') || 'environment';
  // Echo the bad value only for variables that never carry a secret (REDIS_URL may hold a password).
  const key = issue.path[0];
  const got = typeof key === 'string' && ECHOABLE.has(key) ? source[key] : undefined;
  throw new ConfigError(`${name}: ${issue.message}${got !== undefined ? ` (got "${got}")` : ''}`);
}

/** Reads ./.env into process.env when present (variables already set win), like a deployment's EnvironmentFile. */
export function loadDotEnv(file = '.env'): void {
  if (existsSync(file)) process.loadEnvFile(file);
}
