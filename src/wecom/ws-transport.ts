import { WSClient, type WsFrame } from '@wecom/aibot-node-sdk';
import type { Clock } from '../clock';
import type { Logger } from '../log/logger';
import type { Metrics } from '../observability/metrics';
import type { MessageLog } from '../store/message-log';
import type { Dispatch, Transport } from '../transport/types';
import { NotConnectedError, type LongConnection, type LongConnectionBody, type LongConnectionState } from './long-connection';
import type { TalkedChats } from './talked-chats';
import { isAuthFailure, sendError } from './ws-errors';
import { answerEvent, answerMessage, type FrameDeps } from './ws-frames';
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

/**
 * A disconnected_event this soon after the last one is a second kick: another deployment keeps
 * taking the bot, so this instance stops for good instead of fighting over it.
 */
export const KICK_WINDOW_MS = 10 * 60_000;
/** How long a stop waits for frames being answered. */
const DRAIN_MS = 5_000;

/**
 * The intelligent robot's long connection (docs/wecom-protocol.md §3) on the official SDK's
 * WSClient: the same pipeline as the callback URL, answered on each callback's req_id
 * (src/wecom/ws-frames.ts). Only the instance holding the connection's lease connects
 * (docs/design.md §7.5). A disconnected_event (another process took the bot over) is retried
 * once after a lease term while the lease is still ours, and a second one stops the connection
 * for good; an authentication that keeps failing stops it and gives the lease up for a correctly
 * configured instance. Both are logged at error and shown by /healthz.
 */
export class WsTransport implements Transport, LongConnection {
  readonly name = 'ws';
  private client: WSClient | undefined;
  private dispatch: Dispatch | undefined;
  private current: WsStatus;
  private stopping = false;
  private lastAuthError: string | undefined;
  private lastKick: number | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private readonly frameDeps: FrameDeps;

  constructor(private readonly deps: WsTransportDeps) {
    this.current = { state: 'standby', since: deps.clock.now().getTime(), attempts: 0 };
    this.frameDeps = { messages: deps.messages, talked: deps.talked, botNames: deps.botNames, aibotId: deps.aibotId, clock: deps.clock, logger: deps.logger };
  }

  get state(): LongConnectionState {
    return this.current.state;
  }

  /** When the connection entered its state (ms since the epoch). */
  get since(): number {
    return this.current.since;
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
    clearTimeout(this.retryTimer);
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
    if (this.stopping || this.client || this.current.state === 'stopped') return;
    clearTimeout(this.retryTimer);
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
        void this.giveUp(`authentication failed ${t.authAttempts ?? 5} times in a row (${this.lastAuthError ?? 'no detail'}): check WECOM_BOT_ID and WECOM_BOT_SECRET against the console's 长连接 settings`);
      } else if (isAuthFailure(err)) {
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
    clearTimeout(this.retryTimer);
    this.closeClient();
    if (this.current.state === 'stopped') return;
    this.set('standby', { reason });
    this.deps.logger.warn({ state: 'standby', reason }, 'long connection lease lost; disconnected and standing by');
    this.deps.onHolding?.(false);
  }

  /**
   * disconnected_event: another connection subscribed with this bot's credentials. The first
   * time, while the lease is still ours (a holder that lost track of the lease for a moment may
   * have connected), try once more after a term; the second time within KICK_WINDOW_MS it is
   * another deployment: stop for good.
   */
  private kicked(): void {
    const now = this.deps.clock.now().getTime();
    const reason = 'disconnected_event: another connection to this bot subscribed and took it over (a second deployment, or a copy of WECOM_BOT_SECRET elsewhere)';
    if (this.lastKick !== undefined && now - this.lastKick < KICK_WINDOW_MS) {
      this.halt(`${reason}, twice within ${KICK_WINDOW_MS / 60_000} minutes; find it, then restart this instance`, true);
      return;
    }
    this.lastKick = now;
    // The SDK stopped by itself; a new client connects after a term if the lease is still ours.
    this.closeClient(false);
    this.set('connecting', { reason: `${reason}; trying once more in ${Math.round(this.deps.lease.termMs / 1000)} s while this instance holds the lease` });
    this.deps.logger.warn({ state: 'connecting', reason }, 'long connection taken over; retrying once after a lease term');
    this.retryTimer = setTimeout(() => {
      if (this.deps.lease.held) this.connect();
    }, this.deps.lease.termMs);
  }

  /**
   * Stops for good after disconnected_event: the lease stays held (and renewed), so no other
   * instance of this deployment connects and kicks the process that took over; the push worker
   * sends through the group robot.
   */
  private halt(reason: string, sdkStopped = false): void {
    clearTimeout(this.retryTimer);
    this.closeClient(!sdkStopped);
    this.set('stopped', { reason });
    this.deps.logger.error({ state: 'stopped', reason }, 'long connection stopped');
  }

  /**
   * Stops for good after the authentication kept failing, and gives the lease up: the secret on
   * this host is wrong (a rotation it missed), and a correctly configured instance takes over.
   */
  private async giveUp(reason: string): Promise<void> {
    this.halt(reason);
    this.deps.onHolding?.(false);
    await this.deps.lease.stop();
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
    const dispatch = this.dispatch;
    try {
      if (!client || this.stopping || !dispatch) outcome = 'not_started';
      else {
        const ctx = { client, dispatch, line, onDisconnected: () => this.kicked() };
        outcome = kind === 'message' ? await answerMessage(this.frameDeps, ctx, frame) : await answerEvent(this.frameDeps, ctx, frame);
      }
    } catch (err) {
      outcome = 'error';
      this.deps.logger.error({ err, reqId: frame.headers.req_id }, 'frame failed');
    }
    this.deps.metrics?.callbacks.inc({ kind: `ws_${kind}`, outcome });
    const level = outcome === 'error' || outcome === 'bad_payload' || outcome === 'bad_card_event' || outcome === 'reply_failed' || outcome === 'wrong_bot' || outcome === 'unavailable' ? 'warn' : 'info';
    this.deps.logger[level]({ ...line, outcome, ms: Math.round(performance.now() - started) }, 'wecom frame');
  }
}

/** Waits for the given work to settle, at most `ms`. */
async function drain(work: Set<Promise<void>>, ms: number): Promise<void> {
  if (!work.size) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.allSettled([...work]), new Promise((r) => (timer = setTimeout(r, ms)))]);
  clearTimeout(timer);
}
