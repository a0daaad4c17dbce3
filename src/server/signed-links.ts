import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { FILE_EXTENSIONS } from '../../jobs/files/file-request';

/**
 * Signed download links for generated files (the 台账 workbook, the .docx 通报):
 * `/files/<id>.<ext>?u=<userid>&exp=<unix seconds>&sig=<base64url HMAC-SHA256>`. The HMAC covers
 * the file, the person it was made for and the expiry, so none of them can be changed; the link
 * itself is the credential (people open it in a browser outside WeCom), hence the short life.
 */
export type FileExt = (typeof FILE_EXTENSIONS)[keyof typeof FILE_EXTENSIONS];

export interface FileLink {
  id: string;
  ext: FileExt;
  /** Who the link was made for (logged on each download). */
  userid: string;
  /** Milliseconds; the link carries whole seconds (rounded down). */
  expiresAt: number;
}

export type LinkCheck =
  | { ok: true; link: FileLink }
  /** `unsigned`: a part is missing or malformed; `forged`: the signature does not match; `expired`: genuine but past its expiry. */
  | { ok: false; reason: 'unsigned' | 'forged' | 'expired'; link?: FileLink };

const ID = /^[A-Za-z0-9_-]{8,64}$/;
const EXTS = new Set<string>(Object.values(FILE_EXTENSIONS));
const USERID = /^[A-Za-z0-9_.@-]{1,64}$/;
const EXP = /^\d{1,12}$/;
const SIG = /^[A-Za-z0-9_-]{43}$/;

/**
 * The signing key: LINK_SECRET when set, else HKDF-SHA256 of the callback EncodingAESKey (info
 * "duban-links"), so every instance of one bot derives the same key and `make run` needs no
 * setup, while the AES key itself is never used for anything but the callbacks.
 */
export function linkKey(linkSecret: string | undefined, encodingAESKey: string): Buffer {
  if (linkSecret) return Buffer.from(linkSecret, 'utf8');
  return Buffer.from(hkdfSync('sha256', Buffer.from(encodingAESKey, 'utf8'), Buffer.alloc(0), Buffer.from('duban-links', 'utf8'), 32));
}

export class LinkSigner {
  constructor(
    private readonly key: Buffer,
    /** PUBLIC_URL without a trailing slash; a function because the default needs the bound port. */
    private readonly baseUrl: () => string,
  ) {}

  /** The path and query of a link (what the download route receives). */
  path(link: FileLink): string {
    const exp = Math.floor(link.expiresAt / 1000);
    const q = new URLSearchParams({ u: link.userid, exp: String(exp), sig: this.sign(`${link.id}.${link.ext}`, link.userid, exp) });
    return `/files/${link.id}.${link.ext}?${q.toString()}`;
  }

  url(link: FileLink): string {
    return this.baseUrl() + this.path(link);
  }

  /** Checks a request for `/files/<name>`: the signature first, so a changed expiry is a forgery, not an expiry. */
  verify(name: string, query: { u?: unknown; exp?: unknown; sig?: unknown }, now: number): LinkCheck {
    const dot = name.lastIndexOf('.');
    const id = name.slice(0, dot);
    const ext = name.slice(dot + 1);
    const { u, exp, sig } = query;
    if (dot < 0 || !ID.test(id) || !EXTS.has(ext)) return { ok: false, reason: 'unsigned' };
    if (typeof u !== 'string' || typeof exp !== 'string' || typeof sig !== 'string') return { ok: false, reason: 'unsigned' };
    if (!USERID.test(u) || !EXP.test(exp) || !SIG.test(sig)) return { ok: false, reason: 'unsigned' };
    const expected = Buffer.from(this.sign(name, u, Number(exp)), 'utf8');
    const given = Buffer.from(sig, 'utf8');
    // Same length by the SIG pattern; compared in constant time so the signature cannot be guessed byte by byte.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
    const link: FileLink = { id, ext: ext as FileExt, userid: u, expiresAt: Number(exp) * 1000 };
    if (now >= link.expiresAt) return { ok: false, reason: 'expired', link };
    return { ok: true, link };
  }

  private sign(file: string, userid: string, exp: number): string {
    // Fields are newline-separated and none may contain one (checked above), so no two links share a message.
    return createHmac('sha256', this.key).update(`duban-file-link\n${file}\n${userid}\n${exp}`).digest('base64url');
  }
}
