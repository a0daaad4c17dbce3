import { LongConnectionRefused, NotConnectedError } from './long-connection';

/*
 * What @wecom/aibot-node-sdk 1.0.7 rejects and reports with (dist/index.cjs.js). Its wording is
 * not an API: test/unit/ws-errors.test.ts feeds the real SDK's rejections through these, so an
 * upgrade that changes them fails there rather than in production.
 */

/** The SDK's `error` event for one refused aibot_subscribe: "Authentication failed: <errmsg> (code: <errcode>)". */
export function isAuthFailure(err: Error): boolean {
  return err.message.startsWith('Authentication failed');
}

/**
 * The messages of the SDK's rejections when there is no socket: a send while closed ("WebSocket
 * not connected, unable to send data") and replies cancelled by a close ("WebSocket connection
 * closed (…)", "Connection manually closed", "Server disconnected due to new connection").
 */
const NOT_CONNECTED = /not connected|connection closed|manually closed|Server disconnected/i;

/**
 * The SDK rejects a refused reply with the raw ack frame ({errcode, errmsg}), not an Error
 * (docs/wecom-protocol.md §3.10): turn it into one, and a closed socket into NotConnectedError.
 */
export function sendError(err: unknown): Error {
  if (err && typeof err === 'object' && !(err instanceof Error) && typeof (err as { errcode?: unknown }).errcode === 'number') {
    const f = err as { errcode: number; errmsg?: unknown };
    return new LongConnectionRefused(f.errcode, typeof f.errmsg === 'string' ? f.errmsg : '');
  }
  if (err instanceof Error) return NOT_CONNECTED.test(err.message) ? new NotConnectedError(err.message) : err;
  return new Error(String(err));
}
