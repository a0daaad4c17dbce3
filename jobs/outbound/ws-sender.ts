import { UnrecoverableError, type Job } from 'bullmq';
import { NotConnectedError, type LongConnection } from '../../src/wecom/long-connection';
import { TalkedChats } from '../../src/wecom/talked-chats';
import { pushSchema } from '../push';
import { PermanentSendError } from './channels';
import { quietUntil } from './quiet-hours';
import { delay, deliver, type PushOutcome, type SenderDeps } from './sender';

export interface LongConnectionSenderDeps extends SenderDeps {
  connection: LongConnection;
  /** How long a push waits while the socket is down (reconnecting) before it is tried again. */
  reconnectWaitMs?: number;
}

/** The errcode of an unknown chatid: the long connection will never reach that chat as spelt. */
const INVALID_CHATID = 93006;

/**
 * One job of the `outbound-ws` queue, on the instance that holds the long connection: the same
 * sent-marker, quiet hours and rate limit as the outbound sender, with the long connection's
 * windows per chat (30 a minute and 1 000 an hour). While the socket is down the job waits
 * without spending an attempt. A refusal that stays (93006 and the like), or a connection that
 * stopped for good (disconnected_event, authentication), sends the push through the group robot
 * or the sink instead: never a silent dead letter.
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

  const fallback = async (reason: string) => {
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
  try {
    return await deliver(job, token, push, deps.channels.longConnection(push, deps.connection), deps);
  } catch (err) {
    if (err instanceof NotConnectedError) return delay(job, token, now + (deps.reconnectWaitMs ?? 5_000));
    if (err instanceof PermanentSendError) {
      // The chat as spelt is unknown to the long connection: later pushes there skip it too.
      if (err.errcode === INVALID_CHATID) await new TalkedChats(deps.redis, deps.keys).forget(push.chatId);
      return fallback(err.message);
    }
    throw err;
  }
}
