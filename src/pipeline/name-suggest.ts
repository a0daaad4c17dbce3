import type { Org } from '../domain/org';
import { normalizeText } from '../parsing/normalize';
import { createWordMatcher, type WordMatcher } from './command-words';

/**
 * The people and units a mistyped name may mean (`陈小燕` for 陈晓燕, `斑竹材` for 斑竹村): the
 * command words' matcher (same sound, one sound or character off) over the org's names. Only
 * ever offered ("是不是：陈晓燕"), never acted on: a wrong person on a record is worse than a
 * second message (docs/design.md §4.11).
 */
const cache = new WeakMap<Org, WordMatcher<string>>();

function matcher(org: Org): WordMatcher<string> {
  let m = cache.get(org);
  if (!m) {
    const keys = new Map<string, string>();
    for (const p of org.people) for (const n of [p.name, ...p.aliases]) keys.set(normalizeText(n), p.name);
    for (const u of org.units) {
      if (!keys.has(normalizeText(u.name))) keys.set(normalizeText(u.name), u.name);
      keys.set(normalizeText(`${u.town}${u.name}`), `${u.town}${u.name}`);
    }
    m = createWordMatcher(keys);
    cache.set(org, m);
  }
  return m;
}

/** At most `max` names close to `word`, those of the same sound first. */
export function nearNames(org: Org, word: string, max = 3): string[] {
  const { all, sameSound } = matcher(org).near(normalizeText(word.trim()));
  return [...new Set([...sameSound, ...all])].slice(0, max);
}
