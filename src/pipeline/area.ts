import type { Membership, Org, Team, Unit } from '../domain/org';

/**
 * Refusals that say the real reason, in the organisation's own words: "喜观村（七塘镇）不在第一工作队的
 * 片区（福禄镇）" rather than "only the area's team may".
 */

/** "福禄镇" / "七塘镇、八塘镇" / "企业" — what a team covers, in a few words. */
export function areaWords(org: Org, team: Team): string {
  const parts = [...team.towns, ...team.kinds.map((k) => `${k}类单位`), ...team.units.map((id) => org.unit(id)?.name ?? id)];
  return parts.length ? parts.join('、') : '未划定';
}

function teamsWords(org: Org, teams: readonly Team[]): string {
  return teams.map((t) => `${t.name}的片区（${areaWords(org, t)}）`).join('、');
}

/** Why the sender may not act on a unit's issues: outside their team's area, or not their unit. */
export function outsideAreaReason(org: Org, sender: Membership, unit: Unit | undefined): string {
  const where = unit ? `${unit.name}（${unit.town}）` : '这个单位';
  if (sender.memberOf.length) return `${where}不在${teamsWords(org, sender.memberOf)}，请由负责该片区的工作队办理`;
  const own = [...new Set([...sender.secretaryOf, ...sender.contactOf])];
  if (own.length) return `${where}不是你负责的单位（你负责：${own.map((u) => u.name).join('、')}）`;
  return `你不在组织名册的工作队中，不能办理${where}的问题；如有疑问请联系组织部`;
}

/** Why a scope (全区, another town) is not the sender's to see. */
export function outsideScopeReason(org: Org, sender: Membership, label: string): string {
  if (sender.memberOf.length) return `${label}不在${teamsWords(org, sender.memberOf)}；本片区以外的情况请组织部查看`;
  return `${label}不在你负责的范围内`;
}
