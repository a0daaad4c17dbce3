import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, link, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import * as tar from 'tar';
import type { Logger } from '../log/logger';
import type { RedisClient } from '../store/redis';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, DATA_FOLDER, MANIFEST_NAME, RDB_NAME, type Manifest, type ManifestFile } from './manifest';
import { SnapshotError, takeSnapshot } from './snapshot';
import { openRdb, scanKeys } from './temp-redis';

/**
 * One dated archive of what a district cannot lose: the Redis snapshot and DATA_DIR's evidence
 * photos and generated exports (not DATA_DIR/redis: the embedded server's own files, which the
 * snapshot already holds consistently). Redis is snapshotted first and the files copied after,
 * so every file the snapshot refers to is in the archive (files are written before Redis names
 * them). Built in a hidden staging folder inside the output folder and renamed into place: a
 * half-written archive never carries the final name.
 */
export const DATA_SUBDIRS = ['evidence', 'exports'] as const;

export interface BackupOptions {
  redisUrl: string;
  /** The bot's client on that Redis (server version, cluster check). */
  redis: RedisClient;
  dataDir: string;
  keyPrefix: string;
  district: string;
  dubanVersion: string;
  outDir: string;
  logger: Logger;
  now?: Date;
  redisCli?: string;
}

export interface BackupResult {
  file: string;
  manifest: Manifest;
  bytes: number;
}

export async function createBackup(o: BackupOptions): Promise<BackupResult> {
  const info = await o.redis.info();
  if (/^cluster_enabled:1/m.test(info)) {
    throw new SnapshotError('不支持 Redis Cluster：请对每个分片分别备份（REDIS_URL 指向单个主节点，每个分片一个备份包）');
  }
  const redisVersion = /^redis_version:(\S+)/m.exec(info)?.[1] ?? 'unknown';
  const now = o.now ?? new Date();
  await mkdir(o.outDir, { recursive: true });
  const stage = await mkdtemp(path.join(o.outDir, '.staging-'));
  try {
    const rdb = path.join(stage, RDB_NAME);
    const snap = await takeSnapshot(o.redisUrl, rdb, o.redisCli);
    // Counting in a private server on the file also proves the snapshot loads.
    const opened = await openRdb(rdb, o.logger, snap.db);
    let keyCount: number;
    let prefixedKeyCount = 0;
    try {
      keyCount = await opened.redis.dbsize();
      for await (const batch of scanKeys(opened.redis, `${globEscape(o.keyPrefix)}*`)) prefixedKeyCount += batch.length;
    } finally {
      await opened.close();
    }

    const files: ManifestFile[] = [await describe(stage, RDB_NAME)];
    for (const sub of DATA_SUBDIRS) {
      for (const rel of await listFiles(path.join(o.dataDir, sub))) {
        const inArchive = `${DATA_FOLDER}/${sub}/${rel}`;
        const dest = path.join(stage, inArchive);
        await mkdir(path.dirname(dest), { recursive: true });
        // A hard link freezes the file as it is now (a sweep may delete an export meanwhile).
        await link(path.join(o.dataDir, sub, rel), dest).catch(() => copyFile(path.join(o.dataDir, sub, rel), dest));
        files.push(await describe(stage, inArchive));
      }
    }
    const manifest: Manifest = {
      format: BACKUP_FORMAT,
      formatVersion: BACKUP_FORMAT_VERSION,
      createdAt: now.toISOString(),
      district: o.district,
      dubanVersion: o.dubanVersion,
      redis: { version: redisVersion, db: snap.db, keyPrefix: o.keyPrefix, keyCount, prefixedKeyCount },
      files,
    };
    await writeFile(path.join(stage, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);

    const name = archiveName(o.district, now);
    const tmp = path.join(stage, name);
    // The manifest first, so a reader meets it before the bulk.
    await tar.c({ gzip: true, file: tmp, cwd: stage, portable: true }, [MANIFEST_NAME, ...files.map((f) => f.path)]);
    const final = path.join(o.outDir, name);
    await rename(tmp, final);
    return { file: final, manifest, bytes: (await stat(final)).size };
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/** duban-backup-<district>-<YYYYMMDD-HHmmss>.tar.gz, in the process's time zone (Asia/Shanghai). */
export function archiveName(district: string, at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  const stamp = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
  const safe = district.replace(/[\s/\\:*?"<>|\u0000-\u001f]+/g, '_').replace(/^[.-]+/, '') || 'district';
  return `duban-backup-${safe}-${stamp}.tar.gz`;
}

/** Regular files under `dir`, relative, skipping dot-names (temporary files of writes in progress). */
async function listFiles(dir: string, rel = ''): Promise<string[]> {
  const entries = await readdir(path.join(dir, rel), { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw err;
  });
  const out: string[] = [];
  for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.name.startsWith('.')) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(dir, child)));
    else if (e.isFile()) out.push(child);
  }
  return out;
}

async function describe(root: string, rel: string): Promise<ManifestFile> {
  const file = path.join(root, rel);
  return { path: rel, size: (await stat(file)).size, sha256: await sha256File(file) };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A prefix taken literally in a SCAN MATCH pattern. */
export function globEscape(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
