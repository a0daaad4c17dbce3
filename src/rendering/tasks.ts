import type { Org } from '../domain/org';
import { BUCKET_WORDS, TASK_BUCKETS, type Task, type TaskBucket, type TaskCounts } from '../domain/task';
import { packLines, type TaskShare } from '../domain/task-groups';
import { formatDate, formatDeadline, formatDay } from './dates';
import { personName, truncate, unitLabel } from './issue';
import { userText } from './safe-text';
import { issueMentions } from '../domain/issue-people';

/** What the group robot takes in one text message (docs/wecom-protocol.md §4). */
export const ROBOT_TEXT_BYTES = 2048;

/** "任务 #T3" — how a task is named everywhere. */
export const taskRef = (id: number) => `#T${id}`;

/**
 * A task's content as shown: userText (one line, no markup) and, since it goes out in pushes
 * that @ people and are read on phones, no @ that looks like a mention and no address a client
 * would turn into a link.
 */
export function taskText(text: string): string {
  return userText(text)
    .replace(/[@＠]/gu, '＠')
    .replace(/:\/\//gu, '：//')
    .replace(/\bwww\./giu, (m) => `${m.slice(0, 3)}．`);
}

/** One unit's line in a group push: its issue, its name, its secretary (or that it waits for one). */
function shareLine(org: Org, s: TaskShare): string {
  return `#${s.issueId} ${unitLabel(org, s.unitId)}　${s.secretary ? personName(org, s.secretary) : '（未登记书记，待工作队交办）'}`;
}

/**
 * The one message a group gets for a task: its units (each with its own issue number) and how
 * to report, the secretaries @ed through mentioned_list. Split into parts "（1/2）" only when the
 * list does not fit one robot message, never cut.
 */
export function taskPushParts(org: Org, task: Task, shares: readonly TaskShare[], now: number): { content: string; mentions: string[] }[] {
  const header = (part: number, parts: number) =>
    [
      `📋 ${userText(task.source)}任务 ${taskRef(task.id)}${parts > 1 ? `（${part}/${parts}）` : ''}`,
      `任务：${taskText(task.content)}`,
      `期限：${formatDate(task.deadline, now)}`,
      `请以下单位按期完成，完成后回复：/整改 #编号 完成情况（可附照片）`,
    ].join('\n');
  const lines = shares.map((s) => shareLine(org, s));
  const packed = packLines(header, lines, ROBOT_TEXT_BYTES);
  let at = 0;
  return packed.map((part, i) => {
    const mine = shares.slice(at, at + part.length);
    at += part.length;
    return {
      content: [header(i + 1, packed.length), ...part].join('\n'),
      // Each unit's secretary with its 驻村第一书记 and 联络员; a unit still waiting for a 责任人 is @-ed by nobody.
      mentions: [...new Set(mine.flatMap((s) => (s.secretary ? issueMentions(org, { unitId: s.unitId, assignee: s.secretary }) : [])))],
    };
  });
}

/** A clipped list of names: "斑竹村、喜观村 等 12 个". */
export function clipNames(names: readonly string[], max = 8): string {
  if (names.length <= max) return names.join('、');
  return `${names.slice(0, max).join('、')} 等 ${names.length} 个`;
}

export interface AssignedSummary {
  task: Task;
  assigned: number;
  /** Units without a secretary: their issue waits in 待交办. */
  waiting: { unitId: string; issueId: number }[];
  groups: string[];
  /** Some group pushes could not be queued yet (they follow). */
  pushesDelayed?: boolean;
  deadlineNote?: string;
}

/** The reply in the sender's chat. */
export function taskAssignedReply(org: Org, s: AssignedSummary, now: number): string {
  const { task } = s;
  const lines = [
    `📋 已布置 任务 **${taskRef(task.id)}**：${taskText(task.content)}`,
    `共 ${task.unitCount} 个单位（已交办 ${s.assigned}，待交办 ${s.waiting.length}）　期限：${formatDeadline(task.deadline, now)}`,
  ];
  if (s.deadlineNote) lines.push(`（${s.deadlineNote}）`);
  const groups = clipNames(s.groups.map((c) => userText(org.chatLabel(c))), 5);
  lines.push(s.pushesDelayed ? `群通知稍后发出（${s.groups.length} 个群：${groups}）；任务已布置，请勿重复发送` : `已通知 ${s.groups.length} 个群：${groups}`);
  if (s.waiting.length) {
    lines.push(`未登记书记，待交办：${clipNames(s.waiting.map((w) => `${unitLabel(org, w.unitId)} #${w.issueId}`), 5)}；请 \`/交办 #编号 @责任人\``);
  }
  lines.push(`查看进度：\`/任务 ${taskRef(task.id)}\``);
  return lines.join('\n');
}

export interface TaskUnitRow {
  unitId: string;
  issueId: number;
  bucket: TaskBucket;
  grade?: string;
}

/**
 * /任务 #T3: completion across the units the reader may see, the units behind each figure
 * (clipped), and the 完成效果 counts once any unit's result was graded.
 */
export function taskCard(org: Org, task: Task, rows: readonly TaskUnitRow[], now: number, opts: { partial: boolean; gradeWords: readonly string[] }): string {
  const lines = [`📋 **任务 ${taskRef(task.id)}**：${taskText(task.content)}`];
  lines.push(`来源：${userText(task.source)}　布置：${personName(org, task.createdBy)}，${formatDay(task.createdAt, now)}`);
  const canceled = task.canceledAt !== undefined;
  // A withdrawn task has no time left to count down.
  lines.push(`期限：${canceled ? formatDate(task.deadline, now) : formatDeadline(task.deadline, now)}`);
  lines.push(`范围：${userText(task.scopeWords)}（${task.unitCount} 个单位）${opts.partial ? `，本片区 ${rows.length} 个` : ''}`);
  if (canceled) {
    lines.push(`🗑 已撤销：${formatDay(task.canceledAt!, now)} ${task.canceledBy ? personName(org, task.canceledBy) : ''}，原因：${userText(task.cancelReason ?? '')}`);
  }
  const by = new Map<TaskBucket, TaskUnitRow[]>(TASK_BUCKETS.map((b) => [b, []]));
  for (const r of rows) by.get(r.bucket)!.push(r);
  const live = rows.length - by.get('canceled')!.length;
  const done = by.get('done')!.length;
  // "完成 0/0" says nothing once every unit's share was withdrawn: name what was done before.
  if (canceled) lines.push(`撤销前已完成 ${done} 个单位`);
  else lines.push(`完成 ${done}/${live}${live ? `（${((done / live) * 100).toFixed(1)}%）` : ''}`);
  for (const b of TASK_BUCKETS) {
    const list = by.get(b)!;
    if (!list.length) continue;
    const mark = b === 'overdue' ? '🔴 ' : '';
    lines.push(`· ${mark}${BUCKET_WORDS[b]} ${list.length}：${clipNames(list.map((r) => `${unitLabel(org, r.unitId)} #${r.issueId}`))}`);
  }
  const graded = rows.filter((r) => r.grade !== undefined);
  if (graded.length) {
    const count = new Map<string, number>();
    for (const r of graded) count.set(r.grade!, (count.get(r.grade!) ?? 0) + 1);
    const order = [...opts.gradeWords, ...[...count.keys()].filter((g) => !opts.gradeWords.includes(g))];
    lines.push(`完成效果：${order.filter((g) => count.has(g)).map((g) => `${userText(g)} ${count.get(g)}`).join('、')}`);
  }
  return lines.join('\n');
}

export interface TaskListRow {
  task: Task;
  counts: TaskCounts;
}

/** One line of /任务 清单: number, content, 完成 x/N, 逾期, deadline (or 已撤销). */
export function taskListLine(row: TaskListRow, now: number): string {
  const { task, counts } = row;
  const live = counts.total - (counts.total - counts.done - counts.open);
  const state = task.canceledAt !== undefined ? `已撤销，撤销前已完成 ${counts.done}` : `完成 ${counts.done}/${live}${counts.overdue ? `　🔴逾期 ${counts.overdue}` : ''}　期限 ${formatDeadline(task.deadline, now, true)}`;
  return `${taskRef(task.id)} ${truncate(taskText(task.content), 24)}（${state}）`;
}

/** "组织部布置" is already a doing word: "由组织部布置", never "由组织部布置布置". */
export function assignedBy(source: string): string {
  return `由${userText(source.replace(/布置$/u, ''))}布置`;
}

/** The one short message each group of a withdrawn task gets (no @: nobody has anything to do). */
export function taskCanceledPush(task: Task, reason: string): string {
  return [`🗑 任务 ${taskRef(task.id)} 已撤销：${taskText(reason)}`, `任务：${truncate(taskText(task.content), 60)}`, '本群相关单位不用再办理，已反馈的记录保留在台账中。'].join('\n');
}
