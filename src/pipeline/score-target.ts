import type { Org, Team, Unit } from '../domain/org';
import type { ScoreTargetKind } from '../domain/scoring';
import { normalizeText } from '../parsing/normalize';
import { peopleIndex } from '../parsing/people';
import { unitIndex } from '../parsing/units';

/**
 * Who a score is about, from a word: a work team (第一工作队, t1), a member of a team (唐建平,
 * @唐建平, a userid) or a unit (斑竹村, 福禄镇斑竹村, a unique prefix). /考核 <名称> and
 * /加分 /扣分 read their target here.
 */
export type ScoreTarget =
  | { kind: 'team'; id: string; label: string; team: Team }
  | { kind: 'member'; id: string; label: string; teams: Team[] }
  | { kind: 'unit'; id: string; label: string; unit: Unit };

export type TargetRead = { kind: 'one'; target: ScoreTarget } | { kind: 'many'; targets: ScoreTarget[] } | { kind: 'none' };

/** The words that name a kind of target (`/加分 队员 唐建平 …`), also the rankings of /考核. */
export const KIND_WORDS: Record<string, ScoreTargetKind> = {
  队: 'team', 工作队: 'team', 队伍: 'team', team: 'team', teams: 'team',
  队员: 'member', 成员: 'member', 人员: 'member', member: 'member', members: 'member',
  单位: 'unit', 责任单位: 'unit', unit: 'unit', units: 'unit',
};

export function kindWord(word: string): ScoreTargetKind | undefined {
  const w = normalizeText(word).toLowerCase();
  return Object.hasOwn(KIND_WORDS, w) ? KIND_WORDS[w] : undefined;
}

export function readScoreTarget(org: Org, word: string, only?: ScoreTargetKind): TargetRead {
  const raw = word.replace(/^[@＠]/u, '').trim();
  const norm = normalizeText(raw);
  if (!norm) return { kind: 'none' };
  const found: ScoreTarget[] = [];
  if (!only || only === 'team') {
    const team = org.teams.find((t) => t.id === raw || normalizeText(t.name) === norm);
    if (team) found.push({ kind: 'team', id: team.id, label: team.name, team });
  }
  if (!only || only === 'member') {
    const person = peopleIndex(org).find(raw);
    const teams = person ? org.teams.filter((t) => t.members.includes(person.userid)) : [];
    if (person && teams.length) found.push({ kind: 'member', id: person.userid, label: person.name, teams });
  }
  if (!only || only === 'unit') {
    const m = unitIndex(org).match(raw);
    if (m.kind === 'one') found.push({ kind: 'unit', id: m.unit.id, label: m.unit.name, unit: m.unit });
    if (m.kind === 'many') for (const u of m.units) found.push({ kind: 'unit', id: u.id, label: `${u.town}${u.name}`, unit: u });
  }
  if (found.length === 1) return { kind: 'one', target: found[0]! };
  return found.length ? { kind: 'many', targets: found } : { kind: 'none' };
}

/** The units a target's score is about (a member's: every team they are in). */
export function targetUnitIds(org: Org, target: ScoreTarget): string[] {
  if (target.kind === 'unit') return [target.id];
  if (target.kind === 'team') return [...target.team.coveredUnitIds];
  return [...new Set(target.teams.flatMap((t) => t.coveredUnitIds))].filter((id) => org.unit(id));
}

const KIND_NAMES: Record<ScoreTargetKind, string> = { team: '工作队', member: '队员', unit: '单位' };

/** "第一工作队（工作队）、唐建平（队员）" for an ambiguity question. */
export function describeTargets(targets: readonly ScoreTarget[]): string {
  return targets.map((t) => `${t.label}（${KIND_NAMES[t.kind]}）`).join('、');
}


/** The same for a stored entry's target (kind and id only): a member's teams as the org has them now. */
export function entryTargetUnitIds(org: Org, target: { kind: ScoreTargetKind; id: string }): string[] {
  if (target.kind === 'unit') return [target.id];
  if (target.kind === 'team') return [...(org.team(target.id)?.coveredUnitIds ?? [])];
  return [...new Set(org.membership(target.id).memberOf.flatMap((t) => t.coveredUnitIds))];
}
