import { createCipheriv, randomBytes } from 'node:crypto';

/**
 * Media bytes as WeCom serves them (docs/wecom-protocol.md §2.3): AES-256-CBC with IV = key[0..16),
 * PKCS#7 to 32-byte blocks, no framing. The test's own encryption, checked against the vector.
 */
export function encryptMedia(plain: Buffer, key: string): Buffer {
  const k = Buffer.from(key, 'base64');
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', k, k.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]);
}

/** A long-connection item key: base64 of 32 random bytes. */
export function randomMediaKey(): string {
  return randomBytes(32).toString('base64');
}

/** A small JPEG-looking file (the magic bytes and some unique content). */
export function jpeg(content = randomBytes(64).toString('hex')): Buffer {
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from(content, 'utf8'), Buffer.from([0xff, 0xd9])]);
}

export function png(content = randomBytes(64).toString('hex')): Buffer {
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from(content, 'utf8')]);
}

export function pdf(content = randomBytes(64).toString('hex')): Buffer {
  return Buffer.from(`%PDF-1.4\n${content}\n%%EOF\n`, 'latin1');
}
