import ExcelJS from 'exceljs';
import { orgFileSchema, type OrgFile } from '../org-schema';
import { ADMIN_ROLE, CHAT_KINDS, COLUMNS, CONTACT_TITLES, RULE_ROWS, ruleCellValue, SHEET, UNIT_KINDS, type Column } from './layout';
import { getPath } from './paths';

/**
 * Writes the roster workbook (issue 14 §1). The template's example rows are a real tiny
 * organisation (grey italic) that imports and checks cleanly, so a district sees one of each
 * thing done right and overwrites it; `--demo` writes the demo organisation in the same form.
 */

/** Rows given drop-downs and validation: room for a district of a few thousand people. */
const VALIDATED_ROWS = 5000;

/** The template's example: one village, its team and the two kinds of chat. */
export const EXAMPLE_ORG: OrgFile = orgFileSchema.parse({
  district: '示例区',
  admins: ['u_admin'],
  people: [
    { userid: 'u_admin', name: '何静怡', aliases: ['何部长'], phone: '13800000001' },
    { userid: 'u_luo', name: '罗志刚', aliases: ['罗队长'] },
    { userid: 'u_tang', name: '唐建平' },
    { userid: 'u_chen', name: '陈晓燕', aliases: ['陈书记'] },
    { userid: 'u_li', name: '李明' },
  ],
  units: [{ id: 'banzhu', name: '斑竹村', town: '福禄镇', kind: '村', secretary: 'u_chen', contacts: [{ userid: 'u_li', title: '驻村第一书记' }] }],
  teams: [{ id: 't1', name: '第一工作队', leader: 'u_luo', members: ['u_luo', 'u_tang'], towns: ['福禄镇'] }],
  chats: [
    { chatid: 'wrEXAMPLE_T1', team: 't1', webhookKey: 'env:WECOM_WEBHOOK_T1' },
    { chatid: 'wrEXAMPLE_ADMIN', admin: true, webhookKey: 'env:WECOM_WEBHOOK_ADMIN' },
  ],
  checklist: [{ code: 'A1', name: '环境治理', aliases: ['人居环境'] }],
});

export interface RosterWriteOptions {
  /** Style the rows as the template's example (grey italic) rather than as data. */
  example: boolean;
}

export function rosterWorkbook(org: OrgFile, opts: RosterWriteOptions): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'duban';
  const names = personNamer(org);
  const unitName = (id: string) => {
    const u = org.units.find((x) => x.id === id);
    return u && org.units.filter((x) => x.name === u.name).length === 1 ? u.name : id;
  };
  const teamName = (id: string) => {
    const t = org.teams.find((x) => x.id === id);
    return t && org.teams.filter((x) => x.name === t.name).length === 1 ? t.name : id;
  };
  const join = (xs: string[]) => xs.join('、');
  const admins = new Set(org.admins);

  const people = sheet(wb, SHEET.people, COLUMNS.people);
  for (const p of org.people) {
    people.addRow({ name: p.name, userid: p.userid, aliases: join(p.aliases), phone: p.phone ?? '', role: admins.has(p.userid) ? ADMIN_ROLE : '' });
  }

  const units = sheet(wb, SHEET.units, COLUMNS.units);
  for (const u of org.units) {
    const titled = (title: string) => join(u.contacts.filter((c) => c.title === title).map((c) => names(c.userid)));
    const others = u.contacts.filter((c) => !(CONTACT_TITLES as readonly string[]).includes(c.title));
    units.addRow({
      id: u.id,
      name: u.name,
      town: u.town,
      kind: u.kind,
      secretary: u.secretary ? names(u.secretary) : '',
      ...Object.fromEntries(CONTACT_TITLES.map((t) => [t, titled(t)])),
      contacts: join(others.map((c) => `${c.title}：${names(c.userid)}`)),
    });
  }

  const teams = sheet(wb, SHEET.teams, COLUMNS.teams);
  for (const t of org.teams) {
    // The leader is a member; written once, in 队长, when the members list starts with them.
    const members = t.members[0] === t.leader ? t.members.slice(1) : t.members;
    teams.addRow({ id: t.id, name: t.name, leader: names(t.leader), members: join(members.map(names)), towns: join(t.towns), units: join(t.units.map(unitName)), kinds: join(t.kinds) });
  }

  const chats = sheet(wb, SHEET.chats, COLUMNS.chats);
  for (const c of org.chats) {
    const [kind, scope] = c.admin ? ['组织部', ''] : c.team ? ['工作队', teamName(c.team)] : c.town ? ['镇街', c.town] : ['单位', unitName(c.unit ?? '')];
    chats.addRow({ chatid: c.chatid, kind, scope, webhookKey: c.webhookKey?.startsWith('env:') ? c.webhookKey.slice(4) : (c.webhookKey ?? '') });
  }

  const rules = sheet(wb, SHEET.rules, COLUMNS.rules);
  for (const r of RULE_ROWS) {
    const value = r.key === 'district' ? org.district : getPath(org.policy, r.key.split('.'));
    rules.addRow({ key: r.key, value: ruleCellValue(value, r.kind), meaning: r.meaning });
  }
  rules.getColumn('value').numFmt = '@'; // 09:00 stays text, not an Excel time

  const checklist = sheet(wb, SHEET.checklist, COLUMNS.checklist);
  for (const item of org.checklist) checklist.addRow({ code: item.code, name: item.name, aliases: join(item.aliases) });

  for (const ws of wb.worksheets) {
    ws.eachRow((row, n) => {
      if (n === 1) return;
      row.eachCell((cell) => {
        cell.alignment = { vertical: 'top', horizontal: 'left', wrapText: true };
        // 规则 holds the defaults in force, not an example: only its 说明 is greyed, as reading matter.
        if (ws === rules) {
          if (Number(cell.col) === rules.getColumn('meaning').number) cell.font = { color: { argb: 'FF6B7280' } };
        } else if (opts.example) cell.font = { italic: true, color: { argb: 'FF808080' } };
      });
    });
  }
  validate(people, 'role', { list: [ADMIN_ROLE] });
  validate(units, 'kind', { list: UNIT_KINDS, open: true });
  validate(units, 'secretary', { formula: `${SHEET.people}!$A$2:$A$${VALIDATED_ROWS}`, open: true });
  validate(teams, 'leader', { formula: `${SHEET.people}!$A$2:$A$${VALIDATED_ROWS}`, open: true });
  validate(chats, 'kind', { list: [...CHAT_KINDS] });
  validate(rules, 'key', { list: RULE_ROWS.map((r) => r.key), formulaSheet: true });
  return wb;
}

function sheet(wb: ExcelJS.Workbook, name: string, columns: Column[]): ExcelJS.Worksheet {
  const ws = wb.addWorksheet(name, { views: [{ state: 'frozen', ySplit: 1 }] });
  ws.columns = columns.map((c) => ({ key: c.key, header: c.header, width: c.width }));
  const header = ws.getRow(1);
  header.height = 22;
  columns.forEach((c, i) => {
    const cell = header.getCell(i + 1);
    cell.font = { bold: true, color: { argb: c.required ? 'FFFFFFFF' : 'FF1F2937' } };
    cell.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: c.required ? 'FF1F6FB2' : 'FFDCE8F5' } };
    cell.alignment = { vertical: 'middle', horizontal: 'center' };
    cell.note = `${c.required ? '【必填】' : ''}${c.note}`;
  });
  return ws;
}

interface Validation {
  list?: string[];
  formula?: string;
  /** Other values allowed (a warning, not a refusal): districts have their own 类别. */
  open?: boolean;
  /** The list is too long for an inline list (Excel caps it at 255 characters): keep it on a hidden sheet. */
  formulaSheet?: boolean;
}

function validate(ws: ExcelJS.Worksheet, key: string, v: Validation): void {
  let formula = v.formula ?? `"${(v.list ?? []).join(',')}"`;
  if (v.formulaSheet && v.list) {
    const wb = ws.workbook;
    const lists = wb.getWorksheet('_lists') ?? wb.addWorksheet('_lists', { state: 'veryHidden' });
    const col = lists.columnCount + 1;
    v.list.forEach((item, i) => (lists.getCell(i + 1, col).value = item));
    const letter = lists.getColumn(col).letter;
    formula = `_lists!$${letter}$1:$${letter}$${v.list.length}`;
  }
  // One range, not a validation per cell: the sheet keeps only the rows that hold something.
  const letter = ws.getColumn(key).letter;
  (ws as unknown as { dataValidations: { add(range: string, v: ExcelJS.DataValidation): void } }).dataValidations.add(`${letter}2:${letter}${VALIDATED_ROWS}`, {
    type: 'list',
    allowBlank: true,
    formulae: [formula],
    showErrorMessage: true,
    errorStyle: v.open ? 'warning' : 'stop',
    errorTitle: '请从下拉列表中选择',
    error: v.open ? '不在下拉列表中：确定要用这个值吗？' : '请从下拉列表中选择一项。',
  });
}

/** Names a person in a cell by 姓名 when that finds only them, else by userid. */
function personNamer(org: OrgFile): (userid: string) => string {
  const count = new Map<string, number>();
  for (const p of org.people) for (const n of new Set([p.name, ...p.aliases])) count.set(n, (count.get(n) ?? 0) + 1);
  const byId = new Map(org.people.map((p) => [p.userid, p]));
  return (userid) => {
    const p = byId.get(userid);
    return p && count.get(p.name) === 1 && !byId.has(p.name) ? p.name : userid;
  };
}

export async function writeRosterFile(file: string, org: OrgFile, opts: RosterWriteOptions): Promise<void> {
  await rosterWorkbook(org, opts).xlsx.writeFile(file);
}
