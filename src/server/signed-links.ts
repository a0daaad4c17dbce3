import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { FILE_EXTENSIONS } from '../../jobs/files/file-request';
import { EVIDENCE_TYPES, type EvidenceType } from '../domain/issue';
import { EVIDENCE_EXTENSIONS } from '../store/evidence-files';

/**
 * Signed download links for generated files (the 台账 workbook, the .docx 通报):
 * `/files/<id>.<ext>?u=<userid>&exp=<unix seconds>&sig=<base64url HMAC-SHA256>`. The HMAC covers
 * the file, the person it was made for and the expiry, so none of them can be changed; the link
 * itself is the credential (people open it in a browser outside WeCom), hence the short life.
 *
 * Evidence (docs/design.md §6.6) has two kinds of its own, signed under other labels so no link
 * of one kind verifies as another: one kept file, `/evidence/<sha256>.<ext>?u=&exp=&sig=`, and the
 * list of an issue's files (the 台账's 佐证材料 cell), `/evidence/issues/<id>?u=&exp=&sig=`.
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

/** `unsigned`: a part is missing or malformed; `forged`: the signature does not match; `expired`: genuine but past its expiry. */
export type LinkCheck = Checked<FileLink>;

/** A link to one kept evidence file (named by its SHA-256). */
export interface EvidenceFileLink {
  sha256: string;
  type: EvidenceType;
  userid: string;
  expiresAt: number;
}

/** A link to the page listing an issue's evidence. */
export interface IssueEvidenceLink {
  issueId: number;
  userid: string;
  expiresAt: number;
}

export type Checked<L> = { ok: true; link: L } | { ok: false; reason: 'unsigned' | 'forged' | 'expired'; link?: L };

const SHA256 = /^[0-9a-f]{64}$/;
const EVIDENCE_TYPE_OF = new Map<string, EvidenceType>(EVIDENCE_TYPES.map((t) => [EVIDENCE_EXTENSIONS[t], t]));
const ISSUE_ID = /^[1-9]\d{0,9}$/;

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
    if (dot < 0 || !ID.test(id) || !EXTS.has(ext)) return { ok: false, reason: 'unsigned' };
    return this.check('duban-file-link', name, query, now, (userid, expiresAt) => ({ id, ext: ext as FileExt, userid, expiresAt }));
  }

  /** The path and query of a link to one kept evidence file. */
  evidencePath(link: EvidenceFileLink): string {
    return this.signedPath('duban-evidence-link', `/evidence/${link.sha256}.${EVIDENCE_EXTENSIONS[link.type]}`, link.userid, link.expiresAt);
  }

  evidenceUrl(link: EvidenceFileLink): string {
    return this.baseUrl() + this.evidencePath(link);
  }

  /** Checks a request for `/evidence/<sha256>.<ext>`. */
  verifyEvidence(name: string, query: { u?: unknown; exp?: unknown; sig?: unknown }, now: number): Checked<EvidenceFileLink> {
    const dot = name.lastIndexOf('.');
    const sha256 = name.slice(0, dot);
    const type = EVIDENCE_TYPE_OF.get(name.slice(dot + 1));
    if (dot < 0 || !SHA256.test(sha256) || !type) return { ok: false, reason: 'unsigned' };
    return this.check('duban-evidence-link', `/evidence/${name}`, query, now, (userid, expiresAt) => ({ sha256, type, userid, expiresAt }));
  }

  /** The path and query of a link to an issue's evidence list. */
  issueEvidencePath(link: IssueEvidenceLink): string {
    return this.signedPath('duban-issue-evidence-link', `/evidence/issues/${link.issueId}`, link.userid, link.expiresAt);
  }

  issueEvidenceUrl(link: IssueEvidenceLink): string {
    return this.baseUrl() + this.issueEvidencePath(link);
  }

  /** Checks a request for `/evidence/issues/<id>`. */
  verifyIssueEvidence(id: string, query: { u?: unknown; exp?: unknown; sig?: unknown }, now: number): Checked<IssueEvidenceLink> {
    if (!ISSUE_ID.test(id)) return { ok: false, reason: 'unsigned' };
    return this.check('duban-issue-evidence-link', `/evidence/issues/${id}`, query, now, (userid, expiresAt) => ({ issueId: Number(id), userid, expiresAt }));
  }

  private signedPath(label: string, path: string, userid: string, expiresAt: number): string {
    const exp = Math.floor(expiresAt / 1000);
    const q = new URLSearchParams({ u: userid, exp: String(exp), sig: this.hmac(label, path, userid, exp) });
    return `${path}?${q.toString()}`;
  }

  /** The signature first, so a changed expiry is a forgery, not an expiry. */
  private check<L>(label: string, path: string, query: { u?: unknown; exp?: unknown; sig?: unknown }, now: number, make: (userid: string, expiresAt: number) => L): Checked<L> {
    const { u, exp, sig } = query;
    if (typeof u !== 'string' || typeof exp !== 'string' || typeof sig !== 'string') return { ok: false, reason: 'unsigned' };
    if (!USERID.test(u) || !EXP.test(exp) || !SIG.test(sig)) return { ok: false, reason: 'unsigned' };
    const expected = Buffer.from(this.hmac(label, path, u, Number(exp)), 'utf8');
    const given = Buffer.from(sig, 'utf8');
    // Same length by the SIG pattern; compared in constant time so the signature cannot be guessed byte by byte.
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'forged' };
    const link = make(u, Number(exp) * 1000);
    if (now >= Number(exp) * 1000) return { ok: false, reason: 'expired', link };
    return { ok: true, link };
  }

  private hmac(label: string, subject: string, userid: string, exp: number): string {
    return createHmac('sha256', this.key).update(`${label}\n${subject}\n${userid}\n${exp}`).digest('base64url');
  }

  private sign(file: string, userid: string, exp: number): string {
    // Fields are newline-separated and none may contain one (checked above), so no two links share a message.
    return this.hmac('duban-file-link', file, userid, exp);
  }
}
