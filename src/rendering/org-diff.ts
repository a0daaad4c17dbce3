import type { OrgProblem } from '../config/org-source';
import type { EntityChanges, Named, OrgDiff, OrphanList, TeamField, UnitField } from '../domain/org-diff';
import { isEmptyDiff } from '../domain/org-diff';
import { MARKDOWN_MAX_BYTES } from './summary';
import { clipForReply } from './clip';
import { userText } from './safe-text';

/** Names shown per line before "等 N 个". */
const NAMES_PER_LINE = 10;
/** Issues needing a new assignee shown whole; the rest by number only. */
const ORPHAN_LINES = 20;
/** Problems of a refused file shown before "另有 N 个问题". */
export const PROBLEMS_SHOWN = 10;

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');
const name = (s: string) => userText(s);

function names(items: readonly Named[]): string {
  const shown = items.slice(0, NAMES_PER_LINE).map((i) => name(i.name));
  return items.length > NAMES_PER_LINE ? `${shown.join('、')} 等 ${items.length} 个` : shown.join('、');
}

function counts(label: string, e: EntityChanges, extra: string[] = []): string | undefined {
  const parts = [
    ...(e.added.length ? [`新增 ${e.added.length}`] : []),
    ...(e.removed.length ? [`移除 ${e.removed.length}`] : []),
    ...(e.renamed.length ? [`改名 ${e.renamed.length}`] : []),
    ...extra,
  ];
  return parts.length ? `${label}：${parts.join('、')}` : undefined;
}

const UNIT_FIELDS: Record<UnitField, string> = { secretary: '书记', contacts: '联系人', town: '所属镇街', kind: '类别' };
const TEAM_FIELDS: Record<TeamField, string> = { leader: '队长', members: '队员', area: '包联范围' };

function entityLines(label: string, e: EntityChanges): string[] {
  const out: string[] = [];
  if (e.added.length) out.push(`➕ 新增${label}：${names(e.added)}`);
  if (e.removed.length) out.push(`➖ 移除${label}：${names(e.removed)}`);
  if (e.renamed.length) {
    const shown = e.renamed.slice(0, NAMES_PER_LINE).map((r) => `${name(r.from)} → ${name(r.to)}`);
    out.push(`✏️ ${label}改名：${shown.join('、')}${e.renamed.length > NAMES_PER_LINE ? ` 等 ${e.renamed.length} 个` : ''}`);
  }
  return out;
}

/** The counts first, then the names, then the issues needing a new assignee; within one message. */
export function renderOrgChanges(diff: OrgDiff, orphans: OrphanList, opts: { version: number; hash: string; maxBytes?: number }): string {
  const head = [`✅ 组织架构已重新加载并发布，所有实例和后台任务随即切换（第 ${opts.version} 版，${opts.hash.slice(0, 8)}）`];
  if (isEmptyDiff(diff)) head.push('人员、单位、工作队和群聊都没有变化。');
  const summary = [
    counts('人员', diff.people),
    counts('单位', diff.units, diff.unitsChanged.length ? [`书记等变动 ${diff.unitsChanged.length}`] : []),
    counts('工作队', diff.teams, diff.teamsChanged.length ? [`成员或范围变动 ${diff.teamsChanged.length}`] : []),
    diff.chats.added.length || diff.chats.removed.length || diff.chats.rescoped.length
      ? `群聊：${[diff.chats.added.length && `新增 ${diff.chats.added.length}`, diff.chats.removed.length && `移除 ${diff.chats.removed.length}`, diff.chats.rescoped.length && `范围变动 ${diff.chats.rescoped.length}`].filter(Boolean).join('、')}`
      : undefined,
    diff.admins.added.length || diff.admins.removed.length ? `组织部管理员：${[diff.admins.added.length && `新增 ${diff.admins.added.length}`, diff.admins.removed.length && `移除 ${diff.admins.removed.length}`].filter(Boolean).join('、')}` : undefined,
    diff.districtRenamed ? `区县名称：${name(diff.districtRenamed.from)} → ${name(diff.districtRenamed.to)}` : undefined,
    diff.policyChanged ? `规则（policy）有变动${diff.cronChanged ? '；定时推送的时间（digestCron 等）在重启后生效' : ''}` : undefined,
    diff.checklistChanged ? '巡查清单有变动' : undefined,
  ].filter((l): l is string => l !== undefined);

  const details = [
    ...entityLines('人员', diff.people),
    ...entityLines('单位', diff.units),
    ...entityLines('工作队', diff.teams),
    ...diff.unitsChanged.slice(0, NAMES_PER_LINE).map((u) => `🔁 ${name(u.name)}：${u.fields.map((f) => UNIT_FIELDS[f]).join('、')}有变动`),
    ...diff.teamsChanged.slice(0, NAMES_PER_LINE).map((t) => `🔁 ${name(t.name)}：${t.fields.map((f) => TEAM_FIELDS[f]).join('、')}有变动`),
  ];

  const tail: string[] = [];
  if (orphans.issues.length) {
    tail.push(`⚠️ 需要重新交办的问题（${orphans.complete ? '' : '至少 '}${orphans.complete ? orphans.total : orphans.issues.length} 个；问题仍在台账中）：`);
    for (const o of orphans.issues.slice(0, ORPHAN_LINES)) {
      const unit = `${name(o.unitName)}${o.unitGone ? '（单位已不在组织架构中）' : ''}`;
      const who = o.assigneeName === undefined ? '尚未交办' : `原责任人 ${name(o.assigneeName)}${o.assigneeGone ? '（已不在组织架构中）' : ''}`;
      tail.push(`#${o.id} ${unit} ${who}，请 /交办 #${o.id} @新责任人`);
    }
    const rest = orphans.issues.slice(ORPHAN_LINES);
    if (rest.length) tail.push(`其余也请重新交办：${rest.map((o) => `#${o.id}`).join('、')}`);
    if (!orphans.complete) tail.push(`（只列出了前 ${orphans.issues.length} 个；其余可在台账中按原单位、原责任人查到）`);
  }
  return fit([...head, ...summary], details, tail, opts.maxBytes ?? MARKDOWN_MAX_BYTES);
}

/**
 * Keeps the head whole; drops detail lines from the end, then issue lines from the end, until
 * the text fits, saying how many were left out.
 */
function fit(head: string[], details: string[], tail: string[], maxBytes: number): string {
  const join = (d: string[], t: string[], note?: string) => [...head, ...d, ...t, ...(note ? [note] : [])].join('\n');
  let d = details;
  let t = tail;
  let text = join(d, t);
  while (bytes(text) > maxBytes && (d.length || t.length > 1)) {
    if (d.length) d = d.slice(0, -1);
    else t = t.slice(0, -1);
    const dropped = details.length - d.length + (tail.length - t.length);
    text = join(d, t, `……另有 ${dropped} 行从略`);
  }
  return text;
}

/** A refused file: the first problems, each with where it is, and how to see them all. */
export function renderReloadRefused(file: string, problems: readonly OrgProblem[]): string {
  const errors = problems.filter((p) => p.severity === 'error');
  const shown = (errors.length ? errors : problems).slice(0, PROBLEMS_SHOWN);
  const lines = [`❌ 组织架构文件有 ${errors.length || problems.length} 个问题，没有加载；原来的组织架构继续有效。`];
  for (const p of shown) lines.push(`- ${p.where ? `${clipForReply(p.where, 60)}：` : ''}${clipForReply(p.message, 200)}`);
  const rest = (errors.length || problems.length) - shown.length;
  if (rest > 0) lines.push(`另有 ${rest} 个问题，请运行 npm run org -- check ${name(file)}`);
  else lines.push(`改好后再发送 /重新加载；也可运行 npm run org -- check ${name(file)} 检查。`);
  return fit(lines, [], [], MARKDOWN_MAX_BYTES);
}
