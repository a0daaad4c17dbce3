// `npm run org -- template | import | check`: the organisation from the district's Excel roster (issue 14 §1, §2).
import { closest, distance } from 'fastest-levenshtein';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { checkOrgData, mergeProblems, rosterLocator, type CheckResult } from '../config/org-check';
import { orgFileSchema } from '../config/org-schema';
import { formatProblemLines } from '../config/org-problems-format';
import { loadOrgSource, type OrgProblem } from '../config/org-source';
import { demoOrgFile } from '../config/paths';
import { readRoster } from '../config/roster/read-roster';
import { EXAMPLE_ORG, writeRosterFile } from '../config/roster/template';
import { orgYaml } from '../config/roster/write-yaml';
import { ExitCode } from '../exit-codes';
import { cliContext, CliError, operatorPath, runCli } from './cli-context';

const USAGE = `用法：
  npm run org -- template [花名册.xlsx] [--demo] [--force]
      生成花名册模板（默认 花名册模板.xlsx）；--demo 写入示例区的完整组织架构
  npm run org -- import 花名册.xlsx [-o org.yaml] [--force] [--strict]
      把填好的花名册转成组织架构文件（默认写在花名册旁边，同名 .yaml）
  npm run org -- check <org.yaml|花名册.xlsx> [--strict]
      检查组织架构文件，列出全部问题；通过退出码 0，有错误退出码 2
      群机器人 key 的环境变量未设置只算警告（管理员电脑上没有服务器的 .env）；
      --strict 时算错误，和服务器启动、/重新加载 一样（在服务器上检查时用）

例：npm run org -- template 花名册.xlsx && npm run org -- check 花名册.xlsx`;

interface Args {
  command?: string;
  files: string[];
  out?: string;
  demo: boolean;
  force: boolean;
  strict: boolean;
  help: boolean;
}

/** `npm run` starts in the package root; a relative file means the directory the operator typed it in. */
const resolve = operatorPath;

/** Officials may name the step in Chinese. */
const COMMAND_WORDS: Record<string, string> = { 模板: 'template', 导入: 'import', 检查: 'check', 校验: 'check' };

function parseArgs(argv: string[]): Args {
  const args: Args = { files: [], demo: false, force: false, strict: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--help' || a === '-h') args.help = true;
    else if (a === '--demo') args.demo = true;
    else if (a === '--strict') args.strict = true;
    else if (a === '--force' || a === '-f') args.force = true;
    else if (a === '-o' || a === '--out') {
      const out = argv[++i];
      args.out = out && resolve(out);
      if (!args.out) throw new CliError(`-o 后面要写输出文件，如 -o org.yaml\n\n${USAGE}`, ExitCode.config);
    } else if (a.startsWith('-')) throw new CliError(`不认识的选项 ${a}\n\n${USAGE}`, ExitCode.config);
    else if (!args.command) args.command = COMMAND_WORDS[a] ?? a.toLowerCase();
    else args.files.push(resolve(a));
  }
  return args;
}

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const args = parseArgs(argv);
  const say = (line: string) => out.write(`${line}\n`);
  if (args.help || !args.command) {
    say(USAGE);
    return args.help ? ExitCode.ok : ExitCode.config;
  }
  const ctx = cliContext();
  const env = process.env;
  switch (args.command) {
    case 'template': {
      const file = args.files[0] ?? resolve(args.demo ? '示例区花名册.xlsx' : '花名册模板.xlsx');
      if (!file.toLowerCase().endsWith('.xlsx')) throw new CliError(`模板要写成 .xlsx 文件，如 花名册.xlsx（收到“${file}”）`, ExitCode.config);
      refuseOverwrite(file, args.force);
      let org = EXAMPLE_ORG;
      if (args.demo) {
        const text = await readFile(demoOrgFile(), 'utf8');
        org = orgFileSchema.parse(parseYaml(text));
      }
      await writeRosterFile(file, org, { example: !args.demo });
      say(`已生成 ${file}${args.demo ? '（示例区的组织架构）' : '：灰色斜体的示例行可以直接改写'}`);
      say(`填好后：npm run org -- check ${file}，再 npm run org -- import ${file}`);
      return ExitCode.ok;
    }
    case 'import': {
      const file = args.files[0];
      if (!file || !file.toLowerCase().endsWith('.xlsx')) throw new CliError(`要导入的花名册应为 .xlsx 文件，如 npm run org -- import 花名册.xlsx\n\n${USAGE}`, ExitCode.config);
      const target = args.out ?? path.join(path.dirname(file), `${path.basename(file, path.extname(file))}.yaml`);
      refuseOverwrite(target, args.force);
      const bytes = await readOrFail(file);
      const read = await readRoster(bytes);
      const whole = read.problems.filter((p) => p.severity === 'error' && p.where === '');
      // Not a workbook: that one line, not the schema's about an empty organisation. The server's
      // .env may not be here: an unset env:NAME key is only a warning on import (unless --strict).
      const checked: CheckResult = whole.length ? { problems: [] } : checkOrgData(read.raw, env, rosterLocator(read.sources), { requireEnv: args.strict });
      const problems = whole.length ? whole : mergeProblems(read.problems, checked.problems);
      printProblems(problems, say);
      if (!checked.org || problems.some((p) => p.severity === 'error')) {
        say(`${summary(problems)}：未导入，请改好花名册再试`);
        return ExitCode.config;
      }
      await writeFile(target, orgYaml(read.raw, read.sources, path.basename(file)), 'utf8');
      say(`已导入：${counts(checked.org)}${warnings(problems)}`);
      if (read.generatedIds) say(`${read.generatedIds} 个单位/工作队的编号是自动生成的，以后请保持不变（已写入 ${path.basename(target)}）`);
      say(`组织架构文件：${target}（在 .env 里设 ORG_FILE=${target} 后启动）`);
      return ExitCode.ok;
    }
    case 'check': {
      const file = args.files[0] ?? ctx.orgFile;
      const load = await loadOrgSource(file, env, { requireEnv: args.strict });
      printProblems(load.problems, say);
      if (!load.ok) {
        say(summary(load.problems));
        return ExitCode.config;
      }
      say(`检查通过：${counts(load.org)}${warnings(load.problems)}`);
      return ExitCode.ok;
    }
    default:
      {
        const near = closest(args.command, ['template', 'import', 'check']);
        throw new CliError(`不认识的命令“${args.command}”：${near && distance(args.command, near) <= Math.max(1, Math.floor(args.command.length / 4)) ? `是不是 ${near}？` : ''}可用 template、import、check\n\n${USAGE}`, ExitCode.config);
      }
  }
}

function refuseOverwrite(file: string, force: boolean): void {
  if (existsSync(file) && !force) throw new CliError(`${file} 已存在：加 --force 覆盖，或换一个文件名`, ExitCode.config);
}

async function readOrFail(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new CliError(`无法读取 ${file}（${(err as NodeJS.ErrnoException).code ?? 'error'}）`, ExitCode.config);
  }
}

function printProblems(problems: OrgProblem[], say: (line: string) => void): void {
  if (problems.length) say(formatProblemLines(problems));
}

function summary(problems: OrgProblem[]): string {
  const errors = problems.filter((p) => p.severity === 'error').length;
  return `${errors} 个错误，${problems.length - errors} 个警告`;
}

function warnings(problems: OrgProblem[]): string {
  return problems.length ? `（${problems.length} 个警告）` : '';
}

function counts(org: { people: readonly unknown[]; units: readonly unknown[]; teams: readonly unknown[]; chats: readonly unknown[] }): string {
  return `${org.people.length} 人，${org.units.length} 个单位，${org.teams.length} 个工作队，${org.chats.length} 个群聊`;
}

if (require.main === module) runCli((argv) => main(argv));
