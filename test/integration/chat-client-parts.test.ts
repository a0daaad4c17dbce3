import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decryptMedia } from '../../jobs/evidence/media-crypto';
import { sniffType } from '../../jobs/evidence/file-type';
import { CardBook, parseClick } from '../../src/cli/card-book';
import { cardShare, readSharedCard, type SharedCard } from '../../src/cli/card-share';
import { demoPhoto, DemoPhotos, encryptMedia } from '../../src/cli/demo-photos';
import { serveFollowUps } from '../../src/cli/follow-ups';
import { createKeys } from '../../src/store/keys';
import type { TemplateCard } from '../../src/transport/template-card';
import { TEST_AES_KEY } from '../support/app';
import { testPrefix, testRedis, testRedisUrl } from '../support/redis';
import { pollUntil } from '../support/wait';

/** The chat client's parts on their own: its photos, its card book, the shared-card stream. */
const vectors = JSON.parse(readFileSync(path.join(__dirname, '..', 'support', 'wecom-test-vectors.json'), 'utf8')) as {
  media_vectors: { aes_key_base64: string; ciphertext_base64: string; expected_plaintext: string }[];
};

/** The JPEG's segments from SOI up to the scan (marker, length), checking every length fits. */
function segments(jpeg: Buffer): { marker: number; body: Buffer }[] {
  expect(jpeg.subarray(0, 2)).toEqual(Buffer.from([0xff, 0xd8]));
  const out: { marker: number; body: Buffer }[] = [];
  for (let i = 2; ; ) {
    expect(jpeg[i]).toBe(0xff);
    const marker = jpeg[i + 1]!;
    const len = jpeg.readUInt16BE(i + 2);
    expect(i + 2 + len).toBeLessThan(jpeg.length);
    out.push({ marker, body: jpeg.subarray(i + 4, i + 2 + len) });
    if (marker === 0xda) return out;
    i += 2 + len;
  }
}

describe('the chat client’s photos', () => {
  it('encrypts as WeCom does for webhook media: the vector, and what the evidence worker decrypts', () => {
    const v = vectors.media_vectors[0]!;
    expect(encryptMedia(Buffer.from(v.expected_plaintext, 'utf8'), v.aes_key_base64).toString('base64')).toBe(v.ciphertext_base64);
    const photo = demoPhoto('duban chat client demo photo 1');
    const encrypted = encryptMedia(photo, TEST_AES_KEY);
    expect(encrypted.length % 32).toBe(0);
    expect(decryptMedia(encrypted, TEST_AES_KEY).equals(photo)).toBe(true);
  });

  it('is a small real JPEG, different bytes for each label and the same picture', () => {
    const one = demoPhoto('photo 1');
    const two = demoPhoto('photo 2');
    expect(one.length).toBeLessThan(2048);
    expect(sniffType(one)).toBe('jpeg');
    expect(one.subarray(-2)).toEqual(Buffer.from([0xff, 0xd9]));
    expect(createHash('sha256').update(one).digest('hex')).not.toBe(createHash('sha256').update(two).digest('hex'));
    const [app0, com, ...rest] = segments(one);
    expect(app0!.marker).toBe(0xe0);
    expect(app0!.body.subarray(0, 5).toString('latin1')).toBe('JFIF\0');
    expect(com).toEqual({ marker: 0xfe, body: Buffer.from('photo 1', 'latin1') });
    // The frame (SOF0, 96×64) and the scan follow unchanged.
    const sof = rest.find((s) => s.marker === 0xc0)!;
    expect([sof.body.readUInt16BE(1), sof.body.readUInt16BE(3)]).toEqual([64, 96]);
    expect(segments(two).slice(2)).toEqual(rest);
    // A label cannot break the segment: non-ASCII becomes "?", and it is bounded.
    expect(segments(demoPhoto(`照片\u00ff${'x'.repeat(500)}`))[1]!.body.toString('latin1')).toBe(`???${'x'.repeat(197)}`);
  });

  it('serves each photo encrypted at its own path of the local server, 404 for any other, and knows when all were fetched', async () => {
    const photos = new DemoPhotos(TEST_AES_KEY);
    const server = await serveFollowUps(() => undefined, photos);
    try {
      const [a, b] = [photos.add(), photos.add()];
      expect(a).not.toBe(b);
      expect(await photos.allFetched(50)).toBe(false);
      expect(photos.waiting()).toBe(2);
      const bodies: Buffer[] = [];
      for (const p of [a, b]) {
        const res = await fetch(`${server.origin}${p}`);
        expect(res.status).toBe(200);
        bodies.push(decryptMedia(Buffer.from(await res.arrayBuffer()), TEST_AES_KEY));
      }
      expect(bodies.map((x) => sniffType(x))).toEqual(['jpeg', 'jpeg']);
      expect(bodies[0]!.equals(bodies[1]!)).toBe(false);
      expect(await photos.allFetched(50)).toBe(true);
      for (const bad of ['/media/000000000000000000000000.jpg', `${a}x`, '/', '/media/../etc/passwd']) {
        expect((await fetch(`${server.origin}${bad}`)).status).toBe(404);
      }
      expect(server.origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await server.close();
    }
  });
});

const card = (issueId: number, buttons: string[], state = 'assigned'): TemplateCard => ({
  card_type: 'button_interaction',
  task_id: `i${issueId}-${state}-lq3x9k2a-1a2b3c4d`,
  main_title: { title: `#${issueId} 福禄镇斑竹村` },
  button_list: buttons.map((text, i) => ({ text, key: `k${i}` })),
});

describe('the chat client’s clicks', () => {
  it('reads !n, 点n and a card’s issue, and nothing else', () => {
    expect(parseClick('!1')).toEqual({ button: 1 });
    expect(parseClick(' ！2 ')).toEqual({ button: 2 });
    expect(parseClick('点 3')).toEqual({ button: 3 });
    expect(parseClick('!1 #13')).toEqual({ button: 1, issueId: 13 });
    expect(parseClick('点2＃13')).toEqual({ button: 2, issueId: 13 });
    expect(parseClick('!2 13')).toEqual({ button: 2, issueId: 13 });
    for (const no of ['!', '1', '!x', '!1 #', '!1 #x', '!123', '点赞', '!1 #13 好', '/销号 #1']) expect(parseClick(no)).toBeUndefined();
  });

  it('picks the latest card, or the latest about an issue; an update replaces its card and counts as the latest', () => {
    const book = new CardBook();
    expect(book.pick({ button: 1 })).toEqual({ refusal: expect.stringContaining('还没有卡片可以点') });
    book.seen(card(1, ['已整改', '查看']));
    book.seen(card(2, ['已整改', '查看']));
    expect(book.pick({ button: 1 })).toMatchObject({ card: { task_id: 'i2-assigned-lq3x9k2a-1a2b3c4d' }, button: { text: '已整改' } });
    expect(book.pick({ button: 2, issueId: 1 })).toMatchObject({ card: { task_id: 'i1-assigned-lq3x9k2a-1a2b3c4d' }, button: { text: '查看' } });
    expect(book.pick({ button: 3 })).toEqual({ refusal: '最近的卡片没有第 3 个按钮。' });
    expect(book.pick({ button: 3, issueId: 1 })).toEqual({ refusal: '#1 的卡片没有第 3 个按钮。' });
    expect(book.pick({ button: 1, issueId: 9 })).toEqual({ refusal: expect.stringContaining('关于 #9 的卡片') });
    // #1's card turned into its result (same task_id, only 查看 left): the latest now, once.
    book.seen({ ...card(1, ['查看']) });
    expect(book.pick({ button: 1 })).toMatchObject({ card: { task_id: 'i1-assigned-lq3x9k2a-1a2b3c4d' }, button: { text: '查看' } });
    expect(book.pick({ button: 2, issueId: 1 })).toEqual({ refusal: '#1 的卡片没有第 2 个按钮。' });
  });
});

describe('the shared-card stream', () => {
  it('shows a card shared by another terminal in the same chat from the start on, not its own, not another chat’s, not junk', async () => {
    const key = createKeys(testPrefix()).chatCards;
    const redis = testRedis();
    const seen: { by: string; c: SharedCard }[] = [];
    const errors: Error[] = [];
    // Written before the terminals start: not shown.
    await redis.xadd(key, '*', 'chat', 'CHAT_T1', 'kind', 'card', 'card', JSON.stringify(card(7, ['查看'])), 'who', 'u_t1_m2', 'at', '1', 'client', 'old');
    const since = Date.now();
    const a = cardShare(testRedisUrl(), key, 'CHAT_T1', since, (c) => seen.push({ by: 'a', c }), (e) => errors.push(e));
    const b = cardShare(testRedisUrl(), key, 'CHAT_T1', since, (c) => seen.push({ by: 'b', c }), (e) => errors.push(e));
    const other = cardShare(testRedisUrl(), key, 'CHAT_T2', since, (c) => seen.push({ by: 'other', c }), (e) => errors.push(e));
    try {
      await redis.xadd(key, '*', 'chat', 'CHAT_T1', 'kind', 'card', 'card', '{"card_type":"nope"}', 'who', 'u_x', 'at', '1', 'client', 'junk');
      await redis.xadd(key, '*', 'chat', 'CHAT_T1', 'kind', 'card', 'card', 'not json', 'who', 'u_x', 'at', '1', 'client', 'junk');
      await a.share({ chat: 'CHAT_T1', kind: 'card', card: card(1, ['已整改', '查看']), who: 'u_t1_m2' });
      await a.share({ chat: 'CHAT_T1', kind: 'update', card: card(1, ['查看']), who: 'u_sec_banzhu', button: '已整改' });
      // Last, one from b to each chat: once a and other have seen theirs, they have read past all of the above.
      await b.share({ chat: 'CHAT_T1', kind: 'card', card: card(3, ['查看']), who: 'u_t1_m3' });
      await b.share({ chat: 'CHAT_T2', kind: 'card', card: card(4, ['查看']), who: 'u_t1_m3' });
      await pollUntil(() => seen.length >= 4, 'every terminal reading to the end');
      expect(seen.map((s) => [s.by, s.c.kind, s.c.who, s.c.button, s.c.card.task_id])).toEqual(
        expect.arrayContaining([
          ['b', 'card', 'u_t1_m2', undefined, 'i1-assigned-lq3x9k2a-1a2b3c4d'],
          ['b', 'update', 'u_sec_banzhu', '已整改', 'i1-assigned-lq3x9k2a-1a2b3c4d'],
          ['a', 'card', 'u_t1_m3', undefined, 'i3-assigned-lq3x9k2a-1a2b3c4d'],
          ['other', 'card', 'u_t1_m3', undefined, 'i4-assigned-lq3x9k2a-1a2b3c4d'],
        ]),
      );
      expect(seen).toHaveLength(4);
      expect(seen.find((s) => s.by === 'b')!.c.client).toBe(a.client);
      expect(await redis.xlen(key)).toBe(7);
      expect(errors).toEqual([]);
    } finally {
      for (const s of [a, b, other]) s.stop();
      await redis.del(key);
      redis.disconnect();
    }
  });

  it('reads an entry only as a whole valid card', () => {
    const good = new Map(Object.entries({ chat: 'C', kind: 'card', card: JSON.stringify(card(1, ['查看'])), who: 'u', at: '5', client: 'x' }));
    expect(readSharedCard(good)).toMatchObject({ chat: 'C', kind: 'card', at: 5, card: { task_id: 'i1-assigned-lq3x9k2a-1a2b3c4d' } });
    for (const [k, v] of [['kind', 'delete'], ['card', '{}'], ['card', 'x'.repeat(20_000)], ['at', 'soon'], ['who', '']] as const) {
      expect(readSharedCard(new Map([...good, [k, v]]))).toBeUndefined();
    }
    expect(readSharedCard(new Map([...good].filter(([k]) => k !== 'client')))).toBeUndefined();
  });
});
