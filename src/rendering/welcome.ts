import type { Membership, Org, Unit } from '../domain/org';
import { userText } from './safe-text';

/**
 * The welcome for someone who opens the bot's single chat (enter_chat): plain text (WeCom shows
 * the welcome as text, not markdown), with the next step for the person's own duties.
 */
export function renderWelcome(org: Org, who: Membership): string {
  if (!who.person) {
    return `您好，我是督办助手：上报问题、交办整改、催办销号都可以在群里完成。\n你的账号还不在${org.district}的组织名册中，发送 /我是谁 查看；如需开通，请联系组织部。`;
  }
  const hello = `您好，${userText(who.person.name)}！我是督办助手。`;
  if (who.roles.includes('admin')) return `${hello}\n发送 /status 查看全区整改进度，/看板 打开数据看板，/导出 下载台账，/帮助 查看全部用法。`;
  if (who.roles.includes('leader') || who.roles.includes('member')) {
    return `${hello}\n发送 /status 查看本片区整改进度，/上报 单位 问题描述 登记问题，/帮助 查看全部用法。`;
  }
  if (who.roles.includes('secretary')) {
    // A secretary: the unit's assignments; a 驻村第一书记 or 联络员: named by their title there.
    const units = [...who.secretaryOf.map((u) => userText(u.name)), ...who.contactOf.filter((u) => !who.secretaryOf.includes(u)).map((u) => `${userText(u.name)}（${userText(titleAt(u, who.userid))}）`)].join('、');
    return `${hello}\n交办给${units}的问题会通知你。发送 /我的 查看待办，/整改 #编号 整改情况 反馈整改（可附照片），/帮助 查看全部用法。`;
  }
  return `${hello}\n发送 /我是谁 查看你的身份，/帮助 查看用法。`;
}

function titleAt(unit: Unit, userid: string): string {
  return unit.contacts.find((c) => c.userid === userid)?.title ?? '联系人';
}
