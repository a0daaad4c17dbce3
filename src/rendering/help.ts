import type { Membership, Role } from '../domain/org';
import type { Command } from '../pipeline/command';
import { displayName } from '../pipeline/registry';
import { describeAllowed } from './roles';

function mayRun(c: Command, who: Membership): boolean {
  return c.roles === 'anyone' || c.roles.some((r) => who.roles.includes(r));
}

/** One line of the short /帮助: what it is for, in a few words, and one message to send. */
interface Favourite {
  command: string;
  caption: string;
  /** The command's own example when unset. */
  example?: string;
}

/**
 * The five commands each role uses most, in the order of its day: a secretary rectifies, a
 * member reports and verifies, a leader follows progress and chases, 组织部 looks at the whole
 * district. Someone in several roles gets the list of the widest one.
 */
const FAVOURITES: Record<Role | 'none', readonly Favourite[]> = {
  secretary: [
    { command: 'fix', caption: '反馈整改（可附照片）', example: '/整改 #12 闸阀已更换' },
    { command: 'mine', caption: '等我办理的' },
    { command: 'extend', caption: '申请延期', example: '/延期 #12 5月20日 配件需订购' },
    { command: 'show', caption: '查看问题', example: '/查看 #12' },
    { command: 'help', caption: '命令用法', example: '/帮助 整改' },
  ],
  member: [
    { command: 'report', caption: '上报问题', example: '/上报 斑竹村 闸阀老化漏水' },
    { command: 'verify', caption: '核验销号', example: '/销号 #12 现场核验无误' },
    { command: 'reject', caption: '驳回整改', example: '/驳回 #12 照片看不清，请补拍' },
    { command: 'list', caption: '问题清单', example: '/清单 待核验' },
    { command: 'mine', caption: '等我办理的' },
  ],
  leader: [
    { command: 'status', caption: '片区进度', example: '/status 本月' },
    { command: 'list', caption: '逾期清单', example: '/清单 逾期' },
    { command: 'remind', caption: '催办', example: '/催办 #12' },
    { command: 'verify', caption: '核验销号', example: '/销号 #12 现场核验无误' },
    { command: 'mine', caption: '等我办理的' },
  ],
  admin: [
    { command: 'status', caption: '全区进度', example: '/status 全区' },
    { command: 'list', caption: '逾期清单', example: '/清单 逾期 全区' },
    { command: 'remind', caption: '催办', example: '/催办 #12' },
    { command: 'report', caption: '上报问题', example: '/上报 斑竹村 闸阀老化漏水' },
    { command: 'mine', caption: '等我办理的' },
  ],
  none: [
    { command: 'whoami', caption: '我的身份', example: '/我是谁' },
    { command: 'help', caption: '命令用法', example: '/帮助 我是谁' },
  ],
};

/** The widest role first: what someone with several roles mostly does. */
const ROLE_ORDER: readonly Role[] = ['admin', 'leader', 'member', 'secretary'];

/** Topics of /帮助 that ask for every command rather than one. */
export const ALL_TOPICS: readonly string[] = ['全部', '所有', '全部命令', 'all'];

export function primaryRole(who: Membership): Role | 'none' {
  return ROLE_ORDER.find((r) => who.roles.includes(r)) ?? 'none';
}

/** The short /帮助: the five commands of this person's role, one example each, and where the rest is. */
export function renderHelpIndex(commands: readonly Command[], who: Membership): string {
  const byName = new Map(commands.map((c) => [c.name, c]));
  const lines = ['**督办助手 · 可用命令**'];
  for (const f of FAVOURITES[primaryRole(who)]) {
    const c = byName.get(f.command);
    if (c && mayRun(c, who)) lines.push(`${f.caption}：${f.example ?? c.example}`);
  }
  if (!who.person) lines.push('你还不在组织名册中，请联系组织部。');
  // The secretary's words work without the slash too (the route stage reads them).
  if (primaryRole(who) === 'secretary') lines.push('不带 / 也可以，例如：12号已整改，闸阀已更换');
  lines.push('在群里先 @督办助手 再发命令。', '全部命令：/帮助 全部　某个命令：/帮助 命令名');
  return lines.join('\n');
}

/** /帮助 全部: every command this person may use with what it does, then the others by name. */
export function renderHelpAll(commands: readonly Command[], who: Membership): string {
  const usable = commands.filter((c) => mayRun(c, who));
  const lines = ['**督办助手 · 全部命令**', ...usable.map((c) => `${displayName(c)}（/${c.name}）${c.summary}`)];
  const others = commands.filter((c) => !mayRun(c, who));
  if (others.length) lines.push(`需相应身份：${others.map(displayName).join(' ')}`);
  lines.push('用法和例子：/帮助 命令名，例如 /帮助 上报');
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
