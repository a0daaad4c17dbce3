import type { Redis } from 'ioredis';
import { commands } from '../../handlers';
import { fixedClock } from '../../src/clock';
import type { Read } from '../../src/pipeline/boundary';
import { ATTACH_WINDOW_MS, createLoosePhotos, type LoosePhotos } from '../../src/pipeline/loose-photos';
import { CommandRegistry } from '../../src/pipeline/registry';
import { HeldPhotos } from '../../src/store/evidence-held';
import { createKeys, type Keys } from '../../src/store/keys';
import type { IncomingMessage } from '../../src/transport/types';
import { demoOrg } from '../support/app';
import { testPrefix, testRedis } from '../support/redis';

/**
 * Photos sent apart from their /整改, on the real test Redis, with the two callbacks' steps
 * interleaved by hand: the orders a photo and a /整改 handled at the same moment can take
 * (src/pipeline/loose-photos.ts; docs/design.md §6.6).
 */
const org = demoOrg();
const SECRETARY = 'u_sec_banzhu';
const START = '2026-12-02T10:00:00+08:00';

let redis: Redis;
let keys: Keys;
let held: HeldPhotos;
let photos: LoosePhotos;
const clock = fixedClock(START);

beforeAll(() => {
  redis = testRedis();
});
afterAll(async () => {
  await redis.quit();
});
beforeEach(() => {
  clock.set(START);
  keys = createKeys(testPrefix());
  held = new HeldPhotos(redis, keys);
  photos = createLoosePhotos({ held, commands: new CommandRegistry(commands), clock });
});

let seq = 0;
function read(text: string, media = 0): Read {
  const message: IncomingMessage = {
    transport: 'webhook',
    msgid: `m${++seq}`,
    chatType: 'group',
    chatId: 'CHAT_T1',
    userId: SECRETARY,
    text,
    media: Array.from({ length: media }, (_, i) => ({ kind: 'image' as const, url: `http://127.0.0.1/media/${seq}-${i}` })),
    requestId: `r${seq}`,
  };
  return { message, org, sender: org.membership(SECRETARY), chat: org.chat('CHAT_T1'), text, quotedRef: undefined };
}

const routeName = async (r: Read) => {
  const routed = await photos.route(r, undefined);
  return routed?.kind === 'command' ? `${routed.command.name} ${routed.text}`.trim() : routed?.kind;
};

describe('a photo and its /整改 at the same moment', () => {
  it('the /整改 takes its photos before the photo is held: the photo is held, and the fix takes it after its commit', async () => {
    const fix = read('/整改 #12 已更换');
    expect((await photos.withHeld(fix)).taken).toEqual([]);
    // The photo arrives while the fix commits: no fix noted yet, so it is held.
    const photo = read('', 1);
    expect(await routeName(photo)).toBe('hold-photos');
    const after = await photos.fixed(fix, '#12 已更换');
    expect(after?.issueId).toBe(12);
    expect(after?.late.map((h) => h.media.url)).toEqual([photo.message.media[0]!.url]);
    expect(await redis.exists(keys.heldPhotos('CHAT_T1', SECRETARY))).toBe(0);
  });

  it('the photo comes after the fix was noted: it joins that fix, nothing held', async () => {
    const fix = read('/整改 #12 已更换');
    await photos.withHeld(fix);
    await photos.fixed(fix, '#12 已更换');
    expect(await routeName(read('', 1))).toBe('fix #12');
    expect(await redis.exists(keys.heldPhotos('CHAT_T1', SECRETARY))).toBe(0);
  });

  it('two /整改 at once never both take the same held photo', async () => {
    expect(await routeName(read('', 1))).toBe('hold-photos');
    const [a, b] = await Promise.all([photos.withHeld(read('/整改 #12 已更换')), photos.withHeld(read('/整改 #13 已更换'))]);
    expect(a.taken.length + b.taken.length).toBe(1);
  });

  it('a /整改 that did not go through holds its photos again', async () => {
    await routeName(read('', 2));
    const fix = read('/整改 #12 已更换');
    const { taken } = await photos.withHeld(fix);
    expect(taken).toHaveLength(2);
    await photos.refused(fix, taken);
    expect((await photos.withHeld(read('/整改 #12 已更换'))).taken).toHaveLength(2);
  });
});

describe('how long a photo is held', () => {
  it('drops a photo older than the window even while newer ones keep the hold alive', async () => {
    const old = read('', 1);
    await routeName(old);
    clock.advance(ATTACH_WINDOW_MS - 10_000);
    const newer = read('', 1);
    await routeName(newer);
    clock.advance(20_000);
    const { taken } = await photos.withHeld(read('/整改 #12 已更换'));
    expect(taken.map((h) => h.media.url)).toEqual([newer.message.media[0]!.url]);
  });
});
