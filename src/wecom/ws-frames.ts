import { z } from 'zod';
import type { WSClient, WsFrame, WsFrameHeaders } from '@wecom/aibot-node-sdk';
import type { Clock } from '../clock';
import type { Logger } from '../log/logger';
import type { MessageLog } from '../store/message-log';
import type { Dispatch, Reply, TemplateCard } from '../transport/types';
import { callbackSchema, cardEventSchema, eventCallbackSchema } from './callback-schema';
import { cardActionOf } from './card-action-of';
import { withinReplyLimit } from './reply-limit';
import type { TalkedChats } from './talked-chats';
import { toIncoming } from './to-incoming';
import { sendError } from './ws-errors';

/** Said to the chat when the pipeline cannot run (Redis down): nothing was done, send it again. */
export const UNAVAILABLE_TEXT = '⚠️ 服务暂时不可用，这条消息没有处理，请稍后再发送一次。';
/** The same for a card click (its own message into the chat: the card cannot say it). */
export const CLICK_UNAVAILABLE_TEXT = '⚠️ 服务暂时不可用，这次点击没有处理，请稍后再点一次；也可以直接发送命令，例如：`/查看 #12`';
/** The welcome when it cannot be made (the single chat is opened again later). */
export const WELCOME_UNAVAILABLE_TEXT = '您好！我是督办助手。服务暂时不可用，请稍后发送 /帮助 查看可用命令。';
/** Said while the same message is being handled by another instance (a takeover in progress). */
const PENDING_TEXT = '处理中…';
/** How long a re-delivered message waits for the other attempt's answer before saying so. */
const PENDING_WAIT_MS = 10_000;
const PENDING_POLL_MS = 100;

/** What answering a frame needs of the transport. */
export interface FrameDeps {
  messages: MessageLog;
  talked: TalkedChats;
  botNames: readonly string[];
  /** WECOM_AIBOT_ID: when set, frames naming another robot are not acted on. */
  aibotId?: string | undefined;
  clock: Clock;
  logger: Logger;
}

/** One frame being answered: the connection it came on, the pipeline, its log line's fields. */
export interface FrameContext {
  client: WSClient;
  dispatch: Dispatch;
  line: Record<string, unknown>;
  /** WeCom's notice that another connection took the bot over. */
  onDisconnected(): void;
}

const disconnectedSchema = z.looseObject({ msgtype: z.literal('event'), event: z.looseObject({ eventtype: z.literal('disconnected_event') }) });

/** aibot_send_msg's chat_type (docs/wecom-protocol.md §3.6): 1 single, 2 group. */
export const chatTypeCode = (chatType: 'single' | 'group'): 1 | 2 => (chatType === 'group' ? 2 : 1);

/**
 * aibot_msg_callback: through the pipeline, answered on its req_id with the finished stream and
 * then (when the reply has one) a card of its own. Answers the outcome word of the frame's log line.
 */
export async function answerMessage(deps: FrameDeps, ctx: FrameContext, frame: WsFrame): Promise<string> {
  const { client, line } = ctx;
  const parsed = callbackSchema.safeParse(frame.body);
  if (!parsed.success || parsed.data.msgtype === 'event' || parsed.data.msgtype === 'stream') return 'bad_payload';
  const cb = parsed.data;
  if (deps.aibotId !== undefined && cb.aibotid !== deps.aibotId) return 'wrong_bot';
  const message = { ...toIncoming(cb, 'ws', deps.botNames), requestId: frame.headers.req_id };
  Object.assign(line, { msgid: message.msgid, user: message.userId, chat: message.chatId });
  // The precondition of a proactive send into this chat later (docs/wecom-protocol.md §3.6).
  const recording = deps.talked.record(message.chatId, message.chatType, deps.clock.now().getTime()).catch((err: unknown) => deps.logger.warn({ err: (err as Error).message, chat: message.chatId }, 'chat not recorded as talked'));
  const streamId = deps.messages.streamId(message.msgid);
  let reply: Reply;
  try {
    reply = await ctx.dispatch(message);
  } catch (err) {
    // Nothing was done (the claim is given back): say so, so the person sends it again.
    // Not after the chat's record: when Redis failed the message, that record is failing too.
    deps.logger.error({ err, reqId: frame.headers.req_id, msgid: message.msgid }, 'message not handled');
    await replyFrame(deps, frame, 'stream', () => client.replyStream(frame, streamId, UNAVAILABLE_TEXT, true));
    return 'unavailable';
  }
  await recording;
  if (reply.handled) Object.assign(line, { command: reply.handled.command, result: reply.handled.outcome });
  if (reply.pending) {
    // The same msgid is being handled by another instance (a takeover): show that, then its answer.
    if (!(await replyFrame(deps, frame, 'stream', () => client.replyStream(frame, streamId, PENDING_TEXT, false)))) return 'reply_failed';
    const settled = await awaitRecorded(deps, message.msgid);
    if (settled === 'released') {
      await replyFrame(deps, frame, 'stream', () => client.replyStream(frame, streamId, UNAVAILABLE_TEXT, true));
      return 'unavailable';
    }
    reply = settled;
  }
  if (!(await replyFrame(deps, frame, 'stream', () => client.replyStream(frame, streamId, withinReplyLimit(reply.markdown), true)))) return 'reply_failed';
  // A card of its own after the text: stream_with_template_card is unreliable on the long
  // connection (docs/wecom-protocol.md §3.5).
  const card = reply.card;
  if (card && !(await replyFrame(deps, frame, 'card', () => client.replyTemplateCard(frame, sdkCard(card))))) return 'reply_failed';
  return card ? 'replied_card' : 'replied';
}

/**
 * aibot_event_callback: disconnected_event to the transport; enter_chat answered with the
 * welcome; a card click through the pipeline, answered with the card update and its words as a
 * message of its own (never aibot_respond_msg on an event's req_id: 846605). When the pipeline
 * cannot run, the chat is told so in a message that needs no Redis.
 */
export async function answerEvent(deps: FrameDeps, ctx: FrameContext, frame: WsFrame): Promise<string> {
  const { client, line } = ctx;
  // disconnected_event names no sender (docs/wecom-protocol.md §3.4): read before the event schema.
  if (disconnectedSchema.safeParse(frame.body).success) {
    line.event = 'disconnected_event';
    ctx.onDisconnected();
    return 'disconnected';
  }
  const parsed = eventCallbackSchema.safeParse(frame.body);
  if (!parsed.success) return 'bad_payload';
  const cb = parsed.data;
  const type = cb.event.eventtype;
  Object.assign(line, { event: type, msgid: cb.msgid, user: cb.from.userid });
  if (deps.aibotId !== undefined && cb.aibotid !== deps.aibotId) return 'wrong_bot';
  const requestId = frame.headers.req_id;
  if (type === 'enter_chat') {
    let text: string;
    try {
      text = (await ctx.dispatch({ kind: 'enter', transport: 'ws', msgid: cb.msgid, userId: cb.from.userid, requestId })).markdown;
    } catch (err) {
      deps.logger.error({ err, reqId: requestId, msgid: cb.msgid }, 'welcome not made');
      text = WELCOME_UNAVAILABLE_TEXT;
    }
    const sent = await replyFrame(deps, frame, 'welcome', () => client.replyWelcome(frame, { msgtype: 'text', text: { content: withinReplyLimit(text) } }));
    return sent ? 'welcome' : 'reply_failed';
  }
  if (type !== 'template_card_event') return 'ignored'; // feedback_event and others: nothing to answer
  const event = cardEventSchema.safeParse(cb.event);
  if (!event.success) return 'bad_card_event';
  const action = cardActionOf(cb, event.data, 'ws', requestId);
  if (!action) return 'bad_card_event';
  line.chat = action.chatId;
  const say = async (markdown: string) => {
    try {
      await client.sendMessage(action.chatId, { chat_type: chatTypeCode(action.chatType), msgtype: 'markdown', markdown: { content: withinReplyLimit(markdown) } } as Parameters<WSClient['sendMessage']>[1]);
      return true;
    } catch (err) {
      deps.logger.warn({ err: sendError(err).message, reqId: requestId, msgid: cb.msgid }, 'card follow-up not delivered');
      return false;
    }
  };
  let reply: Reply;
  try {
    reply = await ctx.dispatch(action);
  } catch (err) {
    deps.logger.error({ err, reqId: requestId, msgid: cb.msgid }, 'card click not handled');
    await say(CLICK_UNAVAILABLE_TEXT);
    return 'unavailable';
  }
  if (reply.handled) Object.assign(line, { command: reply.handled.command, result: reply.handled.outcome });
  // Within WeCom's 5 s. A failed update does not keep the words back: they are the whole answer
  // for a client that does not render cards.
  const card = reply.card;
  const updated = card ? await replyFrame(deps, frame, 'card_update', () => client.updateTemplateCard(frame, sdkCard({ ...card, task_id: action.taskId }))) : true;
  // Words besides the card (a question the click asks): a message of their own into the chat.
  const said = reply.markdown ? await say(reply.markdown) : true;
  if (!updated || !said) return 'reply_failed';
  return card ? 'card_updated' : 'card_kept';
}

/** Sends one reply frame; a refusal or a dropped socket is logged and answered false. */
async function replyFrame(deps: Pick<FrameDeps, 'logger'>, frame: WsFrameHeaders, what: string, send: () => Promise<unknown>): Promise<boolean> {
  try {
    await send();
    return true;
  } catch (err) {
    deps.logger.warn({ reqId: frame.headers.req_id, reply: what, err: sendError(err).message }, 'reply not delivered');
    return false;
  }
}

/**
 * The answer another attempt recorded for this msgid, once it has (bounded), else "still in
 * progress"; 'released' when that attempt gave its claim back (it failed: nothing was done).
 */
async function awaitRecorded(deps: Pick<FrameDeps, 'messages'>, msgid: string): Promise<Reply | 'released'> {
  const end = Date.now() + PENDING_WAIT_MS;
  while (Date.now() < end) {
    const rec = await deps.messages.peek(msgid);
    if (!rec) return 'released';
    if (rec.status === 'done') return { markdown: rec.markdown, ...(rec.card ? { card: rec.card } : {}) };
    await new Promise((r) => setTimeout(r, PENDING_POLL_MS));
  }
  return { markdown: `${PENDING_TEXT}（这条消息仍在处理，稍后可用 /查看 确认结果）` };
}

/** Our card (a bounded subset of WeCom's) as the SDK types it; the fields are WeCom's own names. */
function sdkCard(card: TemplateCard): Parameters<WSClient['replyTemplateCard']>[1] {
  return card as Parameters<WSClient['replyTemplateCard']>[1];
}
