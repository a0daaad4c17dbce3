import { isUtf8 } from 'node:buffer';
import { createCipheriv, createDecipheriv, hash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * WeCom callback crypto (docs/wecom-protocol.md §2) on node:crypto, the signature and the framing
 * done here. The official `@wecom/crypto` is the reference the tests hold this to, byte for byte;
 * it is not used at run time: it re-reads the key and builds a hash object on every call, and
 * checks nothing. Added here: a constant-time signature check, the receive-id check ("" for an
 * internal intelligent robot) and a canonical-form check on decrypt that refuses non-canonical
 * base64, bad padding, a length field that runs past the plaintext and invalid UTF-8 (the library
 * silently tolerates all of them).
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

/** WeCom pads to 32-byte blocks (PKCS#7 with 1–32 bytes of padding), not AES's 16. */
const BLOCK = 32;

/**
 * The 16 random bytes that open each reply's plaintext, cut from one 4 KiB draw of the CSPRNG:
 * a randomBytes(16) call per reply was 1.7 % of a busy server's CPU. Each slice is used once.
 */
const POOL_BYTES = 4096;
let pool = Buffer.alloc(0);
let poolAt = POOL_BYTES;
function freshRandom(): Buffer {
  if (poolAt + 16 > pool.length) {
    pool = randomBytes(POOL_BYTES);
    poolAt = 0;
  }
  const out = pool.subarray(poolAt, poolAt + 16);
  poolAt += 16;
  return out;
}

export class WecomCallbackCrypto {
  private readonly key: Buffer;
  private readonly iv: Buffer;

  constructor(
    private readonly token: string,
    encodingAESKey: string,
    private readonly receiveId = '',
  ) {
    this.key = Buffer.from(`${encodingAESKey}=`, 'base64');
    if (!/^[A-Za-z0-9]{43}$/.test(encodingAESKey) || this.key.length !== 32) {
      throw new CryptoError('key', 'EncodingAESKey must be 43 characters decoding to 32 bytes');
    }
    this.iv = this.key.subarray(0, 16);
  }

  /** SHA-1 over the four strings sorted and joined (§2.1), as @wecom/crypto's getSignature. */
  signature(timestamp: string, nonce: string, encrypt: string): string {
    return hash('sha1', [this.token, timestamp, nonce, encrypt].sort().join(''), 'hex');
  }

  /** Constant-time comparison; a wrong length or non-hex input is simply a mismatch. */
  verify(signature: string, timestamp: string, nonce: string, encrypt: string): boolean {
    const expected = Buffer.from(this.signature(timestamp, nonce, encrypt), 'utf8');
    const given = Buffer.from(signature.toLowerCase(), 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** Decrypts a ciphertext and returns the message; throws CryptoError on anything non-canonical. */
  decrypt(encrypt: string): string {
    // Buffer.from skips what is not base64; the spelling check below refuses any such text.
    const cipherBytes = Buffer.from(encrypt, 'base64');
    if (cipherBytes.length < BLOCK || cipherBytes.length % BLOCK !== 0) {
      throw new CryptoError('decrypt', 'ciphertext is not whole 32-byte blocks of base64');
    }
    // Only the one standard spelling of these bytes: no other letters, spaces, URL-safe letters,
    // stray low bits or missing padding (a regular expression over the text cost 2 µs more).
    if (cipherBytes.toString('base64') !== encrypt) throw new CryptoError('decrypt', 'ciphertext is not canonical base64');
    let plain: Buffer;
    try {
      const decipher = createDecipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
      plain = Buffer.concat([decipher.update(cipherBytes), decipher.final()]);
    } catch {
      throw new CryptoError('decrypt', 'ciphertext does not decrypt');
    }
    // The framing must be exactly what encrypt() writes: every padding byte, the length field,
    // and UTF-8 throughout (what re-encrypting and comparing checked before, in one pass).
    const pad = plain[plain.length - 1]!;
    const end = plain.length - pad;
    if (pad < 1 || pad > BLOCK || end < 20) throw new CryptoError('decrypt', 'plaintext framing or padding is not canonical');
    for (let i = end; i < plain.length; i++) if (plain[i] !== pad) throw new CryptoError('decrypt', 'plaintext framing or padding is not canonical');
    const messageEnd = 20 + plain.readUInt32BE(16);
    if (messageEnd > end) throw new CryptoError('decrypt', 'plaintext framing or padding is not canonical');
    const message = plain.subarray(20, messageEnd);
    const id = plain.subarray(messageEnd, end);
    if (!isUtf8(message) || !isUtf8(id)) throw new CryptoError('decrypt', 'plaintext framing or padding is not canonical');
    if (id.toString('utf8') !== this.receiveId) throw new CryptoError('receive_id', 'receive id does not match');
    return message.toString('utf8');
  }

  /** The framing of docs/wecom-protocol.md §2.1 in one buffer: random, length, message, receive id, padding. */
  encrypt(message: string, random: Buffer = freshRandom()): string {
    if (random.length !== 16) throw new CryptoError('key', 'the random prefix must be 16 bytes');
    const messageBytes = Buffer.byteLength(message, 'utf8');
    const idBytes = Buffer.byteLength(this.receiveId, 'utf8');
    const length = 20 + messageBytes + idBytes;
    const pad = BLOCK - (length % BLOCK);
    const plain = Buffer.allocUnsafe(length + pad);
    random.copy(plain, 0, 0, 16);
    plain.writeUInt32BE(messageBytes, 16);
    plain.write(message, 20, 'utf8');
    plain.write(this.receiveId, 20 + messageBytes, 'utf8');
    plain.fill(pad, length);
    const cipher = createCipheriv('aes-256-cbc', this.key, this.iv).setAutoPadding(false);
    return Buffer.concat([cipher.update(plain), cipher.final()]).toString('base64');
  }

  /** The passive-reply envelope: echo the callback's timestamp and nonce, sign the ciphertext. */
  encryptReply(message: string, timestamp: string, nonce: string, random?: Buffer): EncryptedReply {
    const encrypt = this.encrypt(message, random);
    return { encrypt, msgsignature: this.signature(timestamp, nonce, encrypt), timestamp, nonce };
  }
}

/** SHA-1 of a string as lower-case hex; used for deterministic stream ids. */
export function sha1Hex(text: string): string {
  return hash('sha1', text, 'hex');
}
