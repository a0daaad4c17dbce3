import type { Org, Team, Unit } from '../domain/org';
import { normalizeText } from './normalize';
import { unitIndex } from './units';

/**
 * The 范围 of /布置 (docs/design.md §4.15): `全区`, a town (福禄镇, or 福禄 when only one town starts
 * so), a kind (村, 社区, 学校; also 村类, 所有村), a team (第一工作队, 一队), or a unit (斑竹村,
 * 福禄镇斑竹村, a unique prefix) — several joined by `,` `，` `、`. Pure: the org and the words.
 */
export type ScopePart =
  | { kind: 'district'; word: string }
  | { kind: 'town' | 'kind' | 'team' | 'unit'; word: string; label: string; units: Unit[] };

export type TaskScopeRead =
  | { ok: true; parts: ScopePart[]; units: Unit[] }
  | { ok: false; reason: 'empty' }
  | { ok: false; reason: 'unknown'; word: string }
  | { ok: false; reason: 'ambiguous'; word: string; units: Unit[] };

const SEPARATORS = /[,，、;；]+/u;

export function splitScopeWords(text: string): string[] {
  return text
    .split(SEPARATORS)
    .map((w) => w.trim())
    .filter(Boolean);
}

/** What people call a team: 第一工作队, 第一队, 一队 (as /status reads them). */
function teamNames(team: Team): string[] {
  const n = normalizeText(team.name);
  const short = n.replace(/工作队$/u, '队');
  return [...new Set([n, short, short.replace(/^第/u, '')])];
}

/** One scope word, or why it is none. `preferred`: units the sender works with, to settle a shared name. */
export function readScopePart(org: Org, word: string, preferred?: ReadonlySet<string>): ScopePart | { unknown: true } | { ambiguous: Unit[] } {
  const norm = normalizeText(word).replace(/\s+/gu, '');
  if (norm === '全区' || norm === '全部' || norm === '全区所有单位' || norm === normalizeText(org.district) || /^(?:all|district)$/iu.test(norm)) {
    return { kind: 'district', word };
  }
  const towns = [...new Set(org.units.map((u) => u.town))];
  const town = towns.find((t) => normalizeText(t) === norm);
  if (town) return { kind: 'town', word, label: town, units: org.units.filter((u) => u.town === town) };
  const team = org.teams.find((t) => t.id === word || teamNames(t).includes(norm));
  if (team) return { kind: 'team', word, label: team.name, units: team.coveredUnitIds.map((id) => org.unit(id)!).filter(Boolean) };
  const kindWord = norm.replace(/^(?:所有|全部|各)/u, '').replace(/类(?:单位)?$/u, '');
  const kinds = [...new Set(org.units.map((u) => u.kind))];
  const kind = kinds.find((k) => normalizeText(k) === kindWord);
  if (kind) return { kind: 'kind', word, label: `${kind}类单位`, units: org.units.filter((u) => u.kind === kind) };
  // 福禄 for 福禄镇, when it is the only town so named (people shorten towns more than units).
  const short = towns.filter((t) => [...norm].length >= 2 && normalizeText(t).startsWith(norm));
  if (short.length === 1) return { kind: 'town', word, label: short[0]!, units: org.units.filter((u) => u.town === short[0]) };
  const m = unitIndex(org).match(word, preferred);
  if (m.kind === 'one') return { kind: 'unit', word, label: `${m.unit.town}${m.unit.name}`, units: [m.unit] };
  if (m.kind === 'many') return { ambiguous: m.units };
  return { unknown: true };
}

/** Every word of a 范围 value read, the units in the org's order without repeats. */
export function readTaskScope(org: Org, text: string, preferred?: ReadonlySet<string>): TaskScopeRead {
  const words = splitScopeWords(text);
  if (!words.length) return { ok: false, reason: 'empty' };
  const parts: ScopePart[] = [];
  for (const word of words) {
    const p = readScopePart(org, word, preferred);
    if ('unknown' in p) return { ok: false, reason: 'unknown', word };
    if ('ambiguous' in p) return { ok: false, reason: 'ambiguous', word, units: p.ambiguous };
    parts.push(p);
  }
  const chosen = new Set<string>();
  for (const p of parts) {
    if (p.kind === 'district') for (const u of org.units) chosen.add(u.id);
    else for (const u of p.units) chosen.add(u.id);
  }
  return { ok: true, parts, units: org.units.filter((u) => chosen.has(u.id)) };
}
