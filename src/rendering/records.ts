import type { Coverage } from '../domain/coverage';
import type { Org } from '../domain/org';
import type { Practice } from '../domain/practice';
import type { Visit } from '../domain/visit';
import { formatStamp } from './dates';
import { personName, photoCount, truncate, unitLabel } from './issue';
import { userText } from './safe-text';

/**
 * The department's records in the chat: 典型经验 lines and cards, the reply to a 走访, and the
 * coverage lines of /status. A practice is always named "典型 #3", never "#3" alone: that is an
 * issue (and a quoted card must not read as one).
 */

export function practiceRef(id: number): string {
  return `典型 #${id}`;
}

/** "典型 #3 福禄镇斑竹村：“213工作法”…（6月15日 10:00 唐建平）". */
export function practiceLine(org: Org, p: Practice, now: number): string {
  return `${practiceRef(p.id)} ${unitLabel(org, p.unitId)}：${truncate(p.text, 24)}（${formatStamp(p.at, now)} ${personName(org, p.author)}）`;
}

/**
 * 走访 and 典型经验 photos are not kept (only an issue's are: docs/design.md §6.6): said wherever
 * they are counted, so nobody takes the count for kept evidence. Records from before that was
 * said carry bare entries, and were not kept either.
 */
function unkeptPhotos(n: number, what: string): string {
  return `${photoCount(n)}未保存（${what}不保存照片，整改照片请随 /整改 发送）`;
}

export function practiceCard(org: Org, p: Practice, now: number): string {
  const lines = [`**${practiceRef(p.id)} ${unitLabel(org, p.unitId)}**`, `做法：${userText(p.text)}`, `记录：${personName(org, p.author)}，${formatStamp(p.at, now)}`];
  if (p.evidence.length) lines.push(`${photoCount(p.evidence.length)}（未保存）`);
  return lines.join('\n');
}

export function practiceRecorded(org: Org, p: Practice, now: number): string {
  const lines = [`✅ 已记录 **${practiceRef(p.id)}** ${unitLabel(org, p.unitId)}：${userText(p.text)}`, `记录：${personName(org, p.author)}，${formatStamp(p.at, now)}`];
  if (p.evidence.length) lines.push(unkeptPhotos(p.evidence.length, '典型经验'));
  lines.push('查看全部：`/典型 清单`');
  return lines.join('\n');
}

/** The reply to /走访: what was recorded, and the issues reported there that day. */
export function visitRecorded(org: Org, v: Visit, linked: readonly number[], now: number): string {
  const unit = org.unit(v.unitId);
  const form = v.form ? `（${v.form}巡回指导记录表）` : '';
  const lines = [`✅ 已记录走访：${unitLabel(org, v.unitId)}${form}`, `走访人：${personName(org, v.visitor)}，${formatStamp(v.at, now)}`];
  for (const f of v.fields) lines.push(`${f.name}：${userText(f.value)}`);
  if (v.note) lines.push(`情况：${userText(v.note)}`);
  if (v.evidence.length) lines.push(unkeptPhotos(v.evidence.length, '走访记录'));
  if (linked.length) lines.push(`当天上报的问题：${linked.map((id) => `#${id}`).join(' ')}`);
  else if (v.fields.some((f) => f.name === '发现')) lines.push(`发现的问题请用 \`/上报 ${userText(unit?.name ?? '单位')} 问题描述\` 登记，当天上报的会关联到这次走访。`);
  return lines.join('\n');
}

const NAMES_SHOWN = 3;

/**
 * /status's coverage, two short lines for a phone: "走访覆盖 5/6 个单位（83.3%）· 走访 9 次"
 * (全覆盖 at 100 %) and the units not visited for coverageStaleDays, a few by name.
 */
export function coverageLines(org: Org, c: Coverage): string[] {
  const share = c.full ? '全覆盖' : c.rate === undefined ? '—' : `${c.rate.toFixed(1)}%`;
  const lines = [`走访覆盖 ${c.visited}/${c.units} 个单位（${share}）· 走访 ${c.visits} 次`];
  if (c.stale.length) {
    const names = c.stale.slice(0, NAMES_SHOWN).map((s) => userText(org.unit(s.unitId)?.name ?? s.unitId));
    const more = c.stale.length > NAMES_SHOWN ? '等' : '';
    lines.push(`${c.staleDays}天内未走访 ${c.stale.length} 个：${names.join('、')}${more}`);
  }
  return lines;
}
