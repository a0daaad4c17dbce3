import type { Actor } from './lifecycle';
import type { Org } from './org';

/** The facts the lifecycle needs about a person acting on an issue at a unit. */
export function actorFor(org: Org, userid: string, unitId: string): Actor {
  const m = org.membership(userid);
  const covering = new Set(org.teamsCovering(unitId).map((t) => t.id));
  const unitTitle = org.unitTitle(unitId, userid);
  return { userid, isAdmin: m.roles.includes('admin'), inArea: m.memberOf.some((t) => covering.has(t.id)), ...(unitTitle !== undefined ? { unitTitle } : {}) };
}
