import { distance } from 'fastest-levenshtein';
import type { Org, Team, Unit } from '../domain/org';
import { createWordMatcher } from '../pipeline/command-words';
import { normalizeText } from './normalize';
import { unitIndex } from './units';

/**
 * The one reader of a `范围` (docs/design.md §4.15), used by /布置 and /巡查 开始: `全区`, a town
 * (福禄镇, or 福禄 when only one town starts so), a kind (村, 社区, 学校; also 村类, 所有村), a team
 * (第一工作队, 一队), or a unit (斑竹村, 福禄镇斑竹村, a unique prefix). `、` `,` `，` `;` `+` join
 * parts as a union; a place joined with a kind (`福禄镇 村`, `福禄镇的村`, `福禄镇村`) is their
 * intersection. Pure: the org and the words.
 */
export type ScopePart =
  | { kind: 'district'; word: string; label: string; units: Unit[] }
  | { kind: 'town' | 'kind' | 'team' | 'unit' | 'cross'; word: string; label: string; units: Unit[] };

export type UnitScopeRead =
  | { ok: true; parts: ScopePart[]; units: Unit[]; /** Canonical names joined by 、 (福禄镇的村、七塘镇). */ label: string }
  | { ok: false; reason: 'empty' }
  | { ok: false; reason: 'unknown'; word: string; /** Canonical scope words close to it (did you mean). */ near: string[] }
  | { ok: false; reason: 'ambiguous'; word: string; units: Unit[] };

type WordRead = ScopePart | { unknown: true } | { ambiguous: Unit[] };

const UNION = /[,，、;；+]+/u;

export function splitScopeWords(text: string): string[] {
  return text
    .split(UNION)
    .map((w) => w.trim())
    .filter(Boolean);
}

/** What people call a team: 第一工作队, 第一队, 一队 (as /status reads them). */
function teamNames(team: Team): string[] {
  const n = normalizeText(team.name);
  const short = n.replace(/工作队$/u, '队');
  return [...new Set([n, short, short.replace(/^第/u, '')])];
}

const towns = (org: Org) => [...new Set(org.units.map((u) => u.town))];
const kinds = (org: Org) => [...new Set(org.units.map((u) => u.kind))];

function kindOf(org: Org, norm: string): string | undefined {
  const word = norm.replace(/^(?:所有|全部|各)/u, '').replace(/类(?:单位)?$/u, '');
  return kinds(org).find((k) => normalizeText(k) === word);
}

/** A place (town, team, 全区, unit) or a kind, one word without spaces. `exactUnit`: no unit by prefix. */
function readWord(org: Org, word: string, preferred: ReadonlySet<string> | undefined, exactUnit: boolean): WordRead {
  const norm = normalizeText(word).replace(/\s+/gu, '');
  if (!norm) return { unknown: true };
  if (norm === '全区' || norm === '全部' || norm === '全区所有单位' || norm === normalizeText(org.district) || /^(?:all|district)$/iu.test(norm)) {
    return { kind: 'district', word, label: '全区', units: [...org.units] };
  }
  const town = towns(org).find((t) => normalizeText(t) === norm);
  if (town) return { kind: 'town', word, label: town, units: org.units.filter((u) => u.town === town) };
  const team = org.teams.find((t) => t.id === word || teamNames(t).includes(norm));
  if (team) return { kind: 'team', word, label: team.name, units: team.coveredUnitIds.map((id) => org.unit(id)!).filter(Boolean) };
  const kind = kindOf(org, norm);
  if (kind) return { kind: 'kind', word, label: kind, units: org.units.filter((u) => u.kind === kind) };
  // An exact unit name wins over a place + kind read ("福禄镇中心村" may be a unit's name).
  const exact = unitIndex(org).match(word, preferred);
  const isExact = exact.kind === 'one' && [normalizeText(exact.unit.name), normalizeText(`${exact.unit.town}${exact.unit.name}`)].includes(norm);
  if (isExact && exact.kind === 'one') return { kind: 'unit', word, label: unitName(exact.unit), units: [exact.unit] };
  // "福禄镇的村", "福禄镇村", "一队的学校": a place, then a kind.
  const cross = readGluedCross(org, norm, word, preferred);
  if (cross) return cross;
  // 福禄 for 福禄镇, when it is the only town so named (people shorten towns more than units).
  const short = towns(org).filter((t) => [...norm].length >= 2 && normalizeText(t).startsWith(norm));
  if (short.length === 1) return { kind: 'town', word, label: short[0]!, units: org.units.filter((u) => u.town === short[0]) };
  if (exactUnit) return { unknown: true };
  if (exact.kind === 'one') return { kind: 'unit', word, label: unitName(exact.unit), units: [exact.unit] };
  if (exact.kind === 'many') return { ambiguous: exact.units };
  return { unknown: true };
}

function readGluedCross(org: Org, norm: string, word: string, preferred: ReadonlySet<string> | undefined): ScopePart | undefined {
  const de = /^(.+?)的(.+)$/u.exec(norm);
  const splits: [string, string][] = de ? [[de[1]!, de[2]!]] : [];
  for (const k of kinds(org)) {
    const kn = normalizeText(k);
    if (norm.length > kn.length && norm.endsWith(kn)) splits.push([norm.slice(0, -kn.length), kn]);
  }
  for (const [placeWord, kindWord] of splits) {
    const kind = kindOf(org, kindWord);
    if (!kind) continue;
    const place = readWord(org, placeWord, preferred, true);
    if (!('kind' in place) || place.kind === 'kind' || place.kind === 'cross') continue;
    // Glued without 的, only a whole town or team name: "福禄村" may be a mistyped village.
    if (!de && place.kind === 'town' && normalizeText(place.label) !== placeWord) continue;
    return crossOf(word, [place], [{ kind: 'kind', word: kindWord, label: kind, units: org.units.filter((u) => u.kind === kind) }]);
  }
  return undefined;
}

/** Places × kinds: the units of any place that are of any kind ("福禄镇 村" → the villages of 福禄镇). */
function crossOf(word: string, places: ScopePart[], kindParts: ScopePart[]): ScopePart {
  const kindSet = new Set(kindParts.map((k) => k.label));
  const units = places.flatMap((p) => p.units).filter((u) => kindSet.has(u.kind));
  const placeLabel = places.map((p) => p.label).join('、');
  return { kind: 'cross', word, label: `${placeLabel}的${[...kindSet].join('、')}`, units };
}

/** A unit as people name it: its town and name, once ("福禄镇中心小学", not 福禄镇福禄镇中心小学). */
function unitName(u: Unit): string {
  return u.name.startsWith(u.town) ? u.name : `${u.town}${u.name}`;
}

/**
 * One union part, maybe several words split by spaces ("福禄镇 村"): places in it are a union,
 * kinds in it a union, and both together their intersection.
 */
function readPart(org: Org, part: string, preferred: ReadonlySet<string> | undefined): WordRead {
  const words = part.split(/\s+/u).filter(Boolean);
  if (words.length === 1) return readWord(org, words[0]!, preferred, false);
  const reads: ScopePart[] = [];
  for (const w of words) {
    const r = readWord(org, w, preferred, false);
    if (!('kind' in r)) return r;
    reads.push(r);
  }
  const places = reads.filter((r) => r.kind !== 'kind');
  const kindParts = reads.filter((r) => r.kind === 'kind');
  if (places.length && kindParts.length) return crossOf(part, places, kindParts);
  // Two places or two kinds side by side: a union, one part each.
  const units = new Set(reads.flatMap((r) => r.units));
  return { kind: places.length ? 'town' : 'kind', word: part, label: reads.map((r) => r.label).join('、'), units: org.units.filter((u) => units.has(u)) };
}

/** Whether a word standing after a 范围 value reads as a scope word too (an exact one: no unit by prefix). */
export function isScopeWord(org: Org, word: string): boolean {
  if (UNION.test(word)) return splitScopeWords(word).every((w) => isScopeWord(org, w));
  return 'kind' in readWord(org, word, undefined, true);
}

/** Canonical scope words close to a mistyped one: same sound (福路镇) or one character off. */
export function nearScopeWords(org: Org, word: string): string[] {
  const norm = normalizeText(word).replace(/\s+/gu, '');
  const names = new Map<string, string>();
  for (const t of towns(org)) names.set(normalizeText(t), t);
  for (const k of kinds(org)) names.set(normalizeText(k), k);
  for (const t of org.teams) names.set(normalizeText(t.name), t.name);
  // The same sound (the IME slip) is what was meant; only without one are the one-off words offered.
  const near = createWordMatcher(names).near(norm);
  const sound = near.sameSound.length ? near.sameSound : near.all;
  if (near.sameSound.length) return sound.slice(0, 3);
  const units = org.units.filter((u) => [...norm].length >= 3 && (distance(normalizeText(u.name), norm) === 1 || distance(normalizeText(`${u.town}${u.name}`), norm) === 1)).map(unitName);
  return [...new Set([...sound, ...units])].slice(0, 3);
}

/** Every part of a 范围 value read, the units in the org's order without repeats. */
export function readUnitScope(org: Org, text: string, preferred?: ReadonlySet<string>): UnitScopeRead {
  const words = splitScopeWords(normalizeText(text));
  if (!words.length) return { ok: false, reason: 'empty' };
  const parts: ScopePart[] = [];
  for (const word of words) {
    const p = readPart(org, word, preferred);
    if ('unknown' in p) return { ok: false, reason: 'unknown', word, near: nearScopeWords(org, word) };
    if ('ambiguous' in p) return { ok: false, reason: 'ambiguous', word, units: p.ambiguous };
    parts.push(p);
  }
  const chosen = new Set<string>();
  for (const p of parts) for (const u of p.units) chosen.add(u.id);
  return { ok: true, parts, units: org.units.filter((u) => chosen.has(u.id)), label: [...new Set(parts.map((p) => p.label))].join('、') };
}

/** The 范围 of a 巡查 round: the same reader, labelled as rounds show it (a kind with its count: 机关（4个）). */
export type RoundScopeRead =
  | { kind: 'scope'; label: string; units: Unit[] }
  | { kind: 'unknown'; part: string; near: string[] }
  | { kind: 'ambiguous'; part: string; units: Unit[] }
  | { kind: 'outside'; label: string }
  | { kind: 'empty' };

export function readRoundScope(org: Org, visible: ReadonlySet<string>, text: string): RoundScopeRead {
  const read = readUnitScope(org, text, visible);
  if (!read.ok) {
    if (read.reason === 'empty') return { kind: 'empty' };
    if (read.reason === 'unknown') return { kind: 'unknown', part: read.word, near: read.near };
    return { kind: 'ambiguous', part: read.word, units: read.units };
  }
  const outside = read.parts.find((p) => p.units.some((u) => !visible.has(u.id)));
  if (outside) return { kind: 'outside', label: outside.label };
  if (!read.units.length) return { kind: 'empty' };
  const labels = read.parts.map((p) => (p.kind === 'kind' ? `${p.label}（${p.units.length}个）` : p.label));
  return { kind: 'scope', label: [...new Set(labels)].join('、'), units: read.units };
}
