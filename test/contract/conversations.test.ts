import { randomBytes } from 'node:crypto';
import { createKeys } from '../../src/store/keys';
import { BOT_NAME, demoOrgWith } from '../support/app';
import { TRANSPORTS, type TransportUnderTest } from '../support/drivers';

/**
 * The contract: the same conversations, word for word, over the callback URL and over the long
 * connection. Each transport runs the real app on real Redis, spoken to in its own wire protocol
 * (encrypted callbacks; frames of a local fake long-connection server to the real SDK client).
 */
const MEMBER = 'u_t1_m2'; // 唐建平, 第一工作队
const VERIFIER = 'u_t1_m3'; // 冉小兵, 第一工作队
const LEADER = 'u_luo'; // 罗志刚, 队长
const SEC = 'u_sec_banzhu'; // 陈晓燕, 斑竹村书记
const CHAT = 'CHAT_T1';

describe.each(TRANSPORTS)('conversations over $name', (factory) => {
  let u: TransportUnderTest;
  beforeAll(async () => {
    // Every chat has a group robot (KEY_<chatid>), so the push channel is a real choice.
    u = await factory.start({ org: demoOrgWith({}) });
  });
  afterAll(async () => {
    await u.stop();
  });
  const say = (userId: string, text: string, extra: { msgid?: string; images?: { url: string; aesKey?: string }[] } = {}) =>
    u.driver.say({ chatId: CHAT, userId, text: `@${BOT_NAME} ${text}`, ...extra });

  it('runs the loop: report → fix → verify → /status', async () => {
    const reported = await say(MEMBER, '/上报 斑竹村 闸阀老化漏水，群众反映强烈 期限:5个工作日内');
    const id = Number(/#(\d+)/.exec(reported.markdown)?.[1]);
    expect(reported.markdown).toContain(`📌 已登记 **#${id}** 福禄镇斑竹村：闸阀老化漏水，群众反映强烈`);
    expect(reported.markdown).toContain('责任人：@陈晓燕');

    const fixed = await say(SEC, `/整改 #${id} 闸阀已更换`, { images: [{ url: 'https://img.example/1.jpg', aesKey: 'a'.repeat(43) }] });
    expect(fixed.markdown).toContain(`✅ **#${id}** 福禄镇斑竹村 已反馈整改，状态：待核验`);
    expect(fixed.markdown).toContain('（照片 1 张）');

    const verified = await say(VERIFIER, `/销号 #${id} 现场核验无误`);
    expect(verified.markdown).toContain(`☑️ **#${id}** 福禄镇斑竹村 已销号（按期整改）`);

    const status = await say(LEADER, '/status');
    expect(status.markdown).toContain('**第一工作队 · 累计**');
    expect(status.markdown).toMatch(/发现 1　已销号 1　逾期 0/);
  });

  it('asks for a missing field and takes the answer', async () => {
    expect((await say(MEMBER, '/上报')).markdown).toMatch(/^❓ 是哪个单位的问题？/);
    expect((await say(MEMBER, '斑竹村')).markdown).toMatch(/^❓ 请简要描述在斑竹村发现的问题/);
    expect((await say(MEMBER, '垃圾桶破损')).markdown).toMatch(/📌 已登记 \*\*#\d+\*\* 福禄镇斑竹村：垃圾桶破损/);
  });

  it('acts once on a re-delivered msgid, answering it the same', async () => {
    const msgid = randomBytes(12).toString('base64');
    const first = await say(MEMBER, '/上报 斑竹村 路灯不亮', { msgid });
    const again = await say(MEMBER, '/上报 斑竹村 路灯不亮', { msgid });
    expect(again.markdown).toBe(first.markdown);
    const ids = await u.t.redis.zrange(createKeys(u.t.prefix).byUnit('banzhu'), '0', '-1');
    const issues = await Promise.all(ids.map((i) => u.t.redis.hget(createKeys(u.t.prefix).issue(Number(i)), 'description')));
    expect(issues.filter((d) => d === '路灯不亮')).toHaveLength(1);
  });

  it('welcomes someone opening the single chat, by name', async () => {
    const welcome = await u.driver.enter(SEC);
    expect(welcome).toContain('您好，陈晓燕！我是督办助手。');
    expect(welcome).toContain('/我的');
  });

  it('refuses a command outside the sender’s role, in words, and changes nothing', async () => {
    const refused = await say(SEC, '/上报 斑竹村 标语破损');
    expect(refused.markdown).toMatch(/^无权限/);
    const open = await u.t.redis.zcard(createKeys(u.t.prefix).byUnit('banzhu'));
    expect(await say(SEC, '/上报 斑竹村 标语破损')).toEqual(refused);
    expect(await u.t.redis.zcard(createKeys(u.t.prefix).byUnit('banzhu'))).toBe(open);
  });

  it('sends a push that @s nobody the transport’s way, and one that @s someone through the group robot', async () => {
    // The chat talks to the bot first: the long connection may push there (whatever ran before).
    expect((await say(LEADER, '/我是谁')).markdown).toContain('罗志刚');
    const createdAt = Date.now();
    await u.t.app.jobs.push({ id: `bulletin-contract-${factory.name}`, chatId: CHAT, kind: 'bulletin', format: 'markdown', content: '**示例区整改工作通报**', mentions: [], createdAt });
    await u.t.app.jobs.push({ id: `remind-contract-${factory.name}`, chatId: CHAT, kind: 'remind-now', format: 'text', content: '📣 催办 #1', mentions: [SEC], createdAt });
    const atSomeone = await u.wecom.waitFor((ms) => ms.some((m) => m.content === '📣 催办 #1'));
    expect(atSomeone.find((m) => m.content === '📣 催办 #1')).toMatchObject({ key: `KEY_${CHAT}`, mentions: [SEC] });
    if (factory.name === 'webhook') {
      await u.wecom.waitFor((ms) => ms.some((m) => m.content === '**示例区整改工作通报**'));
      expect(u.wecom.delivered(`KEY_${CHAT}`).map((m) => m.content)).toContain('**示例区整改工作通报**');
    } else {
      const frames = await u.ws!.waitForFrame(() => u.ws!.sends(CHAT).length > 0);
      const sent = frames.filter((f) => f.cmd === 'aibot_send_msg');
      expect(sent.map((f) => f.body)).toEqual([{ chatid: CHAT, chat_type: 2, msgtype: 'markdown', markdown: { content: '**示例区整改工作通报**' } }]);
      expect(u.wecom.messages.map((m) => m.content)).not.toContain('**示例区整改工作通报**');
    }
  });
});
