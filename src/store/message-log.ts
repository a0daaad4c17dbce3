import type { RedisClient } from './redis';
import { z } from 'zod';
import { sha1Hex } from '../wecom/crypto';
import type { Keys } from './keys';
import { parseJsonOrUndefined } from '../parsing/json';
import { templateCardSchema, type TemplateCard } from '../transport/template-card';

/**
 * Callbacks already seen, by msgid (WeCom re-sends a callback it got no answer to). The record
 * is claimed with SET NX before any side effect and later holds the reply, so a re-sent callback
 * gets the same answer without running the command again. Its key doubles as the stream id of
 * the passive reply, so stream-refresh callbacks can find the answer too.
 */
const recordSchema = z.discriminatedUnion('status', [
  z.object({ status: z.literal('pending') }),
  // The reply as it was first answered, card included, so a re-sent callback gets the same one.
  z.object({ status: z.literal('done'), markdown: z.string(), card: templateCardSchema.optional() }),
]);
export type MessageRecord = z.output<typeof recordSchema>;
const PENDING = JSON.stringify({ status: 'pending' } satisfies MessageRecord);

export const MESSAGE_TTL_SECONDS = 3600;
/**
 * How long a claim without a reply holds: longer than any command takes, shorter than WeCom's
 * retries (5 s × 3). An instance that died after claiming does not swallow the message for good.
 */
export const PENDING_LEASE_SECONDS = 10;

export class MessageLog {
  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    private readonly ttlSeconds = MESSAGE_TTL_SECONDS,
    private readonly leaseSeconds = PENDING_LEASE_SECONDS,
  ) {}

  /** The passive-reply stream id of a message: stable across retries, opaque to users. */
  streamId(msgid: string): string {
    return sha1Hex(msgid);
  }

  /** The record's key for a message (commit-once.lua writes it beside the commit). */
  keyOf(msgid: string): string {
    return this.keys.message(this.streamId(msgid));
  }

  /** How long an answered message is remembered. */
  get answeredTtlSeconds(): number {
    return this.ttlSeconds;
  }

  /** The record of an answer, as stored. */
  static answered(reply: { markdown: string; card?: TemplateCard | undefined }): string {
    return JSON.stringify({ status: 'done', markdown: reply.markdown, ...(reply.card ? { card: reply.card } : {}) } satisfies MessageRecord);
  }

  /** A stored record read back (commit-once's answer for a message seen before). */
  static parse(raw: string): MessageRecord {
    const parsed = recordSchema.safeParse(parseJsonOrUndefined(raw));
    return parsed.success ? parsed.data : { status: 'pending' };
  }

  /** Returns 'claimed' for a first sighting, else the record left by the earlier attempt. */
  async claim(msgid: string): Promise<'claimed' | MessageRecord> {
    const key = this.keys.message(this.streamId(msgid));
    const ok = await this.redis.set(key, PENDING, 'EX', this.leaseSeconds, 'NX');
    if (ok === 'OK') return 'claimed';
    return (await this.byStreamId(this.streamId(msgid))) ?? { status: 'pending' };
  }

  async complete(msgid: string, reply: { markdown: string; card?: TemplateCard | undefined }): Promise<void> {
    await this.redis.set(this.keys.message(this.streamId(msgid)), MessageLog.answered(reply), 'EX', this.ttlSeconds);
  }

  /** The record of an earlier attempt at this msgid, if any (read-only; claim() to take it). */
  async peek(msgid: string): Promise<MessageRecord | undefined> {
    return this.byStreamId(this.streamId(msgid));
  }

  /** Gives a claim back (the attempt failed before answering), unless a reply was recorded. */
  async release(msgid: string): Promise<void> {
    const key = this.keys.message(this.streamId(msgid));
    if ((await this.redis.get(key)) === PENDING) await this.redis.del(key);
  }

  async byStreamId(streamId: string): Promise<MessageRecord | undefined> {
    if (!/^[0-9a-f]{40}$/.test(streamId)) return undefined;
    const raw = await this.redis.get(this.keys.message(streamId));
    if (!raw) return undefined;
    // An unreadable record (older shape) counts as pending: never re-run a command for it.
    return MessageLog.parse(raw);
  }
}

