import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { EvidenceType } from '../domain/issue';

/**
 * Kept evidence on disk: DATA_DIR/evidence/<sha256>.<ext>. Named by the content, so the same
 * photo sent twice is one file (both entries point at it), and a name can be checked against a
 * strict pattern before it is ever joined to a path. Written to a temporary name, flushed to the
 * disk (fsync), then renamed into place, and the directory flushed: a reader never sees half a
 * file, and a power cut cannot leave a short file under its final name. Several instances need a
 * shared DATA_DIR.
 */
const SHA256 = /^[0-9a-f]{64}$/;
/** A temporary name: `.<sha256>.<random>.tmp`. */
const TEMPORARY = /^\.[0-9a-f]{64}\.[0-9a-f]{12}\.tmp$/;
/** A temporary file older than this was left by a write that died (a write takes milliseconds). */
export const STALE_TEMPORARY_MS = 60 * 60_000;

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
      const handle = await open(tmp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, final);
    } catch (err) {
      await unlink(tmp).catch(() => undefined);
      throw err;
    }
    await this.syncDir();
    return { sha256, created: true };
  }

  /** Removes temporary files left by writes that died (the worker does this when it starts); answers how many. */
  async sweepTemporary(now = Date.now(), olderThanMs = STALE_TEMPORARY_MS): Promise<number> {
    const names = await readdir(this.dir).catch(() => [] as string[]);
    let removed = 0;
    for (const name of names.filter((n) => TEMPORARY.test(n))) {
      const file = path.join(this.dir, name);
      const info = await stat(file).catch(() => undefined);
      if (info && now - info.mtimeMs > olderThanMs && (await unlink(file).then(() => true, () => false))) removed++;
    }
    return removed;
  }

  /** The rename made durable; where a directory cannot be opened for syncing (some platforms) the rename stands as it is. */
  private async syncDir(): Promise<void> {
    const dir = await open(this.dir, 'r').catch(() => undefined);
    if (!dir) return;
    await dir.sync().catch(() => undefined);
    await dir.close();
  }

  /** The kept file's size, or undefined when it is not on this disk. */
  async size(sha256: string, type: EvidenceType): Promise<number | undefined> {
    const info = await stat(this.pathOf(sha256, type)).catch(() => undefined);
    return info?.isFile() ? info.size : undefined;
  }
}
