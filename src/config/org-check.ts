import { isMap, isSeq, LineCounter, parseDocument, type Node as YamlNode } from 'yaml';
import { z } from 'zod';
import { Org } from '../domain/org';
import { checkReferences, formatPath } from './org-file';
import { orgFileSchema, type OrgFile } from './org-schema';
import type { OrgProblem } from './org-source';
import type { Path } from './roster/paths';

/**
 * Checks an organisation file all at once (issue 14 §2): every zod issue, every cross-reference,
 * and the warnings that do not refuse the file (a unit no team covers, a chat without a group
 * robot key). Each problem is in Chinese and located by `locate`: a line of the YAML, or a cell
 * of the roster. Errors refuse the file; warnings are printed and it loads.
 */
export type Locate = (path: Path) => string;

export interface CheckResult {
  org?: Org;
  file?: OrgFile;
  problems: OrgProblem[];
}

export interface CheckOptions {
  /**
   * An env:NAME key whose variable is unset refuses the file (the server needs the key): the
   * default, for start-up, SIGHUP and /重新加载. Off for `org check` and `import` (without
   * --strict), which run on an admin's PC where the server's .env is not: there it is a warning.
   */
  requireEnv?: boolean;
}

/** Our schema's own English messages, in Chinese; zod's generic ones come from its zh-CN locale. */
const ZH: [RegExp, string][] = [
  [/^expected an id of letters/, '只能由字母、数字和 _ . @ - 组成（不能有空格和汉字），最长 64 个字符'],
  [/^must not contain any of/, '不能含 < > [ ] * ~ ` | & 这些字符（企业微信会当作格式符号）'],
  [/^must not be empty/, '不能为空'],
  [/^must not contain line breaks/, '不能含换行或控制字符（单元格里按了 Alt+Enter？请改成一行）'],
  [/^expected a time like/, '应为时刻，如 09:00'],
  [/^expected a cron expression/, '应为 cron 表达式，如 0 9 * * 1（每周一 9 点）'],
  [/^expected a phone number/, '应为手机号，如 13800000000'],
  [/^a team needs at least one member/, '工作队至少要有一名队员'],
  [/^a chat needs exactly one scope/, '群聊要有且只有一个范围：工作队、镇街、单位或组织部'],
  [/^must not be negative/, '不能为负数'],
  [/^at most 100 points/, '最多 100 分'],
  [/^at most two decimals/, '最多两位小数，如 0.5 或 0.25'],
  [/^whole days/, '应为整天数'],
  [/^a scale needs at least two words/, '评价至少要有两个词'],
  [/^a word or alias appears twice/, '有词或别名重复'],
  [/^expected a short code/, '应为字母和数字组成的短编号，如 A1'],
  [/^only Asia\/Shanghai/, '只支持 Asia/Shanghai'],
  [/^the organisation needs people/, '人员表不能为空'],
  [/^expected a duration like/, '应为时长，如 30s、10m、2h、3d 或 2w'],
  [/^expected a window like/, '应为时段，如 21:00-08:00，或 off'],
];

function zh(message: string): string {
  return ZH.find(([re]) => re.test(message))?.[1] ?? message;
}

/** zod's own messages in Chinese (its locale); our schema's messages are mapped by ZH. */
const zhLocale = z.locales.zhCN().localeError;

export function checkOrgData(raw: unknown, env: NodeJS.ProcessEnv, locate: Locate, opts: CheckOptions = {}): CheckResult {
  const problems: OrgProblem[] = [];
  const parsed = orgFileSchema.safeParse(raw, { error: zhLocale });
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      // An unknown key is shown at its own line, not its parent's.
      if (issue.code === 'unrecognized_keys' && issue.keys.length === 1) path.push(issue.keys[0]!);
      problems.push({ severity: 'error', where: locate(path), message: zh(issue.message) });
    }
    return { problems };
  }
  const file = parsed.data;
  const { issues, webhookKeys } = checkReferences(file, env);
  for (const issue of issues) {
    const envUnset = /environment variable .* is not set/.test(issue.message);
    const severity = issue.severity === 'warning' || (envUnset && opts.requireEnv === false) ? 'warning' : 'error';
    problems.push({ severity, where: locate(issue.path), message: issue.zh });
  }
  // Warnings are found even when there are errors, so one pass lists everything to mend.
  const covered = (u: (typeof file.units)[number]) => file.teams.some((t) => t.towns.includes(u.town) || t.units.includes(u.id) || t.kinds.includes(u.kind));
  file.units.forEach((u, i) => {
    if (!covered(u)) problems.push({ severity: 'warning', where: locate(['units', i]), message: `单位“${u.name}”没有工作队包联：它的问题只有组织部能交办和核验` });
  });
  // The template's example rows left in beside real ones (the template alone is a valid organisation).
  const example = (chatid: string) => /^wrEXAMPLE/iu.test(chatid);
  const mixed = file.chats.some((c) => example(c.chatid)) && file.chats.some((c) => !example(c.chatid));
  file.chats.forEach((c, i) => {
    if (mixed && example(c.chatid)) problems.push({ severity: 'warning', where: locate(['chats', i, 'chatid']), message: `群聊“${c.chatid}”是模板的示例行：请删掉，或换成真实的 chatid（在群里 @机器人 发 /我是谁 可看到）；示例的人员、单位和工作队也请删掉` });
    if (!c.webhookKey) problems.push({ severity: 'warning', where: locate(['chats', i, 'webhookKey']), message: `群聊“${c.chatid}”没有群机器人 key：提醒和通报推送不到这个群` });
    // Still works, but the file's text is what /重新加载 publishes: the key would sit in Redis and every backup.
    else if (!c.webhookKey.startsWith('env:')) {
      problems.push({ severity: 'warning', where: locate(['chats', i, 'webhookKey']), message: `群聊“${c.chatid}”的群机器人 key 直接写在文件里：它会随组织架构存进 Redis 和每个备份。请改成 env:变量名（如 env:WECOM_WEBHOOK_T1），key 写进服务器的 .env` });
    }
  });
  if (problems.some((p) => p.severity === 'error')) return { problems };
  const org = new Org(file, webhookKeys);
  return { org, file, problems };
}

/**
 * The roster reader's findings, then the check's, less those at a cell the reader already named:
 * its message ("“张三”不在人员表中") says it better than the schema's about the same cell.
 */
export function mergeProblems(first: OrgProblem[], later: OrgProblem[]): OrgProblem[] {
  const named = new Set(first.map((p) => p.where).filter(Boolean));
  return [...first, ...later.filter((p) => !p.where || !named.has(p.where))];
}

/** Checks org YAML text; problems are located as `第 12 行 units[3].secretary`. */
export function checkOrgYaml(text: string, env: NodeJS.ProcessEnv, opts: CheckOptions = {}): CheckResult {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length) {
    return {
      problems: doc.errors.map((e) => ({
        severity: 'error' as const,
        where: `第 ${lines.linePos(e.pos[0]).line} 行`,
        message: `YAML 写法有误：${e.code === 'BAD_INDENT' ? '缩进不对' : e.message.split('\n')[0]}`,
      })),
    };
  }
  const locate: Locate = (path) => {
    const line = lineOf(doc.contents as YamlNode | null, path, lines);
    const at = formatPath(path);
    return [line ? `第 ${line} 行` : '', at].filter(Boolean).join(' ');
  };
  return checkOrgData(doc.toJS(), env, locate, opts);
}

/** The line of the deepest node the path reaches (a missing key: the line of its parent). */
function lineOf(root: YamlNode | null, path: Path, lines: LineCounter): number | undefined {
  let node: unknown = root;
  let line: number | undefined = rangeLine(node, lines);
  for (const seg of path) {
    let next: unknown;
    if (isMap(node)) next = node.get(seg, true);
    else if (isSeq(node) && typeof seg === 'number') next = node.get(seg, true);
    if (next === undefined) break;
    node = next;
    line = rangeLine(node, lines) ?? line;
  }
  return line;
}

function rangeLine(node: unknown, lines: LineCounter): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}

/** Locates a path in a roster: the deepest schema path the reader mapped to a cell. */
export function rosterLocator(sources: ReadonlyMap<string, string>): Locate {
  return (path) => {
    for (let n = path.length; n > 0; n--) {
      const hit = sources.get(formatPath(path.slice(0, n)));
      if (hit) return hit;
    }
    return '';
  };
}
