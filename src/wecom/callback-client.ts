import { randomBytes, randomInt } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import type { Clock } from '../clock';
import { systemClock } from '../clock';
import { CALLBACK_PATH } from './webhook-transport';
import { WecomCallbackCrypto } from './crypto';
import { templateCardSchema, type TemplateCard } from '../transport/template-card';

/**
 * Plays WeCom's side of the callback protocol against a running duban: encrypts and signs a
 * callback exactly as WeCom does, posts it, checks the reply's signature and decrypts it. Used
 * by the terminal client and by the end-to-end tests.
 */
const replyEnvelopeSchema = z.object({
  encrypt: z.string(),
  msgsignature: z.string(),
  timestamp: z.union([z.string(), z.number()]).transform(String),
  nonce: z.string(),
});

export interface SentCallback {
  status: number;
  /** The decrypted reply JSON, when the server answered with one. */
  reply?: unknown;
  /** Raw body when the server did not answer with an encrypted envelope. */
  raw: string;
}

export interface TextMessageOptions {
  chatId?: string;
  userId: string;
  text: string;
  msgid?: string;
  quote?: string;
  images?: string[];
}

export class CallbackClient {
  private readonly crypto: WecomCallbackCrypto;

  constructor(
    private readonly baseUrl: string,
    token: string,
    encodingAESKey: string,
    private readonly clock: Clock = systemClock,
  ) {
    this.crypto = new WecomCallbackCrypto(token, encodingAESKey);
  }

  /** The signed query string WeCom puts on a callback URL. */
  signedQuery(encrypt: string, extra: Record<string, string> = {}): URLSearchParams {
    const timestamp = String(Math.floor(this.clock.now().getTime() / 1000));
    const nonce = String(randomInt(1e8, 1e9));
    return new URLSearchParams({ msg_signature: this.crypto.signature(timestamp, nonce, encrypt), timestamp, nonce, ...extra });
  }

  async verifyUrl(echo: string): Promise<{ status: number; body: string }> {
    const echostr = this.crypto.encrypt(echo);
    const q = this.signedQuery(echostr, { echostr });
    const res = await fetch(`${this.baseUrl}${CALLBACK_PATH}?${q}`);
    return { status: res.status, body: await res.text() };
  }

  /** A payload as WeCom would POST it: the signed query string and the {"encrypt"} body. */
  encryptedCallback(payload: unknown): { query: string; body: string } {
    const encrypt = this.crypto.encrypt(JSON.stringify(payload));
    return { query: this.signedQuery(encrypt).toString(), body: JSON.stringify({ encrypt }) };
  }

  /** POSTs any decrypted payload as an encrypted callback. */
  async send(payload: unknown): Promise<SentCallback> {
    const encrypt = this.crypto.encrypt(JSON.stringify(payload));
    const q = this.signedQuery(encrypt);
    const res = await fetch(`${this.baseUrl}${CALLBACK_PATH}?${q}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ encrypt }),
    });
    const raw = await res.text();
    if (res.status !== 200 || raw === '') return { status: res.status, raw };
    const env = replyEnvelopeSchema.parse(JSON.parse(raw));
    if (env.nonce !== q.get('nonce') || env.timestamp !== q.get('timestamp')) throw new Error('reply does not echo the callback timestamp and nonce');
    if (!this.crypto.verify(env.msgsignature, env.timestamp, env.nonce, env.encrypt)) throw new Error('reply signature does not verify');
    return { status: res.status, raw, reply: JSON.parse(this.crypto.decrypt(env.encrypt)) };
  }

  /** A text (or 图文混排 when images are given) message as WeCom delivers it. */
  textMessage(o: TextMessageOptions): Record<string, unknown> {
    const base: Record<string, unknown> = {
      msgid: o.msgid ?? randomBytes(12).toString('base64'),
      aibotid: 'AIBOT_LOCAL',
      chattype: o.chatId ? 'group' : 'single',
      from: { userid: o.userId },
      response_url: 'https://qyapi.weixin.qq.com/cgi-bin/aibot/response?response_code=LOCAL',
    };
    if (o.chatId) base.chatid = o.chatId;
    if (o.images?.length) {
      base.msgtype = 'mixed';
      base.mixed = {
        msg_item: [{ msgtype: 'text', text: { content: o.text } }, ...o.images.map((url) => ({ msgtype: 'image', image: { url } }))],
      };
    } else {
      base.msgtype = 'text';
      base.text = { content: o.text };
    }
    if (o.quote !== undefined) base.quote = { msgtype: 'text', text: { content: o.quote } };
    return base;
  }

  /** Sends a message and, when the answer is an unfinished stream, polls it to the end. */
  async say(o: TextMessageOptions): Promise<string> {
    return (await this.converse(o)).markdown;
  }

  /** Clicks a card's button: the card update it was answered with, in the same callback (or none). */
  async click(o: CardClick): Promise<TemplateCard | undefined> {
    return cardUpdateOf(await this.send(cardEvent(o, this.clock.now().getTime())));
  }

  /** As say(), with the card the answer carries (stream_with_template_card), when it has one. */
  async converse(o: TextMessageOptions): Promise<{ markdown: string; card?: TemplateCard }> {
    const msg = this.textMessage(o);
    let res = await this.send(msg);
    for (let polls = 0; ; polls++) {
      const s = streamSchema.safeParse(res.reply);
      if (!s.success) throw new Error(`unexpected answer (HTTP ${res.status}): ${res.raw.slice(0, 200)}`);
      if (s.data.stream.finish || polls >= 60) return { markdown: s.data.stream.content, ...(s.data.template_card ? { card: s.data.template_card } : {}) };
      await delay(STREAM_POLL_MS); // WeCom polls an unfinished stream at an interval, not in a loop
      res = await this.send({ ...msg, msgid: `${String(msg.msgid)}-r${polls}`, msgtype: 'stream', stream: { id: s.data.stream.id } });
    }
  }
}

const STREAM_POLL_MS = 500;

const streamSchema = z.object({
  msgtype: z.enum(['stream', 'stream_with_template_card']),
  stream: z.object({ id: z.string(), finish: z.boolean(), content: z.string() }),
  template_card: templateCardSchema.optional(),
});

const cardUpdateSchema = z.object({ response_type: z.literal('update_template_card'), template_card: templateCardSchema });

export interface CardClick {
  chatId?: string;
  userId: string;
  taskId: string;
  eventKey: string;
  responseUrl: string;
  msgid?: string;
}

/** A template_card_event as WeCom delivers a button click (docs/wecom-protocol.md §1.3). */
export function cardEvent(o: CardClick, now = Date.now()): Record<string, unknown> {
  return {
    msgid: o.msgid ?? randomBytes(12).toString('base64'),
    create_time: Math.floor(now / 1000),
    aibotid: 'AIBOT_LOCAL',
    chattype: o.chatId ? 'group' : 'single',
    ...(o.chatId ? { chatid: o.chatId } : {}),
    from: { userid: o.userId },
    response_url: o.responseUrl,
    msgtype: 'event',
    event: { eventtype: 'template_card_event', template_card_event: { card_type: 'button_interaction', event_key: o.eventKey, task_id: o.taskId } },
  };
}

/** The card update a click was answered with (update_template_card); undefined: the card stays. */
export function cardUpdateOf(res: SentCallback): TemplateCard | undefined {
  if (res.status !== 200) throw new Error(`card event answered HTTP ${res.status}: ${res.raw.slice(0, 200)}`);
  return res.reply === undefined ? undefined : cardUpdateSchema.parse(res.reply).template_card;
}
