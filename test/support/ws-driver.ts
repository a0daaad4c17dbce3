import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { templateCardSchema } from '../../src/transport/template-card';
import type { ChatDriver, DriverReply, SayOptions } from './chat-driver';
import type { FakeWsServer, Received } from './fake-ws-server';
import type { LogLine } from './log-capture';
import { pollUntil } from './wait';

const streamBody = z.object({ msgtype: z.literal('stream'), stream: z.object({ id: z.string(), finish: z.boolean(), content: z.string() }) });
const cardBody = z.object({ msgtype: z.literal('template_card'), template_card: templateCardSchema });
const updateBody = z.object({ response_type: z.literal('update_template_card'), template_card: templateCardSchema });
const markdownBody = z.object({ chatid: z.string(), chat_type: z.union([z.literal(1), z.literal(2)]), msgtype: z.literal('markdown'), markdown: z.object({ content: z.string() }) });
const welcomeBody = z.object({ msgtype: z.literal('text'), text: z.object({ content: z.string() }) });

/**
 * The long-connection driver: frames pushed by the fake WeCom server to the real SDK client in
 * the app, answers read from the frames the app sent back. A callback is answered when the app
 * has logged its one line for that req_id (every reply frame is sent before it): then the
 * finished stream and, when the reply had one, the card frame are all there.
 */
export function wsDriver(server: FakeWsServer, logs: readonly LogLine[]): ChatDriver {
  /** The app's one line for a frame: every reply frame it sent was acked (so recorded here) before it. */
  const answered = async (reqId: string): Promise<LogLine> => {
    let line: LogLine | undefined;
    await pollUntil(() => (line = logs.find((l) => l.msg === 'wecom frame' && l.reqId === reqId)) !== undefined, `the app's line for frame ${reqId}`);
    return line!;
  };
  const noMessageReplyOnEvent = (reqId: string) => {
    const wrong = server.repliesTo(reqId).filter((f) => f.cmd === 'aibot_respond_msg');
    if (wrong.length) throw new Error(`aibot_respond_msg sent on an event's req_id ${reqId} (WeCom refuses it with 846605)`);
  };

  const reply = async (body: Record<string, unknown>): Promise<DriverReply> => {
    const reqId = server.pushMessage(body);
    await answered(reqId);
    const frames = server.repliesTo(reqId).filter((f) => f.cmd === 'aibot_respond_msg');
    const finished = frames.map((f) => streamBody.safeParse(f.body)).find((p) => p.success && p.data.stream.finish);
    if (!finished?.success) throw new Error(`no finished stream on ${reqId}: ${JSON.stringify(frames.map((f) => f.body))}`);
    const card = frames.map((f) => cardBody.safeParse(f.body)).find((p) => p.success);
    return { markdown: finished.data.stream.content, ...(card?.success ? { card: card.data.template_card } : {}) };
  };

  const base = (o: { chatId?: string | undefined; userId: string; msgid?: string | undefined }) => ({
    msgid: o.msgid ?? randomBytes(12).toString('base64'),
    aibotid: 'AIBOT_LOCAL',
    chattype: o.chatId ? 'group' : 'single',
    ...(o.chatId ? { chatid: o.chatId } : {}),
    from: { userid: o.userId },
  });

  return {
    transport: 'ws',
    say(o: SayOptions) {
      const body: Record<string, unknown> = base(o);
      if (o.images?.length) {
        body.msgtype = 'mixed';
        body.mixed = { msg_item: [{ msgtype: 'text', text: { content: o.text } }, ...o.images.map((i) => ({ msgtype: 'image', image: { url: i.url, ...(i.aesKey ? { aeskey: i.aesKey } : {}) } }))] };
      } else {
        body.msgtype = 'text';
        body.text = { content: o.text };
      }
      if (o.quote !== undefined) body.quote = { msgtype: 'text', text: { content: o.quote } };
      return reply(body);
    },
    sendMedia(o) {
      return reply({ ...base(o), msgtype: o.kind, [o.kind]: { url: o.url, ...(o.aesKey ? { aeskey: o.aesKey } : {}) } });
    },
    async click(o) {
      const from = server.frames.length;
      const reqId = server.pushEvent({
        ...base(o),
        create_time: Math.floor(Date.now() / 1000),
        msgtype: 'event',
        event: { eventtype: 'template_card_event', template_card_event: { card_type: 'button_interaction', event_key: o.eventKey, task_id: o.taskId } },
      });
      const line = await answered(reqId);
      noMessageReplyOnEvent(reqId);
      const update = server.repliesTo(reqId).find((f) => f.cmd === 'aibot_respond_update_msg');
      const chat = o.chatId ?? o.userId;
      // The follow-up is sent (and acked) before the app logs the frame's line: a push that
      // arrives later (fix-reported, a timer's) is not it. Two in that span cannot be told apart.
      const answeredAt = Date.parse(String(line.time));
      const followUps = server.frames.slice(from).filter((f: Received) => f.cmd === 'aibot_send_msg' && f.body?.chatid === chat && f.at <= answeredAt);
      if (followUps.length > 1) throw new Error(`${followUps.length} messages to ${chat} while the click on ${reqId} was answered: ${JSON.stringify(followUps.map((f) => f.body))}`);
      const followUp = followUps.length ? markdownBody.parse(followUps[0]!.body).markdown.content : undefined;
      if (o.expectFollowUp && followUp === undefined) throw new Error(`no follow-up message after the click on ${reqId}`);
      return { ...(update ? { update: updateBody.parse(update.body).template_card } : {}), ...(followUp !== undefined ? { followUp } : {}) };
    },
    async enter(userId) {
      const reqId = server.pushEvent({ msgid: randomBytes(12).toString('base64'), create_time: Math.floor(Date.now() / 1000), aibotid: 'AIBOT_LOCAL', from: { userid: userId }, msgtype: 'event', event: { eventtype: 'enter_chat' } });
      await answered(reqId);
      noMessageReplyOnEvent(reqId);
      const welcome = server.repliesTo(reqId).find((f) => f.cmd === 'aibot_respond_welcome_msg');
      if (!welcome) throw new Error(`no welcome on ${reqId}`);
      return welcomeBody.parse(welcome.body).text.content;
    },
  };
}
