import type { TemplateCard } from '../transport/template-card';

/**
 * What the push worker may ask of the long connection (WECOM_TRANSPORT=ws): its state, and a
 * proactive send (aibot_send_msg, docs/wecom-protocol.md §3.6) into a chat that has talked to the
 * bot. Implemented by the WsTransport of the instance holding the connection's lease.
 */
export type LongConnectionState = 'standby' | 'connecting' | 'connected' | 'stopped';

/** An aibot_send_msg body; `chat_type` 1 single, 2 group where the chat's type is known (docs/wecom-protocol.md §3.6). */
export type LongConnectionBody = ({ msgtype: 'markdown'; markdown: { content: string } } | { msgtype: 'template_card'; template_card: TemplateCard }) & { chat_type?: 1 | 2 };

export interface LongConnection {
  readonly state: LongConnectionState;
  /** When it entered that state (ms since the epoch): how long a push has waited for the socket. */
  readonly since: number;
  /** Resolves on WeCom's ack; throws LongConnectionRefused (errcode ≠ 0) or NotConnectedError. */
  send(chatId: string, body: LongConnectionBody): Promise<void>;
}

/** WeCom acked a frame with a non-zero errcode. */
export class LongConnectionRefused extends Error {
  constructor(
    readonly errcode: number,
    errmsg: string,
  ) {
    super(`long connection refused: errcode ${errcode} (${errmsg.slice(0, 80)})`);
  }
}

/** No socket to send on (connecting, reconnecting, or this instance does not hold the connection). */
export class NotConnectedError extends Error {}
