import type { Membership } from '../domain/org';
import type { Command } from '../pipeline/command';
import { displayName } from '../pipeline/registry';
import { describeAllowed } from './roles';

function mayRun(c: Command, who: Membership): boolean {
  return c.roles === 'anyone' || c.roles.some((r) => who.roles.includes(r));
}

/** The /帮助 index: the commands this person may use first, one line each with an example. */
export function renderHelpIndex(commands: readonly Command[], who: Membership): string {
  const usable = commands.filter((c) => mayRun(c, who));
  const lines = ['**督办助手 · 可用命令**', ...usable.map((c) => `- \`${c.usage}\` ${c.summary}`)];
  const others = commands.filter((c) => !mayRun(c, who));
  if (others.length) lines.push('', `其他命令（需相应身份）：${others.map(displayName).join(' ')}`);
  lines.push('', '在群里 @督办助手 后输入命令；发送 `/帮助 命令名` 查看详细用法，例如 `/帮助 我是谁`。');
  return lines.join('\n');
}

/** Usage of one command: what it does, who may, the grammar and one example. */
export function renderCommandHelp(c: Command): string {
  const names = [c.name, ...c.aliases].map((n) => `/${n}`).join(' ');
  return [
    `**${displayName(c)}** ${c.summary}`,
    `用法：\`${c.usage}\``,
    `例如：\`${c.example}\``,
    `谁可以用：${c.roles === 'anyone' ? '所有人' : describeAllowed(c.roles)}`,
    `别名：${names}`,
  ].join('\n');
}
