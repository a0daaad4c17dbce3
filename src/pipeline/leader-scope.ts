import { areaWords } from './area';
import type { CommandContext } from './command';
import { PermissionError } from './errors';
import type { Scope } from './scope';

/**
 * What a 队长 may take out of duban (the 台账 workbook): the area of the teams they lead — not
 * every team they are a member of, nor a unit they are secretary of. 组织部 may take any scope.
 * A scope the leader named must lie inside; the default is narrowed to it.
 */
export function ledScope(ctx: CommandContext, scope: Scope, named: boolean): Scope {
  if (ctx.sender.roles.includes('admin')) return scope;
  const led = ctx.sender.leaderOf;
  const mine = new Set(led.flatMap((t) => t.coveredUnitIds));
  if (named) {
    if (scope.units.every((u) => mine.has(u.id))) return scope;
    const teams = led.map((t) => `${t.name}（${areaWords(ctx.org, t)}）`).join('、');
    throw new PermissionError('组织部', `${scope.label}不在你带领的工作队的片区；你带领的是${teams}，其他片区的台账请组织部导出`);
  }
  const units = scope.units.filter((u) => mine.has(u.id));
  // In the team's own group the chat names the scope; elsewhere the teams they lead do.
  const label = ctx.chat && ctx.chat.scope.kind !== 'admin' && units.length === scope.units.length ? scope.label : led.map((t) => t.name).join('、');
  return { label, units };
}
