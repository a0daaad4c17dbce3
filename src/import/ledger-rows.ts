import { createHash } from 'node:crypto';
import type { Org, Unit } from '../domain/org';
import { startOfDay } from '../domain/time';
import { normalizeText } from '../parsing/normalize';
import { peopleIndex, sharedNameQuestion } from '../parsing/people';
import { unitIndex } from '../parsing/units';
import { nearNames } from '../pipeline/name-suggest';
import { tooLong } from '../domain/limits';
import { checklistMatcher } from '../parsing/checklist';
import { checklistText } from '../rendering/rounds';
import { endOfDay, readDay, yearOf } from './cell-date';
import { FIELD_WORDS, type CellValue, type LedgerField, type RawRow } from './ledger-sheet';

/**
 * One row of a 台账 placed in the organisation — the issue it becomes — or why it cannot be:
 * every problem of the row, each naming the row number and the value as written.
 *
 * Decisions (the CLI's usage says them too):
 * - 状态 是/已整改/已完成/已销号… → 已销号 with 整改情况 as the fix; closed at the 整改期限 when it
 *   has passed, else at 发现时间 (the sheet has no closing date), counted on time.
 * - Otherwise open: assigned to 责任人 when the column names a person, else to the unit's
 *   secretary (else 待交办); the deadline is 整改期限's day, or 发现时间 + the policy's default
 *   deadline when empty; 长期坚持 means no deadline (never overdue, no reminders). A past
 *   deadline comes in overdue.
 * - Found by 发现人 when a person; when empty, by the importing admin (`--by`, default the first
 *   admin of the organisation). 发现时间 empty: the import's day.
 * - 类别 names a checklist item when the org has a checklist (stored as its name, as /上报
 *   does); 问题描述, 整改情况 and a free 类别 keep the chat's length limits (src/domain/limits.ts).
 * - An empty 责任单位 right under a row that had one is most likely a merged cell (the reader
 *   sees only its first row): the problem says so, rather than guessing the value down.
 * - The fingerprint (idempotence) is of the row's content that names the problem — 问题描述,
 *   unit, 发现时间 (as written: empty stays empty, not the import's day), 发现人 — not its row
 *   number, so a re-sorted sheet, or the same sheet again on another day, imports nothing twice,
 *   and a row whose 状态 changed since is not imported again either.
 */
export interface PlacedRow {
  row: number;
  fingerprint: string;
  unit: Unit;
  teamIds: string[];
  homeChat: string;
  description: string;
  category?: string;
  reporter: string;
  assignee?: string;
  createdAt: number;
  /** End of the deadline's day; none for 长期坚持 (and for closed rows without one). */
  deadline?: number;
  closed?: { at: number; note: string };
}

export type RowResult = { ok: true; placed: PlacedRow } | { ok: false; problems: string[] };

export interface PlaceContext {
  org: Org;
  now: number;
  /** Who found the rows without a 发现人 (a userid of the organisation). */
  defaultReporter: string;
}

const CLOSED_WORDS = new Set(['是', '已整改', '已完成', '已销号', '完成', '已办结', '办结', '整改完成', '已整改到位', '整改到位', '到位', '已回访', '销号', 'y', 'yes']);
const OPEN_WORDS = new Set(['否', '未整改', '整改中', '未完成', '正在整改', '推进中', '待整改', '未销号', '进行中', '部分整改', '未办结', '持续整改', 'n', 'no']);
/** Added to an empty 责任单位 (or a 镇街 missing for a name several towns share) right under a row that had one. */
export const MERGED_HINT = '（可能是合并单元格：请取消合并并向下填充）';

export function makePlacer(ctx: PlaceContext): (raw: RawRow) => RowResult {
  const { org } = ctx;
  const units = unitIndex(org);
  const people = peopleIndex(org);
  const teams = new Map<string, string[]>();
  const homes = new Map<string, string>();
  const adminChat = org.chats.find((c) => c.scope.kind === 'admin')?.chatid ?? '';
  const defaultDeadlineMs = org.policy.deadline.ms;
  const importYear = yearOf(ctx.now);
  const checklist = org.checklist.length ? checklistMatcher(org.checklist) : undefined;
  // The row read just before (its number, and whether it had a 责任单位 / 镇街): a merged cell
  // gives only its first row the value, the exceljs reader sees the rest empty.
  let above: { row: number; unit: boolean; town: boolean } | undefined;

  return (raw) => {
    const n = raw.row;
    const problems: string[] = [];
    const underFilled = (f: 'unit' | 'town') => above !== undefined && above.row === n - 1 && above[f];
    const has = (f: LedgerField) => raw.values[f] !== undefined && String(raw.values[f]).trim() !== '';
    try {
      return placeRow(raw, n, problems, underFilled);
    } finally {
      above = { row: n, unit: has('unit'), town: has('town') };
    }
  };

  function placeRow(raw: RawRow, n: number, problems: string[], underFilled: (f: 'unit' | 'town') => boolean): RowResult {
    const text = (f: LedgerField): string | undefined => {
      const v = raw.values[f];
      if (v === undefined) return undefined;
      const s = v instanceof Date ? v.toISOString().slice(0, 10) : String(v).trim();
      return s === '' ? undefined : s;
    };

    const description = text('description')?.replace(/\s+/g, ' ');
    if (!description) problems.push(`第${n}行 问题描述为空`);
    else limit(n, 'description', description, problems);

    const unit = placeUnit(n, text('unit'), text('town'), problems, underFilled);

    const foundRaw = raw.values.foundAt;
    let createdAt = startOfDay(ctx.now);
    let foundKnown = true;
    if (foundRaw !== undefined) {
      const d = readDay(foundRaw, importYear);
      foundKnown = d.kind === 'day' && d.start <= ctx.now;
      if (d.kind !== 'day') problems.push(`第${n}行 发现时间“${shown(foundRaw)}”不是日期（例如 2026-03-05）`);
      else if (d.start > ctx.now) problems.push(`第${n}行 发现时间“${shown(foundRaw)}”晚于今天`);
      else createdAt = d.start;
    }

    let deadline: number | undefined;
    let ongoing = false;
    const deadlineRaw = raw.values.deadline;
    if (deadlineRaw !== undefined) {
      const d = readDay(deadlineRaw, yearOf(createdAt));
      if (d.kind === 'bad') problems.push(`第${n}行 整改期限“${shown(deadlineRaw)}”不是日期（例如 2026-03-31，或 长期坚持）`);
      else if (d.kind === 'ongoing') ongoing = true;
      else {
        let end = endOfDay(d.start);
        // "3月5日" under a December 发现时间 is next year's March.
        if (end < createdAt && typeof deadlineRaw === 'string' && !/\d{4}/.test(deadlineRaw)) end = endOfDay(d.start + 365 * 86_400_000);
        if (end < createdAt && foundKnown) problems.push(`第${n}行 整改期限“${shown(deadlineRaw)}”早于发现时间`);
        else deadline = end;
      }
    }

    const status = text('status');
    let closed = false;
    if (status !== undefined) {
      const key = normalizeText(status).replace(/\s+/g, '').toLowerCase();
      if (CLOSED_WORDS.has(key)) closed = true;
      else if (!OPEN_WORDS.has(key)) problems.push(`第${n}行 ${FIELD_WORDS.status}“${status}”看不懂：写 是/已整改/已完成（导入为已销号），或 否/整改中/未整改（导入为整改中）`);
    }

    const finderText = text('finder');
    let reporter = ctx.defaultReporter;
    if (finderText !== undefined) {
      const p = person(n, '发现人', finderText, problems);
      if (p) reporter = p;
    }
    let assignee = unit?.secretary;
    const assigneeText = text('assignee');
    if (assigneeText !== undefined) {
      const p = person(n, '责任人', assigneeText, problems);
      if (p) assignee = p;
    }
    // Nobody assigns an issue to themselves: a secretary's own finding comes in 待交办.
    if (assignee === reporter) assignee = undefined;

    const fixNote = text('fixNote');
    if (fixNote !== undefined) limit(n, 'fixNote', fixNote, problems);
    const category = placeCategory(n, text('category'), problems);

    if (problems.length || !unit || !description) return { ok: false, problems };

    const placed: PlacedRow = {
      row: n,
      // 发现时间 as written ('' when empty), never the import's day: a re-run another day must match.
      fingerprint: fingerprint([description, unit.id, foundRaw === undefined ? '' : String(createdAt), finderText ? normalizeText(finderText) : '']),
      unit,
      teamIds: teamsOf(unit),
      homeChat: homeOf(unit),
      description,
      reporter,
      createdAt,
    };
    if (category) placed.category = category;
    if (assignee) placed.assignee = assignee;
    if (closed) {
      if (deadline !== undefined) placed.deadline = deadline;
      const at = deadline !== undefined && deadline <= ctx.now ? deadline : createdAt;
      placed.closed = { at, note: fixNote ?? '已整改（台账导入）' };
    } else if (!ongoing) {
      placed.deadline = deadline ?? endOfDay(startOfDay(createdAt + defaultDeadlineMs));
    }
    return { ok: true, placed };
  }

  /** The chat's length limits (src/domain/limits.ts), so an imported issue is one /上报 could have made. */
  function limit(n: number, field: 'description' | 'fixNote' | 'category', value: string, problems: string[]): void {
    const long = tooLong(field, value);
    if (long) problems.push(`第${n}行 ${long}`);
  }

  /** 类别 as /上报 takes it: with a checklist, the item it names (stored by its name); without one, free text. */
  function placeCategory(n: number, typed: string | undefined, problems: string[]): string | undefined {
    if (typed === undefined) return undefined;
    if (!checklist) {
      limit(n, 'category', typed, problems);
      return typed;
    }
    const m = checklist.match(typed);
    if (m.kind === 'one') return m.item.name;
    const word = typed.slice(0, 40);
    if (m.kind === 'many') problems.push(`第${n}行 类别“${word}”对应多个检查项目：${checklistText(m.items)}，请写编号或完整名称`);
    else if (m.suggestions.length) problems.push(`第${n}行 类别“${word}”不在检查项目中，是不是：${checklistText(m.suggestions)}`);
    else problems.push(`第${n}行 类别“${word}”不在检查项目中：请写编号或名称（${checklistText(org.checklist)}）`);
    return undefined;
  }

  function placeUnit(n: number, name: string | undefined, town: string | undefined, problems: string[], underFilled: (f: 'unit' | 'town') => boolean): Unit | undefined {
    if (!name) {
      problems.push(`第${n}行 责任单位为空${underFilled('unit') ? MERGED_HINT : ''}`);
      return undefined;
    }
    let match = town ? units.match(`${town}${name}`) : undefined;
    if (!match || match.kind === 'none') match = units.match(name);
    if (match.kind === 'one') return match.unit;
    if (match.kind === 'many') {
      const merged = !town && underFilled('town') ? `（镇街为空，${MERGED_HINT.slice(1)}` : '';
      problems.push(`第${n}行 责任单位“${name}”不唯一：${match.units.slice(0, 5).map((u) => `${u.town}${u.name}`).join('、')}，请写镇街+单位名${merged}`);
      return undefined;
    }
    const near = nearNames(org, name, 6).filter((s) => units.match(s).kind === 'one').slice(0, 2);
    problems.push(`第${n}行 责任单位“${name}”不在组织架构中${near.length ? `，是不是：${near.join('、')}` : ''}`);
    return undefined;
  }

  function person(n: number, label: string, name: string, problems: string[]): string | undefined {
    const p = people.find(name);
    if (p) return p.userid;
    // Two people of one name: say so and who, as the chat asks, instead of "not on the roster".
    const same = people.shared(name);
    if (same.length) {
      problems.push(`第${n}行 ${label}${sharedNameQuestion(name, same)}`);
      return undefined;
    }
    const near = nearNames(org, name, 6).filter((s) => people.find(s)).slice(0, 2);
    problems.push(`第${n}行 ${label}“${name}”不在人员名单中${near.length ? `，是不是：${near.join('、')}` : ''}`);
    return undefined;
  }

  function teamsOf(unit: Unit): string[] {
    let t = teams.get(unit.id);
    if (!t) teams.set(unit.id, (t = org.teamsCovering(unit.id).map((x) => x.id)));
    return t;
  }

  function homeOf(unit: Unit): string {
    let h = homes.get(unit.id);
    if (h === undefined) homes.set(unit.id, (h = org.homeChatFor(unit.id, adminChat)));
    return h;
  }
}

function shown(v: CellValue): string {
  if (v instanceof Date) return v.toISOString().slice(0, 10);
  // An Excel date read without styles is its serial: show the day it stands for.
  if (typeof v === 'number') {
    const d = readDay(v, 2000);
    if (d.kind === 'day') return new Date(d.start + 8 * 3_600_000).toISOString().slice(0, 10);
  }
  return String(v).trim().slice(0, 40);
}

function fingerprint(parts: readonly string[]): string {
  return createHash('sha1').update(parts.join('\u0000')).digest('base64url').slice(0, 22);
}
