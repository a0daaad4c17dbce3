import { spanOfMonths } from '../src/domain/period-span';
import { splitPage } from '../src/parsing/page-words';
import type { Token } from '../src/parsing/args';
import { PRACTICE_TEXT_MAX } from '../src/domain/practice';
import { visibleUnits } from '../src/domain/visibility';
import { normalizeText } from '../src/parsing/normalize';
import { outsideAreaReason } from '../src/pipeline/area';
import { assertChatShows } from '../src/pipeline/chat-scope';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { ConflictError, NotFoundError, PermissionError, UsageError } from '../src/pipeline/errors';
import { unkeptEvidenceOf } from '../src/pipeline/issue-actions';
import { recordUnit } from '../src/pipeline/record-unit';
import { readScopeAndPeriod } from '../src/pipeline/scope-period';
import { practiceCard, practiceLine, practiceRecorded, practiceRef } from '../src/rendering/records';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/典型 斑竹村 “213工作法”：两委干部每周二、周一夜访、每月三次院坝会';
const PAGE_SIZE = 10;
const LIST_WORDS = new Set(['清单', '列表', '全部', 'list', 'ls', 'all']);

/**
 * /典型: record a 典型经验 at a unit, list those of a scope, or show one. "#3" here is practice 3:
 * the command does not take an issue (no takesIssue), so nothing reads issue #3 for it.
 */
export default defineCommand({
  name: 'practice',
  aliases: ['典型', '典型经验', 'practices'],
  roles: ['admin', 'leader', 'member'],
  summary: '典型经验：记录好做法，查看清单',
  usage: '/典型 <单位> <做法>（可附照片） · /典型 清单 [范围] [时段] · /典型 #编号',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { text, args }) {
    const first = args.words[0];
    if (args.refs.length) {
      if (args.refs.length > 1 || args.words.length) throw new UsageError('查看典型经验请只写编号', '/典型 #3');
      return show(ctx, args.refs[0]!);
    }
    if (first && /^\d{1,9}$/u.test(first.norm) && args.words.length === 1) return show(ctx, Number(first.norm));
    if (first && LIST_WORDS.has(normalizeText(first.norm).toLowerCase())) return list(ctx, args.words.slice(1));
    if (!text.trim()) throw new UsageError('请写明单位和做法', EXAMPLE);
    return record(ctx, text);
  },
});

async function record(ctx: CommandContext, text: string): Promise<string> {
  const { unit, rest } = recordUnit(ctx, text, EXAMPLE);
  // "斑竹村：…" — the punctuation after the unit is not part of the practice.
  const practice = rest.replace(/^[，,、；;:：。\s]+/u, '');
  if (!practice) throw new UsageError(`请写明${unit.name}的做法`, EXAMPLE);
  const n = [...practice].length;
  if (n > PRACTICE_TEXT_MAX) throw new UsageError(`典型经验请控制在 ${PRACTICE_TEXT_MAX} 字以内（现在 ${n} 字）；材料全文可作为附件另行报送`, EXAMPLE);
  const evidence = unkeptEvidenceOf(ctx);
  const now = ctx.clock.now().getTime();
  const saved = await ctx.records.practices.add({ unitId: unit.id, author: ctx.sender.userid, at: now, chatId: ctx.message.chatId, text: practice, evidence });
  if (!saved) throw new ConflictError('典型经验登记失败，请重新发送');
  return practiceRecorded(ctx.org, saved, now);
}

async function show(ctx: CommandContext, id: number): Promise<string> {
  const p = await ctx.records.practices.get(id);
  if (!p) throw new NotFoundError(`没有找到${practiceRef(id)}`, '/典型 清单');
  if (!visibleUnits(ctx.org, ctx.sender.userid).has(p.unitId)) {
    throw new PermissionError('该片区的工作队或组织部', outsideAreaReason(ctx.org, ctx.sender, ctx.org.unit(p.unitId)));
  }
  assertChatShows(ctx, [p.unitId], practiceRef(id));
  return practiceCard(ctx.org, p, ctx.clock.now().getTime());
}

async function list(ctx: CommandContext, words: readonly Token[]): Promise<string> {
  const { page, rest } = splitPage(words);
  const { scope, period } = readScopeAndPeriod(ctx, rest, '/典型 清单 福禄镇 本季度');
  const now = ctx.clock.now().getTime();
  const { total, practices } = await ctx.records.practices.page(
    scope.units.map((u) => u.id),
    spanOfMonths(period.months),
    (page - 1) * PAGE_SIZE,
    PAGE_SIZE,
  );
  const heading = `**${userText(`${scope.label} · 典型经验 · ${period.label}`)}**`;
  if (!total) return `${heading}\n还没有记录典型经验。记录一条：\`${EXAMPLE}\``;
  const pages = Math.ceil(total / PAGE_SIZE);
  const lines = [`${heading}（共 ${total} 条${pages > 1 ? `，第 ${page}/${pages} 页` : ''}）`, ...practices.map((p) => practiceLine(ctx.org, p, now))];
  if (!practices.length) lines.push('这一页没有内容了。');
  if (page < pages) lines.push(`下一页：\`${['/典型 清单', ...rest.map((w) => userText(w.raw)), `第${page + 1}页`].join(' ')}\``);
  lines.push('查看一条：`/典型 #编号`');
  return lines.join('\n');
}
