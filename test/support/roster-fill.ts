import ExcelJS from 'exceljs';
import { checkOrgData, mergeProblems, rosterLocator } from '../../src/config/org-check';
import type { OrgFile } from '../../src/config/org-schema';
import type { OrgProblem } from '../../src/config/org-source';
import { readRoster } from '../../src/config/roster/read-roster';

/**
 * What a district's clerk (or their script) does to the template: finds the columns by their
 * Chinese headers, clears the example rows and types the organisation in, naming people by
 * userid (the template's own --demo writer names them by 姓名, so both ways are exercised).
 */
export function column(ws: ExcelJS.Worksheet, header: string): number {
  let found = 0;
  ws.getRow(1).eachCell((cell, col) => {
    if (String(cell.value).trim() === header) found = col;
  });
  if (!found) throw new Error(`no column ${header} on ${ws.name}`);
  return found;
}

export function setCell(wb: ExcelJS.Workbook, sheet: string, header: string, row: number, value: string | number): void {
  const ws = wb.getWorksheet(sheet)!;
  ws.getCell(row, column(ws, header)).value = value;
}

function clear(ws: ExcelJS.Worksheet): void {
  ws.eachRow((row, n) => {
    if (n > 1) row.eachCell((cell) => (cell.value = null));
  });
}

function put(wb: ExcelJS.Workbook, sheet: string, rows: Record<string, string | number>[]): void {
  const ws = wb.getWorksheet(sheet)!;
  clear(ws);
  rows.forEach((r, i) => {
    for (const [header, value] of Object.entries(r)) ws.getCell(i + 2, column(ws, header)).value = value;
  });
}

export function fillRoster(wb: ExcelJS.Workbook, org: OrgFile): void {
  const admins = new Set(org.admins);
  put(wb, '人员', org.people.map((p) => ({ 姓名: p.name, 企业微信账号: p.userid, 别名: p.aliases.join('、'), 手机号: p.phone ?? '', 角色: admins.has(p.userid) ? '组织部' : '' })));
  put(
    wb,
    '单位',
    org.units.map((u) => ({
      编号: u.id,
      单位名称: u.name,
      所属镇街: u.town,
      类别: u.kind,
      书记: u.secretary ?? '',
      其他联系人: u.contacts.map((c) => `${c.title}：${c.userid}`).join('、'),
    })),
  );
  put(wb, '工作队', org.teams.map((t) => ({ 编号: t.id, 队名: t.name, 队长: t.leader, 队员: t.members.join(','), 包联镇街: t.towns.join(','), 包联单位: t.units.join(','), 包联类别: t.kinds.join(',') })));
  put(
    wb,
    '群聊',
    org.chats.map((c) => ({
      chatid: c.chatid,
      群类型: c.admin ? '组织部' : c.team ? '工作队' : c.town ? '镇街' : '单位',
      所属: c.team ?? c.town ?? c.unit ?? '',
      群机器人key的环境变量名: c.webhookKey?.replace(/^env:/, '') ?? '',
    })),
  );
  put(wb, '巡查清单', org.checklist.map((c) => ({ 编号: c.code, 名称: c.name, 别名: c.aliases.join('、') })));
  // 规则 keeps its rows (one per key); the values become the organisation's.
  const rules = wb.getWorksheet('规则')!;
  const keyCol = column(rules, '键');
  const valueCol = column(rules, '值');
  for (let r = 2; r <= rules.rowCount; r++) {
    if (!rules.getCell(r, keyCol).value) continue;
    const key = String(rules.getCell(r, keyCol).value);
    const value = key === 'district' ? org.district : policyText(org.policy, key);
    rules.getCell(r, valueCol).value = value;
  }
}

function policyText(policy: OrgFile['policy'], key: string): string {
  const v = key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], policy);
  const text = (x: unknown): string => (typeof x === 'object' && x !== null && 'text' in x ? String((x as { text: string }).text) : String(x));
  if (v === undefined) return 'off';
  if (Array.isArray(v)) {
    if (v.every((x) => typeof x === 'string' || (typeof x === 'object' && 'text' in x))) return v.map(text).join('、');
    return JSON.stringify(v.map((o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, x]) => [k, Array.isArray(x) ? x : typeof x === 'number' ? x : text(x)]))));
  }
  return text(v);
}

export async function workbookBytes(wb: ExcelJS.Workbook): Promise<Buffer> {
  return Buffer.from(await wb.xlsx.writeBuffer());
}

export async function loadWorkbook(bytes: Buffer | ArrayBuffer): Promise<ExcelJS.Workbook> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as ArrayBuffer);
  return wb;
}

/** Reads and checks a roster as `npm run org -- check` does: every problem, located. */
export async function rosterProblems(wb: ExcelJS.Workbook, env: NodeJS.ProcessEnv): Promise<{ problems: OrgProblem[]; file?: OrgFile }> {
  const read = await readRoster(await workbookBytes(wb));
  const checked = checkOrgData(read.raw, env, rosterLocator(read.sources));
  return { problems: mergeProblems(read.problems, checked.problems), file: checked.file };
}

/** One line per problem, as the CLI prints it. */
export function lines(problems: OrgProblem[]): string[] {
  return problems.map((p) => `${p.severity === 'warning' ? '警告 ' : ''}${p.where}：${p.message}`);
}
