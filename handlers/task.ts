import { actorFor } from '../src/domain/actor';
import { OPEN_STATES, type Issue } from '../src/domain/issue';
import { apply, isRefusal, type Outcome } from '../src/domain/lifecycle';
import { spanOfMonths } from '../src/domain/period-span';
import { bucketOf, countsFromStates, readTaskRef, splitTaskRef, type Task, type TaskCounts } from '../src/domain/task';
import { jobIdPart } from '../jobs/push';
import { visibleUnits } from '../src/domain/visibility';
import { monthKey } from '../src/domain/time';
import { restText, type Token } from '../src/parsing/args';
import { normalizeText } from '../src/parsing/normalize';
import { joinPageWords, pageOf } from '../src/parsing/page-words';
import { parsePeriod, type Period } from '../src/parsing/period';
import { chatShowsUnits } from '../src/pipeline/chat-scope';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { ConflictError, NeedInput, NotFoundError, PermissionError, UsageError } from '../src/pipeline/errors';
import { checkLength, throwRefusal } from '../src/pipeline/issue-actions';
import { clipForReply } from '../src/rendering/clip';
import { userText } from '../src/rendering/safe-text';
import { assignedBy, taskCanceledPush, taskCard, taskListLine, taskRef, type TaskListRow, type TaskUnitRow } from '../src/rendering/tasks';
import { issueChat } from '../src/domain/issue-chat';

const EXAMPLE = '/任务 #T3';
const PAGE_SIZE = 10;
const LIST_WORDS = new Set(['清单', '列表', '全部', 'list', 'ls', 'all']);

/**
 * /任务 #T3: how far the units of a task are (docs/design.md §4.15); /任务 清单 [时段]: the tasks,
 * newest first. Each reader sees the units of the task they may see, in a chat that may show them.
 */
export default defineCommand({
  name: 'task',
  aliases: ['任务'],
  roles: ['admin', 'leader', 'member', 'secretary'],
  effects: 'reads',
  summary: '任务进度：布置的任务各单位完成情况，任务清单',
  usage: '/任务 #T编号 · /任务 清单 [时段]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const first = args.words[0];
    // "/任务 #2": #2 is issue 2 everywhere, so it means that issue's task (a bare "2" or "T2" is task 2).
    if (args.refs.length) {
      if (args.refs.length > 1 || args.words.length) throw new UsageError('查看任务请只写任务编号', EXAMPLE);
      return showIssueTask(ctx, args.refs[0]!);
    }
    const id = first ? readTaskRef(first.raw, true) : undefined;
    if (id !== undefined) {
      if (args.words.length > 1) throw new UsageError('查看任务请只写任务编号', EXAMPLE);
      return show(ctx, id);
    }
    if (!first || LIST_WORDS.has(normalizeText(first.norm).toLowerCase())) return list(ctx, first ? args.words.slice(1) : []);
    return list(ctx, args.words);
  },
});

/** The units of a task this reader may see here: their own area (or unit), within what the chat shows. */
function visibleShare(ctx: CommandContext, task: Task): [string, number][] {
  const isAdmin = ctx.sender.roles.includes('admin');
  const mine = isAdmin ? undefined : visibleUnits(ctx.org, ctx.sender.userid);
  const shows = chatShowsUnits(ctx);
  return task.units.filter(([u]) => (!mine || mine.has(u)) && (shows === 'any' || shows.has(u)));
}

async function loadTask(ctx: CommandContext, id: number): Promise<Task> {
  const task = await ctx.records.tasks.get(id);
  if (!task) throw new NotFoundError(`没有找到任务 ${taskRef(id)}`, '/任务 清单');
  return task;
}

/** "/任务 #2": the task issue #2 belongs to, or that #2 is an issue and task numbers are T-numbers. */
async function showIssueTask(ctx: CommandContext, issueId: number): Promise<string> {
  const issue = await ctx.ledger.get(issueId);
  if (issue?.taskId !== undefined) return show(ctx, issue.taskId);
  throw new UsageError(`#${issueId} 是问题编号${issue ? '，这个问题不属于任何任务' : ''}；任务编号写作 T${issueId}，查看问题请发送 \`/查看 #${issueId}\``, `/任务 T${issueId}`);
}

async function show(ctx: CommandContext, id: number): Promise<string> {
  const task = await loadTask(ctx, id);
  const share = visibleShare(ctx, task);
  if (!share.length) {
    throw new PermissionError('组织部或任务涉及片区的工作队', `任务 ${taskRef(id)} 不涉及${ctx.message.chatType === 'single' ? '你负责的单位' : '本群的范围'}；请到相关片区的工作群，或单聊督办助手查看`);
  }
  const now = ctx.clock.now().getTime();
  const issues = await ctx.ledger.getMany(share.map(([, issueId]) => issueId));
  const rows: TaskUnitRow[] = issues.map((i) => ({ unitId: i.unitId, issueId: i.id, bucket: bucketOf(i, now), ...(i.grade !== undefined ? { grade: i.grade } : {}) }));
  return taskCard(ctx.org, task, rows, now, { partial: share.length < task.units.length, gradeWords: ctx.org.policy.grades.map((g) => g.word) });
}

/** Figures of the share one reader may see: the task's counters when that is the whole task, else from its issues. */
async function countsFor(ctx: CommandContext, task: Task, share: readonly [string, number][], now: number): Promise<TaskCounts> {
  if (share.length === task.units.length) return ctx.records.tasks.counts(task.id, now);
  const issues = await ctx.ledger.getMany(share.map(([, id]) => id));
  const states: Partial<Record<Issue['state'], number>> = {};
  for (const i of issues) states[i.state] = (states[i.state] ?? 0) + 1;
  return countsFromStates(states, issues.filter((i) => bucketOf(i, now) === 'overdue').length);
}

async function list(ctx: CommandContext, words: readonly Token[]): Promise<string> {
  const now = ctx.clock.now().getTime();
  let page = 1;
  let period: Period | undefined;
  const kept: Token[] = [];
  for (const w of joinPageWords(words)) {
    const p = pageOf(w);
    if (p !== undefined) {
      page = p;
      continue;
    }
    const read = period ? undefined : parsePeriod(w.raw, now);
    if (read) {
      if (read.months?.length && [...read.months].sort()[0]! > monthKey(now)) throw new UsageError(`${read.label}还没有到，请写今天以前的时段`, '/任务 清单 本月');
      period = read;
      kept.push(w);
      continue;
    }
    throw new UsageError(`看不懂“${clipForReply(w.raw)}”：可以写“本月”“本季度”“2026”这样的时段，或“第2页”`, '/任务 清单 本季度');
  }
  const span = spanOfMonths(period?.months);
  const ids = await ctx.records.tasks.ids(span?.from, span?.to);
  const isAdmin = ctx.sender.roles.includes('admin');
  const shows = chatShowsUnits(ctx);
  let rows: { task: Task; share: [string, number][] }[];
  let total: number;
  if (isAdmin && shows === 'any') {
    // The whole list is the admin's: load only the page.
    total = ids.length;
    const tasks = await ctx.records.tasks.getMany(ids.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE));
    rows = tasks.map((task) => ({ task, share: task.units }));
  } else {
    const all = (await ctx.records.tasks.getMany(ids)).map((task) => ({ task, share: visibleShare(ctx, task) })).filter((r) => r.share.length);
    total = all.length;
    rows = all.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  }
  const label = period?.label ?? '累计';
  const heading = `**📋 任务清单 · ${userText(label)}**`;
  if (!total) return `${heading}\n还没有布置的任务${isAdmin || ctx.sender.leaderOf.length ? `。布置一项：\`/布置 开展党员大会会议记录自查 期限:12月20日 范围:福禄镇\`` : '。'}`;
  const listed: TaskListRow[] = await Promise.all(rows.map(async (r) => ({ task: r.task, counts: await countsFor(ctx, r.task, r.share, now) })));
  const pages = Math.ceil(total / PAGE_SIZE);
  const lines = [`${heading}（共 ${total} 项${pages > 1 ? `，第 ${page}/${pages} 页` : ''}）`, ...listed.map((r) => taskListLine(r, now))];
  if (!listed.length) lines.push('这一页没有内容了。');
  if (page < pages) lines.push(`下一页：\`${['/任务 清单', ...kept.map((w) => userText(w.raw)), `第${page + 1}页`].join(' ')}\``);
  lines.push('查看一项：`/任务 #T编号`');
  return lines.join('\n');
}

/**
 * /撤销 #T3 <原因> (handed over by /撤销): every open issue of the task to 已撤销 with the reason,
 * and the task marked withdrawn, in one script against the versions read; read again when an
 * issue changed in between. Closed issues stay as they are. Admins or whoever assigned it.
 */
export async function cancelTask(ctx: CommandContext, id: number, words: readonly Token[]): Promise<string> {
  const example = `/撤销 ${taskRef(id)} 任务调整，另行布置`;
  const task = await loadTask(ctx, id);
  if (!ctx.sender.roles.includes('admin') && task.createdBy !== ctx.sender.userid) {
    throw new PermissionError('组织部或布置该任务的人', `任务 ${taskRef(id)} ${assignedBy(task.source)}，只有组织部或布置人可以撤销`);
  }
  if (task.canceledAt !== undefined) throw new ConflictError(`任务 ${taskRef(id)} 已经撤销过了`);
  const reason = reasonAfterRef(id, words);
  if (!reason) throw new NeedInput('reason', `请说明撤销任务 ${taskRef(id)} 的原因`, '任务调整，另行布置');
  checkLength('cancelReason', reason, example);

  for (let attempt = 0; attempt < 5; attempt++) {
    const now = ctx.clock.now().getTime();
    const issues = await ctx.ledger.getMany(task.units.map(([, issueId]) => issueId));
    const changes: { before: Issue; outcome: Outcome }[] = [];
    const kept: Issue[] = [];
    for (const before of issues) {
      if (!OPEN_STATES.includes(before.state)) {
        kept.push(before);
        continue;
      }
      const result = apply(before, { type: 'cancel', reason: `撤销任务 ${taskRef(id)}：${reason}` }, actorFor(ctx.org, ctx.sender.userid, before.unitId), now);
      if (isRefusal(result)) throwRefusal(result);
      changes.push({ before, outcome: result });
    }
    const done = await ctx.records.tasks.cancel(id, changes, ctx.sender.userid, now, reason, kept);
    if (done.kind === 'stale') continue;
    if (done.kind === 'gone') throw new ConflictError(`任务 ${taskRef(id)} 已经撤销过了`);
    try {
      await ctx.jobs.afterCommitMany(changes.map((c) => ({ before: c.before, after: c.outcome.issue })), now);
    } catch {
      // Stale reminders find their issue canceled and say nothing; the timers are only freed early here.
    }
    // One short notice per group the task went to; ids from the task and chat, so a retry queues nothing twice.
    const chats = [...new Set(issues.map((i) => issueChat(ctx.org, i)))];
    const failed = await ctx.jobs.pushAfterCommit(
      chats.map((chatId) => ({ id: `task-T${id}-cancel-${jobIdPart(chatId)}`, chatId, kind: 'task' as const, format: 'text' as const, content: taskCanceledPush(task, reason), createdAt: now })),
    );
    return [
      `🗑 任务 **${taskRef(id)}** 已撤销，原因：${userText(reason)}`,
      `未完成的 ${changes.length} 个问题已撤销${kept.length ? `，已完成或已撤销的 ${kept.length} 个保持不变` : ''}。记录保留在台账中。`,
      failed ? `撤销通知暂未发出（${failed} 个群），请稍后在相关群说明。` : `已通知 ${chats.length} 个群。`,
    ].join('\n');
  }
  throw new ConflictError(`任务 ${taskRef(id)} 的问题正被频繁修改，请稍后再试`);
}

/** The reason of /撤销 #T3: the words after the reference, without the reference again (a dialogue answer "#T3"). */
function reasonAfterRef(id: number, words: readonly Token[]): string {
  let text = restText(words);
  for (let r = splitTaskRef(text); r && r.id === id; r = splitTaskRef(text)) text = r.rest.trim();
  return text;
}
