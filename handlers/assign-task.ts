import { createHash } from 'node:crypto';
import { jobIdPart } from '../jobs/push';
import type { Issue } from '../src/domain/issue';
import { TASK_CONTENT_MAX, type Task } from '../src/domain/task';
import { groupByChat, type TaskShare } from '../src/domain/task-groups';
import { planTask, taskAuthority } from '../src/domain/task-plan';
import { charCount } from '../src/domain/limits';
import type { Refusal } from '../src/domain/lifecycle';
import { visibleUnits } from '../src/domain/visibility';
import { restText } from '../src/parsing/args';
import { isScopeWord, readUnitScope, splitScopeWords } from '../src/parsing/unit-scope';
import { parseArgs } from '../src/parsing/args';
import type { Org } from '../src/domain/org';
import { unitLabel } from '../src/rendering/issue';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { resolveDeadline, trailingDeadline } from '../src/pipeline/deadlines';
import { NeedInput, PermissionError, UsageError } from '../src/pipeline/errors';
import { throwRefusal } from '../src/pipeline/issue-actions';
import { clipForReply } from '../src/rendering/clip';
import { taskAssignedReply, taskPushParts, taskRef } from '../src/rendering/tasks';

const EXAMPLE = '/布置 开展党员大会会议记录自查 期限:12月20日 范围:福禄镇';
const SCOPE_HELP = '范围可以写：全区、镇街（福禄镇）、类别（村、社区、学校）、镇街加类别（福禄镇 村）、工作队或单位名称，多个用“、”分开';

/**
 * /布置: one task to many units (docs/design.md §4.15). One issue per unit, each assigned at
 * once to the unit's secretary with the deadline; the task and all its issues are written by
 * one script; each group the issues live in gets one robot message listing its units and @-ing
 * their secretaries. A re-sent message finds its task and creates nothing. A broadcast never
 * goes out on a guess: no 期限 and a scope word without 范围: are asked about, not defaulted.
 */
export default defineCommand({
  name: 'assign-task',
  aliases: ['布置', '布置任务'],
  roles: ['admin', 'leader'],
  summary: '布置任务：一次交办给多个单位（组织部全区，队长本片区）',
  usage: '/布置 <任务内容> 期限:<日期> 范围:<全区|镇街|类别|单位、…>',
  example: EXAMPLE,
  broadcasts: true,
  fields: ['scope', 'deadline'],
  args: grammarInput,
  async run(ctx, { text }) {
    const now = ctx.clock.now();
    const taken = takeScope(ctx.org, tidyFields(text));
    const args = parseArgs(taken.rest);
    let scopeText = taken.scope;
    // A bad 期限 is refused before anything is asked.
    let deadlineText = args.fields.deadline;
    if (deadlineText !== undefined) resolveDeadline(deadlineText, ctx.org.policy, now, EXAMPLE);
    let content = restText(args.words).replace(/^[，,、；;:：。\s]+/u, '').replace(/[，,、；;:：\s]+$/u, '');
    // "清理公开栏 12月20日前 福禄镇": a scope word at the end without 范围: is proposed, never taken silently.
    let proposed: string | undefined;
    if (scopeText === undefined) {
      const tail = trailingScope(ctx.org, content);
      if (tail) {
        proposed = tail.scope;
        content = tail.rest;
      }
    }
    let trailing: { phrase: string } | undefined;
    if (deadlineText === undefined) {
      const t = trailingDeadline(content, now);
      if (t) {
        trailing = t;
        deadlineText = t.phrase;
        content = t.rest;
      }
    }
    if (!content) throw new NeedInput('description', '请写明任务内容', '开展党员大会会议记录自查');
    if (charCount(content) > TASK_CONTENT_MAX) throw new UsageError(`任务内容请控制在 ${TASK_CONTENT_MAX} 字以内（现在 ${charCount(content)} 字）；详细要求可另发通知`, EXAMPLE);
    // The text a question keeps as its draft, ending with the key the answer fills.
    const draft = (scope: string | undefined, last: 'scope' | 'deadline') =>
      last === 'scope' ? `${content}${deadlineText ? ` 期限:${deadlineText}` : ''} 范围:` : `${content} 范围:${scope ?? ''} 期限:`;

    if (!scopeText?.trim()) {
      if (proposed) {
        const read = readUnitScope(ctx.org, proposed);
        const label = read.ok ? read.label : proposed;
        throw new NeedInput('unit', `是要布置给“${clipForReply(label)}”${read.ok ? `（${read.units.length} 个单位）` : ''}吗？是的话请回复：${clipForReply(label)}；也可以回复别的范围`, label, draft(undefined, 'scope'));
      }
      throw new NeedInput('unit', `布置给哪些单位？${SCOPE_HELP}`, scopeExample(ctx), draft(undefined, 'scope'));
    }

    const isAdmin = ctx.sender.roles.includes('admin');
    const area = isAdmin ? undefined : new Set(ctx.sender.leaderOf.flatMap((t) => t.coveredUnitIds));
    const preferred = area ?? visibleUnits(ctx.org, ctx.sender.userid);
    const read = readUnitScope(ctx.org, scopeText, preferred);
    if (!read.ok) {
      if (read.reason === 'empty') throw new NeedInput('unit', `布置给哪些单位？${SCOPE_HELP}`, scopeExample(ctx), draft(undefined, 'scope'));
      if (read.reason === 'unknown') {
        if (read.near.length) {
          const fixed = scopeText.replace(read.word, read.near[0]!);
          throw new UsageError(`找不到“${clipForReply(read.word)}”，是不是“${read.near.join('”或“')}”？`, `/布置 ${draft(undefined, 'scope')}${fixed}`);
        }
        throw new UsageError(`找不到“${clipForReply(read.word)}”。${SCOPE_HELP}`, EXAMPLE);
      }
      const names = read.units.map((u) => unitLabel(ctx.org, u.id));
      const others = splitScopeWords(scopeText).filter((w) => w !== read.word);
      throw new NeedInput(
        'unit',
        `“${clipForReply(read.word)}”对应多个单位：${names.slice(0, 8).join('、')}${names.length > 8 ? ' 等' : ''}。请回复完整名称`,
        names[0]!,
        `${draft(undefined, 'scope')}${others.map((w) => `${w}、`).join('')}`,
      );
    }
    // A leader's 范围:村 means the villages of their own area (全区 stays the department's).
    let units = read.units;
    let label = read.label;
    let areaNote: string | undefined;
    if (area && ctx.sender.leaderOf.length && read.parts.some((p) => p.kind === 'kind')) {
      const kindIds = new Set(read.parts.filter((p) => p.kind === 'kind').flatMap((p) => p.units.map((u) => u.id)));
      const others = new Set(read.parts.filter((p) => p.kind !== 'kind').flatMap((p) => p.units.map((u) => u.id)));
      units = ctx.org.units.filter((u) => others.has(u.id) || (kindIds.has(u.id) && area.has(u.id)));
      const kindLabel = read.parts.filter((p) => p.kind === 'kind').map((p) => p.label).join('、');
      const mine = units.filter((u) => kindIds.has(u.id) && area.has(u.id)).length;
      areaNote = `按你的片区：${mine} 个${kindLabel}`;
      label = read.parts.map((p) => (p.kind === 'kind' ? `${ctx.sender.leaderOf.map((t) => t.name).join('、')}片区的${p.label}` : p.label)).join('、');
    }
    const district = read.parts.some((p) => p.kind === 'district');
    const authority = taskAuthority(ctx.org, ctx.sender, units, district);
    if (!authority.ok) throw new PermissionError(authority.allowed, authority.reason);
    if (!units.length) throw new UsageError(`“${clipForReply(label)}”里没有登记的单位`, EXAMPLE);
    const max = ctx.org.policy.taskMaxUnits;
    if (units.length > max) {
      const town = units[0]!.town;
      throw new UsageError(`一次最多布置给 ${max} 个单位（这次是 ${units.length} 个），请按镇街分开布置`, `/布置 ${content} 期限:${deadlineText ?? '12月20日'} 范围:${town}`);
    }
    // A broadcast to many units must not go out on a default deadline: ask for it.
    if (deadlineText === undefined) {
      throw new NeedInput('deadline', `这项任务要发给 ${units.length} 个单位，请写明期限（不按默认期限）`, '12月20日', draft(label, 'deadline'));
    }
    const read0 = resolveDeadline(deadlineText, ctx.org.policy, now, EXAMPLE);
    const notes = [areaNote, trailing ? `期限按“${clipForReply(trailing.phrase)}”` : undefined, read0.note].filter(Boolean);
    const note = notes.length ? notes.join('；') : undefined;
    const deadline = read0.at;

    const messageKey = createHash('sha1').update(ctx.message.msgid).digest('hex');
    const before = await ctx.records.tasks.byMessage(messageKey);
    if (before !== undefined) return announceExisting(ctx, before, note);

    const { taskId, firstIssueId } = await ctx.records.tasks.allocate(units.length);
    const plan = planTask({
      org: ctx.org,
      sender: ctx.sender,
      units,
      content,
      deadline,
      // Canonical names (七塘镇, not 七塘鎮 as typed): what the card and the pushes echo.
      scopeWords: label,
      source: authority.source,
      taskId,
      firstIssueId,
      fromChat: ctx.message.chatId,
      now: now.getTime(),
    });
    if ('kind' in plan) throwRefusal(plan satisfies Refusal);
    for (const o of plan.outcomes) o.audit.note = `布置任务 ${taskRef(taskId)}：${content}`;
    const written = await ctx.records.tasks.create(plan.task, plan.outcomes, messageKey);
    // Another instance turned the same message into a task first: that one stands, ours leaves gaps.
    if (written.kind === 'exists') return announceExisting(ctx, written.taskId, note);
    return announce(ctx, plan.task, plan.outcomes.map((o) => o.issue), plan.shares, true, note);
  },
});

/** The missing-范围 example that fits the sender: a leader's own town, the department's two towns. */
function scopeExample(ctx: CommandContext): string {
  const led = ctx.sender.leaderOf[0];
  if (!ctx.sender.roles.includes('admin') && led) return led.towns[0] ?? led.name;
  const towns = [...new Set(ctx.org.units.map((u) => u.town))];
  return towns.slice(0, 2).join('、') || '全区';
}

/** Fields written after commas ("核对花名册，期限:12月20日，范围:斑竹村") are fields, not the words before them. */
export function tidyFields(text: string): string {
  return text
    .replace(/[，,；;。、]\s*(?=(?:期限|截止日期|截止|限期|[范範][围圍]|scope|deadline)[:：]?)/giu, ' ')
    .replace(/[，,；;。.!！\s]+$/u, '');
}

/**
 * The 范围 value and what is left of the text: the value after `范围:` (or `范围` glued to a scope
 * word), and the words right after it that read as scope words too ("范围:福禄镇 村"), so none of
 * them becomes part of the task's content.
 */
export function takeScope(org: Org, text: string): { scope?: string; rest: string } {
  // 範圍 too: the key is matched as typed (traditional characters are folded only later).
  const key = /(^|\s)(?:[范範][围圍]|scope)([:：]?)\s*/giu;
  for (let m = key.exec(text); m; m = key.exec(text)) {
    const start = m.index + m[1]!.length;
    const after = text.slice(m.index + m[0].length);
    const tokens = after.split(/(\s+)/u);
    const first = tokens[0] ?? '';
    // "范围福禄镇" only when what follows reads as a scope; "范围内的…" stays words.
    if (!m[2] && !isScopeWord(org, first)) continue;
    const taken: string[] = [];
    let used = 0;
    for (let i = 0; i < tokens.length; i += 2) {
      const word = tokens[i]!;
      if (!word) break;
      const previous = taken.at(-1);
      const joins = previous !== undefined && (/[,，、;；+]$/u.test(previous) || /^[,，、;；+]/u.test(word));
      if (taken.length && !joins && !isScopeWord(org, word)) break;
      taken.push(word);
      used = i + 1;
    }
    const consumed = tokens.slice(0, used).join('');
    const rest = `${text.slice(0, start)} ${after.slice(consumed.length)}`.replace(/\s+/gu, ' ').trim();
    return { scope: taken.join(' ').replace(/[。.!！]+$/u, ''), rest };
  }
  return { rest: text };
}

/** Scope words at the end of the content, without the key ("清理公开栏 12月20日前 福禄镇"). */
function trailingScope(org: Org, content: string): { scope: string; rest: string } | undefined {
  const words = content.split(/\s+/u);
  let cut = words.length;
  while (cut > 1 && isScopeWord(org, words[cut - 1]!)) cut--;
  if (cut === words.length) return undefined;
  return { scope: words.slice(cut).join(' '), rest: words.slice(0, cut).join(' ') };
}

/** A message that made its task before (WeCom re-sent it): queue what may be missing, answer as the first time. */
async function announceExisting(ctx: CommandContext, taskId: number, note: string | undefined): Promise<string> {
  const task = await ctx.records.tasks.get(taskId);
  if (!task) throw new Error(`task ${taskId} marked for a message but missing`);
  const issues = await ctx.ledger.getMany(task.units.map(([, id]) => id));
  const shares: TaskShare[] = issues.map((i) => ({ unitId: i.unitId, issueId: i.id, homeChat: i.homeChat, ...(i.assignee && i.state !== 'reported' ? { secretary: i.assignee } : {}) }));
  return announce(ctx, task, issues.filter((i) => i.state !== 'canceled'), shares, false, note);
}

/**
 * After the commit: the first reminders (bulk; never failing the command), one push per group
 * (or its parts; ids from the task, chat and part, so a retry queues nothing twice), the reply.
 */
async function announce(ctx: CommandContext, task: Task, issues: readonly Issue[], shares: readonly TaskShare[], fresh: boolean, note: string | undefined): Promise<string> {
  const now = ctx.clock.now().getTime();
  await scheduleTimers(ctx, issues, now);
  const groups = groupByChat(shares);
  const pushes = [...groups].flatMap(([chatId, list]) =>
    taskPushParts(ctx.org, task, list, now).map((part, i) => ({
      id: `task-T${task.id}-${jobIdPart(chatId)}-${i + 1}`,
      chatId,
      kind: 'task' as const,
      format: 'text' as const,
      content: part.content,
      mentions: part.mentions,
      createdAt: fresh ? now : task.createdAt,
    })),
  );
  // The task is written: a push that cannot be queued now is logged, never an error the user would
  // answer by sending the task again (a second task). A re-sent callback queues them again.
  const failed = await ctx.jobs.pushAfterCommit(pushes);
  const waiting = shares.filter((s) => !s.secretary).map((s) => ({ unitId: s.unitId, issueId: s.issueId }));
  return taskAssignedReply(ctx.org, { task, assigned: shares.length - waiting.length, waiting, groups: [...groups.keys()], pushesDelayed: failed > 0, ...(note ? { deadlineNote: note } : {}) }, now);
}

/** Bulk first; if that fails, issue by issue (afterCommit logs what it cannot set; the start-up reconcile mends the rest). */
async function scheduleTimers(ctx: CommandContext, issues: readonly Issue[], now: number): Promise<void> {
  try {
    await ctx.jobs.afterCommitMany(issues.map((after) => ({ before: undefined, after })), now);
  } catch {
    for (const issue of issues) await ctx.jobs.afterCommit(undefined, issue);
  }
}
