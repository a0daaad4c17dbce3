import { decryptFile } from '@wecom/aibot-node-sdk';

/**
 * WeCom's media bytes decrypted (docs/wecom-protocol.md §2.3): AES-256-CBC, IV = key[0..16),
 * PKCS#7 to 32-byte blocks, no framing. The key is the callback EncodingAESKey (webhook) or the
 * item's own `aeskey` (long connection); both are base64 of 32 bytes, read leniently as
 * docs/wecom-protocol.md §2.3 asks (with or without "=", standard or URL-safe alphabet: Node's
 * base64 decoder takes both). The SDK's decryptFile does the AES and checks the padding; the key
 * length and the whole-blocks check are ours, so a wrong key or a cut download is an error here,
 * never garbage bytes.
 */
export class MediaDecryptError extends Error {
  override name = 'MediaDecryptError';
}

export function mediaKey(key: string): Buffer {
  const bytes = Buffer.from(key, 'base64');
  if (bytes.length !== 32) throw new MediaDecryptError('the media key is not base64 of 32 bytes');
  return bytes;
}

export function decryptMedia(encrypted: Buffer, key: string): Buffer {
  // Handed to the SDK in the standard form, whichever form it came in.
  const standard = mediaKey(key).toString('base64');
  if (encrypted.length === 0 || encrypted.length % 32 !== 0) throw new MediaDecryptError(`the download is not whole 32-byte blocks (${encrypted.length} bytes)`);
  try {
    return decryptFile(encrypted, standard);
  } catch (err) {
    throw new MediaDecryptError((err as Error).message);
  }
}
