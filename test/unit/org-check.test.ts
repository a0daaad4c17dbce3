import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { checkOrgYaml } from '../../src/config/org-check';
import { loadOrgSource, type OrgProblem } from '../../src/config/org-source';
import { demoOrgFile } from '../../src/config/paths';
import { rosterWorkbook, EXAMPLE_ORG } from '../../src/config/roster/template';

const lines = (ps: OrgProblem[]) => ps.map((p) => `${p.severity === 'warning' ? '警告 ' : ''}${p.where}：${p.message}`);

const SMALL = `district: 示例区
admins: [u_admin]
people:
  - { userid: u_admin, name: 何静怡 }
  - { userid: u_luo, name: 罗志刚 }
  - { userid: u_luo2, name: 罗志刚 }
units:
  - { id: banzhu, name: 斑竹村, town: 福禄镇, kind: 村, secretary: u_nobody }
  - { id: shiyan, name: 石堰村, town: 八塘镇, kind: 村 }
teams:
  - { id: t1, name: 第一工作队, leader: u_luo, members: [u_luo], towns: [福禄镇] }
chats:
  - { chatid: CHAT_T1, team: t1, webhookKey: env:WECOM_WEBHOOK_T1 }
  - { chatid: CHAT_ADMIN, admin: true }
policy:
  deadline: soon
`;

describe('checking org YAML: every problem, with its line', () => {
  it('reports zod issues with line and path, in Chinese', () => {
    expect(lines(checkOrgYaml(SMALL, {}).problems)).toEqual(['第 16 行 policy.deadline：应为时长，如 30s、10m、2h、3d 或 2w']);
  });

  it('reports every cross-reference at once, then the warnings once the errors are mended', () => {
    const text = SMALL.replace('deadline: soon', 'deadline: 7d');
    expect(lines(checkOrgYaml(text, {}).problems)).toEqual([
      '警告 第 6 行 people[2].name：“罗志刚”同时指 罗志刚（u_luo）和 罗志刚（u_luo2）：群里写“罗志刚”时督办会问是哪一位（请写别名或企业微信账号）；表格里指这两人时请填企业微信账号',
      '第 8 行 units[0].secretary：“u_nobody”不在人员中',
      '第 13 行 chats[0].webhookKey：环境变量 WECOM_WEBHOOK_T1 未设置（群机器人 key）',
      '警告 第 9 行 units[1]：单位“石堰村”没有工作队包联：它的问题只有组织部能交办和核验',
      '警告 第 14 行 chats[1].webhookKey：群聊“CHAT_ADMIN”没有群机器人 key：提醒和通报推送不到这个群',
    ]);
    const mended = text.replace('u_nobody', 'u_admin').replace('name: 罗志刚 }\nunits', 'name: 罗志强 }\nunits');
    const result = checkOrgYaml(mended, { WECOM_WEBHOOK_T1: 'k' });
    expect(lines(result.problems)).toEqual([
      '警告 第 9 行 units[1]：单位“石堰村”没有工作队包联：它的问题只有组织部能交办和核验',
      '警告 第 14 行 chats[1].webhookKey：群聊“CHAT_ADMIN”没有群机器人 key：提醒和通报推送不到这个群',
    ]);
    expect(result.org?.units.length).toBe(2);
  });

  it('makes an unset key variable a warning when the server is not here (requireEnv: false, org check without --strict)', () => {
    const text = SMALL.replace('deadline: soon', 'deadline: 7d').replace('u_nobody', 'u_admin').replace('name: 罗志刚 }\nunits', 'name: 罗志强 }\nunits');
    const result = checkOrgYaml(text, {}, { requireEnv: false });
    expect(lines(result.problems)[0]).toBe('警告 第 13 行 chats[0].webhookKey：环境变量 WECOM_WEBHOOK_T1 未设置（群机器人 key）');
    expect(result.org).toBeDefined();
    expect(checkOrgYaml(text, {}).org).toBeUndefined();
  });

  it('warns that a literal webhook key in the file is stored in Redis and in backups, and still loads it', () => {
    const text = SMALL.replace('deadline: soon', 'deadline: 7d').replace('u_nobody', 'u_admin').replace('name: 罗志刚 }\nunits', 'name: 罗志强 }\nunits').replace('webhookKey: env:WECOM_WEBHOOK_T1', 'webhookKey: 693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa');
    const result = checkOrgYaml(text, {});
    expect(lines(result.problems)).toContain('警告 第 13 行 chats[0].webhookKey：群聊“CHAT_T1”的群机器人 key 直接写在文件里：它会随组织架构存进 Redis 和每个备份。请改成 env:变量名（如 env:WECOM_WEBHOOK_T1），key 写进服务器的 .env');
    expect(result.org?.chat('CHAT_T1')?.webhookKey).toBe('693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa');
  });

  it('reports a YAML syntax error by line', () => {
    expect(lines(checkOrgYaml('district: 示例区\npeople:\n  - { userid: u_a, name: 甲\n', {}).problems)[0]).toMatch(/^第 \d+ 行：YAML 写法有误/);
  });

  it('reports an unknown key at its parent', () => {
    const text = SMALL.replace('deadline: soon', 'deadline: 7d\n  remindEvery: 1d');
    expect(lines(checkOrgYaml(text, { WECOM_WEBHOOK_T1: 'k' }).problems)[0]).toBe('第 17 行 policy.remindEvery：出现未知的键(key): "remindEvery"');
  });
});

describe('loadOrgSource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'duban-org-source-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads the demo YAML with its warnings (the demo has no robot keys) and keeps its text', async () => {
    const load = await loadOrgSource(demoOrgFile(), {});
    if (!load.ok) throw new Error(lines(load.problems).join('\n'));
    expect(load.org.teams).toHaveLength(8);
    expect(load.problems.every((p) => p.severity === 'warning')).toBe(true);
    expect(load.yaml).toBe(await readFile(demoOrgFile(), 'utf8'));
    expect(load.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads a roster .xlsx and returns the generated YAML, which loads the same organisation', async () => {
    const file = path.join(dir, '花名册.xlsx');
    await rosterWorkbook(EXAMPLE_ORG, { example: true }).xlsx.writeFile(file);
    const env = { WECOM_WEBHOOK_T1: 'k1', WECOM_WEBHOOK_ADMIN: 'k2' };
    const load = await loadOrgSource(file, env);
    if (!load.ok) throw new Error(lines(load.problems).join('\n'));
    expect(load.problems).toEqual([]);
    const yamlFile = path.join(dir, 'org.yaml');
    await writeFile(yamlFile, load.yaml);
    const again = await loadOrgSource(yamlFile, env);
    expect(again.ok && again.org.people.map((p) => p.userid)).toEqual(['u_admin', 'u_luo', 'u_tang', 'u_chen', 'u_li']);
    expect(again.ok && again.org.people.filter((p) => again.org.isAdmin(p.userid)).map((p) => p.userid)).toEqual(['u_admin']);
  });

  it('gives a file that is not a workbook its one problem, without the schema errors of an empty organisation', async () => {
    const bad = path.join(dir, 'bad.xlsx');
    await writeFile(bad, 'hello\n');
    const load = await loadOrgSource(bad, {});
    expect(load.ok ? [] : lines(load.problems)).toEqual(['：不是有效的 Excel 工作簿（.xlsx）：请用 npm run org -- template 生成的模板填写后另存为 .xlsx']);
  });

  it('warns once, for a roster used as it is, that its generated ids change when a unit is renamed', async () => {
    const file = path.join(dir, '无编号.xlsx');
    const wb = rosterWorkbook(EXAMPLE_ORG, { example: true });
    wb.getWorksheet('单位')!.getCell('A2').value = ''; // the example unit's 编号
    await wb.xlsx.writeFile(file);
    const load = await loadOrgSource(file, { WECOM_WEBHOOK_T1: 'k1', WECOM_WEBHOOK_ADMIN: 'k2' }, {});
    const warnings = load.problems.filter((p) => p.where === '单位 编号列');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.severity).toBe('warning');
    expect(load.ok).toBe(true);
  });

  it('refuses a bad file with every problem, and a missing one', async () => {
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, SMALL);
    const load = await loadOrgSource(bad, {});
    expect(load.ok).toBe(false);
    expect(lines(load.problems)).toEqual(['第 16 行 policy.deadline：应为时长，如 30s、10m、2h、3d 或 2w']);
    const missing = await loadOrgSource(path.join(dir, 'none.yaml'), {});
    expect(missing.ok ? [] : missing.problems.map((p) => p.message)).toEqual(['无法读取文件（ENOENT）']);
  });
});
