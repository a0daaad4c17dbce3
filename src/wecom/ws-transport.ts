import { z } from 'zod';
import { WSClient, type WsFrame, type WsFrameHeaders } from '@wecom/aibot-node-sdk';
import type { Clock } from '../clock';
import type { Logger } from '../log/logger';
import type { Metrics } from '../observability/metrics';
import type { MessageLog } from '../store/message-log';
import type { CardAction, Dispatch, Reply, TemplateCard, Transport } from '../transport/types';
import { callbackSchema, cardEventSchema, eventCallbackSchema } from './callback-schema';
import { LongConnectionRefused, NotConnectedError, type LongConnection, type LongConnectionBody, type LongConnectionState } from './long-connection';
import type { TalkedChats } from './talked-chats';
import { toIncoming } from './to-incoming';
import { withinReplyLimit } from './webhook-transport';
import type { ConnectionLease } from './ws-lease';
import { sdkLogger } from './ws-sdk-logger';

export interface WsTransportDeps {
  botId: string;
  secret: string;
  /** WECOM_WS_URL; unset: the SDK's wss://openws.work.weixin.qq.com. */
  wsUrl?: string | undefined;
  messages: MessageLog;
  talked: TalkedChats;
  lease: ConnectionLease;
  botNames: readonly string[];
  /** WECOM_AIBOT_ID: when set, frames naming another robot are not acted on. */
  aibotId?: string | undefined;
  clock: Clock;
  logger: Logger;
  metrics?: Pick<Metrics, 'callbacks'>;
  /** The SDK's reconnection backoff base, heartbeat and auth attempts (tests shorten them). */
  timings?: { reconnectMs?: number; heartbeatMs?: number; authAttempts?: number };
  /** Told when this instance starts and stops holding the connection (its push worker follows). */
  onHolding?: (holding: boolean) => void;
}

/** What /healthz shows of the long connection. */
export interface WsStatus {
  state: LongConnectionState;
  /** ms since the epoch, when it entered the state. */
  since: number;
  /** Why it is stopped, or what the last drop said. */
  reason?: string;
  /** Reconnection attempts since the last good connection. */
  attempts: number;
}

/** Said to the chat when the pipeline cannot run (Redis down): nothing was done, send it again. */
export const UNAVAILABLE_TEXT = '⚠️ 服务暂时不可用，这条消息没有处理，请稍后再发送一次。';
/** Said while the same message is being handled by another instance (a takeover in progress). */
const PENDING_TEXT = '处理中…';
/** How long a re-delivered message waits for the other attempt's answer before saying so. */
const PENDING_WAIT_MS = 10_000;
/** How long a stop waits for frames being answered. */
const DRAIN_MS = 5_000;

/**
 * The intelligent robot's long connection (docs/wecom-protocol.md §3) on the official SDK's
 * WSClient: the same pipeline as the callback URL, answered on each callback's req_id. Only the
 * instance holding the connection's lease connects (docs/design.md §7.5); a disconnected_event
 * (another process took the bot over) or an authentication that keeps failing stops it for good,
 * logged at error and shown by /healthz.
 */
export class WsTransport implements Transport, LongConnection {
  readonly name = 'ws';
  private client: WSClient | undefined;
  private dispatch: Dispatch | undefined;
  private current: WsStatus;
  private stopping = false;
  private lastAuthError: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: WsTransportDeps) {
    this.current = { state: 'standby', since: deps.clock.now().getTime(), attempts: 0 };
  }

  get state(): LongConnectionState {
    return this.current.state;
  }

  status(): WsStatus {
    return { ...this.current };
  }

  async start(dispatch: Dispatch): Promise<void> {
    this.dispatch = dispatch;
    this.deps.logger.info({ wsUrl: this.deps.wsUrl ?? 'default' }, 'long connection standing by for its lease');
    this.deps.lease.start({ acquired: () => this.connect(), lost: (reason) => this.letGo(reason) });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await drain(this.inFlight, DRAIN_MS);
    this.closeClient();
    if (this.deps.lease.held) this.deps.onHolding?.(false);
    await this.deps.lease.stop();
    this.dispatch = undefined;
  }

  async send(chatId: string, body: LongConnectionBody): Promise<void> {
    const client = this.client;
    if (!client || this.current.state !== 'connected') throw new NotConnectedError(`long connection is ${this.current.state}`);
    try {
      await client.sendMessage(chatId, body as Parameters<WSClient['sendMessage']>[1]);
    } catch (err) {
      throw sendError(err);
    }
  }

  private set(state: LongConnectionState, extra: Partial<WsStatus> = {}): void {
    const keepAttempts = state === 'connecting' ? this.current.attempts : 0;
    this.current = { state, since: this.deps.clock.now().getTime(), attempts: keepAttempts, ...extra };
  }

  /** The lease is ours: connect (the SDK authenticates, keeps the heartbeat and reconnects with backoff, forever). */
  private connect(): void {
    if (this.stopping || this.client) return;
    const t = this.deps.timings ?? {};
    const client = new WSClient({
      botId: this.deps.botId,
      secret: this.deps.secret,
      ...(this.deps.wsUrl ? { wsUrl: this.deps.wsUrl } : {}),
      maxReconnectAttempts: -1,
      maxAuthFailureAttempts: t.authAttempts ?? 5,
      ...(t.reconnectMs ? { reconnectInterval: t.reconnectMs } : {}),
      ...(t.heartbeatMs ? { heartbeatInterval: t.heartbeatMs } : {}),
      logger: sdkLogger(this.deps.logger),
    });
    this.client = client;
    const mine = () => this.client === client;
    client.on('authenticated', () => {
      if (!mine()) return;
      this.lastAuthError = undefined;
      this.set('connected');
      this.deps.logger.info({ state: 'connected' }, 'long connection up');
    });
    client.on('disconnected', (reason) => {
      if (!mine() || this.current.state === 'stopped') return;
      this.set('connecting', { reason });
      this.deps.logger.warn({ state: 'connecting', reason }, 'long connection dropped; reconnecting');
    });
    client.on('reconnecting', (attempt) => {
      if (mine() && this.current.state === 'connecting') this.current = { ...this.current, attempts: attempt };
    });
    client.on('error', (err) => {
      if (!mine()) return;
      const code = (err as { code?: unknown }).code;
      if (code === 'WS_AUTH_FAILURE_EXHAUSTED') {
        this.halt(`authentication failed ${t.authAttempts ?? 5} times in a row (${this.lastAuthError ?? 'no detail'}): check WECOM_BOT_ID and WECOM_BOT_SECRET against the console's 长连接 settings`);
      } else if (err.message.startsWith('Authentication failed')) {
        this.lastAuthError = err.message;
      }
    });
    client.on('message', (frame) => this.track(this.onFrame('message', frame)));
    client.on('event', (frame) => this.track(this.onFrame('event', frame)));
    this.set('connecting');
    this.deps.logger.info({ state: 'connecting' }, 'long connection lease taken; connecting');
    this.deps.onHolding?.(true);
    client.connect();
  }

  /** The lease went to another instance (or could not be renewed): disconnect and stand by. */
  private letGo(reason: string): void {
    this.closeClient();
    this.set('standby', { reason });
    this.deps.logger.warn({ state: 'standby', reason }, 'long connection lease lost; disconnected and standing by');
    this.deps.onHolding?.(false);
  }

  /**
   * Stops for good: the lease stays held (and renewed), so no other instance of this deployment
   * connects and kicks the process that took over; the push worker sends through the group robot.
   */
  private halt(reason: string, sdkStopped = false): void {
    this.closeClient(!sdkStopped);
    this.set('stopped', { reason });
    this.deps.logger.error({ state: 'stopped', reason }, 'long connection stopped');
  }

  /** `disconnect` false: the SDK already stopped by itself (after disconnected_event). */
  private closeClient(disconnect = true): void {
    const client = this.client;
    this.client = undefined;
    if (!client) return;
    if (disconnect && this.current.state !== 'stopped') client.disconnect();
    client.removeAllListeners();
  }

  private track(work: Promise<void>): void {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  /** One log line per frame, whatever happens, as the webhook logs one per request. */
  private async onFrame(kind: 'message' | 'event', frame: WsFrame): Promise<void> {
    const started = performance.now();
    const line: Record<string, unknown> = { reqId: frame.headers.req_id, kind };
    let outcome: string;
    const client = this.client;
    try {
      if (!client || this.stopping || !this.dispatch) outcome = 'not_started';
      else outcome = kind === 'message' ? await this.answerMessage(client, frame, line) : await this.answerEvent(client, frame, line);
    } catch (err) {
      outcome = 'error';
      this.deps.logger.error({ err, reqId: frame.headers.req_id }, 'frame failed');
    }
    this.deps.metrics?.callbacks.inc({ kind: `ws_${kind}`, outcome });
    const level = outcome === 'error' || outcome === 'bad_payload' || outcome === 'reply_failed' || outcome === 'wrong_bot' ? 'warn' : 'info';
    this.deps.logger[level]({ ...line, outcome, ms: Math.round(performance.now() - started) }, 'wecom frame');
  }

  private async answerMessage(client: WSClient, frame: WsFrame, line: Record<string, unknown>): Promise<string> {
    const parsed = callbackSchema.safeParse(frame.body);
    if (!parsed.success || parsed.data.msgtype === 'event' || parsed.data.msgtype === 'stream') return 'bad_payload';
    const cb = parsed.data;
    if (this.deps.aibotId !== undefined && cb.aibotid !== this.deps.aibotId) return 'wrong_bot';
    const message = { ...toIncoming(cb, 'ws', this.deps.botNames), requestId: frame.headers.req_id };
    Object.assign(line, { msgid: message.msgid, user: message.userId, chat: message.chatId });
    // The precondition of a proactive send into this chat later (docs/wecom-protocol.md §3.6).
    const recording = this.deps.talked.record(message.chatId, this.deps.clock.now().getTime()).catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message, chat: message.chatId }, 'chat not recorded as talked'));
    let reply: Reply;
    try {
      reply = await this.dispatch!(message);
    } catch (err) {
      // Nothing was done (the claim is given back): say so, so the person sends it again.
      this.deps.logger.error({ err, reqId: frame.headers.req_id, msgid: message.msgid }, 'message not handled');
      await recording;
      await this.reply(frame, 'stream', () => client.replyStream(frame, this.deps.messages.streamId(message.msgid), UNAVAILABLE_TEXT, true));
      return 'unavailable';
    }
    await recording;
    if (reply.handled) Object.assign(line, { command: reply.handled.command, result: reply.handled.outcome });
    const streamId = this.deps.messages.streamId(message.msgid);
    if (reply.pending) {
      // The same msgid is being handled by another instance (a takeover): show that, then its answer.
      if (!(await this.reply(frame, 'stream', () => client.replyStream(frame, streamId, PENDING_TEXT, false)))) return 'reply_failed';
      reply = await this.awaitRecorded(message.msgid);
    }
    if (!(await this.reply(frame, 'stream', () => client.replyStream(frame, streamId, withinReplyLimit(reply.markdown), true)))) return 'reply_failed';
    // A card of its own after the text: stream_with_template_card is unreliable on the long
    // connection (docs/wecom-protocol.md §3.5).
    const card = reply.card;
    if (card && !(await this.reply(frame, 'card', () => client.replyTemplateCard(frame, sdkCard(card))))) return 'reply_failed';
    return card ? 'replied_card' : 'replied';
  }

  private async answerEvent(client: WSClient, frame: WsFrame, line: Record<string, unknown>): Promise<string> {
    // disconnected_event names no sender (docs/wecom-protocol.md §3.4): read before the event schema.
    if (disconnectedSchema.safeParse(frame.body).success) {
      line.event = 'disconnected_event';
      this.halt('disconnected_event: another connection to this bot subscribed and took it over (a second deployment, or a copy of WECOM_BOT_SECRET elsewhere); find it, then restart this instance', true);
      return 'disconnected';
    }
    const parsed = eventCallbackSchema.safeParse(frame.body);
    if (!parsed.success) return 'bad_payload';
    const cb = parsed.data;
    const type = cb.event.eventtype;
    Object.assign(line, { event: type, msgid: cb.msgid, user: cb.from.userid });
    if (this.deps.aibotId !== undefined && cb.aibotid !== this.deps.aibotId) return 'wrong_bot';
    const requestId = frame.headers.req_id;
    if (type === 'enter_chat') {
      const reply = await this.dispatch!({ kind: 'enter', transport: 'ws', msgid: cb.msgid, userId: cb.from.userid, requestId });
      const sent = await this.reply(frame, 'welcome', () => client.replyWelcome(frame, { msgtype: 'text', text: { content: withinReplyLimit(reply.markdown) } }));
      return sent ? 'welcome' : 'reply_failed';
    }
    if (type !== 'template_card_event') return 'ignored'; // feedback_event and others: nothing to answer
    const event = cardEventSchema.safeParse(cb.event);
    if (!event.success) return 'bad_card_event';
    const action: CardAction = {
      kind: 'action',
      transport: 'ws',
      msgid: cb.msgid,
      chatType: cb.chattype ?? 'single',
      chatId: cb.chattype === 'group' && cb.chatid ? cb.chatid : cb.from.userid,
      userId: cb.from.userid,
      taskId: event.data.taskId,
      eventKey: event.data.eventKey,
      requestId,
    };
    line.chat = action.chatId;
    const reply = await this.dispatch!(action);
    if (reply.handled) Object.assign(line, { command: reply.handled.command, result: reply.handled.outcome });
    // Within WeCom's 5 s, and never aibot_respond_msg on an event's req_id (846605).
    const card = reply.card;
    if (card && !(await this.reply(frame, 'card_update', () => client.updateTemplateCard(frame, sdkCard({ ...card, task_id: action.taskId }))))) return 'reply_failed';
    // Words besides the card (a question the click asks): a message of their own into the chat.
    if (reply.markdown) {
      try {
        await client.sendMessage(action.chatId, { msgtype: 'markdown', markdown: { content: withinReplyLimit(reply.markdown) } });
      } catch (err) {
        this.deps.logger.warn({ err: sendError(err).message, reqId: requestId, msgid: cb.msgid }, 'card follow-up not delivered');
        return 'reply_failed';
      }
    }
    return card ? 'card_updated' : 'card_kept';
  }

  /** Sends one reply frame; a refusal or a dropped socket is logged and answered false. */
  private async reply(frame: WsFrameHeaders, what: string, send: () => Promise<unknown>): Promise<boolean> {
    try {
      await send();
      return true;
    } catch (err) {
      this.deps.logger.warn({ reqId: frame.headers.req_id, reply: what, err: sendError(err).message }, 'reply not delivered');
      return false;
    }
  }

  /** The answer another attempt recorded for this msgid, once it has (bounded), else "still in progress". */
  private async awaitRecorded(msgid: string): Promise<Reply> {
    const end = Date.now() + PENDING_WAIT_MS;
    while (Date.now() < end) {
      const rec = await this.deps.messages.peek(msgid);
      if (rec?.status === 'done') return { markdown: rec.markdown, ...(rec.card ? { card: rec.card } : {}) };
      await new Promise((r) => setTimeout(r, 200));
    }
    return { markdown: `${PENDING_TEXT}（这条消息仍在处理，稍后可用 /查看 确认结果）` };
  }
}

const disconnectedSchema = z.looseObject({ msgtype: z.literal('event'), event: z.looseObject({ eventtype: z.literal('disconnected_event') }) });

/** Our card (a bounded subset of WeCom's) as the SDK types it; the fields are WeCom's own names. */
function sdkCard(card: TemplateCard): Parameters<WSClient['replyTemplateCard']>[1] {
  return card as Parameters<WSClient['replyTemplateCard']>[1];
}

/**
 * The SDK rejects a refused reply with the raw ack frame ({errcode, errmsg}), not an Error
 * (docs/wecom-protocol.md §3.10): turn it into one, and a closed socket into NotConnectedError.
 */
function sendError(err: unknown): Error {
  if (err && typeof err === 'object' && !(err instanceof Error) && typeof (err as { errcode?: unknown }).errcode === 'number') {
    const f = err as { errcode: number; errmsg?: unknown };
    return new LongConnectionRefused(f.errcode, typeof f.errmsg === 'string' ? f.errmsg : '');
  }
  if (err instanceof Error) return /not connected|connection closed|manually closed|Server disconnected/i.test(err.message) ? new NotConnectedError(err.message) : err;
  return new Error(String(err));
}

/** Waits for the given work to settle, at most `ms`. */
async function drain(work: Set<Promise<void>>, ms: number): Promise<void> {
  if (!work.size) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...work]), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
