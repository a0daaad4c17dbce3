import { ledScope as ledScopeOf } from '../domain/visibility';
import { areaWords } from './area';
import type { CommandContext } from './command';
import { PermissionError } from './errors';
import type { Scope } from './scope';

/**
 * What a 队长 may take out of duban (the 台账 workbook): the area of the teams they lead
 * (domain/visibility ledScope, the dashboard's rule too). 组织部 may take any scope. A scope the
 * leader named must lie inside; the default is narrowed to it.
 */
export function ledScope(ctx: CommandContext, scope: Scope, named: boolean): Scope {
  const led = ctx.sender.leaderOf;
  const area = ledScopeOf(ctx.sender, scope, named);
  if (!area) {
    const teams = led.map((t) => `${t.name}（${areaWords(ctx.org, t)}）`).join('、');
    throw new PermissionError('组织部', `${scope.label}不在你带领的工作队的片区；你带领的是${teams}，其他片区的台账请组织部导出`);
  }
  if (named || ctx.sender.roles.includes('admin')) return area;
  // In the team's own group the chat names the scope; elsewhere the teams they lead do.
  const keep = ctx.chat && ctx.chat.scope.kind !== 'admin' && area.units.length === scope.units.length;
  return keep ? { label: scope.label, units: area.units } : area;
}
