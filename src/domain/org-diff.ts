import { OPEN_STATES, type Issue } from './issue';
import type { Org, Team, Unit } from './org';

/**
 * What changed between the organisation in force and a reloaded one (/reload, SIGHUP): what the
 * admin who reloaded is told, and what the issues needing a new assignee are looked up from.
 * Entities are matched by id; the same id with a new name is a rename, not a removal.
 */
export interface Named {
  id: string;
  name: string;
}

export interface Renamed {
  id: string;
  from: string;
  to: string;
}

export interface EntityChanges {
  added: Named[];
  removed: Named[];
  renamed: Renamed[];
}

export type UnitField = 'secretary' | 'contacts' | 'town' | 'kind';
export type TeamField = 'leader' | 'members' | 'area';

export interface OrgDiff {
  people: EntityChanges;
  units: EntityChanges;
  teams: EntityChanges;
  /** Chats by chatid: added, removed, and kept with another scope (team, town, unit, admin). */
  chats: { added: string[]; removed: string[]; rescoped: string[] };
  /** Units kept (same id) whose secretary, contacts, town or kind changed. */
  unitsChanged: (Named & { fields: UnitField[] })[];
  /** Teams kept whose leader, members or area (towns, units, kinds) changed. */
  teamsChanged: (Named & { fields: TeamField[] })[];
  admins: { added: string[]; removed: string[] };
  policyChanged: boolean;
  /** The ticks' cron times: the workers schedule them at start, so these wait for a restart. */
  cronChanged: boolean;
  checklistChanged: boolean;
  districtRenamed?: Renamed;
}

function entities<T>(before: readonly T[], after: readonly T[], id: (t: T) => string, name: (t: T) => string): EntityChanges {
  const old = new Map(before.map((t) => [id(t), t]));
  const next = new Map(after.map((t) => [id(t), t]));
  const out: EntityChanges = { added: [], removed: [], renamed: [] };
  for (const [k, t] of next) {
    const was = old.get(k);
    if (!was) out.added.push({ id: k, name: name(t) });
    else if (name(was) !== name(t)) out.renamed.push({ id: k, from: name(was), to: name(t) });
  }
  for (const [k, t] of old) if (!next.has(k)) out.removed.push({ id: k, name: name(t) });
  return out;
}

const sameSet = (a: readonly string[], b: readonly string[]) => a.length === b.length && [...a].sort().join('\u0000') === [...b].sort().join('\u0000');
const json = (v: unknown) => JSON.stringify(v);

function unitFields(a: Unit, b: Unit): UnitField[] {
  const f: UnitField[] = [];
  if ((a.secretary ?? '') !== (b.secretary ?? '')) f.push('secretary');
  if (json(a.contacts) !== json(b.contacts)) f.push('contacts');
  if (a.town !== b.town) f.push('town');
  if (a.kind !== b.kind) f.push('kind');
  return f;
}

function teamFields(a: Team, b: Team): TeamField[] {
  const f: TeamField[] = [];
  if (a.leader !== b.leader) f.push('leader');
  if (!sameSet(a.members, b.members)) f.push('members');
  // The area as written and as it resolves: a unit added to a covered town widens the area too.
  if (!sameSet(a.towns, b.towns) || !sameSet(a.units, b.units) || !sameSet(a.kinds, b.kinds) || !sameSet(a.coveredUnitIds, b.coveredUnitIds)) f.push('area');
  return f;
}

const CRON_FIELDS = ['digestCron', 'bulletinCron', 'quarterlyCron', 'annualCron'] as const;

export function diffOrg(before: Org, after: Org): OrgDiff {
  const unitsChanged: OrgDiff['unitsChanged'] = [];
  for (const u of after.units) {
    const was = before.unit(u.id);
    const fields = was ? unitFields(was, u) : [];
    if (fields.length) unitsChanged.push({ id: u.id, name: u.name, fields });
  }
  const teamsChanged: OrgDiff['teamsChanged'] = [];
  for (const t of after.teams) {
    const was = before.team(t.id);
    const fields = was ? teamFields(was, t) : [];
    if (fields.length) teamsChanged.push({ id: t.id, name: t.name, fields });
  }
  const oldChats = new Map(before.chats.map((c) => [c.chatid, c]));
  const newChats = new Map(after.chats.map((c) => [c.chatid, c]));
  const oldAdmins = new Set(before.adminIds());
  const newAdmins = new Set(after.adminIds());
  return {
    people: entities(before.people, after.people, (p) => p.userid, (p) => p.name),
    units: entities(before.units, after.units, (u) => u.id, (u) => u.name),
    teams: entities(before.teams, after.teams, (t) => t.id, (t) => t.name),
    chats: {
      added: [...newChats.keys()].filter((c) => !oldChats.has(c)),
      removed: [...oldChats.keys()].filter((c) => !newChats.has(c)),
      rescoped: [...newChats].filter(([k, c]) => oldChats.has(k) && json(oldChats.get(k)!.scope) !== json(c.scope)).map(([k]) => k),
    },
    unitsChanged,
    teamsChanged,
    admins: { added: [...newAdmins].filter((a) => !oldAdmins.has(a)), removed: [...oldAdmins].filter((a) => !newAdmins.has(a)) },
    policyChanged: json(before.policy) !== json(after.policy),
    cronChanged: CRON_FIELDS.some((f) => before.policy[f] !== after.policy[f]),
    checklistChanged: json(before.checklist) !== json(after.checklist),
    ...(before.district !== after.district ? { districtRenamed: { id: 'district', from: before.district, to: after.district } } : {}),
  };
}

export function isEmptyDiff(d: OrgDiff): boolean {
  const none = (e: EntityChanges) => !e.added.length && !e.removed.length && !e.renamed.length;
  return (
    none(d.people) &&
    none(d.units) &&
    none(d.teams) &&
    !d.chats.added.length &&
    !d.chats.removed.length &&
    !d.chats.rescoped.length &&
    !d.unitsChanged.length &&
    !d.teamsChanged.length &&
    !d.admins.added.length &&
    !d.admins.removed.length &&
    !d.policyChanged &&
    !d.checklistChanged &&
    !d.districtRenamed
  );
}

/**
 * An open issue the reload left without someone to act on it: its unit is gone, or its assignee
 * is no longer a person in the organisation. (Someone who stays in the org but is no longer the
 * unit's secretary or contact is not flagged: they may still be the right one, and the admin
 * knows; keeping the rule to "gone from the org" keeps the list short and certain.)
 */
export interface OrphanedIssue {
  id: number;
  unitId: string;
  /** The unit's name, from the new org, else the old one, else its id. */
  unitName: string;
  unitGone: boolean;
  assignee?: string;
  assigneeName?: string;
  assigneeGone: boolean;
}

/** The ledger reads this needs: its per-unit-and-state and per-assignee indexes, never a scan. */
export interface OrphanReader {
  list(unitIds: readonly string[], states: readonly Issue['state'][], offset: number, limit: number): Promise<{ total: number; issues: Issue[] }>;
  assignedTo(userid: string, offset: number, limit: number): Promise<{ total: number; issues: Issue[] }>;
}

export interface OrphanList {
  total: number;
  /** False when more were found than read: `total` is then an upper bound. */
  complete: boolean;
  issues: OrphanedIssue[];
}

/** How many are read and listed at most; the total is still counted. */
export const ORPHANS_LISTED = 50;

export async function findOrphanedIssues(ledger: OrphanReader, before: Org, after: Org, diff: OrgDiff): Promise<OrphanList> {
  const goneUnits = diff.units.removed.map((u) => u.id);
  const gonePeople = diff.people.removed.map((p) => p.id);
  const [byUnit, ...byPerson] = await Promise.all([
    goneUnits.length ? ledger.list(goneUnits, OPEN_STATES, 0, ORPHANS_LISTED) : Promise.resolve({ total: 0, issues: [] }),
    ...gonePeople.map((p) => ledger.assignedTo(p, 0, ORPHANS_LISTED)),
  ]);
  const found = new Map<number, Issue>();
  for (const i of [...byUnit!.issues, ...byPerson.flatMap((r) => r.issues)]) {
    if (OPEN_STATES.includes(i.state)) found.set(i.id, i);
  }
  // Every index read whole: the list is complete. Else the indexes' sum (an issue whose unit and
  // assignee are both gone counts twice there): an upper bound, shown as such.
  const complete = byUnit!.total <= ORPHANS_LISTED && byPerson.every((r) => r.total <= ORPHANS_LISTED);
  const counted = byUnit!.total + byPerson.reduce((n, r) => n + r.total, 0);
  const issues = [...found.values()]
    .filter((i) => !after.unit(i.unitId) || (i.assignee !== undefined && !after.person(i.assignee)))
    .sort((a, b) => a.id - b.id)
    .slice(0, ORPHANS_LISTED)
    .map((i): OrphanedIssue => {
      const unit = after.unit(i.unitId) ?? before.unit(i.unitId);
      const who = i.assignee !== undefined ? (after.person(i.assignee) ?? before.person(i.assignee)) : undefined;
      return {
        id: i.id,
        unitId: i.unitId,
        unitName: unit?.name ?? i.unitId,
        unitGone: !after.unit(i.unitId),
        ...(i.assignee !== undefined ? { assignee: i.assignee, assigneeName: who?.name ?? i.assignee } : {}),
        assigneeGone: i.assignee !== undefined && !after.person(i.assignee),
      };
    });
  return { total: complete ? issues.length : Math.max(issues.length, counted), complete, issues };
}
