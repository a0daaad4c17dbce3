import { commands } from '../../handlers';
import { commandInput, defineCommand, noArgs, type Command } from '../../src/pipeline/command';
import { splitCommand } from '../../src/pipeline/route';
import { CommandRegistry, displayName } from '../../src/pipeline/registry';
import { commandKey } from '../../src/parsing/normalize';

const han = /\p{Script=Han}/u;

describe('handlers/index commands', () => {
  it('answers every name and alias of the docs/design.md §4.2 command table', () => {
    const registry = new CommandRegistry(commands);
    const table: Record<string, string[]> = {
      report: ['report', '上报', '发现'],
      assign: ['assign', '交办'],
      fix: ['fix', '整改', '反馈'],
      verify: ['verify', '销号', '核验'],
      reject: ['reject', '驳回'],
      extend: ['extend', '延期'],
      revisit: ['revisit', '回访', '回头看'],
      remind: ['remind', '催办'],
      'cancel-issue': ['cancel-issue', '撤销'],
      show: ['show', '查看'],
      list: ['list', '清单', '台账'],
      mine: ['mine', '我的'],
      status: ['status', '进度', '统计'],
      export: ['export', '导出'],
      practice: ['practice', '典型', '典型经验'],
      'assign-task': ['assign-task', '布置', '布置任务'],
      task: ['task', '任务'],
      talk: ['talk', '约谈', '提醒约谈'],
      performance: ['performance', '档案', '实绩档案'],
      visit: ['visit', '走访', '巡回指导'],
      round: ['round', '巡查', '巡查轮次'],
      bulletin: ['bulletin', '通报'],
      score: ['score', '考核'],
      bonus: ['bonus', '加分'],
      deduct: ['deduct', '扣分'],
      'withdraw-score': ['withdraw-score', '撤回加减分'],
      dashboard: ['dashboard', '看板', '数据看板'],
      help: ['help', '帮助'],
      whoami: ['whoami', '我是谁'],
      reload: ['reload', '重新加载', '重载'],
      cancel: ['cancel', '取消'],
    };
    for (const [name, words] of Object.entries(table)) {
      for (const w of words) expect(registry.find(w)?.name).toBe(name);
    }
    expect(commands.map((c) => c.name).sort()).toEqual(Object.keys(table).sort());
  });

  describe.each(commands.map((c) => [c.name, c] as const))('/%s', (_name, c) => {
    it('has a lower-case English name', () => {
      expect(c.name).toMatch(/^[a-z][a-z-]*$/);
    });

    it('has a Chinese alias first (the one users see)', () => {
      expect(c.aliases.length).toBeGreaterThan(0);
      expect(c.aliases[0]).toMatch(han);
      expect(displayName(c)).toBe(`/${c.aliases[0]}`);
    });

    it('has a usage and an example that start with /', () => {
      expect(c.usage.startsWith('/')).toBe(true);
      expect(c.example.startsWith('/')).toBe(true);
    });

    it('has a summary', () => {
      expect(c.summary.trim()).not.toBe('');
    });
  });

  it('keeps every name and alias unique after Traditional→Simplified and full-width normalisation', () => {
    const keys = commands.flatMap((c) => [c.name, ...c.aliases]).map(commandKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(() => new CommandRegistry(commands)).not.toThrow();
  });
});

/** A do-nothing command with the given names. */
function stub(name: string, aliases: string[]): Command {
  return defineCommand({
    name,
    aliases,
    roles: 'anyone',
    summary: name,
    usage: `/${name}`,
    example: `/${name}`,
    args: noArgs,
    run: async () => name,
  });
}

describe('CommandRegistry', () => {
  const registry = new CommandRegistry(commands);

  it.each<[string, string]>([
    ['/HELP', 'help'],
    ['／幫助', 'help'],
    ['帮助', 'help'],
    ['whoami', 'whoami'],
    ['WhoAmI', 'whoami'],
    ['我是誰', 'whoami'],
    ['身份', 'whoami'],
  ])('find(%j) is /%s', (word, name) => {
    expect(registry.find(word)?.name).toBe(name);
  });

  it('finds nothing for an unknown word', () => {
    expect(registry.find('上天')).toBeUndefined();
  });

  it('answers the same for a word looked up again, also after more distinct words than it remembers', () => {
    const fresh = new CommandRegistry(commands);
    for (let round = 0; round < 2; round++) {
      expect(fresh.find('／幫助')?.name).toBe('help');
      expect(fresh.find('上天')).toBeUndefined();
      expect(fresh.resolve('消号')).toMatchObject({ kind: 'near', command: { name: 'verify' } });
      expect(fresh.splitGlued('上報斑竹村')?.command.name).toBe('report');
      for (let i = 0; i < 1500; i++) expect(fresh.find(`词${i}`)).toBeUndefined();
    }
  });

  it('suggests a command whose key contains the word', () => {
    expect(registry.suggest('帮').map((c) => c.name)).toEqual(['help']);
    expect(registry.suggest('who').map((c) => c.name)).toEqual(['whoami']);
  });

  it('refuses two commands whose aliases differ only in Traditional vs Simplified', () => {
    expect(() => new CommandRegistry([stub('alpha', ['幫助']), stub('beta', ['帮助'])])).toThrow(
      'command key "帮助" is used by both /alpha and /beta',
    );
  });

  it('refuses a full-width alias that equals another command name', () => {
    expect(() => new CommandRegistry([stub('alpha', ['甲']), stub('beta', ['ＡＬＰＨＡ'])])).toThrow(
      'command key "alpha" is used by both /alpha and /beta',
    );
  });

  it('refuses names that differ only in case', () => {
    expect(() => new CommandRegistry([stub('alpha', ['甲']), stub('ALPHA', ['乙'])])).toThrow(/is used by both/);
  });

  it('accepts distinct commands and lists them in order', () => {
    const r = new CommandRegistry([stub('alpha', ['甲']), stub('beta', ['乙'])]);
    expect(r.all().map((c) => c.name)).toEqual(['alpha', 'beta']);
    expect(r.find('乙')?.name).toBe('beta');
  });
});

describe('splitCommand', () => {
  it('splits the command word from its arguments', () => {
    expect(splitCommand('/帮助 我是谁')).toEqual({ word: '帮助', rest: '我是谁' });
  });

  it('accepts a full-width slash and keeps the word as typed', () => {
    expect(splitCommand('／幫助')).toEqual({ word: '幫助', rest: '' });
  });

  it('allows spaces around the slash and the text', () => {
    expect(splitCommand('  / whoami  ')).toEqual({ word: 'whoami', rest: '' });
  });

  it('keeps newlines in the text and splits words on any whitespace', () => {
    expect(splitCommand('/上报 斑竹村\n路灯坏了  期限:3天')).toEqual({ word: '上报', rest: '斑竹村\n路灯坏了  期限:3天' });
    expect(commandInput('斑竹村\n路灯坏了  期限:3天').words).toEqual(['斑竹村', '路灯坏了', '期限:3天']);
  });

  it('splits on an ideographic space', () => {
    expect(commandInput(splitCommand('/帮助\u3000我是谁')!.rest).words).toEqual(['我是谁']);
  });

  it.each(['', 'hello', '帮助 /whoami', '/'])('is not a command: %j', (text) => {
    expect(splitCommand(text)).toBeUndefined();
  });
});
