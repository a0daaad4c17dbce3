import type { IncomingMessage, MediaRef, QuotedMessage } from '../transport/types';
import type { MessageCallback, Quote } from './callback-schema';
import { stripBotMentions } from '../parsing/mentions';

/**
 * The most characters of a message's text (and of a quoted message's) that duban reads. A WeCom
 * text message holds a few thousand bytes at most (2 048 bytes of UTF-8 for a group robot's text,
 * 4 096 for markdown: docs/wecom-protocol.md §4.2), so 4 000 characters is above anything a person
 * can send, yet small enough that no later stage (mention stripping, Traditional→Simplified
 * conversion, the tokenizer) ever works on the 100 000 characters the callback schema lets
 * through. A cut command is still over the pipeline's 2 000-character command limit, so its
 * sender gets the usual "内容太长了" reply, not silence.
 */
export const MAX_MESSAGE_TEXT = 4000;

/** Turns a validated WeCom message callback (webhook or long connection body) into duban's message. */
export function toIncoming(cb: MessageCallback, transport: IncomingMessage['transport'], botNames: readonly string[]): IncomingMessage {
  const { text, media } = contentOf(cb);
  const msg: IncomingMessage = {
    transport,
    msgid: cb.msgid,
    chatType: cb.chattype,
    chatId: cb.chattype === 'group' && cb.chatid ? cb.chatid : cb.from.userid,
    userId: cb.from.userid,
    text: stripBotMentions(capText(text), botNames),
    media,
  };
  // Never act on half a message: the pipeline refuses a cut one with the usual reply.
  if (text.length > MAX_MESSAGE_TEXT && capText(text) !== text) msg.truncated = true;
  if (cb.quote) msg.quote = quoteOf(cb.quote, botNames);
  if (cb.response_url) msg.responseUrl = cb.response_url;
  return msg;
}

function mediaRef(kind: MediaRef['kind'], m: { url: string; aeskey?: string | undefined }): MediaRef {
  return m.aeskey ? { kind, url: m.url, aesKey: m.aeskey } : { kind, url: m.url };
}

function contentOf(cb: MessageCallback | Quote): { text: string; media: MediaRef[] } {
  switch (cb.msgtype) {
    case 'text':
      return { text: cb.text.content, media: [] };
    case 'voice':
      return { text: cb.voice.content, media: [] };
    case 'image':
      return { text: '', media: [mediaRef('image', cb.image)] };
    case 'file':
      return { text: '', media: [mediaRef('file', cb.file)] };
    case 'video':
      return { text: '', media: [mediaRef('video', cb.video)] };
    case 'mixed': {
      const texts: string[] = [];
      const media: MediaRef[] = [];
      for (const item of cb.mixed.msg_item) {
        if (item.msgtype === 'text') texts.push(item.text.content);
        else media.push(mediaRef('image', item.image));
      }
      return { text: texts.join('\n'), media };
    }
  }
}

function quoteOf(q: Quote, botNames: readonly string[]): QuotedMessage {
  const { text, media } = contentOf(q);
  return { text: stripBotMentions(capText(text), botNames), media };
}

/** The first MAX_MESSAGE_TEXT code points: never half of a surrogate pair. */
export function capText(text: string, max = MAX_MESSAGE_TEXT): string {
  if (text.length <= max) return text; // UTF-16 units ≥ code points, so nothing to cut
  let points = 0;
  let end = 0;
  while (end < text.length && points < max) {
    const code = text.codePointAt(end)!;
    end += code > 0xffff ? 2 : 1;
    points++;
  }
  return text.slice(0, end);
}
