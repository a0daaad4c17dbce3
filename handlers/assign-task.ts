import { createHash } from 'node:crypto';
import { jobIdPart } from '../jobs/push';
import type { Issue } from '../src/domain/issue';
import { TASK_CONTENT_MAX, type Task } from '../src/domain/task';
import { groupByChat, type TaskShare } from '../src/domain/task-groups';
import { planTask, taskAuthority } from '../src/domain/task-plan';
import { charCount } from '../src/domain/limits';
import type { Refusal } from '../src/domain/lifecycle';
import { visibleUnits } from '../src/domain/visibility';
import { restText, type Token } from '../src/parsing/args';
import { readTaskScope } from '../src/parsing/task-scope';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { resolveDeadline } from '../src/pipeline/deadlines';
import { NeedInput, PermissionError, UsageError } from '../src/pipeline/errors';
import { throwRefusal } from '../src/pipeline/issue-actions';
import { clipForReply } from '../src/rendering/clip';
import { taskAssignedReply, taskPushParts, taskRef } from '../src/rendering/tasks';

const EXAMPLE = '/布置 开展党员大会会议记录自查 期限:12月20日 范围:福禄镇';
const SCOPE_HELP = '范围可以写：全区、镇街（福禄镇）、类别（村、社区、学校）、工作队或单位名称，多个用“、”分开';
const SCOPE_KEY = /(?:^|\s)(?:范围|scope)[:：]\S*/iu;

/**
 * /布置: one task to many units (docs/design.md §4.15). One issue per unit, each assigned at
 * once to the unit's secretary with the deadline; the task and all its issues are written by
 * one script; each group the issues live in gets one robot message listing its units and @-ing
 * their secretaries. A re-sent message finds its task and creates nothing.
 */
export default defineCommand({
  name: 'assign-task',
  aliases: ['布置', '布置任务'],
  roles: ['admin', 'leader'],
  summary: '布置任务：一次交办给多个单位（组织部全区，队长本片区）',
  usage: '/布置 <任务内容> 期限:<日期> 范围:<全区|镇街|类别|单位、…>',
  example: EXAMPLE,
  fields: ['scope', 'deadline'],
  args: grammarInput,
  async run(ctx, { text, args }) {
    let scopeText = args.fields.scope;
    let words: Token[] = args.words;
    // A dialogue answer comes last: "范围:福禄镇、" + "七塘镇" (the one that was ambiguous).
    if (scopeText !== undefined && /[,，、]$/u.test(scopeText) && words.length) {
      scopeText += words[words.length - 1]!.raw;
      words = words.slice(0, -1);
    }
    const content = restText(words).replace(/^[，,、；;:：。\s]+/u, '');
    if (!content) throw new NeedInput('description', '请写明任务内容', '开展党员大会会议记录自查');
    if (charCount(content) > TASK_CONTENT_MAX) throw new UsageError(`任务内容请控制在 ${TASK_CONTENT_MAX} 字以内（现在 ${charCount(content)} 字）；详细要求可另发通知`, EXAMPLE);
    if (!scopeText?.trim()) throw new NeedInput('unit', `布置给哪些单位？${SCOPE_HELP}`, '福禄镇、七塘镇', `${text.replace(SCOPE_KEY, '')} 范围:`.trim());

    const preferred = ctx.sender.leaderOf.length ? new Set(ctx.sender.leaderOf.flatMap((t) => t.coveredUnitIds)) : visibleUnits(ctx.org, ctx.sender.userid);
    const read = readTaskScope(ctx.org, scopeText, preferred);
    if (!read.ok) {
      if (read.reason === 'empty') throw new NeedInput('unit', `布置给哪些单位？${SCOPE_HELP}`, '福禄镇', `${text.replace(SCOPE_KEY, '')} 范围:`.trim());
      if (read.reason === 'unknown') throw new UsageError(`找不到“${clipForReply(read.word)}”。${SCOPE_HELP}`, EXAMPLE);
      const names = read.units.map((u) => `${u.town}${u.name}`);
      const others = scopeText.split(/[,，、;；]+/u).map((w) => w.trim()).filter((w) => w && w !== read.word);
      throw new NeedInput(
        'unit',
        `“${clipForReply(read.word)}”对应多个单位：${names.slice(0, 8).join('、')}${names.length > 8 ? ' 等' : ''}。请回复完整名称`,
        names[0]!,
        `${text.replace(SCOPE_KEY, '')} 范围:${others.map((w) => `${w}、`).join('')}`.trim(),
      );
    }
    const district = read.parts.some((p) => p.kind === 'district');
    const authority = taskAuthority(ctx.org, ctx.sender, read.units, district);
    if (!authority.ok) throw new PermissionError(authority.allowed, authority.reason);
    if (!read.units.length) throw new UsageError('这个范围里没有登记的单位', EXAMPLE);

    const now = ctx.clock.now();
    const deadline = resolveDeadline(args.fields.deadline, ctx.org.policy, now, EXAMPLE);
    const messageKey = createHash('sha1').update(ctx.message.msgid).digest('hex');
    const before = await ctx.records.tasks.byMessage(messageKey);
    if (before !== undefined) return announceExisting(ctx, before, deadline.note);

    const { taskId, firstIssueId } = await ctx.records.tasks.allocate(read.units.length);
    const plan = planTask({
      org: ctx.org,
      sender: ctx.sender,
      units: read.units,
      content,
      deadline: deadline.at,
      scopeWords: read.parts.map((p) => p.word).join('、'),
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
    if (written.kind === 'exists') return announceExisting(ctx, written.taskId, deadline.note);
    return announce(ctx, plan.task, plan.outcomes.map((o) => o.issue), plan.shares, true, deadline.note);
  },
});

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
  await Promise.all(pushes.map((p) => ctx.jobs.outbox.enqueue(p)));
  const waiting = shares.filter((s) => !s.secretary).map((s) => ({ unitId: s.unitId, issueId: s.issueId }));
  return taskAssignedReply(ctx.org, { task, assigned: shares.length - waiting.length, waiting, groups: [...groups.keys()], ...(note ? { deadlineNote: note } : {}) }, now);
}

/** Bulk first; if that fails, issue by issue (afterCommit logs what it cannot set; the start-up reconcile mends the rest). */
async function scheduleTimers(ctx: CommandContext, issues: readonly Issue[], now: number): Promise<void> {
  try {
    await ctx.jobs.timers.syncMany(issues.map((after) => ({ before: undefined, after })), now);
  } catch {
    for (const issue of issues) await ctx.jobs.afterCommit(undefined, issue);
  }
}
