import { z } from 'zod';

/** What `npm run backup` puts in an archive besides the files it lists: read first by a restore. */
export const BACKUP_FORMAT = 'duban-backup';
export const BACKUP_FORMAT_VERSION = 1;
export const MANIFEST_NAME = 'manifest.json';
export const RDB_NAME = 'redis.rdb';
/** DATA_DIR's files live under this folder of the archive (data/evidence/…, data/exports/…). */
export const DATA_FOLDER = 'data';

const sha256 = z.string().regex(/^[0-9a-f]{64}$/);
/** A relative path inside the archive, never absolute and never climbing out. */
const archivePath = z
  .string()
  .min(1)
  .refine((p) => !p.startsWith('/') && !p.split('/').some((s) => s === '..' || s === '.' || s === ''), { message: '路径不安全（含 .. 或绝对路径）' });

export const manifestFileSchema = z.object({ path: archivePath, size: z.number().int().nonnegative(), sha256 });

export const manifestSchema = z.object({
  format: z.literal(BACKUP_FORMAT),
  formatVersion: z.literal(BACKUP_FORMAT_VERSION),
  createdAt: z.iso.datetime({ offset: true }),
  district: z.string(),
  dubanVersion: z.string(),
  redis: z.object({
    version: z.string(),
    /** The database the bot used; the RDB holds every database, restore copies this one. */
    db: z.number().int().nonnegative(),
    keyPrefix: z.string(),
    /** Keys in that database at the snapshot's instant, and how many of them carry the prefix. */
    keyCount: z.number().int().nonnegative(),
    prefixedKeyCount: z.number().int().nonnegative(),
  }),
  files: z.array(manifestFileSchema),
});
export type Manifest = z.output<typeof manifestSchema>;
export type ManifestFile = z.output<typeof manifestFileSchema>;
