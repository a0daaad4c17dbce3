import type { IncomingMessage, MediaRef, QuotedMessage } from '../transport/types';
import type { MessageCallback, Quote } from './callback-schema';
import { stripBotMentions } from '../parsing/mentions';

/** Turns a validated WeCom message callback (webhook or long connection body) into duban's message. */
export function toIncoming(cb: MessageCallback, transport: IncomingMessage['transport'], botNames: readonly string[]): IncomingMessage {
  const { text, media } = contentOf(cb);
  const msg: IncomingMessage = {
    transport,
    msgid: cb.msgid,
    chatType: cb.chattype,
    chatId: cb.chattype === 'group' && cb.chatid ? cb.chatid : cb.from.userid,
    userId: cb.from.userid,
    text: stripBotMentions(text, botNames),
    media,
  };
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
  return { text: stripBotMentions(text, botNames), media };
}
