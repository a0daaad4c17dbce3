import { hash } from 'node:crypto';
import { z } from 'zod';
import { ISSUE_STATES, STATE_WORDS, type Issue, type IssueState } from '../domain/issue';
import type { Org } from '../domain/org';
import { cleanInput } from '../parsing/clean-input';
import type { TemplateCard } from '../transport/template-card';
import { formatShortDate } from './dates';

/**
 * The button cards of an issue (docs/design.md §4.20): the assignment notice (已整改 / 查看), the
 * 待核验 notice (销号 / 驳回 / 查看), the 回头看 notice (回访正常 / 反弹 / 查看), and the card a click
 * leaves behind (what was done, by whom, the state; only 查看 still applies). Cards are plain text
 * to WeCom; user text in them is one line, clipped to the field's limit.
 */

/** WeCom's limits (docs/wecom-protocol.md §1.9), in characters (字) unless said otherwise. */
export const CARD_LIMITS = {
  title: 26,
  titleDesc: 30,
  source: 13,
  subTitle: 112,
  buttons: 6,
  buttonText: 10,
  horizontal: 6,
  keyname: 5,
  value: 26,
  /** Bytes of [0-9A-Za-z_\-@]. */
  taskId: 128,
} as const;

/** The buttons' keys (the click's event_key) and the typed command each one stands for. */
export const CARD_KEYS = ['fix', 'verify', 'reject', 'show', 'revisit-ok', 'revisit-relapse'] as const;
export type CardKey = (typeof CARD_KEYS)[number];
export const cardKeySchema = z.enum(CARD_KEYS);

const BUTTONS: Record<CardKey, { text: string; style: number }> = {
  fix: { text: '已整改', style: 1 },
  verify: { text: '销号', style: 1 },
  reject: { text: '驳回', style: 2 },
  'revisit-ok': { text: '回访正常', style: 1 },
  'revisit-relapse': { text: '反弹', style: 2 },
  show: { text: '查看', style: 4 },
};

/** The typed command a button stands for: a click runs exactly this, as the clicker. */
export function commandFor(key: CardKey, issueId: number): string {
  switch (key) {
    case 'fix':
      return `/整改 #${issueId}`;
    case 'verify':
      return `/销号 #${issueId}`;
    case 'reject':
      return `/驳回 #${issueId}`;
    case 'show':
      return `/查看 #${issueId}`;
    case 'revisit-ok':
      return `/回访 #${issueId} 正常`;
    case 'revisit-relapse':
      return `/回访 #${issueId} 反弹`;
  }
}

/** What a card that went through says was done: "已由 唐建平 销号". */
export const DONE_WORDS: Record<CardKey, string> = {
  fix: '反馈整改',
  verify: '销号',
  reject: '驳回',
  show: '查看',
  'revisit-ok': '回访：正常',
  'revisit-relapse': '回访：反弹',
};

/**
 * task_id: the issue, the state the card was made for, when the issue entered that state (ms in
 * base36), and a short hash of what made the card (the message's msgid, a push's id), so it is
 * unique per bot and a click can tell a stale card: `i12-submitted-lq3x9k2a-3fa9c1d2`. The time
 * tells rounds apart: after 驳回 and a new /整改 the issue is `submitted` again, and 销号 on the
 * first round's card must not close a fix its card never showed.
 */
const TASK_ID = /^i([1-9]\d{0,11})-([a-z]+)-([0-9a-z]{1,11})-([0-9a-f]{8})$/u;

/** When the issue entered its current state, as the task_id carries it ('0' for a record without the time). */
export function stateStamp(issue: Issue): string {
  const since: Record<IssueState, number | undefined> = {
    reported: issue.createdAt,
    assigned: issue.assignedAt,
    submitted: issue.submittedAt,
    closed: issue.closedAt,
    revisited: issue.revisitedAt,
    canceled: issue.canceledAt,
  };
  return (since[issue.state] ?? 0).toString(36);
}

export function cardTaskId(issue: Issue, seed: string): string {
  return `i${issue.id}-${issue.state}-${stateStamp(issue)}-${hash('sha1', seed, 'hex').slice(0, 8)}`;
}

export const cardTaskSchema = z
  .string()
  .max(CARD_LIMITS.taskId)
  .regex(TASK_ID)
  .transform((s, ctx) => {
    const m = TASK_ID.exec(s)!;
    const state = z.enum(ISSUE_STATES).safeParse(m[2]);
    if (!state.success) {
      ctx.addIssue({ code: 'custom', message: 'unknown state in task_id' });
      return z.NEVER;
    }
    return { issueId: Number(m[1]), state: state.data, stamp: m[3]! };
  });
/** A card still stands for the issue when the issue is in the card's state, entered at the same time. */
export function cardIsCurrent(task: CardTask, issue: Issue): boolean {
  return issue.state === task.state && stateStamp(issue) === task.stamp;
}
export type CardTask = z.output<typeof cardTaskSchema>;

/**
 * User text for a card field: one line (every line break, tab and run of spaces becomes one
 * space), no control or format characters, at most `max` characters with "…" (cut on a code point).
 */
export function cardText(text: string, max: number): string {
  const line = cleanInput(text).replace(/\s+/gu, ' ').trim();
  // UTF-16 units are at least as many as code points: a line that short needs no counting.
  if (line.length <= max) return line;
  const chars = [...line];
  return chars.length <= max ? line : `${chars.slice(0, max - 1).join('')}…`;
}

function personName(org: Org, userid: string | undefined): string {
  return userid === undefined ? '未指定' : (org.person(userid)?.name ?? userid);
}

function unitName(org: Org, unitId: string): string {
  const u = org.unit(unitId);
  if (!u) return unitId;
  return u.name.startsWith(u.town) ? u.name : `${u.town}${u.name}`;
}

type Field = { keyname: string; value: string };
const field = (keyname: string, value: string): Field => ({ keyname: cardText(keyname, CARD_LIMITS.keyname), value: cardText(value, CARD_LIMITS.value) });

function buttons(keys: readonly CardKey[]): NonNullable<TemplateCard['button_list']> {
  return keys.slice(0, CARD_LIMITS.buttons).map((key) => ({ text: BUTTONS[key].text, style: BUTTONS[key].style, key }));
}

function base(org: Org, issue: Issue, source: string, desc: string): TemplateCard {
  return {
    card_type: 'button_interaction',
    source: { desc: cardText(source, CARD_LIMITS.source), desc_color: 1 },
    main_title: { title: cardText(`#${issue.id} ${unitName(org, issue.unitId)}`, CARD_LIMITS.title), desc: cardText(desc, CARD_LIMITS.titleDesc) },
  };
}

function deadlineField(issue: Issue, now: number): Field[] {
  return issue.deadline === undefined ? [] : [field('期限', formatShortDate(issue.deadline, now))];
}

/** After /上报 (with a 责任人), /交办, /驳回 and a 反弹: the unit rectifies; 已整改 is the 责任人's button. */
export function assignmentCard(org: Org, issue: Issue, now: number, seed: string): TemplateCard {
  return {
    ...base(org, issue, '交办通知', issue.description),
    horizontal_content_list: [field('状态', STATE_WORDS[issue.state]), field('责任人', personName(org, issue.assignee)), ...deadlineField(issue, now)],
    sub_title_text: cardText(`责任人整改后点“已整改”，或回复 /整改 #${issue.id} 整改情况（可附照片）`, CARD_LIMITS.subTitle),
    button_list: buttons(['fix', 'show']),
    task_id: cardTaskId(issue, seed),
  };
}

/** After /整改: the team verifies (the one who reported the fix and the 责任人 may not: 两人核验). */
export function verifyCard(org: Org, issue: Issue, _now: number, seed: string): TemplateCard {
  return {
    ...base(org, issue, '待核验', issue.description),
    horizontal_content_list: [
      field('状态', STATE_WORDS[issue.state]),
      field('整改', issue.fixNote || '见照片'),
      ...(issue.fixedBy ? [field('反馈人', personName(org, issue.fixedBy))] : []),
      ...(issue.evidence.length ? [field('照片', `${issue.evidence.length} 张`)] : []),
    ],
    sub_title_text: cardText(`请工作队核验：点“销号”或“驳回”（驳回要说明原因）；反馈整改的人和责任人不能核验`, CARD_LIMITS.subTitle),
    button_list: buttons(['verify', 'reject', 'show']),
    task_id: cardTaskId(issue, seed),
  };
}

/** The 回头看 push: the team revisits a closed issue; the outcome's two words as buttons. */
export function revisitCard(org: Org, issue: Issue, now: number, seed: string): TemplateCard {
  return {
    ...base(org, issue, '回头看', issue.description),
    horizontal_content_list: [
      field('状态', STATE_WORDS[issue.state]),
      ...(issue.closedAt !== undefined ? [field('销号', formatShortDate(issue.closedAt, now))] : []),
      field('责任人', personName(org, issue.assignee)),
    ],
    sub_title_text: cardText(`回访后点“回访正常”或“反弹”；要写情况或群众评价，请回复 /回访 #${issue.id} 正常 满意`, CARD_LIMITS.subTitle),
    button_list: buttons(['revisit-ok', 'revisit-relapse', 'show']),
    task_id: cardTaskId(issue, seed),
  };
}

/**
 * The card a click leaves in place of the clicked one: what was done and by whom ("已由 唐建平
 * 销号"), or that the issue moved on; the state; only 查看, which applies in every state (WeCom
 * keeps the clicked card's task_id on an update, so a button for the new state would read stale).
 */
export function afterCard(org: Org, issue: Issue, o: AfterCardInput): TemplateCard {
  // A closed issue's card says what the typed 销号 reply says: when the 回头看 is due, and the 完成效果.
  const closed = o.closed ? [field('回头看', formatShortDate(o.closed.revisitDue, o.closed.now)), field('完成效果', o.closed.grade ?? '未评定')] : [];
  return {
    ...base(org, issue, '办理结果', o.line),
    horizontal_content_list: [field('状态', STATE_WORDS[o.state]), ...closed, field('问题', issue.description)],
    button_list: buttons(['show']),
    task_id: o.taskId,
  };
}

export interface AfterCardInput {
  state: IssueState;
  line: string;
  taskId: string;
  /** For an issue left 已销号: when its 回头看 is due, and its 完成效果 (none: 未评定). */
  closed?: { revisitDue: number; now: number; grade?: string | undefined };
}

/** "已由 唐建平 销号". */
export function doneLine(org: Org, userid: string, what: string): string {
  return `已由 ${personName(org, userid)} ${what}`;
}

/**
 * A card in plain words, for a channel that cannot carry it (the group robot, a client that does
 * not render cards): where it comes from and its title, its fields, the line under them.
 */
export function cardWords(card: TemplateCard): string {
  const head = [card.source?.desc, [card.main_title?.title, card.main_title?.desc].filter(Boolean).join(' ')].filter(Boolean).join('：');
  const fields = (card.horizontal_content_list ?? []).map((f) => `${f.keyname}：${f.value ?? ''}`).join('；');
  return [head, fields, card.sub_title_text].filter(Boolean).join('\n') || '（卡片）';
}
