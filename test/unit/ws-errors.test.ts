import { WSClient } from '@wecom/aibot-node-sdk';
import { LongConnectionRefused, NotConnectedError } from '../../src/wecom/long-connection';
import { isAuthFailure, sendError } from '../../src/wecom/ws-errors';
import { FakeWsServer, NO_ACK } from '../support/fake-ws-server';
import { pollUntil } from '../support/wait';

/**
 * What the real SDK (@wecom/aibot-node-sdk 1.0.7) rejects and reports with, read by
 * src/wecom/ws-errors.ts from its wording: an upgrade that changes the wording fails here.
 */
const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };
let server: FakeWsServer;
let client: WSClient | undefined;

beforeEach(async () => {
  server = new FakeWsServer();
  await server.start();
});
afterEach(async () => {
  client?.removeAllListeners();
  client?.disconnect();
  client = undefined;
  await server.stop();
});

const connect = (opts: { authAttempts?: number } = {}) => {
  client = new WSClient({ botId: 'BOT_UNIT', secret: 'UnitSecret0123456789', wsUrl: server.url, maxReconnectAttempts: -1, maxAuthFailureAttempts: opts.authAttempts ?? 1, reconnectInterval: 20, heartbeatInterval: 60_000, logger: silent });
  return client;
};

describe("the SDK's rejections, as duban reads them", () => {
  it('a refused send (the raw ack frame) becomes LongConnectionRefused with its errcode', async () => {
    const c = connect();
    const up = new Promise<void>((resolve) => c.on('authenticated', () => resolve()));
    c.connect();
    await up;
    server.scriptAcks('aibot_send_msg', [93006]);
    const err = sendError(await c.sendMessage('CHAT_X', { msgtype: 'markdown', markdown: { content: 'x' } }).then(() => undefined, (e: unknown) => e));
    expect(err).toBeInstanceOf(LongConnectionRefused);
    expect((err as LongConnectionRefused).errcode).toBe(93006);
  });

  it('a send without a socket, and replies cancelled by a drop or a manual close, become NotConnectedError', async () => {
    const idle = connect();
    // Never connected: "WebSocket not connected, unable to send data".
    expect(sendError(await idle.sendMessage('CHAT_X', { msgtype: 'markdown', markdown: { content: 'x' } }).then(() => undefined, (e: unknown) => e))).toBeInstanceOf(NotConnectedError);
    idle.disconnect();

    const c = connect();
    const up = new Promise<void>((resolve) => c.on('authenticated', () => resolve()));
    c.connect();
    await up;
    // Sends awaiting their acks when the connection drops, or is closed: cancelled with the reason.
    server.scriptAcks('aibot_send_msg', [NO_ACK, NO_ACK]);
    server.once('frame', () => server.drop());
    const dropped = await c.sendMessage('CHAT_X', { msgtype: 'markdown', markdown: { content: 'x' } }).then(() => undefined, (e: unknown) => e);
    expect(String(dropped)).toContain('WebSocket connection closed');
    expect(sendError(dropped)).toBeInstanceOf(NotConnectedError);
    await pollUntil(() => server.live !== undefined, 'reconnected');
    const pending = c.sendMessage('CHAT_X', { msgtype: 'markdown', markdown: { content: 'y' } }).then(() => undefined, (e: unknown) => e);
    await server.waitForFrame((fs) => fs.filter((f) => f.cmd === 'aibot_send_msg').length === 2);
    c.disconnect();
    const closed = await pending;
    expect(String(closed)).toContain('Connection manually closed');
    expect(sendError(closed)).toBeInstanceOf(NotConnectedError);
  });

  it("reports each refused subscribe as an error isAuthFailure recognises, then WS_AUTH_FAILURE_EXHAUSTED", async () => {
    server.scriptAuth([40014, 40014]);
    const c = connect({ authAttempts: 1 });
    const errors: Error[] = [];
    c.on('error', (e) => errors.push(e));
    c.connect();
    await pollUntil(() => errors.some((e) => (e as { code?: unknown }).code === 'WS_AUTH_FAILURE_EXHAUSTED'), 'the SDK gives up');
    const refusals = errors.filter((e) => (e as { code?: unknown }).code !== 'WS_AUTH_FAILURE_EXHAUSTED');
    expect(refusals.length).toBeGreaterThan(0);
    expect(refusals.every(isAuthFailure)).toBe(true);
    expect(refusals[0]!.message).toContain('code: 40014');
  });
});
