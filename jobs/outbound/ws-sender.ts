import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import type { Env } from '../../src/config/env';
import { NotConnectedError, type LongConnection } from '../../src/wecom/long-connection';
import { TalkedChats } from '../../src/wecom/talked-chats';
import { pushSchema, type Push } from '../push';
import { PermanentSendError } from './channels';
import type { ChannelChoice } from './channel-choice';
import { wordsOf } from './long-connection-channel';
import { quietUntil } from './quiet-hours';
import { delay, deliver, SENT_TTL_SECONDS, type PushOutcome, type SenderDeps } from './sender';

export interface LongConnectionSenderDeps extends SenderDeps {
  env: Pick<Env, 'WECOM_BOT_ID'>;
  connection: LongConnection;
  /** How long a push waits while the socket is down (reconnecting) before it is tried again. */
  reconnectWaitMs?: number;
  /**
   * How long the socket may stay down before its pushes go through the group robot instead
   * (default: as long as /healthz waits before naming it a problem).
   */
  downFallbackMs?: number;
}

/** The errcode of an unknown chatid: the long connection will never reach that chat as spelt. */
const INVALID_CHATID = 93006;

/** /healthz names a connection that has not come back for a minute (src/server/health-transport.ts). */
export const DOWN_FALLBACK_MS = 60_000;

/**
 * One job of the `outbound-ws` queue, on the instance that holds the long connection: the same
 * sent-marker, quiet hours and rate limit as the outbound sender, with the long connection's
 * windows per chat. A carded push sends its words, then its card: two slots, the words marked
 * sent on their own (`<id>#text`) so a retry does not repeat them. While the socket is down the
 * job waits without spending an attempt, for a minute at most. A refusal that stays (93006 and
 * the like), a socket down for longer, the last attempt's failure, or a connection that stopped
 * for good (disconnected_event, authentication) sends the push through the group robot or the
 * sink instead: never a silent dead letter.
 */
export async function processLongConnectionPush(job: Job, token: string | undefined, deps: LongConnectionSenderDeps): Promise<PushOutcome> {
  const parsed = pushSchema.safeParse(job.data);
  if (!parsed.success) throw new UnrecoverableError(`invalid push data: ${parsed.error.issues[0]?.message}`);
  const push = parsed.data;
  if (await deps.redis.exists(deps.keys.sent(push.id))) return 'already-sent';
  const org = deps.org();
  const now = deps.clock.now().getTime();
  const quiet = quietUntil(now, org.policy.quietHours);
  if (quiet !== undefined) return delay(job, token, quiet);
  const chat = org.chat(push.chatId);
  const words = wordsOf(push);
  const wordsSent = async () => push.card !== undefined && (await deps.redis.exists(deps.keys.sent(words.id))) === 1;

  const fallback = async (reason: string) => {
    if (await wordsSent()) {
      // The words got there over the long connection: the card is what failed; do not repeat them.
      deps.logger.warn({ push: push.id, chat: push.chatId, kind: push.kind, reason }, 'card not sent over the long connection; its words were');
      await deps.redis.set(deps.keys.sent(push.id), String(deps.clock.now().getTime()), 'EX', SENT_TTL_SECONDS);
      return 'sent' as const;
    }
    const choice = deps.channels.fallback(push, chat);
    deps.logger.warn({ push: push.id, chat: push.chatId, kind: push.kind, reason, channel: choice.channel.name }, 'long connection cannot take the push; sending it through the other channel');
    try {
      return await deliver(job, token, push, choice, deps);
    } catch (err) {
      if (err instanceof PermanentSendError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };

  if (deps.connection.state === 'stopped') return fallback('long connection stopped');
  const choice = deps.channels.longConnection(push, deps.connection);
  try {
    return await sendOver(job, token, push, words, choice, wordsSent, deps);
  } catch (err) {
    if (err instanceof NotConnectedError) {
      const downMs = now - deps.connection.since;
      const bound = deps.downFallbackMs ?? DOWN_FALLBACK_MS;
      if (deps.connection.state !== 'connected' && downMs >= bound) return fallback(`long connection ${deps.connection.state} for ${Math.round(downMs / 1000)} s`);
      return delay(job, token, now + (deps.reconnectWaitMs ?? 5_000));
    }
    if (err instanceof PermanentSendError) {
      // The chat as spelt is unknown to the long connection: later pushes there skip it too.
      if (err.errcode === INVALID_CHATID) await new TalkedChats(deps.redis, deps.keys, deps.env.WECOM_BOT_ID ?? '').forget(push.chatId);
      return fallback(err.message);
    }
    // The last attempt: the other channel rather than a dead letter.
    if (job.attemptsMade + 1 >= (job.opts.attempts ?? 1) && !(err instanceof DelayedError)) return fallback(`last attempt failed: ${(err as Error).message}`);
    throw err;
  }
}

/** The words (once), then the card, each in a slot of the chat's windows; a push without a card is its words. */
async function sendOver(job: Job, token: string | undefined, push: Push, words: Push, choice: ChannelChoice, wordsSent: () => Promise<boolean>, deps: LongConnectionSenderDeps): Promise<PushOutcome> {
  if (push.card && !(await wordsSent())) await deliver(job, token, words, choice, deps);
  return deliver(job, token, push, choice, deps);
}
