import { callbackSchema, messageCallbackSchema } from '../../src/wecom/callback-schema';
import { capText, MAX_MESSAGE_TEXT, toIncoming } from '../../src/wecom/to-incoming';

/**
 * The payloads are the decrypted callback examples of docs/wecom-protocol.md §1.2, field for field; only
 * the doc's placeholder bot name ("@RobotA", "@机器人") is replaced by the configured one.
 */
const botNames = ['督办助手'];

const groupTextWithQuote = {
  msgid: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
  aibotid: 'AIBOTID',
  chatid: 'CHATID',
  chattype: 'group',
  from: { userid: 'USERID' },
  response_url: 'RESPONSEURL',
  msgtype: 'text',
  text: { content: '@督办助手 hello robot' },
  quote: { msgtype: 'text', text: { content: '这是今日的测试情况' } },
};

const groupMixed = {
  msgid: 'CAIQrcjMjQYY/NGagIOAgAMg6PDc/w0=',
  aibotid: 'AIBOTID',
  chatid: 'CHATID',
  chattype: 'group',
  from: { userid: 'USERID' },
  response_url: 'RESPONSEURL',
  msgtype: 'mixed',
  mixed: {
    msg_item: [
      { msgtype: 'text', text: { content: '@督办助手 这是今日的测试情况' } },
      { msgtype: 'image', image: { url: 'https://ww-aibot-img-1258476243.cos.ap-guangzhou.myqcloud.com/a?sign=1' } },
    ],
  },
  quote: { msgtype: 'text', text: { content: '这是今日的测试情况' } },
};

const singleImage = {
  msgid: 'CAIQz7/MjQYY/NGagIOAgAMgl8jK/gI=',
  aibotid: 'AIBOTID',
  chattype: 'single',
  from: { userid: 'USERID' },
  response_url: 'RESPONSEURL',
  msgtype: 'image',
  image: { url: 'https://ww-aibot-img-1258476243.cos.ap-guangzhou.myqcloud.com/BHoPdA3/7571665296904772241?sign=abc' },
};

const singleVoice = {
  msgid: 'CAIQrcjMjQYY/NGagIOAgAMg6PDc/w0=',
  aibotid: 'AIBOTID',
  chattype: 'single',
  from: { userid: 'USERID' },
  response_url: 'RESPONSEURL',
  msgtype: 'voice',
  voice: { content: '这是语音转成文本的内容' },
};

const singleFile = {
  msgid: 'msg-file-1',
  aibotid: 'AIBOTID',
  chattype: 'single',
  from: { userid: 'USERID' },
  response_url: 'RESPONSEURL',
  msgtype: 'file',
  file: { url: 'https://example.invalid/file?sign=f' },
};

const singleVideo = {
  msgid: 'msg-video-1',
  aibotid: 'AIBOTID',
  chattype: 'single',
  from: { userid: 'USERID' },
  response_url: 'RESPONSEURL',
  msgtype: 'video',
  video: { url: 'https://example.invalid/video?sign=v' },
};

function incoming(payload: unknown, names: readonly string[] = botNames, transport: 'webhook' | 'ws' = 'webhook') {
  return toIncoming(messageCallbackSchema.parse(payload), transport, names);
}

describe('toIncoming on the docs/wecom-protocol.md §1.2 examples', () => {
  it('group text with a quote: mention stripped, quote text kept, response_url carried', () => {
    expect(incoming(groupTextWithQuote)).toEqual({
      transport: 'webhook',
      msgid: 'CAIQ16HMjQYY/NGagIOAgAMgq4KM0AI=',
      chatType: 'group',
      chatId: 'CHATID',
      userId: 'USERID',
      text: 'hello robot',
      media: [],
      quote: { text: '这是今日的测试情况', media: [] },
      responseUrl: 'RESPONSEURL',
    });
  });

  it('the verbatim doc example strips @RobotA when that is the configured name', () => {
    const verbatim = { ...groupTextWithQuote, text: { content: '@RobotA hello robot' } };
    expect(incoming(verbatim, ['RobotA']).text).toBe('hello robot');
    expect(incoming(verbatim, botNames).text).toBe('@RobotA hello robot');
  });

  it('mixed text + image: text without the mention, image in media, quote kept', () => {
    const msg = incoming(groupMixed);
    expect(msg.chatType).toBe('group');
    expect(msg.chatId).toBe('CHATID');
    expect(msg.text).toBe('这是今日的测试情况');
    expect(msg.media).toEqual([
      { kind: 'image', url: 'https://ww-aibot-img-1258476243.cos.ap-guangzhou.myqcloud.com/a?sign=1' },
    ]);
    expect(msg.quote).toEqual({ text: '这是今日的测试情况', media: [] });
    expect(msg.responseUrl).toBe('RESPONSEURL');
  });

  it('mixed with two text items joins them with a newline, in order', () => {
    const twoTexts = {
      ...groupMixed,
      mixed: {
        msg_item: [
          { msgtype: 'text', text: { content: '@督办助手 /整改 #12 已整改' } },
          { msgtype: 'image', image: { url: 'https://img.example/1' } },
          { msgtype: 'text', text: { content: '闸阀已更换' } },
          { msgtype: 'image', image: { url: 'https://img.example/2' } },
        ],
      },
    };
    const msg = incoming(twoTexts);
    expect(msg.text).toBe('/整改 #12 已整改\n闸阀已更换');
    expect(msg.media.map((m) => m.url)).toEqual(['https://img.example/1', 'https://img.example/2']);
  });

  it('single-chat image: chatId is the userid, no text, the image in media', () => {
    expect(incoming(singleImage)).toEqual({
      transport: 'webhook',
      msgid: 'CAIQz7/MjQYY/NGagIOAgAMgl8jK/gI=',
      chatType: 'single',
      chatId: 'USERID',
      userId: 'USERID',
      text: '',
      media: [{ kind: 'image', url: singleImage.image.url }],
      responseUrl: 'RESPONSEURL',
    });
  });

  it('single-chat voice: the transcription is the text', () => {
    const msg = incoming(singleVoice);
    expect(msg.chatId).toBe('USERID');
    expect(msg.chatType).toBe('single');
    expect(msg.text).toBe('这是语音转成文本的内容');
    expect(msg.media).toEqual([]);
  });

  it('single-chat file and video land in media with their kind', () => {
    expect(incoming(singleFile).media).toEqual([{ kind: 'file', url: 'https://example.invalid/file?sign=f' }]);
    expect(incoming(singleVideo).media).toEqual([{ kind: 'video', url: 'https://example.invalid/video?sign=v' }]);
    expect(incoming(singleFile).chatId).toBe('USERID');
  });

  it('a mention-only text quoting a bot message keeps the quoted text and media (aeskey on the long connection)', () => {
    const quoteReply = {
      ...groupTextWithQuote,
      text: { content: '@督办助手' },
      quote: {
        msgtype: 'mixed',
        mixed: {
          msg_item: [
            { msgtype: 'text', text: { content: '#12 已交办 斑竹村' } },
            { msgtype: 'image', image: { url: 'https://img.example/q', aeskey: 'AESKEY' } },
          ],
        },
      },
    };
    const msg = incoming(quoteReply, botNames, 'ws');
    expect(msg.transport).toBe('ws');
    expect(msg.text).toBe('');
    expect(msg.quote).toEqual({ text: '#12 已交办 斑竹村', media: [{ kind: 'image', url: 'https://img.example/q', aesKey: 'AESKEY' }] });
  });

  it('has no responseUrl or quote when the callback has none', () => {
    const { response_url: _url, quote: _quote, ...bare } = groupTextWithQuote;
    const msg = incoming(bare);
    expect('responseUrl' in msg).toBe(false);
    expect('quote' in msg).toBe(false);
  });
});

describe('callbackSchema', () => {
  it('refuses a group message without chatid (it would pass for a single chat)', () => {
    const { chatid: _chatid, ...noChat } = groupTextWithQuote;
    const result = callbackSchema.safeParse(noChat);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['chatid']);
  });
});

describe('messageCallbackSchema', () => {
  it('refuses a group text without from', () => {
    const { from: _from, ...noFrom } = groupTextWithQuote;
    const result = messageCallbackSchema.safeParse(noFrom);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual(['from']);
  });

  it('refuses a from without userid', () => {
    expect(messageCallbackSchema.safeParse({ ...groupTextWithQuote, from: { corpid: 'x' } }).success).toBe(false);
  });

  it('refuses a message type it does not know', () => {
    expect(messageCallbackSchema.safeParse({ ...singleImage, msgtype: 'location', location: {} }).success).toBe(false);
  });

  it('accepts and keeps unknown extra fields at every level', () => {
    const extended = {
      ...groupTextWithQuote,
      create_time: 1700000000,
      from: { userid: 'USERID', corpid: 'CORP', nickname: 'new field' },
      text: { content: '@督办助手 /我是谁', lang: 'zh' },
    };
    const parsed = messageCallbackSchema.parse(extended);
    expect(parsed).toMatchObject({ create_time: 1700000000, from: { nickname: 'new field' }, text: { lang: 'zh' } });
    expect(toIncoming(parsed, 'webhook', botNames).text).toBe('/我是谁');
  });
});

describe('toIncoming caps the text near WeCom’s own limit before anything reads it', () => {
  const text = (content: string) => ({ ...groupTextWithQuote, text: { content } });

  it('keeps a message of MAX_MESSAGE_TEXT characters whole', () => {
    const content = `@督办助手 /上报 斑竹村 ${'漏'.repeat(MAX_MESSAGE_TEXT - 14)}`;
    expect([...content]).toHaveLength(MAX_MESSAGE_TEXT);
    expect(incoming(text(content)).text).toBe(content.slice('@督办助手 '.length));
  });

  it('cuts 99 000 characters to the first 4 000, mention stripped after the cut', () => {
    const msg = incoming(text(`@督办助手 /上报 斑竹村 ${'漏'.repeat(99_000)}`));
    expect(MAX_MESSAGE_TEXT).toBe(4000);
    expect(msg.text.startsWith('/上报 斑竹村 漏')).toBe(true);
    expect([...msg.text]).toHaveLength(MAX_MESSAGE_TEXT - '@督办助手 '.length);
  });

  it('counts characters, not UTF-16 units, and never leaves half an emoji', () => {
    const msg = incoming({ ...text(`${'😀'.repeat(60_000)}`), chattype: 'single' });
    expect([...msg.text]).toHaveLength(MAX_MESSAGE_TEXT);
    expect(msg.text).toBe('😀'.repeat(MAX_MESSAGE_TEXT));
    expect(msg.text.isWellFormed()).toBe(true);
  });

  it('caps the joined text of a mixed message and the text of a quote', () => {
    const mixed = {
      ...groupMixed,
      mixed: { msg_item: Array.from({ length: 10 }, () => ({ msgtype: 'text', text: { content: '闸'.repeat(3_000) } })) },
      quote: { msgtype: 'text', text: { content: '引'.repeat(50_000) } },
    };
    const msg = incoming(mixed);
    expect([...msg.text]).toHaveLength(MAX_MESSAGE_TEXT);
    expect(msg.quote?.text).toBe('引'.repeat(MAX_MESSAGE_TEXT));
  });

  it('capText keeps a lone surrogate as one character and cuts nothing short of the limit', () => {
    expect(capText('a\ud800b', 2)).toBe('a\ud800');
    expect(capText('😀😀😀', 2)).toBe('😀😀');
    expect(capText('短', 2)).toBe('短');
  });
});
