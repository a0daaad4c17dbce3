import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, cliContext, openCliRedis, operatorPath, type CliContext } from '../cli/cli-context';
import { checkOrgYaml } from '../config/org-check';
import { loadOrgSource } from '../config/org-source';
import { packageRoot } from '../config/paths';
import { ExitCode } from '../exit-codes';
import { OrgChannel } from '../store/org-channel';
import { createKeys } from '../store/keys';
import type { RedisClient } from '../store/redis';
import { createBackup } from './archive';
import { SnapshotError } from './snapshot';
import { RestoreRefused, restoreBackup } from './restore';

/** The two operator commands; src/cli/backup.ts and restore.ts run them, tests import them. */
export type Print = (line: string) => void;
const stdout: Print = (line) => process.stdout.write(`${line}\n`);

/** A refused restore or a corrupted archive: not a crash, not a configuration problem. */
export const REFUSED = 1;

const BACKUP_HELP = `用法：npm run backup [-- --out 目录]

在机器人运行时备份一个区不能丢的数据，写成一个带日期的备份包：
  duban-backup-<区名>-<年月日-时分秒>.tar.gz
内含 Redis 某一时刻的完整快照（台账、审计记录、考核加减分、待发的提醒）、
DATA_DIR 下的整改照片（evidence/）和导出文件（exports/），以及带校验值的 manifest.json。

  --out 目录   备份包放在哪里（默认 ./backups）
  --help       显示本说明

Redis 与 npm start 相同：REDIS_URL，未设置时为 make run 的内置 Redis。需要 redis-cli（Debian：redis-tools）。`;

const RESTORE_HELP = `用法：npm run restore -- <备份包.tar.gz> [--force]

把 npm run backup 生成的备份包恢复到 Redis 和 DATA_DIR。先校验 manifest.json 和每个文件的 sha256。
目标 Redis 的当前库必须一个键也没有（不只看 REDIS_KEY_PREFIX 前缀）；DATA_DIR 中内容不同的同名文件不覆盖。
恢复期间请先停止机器人（npm start、npm run worker）。

  --force   目标库非空也恢复：备份中的键覆盖同名键（其余键保留），并覆盖内容不同的文件
  --help    显示本说明`;

interface Parsed {
  values: Record<string, string | boolean | undefined>;
  positionals: string[];
}

function parse(argv: string[], options: Record<string, { type: 'string' | 'boolean'; short?: string }>, help: string): Parsed {
  try {
    const { values, positionals } = parseArgs({ args: argv, options: { ...options, help: { type: 'boolean', short: 'h' } }, allowPositionals: true, strict: true });
    return { values: values as Parsed['values'], positionals };
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const name = /'([^']+)'/.exec(e.message)?.[1] ?? '';
    const why = e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' ? `未知选项 ${name}` : e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' ? `选项 ${name} 需要一个值，例如 --out /srv/backups` : e.message;
    throw new CliError(`参数有误：${why}\n\n${help}`, ExitCode.config);
  }
}

function dubanVersion(): string {
  try {
    return String((JSON.parse(readFileSync(path.join(packageRoot(), 'package.json'), 'utf8')) as { version?: unknown }).version ?? 'unknown');
  } catch {
    return 'unknown';
  }
}

export async function backupMain(argv: string[], print: Print = stdout): Promise<number> {
  const args = parse(argv, { out: { type: 'string', short: 'o' } }, BACKUP_HELP);
  if (args.values.help) {
    print(BACKUP_HELP);
    return ExitCode.ok;
  }
  if (args.positionals.length) throw new CliError(`多余的参数：${args.positionals.join(' ')}\n\n${BACKUP_HELP}`, ExitCode.config);
  const ctx = cliContext();
  const outDir = operatorPath(typeof args.values.out === 'string' ? args.values.out : 'backups');
  const conn = await openCliRedis(ctx);
  try {
    const district = await districtName(ctx, conn.redis, print);
    const started = Date.now();
    const result = await createBackup({
      redisUrl: conn.url,
      redis: conn.redis,
      dataDir: ctx.env.DATA_DIR,
      keyPrefix: ctx.env.REDIS_KEY_PREFIX,
      district,
      dubanVersion: dubanVersion(),
      outDir,
      logger: ctx.logger,
    });
    const m = result.manifest;
    const count = (sub: string) => m.files.filter((f) => f.path.startsWith(`data/${sub}/`)).length;
    print(`✅ 已备份：${result.file}`);
    print(`   Redis ${m.redis.version}（库 ${m.redis.db}）：${m.redis.keyCount} 个键，其中 ${m.redis.prefixedKeyCount} 个属于 ${m.redis.keyPrefix}`);
    print(`   整改照片 ${count('evidence')} 个，导出文件 ${count('exports')} 个；共 ${mb(result.bytes)}，用时 ${((Date.now() - started) / 1000).toFixed(1)} 秒`);
    print('   请把备份包复制到本机以外的地方保存（至少保留 30 天）。');
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof SnapshotError) throw new CliError(`备份失败：${err.message}`, ExitCode.redis);
    throw err;
  } finally {
    await conn.close();
  }
}

/**
 * The district that names the archive: the organisation in force (what the bot published to
 * Redis), which this shell's ORG_FILE may not be; else ORG_FILE. A broken file never stops a backup.
 */
async function districtName(ctx: CliContext, redis: RedisClient, print: Print): Promise<string> {
  const stored = await new OrgChannel(redis, createKeys(ctx.env.REDIS_KEY_PREFIX)).current().catch(() => undefined);
  const fromRedis = stored ? checkOrgYaml(stored.yaml, process.env, { requireEnv: false }).org?.district : undefined;
  if (fromRedis) return fromRedis;
  const org = await loadOrgSource(ctx.orgFile, process.env, { requireEnv: false });
  if (org.ok) return org.org.district;
  print(`⚠️ 组织架构文件 ${ctx.orgFile} 有误，备份包以 “duban” 命名（数据照常备份）`);
  return 'duban';
}

export async function restoreMain(argv: string[], print: Print = stdout): Promise<number> {
  const args = parse(argv, { force: { type: 'boolean' } }, RESTORE_HELP);
  if (args.values.help) {
    print(RESTORE_HELP);
    return ExitCode.ok;
  }
  if (args.positionals.length !== 1) {
    throw new CliError(`${args.positionals.length ? '只能给一个备份包' : '请给出要恢复的备份包，例如：npm run restore -- backups/duban-backup-示例区-20261202-030000.tar.gz'}\n\n${RESTORE_HELP}`, ExitCode.config);
  }
  const archive = operatorPath(args.positionals[0]!);
  const ctx = cliContext();
  const conn = await openCliRedis(ctx);
  try {
    const result = await restoreBackup({ archive, redis: conn.redis, dataDir: ctx.env.DATA_DIR, force: Boolean(args.values.force), logger: ctx.logger, say: print });
    const f = result.files;
    print(`✅ 已恢复 ${result.keys} 个键${result.replaced ? `（覆盖 ${result.replaced} 个）` : ''}到 Redis；文件：新写入 ${f.written} 个，已存在且相同 ${f.same} 个${f.overwritten ? `，覆盖 ${f.overwritten} 个` : ''}`);
    const expired = result.manifest.redis.keyCount - result.keys;
    // Keys with a time to live (a callback's reply kept 1 h, a draft 10 min) may lapse between backup and restore.
    if (expired > 0) print(`   备份里另有 ${expired} 个键已到期，不再恢复（如 1 小时的消息去重记录、10 分钟的对话草稿），台账和提醒不受影响`);
    if (result.manifest.redis.keyPrefix !== ctx.env.REDIS_KEY_PREFIX) {
      print(`⚠️ 备份的键前缀是 ${result.manifest.redis.keyPrefix}，当前 REDIS_KEY_PREFIX 是 ${ctx.env.REDIS_KEY_PREFIX}：启动前请改成一致`);
    }
    print('   现在可以启动机器人（npm start）：待发的提醒会按原定时间发出。');
    return ExitCode.ok;
  } catch (err) {
    if (err instanceof RestoreRefused) throw new CliError(`未恢复：${err.message}`, REFUSED);
    throw err;
  } finally {
    await conn.close();
  }
}

function mb(bytes: number): string {
  return bytes < 1024 * 1024 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}
