import type { Org, Unit } from '../domain/org';
import { normalizeText } from './normalize';

/**
 * Units by name (斑竹村), town+name (福禄镇斑竹村) or a unique prefix (斑竹). Built once per org.
 */
export type UnitMatch = { kind: 'one'; unit: Unit } | { kind: 'many'; units: Unit[] } | { kind: 'none' };

export class UnitIndex {
  private readonly entries: { key: string; unit: Unit }[] = [];

  constructor(org: Org) {
    for (const u of org.units) {
      this.entries.push({ key: normalizeText(u.name), unit: u });
      this.entries.push({ key: normalizeText(`${u.town}${u.name}`), unit: u });
    }
  }

  /** Exact name or town+name first; else every unit whose name starts with the text. */
  match(text: string, preferred?: ReadonlySet<string>): UnitMatch {
    const key = normalizeText(text.trim());
    if (!key) return { kind: 'none' };
    const exact = unique(this.entries.filter((e) => e.key === key).map((e) => e.unit));
    const found = exact.length ? exact : unique(this.entries.filter((e) => e.key.startsWith(key)).map((e) => e.unit));
    return decide(found, preferred);
  }

  /**
   * A unit name at the start of text without a space after it ("斑竹村闸阀损坏"): the longest
   * exact name that prefixes the text, and what follows it.
   */
  matchAtStart(text: string, preferred?: ReadonlySet<string>): { match: UnitMatch; rest: string } | undefined {
    const norm = normalizeText(text);
    let best: { len: number; units: Unit[] } | undefined;
    for (const e of this.entries) {
      if (e.key.length < norm.length && norm.startsWith(e.key) && (!best || e.key.length >= best.len)) {
        best = best && best.len === e.key.length ? { len: e.key.length, units: unique([...best.units, e.unit]) } : { len: e.key.length, units: [e.unit] };
      }
    }
    // Normalisation keeps length for CJK, so the offset maps back onto the text as typed.
    return best ? { match: decide(best.units, preferred), rest: text.slice(best.len).trim() } : undefined;
  }
}

function unique(units: Unit[]): Unit[] {
  return [...new Set(units)];
}

/** Several candidates but exactly one in the chat's own area: take that one. */
function decide(found: Unit[], preferred?: ReadonlySet<string>): UnitMatch {
  if (found.length === 1) return { kind: 'one', unit: found[0]! };
  if (found.length === 0) return { kind: 'none' };
  const local = preferred ? found.filter((u) => preferred.has(u.id)) : [];
  if (local.length === 1) return { kind: 'one', unit: local[0]! };
  return { kind: 'many', units: found };
}

const cache = new WeakMap<Org, UnitIndex>();
export function unitIndex(org: Org): UnitIndex {
  let idx = cache.get(org);
  if (!idx) {
    idx = new UnitIndex(org);
    cache.set(org, idx);
  }
  return idx;
}
