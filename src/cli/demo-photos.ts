import { createCipheriv, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import { mediaKey } from '../../jobs/evidence/media-crypto';

/**
 * The chat client's `[图片]`: a real photo, served the way WeCom serves webhook media, so the
 * demo's evidence is downloaded, decrypted and kept like a real one. A 96×64 baseline JPEG
 * (850 bytes: a red valve on a pipe, "示例照片"), drawn once on a canvas and kept here as bytes.
 */
const DEMO_JPEG = Buffer.from(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAA0JCgsKCA0LCgsODg0PEyAVExISEyccHhcgLikxMC4pLSwzOko+MzZGNywtQFdBRkxO' +
  'UlNSMj5aYVpQYEpRUk//2wBDAQ4ODhMREyYVFSZPNS01T09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09PT09P' +
  'T09PT09PT0//wAARCABAAGADASIAAhEBAxEB/8QAGgABAAMBAQEAAAAAAAAAAAAAAAMEBQYBB//EAC8QAAIBAwEFBwQCAwAAAAAA' +
  'AAABAgMEESESFVOi0QUUMUFhgZETIlFxUqGxwfD/xAAZAQEAAwEBAAAAAAAAAAAAAAAAAQIFBAP/xAAkEQABAgUEAwEBAAAAAAAA' +
  'AAAAAQIDERJRYQQTIUEFFMGBIv/aAAwDAQACEQMRAD8A6MAHeZwAAAANC3soOClVy29ceGCrnI1OSzWK5ZIZ4NC4soKDlSymtceO' +
  'TPDXI5OA5itWSgAFioAAABT3nZcblfQbzsuNyvoRW25ah1i4CnvOy43K+g3nZcblfQVtuKHWLhrWNzTvLOlcUmnGcc/p+aOd3nZc' +
  'blfQ56z7Qu7FvutedPPilqn7M5NVFRqoaOg0qxUd0qS+n0O+uadnZ1biq0owjn9vyRknJXnaF3fNd6rzqY8E9EvZHQ7zsuNyvoNL' +
  'FRyqNfpVhI3tVn8LgKe87Ljcr6DedlxuV9DrrbczqHWLgKe87Ljcr6DedlxuV9BW24odY5wGsDI9jB1bmDJBrAexgbmDJK5vGCec' +
  'SJX0a3i3VV/n0Fgrm8IcSjoeUdTR+/DJBrA9PYwZO5gyQawHsYG5giuKyow2m4LLwtuaivkhhfU3Cc5TpYhFyexVUnoTVoTmoqEt' +
  'lJ5a8NrHlny1wQwtaiouLmsyg4yj4xz5NfJ4JKXJTgjj2inJxlSxLaUdJZ1f/P4E+0kqkoKnH7ZNNynhJJtZ0T/j/aHcMQylFT+o' +
  'paNpJL29W/2z12Lc9tqKbk22pS/k/X8N+5b+SeCTvf2QbpSzOl9RRSbedNNF6linP6kFLEl6NNf5K1Ozy4OtjEKahFRk1j8/6+Ce' +
  '3hKnRjCTy155yVWXRCyJAAVIAAAAAAP/2Q==',
  'base64',
);

/** JPEG markers (ITU T.81 B.1.1): start of image, the JFIF header, a comment. */
const SOI = 0xd8;
const APP0 = 0xe0;
const COM = 0xfe;

/**
 * The demo photo with a comment segment carrying `label` after its JFIF header: a valid JPEG
 * that looks the same, with its own bytes, so photos of different `[图片]` are different files
 * (evidence is kept by SHA-256, the same bytes twice are one photo).
 */
export function demoPhoto(label: string): Buffer {
  const text = Buffer.from(label.replace(/[^\x20-\x7e]/g, '?').slice(0, 200), 'latin1');
  if (DEMO_JPEG[1] !== SOI || DEMO_JPEG[3] !== APP0) throw new Error('the demo photo does not start with SOI and APP0');
  const app0End = 4 + DEMO_JPEG.readUInt16BE(4);
  const segment = Buffer.alloc(4 + text.length);
  segment.writeUInt16BE(0xff00 | COM, 0);
  // A segment's length counts its own two length bytes, not the marker.
  segment.writeUInt16BE(2 + text.length, 2);
  text.copy(segment, 4);
  return Buffer.concat([DEMO_JPEG.subarray(0, app0End), segment, DEMO_JPEG.subarray(app0End)]);
}

/**
 * Media bytes as WeCom serves them to a callback-mode robot (docs/wecom-protocol.md §2.3):
 * AES-256-CBC with the callback EncodingAESKey, IV = its first 16 bytes, PKCS#7 padding to a
 * multiple of 32 bytes (not AES's 16, so Node's own padding is off), no framing. The key is
 * read as the evidence worker reads it (jobs/evidence/media-crypto.ts), which decrypts these.
 */
export function encryptMedia(plain: Buffer, encodingAESKey: string): Buffer {
  const key = mediaKey(encodingAESKey);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]);
}

/** A session's photos stay in memory (about 1 KB each) while it runs: bounded. */
const MAX_PHOTOS = 500;

/**
 * The photos one client has sent, each at its own unguessable path of the client's local
 * server (src/cli/follow-ups.ts), encrypted for the server that downloads them.
 */
export class DemoPhotos {
  private readonly photos = new Map<string, { encrypted: Buffer; fetched: boolean }>();
  private readonly session = randomBytes(4).toString('hex');
  private readonly fetchedOne = new EventEmitter();

  constructor(private readonly encodingAESKey: string) {}

  /** A new photo; its path (under /media/) on the local server. */
  add(): string {
    // The person reads this (as the reason a line was not sent).
    if (this.photos.size >= MAX_PHOTOS) throw new Error(`这次已经发了 ${MAX_PHOTOS} 张照片，请重新启动 npm run chat 再发`);
    const n = this.photos.size + 1;
    const token = randomBytes(12).toString('hex');
    this.photos.set(token, { encrypted: encryptMedia(demoPhoto(`duban chat client demo photo ${n} session ${this.session}`), this.encodingAESKey), fetched: false });
    return `/media/${token}.jpg`;
  }

  /** The encrypted bytes of a path, or undefined (404). */
  serve(path: string): Buffer | undefined {
    const m = /^\/media\/([0-9a-f]{24})\.jpg$/.exec(path);
    const photo = m ? this.photos.get(m[1]!) : undefined;
    if (!photo) return undefined;
    photo.fetched = true;
    this.fetchedOne.emit('fetched');
    return photo.encrypted;
  }

  /** Photos not downloaded yet. */
  waiting(): number {
    return [...this.photos.values()].filter((p) => !p.fetched).length;
  }

  /**
   * Resolves once every photo was downloaded at least once, or after `ms`: a piped session
   * ends right after its last reply, while the server's download job may not have run yet.
   */
  async allFetched(ms: number): Promise<boolean> {
    const deadline = AbortSignal.timeout(ms);
    while (this.waiting() > 0) {
      try {
        await once(this.fetchedOne, 'fetched', { signal: deadline });
      } catch {
        return false;
      }
    }
    return true;
  }
}
