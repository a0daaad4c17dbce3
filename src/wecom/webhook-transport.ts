import Router from '@koa/router';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { Clock } from '../clock';
import type { Logger } from '../log/logger';
import type { Metrics } from '../observability/metrics';
import type { MessageLog } from '../store/message-log';
import type { Dispatch, Reply, TemplateCard, Transport } from '../transport/types';
import { cardActionOf } from './card-action-of';
import { callbackSchema, cardEventSchema, envelopeSchema, signedQuerySchema, type Callback, type EventCallback } from './callback-schema';
import { postResponseUrl } from './response-url';
import { CryptoError, type WecomCallbackCrypto } from './crypto';
import { toIncoming } from './to-incoming';
import { parseJsonOrUndefined } from '../parsing/json';
import { withinReplyLimit } from './reply-limit';

export const CALLBACK_PATH = '/wecom/callback';
export const MAX_BODY_BYTES = 1024 * 1024;
/** Older callbacks are refused: beyond this a replay would outlive the msgid dedupe window. */
export const MAX_CALLBACK_AGE_SECONDS = 1800;
/**
 * WeCom stamps a callback when it sends it, so a timestamp ahead of our clock is only clock
 * skew: a few minutes are tolerated, more is refused (a far-future stamp would stay "fresh" for
 * as long as it pleases whoever made it).
 */
export const MAX_CLOCK_SKEW_AHEAD_SECONDS = 300;
/**
 * What WeCom's URL-verification echostr decrypts to: a short random token of digits (letters
 * allowed). Anything else, such as a message callback's JSON resent as echostr, is not echoed:
 * answering it would make this endpoint decrypt any ciphertext for whoever can replay one.
 */
export const ECHOSTR_PLAINTEXT = /^[A-Za-z0-9]{1,64}$/;

export interface WebhookTransportDeps {
  metrics?: Pick<Metrics, 'callbacks'>;
  crypto: WecomCallbackCrypto;
  messages: MessageLog;
  botNames: readonly string[];
  /** WECOM_AIBOT_ID: when set, callbacks naming another robot are refused. */
  aibotId?: string | undefined;
  clock: Clock;
  logger: Logger;
}

/** A refused request: HTTP status plus the outcome word that goes into the one log line. */
class Refusal extends Error {
  constructor(
    readonly status: number,
    readonly outcome: string,
  ) {
    super(outcome);
  }
}

/**
 * The intelligent robot's URL-callback mode (docs/wecom-protocol.md §1): verification GET, encrypted JSON
 * POSTs, encrypted passive replies. Knows crypto and framing only; commands live behind dispatch.
 */
export class WebhookTransport implements Transport {
  readonly name = 'webhook';
  readonly router = new Router();
  private dispatch: Dispatch | undefined;

  constructor(private readonly deps: WebhookTransportDeps) {
    this.router.get(CALLBACK_PATH, (ctx) => this.guard(ctx, 'verify', () => this.verifyUrl(ctx)));
    this.router.post(CALLBACK_PATH, (ctx) => this.guard(ctx, 'callback', () => this.callback(ctx)));
  }

  async start(dispatch: Dispatch): Promise<void> {
    this.dispatch = dispatch;
  }

  async stop(): Promise<void> {
    this.dispatch = undefined;
  }

  /** One log line per request, whatever happens; refusals become 4xx, never exceptions. */
  private async guard(ctx: Context, kind: string, work: () => Promise<string>): Promise<void> {
    const started = performance.now();
    let outcome: string;
    try {
      outcome = await work();
    } catch (err) {
      if (err instanceof Refusal) {
        ctx.status = err.status;
        ctx.body = err.status === 503 ? 'unavailable' : 'bad request';
        outcome = err.outcome;
      } else {
        ctx.status = 503; // infrastructure trouble (Redis): WeCom retries a callback it got no answer to
        ctx.body = 'unavailable';
        outcome = 'error';
        this.deps.logger.error({ err, reqId: ctx.state.reqId }, 'callback failed');
      }
    }
    this.deps.metrics?.callbacks.inc({ kind, outcome });
    const level = ctx.status >= 400 ? 'warn' : 'info';
    // The one line of this delivery: framing outcome plus, for a message, what the pipeline did.
    const handled = ctx.state.handled as Record<string, string> | undefined;
    this.deps.logger[level]({ reqId: ctx.state.reqId, kind, status: ctx.status, outcome, ...handled, ms: Math.round(performance.now() - started) }, 'wecom callback');
  }

  private signedQuery(ctx: Context) {
    // The three signed parameters only, read as Koa's ctx.query reads them (a repeated one is a
    // list, which the schema refuses), without building and caching the whole parsed query.
    const params = new URLSearchParams(ctx.querystring);
    const q = signedQuerySchema.safeParse({ msg_signature: param(params, 'msg_signature'), timestamp: param(params, 'timestamp'), nonce: param(params, 'nonce') });
    if (!q.success) throw new Refusal(400, 'bad_query');
    const behind = this.deps.clock.now().getTime() / 1000 - Number(q.data.timestamp);
    if (behind > MAX_CALLBACK_AGE_SECONDS) throw new Refusal(400, 'stale_timestamp');
    if (-behind > MAX_CLOCK_SKEW_AHEAD_SECONDS) throw new Refusal(400, 'future_timestamp');
    return q.data;
  }

  private decrypt(encrypt: string, q: { msg_signature: string; timestamp: string; nonce: string }): string {
    if (!this.deps.crypto.verify(q.msg_signature, q.timestamp, q.nonce, encrypt)) throw new Refusal(401, 'bad_signature');
    try {
      return this.deps.crypto.decrypt(encrypt);
    } catch (err) {
      if (err instanceof CryptoError) throw new Refusal(400, err.code === 'receive_id' ? 'wrong_receive_id' : 'undecryptable');
      throw err;
    }
  }

  /** GET: answer the decrypted echostr as plain text within WeCom's 1 s. */
  private async verifyUrl(ctx: Context): Promise<string> {
    const q = this.signedQuery(ctx);
    const echostr = typeof ctx.query.echostr === 'string' ? ctx.query.echostr.replace(/ /g, '+') : '';
    if (!echostr) throw new Refusal(400, 'missing_echostr');
    const plain = this.decrypt(echostr, q);
    if (!ECHOSTR_PLAINTEXT.test(plain)) throw new Refusal(400, 'bad_echostr');
    ctx.type = 'text/plain';
    ctx.body = plain;
    return 'verified';
  }

  private async callback(ctx: Context): Promise<string> {
    const q = this.signedQuery(ctx);
    const envelope = envelopeSchema.safeParse(parseJsonOrUndefined(await readBody(ctx)));
    if (!envelope.success) throw new Refusal(400, 'missing_encrypt');
    const plain = this.decrypt(envelope.data, q);
    const payload = callbackSchema.safeParse(parseJsonOrUndefined(plain));
    if (!payload.success) throw new Refusal(400, 'bad_payload');
    // Before anything reads or writes Redis. WeCom always names the robot; with WECOM_AIBOT_ID
    // set, a callback that names none is refused like one that names another.
    const aibotId = this.deps.aibotId;
    if (aibotId !== undefined && payload.data.aibotid !== aibotId) throw new Refusal(403, 'wrong_bot');

    const reply = await this.answer(payload.data, ctx);
    if (reply === undefined) {
      ctx.status = 200; // "回复空包": an empty body is a valid answer
      ctx.body = '';
      return `${payload.data.msgtype}_noreply`;
    }
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = JSON.stringify(this.deps.crypto.encryptReply(JSON.stringify(reply.body), q.timestamp, q.nonce));
    return reply.outcome;
  }

  private async answer(cb: Callback, ctx: Context): Promise<{ body: object; outcome: string } | undefined> {
    if (cb.msgtype === 'event') return this.answerEvent(cb, ctx);
    if (cb.msgtype === 'stream') {
      // A refresh of a stream we answered unfinished (a retry that overtook the first attempt):
      // the first answer carried no card, so the finished one may (once per message).
      const rec = await this.deps.messages.byStreamId(cb.stream.id);
      const done = rec?.status !== 'pending';
      const body = rec?.status === 'done' ? streamReply(cb.stream.id, rec, true) : stream(cb.stream.id, done ? '' : '处理中…', done);
      return { body, outcome: 'stream_refresh' };
    }
    if (!this.dispatch) throw new Refusal(503, 'not_started');
    const message = { ...toIncoming(cb, 'webhook', this.deps.botNames), requestId: ctx.state.reqId as string };
    ctx.state.handled = { msgid: message.msgid, user: message.userId, chat: message.chatId };
    const reply = await this.dispatch(message);
    if (reply.handled) ctx.state.handled = { ...(ctx.state.handled as object), command: reply.handled.command, result: reply.handled.outcome };
    const id = this.deps.messages.streamId(message.msgid);
    if (reply.pending) return { body: stream(id, reply.markdown, false), outcome: 'pending' };
    return { body: streamReply(id, reply, true), outcome: 'replied' };
  }

  private async answerEvent(cb: EventCallback, ctx: Context): Promise<{ body: object; outcome: string } | undefined> {
    const type = cb.event.eventtype;
    if (type !== 'enter_chat' && type !== 'template_card_event') return undefined; // feedback events: only an empty answer is allowed
    if (!this.dispatch) throw new Refusal(503, 'not_started');
    const requestId = ctx.state.reqId as string;
    ctx.state.handled = { msgid: cb.msgid, user: cb.from.userid };
    if (type === 'enter_chat') {
      const reply = await this.dispatch({ kind: 'enter', transport: 'webhook', msgid: cb.msgid, userId: cb.from.userid, requestId });
      return { body: { msgtype: 'text', text: { content: withinReplyLimit(reply.markdown) } }, outcome: 'welcome' };
    }
    const parsed = cardEventSchema.safeParse(cb.event);
    if (!parsed.success) throw new Refusal(400, 'bad_card_event');
    // The callback schema already refused a group callback without chatid (400).
    const action = cardActionOf(cb, parsed.data, 'webhook', requestId);
    if (!action) throw new Refusal(400, 'bad_card_event');
    ctx.state.handled = { ...(ctx.state.handled as object), chat: action.chatId };
    const reply = await this.dispatch(action);
    if (reply.handled) ctx.state.handled = { ...(ctx.state.handled as object), command: reply.handled.command, result: reply.handled.outcome };
    // Words the card cannot carry (a question the click asks) go through the one-shot response_url,
    // after this answer: the event must be answered within 5 s, and the post must not hold it up.
    if (reply.markdown && action.responseUrl) {
      const url = action.responseUrl;
      setImmediate(() => {
        postResponseUrl(url, withinReplyLimit(reply.markdown)).catch((err: unknown) => this.deps.logger.warn({ err: (err as Error).message, reqId: requestId, msgid: cb.msgid }, 'card follow-up not delivered'));
      });
    }
    if (!reply.card) return undefined; // the clicked card stays as it is
    return { body: updateCard(reply.card, action.taskId), outcome: 'card_updated' };
  }
}

/** The finished answer to a message: the stream, with its card when it has one. */
function streamReply(id: string, reply: Pick<Reply, 'markdown' | 'card'>, finish: boolean): object {
  const body = stream(id, reply.markdown, finish);
  return reply.card ? { ...body, msgtype: 'stream_with_template_card', template_card: reply.card } : body;
}

/** update_template_card keeps the clicked card's task_id (WeCom matches the card by it). */
function updateCard(card: TemplateCard, taskId: string): object {
  return { response_type: 'update_template_card', template_card: { ...card, task_id: taskId } };
}

function stream(id: string, content: string, finish: boolean) {
  return { msgtype: 'stream', stream: { id, finish, content: withinReplyLimit(content) } };
}

/** One query parameter as Koa's ctx.query gives it: absent, its value, or a list when repeated. */
function param(params: URLSearchParams, name: string): string | string[] | undefined {
  const values = params.getAll(name);
  return values.length <= 1 ? values[0] : values;
}

async function readBody(ctx: Context): Promise<string> {
  const declared = Number(ctx.get('content-length') || 0);
  if (declared > MAX_BODY_BYTES) throw new Refusal(413, 'too_large');
  try {
    // Bytes, then one toString: raw-body's own decoding builds an iconv-lite decoder per request.
    // Like that decoder, a leading UTF-8 BOM is dropped (some senders put one before the JSON).
    const text = (await getRawBody(ctx.req, { limit: MAX_BODY_BYTES, length: ctx.get('content-length') || undefined })).toString('utf8');
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (err) {
    const type = (err as { type?: string }).type;
    throw new Refusal(type === 'entity.too.large' ? 413 : 400, type === 'entity.too.large' ? 'too_large' : 'bad_body');
  }
}

