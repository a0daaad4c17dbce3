import ExcelJS from 'exceljs';
import { pinyin } from 'pinyin-pro';
import { parse as parseYaml } from 'yaml';
import { cellText } from '../cell-text';
import { formatPath } from '../org-file';
import type { OrgProblem } from '../org-source';
import { ADMIN_ROLE, COLUMNS, CONTACT_TITLES, LIST_SEPARATOR, RULE_ROWS, SHEET, type Column } from './layout';
import { setPath, type Path } from './paths';

/**
 * Reads a roster workbook back into the organisation file's raw (input) form, with a source map
 * from each schema path (`units[3].secretary`) to the cell it came from (`单位!E5`), so every
 * problem the check finds later is shown where the admin can mend it. People named in cells by
 * 姓名 or 别名 are resolved to userids here; unit and team ids come from the 编号 column or, when
 * blank, from the pinyin of the unit's town and name (or the team's name): stable when rows are
 * sorted or inserted; two rows that would get one id are an error at both cells.
 */
export interface RosterRead {
  raw: Record<string, unknown>;
  sources: Map<string, string>;
  problems: OrgProblem[];
  /** Units and teams whose 编号 was blank, their id generated from the names. */
  generatedIds: number;
  /**
   * When ids were generated: the warning for a roster used as it is (check, ORG_FILE) that renaming
   * changes such an id. `import` says its own line instead (it writes the ids into the YAML).
   */
  idNotice?: OrgProblem;
}

/** Other headers people write for the same column (compared without spaces, case-insensitively). */
const HEADER_ALIASES: Record<string, string[]> = {
  '人员.userid': ['企业微信账号userid', '账号', 'userid', '企业微信id', '企业微信账号(userid)', '企业微信账号（userid）'],
  '人员.name': ['名字'],
  '人员.phone': ['手机', '电话', '联系电话'],
  '单位.name': ['单位', '名称', '责任单位'],
  '单位.town': ['镇街', '所属镇', '镇（街道）', '镇(街道)'],
  '单位.secretary': ['书记（负责人）', '负责人'],
  '工作队.name': ['工作队', '名称'],
  '群聊.webhookKey': ['群机器人key', '群机器人key环境变量名', '群机器人key的环境变量名', 'webhookkey'],
  '群聊.kind': ['类型'],
};

const squash = (s: string) => s.replace(/\s+/g, '').toLowerCase();

interface Row {
  /** Excel row number. */
  n: number;
  /** Raw cell text by column key (untrimmed). */
  text: Record<string, string>;
  /** Cell address by column key, e.g. B14 (the column's cell even when the cell is empty). */
  at: Record<string, string>;
}

export async function readRoster(input: Buffer | ArrayBuffer): Promise<RosterRead> {
  const problems: OrgProblem[] = [];
  const sources = new Map<string, string>();
  const raw: Record<string, unknown> = {};
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(input as ArrayBuffer);
  } catch {
    problems.push({ severity: 'error', where: '', message: '不是有效的 Excel 工作簿（.xlsx）：请用 npm run org -- template 生成的模板填写后另存为 .xlsx' });
    return { raw, sources, problems, generatedIds: 0 };
  }
  const err = (where: string, message: string) => problems.push({ severity: 'error', where, message });
  const warn = (where: string, message: string) => problems.push({ severity: 'warning', where, message });
  const src = (path: Path, where: string) => sources.set(formatPath(path), where);
  /**
   * What an unresolved reference becomes once its problem is reported: a well-formed id nobody
   * has, so the schema passes and the cross-reference checks still run over the rest of the file
   * (whose findings at the same cell are then dropped as repeats). Never reaches a written file.
   */
  let unresolved = 0;
  const placeholder = () => `__unresolved_${++unresolved}`;

  const rowsOf = (sheetName: string, columns: Column[], needed: boolean): Row[] => {
    const ws = wb.getWorksheet(sheetName);
    if (!ws) {
      if (needed) err(sheetName, `缺少工作表“${sheetName}”`);
      return [];
    }
    const byIndex = new Map<number, string>();
    const letterOf: Record<string, string> = {};
    ws.getRow(1).eachCell((cell, col) => {
      const header = squash(cellText(cell.value));
      if (!header) return;
      const column = columns.find((c) => squash(c.header) === header || (HEADER_ALIASES[`${sheetName}.${c.key}`] ?? []).some((a) => squash(a) === header));
      if (!column) return warn(`${sheetName}!${cell.address}`, `不认识的列“${cellText(cell.value).trim()}”，已忽略`);
      byIndex.set(col, column.key);
      letterOf[column.key] = ws.getColumn(col).letter;
    });
    for (const c of columns) if (c.required && !letterOf[c.key]) err(`${sheetName} 表头`, `缺少“${c.header}”列`);
    const rows: Row[] = [];
    for (let n = 2; n <= ws.rowCount; n++) {
      const row = ws.getRow(n);
      const text: Record<string, string> = {};
      const at: Record<string, string> = {};
      for (const c of columns) at[c.key] = `${sheetName}!${letterOf[c.key] ?? 'A'}${n}`;
      for (const [col, key] of byIndex) text[key] = cellText(row.getCell(col).value);
      if (Object.values(text).every((t) => t.trim() === '')) continue;
      for (const c of columns) if (c.required && letterOf[c.key] && !text[c.key]?.trim()) err(at[c.key]!, `未填${c.header}`);
      rows.push({ n, text, at });
    }
    return rows;
  };
  const val = (r: Row, key: string) => (r.text[key] ?? '').trim();
  const list = (r: Row, key: string) => val(r, key).split(LIST_SEPARATOR).map((s) => s.trim()).filter(Boolean);

  // 人员
  const people: Record<string, unknown>[] = [];
  const admins: string[] = [];
  const byName = new Map<string, string[]>();
  const userids = new Set<string>();
  rowsOf(SHEET.people, COLUMNS.people, true).forEach((r) => {
    const i = people.length;
    const given = r.text.userid ?? '';
    const userid = given.trim();
    let id = userid.replace(/\s+/g, '');
    if (userid !== given || /\s/.test(userid)) err(r.at.userid!, `账号“${given}”含空格`);
    else if (userid && !/^[A-Za-z0-9_.@-]{1,64}$/.test(userid)) {
      err(r.at.userid!, `账号“${userid}”只能由字母、数字和 _ . @ - 组成（不能有汉字），是企业微信后台通讯录里的账号`);
      id = placeholder();
    }
    const person: Record<string, unknown> = { userid: id, name: val(r, 'name') };
    const aliases = list(r, 'aliases');
    if (aliases.length) person.aliases = aliases;
    if (val(r, 'phone')) person.phone = val(r, 'phone');
    people.push(person);
    src(['people', i], r.at.name!);
    for (const key of ['userid', 'name', 'aliases', 'phone']) src(['people', i, key], r.at[key]!);
    userids.add(person.userid as string);
    for (const n of new Set([person.name as string, ...aliases])) if (n) byName.set(n, [...(byName.get(n) ?? []), person.userid as string]);
    const role = val(r, 'role');
    if (role === ADMIN_ROLE) {
      src(['admins', admins.length], r.at.role!);
      admins.push(person.userid as string);
    } else if (role) err(r.at.role!, `角色“${role}”不认识：组织部的人填“${ADMIN_ROLE}”，其他人不填`);
  });

  /** A person named in a cell: a userid, or a 姓名/别名 only one person has. */
  const person = (text: string, where: string): string => {
    if (userids.has(text)) return text;
    const owners = [...new Set(byName.get(text) ?? [])];
    if (owners.length === 1) return owners[0]!;
    if (owners.length > 1) err(where, `“${text}”是 ${owners.length} 个人的名字（${owners.join('、')}），请改填企业微信账号`);
    else err(where, `“${text}”不在人员表中（填人员表里的姓名、别名或企业微信账号）`);
    return placeholder();
  };

  // 单位
  const units: Record<string, unknown>[] = [];
  const unitRows = rowsOf(SHEET.units, COLUMNS.units, false);
  const unitIds = ids(unitRows.map((r) => ({ id: val(r, 'id'), words: [val(r, 'town'), val(r, 'name')], at: r.at.id! })), '单位', err);
  const unitByName = new Map<string, string[]>();
  unitRows.forEach((r, i) => {
    const unit: Record<string, unknown> = { id: unitIds.ids[i], name: val(r, 'name'), town: val(r, 'town'), kind: val(r, 'kind') };
    src(['units', i], r.at.name!);
    for (const key of ['id', 'name', 'town', 'kind', 'secretary']) src(['units', i, key], r.at[key]!);
    if (val(r, 'secretary')) unit.secretary = person(val(r, 'secretary'), r.at.secretary!);
    const contacts: { userid: string; title: string }[] = [];
    const addContact = (userid: string, title: string, where: string) => {
      src(['units', i, 'contacts', contacts.length], where);
      src(['units', i, 'contacts', contacts.length, 'userid'], where);
      src(['units', i, 'contacts', contacts.length, 'title'], where);
      contacts.push({ userid, title });
    };
    for (const title of CONTACT_TITLES) for (const who of list(r, title)) addContact(person(who, r.at[title]!), title, r.at[title]!);
    for (const item of list(r, 'contacts')) {
      const m = /^(.+?)[:：](.+)$/u.exec(item);
      if (!m) err(r.at.contacts!, `“${item}”应写成“职务：姓名”，如 网格员：张三`);
      else addContact(person(m[2]!.trim(), r.at.contacts!), m[1]!.trim(), r.at.contacts!);
    }
    if (contacts.length) unit.contacts = contacts;
    units.push(unit);
    unitByName.set(unit.name as string, [...(unitByName.get(unit.name as string) ?? []), unit.id as string]);
  });
  const unitRef = (text: string, where: string): string => {
    if (units.some((u) => u.id === text)) return text;
    const owners = unitByName.get(text) ?? [];
    if (owners.length === 1) return owners[0]!;
    if (owners.length > 1) err(where, `有 ${owners.length} 个单位叫“${text}”（${owners.join('、')}），请改填编号`);
    else err(where, `单位“${text}”不在单位表中`);
    return placeholder();
  };

  // 工作队
  const teams: Record<string, unknown>[] = [];
  const teamRows = rowsOf(SHEET.teams, COLUMNS.teams, false);
  const teamIds = ids(teamRows.map((r) => ({ id: val(r, 'id'), words: [val(r, 'name')], at: r.at.id! })), '工作队', err);
  teamRows.forEach((r, i) => {
    src(['teams', i], r.at.name!);
    for (const key of ['id', 'name', 'leader', 'members', 'towns', 'units', 'kinds']) src(['teams', i, key], r.at[key]!);
    const leader = val(r, 'leader') ? person(val(r, 'leader'), r.at.leader!) : '';
    const members = list(r, 'members').map((m) => person(m, r.at.members!));
    // 队长 need not be listed again among 队员: the team's members start with the leader.
    if (leader && !leader.startsWith('__unresolved_') && !members.includes(leader)) members.unshift(leader);
    const team: Record<string, unknown> = { id: teamIds.ids[i], name: val(r, 'name'), leader, members };
    team.towns = list(r, 'towns');
    team.units = list(r, 'units').map((u) => unitRef(u, r.at.units!));
    team.kinds = list(r, 'kinds');
    teams.push(team);
  });

  // 群聊
  const chats: Record<string, unknown>[] = [];
  rowsOf(SHEET.chats, COLUMNS.chats, false).forEach((r, i) => {
    const chat: Record<string, unknown> = { chatid: val(r, 'chatid') };
    src(['chats', i], r.at.chatid!);
    src(['chats', i, 'chatid'], r.at.chatid!);
    for (const key of ['team', 'town', 'unit', 'admin']) src(['chats', i, key], r.at.scope!);
    src(['chats', i, 'webhookKey'], r.at.webhookKey!);
    const kind = val(r, 'kind');
    const scope = val(r, 'scope');
    if (kind === '组织部') chat.admin = true;
    else if (!scope && kind) err(r.at.scope!, `群类型为${kind}时要填所属的${kind === '工作队' ? '队名' : kind === '镇街' ? '镇街' : '单位名称'}`);
    else if (kind === '工作队') {
      const team = teams.find((t) => t.name === scope || t.id === scope);
      if (!team) err(r.at.scope!, `工作队“${scope}”不在工作队表中`);
      chat.team = team ? team.id : placeholder();
    } else if (kind === '镇街') chat.town = scope;
    else if (kind === '单位') chat.unit = unitRef(scope, r.at.scope!);
    else if (kind) err(r.at.kind!, `群类型“${kind}”不认识：填工作队、组织部、镇街或单位`);
    const key = val(r, 'webhookKey');
    if (/^env:/i.test(key)) chat.webhookKey = `env:${key.slice(4)}`;
    else if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(key) && !looksLikeKey(key)) chat.webhookKey = `env:${key}`;
    else if (key) {
      // A pasted key would go into org.yaml, Redis and every backup: refused, never stored.
      err(r.at.webhookKey!, '这里填写环境变量名（如 WECOM_WEBHOOK_T1），不要填写 key 本身：key 写进服务器的 .env');
      chat.webhookKey = `env:${placeholder()}`;
    }
    chats.push(chat);
  });

  // 巡查清单
  const checklist: Record<string, unknown>[] = [];
  rowsOf(SHEET.checklist, COLUMNS.checklist, false).forEach((r, i) => {
    src(['checklist', i], r.at.code!);
    for (const key of ['code', 'name', 'aliases']) src(['checklist', i, key], r.at[key]!);
    checklist.push({ code: val(r, 'code'), name: val(r, 'name'), aliases: list(r, 'aliases') });
  });

  // 规则
  const policy: Record<string, unknown> = {};
  const seen = new Map<string, string>();
  rowsOf(SHEET.rules, COLUMNS.rules, false).forEach((r) => {
    const key = val(r, 'key');
    const rule = RULE_ROWS.find((x) => x.key === key);
    if (!rule) return err(r.at.key!, `规则“${key}”不认识（请从下拉列表中选）`);
    if (seen.has(key)) return err(r.at.key!, `规则“${key}”重复（已在 ${seen.get(key)}）`);
    seen.set(key, r.at.key!);
    const text = val(r, 'value');
    const path = key.split('.');
    const fullPath = key === 'district' ? ['district'] : ['policy', ...path];
    src(fullPath, r.at.value!);
    let value: unknown = text;
    if (rule.kind === 'number') value = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : text;
    else if (rule.kind === 'list') value = text.split(LIST_SEPARATOR).map((s) => s.trim()).filter(Boolean);
    else if (rule.kind === 'flow') {
      try {
        value = parseYaml(text);
      } catch {
        return err(r.at.value!, `“${text}”写法不对，应如 ${flowExample(key)}`);
      }
    }
    if (key === 'district') raw.district = value;
    else setPath(policy, path, value);
  });
  if (raw.district === undefined) err(`${SHEET.rules}!A1`, '缺少 district（区县名称）这一行');

  raw.admins = admins;
  raw.people = people;
  raw.units = units;
  raw.teams = teams;
  raw.chats = chats;
  raw.checklist = checklist;
  raw.policy = policy;
  sources.set('people', SHEET.people);
  sources.set('policy', SHEET.rules);
  const generatedIds = unitIds.generated + teamIds.generated;
  const idNotice: OrgProblem | undefined = generatedIds
    ? {
        severity: 'warning',
        where: `${SHEET.units} 编号列`,
        message: `${generatedIds} 个单位/工作队没填编号，编号按名称自动生成：在表格里改单位名称、所属镇街或队名会改变编号，已登记的问题就对不上了。请填好编号，或用 npm run org -- import 生成的 org.yaml（编号已写入）作为 ORG_FILE`,
      }
    : undefined;
  return { raw, sources, problems, generatedIds, ...(idNotice ? { idNotice } : {}) };
}

function flowExample(key: string): string {
  return key === 'escalate' ? '[{ after: 3d, to: leader }, { after: 7d, to: admins }]' : '[{ word: 好, aliases: [优], deduct: 0 }, { word: 差, deduct: 2 }]';
}

/**
 * A webhook key pasted where its variable's name goes: a uuid, or a long token mixing lower case
 * and digits (variable names are WECOM_WEBHOOK_T1-like).
 */
function looksLikeKey(text: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-/i.test(text) || (text.length >= 24 && /[a-z]/.test(text) && /\d/.test(text) && !text.includes('_'));
}

/** A name as an id: its pinyin without tones (斑竹村 → banzhucun). */
function slug(text: string): string {
  return pinyin(text, { toneType: 'none', type: 'array', nonZh: 'consecutive', v: true })
    .join('')
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '');
}

/**
 * Ids for rows: the given 编号, else the pinyin of `words` joined by dots (福禄镇 斑竹村 →
 * fuluzhen.banzhucun). Never numbered by row order, so sorting or inserting rows moves no id; two
 * rows that would get the same id (or one a given 编号 has) are an error at their 编号 cells.
 */
function ids(rows: { id: string; words: string[]; at: string }[], what: '单位' | '工作队', err: (where: string, message: string) => void): { ids: string[]; generated: number } {
  const given = new Map<string, string>();
  for (const r of rows) if (r.id && !given.has(r.id)) given.set(r.id, r.at);
  const made = rows.map((r) => (r.id ? '' : r.words.map(slug).filter(Boolean).join('.').slice(0, 64) || 'x'));
  const cellsOf = new Map<string, string[]>();
  made.forEach((id, i) => id && cellsOf.set(id, [...(cellsOf.get(id) ?? []), rows[i]!.at]));
  const out = rows.map((r, i) => {
    const id = made[i]!;
    if (!id) return r.id;
    const clash = [...(cellsOf.get(id) ?? []), ...(given.has(id) ? [given.get(id)!] : [])].filter((at) => at !== r.at);
    if (clash.length) err(r.at, `两个${what}的编号相同（自动生成的 ${id}，又见 ${clash.join('、')}），请在 编号 列填写`);
    return id;
  });
  return { ids: out, generated: made.filter(Boolean).length };
}
