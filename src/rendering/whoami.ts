import type { Chat, ChatScope, Membership, Org, Unit } from '../domain/org';
import { ROLE_NAMES } from './roles';
import { userText } from './safe-text';

export function describeScope(org: Org, scope: ChatScope): string {
  switch (scope.kind) {
    case 'admin':
      return `全区（${org.district}）`;
    case 'team':
      return org.team(scope.teamId)?.name ?? scope.teamId;
    case 'town':
      return scope.town;
    case 'unit':
      return org.unit(scope.unitId)?.name ?? scope.unitId;
  }
}

/** /我是谁: role and scope exactly as duban derives them from the org file. */
export function renderWhoami(org: Org, who: Membership, chat: Chat | undefined, chatId?: string): string {
  const lines: string[] = [];
  if (!who.person) {
    lines.push(`你的企业微信账号（${userText(who.userid)}）不在${org.district}的组织名册中。`, '如需使用督办，请联系组织部把你加入组织文件。');
  } else {
    lines.push(`**${userText(who.person.name)}**（${userText(who.userid)}）`);
    lines.push(`身份：${who.roles.length ? who.roles.map((r) => ROLE_NAMES[r]).join('、') : '无（名册中有你，但未分配角色）'}`);
    if (who.roles.includes('admin')) lines.push(`- 组织部：可查看和处理全区（${org.district}）的问题`);
    for (const t of who.leaderOf) lines.push(`- ${t.name} 队长：片区 ${teamArea(org, t.id)}`);
    for (const t of who.memberOf.filter((t) => !who.leaderOf.includes(t))) lines.push(`- ${t.name} 队员：片区 ${teamArea(org, t.id)}`);
    for (const u of who.secretaryOf) lines.push(`- ${u.town}${u.name} 责任人：接收该单位的交办事项`);
    for (const u of who.contactOf) lines.push(`- ${u.town}${u.name} ${contactTitle(u, who.userid)}：该单位的交办和提醒会同时通知你，可代为反馈整改`);
  }
  // The chatid is what 组织部 types into the roster's 群聊 sheet: a group learns it here.
  const id = chatId ? `（chatid：${userText(chatId)}）` : '';
  lines.push(chat ? `本群：${describeScope(org, chat.scope)}${id}` : `本群：未在组织文件中登记${id}（命令可用，但没有默认范围；请组织部把 chatid 填入花名册的 群聊 表）`);
  return lines.join('\n');
}

function teamArea(org: Org, teamId: string): string {
  const team = org.team(teamId);
  if (!team) return teamId;
  const parts = [...team.towns, ...team.kinds.map((k) => `全部${k}`), ...team.units.map((id) => org.unit(id)?.name ?? id)];
  return `${parts.join('、') || '未设定'}（${team.coveredUnitIds.length} 个单位）`;
}

/** 驻村第一书记, 联络员 …: the title the unit's file gives the person. */
function contactTitle(unit: Unit, userid: string): string {
  return userText(unit.contacts.find((c) => c.userid === userid)?.title ?? '联系人');
}
