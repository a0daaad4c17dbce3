import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { RedisClient } from '../../src/store/redis';
import type { Clock } from '../../src/clock';
import type { Org } from '../../src/domain/org';
import type { Logger } from '../../src/log/logger';
import type { Keys } from '../../src/store/keys';
import { pushSchema, type Push } from '../push';
import { FileRefusedError, MediaExpiredError, PermanentSendError, ThrottledError, uploadRefusal, WebhookChannel } from './channels';
import type { ChannelChoice, Channels } from './channel-choice';
import { LongConnectionForward } from './long-connection-channel';
import { quietUntil } from './quiet-hours';
import type { RateLimiter, Share } from './rate-limit';

export interface SenderDeps {
  redis: RedisClient;
  keys: Keys;
  org: () => Org;
  clock: Clock;
  limiter: RateLimiter;
  /** Which channel a push goes out on (jobs/outbound/channel-choice.ts). */
  channels: Channels;
  logger: Logger;
  /** How long to wait after WeCom's 45009. */
  throttleMs?: number;
  /** DATA_DIR/exports: where a file push's `file.path` is. */
  exportsDir: string;
}

/**
 * Pushes people ask for (/催办) may use at most half of each robot's 20 a minute, so a flood of
 * them never holds up the scheduled reminders, digests and bulletins.
 */
const AD_HOC_KINDS: ReadonlySet<Push['kind']> = new Set(['remind-now', 'fix-reported', 'file']);
export const AD_HOC_SHARE: Share = { tag: 'adhoc', limit: 10 };

/** Delivered pushes are remembered for a month: a slot is pushed once even if its job runs again. */
export const SENT_TTL_SECONDS = 30 * 86_400;

/** A media_id is valid 3 days (docs/wecom-protocol.md §4.3); reuse it well within that. */
const MEDIA_TTL_SECONDS = 2 * 86_400;

export type PushOutcome = 'sent' | 'already-sent' | 'refused' | 'forwarded';

/**
 * Processes one outbound job: skip if already sent; wait out quiet hours and the destination's
 * rate limit (the job is delayed, not failed); send; mark sent. Network trouble and WeCom
 * errcodes throw to retry with backoff; permanent refusals fail at once (dead letter). A push
 * bound for the long connection is handed to the `outbound-ws` queue (its holder sends it).
 */
export async function processPush(job: Job, token: string | undefined, deps: SenderDeps): Promise<PushOutcome> {
  const parsed = pushSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid push data: ${parsed.error.issues[0]?.message}`);
  const push = parsed.data;
  if (await deps.redis.exists(deps.keys.sent(push.id))) return 'already-sent';

  const org = deps.org();
  const now = deps.clock.now().getTime();
  const quiet = quietUntil(now, org.policy.quietHours);
  if (quiet !== undefined) return delay(job, token, quiet);

  // The limit belongs to the destination (a robot's key, a long-connection chat), not to the job.
  const choice = await deps.channels.choose(push, org.chat(push.chatId));
  if (choice.channel instanceof LongConnectionForward) {
    await choice.channel.send(push);
    deps.logger.debug({ push: push.id, chat: push.chatId, kind: push.kind }, 'push handed to the long connection');
    return 'forwarded';
  }
  if (push.file && choice.channel instanceof WebhookChannel) return sendFile(job, token, push, push.file, choice.channel, choice.destination, deps);
  return deliverOrDeadLetter(job, token, push, choice, deps);
}

/**
 * One push through one channel: a slot in each of the destination's windows (or a delay until
 * one is free), the send, then the sent-marker. Send errors are thrown as they came.
 */
export async function deliver(job: Job, token: string | undefined, push: Push, choice: ChannelChoice, deps: SenderDeps): Promise<PushOutcome> {
  const { channel, destination, windows } = choice;
  const now = deps.clock.now().getTime();
  const taken = await deps.limiter.take(destination, now, `${push.id}#${job.attemptsMade}#${now}`, AD_HOC_KINDS.has(push.kind) ? AD_HOC_SHARE : undefined, windows);
  if (taken.waitMs > 0) return delay(job, token, now + taken.waitMs);

  try {
    await channel.send(push);
  } catch (err) {
    if (err instanceof ThrottledError) return delay(job, token, now + (deps.throttleMs ?? 60_000));
    throw err;
  }
  // The marker first: until it is set, a crash means the push goes out again, so it must follow
  // WeCom's answer by one round trip, not wait behind the rate limiter's bookkeeping.
  await deps.redis.set(deps.keys.sent(push.id), String(now), 'EX', SENT_TTL_SECONDS);
  await deps.limiter.sent(destination, deps.clock.now().getTime(), taken.member);
  deps.logger.info({ push: push.id, chat: push.chatId, kind: push.kind, channel: channel.name }, 'push sent');
  return 'sent';
}

/** deliver(), with a permanent refusal failing the job at once (a dead letter) instead of retrying. */
async function deliverOrDeadLetter(job: Job, token: string | undefined, push: Push, choice: ChannelChoice, deps: SenderDeps): Promise<PushOutcome> {
  try {
    return await deliver(job, token, push, choice, deps);
  } catch (err) {
    if (err instanceof PermanentSendError) throw new UnrecoverableError(err.message);
    throw err;
  }
}

/**
 * A file through the group robot: upload, then the `file` message (docs/wecom-protocol.md §4.3).
 * Both calls take a slot of the robot's 20 a minute — WeCom does not say whether an upload
 * counts, so it is assumed to. The media_id is kept between the two, so a send that has to wait
 * for the limit (or is retried) does not upload the file again.
 */
async function sendFile(job: Job, token: string | undefined, push: Push, file: NonNullable<Push['file']>, channel: WebhookChannel, destination: string, deps: SenderDeps): Promise<PushOutcome> {
  const share = AD_HOC_KINDS.has(push.kind) ? AD_HOC_SHARE : undefined;
  const mediaKey = deps.keys.exportMedia(destination, file.id);
  let mediaId = await deps.redis.get(mediaKey);
  const log = { push: push.id, chat: push.chatId, kind: push.kind, file: file.id };
  const refuse = async (reason: string) => {
    // Not a dead letter: nothing a retry or an operator can mend, and the reply's link serves the file.
    deps.logger.warn({ ...log, reason }, 'file not sent through the group robot; its download link still works');
    await deps.redis.set(deps.keys.sent(push.id), String(deps.clock.now().getTime()), 'EX', SENT_TTL_SECONDS);
    return 'refused' as const;
  };

  if (!mediaId) {
    const full = path.join(deps.exportsDir, file.path);
    const size = await stat(full).then((s) => s.size, () => undefined);
    if (size === undefined) throw new UnrecoverableError(`file ${file.path} is not in ${deps.exportsDir} on this instance (expired, or DATA_DIR is not shared between instances)`);
    const refusal = uploadRefusal(size);
    if (refusal) return refuse(refusal);
    const now = deps.clock.now().getTime();
    const taken = await deps.limiter.take(destination, now, `${push.id}#upload#${job.attemptsMade}#${now}`, share);
    if (taken.waitMs > 0) return delay(job, token, now + taken.waitMs);
    try {
      mediaId = await channel.upload(file.name, await readFile(full));
    } catch (err) {
      if (err instanceof FileRefusedError) return refuse(err.message);
      return failed(err, job, token, now, deps);
    }
    await deps.redis.set(mediaKey, mediaId, 'EX', MEDIA_TTL_SECONDS);
    await deps.limiter.sent(destination, deps.clock.now().getTime(), taken.member);
  }

  const now = deps.clock.now().getTime();
  const taken = await deps.limiter.take(destination, now, `${push.id}#${job.attemptsMade}#${now}`, share);
  if (taken.waitMs > 0) return delay(job, token, now + taken.waitMs);
  try {
    await channel.sendFile(mediaId);
  } catch (err) {
    if (err instanceof MediaExpiredError) {
      await deps.redis.del(mediaKey);
      throw new Error(`${err.message}; uploading again on the next attempt`);
    }
    return failed(err, job, token, now, deps);
  }
  await deps.redis.set(deps.keys.sent(push.id), String(now), 'EX', SENT_TTL_SECONDS);
  await deps.limiter.sent(destination, deps.clock.now().getTime(), taken.member);
  deps.logger.info({ ...log, channel: channel.name }, 'push sent');
  return 'sent';
}

/** Sorts a send failure as processPush does: wait out 45009, fail a permanent refusal at once, retry the rest. */
async function failed(err: unknown, job: Job, token: string | undefined, now: number, deps: SenderDeps): Promise<never> {
  if (err instanceof ThrottledError) return delay(job, token, now + (deps.throttleMs ?? 60_000));
  if (err instanceof PermanentSendError) throw new UnrecoverableError(err.message);
  throw err;
}

/** Moves the job back to delayed without spending an attempt (BullMQ's manual delay). */
export async function delay(job: Job, token: string | undefined, until: number): Promise<never> {
  await job.moveToDelayed(until, token);
  throw new DelayedError();
}
