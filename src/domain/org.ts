import type { ChatRecord, ChecklistItem, OrgFile, Policy, PersonRecord, TeamRecord, UnitRecord } from '../config/org-schema';

/**
 * The organisation as duban sees it: people, units, teams and chats with the lookups the
 * pipeline and handlers need. Pure data; built once per (re)load of the org file.
 */
export type Role = 'admin' | 'leader' | 'member' | 'secretary';

export type Person = PersonRecord;
export type Unit = UnitRecord;
export interface Team extends TeamRecord {
  /** Every unit the team covers: its towns, its explicit units and its kinds. */
  coveredUnitIds: string[];
}
export type ChatScope =
  | { kind: 'team'; teamId: string }
  | { kind: 'town'; town: string }
  | { kind: 'unit'; unitId: string }
  | { kind: 'admin' };
export interface Chat {
  chatid: string;
  scope: ChatScope;
  /** The group-robot key, already resolved from `env:` references. Never logged. */
  webhookKey?: string;
}

export interface Membership {
  userid: string;
  person?: Person;
  roles: Role[];
  leaderOf: Team[];
  memberOf: Team[];
  secretaryOf: Unit[];
  /**
   * Units where the person is one of the other contacts (驻村第一书记, 联络员 …): like a
   * secretary there — sees its issues, is @-ed on them and may report their fixes.
   */
  contactOf: Unit[];
}

export class Org {
  readonly district: string;
  readonly policy: Policy;
  readonly people: readonly Person[];
  readonly units: readonly Unit[];
  readonly teams: readonly Team[];
  readonly chats: readonly Chat[];
  /** The 巡查 checklist (may be empty). */
  readonly checklist: readonly ChecklistItem[];
  private readonly admins: ReadonlySet<string>;
  private readonly personById = new Map<string, Person>();
  private readonly unitById = new Map<string, Unit>();
  private readonly teamById = new Map<string, Team>();
  private readonly chatById = new Map<string, Chat>();

  constructor(file: OrgFile, resolvedWebhookKeys: ReadonlyMap<string, string>) {
    this.district = file.district;
    this.policy = file.policy;
    this.people = file.people;
    this.units = file.units;
    this.checklist = file.checklist;
    this.admins = new Set(file.admins);
    for (const p of file.people) this.personById.set(p.userid, p);
    for (const u of file.units) this.unitById.set(u.id, u);
    this.teams = file.teams.map((t) => ({ ...t, members: unique([t.leader, ...t.members]), coveredUnitIds: coveredUnits(t, file.units) }));
    for (const t of this.teams) this.teamById.set(t.id, t);
    this.chats = file.chats.map((c) => toChat(c, resolvedWebhookKeys.get(c.chatid)));
    for (const c of this.chats) this.chatById.set(c.chatid, c);
  }

  person(userid: string): Person | undefined {
    return this.personById.get(userid);
  }
  unit(id: string): Unit | undefined {
    return this.unitById.get(id);
  }
  team(id: string): Team | undefined {
    return this.teamById.get(id);
  }
  chat(chatid: string): Chat | undefined {
    return this.chatById.get(chatid);
  }
  isAdmin(userid: string): boolean {
    return this.admins.has(userid);
  }
  adminIds(): string[] {
    return [...this.admins];
  }
  teamsCovering(unitId: string): Team[] {
    return this.teams.filter((t) => t.coveredUnitIds.includes(unitId));
  }

  /** Roles come from the file; a person may hold several. */
  membership(userid: string): Membership {
    const leaderOf = this.teams.filter((t) => t.leader === userid);
    const memberOf = this.teams.filter((t) => t.members.includes(userid));
    const secretaryOf = this.units.filter((u) => u.secretary === userid);
    const contactOf = this.units.filter((u) => u.contacts.some((c) => c.userid === userid));
    const roles: Role[] = [];
    if (this.isAdmin(userid)) roles.push('admin');
    if (leaderOf.length) roles.push('leader');
    if (memberOf.length) roles.push('member');
    // A contact's duties at the unit are the secretary's: the role that opens /整改, /我的, /延期.
    if (secretaryOf.length || contactOf.length) roles.push('secretary');
    return { userid, person: this.person(userid), roles, leaderOf, memberOf, secretaryOf, contactOf };
  }

  /** Who answers for a unit: its secretary first, then its other contacts; each userid once. */
  unitContacts(unitId: string): string[] {
    const u = this.unitById.get(unitId);
    if (!u) return [];
    return unique([...(u.secretary ? [u.secretary] : []), ...u.contacts.map((c) => c.userid)]);
  }

  /** What the person is at the unit: 书记 (its secretary), a contact's title (驻村第一书记), or nothing. */
  unitTitle(unitId: string, userid: string): string | undefined {
    const u = this.unitById.get(unitId);
    if (!u) return undefined;
    if (u.secretary === userid) return '书记';
    return u.contacts.find((c) => c.userid === userid)?.title;
  }

  /**
   * The group an issue of this unit lives in: where its reminders and /催办 go and where it may
   * be shown. The chat it was reported in when that chat covers the unit; else the first group
   * of the unit's area (a report from the admin group or another team's group still reaches
   * the secretary's group); else the chat it came from.
   */
  homeChatFor(unitId: string, fromChatId: string): string {
    const covers = (c: Chat) => c.scope.kind !== 'admin' && this.unitsInScope(c.scope).some((u) => u.id === unitId);
    const from = this.chatById.get(fromChatId);
    if (from && covers(from)) return fromChatId;
    return this.chats.find(covers)?.chatid ?? fromChatId;
  }

  /** What people call a group: its team's name, its town or unit, or 组织部. */
  chatLabel(chatId: string): string {
    const c = this.chatById.get(chatId);
    if (!c) return chatId;
    switch (c.scope.kind) {
      case 'admin':
        return '组织部的群';
      case 'team':
        return `${this.team(c.scope.teamId)?.name ?? c.scope.teamId}的群`;
      case 'town':
        return `${c.scope.town}的群`;
      case 'unit':
        return `${this.unit(c.scope.unitId)?.name ?? c.scope.unitId}的群`;
    }
  }

  /** Units a chat's scope covers (all units for an admin chat). */
  unitsInScope(scope: ChatScope): Unit[] {
    switch (scope.kind) {
      case 'admin':
        return [...this.units];
      case 'team':
        return (this.team(scope.teamId)?.coveredUnitIds ?? []).map((id) => this.unitById.get(id)!);
      case 'town':
        return this.units.filter((u) => u.town === scope.town);
      case 'unit':
        return this.units.filter((u) => u.id === scope.unitId);
    }
  }
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

function coveredUnits(team: TeamRecord, units: readonly UnitRecord[]): string[] {
  return units
    .filter((u) => team.towns.includes(u.town) || team.units.includes(u.id) || team.kinds.includes(u.kind))
    .map((u) => u.id);
}

function toChat(c: ChatRecord, webhookKey: string | undefined): Chat {
  const scope: ChatScope = c.admin
    ? { kind: 'admin' }
    : c.team
      ? { kind: 'team', teamId: c.team }
      : c.town
        ? { kind: 'town', town: c.town }
        : { kind: 'unit', unitId: c.unit! };
  return webhookKey ? { chatid: c.chatid, scope, webhookKey } : { chatid: c.chatid, scope };
}
