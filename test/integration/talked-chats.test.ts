import { createKeys } from '../../src/store/keys';
import { botHash, TalkedChats, TALKED_KEEP_MS } from '../../src/wecom/talked-chats';
import { testPrefix, testRedis } from '../support/redis';

/** The chats that talked to a bot over the long connection: per bot, with their type, bounded in time. */
const redis = testRedis();
afterAll(async () => {
  await redis.quit();
});
const T = 1_800_000_000_000;

describe('the chats that talked to the bot', () => {
  it('are kept per bot: a replacement bot inherits none', async () => {
    const keys = createKeys(testPrefix());
    await new TalkedChats(redis, keys, 'BOT_OLD').record('CHAT_A', 'group', T);
    expect(await new TalkedChats(redis, keys, 'BOT_OLD').since('CHAT_A', T + 1)).toEqual({ at: T, chatType: 'group' });
    expect(await new TalkedChats(redis, keys, 'BOT_NEW').since('CHAT_A', T + 1)).toBeUndefined();
  });

  it('say whether a chat is a group or a single chat, as spelt', async () => {
    const talked = new TalkedChats(redis, createKeys(testPrefix()), 'BOT');
    await talked.record('u_Luo', 'single', T);
    expect(await talked.since('u_Luo', T)).toEqual({ at: T, chatType: 'single' });
    expect(await talked.since('u_luo', T)).toBeUndefined();
  });

  it('forget a chat silent for longer than the keep, and trim it away on the next message of its type', async () => {
    const keys = createKeys(testPrefix());
    const talked = new TalkedChats(redis, keys, 'BOT');
    await talked.record('u_old', 'single', T);
    await talked.record('u_recent', 'single', T + TALKED_KEEP_MS / 2);
    const later = T + TALKED_KEEP_MS + 1;
    expect(await talked.since('u_old', later)).toBeUndefined();
    expect(await talked.since('u_recent', later)).toEqual({ at: T + TALKED_KEEP_MS / 2, chatType: 'single' });
    await talked.record('u_new', 'single', later);
    expect(await redis.zrange(keys.wsChats(botHash('BOT'), 'single'), '0', '-1')).toEqual(['u_recent', 'u_new']);
  });
});
