import { createCipheriv } from 'node:crypto';
import * as officialCrypto from '@wecom/crypto';
import { z } from 'zod';
import { CryptoError, WecomCallbackCrypto } from '../../src/wecom/crypto';
import vectorsFile from '../support/wecom-test-vectors.json';

/** Official WeCom vectors (docs/wecom-protocol.md §2.5), kept in test/support/wecom-test-vectors.json. */
const vectorSchema = z.object({
  name: z.string(),
  token: z.string(),
  encoding_aes_key: z.string(),
  receiveid: z.string(),
  timestamp: z.string(),
  nonce: z.string(),
  msg_signature: z.string(),
  encrypt: z.string(),
  expected_plaintext: z.string(),
  random_hex: z.string(),
  derived: z.boolean(),
  expected_reply_body: z.string().optional(),
  echostr_url_encoded: z.string().optional(),
});
const vectors = z.object({ vectors: z.array(vectorSchema) }).parse(vectorsFile).vectors;

describe('WeCom callback crypto against the official vectors', () => {
  it.each(vectors.map((v) => [v.name, v] as const))('%s: signature verifies and the ciphertext decrypts', (_name, v) => {
    const c = new WecomCallbackCrypto(v.token, v.encoding_aes_key, v.receiveid);
    expect(c.signature(v.timestamp, v.nonce, v.encrypt)).toBe(v.msg_signature);
    expect(c.verify(v.msg_signature, v.timestamp, v.nonce, v.encrypt)).toBe(true);
    expect(c.decrypt(v.encrypt)).toBe(v.expected_plaintext);
  });

  it.each(vectors.map((v) => [v.name, v] as const))('%s: re-encrypting with the recovered random gives the same ciphertext', (_name, v) => {
    const c = new WecomCallbackCrypto(v.token, v.encoding_aes_key, v.receiveid);
    expect(c.encrypt(v.expected_plaintext, Buffer.from(v.random_hex, 'hex'))).toBe(v.encrypt);
  });

  it('official URL verification: the URL-decoded echostr verifies and decrypts', () => {
    const v = vectors.find((x) => x.name === 'official_verify_url_QDG6eK')!;
    const echostr = new URLSearchParams(`e=${v.echostr_url_encoded}`).get('e')!;
    const c = new WecomCallbackCrypto(v.token, v.encoding_aes_key, v.receiveid);
    expect(c.verify(v.msg_signature, v.timestamp, v.nonce, echostr)).toBe(true);
    expect(c.decrypt(echostr)).toBe('1616140317555161061');
  });

  it('builds the passive stream reply body byte for byte', () => {
    const v = vectors.find((x) => x.name === 'aibot_derived_stream_passive_reply')!;
    const c = new WecomCallbackCrypto(v.token, v.encoding_aes_key);
    const reply = c.encryptReply(v.expected_plaintext, v.timestamp, v.nonce, Buffer.from(v.random_hex, 'hex'));
    expect(JSON.parse(v.expected_reply_body!)).toEqual(reply);
  });

  describe('refuses what @wecom/crypto alone would let through', () => {
    const v = vectors.find((x) => x.name === 'aibot_derived_text_callback')!;
    const c = new WecomCallbackCrypto(v.token, v.encoding_aes_key);

    it('a receive id other than "" (a corp-app ciphertext sent to the robot)', () => {
      const official = vectors.find((x) => x.name === 'official_json_post_decrypt_go')!;
      const robot = new WecomCallbackCrypto(official.token, official.encoding_aes_key);
      expect(() => robot.decrypt(official.encrypt)).toThrow(expect.objectContaining({ code: 'receive_id' }));
    });

    it('a flipped byte in the last block (padding no longer canonical)', () => {
      const bytes = Buffer.from(v.encrypt, 'base64');
      bytes[bytes.length - 1]! ^= 0x01;
      expect(() => c.decrypt(bytes.toString('base64'))).toThrow(CryptoError);
    });

    it('a truncated ciphertext', () => {
      const bytes = Buffer.from(v.encrypt, 'base64').subarray(0, 48);
      expect(() => c.decrypt(bytes.toString('base64'))).toThrow(CryptoError);
    });

    it('text that is not base64, and ciphertext under one block', () => {
      expect(() => c.decrypt('not base64 at all!')).toThrow(CryptoError);
      expect(() => c.decrypt(Buffer.alloc(16).toString('base64'))).toThrow(CryptoError);
    });

    it('a forged signature, compared in constant time, including a wrong-length one', () => {
      expect(c.verify('0'.repeat(40), v.timestamp, v.nonce, v.encrypt)).toBe(false);
      expect(c.verify('abc', v.timestamp, v.nonce, v.encrypt)).toBe(false);
      expect(c.verify(v.msg_signature.toUpperCase(), v.timestamp, v.nonce, v.encrypt)).toBe(true);
    });

    it('an EncodingAESKey that is not 43 characters', () => {
      expect(() => new WecomCallbackCrypto('t', 'short')).toThrow(expect.objectContaining({ code: 'key' }));
    });
  });
});

describe('the framing done here agrees with the official @wecom/crypto', () => {
  const v = vectors.find((x) => x.name === 'aibot_derived_text_callback')!;
  const c = new WecomCallbackCrypto(v.token, v.encoding_aes_key);
  // Lengths around the 32-byte padding boundary, multi-byte characters and an emoji (a surrogate pair).
  const messages = ['', 'a', 'x'.repeat(11), 'x'.repeat(12), 'x'.repeat(13), 'x'.repeat(44), '斑竹村闸阀老化漏水', `${'群'.repeat(40)}😀`, JSON.stringify({ msgtype: 'text', text: { content: '/上报 斑竹村 路灯不亮' } })];

  it.each(messages.map((m) => [m.length, m] as const))('a message of %i characters: the same ciphertext, and each decrypts the other', (_n, m) => {
    const random = Buffer.from(v.random_hex, 'hex');
    const ours = c.encrypt(m, random);
    expect(ours).toBe(officialCrypto.encrypt(v.encoding_aes_key, m, '', random));
    expect(officialCrypto.decrypt(v.encoding_aes_key, ours).message).toBe(m);
    expect(c.decrypt(officialCrypto.encrypt(v.encoding_aes_key, m, '', random))).toBe(m);
  });

  it('signs as getSignature does, whatever sorts first', () => {
    for (const [timestamp, nonce, encrypt] of [['1700000000', 'nonce', 'AAAA'], ['9', 'Zz', 'aa+/='], ['', '', ''], ['1', '１', '😀']] as const) {
      expect(c.signature(timestamp, nonce, encrypt)).toBe(officialCrypto.getSignature(v.token, timestamp, nonce, encrypt));
    }
  });

  it('gives each reply its own random prefix', () => {
    const randoms = new Set(Array.from({ length: 600 }, () => officialCrypto.decrypt(v.encoding_aes_key, c.encrypt('same')).random.toString('hex')));
    expect(randoms.size).toBe(600);
  });

  it('refuses a length field that runs past the plaintext, bad padding bytes, invalid UTF-8 and a second spelling of the base64', () => {
    const key = Buffer.from(`${v.encoding_aes_key}=`, 'base64');
    const seal = (plain: Buffer) => {
      const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
      return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
    };
    const framed = (length: number, body: Buffer, pad: Buffer) => Buffer.concat([Buffer.alloc(16, 7), Buffer.from([0, 0, 0, length]), body, pad]);
    const ok = framed(4, Buffer.from('okay'), Buffer.alloc(8, 8));
    expect(c.decrypt(seal(ok))).toBe('okay');
    expect(() => c.decrypt(seal(framed(9, Buffer.from('okay'), Buffer.alloc(8, 8))))).toThrow(CryptoError);
    expect(() => c.decrypt(seal(framed(4, Buffer.from('okay'), Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]))))).toThrow(CryptoError);
    expect(() => c.decrypt(seal(framed(4, Buffer.from([0x6f, 0xff, 0xfe, 0x79]), Buffer.alloc(8, 8))))).toThrow(CryptoError);
    expect(() => c.decrypt(seal(framed(4, Buffer.from('okay'), Buffer.alloc(8, 0))))).toThrow(CryptoError);
    // 32 bytes are 44 characters ending in "=": the last letter carries 2 bits past the bytes;
    // the same bytes spelt with one of them set.
    const canonical = seal(ok);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const i = canonical.length - 2;
    const other = `${canonical.slice(0, i)}${alphabet[alphabet.indexOf(canonical[i]!) ^ 1]}=`;
    expect(Buffer.from(other, 'base64')).toEqual(Buffer.from(canonical, 'base64'));
    expect(() => c.decrypt(other)).toThrow(CryptoError);
    // Letters base64 does not have, which Buffer.from would skip or read as URL-safe base64.
    for (const spoilt of [`${canonical.slice(0, 8)} ${canonical.slice(8)}`, `${canonical.slice(0, 8)}!${canonical.slice(8)}`, canonical.replace(/\+/gu, '-').replace(/\//gu, '_'), canonical.replace(/=+$/u, '')]) {
      if (spoilt !== canonical) expect(() => c.decrypt(spoilt)).toThrow(CryptoError);
    }
  });
});
