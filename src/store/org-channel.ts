import { z } from 'zod';
import type { Result } from 'ioredis';
import type { Logger } from '../log/logger';
import type { Keys } from './keys';
import { createRedis, type RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    orgPublish(
      current: string,
      history: string,
      yaml: string,
      hash: string,
      by: string,
      at: number,
      source: string,
      channel: string,
      onlyIfEmpty: '1' | '0',
      historyCap: number,
    ): Result<[number, number, string], Context>;
  }
}

/** Publishes kept in org:history (about; the stream is trimmed approximately). */
const HISTORY_CAP = 200;

/** The organisation every instance uses, as stored in org:current. */
const StoredOrg = z.object({
  yaml: z.string(),
  hash: z.string().min(1),
  version: z.coerce.number().int().positive(),
  by: z.string().default(''),
  at: z.coerce.number().default(0),
  source: z.string().default(''),
});
export type StoredOrg = z.infer<typeof StoredOrg>;

export interface PublishResult {
  /** False when `onlyIfEmpty` found an organisation already stored. */
  published: boolean;
  version: number;
  /** The hash it replaced ('' when none was stored); unpublished, the hash in force. */
  previous: string;
}

/**
 * The organisation in force, shared through Redis (issue 14 §3): one key holds the validated YAML
 * with its hash, version, who and when; a publish writes it, appends to the history and announces
 * "version:hash" on a channel, in one script. Every instance subscribes and re-reads the key.
 */
export class OrgChannel {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
  ) {
    defineScripts(redis);
  }

  async current(): Promise<StoredOrg | undefined> {
    const raw = await this.redis.hgetall(this.keys.orgCurrent);
    if (!raw.hash) return undefined;
    const parsed = StoredOrg.safeParse(raw);
    if (!parsed.success) throw new Error(`org:current does not read: ${parsed.error.issues[0]?.message ?? 'bad record'}`);
    return parsed.data;
  }

  async publish(org: { yaml: string; hash: string; source: string }, by: string, at: number, onlyIfEmpty: boolean): Promise<PublishResult> {
    const [published, version, previous] = await this.redis.orgPublish(
      this.keys.orgCurrent,
      this.keys.orgHistory,
      org.yaml,
      org.hash,
      by,
      at,
      org.source,
      this.keys.orgChanged,
      onlyIfEmpty ? '1' : '0',
      HISTORY_CAP,
    );
    return { published: published === 1, version: Number(version), previous: String(previous) };
  }
}

export interface OrgSubscription {
  stop(): Promise<void>;
}

/**
 * Listens on the channel with a connection of its own (a subscribed connection can run nothing
 * else). `onChange` runs on every announcement and after every reconnect: an announcement made
 * while the connection was down is lost, so a reconnect re-reads the key in case.
 */
export async function subscribeOrgChanges(redisUrl: string, keys: Keys, logger: Logger, onChange: (why: 'message' | 'reconnect') => void): Promise<OrgSubscription> {
  // No per-command retry limit: the subscription waits out an outage and is renewed after it.
  // Named, so CLIENT LIST tells it from the command connections.
  const sub = createRedis(redisUrl, { maxRetriesPerRequest: null, connectionName: `${keys.prefix.replace(/[^A-Za-z0-9:_.-]/gu, '_')}org-sub` });
  sub.on('error', (err: Error) => logger.warn({ err: err.message }, 'org subscriber connection error'));
  let ready = false;
  sub.on('ready', () => {
    if (ready) onChange('reconnect');
    ready = true;
  });
  sub.on('message', (channel: string) => {
    if (channel === keys.orgChanged) onChange('message');
  });
  await sub.subscribe(keys.orgChanged);
  return {
    async stop() {
      if (sub.status === 'ready') await sub.quit().catch(() => sub.disconnect());
      else sub.disconnect();
    },
  };
}
