import { readFile } from 'node:fs/promises';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { Org } from '../domain/org';
import { checklistKey } from '../parsing/checklist';
import { normalizeText } from '../parsing/normalize';
import { ConfigError } from './env';
import { orgFileSchema, type OrgFile } from './org-schema';
import { loadOrgSource } from './org-source';

/** Formats a zod/our path the way people read it: teams[1].leader */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${String(seg)}` : String(seg)), '');
}

export interface RefIssue {
  path: (string | number)[];
  message: string;
  /** The same problem in Chinese, for `npm run org -- check` and /reload (org-check.ts). */
  zh: string;
  /** A shared name is reported and the file still loads: typing that name is then asked, not guessed. */
  severity?: 'warning';
}

/** Cross-references zod cannot see field by field: every id named must exist, names must not clash. */
export function checkReferences(org: OrgFile, env: NodeJS.ProcessEnv): { issues: RefIssue[]; webhookKeys: Map<string, string> } {
  const issues: RefIssue[] = [];
  const people = new Map<string, number>();
  const names = new Map<string, { userid: string; index: number }>();
  org.people.forEach((p, i) => {
    if (people.has(p.userid)) issues.push({ path: ['people', i, 'userid'], message: `duplicate userid ${p.userid}`, zh: `账号“${p.userid}”重复` });
    people.set(p.userid, i);
    // Compared as users' input is matched (Traditional/full-width folded), so "@隊員乙" is unambiguous.
    [p.name, ...p.aliases].forEach((n, j) => {
      const key = normalizeText(n);
      const owner = names.get(key);
      if (owner !== undefined && owner.userid !== p.userid) {
        const other = org.people[owner.index]!;
        issues.push({
          path: j === 0 ? ['people', i, 'name'] : ['people', i, 'aliases', j - 1],
          message: `${n} already names ${owner.userid}`,
          zh: `“${n}”同时指 ${other.name}（${other.userid}）和 ${p.name}（${p.userid}）：群里写“${n}”时督办会问是哪一位（请写别名或企业微信账号）；表格里指这两人时请填企业微信账号`,
          severity: 'warning',
        });
      }
      names.set(key, { userid: p.userid, index: i });
    });
  });
  const needPerson = (userid: string, path: (string | number)[]) => {
    if (!people.has(userid)) issues.push({ path, message: `unknown userid ${userid}`, zh: `“${userid}”不在人员中` });
  };
  org.admins.forEach((a, i) => needPerson(a, ['admins', i]));

  const unitIds = new Set<string>();
  const towns = new Set<string>();
  const kinds = new Set<string>();
  org.units.forEach((u, i) => {
    if (unitIds.has(u.id)) issues.push({ path: ['units', i, 'id'], message: `duplicate unit id ${u.id}`, zh: `单位编号“${u.id}”重复` });
    unitIds.add(u.id);
    towns.add(u.town);
    kinds.add(u.kind);
    if (u.secretary) needPerson(u.secretary, ['units', i, 'secretary']);
    u.contacts.forEach((c, j) => needPerson(c.userid, ['units', i, 'contacts', j, 'userid']));
  });

  const teamIds = new Set<string>();
  org.teams.forEach((t, i) => {
    if (teamIds.has(t.id)) issues.push({ path: ['teams', i, 'id'], message: `duplicate team id ${t.id}`, zh: `工作队编号“${t.id}”重复` });
    teamIds.add(t.id);
    needPerson(t.leader, ['teams', i, 'leader']);
    t.members.forEach((m, j) => needPerson(m, ['teams', i, 'members', j]));
    t.towns.forEach((town, j) => {
      if (!towns.has(town)) issues.push({ path: ['teams', i, 'towns', j], message: `no unit lies in town ${town}`, zh: `镇街“${town}”下没有单位` });
    });
    t.units.forEach((u, j) => {
      if (!unitIds.has(u)) issues.push({ path: ['teams', i, 'units', j], message: `unknown unit id ${u}`, zh: `单位“${u}”不在单位中` });
    });
    t.kinds.forEach((k, j) => {
      if (!kinds.has(k)) issues.push({ path: ['teams', i, 'kinds', j], message: `no unit has kind ${k}`, zh: `没有类别为“${k}”的单位` });
    });
  });

  const chatIds = new Set<string>();
  const webhookKeys = new Map<string, string>();
  org.chats.forEach((c, i) => {
    if (chatIds.has(c.chatid)) issues.push({ path: ['chats', i, 'chatid'], message: `duplicate chatid ${c.chatid}`, zh: `群聊“${c.chatid}”重复` });
    chatIds.add(c.chatid);
    if (c.team && !teamIds.has(c.team)) issues.push({ path: ['chats', i, 'team'], message: `unknown team id ${c.team}`, zh: `工作队“${c.team}”不在工作队中` });
    if (c.town && !towns.has(c.town)) issues.push({ path: ['chats', i, 'town'], message: `no unit lies in town ${c.town}`, zh: `镇街“${c.town}”下没有单位` });
    if (c.unit && !unitIds.has(c.unit)) issues.push({ path: ['chats', i, 'unit'], message: `unknown unit id ${c.unit}`, zh: `单位“${c.unit}”不在单位中` });
    if (c.webhookKey?.startsWith('env:')) {
      const ref = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(c.webhookKey);
      const value = ref ? env[ref[1]!] : undefined;
      if (!ref) issues.push({ path: ['chats', i, 'webhookKey'], message: 'expected env:NAME with a variable name of letters, digits and _', zh: `环境变量名“${c.webhookKey.slice(4)}”只能由字母、数字和 _ 组成` });
      else if (!value) issues.push({ path: ['chats', i, 'webhookKey'], message: `environment variable ${ref[1]} is not set`, zh: `环境变量 ${ref[1]} 未设置（群机器人 key）` });
      else webhookKeys.set(c.chatid, value);
    } else if (c.webhookKey) {
      webhookKeys.set(c.chatid, c.webhookKey);
    }
  });
  checkChecklist(org, issues);
  return { issues, webhookKeys };
}

/**
 * The 巡查 checklist: a code or a name typed as 类别 must name one item, so codes, names and
 * aliases may not repeat once folded as typed input is (Traditional, full-width, case, spaces).
 */
function checkChecklist(org: OrgFile, issues: RefIssue[]): void {
  const owners = new Map<string, string>();
  org.checklist.forEach((item, i) => {
    const words: [string, (string | number)[]][] = [
      [item.code, ['checklist', i, 'code']],
      [item.name, ['checklist', i, 'name']],
      ...item.aliases.map((a, j): [string, (string | number)[]] => [a, ['checklist', i, 'aliases', j]]),
    ];
    const own = new Set<string>();
    for (const [word, path] of words) {
      const key = checklistKey(word);
      const owner = owners.get(key);
      if (owner !== undefined && owner !== item.code) {
        issues.push(
          path[2] === 'code'
            ? { path, message: `duplicate checklist code ${word}`, zh: `巡查清单编号“${word}”重复` }
            : { path, message: `${word} already names checklist item ${owner}`, zh: `“${word}”已是巡查项 ${owner} 的名称或别名` },
        );
      } else if (own.has(key) && path[2] !== 'code') {
        issues.push({ path, message: `${word} appears twice in checklist item ${item.code}`, zh: `“${word}”在巡查项 ${item.code} 中出现两次` });
      }
      own.add(key);
      owners.set(key, item.code);
    }
  });
}

/** Parses and validates org YAML text; throws ConfigError naming the first offending path. */
export function parseOrg(text: string, env: NodeJS.ProcessEnv = process.env, source = 'ORG_FILE'): Org {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` at line ${err.linePos[0].line}` : '';
    throw new ConfigError(`${source}: not valid YAML${where}`);
  }
  const parsed = orgFileSchema.safeParse(raw);
  if (!parsed.success) throw new ConfigError(`${source}: ${describe(parsed.error.issues[0]!)}`);
  const { issues, webhookKeys } = checkReferences(parsed.data, env);
  const errors = issues.filter((i) => i.severity !== 'warning');
  if (errors.length) throw new ConfigError(`${source}: ${formatPath(errors[0]!.path)}: ${errors[0]!.message}`);
  return new Org(parsed.data, webhookKeys);
}

export async function loadOrgFile(file: string, env: NodeJS.ProcessEnv = process.env): Promise<Org> {
  if (file.toLowerCase().endsWith('.xlsx')) {
    // A roster workbook as ORG_FILE: the one loader reads it (a cycle CommonJS resolves: used at call time only).
    const load = await loadOrgSource(file, env);
    if (load.ok) return load.org;
    throw new ConfigError(`ORG_FILE ${file}: ${load.problems.filter((p) => p.severity === 'error').map((p) => `${p.where}：${p.message}`).join('；')}`);
  }
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`ORG_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  return parseOrg(text, env, `ORG_FILE ${file}`);
}

function describe(issue: z.core.$ZodIssue): string {
  const where = formatPath(issue.path) || '(top level)';
  return `${where}: ${issue.message}`;
}
