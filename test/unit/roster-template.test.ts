import { COLUMNS, RULE_ROWS } from '../../src/config/roster/layout';
import { EXAMPLE_ORG, rosterWorkbook } from '../../src/config/roster/template';
import { loadWorkbook, workbookBytes } from '../support/roster-fill';

/** The template as Excel opens it: what a clerk sees before typing anything. */
describe('the roster template', () => {
  let wb: Awaited<ReturnType<typeof loadWorkbook>>;
  beforeAll(async () => {
    wb = await loadWorkbook(await workbookBytes(rosterWorkbook(EXAMPLE_ORG, { example: true })));
  });

  it('has the sheets of issue 14 (and the 巡查清单), Chinese headers, a frozen header and a note on every header', () => {
    expect(wb.worksheets.filter((ws) => ws.state === 'visible').map((ws) => ws.name)).toEqual(['人员', '单位', '工作队', '群聊', '规则', '巡查清单']);
    const people = wb.getWorksheet('人员')!;
    expect((people.getRow(1).values as unknown[]).slice(1)).toEqual(['姓名', '企业微信账号', '别名', '手机号', '角色']);
    expect((wb.getWorksheet('单位')!.getRow(1).values as unknown[]).slice(1)).toEqual(['编号', '单位名称', '所属镇街', '类别', '书记', '驻村第一书记', '联络员', '其他联系人']);
    expect((wb.getWorksheet('工作队')!.getRow(1).values as unknown[]).slice(1)).toEqual(['编号', '队名', '队长', '队员', '包联镇街', '包联单位', '包联类别']);
    for (const ws of wb.worksheets.filter((w) => w.state === 'visible')) {
      expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 });
      ws.getRow(1).eachCell((cell) => expect(JSON.stringify(cell.note)).toMatch(/[\u4e00-\u9fff]/u));
    }
    const note = JSON.stringify(people.getCell('B1').note);
    expect(note).toContain('【必填】');
    expect(note).toContain('不能有空格');
    expect(people.getColumn(2).width).toBe(COLUMNS.people[1]!.width);
  });

  it('styles the example rows grey italic, and keeps 规则 as plain defaults with their meanings', () => {
    const cell = wb.getWorksheet('人员')!.getCell('A2');
    expect(cell.value).toBe('何静怡');
    expect(cell.font).toMatchObject({ italic: true, color: { argb: 'FF808080' } });
    const rules = wb.getWorksheet('规则')!;
    expect(rules.getCell('A3').value).toBe('deadline');
    expect(rules.getCell('B3').value).toBe('7d');
    expect(rules.getCell('C3').value).toBe('交办时没写期限时的默认整改期限');
    expect(rules.getCell('B3').font?.italic).toBeUndefined();
    expect(RULE_ROWS.map((r) => r.key)).toEqual(expect.arrayContaining(['district', 'remindBefore', 'scoring.units.perLateClose', 'talkAdvice.overdueDays']));
    expect(RULE_ROWS.every((r) => r.meaning.length > 0)).toBe(true);
  });

  it('gives drop-down lists: 类别, 角色, 群类型, 规则 keys, and 队长 and 书记 from 人员', () => {
    const list = (sheet: string, address: string) => wb.getWorksheet(sheet)!.getCell(address).dataValidation;
    expect(list('单位', 'D2')).toMatchObject({ type: 'list', formulae: ['"村,社区,企业,学校,医院,机关"'], errorStyle: 'warning' });
    expect(list('单位', 'E500')).toMatchObject({ type: 'list', formulae: ['人员!$A$2:$A$5000'] });
    expect(list('工作队', 'C2')).toMatchObject({ type: 'list', formulae: ['人员!$A$2:$A$5000'] });
    expect(list('人员', 'E9')).toMatchObject({ type: 'list', formulae: ['"组织部"'], errorStyle: 'stop' });
    expect(list('群聊', 'B2')).toMatchObject({ type: 'list', formulae: ['"工作队,组织部,镇街,单位"'] });
    expect(list('规则', 'A40')).toMatchObject({ type: 'list', formulae: [`_lists!$A$1:$A$${RULE_ROWS.length}`] });
    expect(wb.getWorksheet('_lists')!.state).toBe('veryHidden');
  });
});
