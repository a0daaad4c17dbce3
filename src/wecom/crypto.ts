import { createHash, randomFillSync, timingSafeEqual } from 'node:crypto';
import * as wecomCrypto from '@wecom/crypto';

/**
 * WeCom callback crypto (docs/wecom-protocol.md §2) on top of the official `@wecom/crypto`, which checks
 * nothing for us: we add the constant-time signature check, the receive-id check ("" for an
 * internal intelligent robot) and a canonical-form check that refuses bad padding or a length
 * field that does not match (the library silently tolerates both).
 */
export class CryptoError extends Error {
  override name = 'CryptoError';
  constructor(
    readonly code: 'signature' | 'decrypt' | 'receive_id' | 'key',
    message: string,
  ) {
    super(message);
  }
}

export interface EncryptedReply {
  encrypt: string;
  msgsignature: string;
  timestamp: string;
  nonce: string;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export class WecomCallbackCrypto {
  constructor(
    private readonly token: string,
    private readonly encodingAESKey: string,
    private readonly receiveId = '',
  ) {
    if (!/^[A-Za-z0-9]{43}$/.test(encodingAESKey) || Buffer.from(`${encodingAESKey}=`, 'base64').length !== 32) {
      throw new CryptoError('key', 'EncodingAESKey must be 43 characters decoding to 32 bytes');
    }
  }

  signature(timestamp: string, nonce: string, encrypt: string): string {
    return wecomCrypto.getSignature(this.token, timestamp, nonce, encrypt);
  }

  /** Constant-time comparison; a wrong length or non-hex input is simply a mismatch. */
  verify(signature: string, timestamp: string, nonce: string, encrypt: string): boolean {
    const expected = Buffer.from(this.signature(timestamp, nonce, encrypt), 'utf8');
    const given = Buffer.from(signature.toLowerCase(), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Decrypts a ciphertext and returns the message; throws CryptoError on anything non-canonical. */
  decrypt(encrypt: string): string {
    const cipherBytes = BASE64.test(encrypt) ? Buffer.from(encrypt, 'base64') : Buffer.alloc(0);
    if (cipherBytes.length < 32 || cipherBytes.length % 32 !== 0) {
      throw new CryptoError('decrypt', 'ciphertext is not whole 32-byte blocks of base64');
    }
    let out: { message: string; id: string; random: Buffer };
    try {
      out = wecomCrypto.decrypt(this.encodingAESKey, encrypt);
    } catch {
      throw new CryptoError('decrypt', 'ciphertext does not decrypt');
    }
    if (out.random.length !== 16) throw new CryptoError('decrypt', 'plaintext too short');
    // Re-encrypting with the recovered random must give back the exact input: this refuses bad
    // padding, a length field that runs past the plaintext and invalid UTF-8 in one check.
    const canonical = wecomCrypto.encrypt(this.encodingAESKey, out.message, out.id, out.random);
    if (canonical !== encrypt) {
      throw new CryptoError('decrypt', 'plaintext framing or padding is not canonical');
    }
    if (out.id !== this.receiveId) throw new CryptoError('receive_id', 'receive id does not match');
    return out.message;
  }

  encrypt(message: string, random: Buffer = random16()): string {
    return wecomCrypto.encrypt(this.encodingAESKey, message, this.receiveId, random);
  }

  /** The passive-reply envelope: echo the callback's timestamp and nonce, sign the ciphertext. */
  encryptReply(message: string, timestamp: string, nonce: string, random?: Buffer): EncryptedReply {
    const encrypt = this.encrypt(message, random);
    return { encrypt, msgsignature: this.signature(timestamp, nonce, encrypt), timestamp, nonce };
  }
}

/**
 * Each reply's 16 random bytes, cut from a 4 KiB pool the CSPRNG refills: one call into OpenSSL
 * per 256 replies instead of one each (1.4 % of the server's CPU at a steady 1 000 callbacks a
 * second). A refill takes a new buffer, so no slice handed out is ever overwritten.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = 0;

function random16(): Buffer {
  if (poolAt + 16 > pool.length) {
    pool = randomFillSync(Buffer.allocUnsafeSlow(POOL_BYTES));
    poolAt = 0;
  }
  poolAt += 16;
  return pool.subarray(poolAt - 16, poolAt);
}

/** SHA-1 of a string as lower-case hex; used for deterministic stream ids. */
export function sha1Hex(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}
