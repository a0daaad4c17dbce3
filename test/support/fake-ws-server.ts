import { randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';

/**
 * A local stand-in for WeCom's long-connection server (docs/wecom-protocol.md §3), for the real
 * SDK client to talk to (its wsUrl points here). It acks aibot_subscribe (scriptable failures),
 * pings and every reply (scriptable errcodes per command), records every frame, pushes
 * aibot_msg_callback / aibot_event_callback frames, keeps one live connection per bot as WeCom
 * does (a new subscriber gets the bot; the old one gets disconnected_event and is closed), and
 * can send disconnected_event or drop the socket on demand.
 */
export interface Frame {
  cmd?: string;
  headers: { req_id: string };
  body?: Record<string, unknown>;
  errcode?: number;
  errmsg?: string;
}

/** A frame the client sent, with the connection it came on and what it was answered. */
export interface Received extends Frame {
  conn: number;
  at: number;
  /** The errcode the fake acked it with. */
  acked: number;
}

/** A scripted "ack" that never comes (the server went quiet). */
export const NO_ACK = -1;

interface Conn {
  id: number;
  socket: WebSocket;
  botId?: string;
  subscribed: boolean;
}

export class FakeWsServer extends EventEmitter {
  readonly frames: Received[] = [];
  /** Subscriptions that succeeded, in order (connection ids). */
  readonly subscriptions: number[] = [];
  private readonly authScript: number[] = [];
  private readonly ackScripts = new Map<string, number[]>();
  private readonly conns = new Map<number, Conn>();
  private nextConn = 1;
  private refusing = false;
  private server: WebSocketServer | undefined;
  url = '';

  /** The next subscribe acks, in order (then errcode 0). */
  scriptAuth(errcodes: number[]): void {
    this.authScript.push(...errcodes);
  }

  /** The next acks of a command (aibot_send_msg, aibot_respond_msg, …), in order (then errcode 0); NO_ACK: none at all. */
  scriptAcks(cmd: string, errcodes: number[]): void {
    this.ackScripts.set(cmd, [...(this.ackScripts.get(cmd) ?? []), ...errcodes]);
  }

  /** The live (subscribed) connection, if any. */
  get live(): number | undefined {
    for (const c of this.conns.values()) if (c.subscribed) return c.id;
    return undefined;
  }

  /** Open sockets, subscribed or not. */
  get open(): number {
    return this.conns.size;
  }

  async start(port = 0): Promise<string> {
    this.server = new WebSocketServer({ port, host: '127.0.0.1' });
    await once(this.server, 'listening');
    this.url = `ws://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.server.on('connection', (socket) => {
      if (this.refusing) return void socket.terminate();
      const conn: Conn = { id: this.nextConn++, socket, subscribed: false };
      this.conns.set(conn.id, conn);
      socket.on('message', (data) => this.onFrame(conn, JSON.parse(String(data)) as Frame));
      socket.on('close', () => {
        this.conns.delete(conn.id);
        this.emit('closed', conn.id);
      });
      this.emit('connection', conn.id);
    });
    return this.url;
  }

  async stop(): Promise<void> {
    for (const c of this.conns.values()) c.socket.terminate();
    if (!this.server) return;
    const closed = once(this.server, 'close');
    this.server.close();
    await closed;
  }

  private onFrame(conn: Conn, frame: Frame): void {
    let acked = 0;
    if (frame.cmd === 'aibot_subscribe') {
      acked = this.authScript.length ? this.authScript.shift()! : 0;
      if (acked === 0) this.takeOver(conn, String(frame.body?.bot_id ?? ''));
    } else if (frame.cmd !== 'ping') {
      const script = frame.cmd ? this.ackScripts.get(frame.cmd) : undefined;
      acked = script?.length ? script.shift()! : 0;
    }
    const received: Received = { ...frame, conn: conn.id, at: Date.now(), acked };
    this.frames.push(received);
    if (acked !== NO_ACK) this.send(conn, { headers: { req_id: frame.headers.req_id }, errcode: acked, errmsg: acked ? 'scripted error' : 'ok' });
    if (frame.cmd === 'aibot_subscribe' && acked === 0) {
      this.subscriptions.push(conn.id);
      this.emit('subscribed', conn.id);
    }
    this.emit('frame', received);
  }

  /** One live connection per bot: the one subscribing now; the old one is told, then closed. */
  private takeOver(conn: Conn, botId: string): void {
    for (const other of this.conns.values()) {
      if (other === conn || !other.subscribed || other.botId !== botId) continue;
      other.subscribed = false;
      this.sendDisconnected(other);
    }
    conn.subscribed = true;
    conn.botId = botId;
  }

  private sendDisconnected(conn: Conn): void {
    this.send(conn, {
      cmd: 'aibot_event_callback',
      headers: { req_id: `evt_${randomBytes(6).toString('hex')}` },
      body: { msgid: randomBytes(8).toString('hex'), create_time: Math.floor(Date.now() / 1000), aibotid: 'AIBOT_LOCAL', msgtype: 'event', event: { eventtype: 'disconnected_event' } },
    });
    setTimeout(() => conn.socket.close(), 50).unref();
  }

  private send(conn: Conn, frame: Frame): void {
    conn.socket.send(JSON.stringify(frame));
  }

  private liveConn(): Conn {
    const id = this.live;
    if (id === undefined) throw new Error('fake long connection: no subscribed client');
    return this.conns.get(id)!;
  }

  /** Pushes an aibot_msg_callback to the live connection; resolves with its req_id. */
  pushMessage(body: Record<string, unknown>, reqId = `msg_${randomBytes(8).toString('hex')}`): string {
    this.send(this.liveConn(), { cmd: 'aibot_msg_callback', headers: { req_id: reqId }, body });
    return reqId;
  }

  /** Pushes an aibot_event_callback to the live connection; resolves with its req_id. */
  pushEvent(body: Record<string, unknown>, reqId = `evt_${randomBytes(8).toString('hex')}`): string {
    this.send(this.liveConn(), { cmd: 'aibot_event_callback', headers: { req_id: reqId }, body });
    return reqId;
  }

  /** WeCom's notice that another connection took the bot over (then the socket is closed). */
  disconnectedEvent(): void {
    const conn = this.liveConn();
    conn.subscribed = false;
    this.sendDisconnected(conn);
  }

  /** While on, every new socket is closed at once (WeCom unreachable): the client keeps reconnecting. */
  refuseConnections(on: boolean): void {
    this.refusing = on;
  }

  /** Drops the live socket without a word (a network failure). */
  drop(): void {
    this.liveConn().socket.terminate();
  }

  /** The frames the client sent on one req_id (the replies to one callback). */
  repliesTo(reqId: string): Received[] {
    return this.frames.filter((f) => f.headers.req_id === reqId && f.cmd !== undefined);
  }

  /** Proactive sends (aibot_send_msg), optionally to one chat. */
  sends(chatId?: string): Received[] {
    return this.frames.filter((f) => f.cmd === 'aibot_send_msg' && (chatId === undefined || f.body?.chatid === chatId));
  }

  /** Resolves when `predicate` holds for the recorded frames (checked on every frame). */
  async waitForFrame(predicate: (frames: Received[]) => boolean, timeoutMs = 15_000): Promise<Received[]> {
    return this.waitOn('frame', () => predicate(this.frames), timeoutMs, () => `got ${this.frames.length} frames: ${this.frames.map((f) => f.cmd).join(', ')}`);
  }

  /** Resolves once `n` subscriptions have succeeded in all. */
  async waitForSubscriptions(n: number, timeoutMs = 15_000): Promise<void> {
    await this.waitOn('subscribed', () => this.subscriptions.length >= n, timeoutMs, () => `${this.subscriptions.length} subscriptions`);
  }

  /** Resolves once no socket is open. */
  async waitForNoConnection(timeoutMs = 15_000): Promise<void> {
    await this.waitOn('closed', () => this.conns.size === 0, timeoutMs, () => `${this.conns.size} open`);
  }

  /** Resolves once `n` connections have been opened in all (subscribed or not). */
  async waitForConnections(n: number, timeoutMs = 15_000): Promise<void> {
    await this.waitOn('connection', () => this.nextConn - 1 >= n, timeoutMs, () => `${this.nextConn - 1} connections`);
  }

  private async waitOn(event: string, done: () => boolean, timeoutMs: number, state: () => string): Promise<Received[]> {
    const deadline = AbortSignal.timeout(timeoutMs);
    while (!done()) {
      await once(this, event, { signal: deadline }).catch(() => {
        throw new Error(`fake long connection: condition not met within ${timeoutMs} ms; ${state()}`);
      });
    }
    return this.frames;
  }
}
