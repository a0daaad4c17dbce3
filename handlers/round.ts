import { defaultRoundName, isOpen, ROUND_NAME_MAX, roundRef, type Round } from '../src/domain/round';
import { readRoundScope } from '../src/parsing/unit-scope';
import { districtScope, visibleUnits } from '../src/domain/visibility';
import type { Token } from '../src/parsing/args';
import { restText } from '../src/parsing/args';
import { normalizeText } from '../src/parsing/normalize';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { ConflictError, NotFoundError, PermissionError, UsageError } from '../src/pipeline/errors';
import { defaultScope } from '../src/pipeline/scope';
import { clipForReply } from '../src/rendering/clip';
import { checklistText, noRound, roundClosed, roundLine, roundOpened, roundTitle } from '../src/rendering/rounds';
import { userText } from '../src/rendering/safe-text';
import { readRoundFigures } from '../src/store/round-store';
import { currentRounds, roundDeps, roundFiguresFor } from '../src/pipeline/round-status';

const EXAMPLE = '/巡查 开始 2026年12月 范围:全区';
const START = new Set(['开始', '开启', '启动', '新建', 'start', 'open']);
const END = new Set(['结束', '关闭', '完成', 'end', 'close']);
const LIST = new Set(['清单', '列表', '全部', '历次', 'list', 'ls']);
const ITEMS = new Set(['项目', '检查项目', '清单项目', '类别', 'items', 'checklist']);
const LIST_MAX = 12;

/**
 * /巡查: the department's 巡查 rounds (docs/design.md §4.19). Admins open one for a scope and
 * close it; while it is open, problems reported and visits logged at its units carry it. Anyone
 * of a team sees the open round's figures for their own area, the list of rounds and the
 * checklist. "巡查 #2" is round 2 here: the command takes no issue (no takesIssue).
 */
export default defineCommand({
  name: 'round',
  aliases: ['巡查', '巡查轮次'],
  roles: ['admin', 'leader', 'member'],
  summary: '巡查轮次：组织部开始、结束一轮巡查，查看本轮进度和覆盖',
  usage: '/巡查 开始 [名称] [范围:全区|镇街|类型|工作队|单位,…] · /巡查 结束 [#编号] · /巡查 [#编号] · /巡查 清单 · /巡查 项目',
  example: EXAMPLE,
  fields: ['scope'],
  args: grammarInput,
  async run(ctx, { args }) {
    const [first, ...rest] = args.words;
    const ref = args.refs[0] ?? refOf(first);
    const verb = first ? normalizeText(first.norm).toLowerCase() : '';
    if (START.has(verb)) return start(ctx, rest, args.fields.scope);
    if (END.has(verb)) return end(ctx, args.refs[0] ?? refOf(rest[0]));
    if (LIST.has(verb)) return list(ctx);
    if (ITEMS.has(verb)) return items(ctx);
    if (ref !== undefined && args.words.length <= 1) return show(ctx, ref);
    if (!first) return currentRounds(ctx);
    throw new UsageError(`看不懂“${clipForReply(first.raw)}”：可以写 开始、结束、清单、项目，或轮次编号`, EXAMPLE);
  },
});

/** "#2", "＃2", "2": a round number as a word. */
function refOf(w: Token | undefined): number | undefined {
  const m = w ? /^#?(\d{1,6})$/u.exec(w.norm) : null;
  return m ? Number(m[1]) : undefined;
}

function assertAdmin(ctx: CommandContext, what: string): void {
  if (!ctx.org.isAdmin(ctx.sender.userid)) throw new PermissionError('组织部（管理员）', `${what}巡查由组织部（管理员）操作；查看本轮进度：/status 本轮`);
}

async function start(ctx: CommandContext, words: readonly Token[], scopeText: string | undefined): Promise<string> {
  assertAdmin(ctx, '开始');
  const now = ctx.clock.now().getTime();
  const name = restText([...words]).trim() || defaultRoundName(now);
  if ([...name].length > ROUND_NAME_MAX) throw new UsageError(`巡查名称请控制在 ${ROUND_NAME_MAX} 字以内`, EXAMPLE);
  let label: string;
  let unitIds: string[];
  if (scopeText === undefined) {
    label = '全区';
    unitIds = districtScope(ctx.org).units.map((u) => u.id);
  } else {
    const read = readRoundScope(ctx.org, visibleUnits(ctx.org, ctx.sender.userid), scopeText);
    if (read.kind === 'unknown') throw new UsageError(`范围里的“${clipForReply(read.part)}”不是镇街、单位类型、工作队或单位${read.near.length ? `。是不是“${read.near.join('”或“')}”？` : ''}`, read.near.length ? `/巡查 开始 ${name} 范围:${read.near[0]}` : EXAMPLE);
    if (read.kind === 'ambiguous') throw new UsageError(`“${clipForReply(read.part)}”对应多个单位：${read.units.map((u) => u.town + u.name).join('、')}`, `/巡查 开始 ${name} 范围:${read.units[0]!.town}${read.units[0]!.name}`);
    if (read.kind === 'outside') throw new PermissionError('组织部（管理员）', `${read.label}不在你的范围内`);
    if (read.kind === 'empty') throw new UsageError('请写明巡查范围', EXAMPLE);
    label = read.label;
    unitIds = read.units.map((u) => u.id);
  }
  const res = await ctx.records.rounds.start({ name, scopeLabel: label, unitIds, openedBy: ctx.sender.userid, openedAt: now, chatId: ctx.message.chatId });
  if (res.kind === 'overlap') {
    const r = res.rounds[0]!;
    throw new ConflictError(`${roundTitle(r)}还在进行，与这一轮的范围有重叠：一个单位同时只能在一轮巡查里。先结束它：\`/巡查 结束 #${r.id}\``);
  }
  return roundOpened(ctx.org, res.round, now, scopeText === undefined);
}

async function end(ctx: CommandContext, ref: number | undefined): Promise<string> {
  assertAdmin(ctx, '结束');
  const now = ctx.clock.now().getTime();
  let round: Round | undefined;
  if (ref !== undefined) {
    round = await ctx.records.rounds.get(ref);
    if (!round) throw new NotFoundError(`没有找到${roundRef(ref)}`, '/巡查 清单');
    if (!isOpen(round)) throw new ConflictError(`${roundTitle(round)}已经结束了`);
  } else {
    const open = await ctx.records.rounds.open();
    if (!open.length) throw new ConflictError(noRound(true, now));
    if (open.length > 1) throw new UsageError(`现在有 ${open.length} 轮巡查在进行：${open.map((r) => roundTitle(r)).join('、')}。请写明结束哪一轮`, `/巡查 结束 #${open[0]!.id}`);
    round = open[0]!;
  }
  const closed = await ctx.records.rounds.close(round, ctx.sender.userid, now);
  if (!closed) throw new ConflictError(`${roundTitle(round)}已经结束了`);
  const f = await readRoundFigures(roundDeps(ctx), ctx.org, closed, closed.unitIds, now);
  return roundClosed(f, now);
}

async function show(ctx: CommandContext, id: number): Promise<string> {
  const r = await ctx.records.rounds.get(id);
  if (!r) throw new NotFoundError(`没有找到${roundRef(id)}`, '/巡查 清单');
  const scope = defaultScope(ctx);
  const inScope = new Set(scope.units.map((u) => u.id));
  if (!r.unitIds.some((u) => inScope.has(u))) throw new PermissionError('组织部或该范围的工作队', `${roundRef(id)}的范围不在${userText(scope.label)}内`);
  return roundFiguresFor(ctx, r, inScope, scope.label, ctx.clock.now().getTime());
}

async function list(ctx: CommandContext): Promise<string> {
  const now = ctx.clock.now().getTime();
  const scope = defaultScope(ctx);
  const inScope = new Set(scope.units.map((u) => u.id));
  const rounds = (await ctx.records.rounds.all()).filter((r) => r.unitIds.some((u) => inScope.has(u))).reverse();
  if (!rounds.length) return noRound(ctx.org.isAdmin(ctx.sender.userid), now);
  const shown = rounds.slice(0, LIST_MAX);
  // Problem counts are the whole round's: shown to admins, who see every unit of it.
  const admin = ctx.org.isAdmin(ctx.sender.userid);
  const counts = admin ? await Promise.all(shown.map((r) => ctx.records.rounds.issueIds(r.id).then((ids) => ids.length))) : [];
  const lines = [`**巡查轮次**（共 ${rounds.length} 轮${rounds.length > LIST_MAX ? `，显示最近 ${LIST_MAX} 轮` : ''}）`, ...shown.map((r, i) => roundLine(r, now, counts[i]))];
  lines.push('查看一轮：`/巡查 #编号`');
  return lines.join('\n');
}

function items(ctx: CommandContext): string {
  if (!ctx.org.checklist.length) return '组织名册里没有巡查检查项目，上报时“类别”可以自由填写。';
  return [`**巡查检查项目**（共 ${ctx.org.checklist.length} 项）`, checklistText(ctx.org.checklist), '上报时写编号或名称：`/上报 斑竹村 公开栏未更新 类别:A10`'].join('\n');
}

