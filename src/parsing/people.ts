import type { Org, Person } from '../domain/org';
import { normalizeText } from './normalize';

/**
 * Names as WeCom writes them after "@" (people[].name and aliases, or a userid), normalised so
 * Traditional or full-width input finds the same person. Built once per org and cached.
 */
export class PeopleIndex {
  private readonly byName = new Map<string, Person>();
  /** Names two or more people share (a roster may have two 张伟): never guessed, asked. */
  private readonly sharedNames = new Map<string, Person[]>();

  constructor(org: Org) {
    for (const p of org.people) {
      for (const n of new Set([p.name, ...p.aliases].map(normalizeText))) {
        const shared = this.sharedNames.get(n);
        const owner = this.byName.get(n);
        if (shared) shared.push(p);
        else if (owner && owner.userid !== p.userid) {
          this.sharedNames.set(n, [owner, p]);
          this.byName.delete(n);
        } else this.byName.set(n, p);
      }
    }
    // A userid always names its person, even when it also reads as someone's name.
    for (const p of org.people) {
      this.byName.set(p.userid, p);
      this.sharedNames.delete(p.userid);
    }
  }

  /** The one person this name or userid names; undefined when none does, or several (see shared). */
  find(nameOrUserid: string): Person | undefined {
    return this.byName.get(normalizeText(nameOrUserid.trim()));
  }

  /** The people sharing this name, when two or more do; empty otherwise. */
  shared(nameOrUserid: string): readonly Person[] {
    return this.sharedNames.get(normalizeText(nameOrUserid.trim())) ?? [];
  }
}

/** The question for a name several people share: which one, by alias or userid. */
export function sharedNameQuestion(name: string, people: readonly Person[]): string {
  return `“${name}”是 ${people.length} 个人的名字（${people.map((p) => p.userid).join('、')}），请写别名或企业微信账号，例如 @${people[0]!.userid}`;
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
