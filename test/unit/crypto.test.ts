import * as wecomCrypto from '@wecom/crypto';
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

  it('gives every reply its own 16 random bytes, across refills of the random pool', () => {
    const v = vectors.find((x) => x.name === 'aibot_derived_stream_passive_reply')!;
    const c = new WecomCallbackCrypto(v.token, v.encoding_aes_key);
    const randoms = new Set<string>();
    // 600 replies: more than two 4 KiB pools of 16-byte slices.
    for (let i = 0; i < 600; i++) {
      const encrypt = c.encryptReply(`回复${i}`, v.timestamp, v.nonce).encrypt;
      const out = wecomCrypto.decrypt(v.encoding_aes_key, encrypt);
      expect(out.message).toBe(`回复${i}`);
      randoms.add(out.random.toString('hex'));
    }
    expect(randoms.size).toBe(600);
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
