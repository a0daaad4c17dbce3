import type { Org, Team, Unit } from '../domain/org';
import { normalizeText } from '../parsing/normalize';
import { unitIndex } from '../parsing/units';
import type { CommandContext } from './command';
import { outsideScopeReason } from './area';
import { PermissionError, UsageError } from './errors';
import { visibleUnits } from './issue-actions';

/**
 * Which units a list or a status covers: what the person may see, narrowed by the chat's own
 * scope, or by a town, unit, team or 全区 named in the command.
 */
export interface Scope {
  label: string;
  units: Unit[];
}

/** The default: the chat's scope if it has one, else everything the person may see. */
export function defaultScope(ctx: CommandContext): Scope {
  const visible = visibleUnits(ctx.org, ctx.sender.userid);
  const isAdmin = ctx.sender.roles.includes('admin');
  if (ctx.chat && ctx.chat.scope.kind !== 'admin') {
    const units = ctx.org.unitsInScope(ctx.chat.scope).filter((u) => visible.has(u.id));
    return { label: chatLabel(ctx.org, ctx), units };
  }
  if (isAdmin) return { label: `全区（${ctx.org.district}）`, units: [...ctx.org.units] };
  const teams = ctx.sender.memberOf;
  const label = teams.length ? teams.map((t) => t.name).join('、') : '我负责的单位';
  return { label, units: ctx.org.units.filter((u) => visible.has(u.id)) };
}

function chatLabel(org: Org, ctx: CommandContext): string {
  const s = ctx.chat!.scope;
  if (s.kind === 'team') return org.team(s.teamId)?.name ?? s.teamId;
  if (s.kind === 'town') return s.town;
  if (s.kind === 'unit') return org.unit(s.unitId)?.name ?? s.unitId;
  return `全区（${org.district}）`;
}

/** A scope word: 全区, a team (第一工作队 / t1), a town (福禄镇) or a unit (斑竹村). Undefined when it is none. */
export function namedScope(ctx: CommandContext, word: string): Scope | undefined {
  const org = ctx.org;
  const norm = normalizeText(word);
  const visible = visibleUnits(org, ctx.sender.userid);
  const allowed = (units: Unit[], label: string): Scope => {
    if (!units.every((u) => visible.has(u.id))) throw new PermissionError('组织部（或该片区的工作队）', outsideScopeReason(org, ctx.sender, label));
    return { label, units };
  };
  if (norm === '全区' || norm === '全部' || norm === org.district || /^(?:all|district)$/iu.test(norm)) return allowed([...org.units], `全区（${org.district}）`);
  const team = org.teams.find((t: Team) => t.id === word || normalizeText(t.name) === norm);
  if (team) return allowed(team.coveredUnitIds.map((id) => org.unit(id)!), team.name);
  const townUnits = org.units.filter((u) => normalizeText(u.town) === norm);
  if (townUnits.length) return allowed(townUnits, townUnits[0]!.town);
  const m = unitIndex(org).match(word, visible);
  if (m.kind === 'one') return allowed([m.unit], `${m.unit.town}${m.unit.name}`);
  if (m.kind === 'many') throw new UsageError(`“${word}”对应多个单位：${m.units.map((u) => u.town + u.name).join('、')}`, `/清单 ${m.units[0]!.town}${m.units[0]!.name}`);
  return undefined;
}
