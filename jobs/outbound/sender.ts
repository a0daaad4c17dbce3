import { createHash } from 'node:crypto';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { RedisClient } from '../../src/store/redis';
import type { Clock } from '../../src/clock';
import type { Env } from '../../src/config/env';
import type { Org } from '../../src/domain/org';
import type { Logger } from '../../src/log/logger';
import type { Keys } from '../../src/store/keys';
import { pushSchema, type Push } from '../push';
import { PermanentSendError, SinkChannel, ThrottledError, WebhookChannel, type Channel } from './channels';
import { quietUntil } from './quiet-hours';
import type { RateLimiter, Share } from './rate-limit';

export interface SenderDeps {
  redis: RedisClient;
  keys: Keys;
  org: () => Org;
  env: Pick<Env, 'WECOM_API_BASE'>;
  clock: Clock;
  limiter: RateLimiter;
  logger: Logger;
  /** How long to wait after WeCom's 45009. */
  throttleMs?: number;
}

/**
 * Pushes people ask for (/催办) may use at most half of each robot's 20 a minute, so a flood of
 * them never holds up the scheduled reminders, digests and bulletins.
 */
const AD_HOC_KINDS: ReadonlySet<Push['kind']> = new Set(['remind-now', 'fix-reported']);
export const AD_HOC_SHARE: Share = { tag: 'adhoc', limit: 10 };

/** Delivered pushes are remembered for a month: a slot is pushed once even if its job runs again. */
const SENT_TTL_SECONDS = 30 * 86_400;

/**
 * Processes one outbound job: skip if already sent; wait out quiet hours and the destination's
 * rate limit (the job is delayed, not failed); send; mark sent. Network trouble and WeCom
 * errcodes throw to retry with backoff; permanent refusals fail at once (dead letter).
 */
export async function processPush(job: Job, token: string | undefined, deps: SenderDeps): Promise<'sent' | 'already-sent'> {
  const parsed = pushSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid push data: ${parsed.error.issues[0]?.message}`);
  const push = parsed.data;
  const sentKey = deps.keys.sent(push.id);
  if (await deps.redis.exists(sentKey)) return 'already-sent';

  const org = deps.org();
  const now = deps.clock.now().getTime();
  const quiet = quietUntil(now, org.policy.quietHours);
  if (quiet !== undefined) return delay(job, token, quiet);

  const chat = org.chat(push.chatId);
  const channel: Channel = chat?.webhookKey
    ? new WebhookChannel(deps.env.WECOM_API_BASE, chat.webhookKey)
    : new SinkChannel(deps.redis, deps.keys.pushes, deps.logger);
  // The limit belongs to the robot (its key), not to the job: never log or key by the secret itself.
  const destination = chat?.webhookKey ? `webhook-${createHash('sha1').update(chat.webhookKey).digest('hex').slice(0, 16)}` : `sink-${push.chatId}`;
  const taken = await deps.limiter.take(destination, now, `${push.id}#${job.attemptsMade}#${now}`, AD_HOC_KINDS.has(push.kind) ? AD_HOC_SHARE : undefined);
  if (taken.waitMs > 0) return delay(job, token, now + taken.waitMs);

  try {
    await channel.send(push);
  } catch (err) {
    if (err instanceof ThrottledError) return delay(job, token, now + (deps.throttleMs ?? 60_000));
    if (err instanceof PermanentSendError) throw new UnrecoverableError(err.message);
    throw err;
  }
  // The marker first: until it is set, a crash means the push goes out again, so it must follow
  // WeCom's answer by one round trip, not wait behind the rate limiter's bookkeeping.
  await deps.redis.set(sentKey, String(now), 'EX', SENT_TTL_SECONDS);
  await deps.limiter.sent(destination, deps.clock.now().getTime(), taken.member);
  deps.logger.info({ push: push.id, chat: push.chatId, kind: push.kind, channel: channel.name }, 'push sent');
  return 'sent';
}

/** Moves the job back to delayed without spending an attempt (BullMQ's manual delay). */
async function delay(job: Job, token: string | undefined, until: number): Promise<never> {
  await job.moveToDelayed(until, token);
  throw new DelayedError();
}
