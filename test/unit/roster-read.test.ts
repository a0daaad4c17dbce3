import type ExcelJS from 'exceljs';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { checkOrgYaml } from '../../src/config/org-check';
import { orgFileSchema, type OrgFile } from '../../src/config/org-schema';
import { demoOrgFile } from '../../src/config/paths';
import { readRoster } from '../../src/config/roster/read-roster';
import { EXAMPLE_ORG, rosterWorkbook } from '../../src/config/roster/template';
import { orgYaml } from '../../src/config/roster/write-yaml';
import { fillRoster, lines, loadWorkbook, rosterProblems, setCell, workbookBytes } from '../support/roster-fill';

const demo: OrgFile = orgFileSchema.parse(parseYaml(readFileSync(demoOrgFile(), 'utf8')));
const KEYS = { WECOM_WEBHOOK_T1: 'k1', WECOM_WEBHOOK_ADMIN: 'k2' };

/** The template as written to disk and opened again, as a clerk opens it. */
async function template() {
  return loadWorkbook(await workbookBytes(rosterWorkbook(EXAMPLE_ORG, { example: true })));
}

describe('roster round trip', () => {
  it('template → a script fills it with the demo organisation → import equals the demo organisation', async () => {
    const wb = await template();
    fillRoster(wb, demo);
    const { problems, file } = await rosterProblems(await loadWorkbook(await workbookBytes(wb)), {});
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(file).toEqual(demo);
  });

  it('template --demo (people named by 姓名) → import equals the demo organisation, and its YAML loads back the same', async () => {
    const bytes = await workbookBytes(rosterWorkbook(demo, { example: false }));
    const read = await readRoster(bytes);
    const { problems, file } = await rosterProblems(await loadWorkbook(bytes), {});
    expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(file).toEqual(demo);
    const yaml = orgYaml(read.raw, read.sources, 'demo.xlsx');
    const row = demo.people.findIndex((p) => p.userid === 'u_sec_banzhu') + 2;
    expect(yaml).toContain(`- { userid: u_sec_banzhu, name: 陈晓燕, aliases: [ 陈书记 ] } # 人员 第${row}行`);
    const again = checkOrgYaml(yaml, {});
    expect(again.file).toEqual(demo);
  });

  it("the template's example rows are a tiny organisation that checks cleanly once its keys are set", async () => {
    const { problems, file } = await rosterProblems(await template(), KEYS);
    expect(problems).toEqual([]);
    expect(file).toEqual(EXAMPLE_ORG);
    expect(file?.units[0]?.contacts).toEqual([{ userid: 'u_li', title: '驻村第一书记' }]);
  });

  /** The template with 编号 blank on its unit and team, and a second unit 石堰村 in 福禄镇 (row 3). */
  async function blankIds(secondTown = '福禄镇') {
    const wb = await template();
    setCell(wb, '单位', '编号', 2, '');
    setCell(wb, '单位', '单位名称', 3, '石堰村');
    setCell(wb, '单位', '所属镇街', 3, secondTown);
    setCell(wb, '单位', '类别', 3, '村');
    setCell(wb, '工作队', '编号', 2, '');
    return wb;
  }

  it('makes unit ids from the pinyin of town and name, and team ids from the name, when 编号 is blank', async () => {
    const { file } = await rosterProblems(await blankIds(), KEYS);
    expect(file?.units.map((u) => u.id)).toEqual(['fuluzhen.banzhucun', 'fuluzhen.shiyancun']);
    expect(file?.teams[0]?.id).toBe('diyigongzuodui');
    expect(file?.chats[0]?.team).toBe('diyigongzuodui');
    const read = await readRoster(await workbookBytes(await blankIds()));
    expect(read.generatedIds).toBe(3);
    expect(read.idNotice).toMatchObject({ severity: 'warning', where: '单位 编号列' });
    expect(read.idNotice?.message).toContain('改单位名称、所属镇街或队名会改变编号');
  });

  it('gives a unit the same generated id wherever its row is (sorting moves no id)', async () => {
    const wb = await blankIds();
    // Swap rows 2 and 3 of 单位 (石堰村 first now).
    const ws = wb.getWorksheet('单位')!;
    const two = (ws.getRow(2).values as ExcelJS.CellValue[]).slice();
    const three = (ws.getRow(3).values as ExcelJS.CellValue[]).slice();
    ws.getRow(2).values = three;
    ws.getRow(3).values = two;
    const { file } = await rosterProblems(wb, KEYS);
    expect(file?.units.map((u) => [u.name, u.id])).toEqual([
      ['石堰村', 'fuluzhen.shiyancun'],
      ['斑竹村', 'fuluzhen.banzhucun'],
    ]);
  });

  it('refuses two units that would get one generated id, at both 编号 cells', async () => {
    const wb = await blankIds();
    setCell(wb, '单位', '编号', 3, '');
    setCell(wb, '单位', '单位名称', 3, '板竹村'); // 斑竹村 and 板竹村 are both banzhucun
    const { problems, file } = await rosterProblems(wb, KEYS);
    expect(file).toBeUndefined();
    expect(lines(problems)).toEqual([
      '单位!A2：两个单位的编号相同（自动生成的 fuluzhen.banzhucun，又见 单位!A3），请在 编号 列填写',
      '单位!A3：两个单位的编号相同（自动生成的 fuluzhen.banzhucun，又见 单位!A2），请在 编号 列填写',
    ]);
    // In different towns they differ.
    const apart = await blankIds('双龙镇');
    setCell(apart, '单位', '单位名称', 3, '板竹村');
    expect((await rosterProblems(apart, KEYS)).file?.units.map((u) => u.id)).toEqual(['fuluzhen.banzhucun', 'shuanglongzhen.banzhucun']);
  });
});

describe('roster problems, each with its sheet, row and column', () => {
  async function check(edit: (wb: Awaited<ReturnType<typeof template>>) => void, env: NodeJS.ProcessEnv = KEYS): Promise<string[]> {
    const wb = await template();
    edit(wb);
    return lines((await rosterProblems(wb, env)).problems);
  }

  it('a userid with a space', async () => {
    expect(await check((wb) => setCell(wb, '人员', '企业微信账号', 4, 'u_tang '))).toEqual(['人员!B4：账号“u_tang ”含空格']);
  });

  it('a userid that is not an id', async () => {
    expect(await check((wb) => setCell(wb, '人员', '企业微信账号', 4, '唐建平')))
      .toEqual(['人员!B4：账号“唐建平”只能由字母、数字和 _ . @ - 组成（不能有汉字），是企业微信后台通讯录里的账号']);
  });

  it('a duplicate userid', async () => {
    expect(await check((wb) => setCell(wb, '人员', '企业微信账号', 4, 'u_luo'))).toEqual(['人员!B4：账号“u_luo”重复']);
  });

  it('a secretary who is not a person', async () => {
    expect(await check((wb) => setCell(wb, '单位', '书记', 2, '张三'))).toEqual(['单位!E2：“张三”不在人员表中（填人员表里的姓名、别名或企业微信账号）']);
  });

  it('a name two people share: both named, and the cell that named one of them', async () => {
    const out = await check((wb) => {
      setCell(wb, '人员', '姓名', 7, '罗志刚');
      setCell(wb, '人员', '企业微信账号', 7, 'u_luo2');
    });
    expect(out).toEqual([
      '工作队!C2：“罗志刚”是 2 个人的名字（u_luo、u_luo2），请改填企业微信账号',
      '警告 人员!A7：“罗志刚”同时指 罗志刚（u_luo）和 罗志刚（u_luo2）：群里写“罗志刚”时督办会问是哪一位（请写别名或企业微信账号）；表格里指这两人时请填企业微信账号',
    ]);
  });

  it('a unit no team covers (a warning: the file loads)', async () => {
    const wb = await template();
    setCell(wb, '工作队', '包联镇街', 2, '');
    const { problems, file } = await rosterProblems(wb, KEYS);
    expect(lines(problems)).toEqual(['警告 单位!B2：单位“斑竹村”没有工作队包联：它的问题只有组织部能交办和核验']);
    expect(file).toBeDefined();
  });

  it('a chat with no group-robot key (a warning)', async () => {
    expect(await check((wb) => setCell(wb, '群聊', '群机器人key的环境变量名', 2, ''))).toEqual(['警告 群聊!D2：群聊“wrEXAMPLE_T1”没有群机器人 key：提醒和通报推送不到这个群']);
  });

  it('example rows left in beside real ones (a warning at each example chat)', async () => {
    expect(await check((wb) => setCell(wb, '群聊', 'chatid', 2, 'wrReal_T1'))).toEqual([
      '警告 群聊!A3：群聊“wrEXAMPLE_ADMIN”是模板的示例行：请删掉，或换成真实的 chatid（在群里 @机器人 发 /我是谁 可看到）；示例的人员、单位和工作队也请删掉',
    ]);
  });

  it('a webhook key pasted where its variable name goes (an error at the cell; the key is stored nowhere)', async () => {
    for (const key of ['693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa', 'a1b2c3d4e5f6a1b2c3d4e5f6a1b2']) {
      const wb = await template();
      setCell(wb, '群聊', '群机器人key的环境变量名', 2, key);
      const read = await readRoster(await workbookBytes(wb));
      const { problems } = await rosterProblems(wb, KEYS);
      expect(lines(problems)).toEqual(['群聊!D2：这里填写环境变量名（如 WECOM_WEBHOOK_T1），不要填写 key 本身：key 写进服务器的 .env']);
      expect(JSON.stringify(read.raw)).not.toContain(key);
    }
  });

  it('a name with a line break in its cell (Alt+Enter)', async () => {
    expect(
      await check((wb) => {
        setCell(wb, '单位', '单位名称', 2, '斑竹村\n# 大字标题');
        setCell(wb, '人员', '姓名', 3, '罗\u2028队长');
      }),
    ).toEqual(expect.arrayContaining(['人员!A3：不能含换行或控制字符（单元格里按了 Alt+Enter？请改成一行）', '单位!B2：不能含换行或控制字符（单元格里按了 Alt+Enter？请改成一行）']));
  });

  it('a key variable that is not set (an error)', async () => {
    expect(await check(() => undefined, { WECOM_WEBHOOK_T1: 'k1' })).toEqual(['群聊!D3：环境变量 WECOM_WEBHOOK_ADMIN 未设置（群机器人 key）']);
  });

  it('a chat of a team that does not exist', async () => {
    expect(await check((wb) => setCell(wb, '群聊', '所属', 2, '第九工作队'))).toEqual(['群聊!C2：工作队“第九工作队”不在工作队表中']);
  });

  it('a bad phone number and a bad rule value', async () => {
    expect(
      await check((wb) => {
        setCell(wb, '人员', '手机号', 2, '打电话');
        setCell(wb, '规则', '值', 3, '一周');
      }),
    ).toEqual(['人员!D2：应为手机号，如 13800000000', '规则!B3：应为时长，如 30s、10m、2h、3d 或 2w']);
  });

  it('an unknown rule and a missing required cell', async () => {
    expect(
      await check((wb) => {
        setCell(wb, '规则', '键', 4, 'remindEvery');
        setCell(wb, '单位', '所属镇街', 2, '');
      }),
    ).toEqual(['单位!C2：未填所属镇街', '规则!A4：规则“remindEvery”不认识（请从下拉列表中选）']);
  });

  it('every problem at once', async () => {
    const out = await check((wb) => {
      setCell(wb, '人员', '企业微信账号', 3, 'u_luo ');
      setCell(wb, '人员', '企业微信账号', 4, 'u_admin');
      setCell(wb, '单位', '驻村第一书记', 2, '王五');
      setCell(wb, '群聊', '群机器人key的环境变量名', 3, '');
    });
    expect(out).toEqual([
      '人员!B3：账号“u_luo ”含空格',
      '单位!F2：“王五”不在人员表中（填人员表里的姓名、别名或企业微信账号）',
      '人员!B4：账号“u_admin”重复',
      // Warnings come with the errors, so one pass lists everything to mend.
      '警告 群聊!D3：群聊“wrEXAMPLE_ADMIN”没有群机器人 key：提醒和通报推送不到这个群',
    ]);
  });

  it('reads a time Excel made of a typed 09:00 as 09:00', async () => {
    const wb = await template();
    const cell = wb.getWorksheet('规则')!.getCell('B5');
    cell.value = new Date(Date.UTC(1899, 11, 30, 8, 30));
    cell.style = { ...cell.style, numFmt: 'h:mm' }; // what Excel gives a General cell typed 08:30 (a copy: loaded cells share styles)
    const { problems, file } = await rosterProblems(wb, KEYS);
    expect(problems).toEqual([]);
    expect(file?.policy.remindAt).toBe('08:30');
  });

  it('a missing column, and an unknown one', async () => {
    expect(
      await check((wb) => {
        const ws = wb.getWorksheet('人员')!;
        ws.getCell('B1').value = '工号';
      }),
    ).toEqual(expect.arrayContaining(['警告 人员!B1：不认识的列“工号”，已忽略', '人员 表头：缺少“企业微信账号”列']));
  });

  it('a file that is not a workbook', async () => {
    const read = await readRoster(Buffer.from('district: 示例区\n'));
    expect(read.problems.map((p) => p.message)).toEqual(['不是有效的 Excel 工作簿（.xlsx）：请用 npm run org -- template 生成的模板填写后另存为 .xlsx']);
  });
});
