import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { CallbackClient } from '../../src/wecom/callback-client';
import { templateCardSchema, type TemplateCard } from '../../src/transport/template-card';
import type { FakeWecom } from './fake-wecom';

/**
 * One conversation API over either transport, so the contract suite runs the same conversations
 * over the callback URL and the long connection. Each driver speaks its transport's real wire
 * protocol to the real server: the webhook driver encrypted callbacks, the ws driver frames of
 * the local fake WebSocket server.
 */
export interface DriverReply {
  /** What the chat shows as text (the stream's content). */
  markdown: string;
  /** The card sent with it, when there is one. */
  card?: TemplateCard;
}

export interface ClickResult {
  /** The card that replaced the clicked one (update_template_card); absent: the card stays. */
  update?: TemplateCard;
  /** Words sent besides the update (a question the click asks), when there are any. */
  followUp?: string;
}

export interface SayOptions {
  /** A group chatid; absent: the sender's single chat with the bot. */
  chatId?: string;
  userId: string;
  text: string;
  msgid?: string;
  /** Images sent with the text (图文混排) as download links, with their key on the long connection. */
  images?: { url: string; aesKey?: string }[];
  quote?: string;
}

export interface ClickOptions {
  chatId?: string;
  userId: string;
  taskId: string;
  eventKey: string;
  msgid?: string;
  /** Wait for the words sent besides the card update (a click that asks something). */
  expectFollowUp?: boolean;
}

export interface ChatDriver {
  readonly transport: 'webhook' | 'ws';
  say(o: SayOptions): Promise<DriverReply>;
  /** A lone image or file message (single chats only, as WeCom allows). */
  sendMedia(o: { userId: string; kind: 'image' | 'file'; url: string; aesKey?: string; msgid?: string }): Promise<DriverReply>;
  click(o: ClickOptions): Promise<ClickResult>;
  /** Opens the single chat (enter_chat); resolves with the welcome text. */
  enter(userId: string): Promise<string>;
}

const streamReply = z.object({
  msgtype: z.enum(['stream', 'stream_with_template_card']),
  stream: z.object({ id: z.string(), finish: z.boolean(), content: z.string() }),
  template_card: templateCardSchema.optional(),
});
const cardUpdate = z.object({ response_type: z.literal('update_template_card'), template_card: templateCardSchema });

/** The callback-URL driver: CallbackClient for the callbacks, the fake WeCom for response_url posts. */
export function webhookDriver(client: CallbackClient, wecom: FakeWecom): ChatDriver {
  const finished = async (payload: Record<string, unknown>): Promise<DriverReply> => {
    let res = await client.send(payload);
    for (let polls = 0; polls < 60; polls++) {
      const s = streamReply.parse(res.reply);
      if (s.stream.finish) return { markdown: s.stream.content, ...(s.template_card ? { card: s.template_card } : {}) };
      // An unfinished stream is refreshed as WeCom does (its own interval; the server answers at once).
      await new Promise((r) => setImmediate(r));
      res = await client.send({ ...payload, msgid: `${String(payload.msgid)}-r${polls}`, msgtype: 'stream', stream: { id: s.stream.id } });
    }
    throw new Error('stream never finished');
  };
  return {
    transport: 'webhook',
    say: (o) => {
      const { images, ...rest } = o;
      return finished(client.textMessage({ ...rest, ...(images ? { images: images.map((i) => i.url) } : {}) }));
    },
    sendMedia: (o) =>
      finished({
        msgid: o.msgid ?? randomBytes(12).toString('base64'),
        aibotid: 'AIBOT_LOCAL',
        chattype: 'single',
        from: { userid: o.userId },
        msgtype: o.kind,
        [o.kind]: { url: o.url },
      }),
    async click(o) {
      const code = randomBytes(6).toString('hex');
      const res = await client.send({
        msgid: o.msgid ?? randomBytes(12).toString('base64'),
        create_time: Math.floor(Date.now() / 1000),
        aibotid: 'AIBOT_LOCAL',
        chattype: o.chatId ? 'group' : 'single',
        ...(o.chatId ? { chatid: o.chatId } : {}),
        from: { userid: o.userId },
        response_url: wecom.responseUrl(code),
        msgtype: 'event',
        event: { eventtype: 'template_card_event', template_card_event: { card_type: 'button_interaction', event_key: o.eventKey, task_id: o.taskId } },
      });
      if (res.status !== 200) throw new Error(`card event answered HTTP ${res.status}: ${res.raw.slice(0, 200)}`);
      const update = res.reply === undefined ? undefined : cardUpdate.parse(res.reply).template_card;
      if (!o.expectFollowUp) return update ? { update } : {};
      // Posted to the event's response_url right after the answer.
      const posts = await wecom.waitForResponse((ps) => ps.some((p) => p.code === code));
      const followUp = z.object({ markdown: z.object({ content: z.string() }) }).parse(posts.find((p) => p.code === code)!.body).markdown.content;
      return { ...(update ? { update } : {}), followUp };
    },
    async enter(userId) {
      const res = await client.send({ msgid: randomBytes(12).toString('base64'), create_time: Math.floor(Date.now() / 1000), aibotid: 'AIBOT_LOCAL', from: { userid: userId }, msgtype: 'event', event: { eventtype: 'enter_chat' } });
      return z.object({ msgtype: z.literal('text'), text: z.object({ content: z.string() }) }).parse(res.reply).text.content;
    },
  };
}

