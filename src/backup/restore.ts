import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import * as tar from 'tar';
import type { Logger } from '../log/logger';
import type { RedisClient } from '../store/redis';
import { DATA_SUBDIRS, sha256File } from './archive';
import { DATA_FOLDER, MANIFEST_NAME, RDB_NAME, manifestSchema, type Manifest } from './manifest';
import { openRdb, scanKeys } from './temp-redis';

/**
 * Brings an archive of `npm run backup` back: the manifest and every file's sha256 are checked
 * before anything is written; the target Redis must hold no key at all in its database (a restore
 * is for an empty server: another district's or a half-restored ledger would mix in) unless
 * `force`; the keys are read from the archive's RDB in a private redis-server and copied with
 * DUMP/PTTL → RESTORE in pipelined batches, which works for a remote target as well; the files go
 * back into DATA_DIR without overwriting a different file unless `force`.
 */
export class RestoreRefused extends Error {
  override name = 'RestoreRefused';
}

export interface RestoreOptions {
  archive: string;
  /** The target: one server's client, on the database to fill. */
  redis: RedisClient;
  dataDir: string;
  force?: boolean;
  logger: Logger;
  /** Progress and warnings, in Chinese, for the operator. */
  say?: (line: string) => void;
  batch?: number;
}

export interface RestoreResult {
  manifest: Manifest;
  keys: number;
  /** Keys that existed in the target and were replaced (force only). */
  replaced: number;
  files: { written: number; same: number; overwritten: number };
}

export async function restoreBackup(o: RestoreOptions): Promise<RestoreResult> {
  const say = o.say ?? (() => undefined);
  if (!('dumpBuffer' in o.redis) || (o.redis as { isCluster?: boolean }).isCluster) {
    throw new RestoreRefused('不支持恢复到 Redis Cluster：请让 REDIS_URL 指向单个 Redis');
  }
  const target = o.redis as Redis;
  const work = await mkdtemp(path.join(os.tmpdir(), 'duban-restore-'));
  try {
    const manifest = await unpack(o.archive, work);
    say(`备份包校验通过：${manifest.district}，${new Date(manifest.createdAt).toLocaleString('zh-CN', { hour12: false })} 备份，Redis ${manifest.redis.version}，${manifest.redis.keyCount} 个键，${manifest.files.length - 1} 个文件`);

    const present = await target.dbsize();
    if (present > 0 && !o.force) {
      throw new RestoreRefused(`目标 Redis 不是空的：当前库已有 ${present} 个键（检查的是整个库，不只 ${manifest.redis.keyPrefix} 前缀）。恢复只往空库里写；确要覆盖请加 --force`);
    }
    const others = await otherClients(target);
    if (others > 0) say(`⚠️ 还有 ${others} 个其他连接连着目标 Redis：恢复期间请先停止机器人（npm start / npm run worker），否则它的写入会与恢复混在一起`);

    const conflicts = await fileConflicts(manifest, o.dataDir);
    if (conflicts.length && !o.force) {
      const shown = conflicts.slice(0, 5).join('、');
      throw new RestoreRefused(`DATA_DIR 中已有 ${conflicts.length} 个内容不同的同名文件（${shown}${conflicts.length > 5 ? ' 等' : ''}），未覆盖；确要覆盖请加 --force`);
    }

    const opened = await openRdb(path.join(work, RDB_NAME), o.logger, manifest.redis.db).catch((err: unknown) => {
      // The usual cause: a local redis-server older than the one that wrote the RDB.
      throw new RestoreRefused(`本机 redis-server 无法载入备份中的快照（备份来自 Redis ${manifest.redis.version}，本机需同版本或更新）：${(err as Error).message}`);
    });
    let keys = 0;
    let replaced = 0;
    try {
      const source = opened.redis as Redis;
      if (present > 0) {
        replaced = await countExisting(source, target, o.batch);
        say(`--force：目标库已有 ${present} 个键，其中 ${replaced} 个将被备份中的同名键覆盖，其余 ${present - replaced} 个保留不动`);
      }
      keys = await copyKeys(source, target, Boolean(o.force), o.batch, (n) => say(`已恢复 ${n} 个键…`));
    } finally {
      await opened.close();
    }
    const files = await copyFiles(manifest, work, o.dataDir);
    return { manifest, keys, replaced, files };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Extracts into `dir` and checks the manifest and every file against it; answers the manifest. */
export async function unpack(archive: string, dir: string): Promise<Manifest> {
  try {
    await stat(archive);
  } catch {
    throw new RestoreRefused(`找不到备份包：${archive}`);
  }
  try {
    // Regular files and folders only: a link in an archive could point anywhere.
    await tar.x({ file: archive, cwd: dir, strict: true, filter: (_p, e) => 'type' in e && (e.type === 'File' || e.type === 'Directory') });
  } catch (err) {
    throw new RestoreRefused(`备份包已损坏，无法解开：${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(path.join(dir, MANIFEST_NAME), 'utf8'));
  } catch {
    throw new RestoreRefused('备份包中没有可读的 manifest.json：这不是 npm run backup 生成的备份包');
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new RestoreRefused(`manifest.json 不符合格式：${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('；')}`);
  const manifest = parsed.data;
  if (!manifest.files.some((f) => f.path === RDB_NAME)) throw new RestoreRefused('manifest.json 中没有 redis.rdb');
  for (const f of manifest.files) {
    if (f.path !== RDB_NAME && !DATA_SUBDIRS.some((s) => f.path.startsWith(`${DATA_FOLDER}/${s}/`))) {
      throw new RestoreRefused(`manifest.json 列出了不该有的文件：${f.path}`);
    }
    const file = path.join(dir, f.path);
    const info = await stat(file).catch(() => undefined);
    if (!info?.isFile()) throw new RestoreRefused(`备份包缺少文件：${f.path}`);
    if (info.size !== f.size || (await sha256File(file)) !== f.sha256) {
      throw new RestoreRefused(`备份包已损坏：${f.path} 的校验值（sha256）与 manifest.json 不符`);
    }
  }
  return manifest;
}

/** Connections to the target besides this one (a running bot, worker, chat client). */
async function otherClients(redis: Redis): Promise<number> {
  try {
    const list = String(await redis.client('LIST'));
    return Math.max(0, list.split('\n').filter((l) => l.trim()).length - 1);
  } catch {
    return 0; // CLIENT may be forbidden by an ACL: then there is nothing to tell
  }
}

async function countExisting(source: Redis, target: Redis, batch = 1000): Promise<number> {
  let n = 0;
  for await (const keys of scanKeys(source, '*', batch)) {
    const pipe = target.pipeline();
    for (const k of keys) pipe.exists(k);
    for (const [err, v] of (await pipe.exec()) ?? []) if (!err && Number(v) > 0) n++;
  }
  return n;
}

async function copyKeys(source: Redis, target: Redis, replace: boolean, batch = 1000, progress: (n: number) => void): Promise<number> {
  let copied = 0;
  let told = 0;
  for await (const keys of scanKeys(source, '*', batch)) {
    const read = source.pipeline();
    for (const k of keys) read.dumpBuffer(k).pttl(k);
    const got = (await read.exec()) ?? [];
    const write = target.pipeline();
    let queued = 0;
    keys.forEach((k, i) => {
      const [dumpErr, payload] = got[2 * i]!;
      const [, ttl] = got[2 * i + 1]!;
      if (dumpErr || payload === null) return; // expired in between
      const ms = Number(ttl);
      const args: (string | number | Buffer)[] = [k, ms > 0 ? ms : 0, payload as Buffer];
      if (replace) args.push('REPLACE');
      write.call('RESTORE', ...args);
      queued++;
    });
    const results = (await write.exec()) ?? [];
    const failed = results.find(([err]) => err);
    if (failed) {
      const msg = String(failed[0]!.message);
      throw new RestoreRefused(/BUSYKEY/.test(msg) ? '恢复中途目标库出现了同名键（机器人仍在运行？）：请停止机器人后重试，或加 --force' : `写入目标 Redis 失败：${msg}`);
    }
    copied += queued;
    if (copied - told >= 100_000) {
      told = copied;
      progress(copied);
    }
  }
  return copied;
}

function dataPath(dataDir: string, archivePath: string): string {
  return path.join(dataDir, archivePath.slice(DATA_FOLDER.length + 1));
}

async function fileConflicts(manifest: Manifest, dataDir: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of manifest.files) {
    if (f.path === RDB_NAME) continue;
    const dest = dataPath(dataDir, f.path);
    const info = await stat(dest).catch(() => undefined);
    if (info && (!info.isFile() || info.size !== f.size || (await sha256File(dest)) !== f.sha256)) out.push(path.relative(dataDir, dest));
  }
  return out;
}

async function copyFiles(manifest: Manifest, work: string, dataDir: string): Promise<RestoreResult['files']> {
  const counts = { written: 0, same: 0, overwritten: 0 };
  for (const f of manifest.files) {
    if (f.path === RDB_NAME) continue;
    const dest = dataPath(dataDir, f.path);
    const info = await stat(dest).catch(() => undefined);
    if (info?.isFile() && info.size === f.size && (await sha256File(dest)) === f.sha256) {
      counts.same++;
      continue;
    }
    await mkdir(path.dirname(dest), { recursive: true });
    // A temporary dot-name, then rename: the bot never serves half a file.
    const tmp = path.join(path.dirname(dest), `.restore-${path.basename(dest)}`);
    await copyFile(path.join(work, f.path), tmp);
    await rename(tmp, dest);
    if (info) counts.overwritten++;
    else counts.written++;
  }
  return counts;
}
