import type { ChatRecord, OrgFile, Policy, PersonRecord, TeamRecord, UnitRecord } from '../config/org-schema';

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
}

export class Org {
  readonly district: string;
  readonly policy: Policy;
  readonly people: readonly Person[];
  readonly units: readonly Unit[];
  readonly teams: readonly Team[];
  readonly chats: readonly Chat[];
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
    const roles: Role[] = [];
    if (this.isAdmin(userid)) roles.push('admin');
    if (leaderOf.length) roles.push('leader');
    if (memberOf.length) roles.push('member');
    if (secretaryOf.length) roles.push('secretary');
    return { userid, person: this.person(userid), roles, leaderOf, memberOf, secretaryOf };
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
