import { readFileSync } from 'node:fs';
import path from 'node:path';
import { decryptMedia, MediaDecryptError } from '../../jobs/evidence/media-crypto';
import { sniffType } from '../../jobs/evidence/file-type';
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
