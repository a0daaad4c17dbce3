import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import readline from 'node:readline';
import { plainScreen, promptScreen } from '../../src/cli/screen';

/** A stream that keeps what was written, as a terminal would receive it. */
function sink(): PassThrough & { text(): string } {
  const s = new PassThrough() as PassThrough & { text(): string; columns: number; isTTY: boolean };
  let written = '';
  s.on('data', (d: Buffer) => (written += d.toString()));
  s.columns = 80;
  s.isTTY = true;
  s.text = () => written;
  return s;
}

/** Lets readline handle what was typed (it reads its input asynchronously). */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('the chat client screen', () => {
  const opened: readline.Interface[] = [];
  afterEach(() => opened.splice(0).forEach((rl) => rl.close()));

  function prompted() {
    const input = new PassThrough();
    const out = sink();
    const err = sink();
    const rl = readline.createInterface({ input, output: out, terminal: true, prompt: '陈晓燕> ' });
    opened.push(rl);
    return { input, out, err, rl, screen: promptScreen(rl, { out, err }) };
  }

  it('writes a push above the prompt and draws the prompt again with the half-typed line', async () => {
    const { input, out, rl, screen } = prompted();
    screen.prompt();
    input.write('/整改 #1 闸阀');
    await tick();
    expect(rl.line).toBe('/整改 #1 闸阀');
    const before = out.text().length;

    screen.print('\n—— 群机器人推送 ——\n⏰ 整改提醒 #1\n\n');

    // Back to the prompt's first column, clear below, the push; then the prompt with the typed
    // line, the cursor where it was (column 22: CJK characters are two columns wide).
    expect(out.text().slice(before)).toBe(
      '\u001b[1G\u001b[0J' + '\n—— 群机器人推送 ——\n⏰ 整改提醒 #1\n\n' + '\u001b[1G\u001b[0J陈晓燕> /整改 #1 闸阀\u001b[22G',
    );
    // What was typed is still there to finish.
    const line = once(rl, 'line');
    input.write('已更换\n');
    expect(await line).toEqual(['/整改 #1 闸阀已更换']);
  });

  it('clears every row of a typed line that wraps', async () => {
    const { input, out, screen } = prompted();
    screen.prompt();
    input.write('/上报 斑竹村 ' + '闸'.repeat(40)); // 8 + 12 + 80 columns: the cursor is on the second row
    await tick();
    const before = out.text().length;
    screen.print('推送\n');
    expect(out.text().slice(before).startsWith('\u001b[1A\u001b[1G\u001b[0J推送\n')).toBe(true);
  });

  it('prints plainly while a line is being answered, and filters what it prints', () => {
    const { out, err, screen } = prompted();
    screen.prompt();
    screen.busy();
    const before = out.text().length;
    screen.print('✅ #1 已反馈整改\u001b[2J\n');
    screen.print('发送失败：\u202eboom\n', 'err');
    expect(out.text().slice(before)).toBe('✅ #1 已反馈整改\n');
    expect(err.text()).toBe('发送失败：boom\n');
  });

  it('filters the plain screen of --watch and piped input too', () => {
    const out = sink();
    const err = sink();
    const screen = plainScreen({ out, err });
    screen.prompt();
    screen.print('🔴 逾期\u001b]0;x\u0007 1 件\r\n');
    screen.print('（与督办服务的连接断开\u009b2J）\n', 'err');
    expect(out.text()).toBe('🔴 逾期 1 件\n');
    expect(err.text()).toBe('（与督办服务的连接断开）\n');
  });
});
