import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadWorkbook, setCell, workbookBytes } from '../support/roster-fill';
import { writeFile } from 'node:fs/promises';

/** `npm run org` as an operator runs it (from source through tsx's loader, no stdin): its exit code and what it printed. */
const root = path.resolve(__dirname, '../..');
const KEYS = { WECOM_WEBHOOK_T1: 'k1', WECOM_WEBHOOK_ADMIN: 'k2' };

function org(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const base = { ...process.env };
    delete base.ORG_FILE;
    delete base.WECOM_WEBHOOK_T1;
    delete base.WECOM_WEBHOOK_ADMIN;
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/org.ts', ...args], { cwd: root, env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

// Each run loads the TypeScript afresh: a second or more apiece on a shared machine (npx would add half as much again).
jest.setTimeout(240_000);

describe('npm run org', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'duban-org-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('prints its usage for --help (exit 0) and refuses a bad argument in Chinese (exit 2)', async () => {
    const help = await org(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('npm run org -- check <org.yaml|花名册.xlsx>');
    const bad = await org(['check', '--frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('不认识的选项 --frobnicate');
    const none = await org([]);
    expect(none.code).toBe(2);
    const unknown = await org(['export']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('不认识的命令“export”：可用 template、import、check');
  });

  it('template → check → import → check the YAML, refusing to overwrite without --force', async () => {
    const roster = path.join(dir, '花名册.xlsx');
    const written = await org(['template', roster]);
    expect(written.code).toBe(0);
    expect(written.stdout).toContain(`已生成 ${roster}`);
    expect((await org(['template', roster])).code).toBe(2);
    expect((await org(['template', roster, '--force'])).code).toBe(0);

    // On the admin's PC the server's .env is absent: unset key variables are warnings; --strict (the server's rule) refuses.
    const unset = await org(['check', roster]);
    expect(unset.code).toBe(0);
    expect(unset.stdout.trim().split('\n')).toEqual([
      '警告 群聊!D2：环境变量 WECOM_WEBHOOK_T1 未设置（群机器人 key）',
      '警告 群聊!D3：环境变量 WECOM_WEBHOOK_ADMIN 未设置（群机器人 key）',
      '检查通过：5 人，1 个单位，1 个工作队，2 个群聊（2 个警告）',
    ]);
    const strict = await org(['check', roster, '--strict']);
    expect(strict.code).toBe(2);
    expect(strict.stdout.trim().split('\n')).toEqual([
      '群聊!D2：环境变量 WECOM_WEBHOOK_T1 未设置（群机器人 key）',
      '群聊!D3：环境变量 WECOM_WEBHOOK_ADMIN 未设置（群机器人 key）',
      '2 个错误，0 个警告',
    ]);
    const passed = await org(['check', roster], KEYS);
    expect(passed.code).toBe(0);
    expect(passed.stdout.trim()).toBe('检查通过：5 人，1 个单位，1 个工作队，2 个群聊');

    const imported = await org(['import', roster], KEYS);
    expect(imported.code).toBe(0);
    const yamlFile = path.join(dir, '花名册.yaml');
    expect(imported.stdout).toContain(`组织架构文件：${yamlFile}`);
    expect(await readFile(yamlFile, 'utf8')).toContain('- { userid: u_chen, name: 陈晓燕, aliases: [ 陈书记 ] } # 人员 第5行');
    expect((await org(['check', yamlFile], KEYS)).stdout.trim()).toBe('检查通过：5 人，1 个单位，1 个工作队，2 个群聊');
    expect((await org(['import', roster])).code).toBe(2); // 花名册.yaml exists now
  });

  it('says on import how many ids it generated, and refuses a file that is not a workbook with that one line', async () => {
    const wb = await loadWorkbook(await readFile(path.join(dir, '花名册.xlsx')));
    setCell(wb, '单位', '编号', 2, '');
    const blank = path.join(dir, 'blank-ids.xlsx');
    await writeFile(blank, await workbookBytes(wb));
    const imported = await org(['import', blank], KEYS);
    expect(imported.code).toBe(0);
    expect(imported.stdout).toContain('1 个单位/工作队的编号是自动生成的，以后请保持不变（已写入 blank-ids.yaml）');
    expect(await readFile(path.join(dir, 'blank-ids.yaml'), 'utf8')).toContain('id: fuluzhen.banzhucun');
    const checked = await org(['check', blank], KEYS);
    expect(checked.stdout).toContain('警告 单位 编号列：1 个单位/工作队没填编号');

    const notBook = path.join(dir, 'hello.xlsx');
    await writeFile(notBook, 'hello\n');
    const refused = await org(['check', notBook]);
    expect(refused.code).toBe(2);
    expect(refused.stdout.trim().split('\n')).toEqual(['不是有效的 Excel 工作簿（.xlsx）：请用 npm run org -- template 生成的模板填写后另存为 .xlsx', '1 个错误，0 个警告']);
  });

  it('writes the demo organisation as a roster that imports and checks', async () => {
    const roster = path.join(dir, 'demo.xlsx');
    expect((await org(['template', '--demo', roster])).code).toBe(0);
    const out = path.join(dir, 'demo-org.yaml');
    expect((await org(['import', roster, '-o', out])).code).toBe(0);
    const checked = await org(['check', out]);
    expect(checked.code).toBe(0);
    expect(checked.stdout.trim().split('\n').at(-1)).toBe('检查通过：75 人，40 个单位，8 个工作队，9 个群聊（9 个警告）');
  });

  it('fails a roster with problems, every one named by its cell (exit 2), and imports nothing', async () => {
    const roster = path.join(dir, '花名册.xlsx');
    const wb = await loadWorkbook(await readFile(roster));
    setCell(wb, '人员', '企业微信账号', 4, 'u_tang ');
    setCell(wb, '单位', '书记', 2, '张三');
    const bad = path.join(dir, 'bad.xlsx');
    await writeFile(bad, await workbookBytes(wb));
    const checked = await org(['check', bad], KEYS);
    expect(checked.code).toBe(2);
    expect(checked.stdout.trim().split('\n')).toEqual([
      '人员!B4：账号“u_tang ”含空格',
      '单位!E2：“张三”不在人员表中（填人员表里的姓名、别名或企业微信账号）',
      '2 个错误，0 个警告',
    ]);
    const imported = await org(['import', bad], KEYS);
    expect(imported.code).toBe(2);
    expect(existsSync(path.join(dir, 'bad.yaml'))).toBe(false);
  });
});
