import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceType } from '../domain/issue';

/**
 * Kept evidence on disk: DATA_DIR/evidence/<sha256>.<ext>. Named by the content, so the same
 * photo sent twice is one file (both entries point at it), and a name can be checked against a
 * strict pattern before it is ever joined to a path. Written to a temporary name and renamed into
 * place, so a reader never sees half a file. Several instances need a shared DATA_DIR.
 */
const SHA256 = /^[0-9a-f]{64}$/;

export const EVIDENCE_EXTENSIONS: Record<EvidenceType, string> = { jpeg: 'jpg', png: 'png', pdf: 'pdf' };
export const EVIDENCE_CONTENT_TYPES: Record<EvidenceType, string> = { jpeg: 'image/jpeg', png: 'image/png', pdf: 'application/pdf' };

export class EvidenceFiles {
  readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'evidence');
  }

  /** The path of a kept file; throws on anything but a SHA-256 in hex (no path ever comes from outside). */
  pathOf(sha256: string, type: EvidenceType): string {
    if (!SHA256.test(sha256)) throw new Error('not a SHA-256 in hex');
    return path.join(this.dir, `${sha256}.${EVIDENCE_EXTENSIONS[type]}`);
  }

  /** Keeps the bytes; answers their hash and whether the file was new (false: the same bytes were kept before). */
  async put(bytes: Buffer, type: EvidenceType): Promise<{ sha256: string; created: boolean }> {
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    const final = this.pathOf(sha256, type);
    if (await this.size(sha256, type) === bytes.length) return { sha256, created: false };
    await mkdir(this.dir, { recursive: true });
    const tmp = path.join(this.dir, `.${sha256}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      await writeFile(tmp, bytes, { flag: 'wx' });
      await rename(tmp, final);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    return { sha256, created: true };
  }

  /** The kept file's size, or undefined when it is not on this disk. */
  async size(sha256: string, type: EvidenceType): Promise<number | undefined> {
    const info = await stat(this.pathOf(sha256, type)).catch(() => undefined);
    return info?.isFile() ? info.size : undefined;
  }
}
