import { normalizeText } from '../parsing/normalize';
import { unitIndex } from '../parsing/units';
import type { Chat, Membership, Org, Role, Team, Unit } from './org';

/**
 * What a person may see and act on, from the organisation, the person and the chat alone (no
 * command context): the chat commands, the exports, the scores and the dashboard all ask here.
 */

/** Units a person may see: admins everything; team members their areas; secretaries and contacts their units. */
export function visibleUnits(org: Org, userid: string): Set<string> {
  const m = org.membership(userid);
  if (m.roles.includes('admin')) return new Set(org.units.map((u) => u.id));
  return new Set([...m.memberOf.flatMap((t) => t.coveredUnitIds), ...m.secretaryOf.map((u) => u.id), ...m.contactOf.map((u) => u.id)]);
}

/** Whether a command's roles (handlers/) include one of the person's: the dashboard offers what the chat allows. */
export function mayUse(roles: readonly Role[] | 'anyone', m: Pick<Membership, 'roles'>): boolean {
  return roles === 'anyone' || roles.some((r) => m.roles.includes(r));
}

/**
 * What a person may take out of duban or rank (/导出, /考核, the dashboard's export and scores):
 * 组织部 anything; a 队长 the area of the teams they lead — not every team they are a member
 * of, nor a unit they are secretary of.
 */
export function ledUnits(m: Membership): ReadonlySet<string> | 'any' {
  if (m.roles.includes('admin')) return 'any';
  return new Set(m.leaderOf.flatMap((t) => t.coveredUnitIds));
}

/**
 * A scope within what the person leads: a scope they named must lie inside (undefined when it
 * does not); the default is narrowed to it, named by the teams they lead.
 */
export function ledScope(m: Membership, scope: Scope, named: boolean): Scope | undefined {
  const led = ledUnits(m);
  if (led === 'any') return scope;
  if (named) return scope.units.every((u) => led.has(u.id)) ? scope : undefined;
  return { label: m.leaderOf.map((t) => t.name).join('、'), units: scope.units.filter((u) => led.has(u.id)) };
}

/** An issue is visible in its unit's area, and always to the person it is assigned to. */
export function maySeeIssue(org: Org, userid: string, issue: { unitId: string; assignee?: string | undefined }): boolean {
  // 组织部 sees every issue, also one of a unit the org file no longer names (after /重新加载).
  return org.isAdmin(userid) || issue.assignee === userid || visibleUnits(org, userid).has(issue.unitId);
}

/**
 * What a chat may be shown. Replies to a group are read by everyone in it, so the ledger is
 * shown only where it belongs: a single chat shows what the person may see; a registered group
 * its own scope (the admin group everything); a group not in the organisation file nothing.
 */
export function unitsChatShows(org: Org, chat: Chat | undefined, single: boolean): ReadonlySet<string> | 'any' {
  if (single) return 'any';
  if (!chat) return new Set();
  if (chat.scope.kind === 'admin') return 'any';
  return new Set(org.unitsInScope(chat.scope).map((u) => u.id));
}

/** Which units a list, a status, an export or a score covers, and what people call them. */
export interface Scope {
  label: string;
  units: Unit[];
}

/** The default: the chat's scope if it has one, else everything the person may see. */
export function defaultScope(org: Org, sender: Membership, chat: Chat | undefined): Scope {
  const visible = visibleUnits(org, sender.userid);
  if (chat && chat.scope.kind !== 'admin') {
    const units = org.unitsInScope(chat.scope).filter((u) => visible.has(u.id));
    return { label: scopeLabel(org, chat), units };
  }
  if (sender.roles.includes('admin')) return districtScope(org);
  const teams = sender.memberOf;
  const label = teams.length ? teams.map((t) => t.name).join('、') : '我负责的单位';
  return { label, units: org.units.filter((u) => visible.has(u.id)) };
}

export function districtScope(org: Org): Scope {
  return { label: `全区（${org.district}）`, units: [...org.units] };
}

function scopeLabel(org: Org, chat: Chat): string {
  const s = chat.scope;
  if (s.kind === 'team') return org.team(s.teamId)?.name ?? s.teamId;
  if (s.kind === 'town') return s.town;
  if (s.kind === 'unit') return org.unit(s.unitId)?.name ?? s.unitId;
  return `全区（${org.district}）`;
}

/** What people call a team: 第一工作队, 第一队, 一队. */
function teamNames(name: string): string[] {
  const n = normalizeText(name);
  const short = n.replace(/工作队$/u, '队');
  return [...new Set([n, short, short.replace(/^第/u, '')])];
}

/** A scope word read: the scope, one the person may not see, or a name several units share. */
export type NamedScope = { kind: 'scope'; scope: Scope } | { kind: 'outside'; label: string } | { kind: 'ambiguous'; word: string; units: Unit[] };

/** A scope word: 全区, a team (第一工作队 / t1), a town (福禄镇) or a unit (斑竹村). Undefined when it is none. */
export function readScopeWord(org: Org, sender: Membership, word: string): NamedScope | undefined {
  const norm = normalizeText(word);
  const visible = visibleUnits(org, sender.userid);
  const allowed = (units: Unit[], label: string): NamedScope =>
    units.every((u) => visible.has(u.id)) ? { kind: 'scope', scope: { label, units } } : { kind: 'outside', label };
  if (norm === '全区' || norm === '全部' || norm === org.district || /^(?:all|district)$/iu.test(norm)) return allowed([...org.units], `全区（${org.district}）`);
  const team = org.teams.find((t: Team) => t.id === word || teamNames(t.name).includes(norm));
  if (team) return allowed(team.coveredUnitIds.map((id) => org.unit(id)!), team.name);
  const town = readTownWord(org, word);
  if (town) return allowed(town.units, town.town);
  const m = unitIndex(org).match(word, visible);
  if (m.kind === 'one') return allowed([m.unit], `${m.unit.town}${m.unit.name}`);
  if (m.kind === 'many') return { kind: 'ambiguous', word, units: m.units };
  return undefined;
}

/**
 * A town word: the town's full name, or written short (福禄 for 福禄镇) when it is the only town
 * so named — people shorten towns more than units, and 福禄 would otherwise ask which of
 * 福禄社区, 福禄镇中心小学 …. Every unit of the town, visible or not.
 */
export function readTownWord(org: Org, word: string): { town: string; units: Unit[] } | undefined {
  const norm = normalizeText(word);
  const exact = org.units.filter((u) => normalizeText(u.town) === norm);
  if (exact.length) return { town: exact[0]!.town, units: exact };
  const towns = [...new Set(org.units.map((u) => u.town))].filter((t) => [...norm].length >= 2 && normalizeText(t).startsWith(norm));
  return towns.length === 1 ? { town: towns[0]!, units: org.units.filter((u) => u.town === towns[0]) } : undefined;
}

/**
 * The towns a person may name as a scope (the chat's rule: every unit of the town visible),
 * and the towns that hold a unit they may see (what a row filter by 镇街 may offer). A team
 * defined by unit kind (the schools, the enterprises) sees units in several towns, no town whole.
 */
export function townChoices(org: Org, m: Membership): { scope: string[]; filter: string[] } {
  const visible = visibleUnits(org, m.userid);
  const filter = [...new Set(org.units.filter((u) => visible.has(u.id)).map((u) => u.town))];
  return { scope: filter.filter((t) => readScopeWord(org, m, t)?.kind === 'scope'), filter };
}
