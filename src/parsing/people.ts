import type { Org, Person } from '../domain/org';
import { normalizeText } from './normalize';

/**
 * Names as WeCom writes them after "@" (people[].name and aliases, or a userid), normalised so
 * Traditional or full-width input finds the same person. Built once per org and cached.
 */
export class PeopleIndex {
  private readonly byName = new Map<string, Person>();

  constructor(org: Org) {
    for (const p of org.people) {
      for (const n of [p.name, ...p.aliases]) this.byName.set(normalizeText(n), p);
    }
    for (const p of org.people) if (!this.byName.has(p.userid)) this.byName.set(p.userid, p);
  }

  find(nameOrUserid: string): Person | undefined {
    return this.byName.get(normalizeText(nameOrUserid.trim()));
  }
}

const cache = new WeakMap<Org, PeopleIndex>();

export function peopleIndex(org: Org): PeopleIndex {
  let idx = cache.get(org);
  if (!idx) {
    idx = new PeopleIndex(org);
    cache.set(org, idx);
  }
  return idx;
}
