import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/org';
import { CliError } from '../../src/cli/cli-context';
import { demoOrgFile } from '../../src/config/paths';

/** `npm run org` as an official types it: the step in Chinese or capitals, or a typo asked about. */
async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const out = new PassThrough();
  let text = '';
  out.on('data', (b: Buffer) => (text += b.toString('utf8')));
  const code = await main(argv, out);
  return { code, out: text };
}

describe('npm run org: the words for its steps', () => {
  it.each([['检查'], ['校验'], ['CHECK']])('%s checks the file', async (word) => {
    const { code, out } = await run([word, demoOrgFile()]);
    expect(code).toBe(0);
    expect(out.trim().split('\n').at(-1)).toBe('检查通过：75 人，40 个单位，8 个工作队，9 个群聊（9 个警告）');
  });

  it('asks about a typo instead of only listing the steps', async () => {
    const err = await run(['chek', demoOrgFile()]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message.split('\n')[0]).toBe('不认识的命令“chek”：是不是 check？可用 template、import、check');
    const swapped = await run(['tempalte']).catch((e: unknown) => e);
    expect((swapped as CliError).message.split('\n')[0]).toBe('不认识的命令“tempalte”：是不是 template？可用 template、import、check');
    // A different word is not a typo of a near one.
    const other = await run(['export']).catch((e: unknown) => e);
    expect((other as CliError).message.split('\n')[0]).toBe('不认识的命令“export”：可用 template、import、check');
  });
});
