// `npm run ledger -- import 台账.xlsx`: a district's existing 问题台账 into the ledger (issue 14).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { createQueues } from '../../jobs/queues';
import { TimerScheduler } from '../../jobs/timers/timer-jobs';
import { checkOrgYaml } from '../config/org-check';
import { formatProblemLines } from '../config/org-problems-format';
import { loadOrgSource, type OrgProblem } from '../config/org-source';
import { STATE_WORDS, type IssueState } from '../domain/issue';
import type { Org } from '../domain/org';
import { ExitCode } from '../exit-codes';
import { IMPORT_BATCH, ImportWriter } from '../import/ledger-apply';
import { readAndPlace, type ReadResult } from '../import/ledger-import';
import type { PlacedRow } from '../import/ledger-rows';
import { FIELD_WORDS, LedgerSheetError, parseColumnMap } from '../import/ledger-sheet';
import { createProgress } from '../import/progress';
import { shownDay } from '../import/cell-date';
import { peopleIndex } from '../parsing/people';
import { columnLetter } from '../rendering/xlsx/sheet-layout';
import { createKeys } from '../store/keys';
import { LedgerStore } from '../store/ledger-store';
import { OrgChannel } from '../store/org-channel';
import { CliError, cliContext, openCliRedis, operatorPath, runCli } from './cli-context';

export const USAGE = `用法：npm run ledger -- import 台账.xlsx [--apply] [--map 列名=字段]… [--sheet 工作表] [--by 姓名]

  读取已有的问题台账（.xlsx），按表头名称识别列：问题描述、责任单位、镇街、整改期限、状态（是否整改）、
  发现时间、发现人、整改情况、类别、责任人。表头上方可以有标题行。
  默认只试运行：列出将新建的问题和每一个不能导入的行（按行号），不写入任何数据。
  --apply            导入：能导入的行全部新建（审计记为“导入”，注明文件和行号），不能导入的行列出后跳过，
                     有不能导入的行时退出码为 1；再次导入同一文件不会重复新建（按问题内容识别）。
  --map 列名=字段    列名与上面不同时指定，可重复，例如 --map 反馈问题=问题描述
  --sheet 工作表     指定工作表（默认：第一个有表头的工作表）
  --by 姓名          没有发现人的行记在谁名下（默认：组织架构的第一位组织部管理员）

  各行按正在使用的组织架构放置（机器人最近一次启动或 /重新加载 发布到 Redis 的那份），还没有时按 ORG_FILE。
  类别须是检查项目的编号或名称（组织架构有检查项目时），问题描述、整改情况的字数限制与群里上报相同。
  责任单位为空而上一行有时，多半是合并单元格：请取消合并并向下填充。

  状态为 是/已整改/已完成 的行导入为已销号（整改情况作为整改反馈，销号时间取已过的整改期限，否则取发现时间）；
  其余为整改中，交办给单位书记（单位没有书记时为待交办），整改期限为空时按发现时间加默认期限，
  “长期坚持”不设期限；期限已过的导入后即为逾期。正在运行的督办助手会按期发送提醒。
  退出码：0 全部导入（或可导入），1 有不能导入的行，2 参数、文件或组织架构有误，3 Redis 不可用。`;

interface Args {
  file: string;
  apply: boolean;
  maps: string[];
  sheet?: string;
  by?: string;
}

function parseArgs(argv: readonly string[]): Args | 'help' {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') return 'help';
  if (command !== 'import') throw new CliError(`不认识的子命令“${command}”\n${USAGE}`, ExitCode.config);
  const args: Partial<Args> & { maps: string[]; apply: boolean } = { maps: [], apply: false };
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = () => {
      const v = rest[++i];
      if (v === undefined || v.startsWith('--')) throw new CliError(`${a} 后面缺少值，例如 ${a === '--map' ? '--map 反馈问题=问题描述' : a === '--sheet' ? '--sheet 问题台账' : '--by 何静怡'}`, ExitCode.config);
      return v;
    };
    if (a === '--apply') args.apply = true;
    else if (a === '--map') args.maps.push(value());
    else if (a.startsWith('--map=')) args.maps.push(a.slice(6));
    else if (a === '--sheet') args.sheet = value();
    else if (a === '--by') args.by = value();
    else if (a === '--help' || a === '-h') return 'help';
    else if (a.startsWith('--')) throw new CliError(`不认识的选项“${a}”\n${USAGE}`, ExitCode.config);
    else if (args.file === undefined) args.file = a;
    else throw new CliError(`只能导入一个文件，多出了“${a}”`, ExitCode.config);
  }
  if (!args.file) throw new CliError(`缺少台账文件，例如：npm run ledger -- import 台账.xlsx\n${USAGE}`, ExitCode.config);
  return args as Args;
}

export interface LedgerIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WriteStream;
  now: () => number;
}

export async function ledgerMain(argv: string[], io: LedgerIo = { stdout: process.stdout, stderr: process.stderr, now: Date.now }): Promise<number> {
  const args = parseArgs(argv);
  const say = (line = '') => io.stdout.write(`${line}\n`);
  if (args === 'help') {
    say(USAGE);
    return ExitCode.ok;
  }
  const ctx = cliContext();
  const { map, problems: mapProblems } = parseColumnMap(args.maps);
  if (mapProblems.length) throw new CliError(mapProblems.join('\n'), ExitCode.config);
  const now = io.now();
  const file = operatorPath(args.file);
  const source = path.basename(file);
  // Before Redis: a mistyped name must not start (and stop) an embedded redis-server first.
  if (!existsSync(file)) throw new CliError(`找不到文件 ${file}（相对路径从你输入命令的目录算起）`, ExitCode.config);

  const cli = await openCliRedis(ctx);
  const keys = createKeys(ctx.env.REDIS_KEY_PREFIX);
  let org: Org;
  let by: string;
  try {
    org = await orgInForce(ctx.orgFile, new OrgChannel(cli.redis, keys), say);
    by = importer(org, args.by);
  } catch (err) {
    await cli.close();
    throw err;
  }
  const store = new LedgerStore(cli.redis, keys);
  const queues = args.apply ? createQueues(cli.url, keys.bullPrefix, ctx.logger) : undefined;
  // With --apply the rows are written as they are read, a batch at a time.
  const writer = queues
    ? new ImportWriter({ store, timers: new TimerScheduler(queues.timers, () => org), policy: org.policy, by, source, now })
    : undefined;
  const progress = createProgress({ verb: writer ? '已读并导入' : '已读', total: 1, rowsKnown: false, stream: io.stderr });
  let code: number = ExitCode.ok;
  let read: ReadResult;
  try {
    try {
      read = await readAndPlace(file, {
        org,
        now,
        defaultReporter: by,
        ...(args.sheet !== undefined ? { sheet: args.sheet } : {}),
        map,
        onProgress: (p) => progress.update(p.total ? p.bytes / p.total : 1, p.rows),
        ...(writer ? { onBatch: (rows: PlacedRow[]) => writer.add(rows), batchSize: IMPORT_BATCH } : {}),
      });
    } catch (err) {
      if (err instanceof LedgerSheetError) throw new CliError(err.message, ExitCode.config);
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`找不到文件 ${file}`, ExitCode.config);
      throw err;
    }
    const res = await writer?.finish();
    progress.stop();

    const h = read.header;
    const columns = [...h.columns].map(([col, f]) => `${FIELD_WORDS[f]}=${columnLetter(col)}列`).join('，');
    say(`台账 ${source}：工作表“${h.sheet}”，表头在第 ${h.row} 行（${columns}）${h.unknown.length ? `；未使用的列：${h.unknown.join('、')}` : ''}`);
    say(`读取 ${read.rows} 行：可导入 ${read.placed.length} 行，不能导入 ${read.badRows} 行${read.duplicates.length ? `，重复 ${read.duplicates.length} 行` : ''}`);
    if (!res) {
      const known = await countImported(store, read.placed);
      say(`试运行，未写入：将新建 ${read.placed.length - known} 条${known ? `（另有 ${known} 条已导入过）` : ''}；确认无误后加 --apply 导入`);
    }
    for (const line of summary(org, read.placed, now)) say(line);
    if (res) say(`${res.created} 条新建，${res.already} 条已导入过；排入提醒和回头看 ${res.timers} 个`);
  } finally {
    progress.stop(false);
    await queues?.close();
    await cli.close();
  }
  for (const d of read.duplicates) say(`  ${d}`);
  if (read.problems.length) {
    say(`不能导入的行（${read.badRows} 行）：`);
    for (const p of read.problems) say(`  ${p}`);
    code = ExitCode.unexpected;
  }
  return code;
}

/**
 * The organisation the rows are placed in: the one in force ({org}:current, what every running
 * instance uses) when one was published, else ORG_FILE — so an edited file not yet /重新加载ed
 * (or refused) gives no unit ids or assignees the bot does not have. Says which, and warns when
 * ORG_FILE differs from the one in force.
 */
async function orgInForce(orgFile: string, channel: OrgChannel, say: (line: string) => void): Promise<Org> {
  const [stored, loaded] = await Promise.all([channel.current(), loadOrgSource(orgFile, process.env)]);
  if (stored) {
    // As the instances read it (src/store/org-sync.ts), but an unset env: webhook key is no matter here: the import sends nothing.
    const checked = checkOrgYaml(stored.yaml, process.env, { requireEnv: false });
    if (!checked.org) throw new CliError(`正在使用的组织架构（Redis 中第 ${stored.version} 版）读不出：\n${problemLines(checked.problems)}`, ExitCode.config);
    say(`组织架构：正在使用的第 ${stored.version} 版${stored.source ? `（${path.basename(stored.source)}）` : ''}`);
    if (!loaded.ok) say(`⚠️ ORG_FILE ${orgFile} 有误（${loaded.problems.find((p) => p.severity === 'error')?.message ?? '读不出'}），按正在使用的组织架构导入`);
    else if (loaded.hash !== stored.hash) say('⚠️ ORG_FILE 与正在使用的组织架构不同，按正在使用的导入；如需按新文件导入，请先 /重新加载');
    return checked.org;
  }
  if (!loaded.ok) throw new CliError(`组织架构文件 ${orgFile} 有误：\n${problemLines(loaded.problems)}`, ExitCode.config);
  say(`组织架构：ORG_FILE ${orgFile}（机器人尚未发布过组织架构）`);
  return loaded.org;
}

function problemLines(problems: readonly OrgProblem[]): string {
  return formatProblemLines(problems.filter((p) => p.severity === 'error'), '  ');
}

/** The importing admin: --by (a name or userid of the organisation), else its first admin. */
function importer(org: Org, by: string | undefined): string {
  if (by === undefined) {
    const first = org.adminIds()[0];
    if (!first) throw new CliError('组织架构里没有组织部管理员（admins），请用 --by 姓名 指定导入人', ExitCode.config);
    return first;
  }
  const p = peopleIndex(org).find(by);
  if (!p) throw new CliError(`--by “${by}”不在人员名单中`, ExitCode.config);
  return p.userid;
}

async function countImported(store: LedgerStore, rows: readonly PlacedRow[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < rows.length; i += 5000) n += (await store.importedRows(rows.slice(i, i + 5000).map((r) => r.fingerprint))).size;
  return n;
}

const stateOf = (r: PlacedRow): IssueState => (r.closed ? 'closed' : r.assignee ? 'assigned' : 'reported');

/** Counts by state and by town (its units), and a few sample lines. */
function summary(org: Org, rows: readonly PlacedRow[], now: number): string[] {
  const byState = new Map<IssueState, number>();
  let overdue = 0;
  let ongoing = 0;
  const byTown = new Map<string, Map<string, number>>();
  for (const r of rows) {
    const s = stateOf(r);
    byState.set(s, (byState.get(s) ?? 0) + 1);
    if (s === 'assigned' && r.deadline !== undefined && r.deadline < now) overdue++;
    if (!r.closed && r.deadline === undefined) ongoing++;
    let units = byTown.get(r.unit.town);
    if (!units) byTown.set(r.unit.town, (units = new Map()));
    units.set(r.unit.name, (units.get(r.unit.name) ?? 0) + 1);
  }
  const states = (['assigned', 'reported', 'closed'] as const)
    .filter((s) => byState.get(s))
    .map((s) => `${STATE_WORDS[s]} ${byState.get(s)}${s === 'assigned' && overdue ? `（其中逾期 ${overdue}）` : ''}`);
  const lines = [`按状态：${states.join('，') || '无'}${ongoing ? `；长期坚持（不设期限）${ongoing}` : ''}`];
  if (byTown.size) lines.push('按镇街：');
  for (const [town, units] of [...byTown].sort((a, b) => total(b[1]) - total(a[1]))) {
    const top = [...units].sort((a, b) => b[1] - a[1]);
    lines.push(`  ${town} ${total(units)}（${top.slice(0, 6).map(([u, n]) => `${u} ${n}`).join('、')}${top.length > 6 ? ` 等 ${top.length} 个单位` : ''}）`);
  }
  if (rows.length) lines.push('示例：');
  for (const r of rows.slice(0, 3)) {
    const who = r.assignee ? `，责任人 ${org.person(r.assignee)?.name ?? r.assignee}` : '';
    const due = r.deadline !== undefined ? `，期限 ${shownDay(r.deadline)}` : '';
    lines.push(`  第${r.row}行 → ${r.unit.town}${r.unit.name} ${STATE_WORDS[stateOf(r)]}${due}${who}：${r.description.slice(0, 30)}`);
  }
  return lines;
}

const total = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);

if (require.main === module) runCli((argv) => ledgerMain(argv));
