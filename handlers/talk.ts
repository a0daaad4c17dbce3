import type { Person, Unit } from '../src/domain/org';
import { spanOfMonths } from '../src/domain/period-span';
import { refsInText, talkIssues, talkRef, TALK_ISSUES_MAX, TALK_REASON_MAX } from '../src/domain/talk';
import type { Token } from '../src/parsing/args';
import { normalizeText } from '../src/parsing/normalize';
import { splitPage } from '../src/parsing/page-words';
import { peopleIndex } from '../src/parsing/people';
import { nearNames } from '../src/pipeline/name-suggest';
import { isRelativeDay, readTalkTime } from '../src/parsing/talk-time';
import { unitIndex } from '../src/parsing/units';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { ConflictError, NotFoundError, PermissionError, UsageError } from '../src/pipeline/errors';
import { readScopeAndPeriod } from '../src/pipeline/scope-period';
import { clipForReply } from '../src/rendering/clip';
import { userText } from '../src/rendering/safe-text';
import { talkCard, talkLine, talkRecorded } from '../src/rendering/talks';

const EXAMPLE = '/约谈 斑竹村 3件问题逾期超过一周未整改，提醒抓紧销号';
const PAGE_SIZE = 10;
const LIST_WORDS = new Set(['清单', '列表', '全部', 'list', 'ls', 'all']);
/** What separates a name from the reason written right after it: "陈晓燕，台账不规范". */
const AFTER_NAME = /[，,、；;:：。！!？?]/u;
const PUNCT_ONLY = /^[，,、；;:：。！!？?.\s]+$/u;

/**
 * /约谈: record a 提醒约谈 held with a secretary (named, @-ed, or as their unit), list them, or
 * show one (docs/design.md §4.17). 组织部 only, and only where the department's records are
 * read — its own group or a single chat — so a secretary never learns of it from duban.
 */
export default defineCommand({
  name: 'talk',
  aliases: ['约谈', '提醒约谈', 'talks'],
  roles: ['admin'],
  summary: '提醒约谈：记录组织部对书记的约谈，查看清单',
  usage: '/约谈 <姓名|@姓名|单位> <事由> [时间:12月1日] · /约谈 清单 [范围] [时段] · /约谈 #编号',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { text, args }) {
    assertDepartmentChat(ctx);
    // "/约谈 #1，": punctuation after the number is not a word.
    const words = args.words.filter((w) => !PUNCT_ONLY.test(w.norm));
    const first = words[0];
    if (args.refs.length && !words.length && !args.mentions.length) {
      if (args.refs.length > 1) throw new UsageError('查看约谈记录请只写编号', '/约谈 #3');
      return show(ctx, args.refs[0]!);
    }
    if (first && LIST_WORDS.has(normalizeText(first.norm).toLowerCase()) && !text.trim().startsWith('@')) return list(ctx, words.slice(1));
    if (!text.trim()) throw new UsageError('请写明约谈谁和事由', EXAMPLE);
    return record(ctx, text);
  },
});

function assertDepartmentChat(ctx: CommandContext): void {
  if (ctx.message.chatType === 'single' || ctx.chat?.scope.kind === 'admin') return;
  throw new PermissionError('组织部的群或单聊', '约谈是组织部的内部记录，不在工作群里登记或查看；请在组织部的群或单聊督办助手中使用 /约谈');
}

/** Whom the talk was with: a person (by name or @name) or a unit, which stands for its secretary. */
function readWhom(ctx: CommandContext, token: string, reason: string): { person: Person; units: Unit[] } {
  const name = token.replace(/^[@＠]/u, '');
  const person = peopleIndex(ctx.org).find(name);
  if (person) return { person, units: ctx.org.units.filter((u) => u.secretary === person.userid) };
  const m = unitIndex(ctx.org).match(name);
  if (m.kind === 'many') throw new UsageError(`“${clipForReply(name, 12)}”对应多个单位：${m.units.map((u) => u.town + u.name).join('、')}，请写完整名称`, EXAMPLE);
  if (m.kind === 'none') {
    const near = nearNames(ctx.org, name);
    if (near.length) {
      const example = `/约谈 ${near[0]} ${reason || '事由'}`.trim();
      throw new UsageError(`找不到“${clipForReply(name, 12)}”，是不是：${near.join('、')}？`, clipForReply(example, 60));
    }
    throw new UsageError(`找不到“${clipForReply(name, 12)}”：请先写约谈对象的姓名（或 @姓名）或单位名称`, EXAMPLE);
  }
  const unit = m.unit;
  const secretary = unit.secretary ? ctx.org.person(unit.secretary) : undefined;
  if (!secretary) throw new UsageError(`${unit.town}${unit.name}没有登记书记（责任人），请直接写约谈对象的姓名`, EXAMPLE);
  return { person: secretary, units: [unit] };
}

async function record(ctx: CommandContext, text: string): Promise<string> {
  const tokens = text.trim().split(/\s+/u);
  // "陈晓燕，台账不规范": the name ends at the first punctuation mark, the reason follows.
  const cut = tokens[0]!.search(AFTER_NAME);
  if (cut > 0) tokens.splice(0, 1, tokens[0]!.slice(0, cut), tokens[0]!.slice(cut));
  const { person, units } = readWhom(ctx, tokens[0]!, tokens.slice(1).join(' ').replace(/^[，,、；;:：。\s]+/u, ''));
  const now = ctx.clock.now().getTime();
  const heldBy = [ctx.sender.userid];
  let when: { at: number; dayOnly: boolean } = { at: now, dayOnly: false };
  let timed = false;
  const reasonWords: string[] = [];
  for (const [i, raw] of tokens.slice(1).entries()) {
    const norm = normalizeText(raw);
    if (/^@./u.test(norm)) {
      const p = peopleIndex(ctx.org).find(norm.slice(1));
      if (!p || !ctx.org.isAdmin(p.userid)) throw new UsageError(`${clipForReply(raw, 12)} 不是组织部的同志：约谈人只记组织部的同志，约谈对象写在最前面`, EXAMPLE);
      if (!heldBy.includes(p.userid)) heldBy.push(p.userid);
      continue;
    }
    const field = /^时间:(.*)$/u.exec(norm);
    const leadingDay = i === 0 && isRelativeDay(raw);
    if ((field || leadingDay) && !timed) {
      const t = readTalkTime(field ? field[1]! : raw, now);
      if (!t.ok) throw new UsageError(t.error, '/约谈 斑竹村 时间:12月1日 整改进度滞后');
      when = { at: t.at, dayOnly: t.dayOnly };
      timed = true;
      continue;
    }
    reasonWords.push(raw);
  }
  // "斑竹村：…" — the punctuation after the name is not part of the reason.
  const reason = reasonWords.join(' ').replace(/^[，,、；;:：。\s]+/u, '').trim();
  if (!reason) throw new UsageError(`请写明约谈${userText(person.name)}的事由`, EXAMPLE);
  const n = [...reason].length;
  if (n > TALK_REASON_MAX) throw new UsageError(`事由请控制在 ${TALK_REASON_MAX} 字以内（现在 ${n} 字）；约谈记录全文可另行存档`, EXAMPLE);

  const typed = refsInText(reason);
  if (typed.length) {
    // get, not getMany: getMany expects ids that exist.
    const found = await Promise.all(typed.map((id) => ctx.ledger.get(id)));
    const missing = typed.filter((_, i) => !found[i]);
    if (missing.length) throw new NotFoundError(`没有找到 ${missing.map((id) => `#${id}`).join(' ')}，请核对问题编号`, EXAMPLE);
  }
  const overdue = units.length ? (await ctx.ledger.overdue(units.map((u) => u.id), now, undefined, TALK_ISSUES_MAX)).oldest.map((o) => o.id) : [];
  const issueIds = talkIssues(overdue, typed);
  const saved = await ctx.records.talks.add({
    at: when.at,
    ...(when.dayOnly ? { dayOnly: true } : {}),
    recordedAt: now,
    recordedBy: ctx.sender.userid,
    heldBy,
    person: person.userid,
    unitIds: units.map((u) => u.id),
    reason,
    issueIds,
    chatId: ctx.message.chatId,
  });
  if (!saved) throw new ConflictError('约谈记录登记失败，请重新发送');
  return talkRecorded(ctx.org, saved, Math.min(overdue.length, issueIds.length), now);
}

async function show(ctx: CommandContext, id: number): Promise<string> {
  const t = await ctx.records.talks.get(id);
  if (!t) throw new NotFoundError(`没有找到${talkRef(id)}`, '/约谈 清单');
  return talkCard(ctx.org, t, ctx.clock.now().getTime());
}

async function list(ctx: CommandContext, words: readonly Token[]): Promise<string> {
  const { page, rest } = splitPage(words);
  const { scope, period, named } = readScopeAndPeriod(ctx, rest, '/约谈 清单 福禄镇 本季度');
  const span = spanOfMonths(period.months);
  const talks = (named ? await ctx.records.talks.forUnits(scope.units.map((u) => u.id), span) : await ctx.records.talks.all(span)).reverse();
  const now = ctx.clock.now().getTime();
  const heading = `**${userText(`${scope.label} · 提醒约谈 · ${period.label}`)}**`;
  if (!talks.length) return `${heading}\n还没有约谈记录。记录一次：\`${EXAMPLE}\``;
  const pages = Math.ceil(talks.length / PAGE_SIZE);
  const shown = talks.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const lines = [`${heading}（共 ${talks.length} 次${pages > 1 ? `，第 ${page}/${pages} 页` : ''}）`, ...shown.map((t) => talkLine(ctx.org, t, now))];
  if (!shown.length) lines.push('这一页没有内容了。');
  if (page < pages) lines.push(`下一页：\`${['/约谈 清单', ...rest.map((w) => userText(w.raw)), `第${page + 1}页`].join(' ')}\``);
  lines.push('查看一次：`/约谈 #编号`');
  return lines.join('\n');
}
