import { distance } from 'fastest-levenshtein';
import type { ChecklistItem } from '../config/org-schema';
import { userText } from '../rendering/safe-text';
import { normalizeText } from './normalize';

/**
 * Which 巡查 checklist item a typed 类别 names (docs/design.md §4.19): its code (`A5`, `a5`,
 * `Ａ５`), its name or an alias, or a start of one that no other item's names hold anywhere
 * (`环境` for 环境治理) — Traditional and full-width forms folded, spaces and the punctuation people
 * put inside a name ignored. A start other items also hold is `many` (asked, never guessed); a
 * word only inside names is unknown, with the items it is close to (did you mean). Pure; one
 * matcher per checklist.
 */
export type ChecklistMatch =
  | { kind: 'one'; item: ChecklistItem }
  | { kind: 'many'; items: ChecklistItem[] }
  | { kind: 'unknown'; suggestions: ChecklistItem[] };

export interface ChecklistMatcher {
  match(typed: string): ChecklistMatch;
}

/** How many items a did-you-mean offers. */
const SUGGESTIONS = 3;

/** The form a name or code is compared in: folded, lower-cased, without spaces and joiners. */
export function checklistKey(text: string): string {
  return normalizeText(text)
    .toLowerCase()
    .replace(/[\s·・.\-_、，,/（）()“”"'‘’]/gu, '');
}

export function createChecklistMatcher(items: readonly ChecklistItem[]): ChecklistMatcher {
  const byCode = new Map<string, ChecklistItem>();
  const byName = new Map<string, ChecklistItem>();
  // Words two items share (the org file refuses them; a list built elsewhere may not): never one.
  const shared = new Map<string, Set<ChecklistItem>>();
  const add = (map: Map<string, ChecklistItem>, key: string, item: ChecklistItem) => {
    const was = byCode.get(key) ?? byName.get(key);
    if (was && was !== item) shared.set(key, (shared.get(key) ?? new Set([was])).add(item));
    if (!map.has(key)) map.set(key, item);
  };
  for (const item of items) {
    add(byCode, checklistKey(item.code), item);
    for (const n of [item.name, ...item.aliases]) add(byName, checklistKey(n), item);
  }
  const names = [...byName.entries()];
  const order = new Map(items.map((item, i) => [item, i]));
  const inOrder = (xs: Iterable<ChecklistItem>) => [...new Set(xs)].sort((a, b) => order.get(a)! - order.get(b)!);
  return {
    match(typed) {
      const key = checklistKey(typed);
      if (!key) return { kind: 'unknown', suggestions: [] };
      const clash = shared.get(key);
      if (clash) return { kind: 'many', items: inOrder(clash) };
      const exact = byCode.get(key) ?? byName.get(key);
      if (exact) return { kind: 'one', item: exact };
      // A start of a name: "环境" for 环境治理; one character alone is too little to mean one item.
      // The start picks an item only when no other item holds the word anywhere: "卫生" starts
      // 卫生城市 (A8) but is inside 环境卫生 (A5) too, and a villager's 卫生 is more often A5's.
      if ([...key].length >= 2) {
        if (names.some(([n]) => n.startsWith(key))) {
          const holders = inOrder(names.filter(([n]) => n.includes(key)).map(([, item]) => item));
          if (holders.length === 1) return { kind: 'one', item: holders[0]! };
          return { kind: 'many', items: holders };
        }
      }
      return { kind: 'unknown', suggestions: suggest(key, items, byCode, names) };
    },
  };
}

/**
 * The items a mistyped word is close to, nearest first: a code one edit off (`A55`, `B5` for
 * A5), a name or alias within a third of its length in edits (`环竟治理`), or a name that holds
 * the word or is held by it (`基本制度` in 基本制度落实, `加强意识形态建设`).
 */
function suggest(key: string, items: readonly ChecklistItem[], byCode: ReadonlyMap<string, ChecklistItem>, names: readonly [string, ChecklistItem][]): ChecklistItem[] {
  const scored = new Map<ChecklistItem, number>();
  const offer = (item: ChecklistItem, score: number) => {
    const was = scored.get(item);
    if (was === undefined || score < was) scored.set(item, score);
  };
  if (/^[a-z0-9]{1,8}$/u.test(key)) {
    for (const [code, item] of byCode) if (distance(code, key) <= 1) offer(item, distance(code, key));
  }
  const len = [...key].length;
  for (const [name, item] of names) {
    const d = distance(name, key);
    const max = Math.max(1, Math.floor(Math.max([...name].length, len) / 3));
    if (d <= max) offer(item, d);
    else if (len >= 2 && (name.includes(key) || key.includes(name))) offer(item, max + 1);
  }
  const order = new Map(items.map((item, i) => [item, i]));
  return [...scored.entries()]
    .sort((a, b) => a[1] - b[1] || order.get(a[0])! - order.get(b[0])!)
    .slice(0, SUGGESTIONS)
    .map(([item]) => item);
}

const cache = new WeakMap<readonly ChecklistItem[], ChecklistMatcher>();

/** The matcher of an org's checklist, built once per (re)load. */
export function checklistMatcher(items: readonly ChecklistItem[]): ChecklistMatcher {
  let m = cache.get(items);
  if (!m) {
    m = createChecklistMatcher(items);
    cache.set(items, m);
  }
  return m;
}

/** "A5 环境治理" — how an item is named in replies and sheets. */
export function itemLabel(item: ChecklistItem): string {
  return userText(`${item.code} ${item.name}`);
}
