import { actorFor } from '../src/domain/actor';
import { STATE_WORDS } from '../src/domain/issue';
import { createIssue, isRefusal, mayReport } from '../src/domain/lifecycle';
import type { Unit } from '../src/domain/org';
import { restText, type ParsedArgs, type Token } from '../src/parsing/args';
import { normalizeText } from '../src/parsing/normalize';
import { unitIndex } from '../src/parsing/units';
import { defineCommand, grammarInput, type CommandContext, type CommandReply } from '../src/pipeline/command';
import type { Issue } from '../src/domain/issue';
import { AnsweredBefore } from '../src/pipeline/once-commit';
import { MessageLog } from '../src/store/message-log';
import { resolveDeadline, trailingDeadline } from '../src/pipeline/deadlines';
import { ConflictError, NeedInput, UsageError } from '../src/pipeline/errors';
import { visibleUnits } from '../src/domain/visibility';
import { checkLength, commitChange, evidenceOf, resolvePerson, savingNote, throwRefusal } from '../src/pipeline/issue-actions';
import { clipForReply } from '../src/rendering/clip';
import { formatDeadline } from '../src/rendering/dates';
import { mention, photoCount, truncate, unitLabel } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';
import type { ChecklistItem } from '../src/config/org-schema';
import { checklistMatcher, itemLabel } from '../src/parsing/checklist';
import { checklistText, roundTitle } from '../src/rendering/rounds';
import { assignmentCard } from '../src/rendering/issue-card';
import { otherPeopleLine } from '../src/rendering/issue-people';

const EXAMPLE = '/上报 斑竹村 闸阀老化漏水 期限:5个工作日内';

export default defineCommand({
  name: 'report',
  aliases: ['上报', '发现'],
  roles: ['admin', 'leader', 'member'],
  once: 'commit',
  summary: '上报发现的问题；单位有书记时立即交办',
  usage: '/上报 <单位> <问题描述> [期限:<日期>] [@责任人] [类别:<类别>] [来源:<来源>]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args, text }) {
    // The 类别 first: a word the checklist does not know is refused before anything is asked or taken.
    checkLength('category', args.fields.category, EXAMPLE);
    const item = checklistItem(ctx, args.fields.category);
    const { unit, words } = findUnit(ctx, args, text);
    const now = ctx.clock.now();
    // "斑竹村，路灯坏了": the comma after the unit is not part of the description.
    let description = restText(words).replace(/^[，,、；;:：。\s]+/u, '');
    checkLength('description', description, EXAMPLE);
    // "路灯不亮 下周三前整改": a deadline phrase at the end, without the 期限: key.
    const trailing = args.fields.deadline === undefined ? trailingDeadline(description, now) : undefined;
    if (trailing) description = trailing.rest;
    if (!description) throw new NeedInput('description', `请简要描述在${unit.name}发现的问题`, '闸阀老化漏水，群众反映强烈');
    checkLength('source', args.fields.source, EXAMPLE);

    const named = args.fields.assignee ?? args.mentions[0];
    const assignee = named ? resolvePerson(ctx, named, EXAMPLE) : unit.secretary;
    const read = resolveDeadline(args.fields.deadline ?? trailing?.phrase, ctx.org.policy, now, EXAMPLE);
    // Say where a deadline without the 期限: key came from, so a misreading is seen at once.
    const deadline = trailing ? { ...read, note: [`期限按“${clipForReply(trailing.phrase)}”`, read.note].filter(Boolean).join('；') } : read;
    const actor = actorFor(ctx.org, ctx.sender.userid, unit.id);
    // Refuse before taking an id, so refusals leave no gaps in the sequence.
    const denied = mayReport(actor, assignee);
    if (denied) throwRefusal(denied, { ctx, unitId: unit.id, actor });
    const evidence = evidenceOf(ctx);
    const homeChat = ctx.org.homeChatFor(unit.id, ctx.message.chatId);
    // The 巡查 round open for the unit now (the issue carries it, and the round's index lists it),
    // read in the same batch as the new id is taken.
    const [round, id] = await Promise.all([ctx.records.rounds.openFor(unit.id), newId(ctx)]);
    const category = item ? item.name : args.fields.category;
    const outcome = createIssue(
      {
        id,
        unitId: unit.id,
        teamIds: ctx.org.teamsCovering(unit.id).map((t) => t.id),
        description,
        ...(category ? { category } : {}),
        ...(args.fields.source ? { source: args.fields.source } : {}),
        homeChat,
        ...(assignee ? { assignee } : {}),
        deadline: deadline.at,
        evidence,
      },
      actor,
      now.getTime(),
    );
    if (isRefusal(outcome)) throwRefusal(outcome, { ctx, unitId: unit.id, actor });
    if (round) outcome.issue.roundId = round.id;
    const reply = (issue: Issue): CommandReply => {
      const lines = [`📌 已登记 **#${id}** ${unitLabel(ctx.org, unit.id)}：${userText(description)}`, `状态：${STATE_WORDS[issue.state]}`];
      if (issue.assignee) {
        lines.push(`责任人：${mention(ctx.org, issue.assignee)}　期限：${formatDeadline(deadline.at, now.getTime())}`);
        if (deadline.note) lines.push(`（${deadline.note}）`);
        const others = otherPeopleLine(ctx.org, issue);
        if (others) lines.push(others);
        lines.push(`整改后请回复：\`/整改 #${id} 整改情况\`（可附照片），或引用本条消息直接说明。`);
      } else {
        lines.push(`${unit.name}未登记责任人，请指定：\`/交办 #${id} @责任人\``);
      }
      if (item) lines.push(`检查项目：${itemLabel(item)}`);
      if (round) lines.push(`计入${roundTitle(round)}`);
      if (issue.evidence.length) lines.push(`已收到${photoCount(issue.evidence.length)}。${savingNote(id, issue.evidence.length)}`);
      if (homeChat !== ctx.message.chatId) lines.push(`提醒和催办发到${ctx.org.chatLabel(homeChat)}（${unit.name}所在片区）。`);
      // Assigned at once: the notice as a card too, with 已整改 for the 责任人.
      return { markdown: lines.join('\n'), ...(issue.assignee ? { card: assignmentCard(ctx.org, issue, now.getTime(), ctx.message.msgid) } : {}) };
    };
    // A new id is ours alone; a refused create means the ledger is not what we think: say so, never report success.
    const done = await commitChange(ctx, undefined, outcome, now.getTime(), (o) => ({ reply: reply(o.issue), evidence: o.issue.evidence }));
    if (!done.ok) throw new ConflictError(`#${id} 登记失败，请重新发送`);
    return done.finished.reply;
  },
});

/** A new issue's id; for a message answered before (WeCom re-sent it), its first reply instead, and no id taken. */
async function newId(ctx: CommandContext): Promise<number> {
  if (!ctx.once) return ctx.ledger.nextId();
  const r = await ctx.ledger.nextIdOnce(ctx.once.key);
  if ('seen' in r) throw new AnsweredBefore(MessageLog.parse(r.seen));
  return r.id;
}

/**
 * The checklist item a 类别 names, when the org file has a checklist (docs/design.md §4.19); with
 * none, 类别 stays free text. An unknown word is refused with the items it is close to, or the
 * whole list, and an example that works.
 */
function checklistItem(ctx: CommandContext, typed: string | undefined): ChecklistItem | undefined {
  const items = ctx.org.checklist;
  if (typed === undefined || !items.length) return undefined;
  const m = checklistMatcher(items).match(typed);
  if (m.kind === 'one') return m.item;
  const word = clipForReply(typed);
  const example = `/上报 斑竹村 公开栏未更新 类别:${(m.kind === 'many' ? m.items[0] : m.suggestions[0] ?? items[0])!.code}`;
  if (m.kind === 'many') throw new UsageError(`“${word}”对应多个检查项目：${checklistText(m.items)}。请写编号或完整名称`, example);
  if (m.suggestions.length) throw new UsageError(`检查项目里没有“${word}”。是不是：${checklistText(m.suggestions)}？（类别写编号或名称）`, example);
  throw new UsageError(`检查项目里没有“${word}”。类别请写编号或名称：${checklistText(items)}`, example);
}

/**
 * The unit: the 单位: field, the first word, a unit name the first word starts with
 * ("斑竹村闸阀损坏"), or a full unit name as the last word (a dialogue answer comes last).
 */
function findUnit(ctx: CommandContext, args: ParsedArgs, text: string): { unit: Unit; words: Token[] } {
  const index = unitIndex(ctx.org);
  const preferred = visibleUnits(ctx.org, ctx.sender.userid);
  const ambiguous = (name: string, units: Unit[], draftText: string) => {
    const names = units.map((u) => `${u.town}${u.name}`);
    return new NeedInput('unit', `“${clipForReply(name)}”对应多个单位：${names.join('、')}。请回复完整名称`, names[0]!, draftText);
  };
  if (args.fields.unit) {
    const m = index.match(args.fields.unit, preferred);
    if (m.kind === 'one') return { unit: m.unit, words: args.words };
    const typed = clipForReply(args.fields.unit);
    throw new UsageError(m.kind === 'many' ? `“${typed}”对应多个单位：${m.units.map((u) => u.town + u.name).join('、')}` : `找不到单位“${typed}”`, EXAMPLE);
  }
  const [first, ...rest] = args.words;
  if (!first) throw new NeedInput('unit', '是哪个单位的问题？请回复单位名称', '斑竹村');
  const m = index.match(first.raw, preferred);
  if (m.kind === 'one') return { unit: m.unit, words: rest };
  if (m.kind === 'many') throw ambiguous(first.raw, m.units, text.replace(first.raw, '').trim());
  const glued = index.matchAtStart(first.raw, preferred);
  if (glued?.match.kind === 'one') return { unit: glued.match.unit, words: [{ raw: glued.rest, norm: normalizeText(glued.rest) }, ...rest] };
  if (glued?.match.kind === 'many') throw ambiguous(first.raw.slice(0, first.raw.length - glued.rest.length), glued.match.units, `${glued.rest} ${text.replace(first.raw, '')}`.trim());
  const last = args.words[args.words.length - 1]!;
  const lastMatch = last !== first ? index.match(last.raw, preferred) : undefined;
  if (lastMatch?.kind === 'one' && (last.norm === lastMatch.unit.name || last.norm === `${lastMatch.unit.town}${lastMatch.unit.name}`)) {
    return { unit: lastMatch.unit, words: args.words.slice(0, -1) };
  }
  throw new NeedInput('unit', `“${truncate(first.raw, 12)}”不是登记的单位。是哪个单位的问题？请回复单位名称`, '斑竹村');
}
