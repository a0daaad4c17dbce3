import type { Queue } from 'bullmq';
import { LongConnectionRefused, NotConnectedError, type LongConnection, type LongConnectionBody } from '../../src/wecom/long-connection';
import { pushJobOptions, type Push } from '../push';
import { fitBytes, PermanentSendError, type Channel } from './channels';

/** The long connection's markdown holds at most 20 480 bytes of UTF-8 (docs/wecom-protocol.md §3.6). */
export const LONG_CONNECTION_MAX_BYTES = 20_480;

/**
 * errcodes of an aibot_send_msg ack that a retry will not change (docs/wecom-protocol.md §3.9,
 * §4.4): an unknown chatid (93006), a bad or empty body, content too long.
 */
const PERMANENT = new Set([93006, 40008, 44004, 45002]);

/** The body a push becomes on the long connection: its card where it has one, else its words. */
export function longConnectionBody(push: Push): LongConnectionBody {
  if (push.card) return { msgtype: 'template_card', template_card: push.card };
  return { msgtype: 'markdown', markdown: { content: fitBytes(push.content, LONG_CONNECTION_MAX_BYTES) } };
}

/**
 * The proactive send over the long connection, used by the lease holder's worker only (the
 * socket is there). No socket: NotConnectedError (the worker waits); a refusal that stays:
 * PermanentSendError (the worker falls back to the group robot or the sink).
 */
export class LongConnectionChannel implements Channel {
  readonly name = 'long-connection';
  constructor(private readonly connection: LongConnection) {}

  async send(push: Push): Promise<void> {
    if (this.connection.state !== 'connected') throw new NotConnectedError(`long connection is ${this.connection.state}`);
    try {
      await this.connection.send(push.chatId, longConnectionBody(push));
    } catch (err) {
      if (err instanceof LongConnectionRefused && PERMANENT.has(err.errcode)) throw new PermanentSendError(err.errcode, err.message);
      throw err;
    }
  }
}

/**
 * A ws-bound push seen by any instance's outbound sender: handed to the `outbound-ws` queue, which
 * only the holder of the connection consumes. The job id is the push id, so handing it on twice
 * queues it once.
 */
export class LongConnectionForward implements Channel {
  readonly name = 'long-connection-forward';
  constructor(
    private readonly queue: Queue,
    private readonly backoffMs = 5_000,
  ) {}

  async send(push: Push): Promise<void> {
    await this.queue.add('push', push, { ...pushJobOptions(push), backoff: { type: 'exponential', delay: this.backoffMs } });
  }
}
