import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decryptMedia, MediaDecryptError } from '../../jobs/evidence/media-crypto';
import { sniffType } from '../../jobs/evidence/file-type';
import { DEFAULT_MEDIA_HOSTS, mediaUrlRefusal, parseMediaHosts, type MediaHostRule } from '../../jobs/evidence/media-hosts';
import { evidenceState, SAVE_TIMEOUT_MS } from '../../src/rendering/evidence';
import { encryptMedia, jpeg, pdf, png, randomMediaKey } from '../support/evidence-media';

const vectors = JSON.parse(readFileSync(path.join(__dirname, '..', 'support', 'wecom-test-vectors.json'), 'utf8')) as {
  media_vectors: { aes_key_base64: string; ciphertext_base64: string; expected_plaintext: string }[];
};
const vector = vectors.media_vectors[0]!;

describe('media decryption (docs/wecom-protocol.md §2.3)', () => {
  it('decrypts the vector with the callback EncodingAESKey (43 characters, webhook mode)', () => {
    expect(vector.aes_key_base64).toHaveLength(43);
    expect(decryptMedia(Buffer.from(vector.ciphertext_base64, 'base64'), vector.aes_key_base64).toString('utf8')).toBe(vector.expected_plaintext);
  });

  it('decrypts the vector with the same key as a long-connection aeskey (base64 with its "=")', () => {
    expect(decryptMedia(Buffer.from(vector.ciphertext_base64, 'base64'), `${vector.aes_key_base64}=`).toString('utf8')).toBe(vector.expected_plaintext);
  });

  it('matches the tests’ own encryption, including a full padding block', () => {
    expect(encryptMedia(Buffer.from(vector.expected_plaintext, 'utf8'), vector.aes_key_base64).toString('base64')).toBe(vector.ciphertext_base64);
    const key = randomMediaKey();
    const aligned = Buffer.alloc(64, 7);
    expect(encryptMedia(aligned, key)).toHaveLength(96);
    expect(decryptMedia(encryptMedia(aligned, key), key).equals(aligned)).toBe(true);
  });

  it('refuses a wrong key, a cut download and a key that is not 32 bytes', () => {
    const cipher = Buffer.from(vector.ciphertext_base64, 'base64');
    // A fixed wrong key (a random one would leave valid-looking padding once in a few hundred runs).
    expect(() => decryptMedia(cipher, 'B'.repeat(43))).toThrow(MediaDecryptError);
    expect(() => decryptMedia(cipher.subarray(0, 16), vector.aes_key_base64)).toThrow(/32-byte blocks/);
    expect(() => decryptMedia(Buffer.alloc(0), vector.aes_key_base64)).toThrow(MediaDecryptError);
    expect(() => decryptMedia(cipher, 'c2hvcnQ=')).toThrow(/32 bytes/);
  });
});

describe('the kept types, by their first bytes', () => {
  it('knows JPEG, PNG and PDF', () => {
    expect(sniffType(jpeg())).toBe('jpeg');
    expect(sniffType(png())).toBe('png');
    expect(sniffType(pdf())).toBe('pdf');
  });

  it('refuses GIF, HTML, SVG and short input', () => {
    expect(sniffType(Buffer.from('GIF89a\x01\x00\x01\x00', 'latin1'))).toBeUndefined();
    expect(sniffType(Buffer.from('<!doctype html><script>alert(1)</script>'))).toBeUndefined();
    expect(sniffType(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeUndefined();
    expect(sniffType(Buffer.from([0xff, 0xd8]))).toBeUndefined();
  });
});

describe('the media key, read leniently (docs/wecom-protocol.md §2.3)', () => {
  it('takes the URL-safe alphabet and any padding, and still refuses a key that is not 32 bytes', () => {
    // Bytes whose base64 is all "+" and "/" where the alphabets differ.
    const key = Buffer.from(Array.from({ length: 32 }, (_, i) => [0xfb, 0xef, 0xff][i % 3]!));
    const standard = key.toString('base64');
    expect(standard).toMatch(/[+/]/u);
    const plain = jpeg();
    const cipher = encryptMedia(plain, standard);
    for (const form of [key.toString('base64url'), `${key.toString('base64url')}=`, standard.replace(/=$/u, '')]) expect(decryptMedia(cipher, form).equals(plain)).toBe(true);
    expect(() => decryptMedia(cipher, key.subarray(0, 31).toString('base64url'))).toThrow(/32 bytes/u);
  });
});

describe('EVIDENCE_MEDIA_HOSTS', () => {
  const rules = parseMediaHosts(DEFAULT_MEDIA_HOSTS) as MediaHostRule[];

  it('lets https links to WeCom’s hosts through, and nothing else by default', () => {
    expect(mediaUrlRefusal('https://ww-aibot-img-1258476243.cos.ap-guangzhou.myqcloud.com/BHF3Kz2l?sign=x', rules)).toBeUndefined();
    expect(mediaUrlRefusal('https://wework.qpic.qq.com/x', rules)).toBeUndefined();
    expect(mediaUrlRefusal('http://ww-aibot-img.cos.ap-guangzhou.myqcloud.com/x', rules)).toMatch(/plain http/u);
    expect(mediaUrlRefusal('https://myqcloud.com.evil.example/x', rules)).toMatch(/not in EVIDENCE_MEDIA_HOSTS/u);
    expect(mediaUrlRefusal('https://evilmyqcloud.com/x', rules)).toMatch(/not in/u);
    expect(mediaUrlRefusal('https://169.254.169.254/latest/meta-data', rules)).toMatch(/not in/u);
    expect(mediaUrlRefusal('https://user:pw@x.myqcloud.com/x', rules)).toMatch(/credentials/u);
    expect(mediaUrlRefusal('data:image/jpeg;base64,AAAA', rules)).toMatch(/scheme data:/u);
    expect(mediaUrlRefusal('file:///etc/passwd', rules)).toMatch(/scheme file:/u);
  });

  it('allows plain http only for a host named with http://, and refuses lists that would let too much in', () => {
    const local = parseMediaHosts('http://127.0.0.1, media.example.gov.cn') as MediaHostRule[];
    expect(mediaUrlRefusal('http://127.0.0.1:4567/media/a', local)).toBeUndefined();
    expect(mediaUrlRefusal('http://media.example.gov.cn/a', local)).toMatch(/plain http/u);
    expect(mediaUrlRefusal('https://media.example.gov.cn/a', local)).toBeUndefined();
    expect(parseMediaHosts('http://*.example.com')).toMatch(/not for a wildcard/u);
    expect(parseMediaHosts('*.com')).toMatch(/at least two labels/u);
    expect(parseMediaHosts('https://x.example.com/path')).toMatch(/not a host name/u);
    expect(parseMediaHosts(' , ')).toMatch(/at least one host/u);
  });
});

describe('an entry’s state as shown', () => {
  const at = Date.parse('2026-12-02T10:00:00+08:00');
  it('shows an entry still saving after 15 minutes as not kept (保存超时)', () => {
    const entry = { kind: 'image' as const, msgid: 'm', index: 0, at };
    expect(evidenceState(entry, at + SAVE_TIMEOUT_MS)).toEqual({ status: 'saving' });
    expect(evidenceState(entry, at + SAVE_TIMEOUT_MS + 1)).toEqual({ status: 'failed', words: '保存超时' });
    expect(evidenceState({ ...entry, failed: { reason: 'storage' } }, at)).toEqual({ status: 'failed', words: '服务器保存失败' });
  });
});
