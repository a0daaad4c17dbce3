import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Result } from 'ioredis';
import { z } from 'zod';
import { FILE_EXTENSIONS, FILE_KINDS, type FileRequest } from '../../jobs/files/file-request';
import type { Keys } from './keys';
import type { RedisClient } from './redis';
import { defineScripts } from './scripts';

declare module 'ioredis' {
  interface RedisCommander<Context> {
    exportFileCreate(key: string, dropAt: number, ...fields: string[]): Result<number, Context>;
    exportFileMark(key: string, expected: string, ...fields: string[]): Result<number, Context>;
  }
}

/** The metadata outlives the file by a day, so a sweep that ran late still finds what expired. */
const META_GRACE_MS = 86_400_000;
/** A maker's temporary file older than this belongs to a worker that died mid-way. */
const STALE_TMP_MS = 6 * 3_600_000;
/** `<id>.<ext>`: the only names served or swept (ids are URL-safe, see fileRequestSchema). */
const FILE_NAME = new RegExp(`^([A-Za-z0-9_-]{8,64})\\.(${[...new Set(Object.values(FILE_EXTENSIONS))].join('|')})$`);
const TMP_PREFIX = '.tmp-';

const num = z.coerce.number().int();
export const exportMetaSchema = z.object({
  id: z.string(),
  kind: z.enum(FILE_KINDS),
  ext: z.enum(['xlsx', 'docx']),
  requester: z.string(),
  chatId: z.string(),
  status: z.enum(['pending', 'ready', 'failed']),
  createdAt: num,
  expiresAt: num,
  updatedAt: num,
  /** Set when ready: the name people see and the size. */
  name: z.string().optional(),
  bytes: num.optional(),
  /** Set when failed: why, for the log and the operator (never shown raw to users). */
  error: z.string().optional(),
});
export type ExportMeta = z.output<typeof exportMetaSchema>;

/**
 * Generated files: the bytes on disk under DATA_DIR/exports (`<id>.<ext>`; several instances
 * need a shared DATA_DIR), their metadata in Redis so any instance's download route and any
 * worker sees the same status. A file is written under a temporary name and renamed into place,
 * so a half-written file is never served.
 */
export class ExportFiles {
  readonly dir: string;

  constructor(
    private readonly redis: RedisClient,
    private readonly keys: Keys,
    dataDir: string,
  ) {
    this.dir = path.join(dataDir, 'exports');
    defineScripts(redis);
  }

  /** Where a ready file lives. */
  pathOf(id: string, ext: string): string {
    const name = `${id}.${ext}`;
    if (!FILE_NAME.test(name)) throw new Error(`not a generated file name: ${JSON.stringify(name)}`);
    return path.join(this.dir, name);
  }

  /** A maker's output path for one attempt (hidden, beside the final name, so the rename is atomic). */
  async tmpPath(id: string, ext: string, attempt: number): Promise<string> {
    await mkdir(this.dir, { recursive: true });
    return path.join(this.dir, `${TMP_PREFIX}${id}-${attempt}.${ext}`);
  }

  /** Records a requested file as pending; false when the id is already known (then nothing changes). */
  async create(req: FileRequest, now: number): Promise<boolean> {
    const fields: Record<string, string> = {
      id: req.id,
      kind: req.kind,
      ext: FILE_EXTENSIONS[req.kind],
      requester: req.requester,
      chatId: req.chatId,
      status: 'pending',
      createdAt: String(req.createdAt),
      expiresAt: String(req.expiresAt),
      updatedAt: String(now),
    };
    return (await this.redis.exportFileCreate(this.keys.exportFile(req.id), Math.max(1, req.expiresAt + META_GRACE_MS - now), ...Object.entries(fields).flat())) === 1;
  }

  async get(id: string): Promise<ExportMeta | undefined> {
    const hash = await this.redis.hgetall(this.keys.exportFile(id));
    if (!Object.keys(hash).length) return undefined;
    const parsed = exportMetaSchema.safeParse(hash);
    return parsed.success ? parsed.data : undefined;
  }

  /** pending → ready; false when it was not pending (already ready, failed, or gone). */
  async markReady(id: string, file: { name: string; bytes: number }, now: number): Promise<boolean> {
    return (await this.redis.exportFileMark(this.keys.exportFile(id), 'pending', 'status', 'ready', 'name', file.name, 'bytes', String(file.bytes), 'updatedAt', String(now))) === 1;
  }

  /** pending → failed; false when it was not pending. */
  async markFailed(id: string, error: string, now: number): Promise<boolean> {
    return (await this.redis.exportFileMark(this.keys.exportFile(id), 'pending', 'status', 'failed', 'error', error.slice(0, 500), 'updatedAt', String(now))) === 1;
  }

  /**
   * Deletes the files past their expiry (or whose metadata is gone), and temporary files a dead
   * worker left. Safe to run on several instances at once: a file already gone is skipped.
   */
  async sweep(now: number): Promise<{ removed: string[] }> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { removed: [] };
      throw err;
    }
    const removed: string[] = [];
    for (const name of names) {
      const full = path.join(this.dir, name);
      let expired = false;
      if (name.startsWith(TMP_PREFIX)) {
        // Temporary files carry no metadata of their own: judge them by the disk's clock.
        const s = await stat(full).catch(() => undefined);
        expired = s !== undefined && Date.now() - s.mtimeMs > STALE_TMP_MS;
      } else {
        const m = FILE_NAME.exec(name);
        if (!m) continue;
        const meta = await this.get(m[1]!);
        expired = !meta || meta.expiresAt <= now;
      }
      if (!expired) continue;
      try {
        await unlink(full);
        removed.push(name);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return { removed };
  }
}
