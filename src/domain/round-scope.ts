import { normalizeText } from '../parsing/normalize';
import type { Membership, Org, Unit } from './org';
import { readScopeWord } from './visibility';

/**
 * The 范围 of a 巡查 round (`范围:全区`, `范围:福禄镇,七塘镇`, `范围:学校`, `范围:第一工作队`,
 * `范围:斑竹村`): parts separated by commas or 、, each the whole district, a unit kind, a team,
 * a town or a unit. Pure: the org and the person only.
 */
export type RoundScopeRead =
  | { kind: 'scope'; label: string; units: Unit[] }
  | { kind: 'unknown'; part: string }
  | { kind: 'ambiguous'; part: string; units: Unit[] }
  | { kind: 'outside'; label: string }
  | { kind: 'empty' };

export function readRoundScope(org: Org, sender: Membership, text: string): RoundScopeRead {
  const parts = normalizeText(text)
    .split(/[,，、;；+]/u)
    .map((p) => p.trim())
    .filter(Boolean);
  if (!parts.length) return { kind: 'empty' };
  const chosen = new Map<string, Unit>();
  const labels: string[] = [];
  for (const part of parts) {
    const kindUnits = org.units.filter((u) => normalizeText(u.kind) === part);
    if (kindUnits.length) {
      kindUnits.forEach((u) => chosen.set(u.id, u));
      labels.push(`${part}（${kindUnits.length}个）`);
      continue;
    }
    const read = readScopeWord(org, sender, part);
    if (!read) return { kind: 'unknown', part };
    if (read.kind === 'ambiguous') return { kind: 'ambiguous', part, units: read.units };
    if (read.kind === 'outside') return { kind: 'outside', label: read.label };
    read.scope.units.forEach((u) => chosen.set(u.id, u));
    labels.push(read.scope.label.startsWith('全区') ? '全区' : read.scope.label);
  }
  // The org's order, so the coverage by town reads the way the org file lists the units.
  const units = org.units.filter((u) => chosen.has(u.id));
  if (!units.length) return { kind: 'empty' };
  return { kind: 'scope', label: [...new Set(labels)].join('、'), units };
}
