import type { Team } from '../src/domain/org';
import { ledUnits, readScopeWord } from '../src/domain/visibility';
import type { Token } from '../src/parsing/args';
import { parsePeriod, ALL_TIME, type Period } from '../src/parsing/period';
import { areaWords, outsideScopeReason } from '../src/pipeline/area';
import { assertChatShows } from '../src/pipeline/chat-scope';
import { defineCommand, grammarInput, type CommandContext } from '../src/pipeline/command';
import { PermissionError, UsageError } from '../src/pipeline/errors';
import { defaultScope } from '../src/pipeline/scope';
import { describeTargets, kindWord, readScoreTarget, targetUnitIds, type ScoreTarget } from '../src/pipeline/score-target';
import { clipForReply } from '../src/rendering/clip';
import { renderBreakdown, renderRanking, type BoardPart } from '../src/rendering/scores';

const EXAMPLE = '/考核 队员 本季度';

const PARTS: Record<string, BoardPart> = { team: 'teams', member: 'members', unit: 'units' };

/** "第一工作队、第二工作队" */
const teamNames = (teams: readonly Team[]) => teams.map((t) => t.name).join('、');

/**
 * /考核: the 百分量化考核 ranking of teams (default), members or units, or one team's, member's or
 * unit's breakdown, for a period. 组织部 any; a 队长 their own team, its members and its units.
 */
export default defineCommand({
  name: 'score',
  effects: 'reads',
  aliases: ['考核', '考核排名', '打分', 'scores'],
  roles: ['admin', 'leader'],
  summary: '百分量化考核：工作队、队员、责任单位的得分排名和扣分明细',
  usage: '/考核 [队|队员|单位|全区|工作队、队员或单位的名称] [本月|本季度|今年|2026]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const now = ctx.clock.now().getTime();
    const words: Token[] = [...args.words, ...args.mentions.map((m) => ({ raw: `@${m}`, norm: `@${m}` }))];
    let period: Period | undefined;
    let part: BoardPart | undefined;
    let target: ScoreTarget | undefined;
    let scope: { label: string; unitIds: string[] } | undefined;
    for (const w of words) {
      const p = parsePeriod(w.raw, now);
      if (p && !period) {
        period = p;
        continue;
      }
      const kind = kindWord(w.raw);
      if (kind && !part) {
        part = PARTS[kind];
        continue;
      }
      const read = readScoreTarget(ctx.org, w.raw);
      if (read.kind === 'many') throw new UsageError(`“${clipForReply(w.raw)}”对应多个：${describeTargets(read.targets)}；请写全称`, EXAMPLE);
      if (read.kind === 'one' && !target && !scope) {
        target = read.target;
        continue;
      }
      const named = read.kind === 'none' && !scope && !target ? readScopeWord(ctx.org, ctx.sender, w.raw) : undefined;
      if (named?.kind === 'scope') {
        scope = { label: named.scope.label, unitIds: named.scope.units.map((u) => u.id) };
        continue;
      }
      if (named?.kind === 'outside') throw new PermissionError('组织部', outsideScopeReason(ctx.org, ctx.sender, named.label));
      throw new UsageError(`看不懂“${clipForReply(w.raw)}”：可以写“队”“队员”“单位”“全区”、工作队、队员或单位的名称，以及“本月”“本季度”“2026”这样的时段`, EXAMPLE);
    }
    period ??= ALL_TIME;

    // A team named with a ranking word is the scope of that ranking (/考核 队员 第一工作队).
    if (target?.kind === 'team' && part && part !== 'teams') {
      scope = { label: target.label, unitIds: [...target.team.coveredUnitIds] };
      target = undefined;
    }
    if (target) {
      allowTarget(ctx, target);
      const unitIds = targetUnitIds(ctx.org, target);
      const label = target.kind === 'unit' ? `${target.unit.town}${target.unit.name}` : target.label;
      assertChatShows(ctx, unitIds, label);
      const board = await ctx.jobs.scores.board({ scope: { label, unitIds }, period, details: true });
      const rows = target.kind === 'team' ? board.teams : target.kind === 'member' ? board.members : board.units;
      const row = rows.find((r) => r.id === target.id);
      if (!row) throw new UsageError(`${label}没有考核得分`, EXAMPLE);
      return renderBreakdown(board, row, now);
    }

    scope ??= defaultScoreScope(ctx);
    allowScope(ctx, scope);
    assertChatShows(ctx, scope.unitIds, scope.label);
    const board = await ctx.jobs.scores.board({ scope, period });
    return renderRanking(board, part ?? 'teams', now);
  },
});

const isAdmin = (ctx: CommandContext) => ctx.sender.roles.includes('admin');

/** 组织部: the chat's scope (the district in the admin group); a 队长: the teams they lead. */
function defaultScoreScope(ctx: CommandContext): { label: string; unitIds: string[] } {
  if (isAdmin(ctx)) {
    const s = defaultScope(ctx);
    return { label: s.label, unitIds: s.units.map((u) => u.id) };
  }
  const mine = ledUnits(ctx.sender);
  return { label: teamNames(ctx.sender.leaderOf), unitIds: mine === 'any' ? [] : [...mine] };
}

/** The refusal's reason for a 队长, in the organisation's words. */
function led(ctx: CommandContext): string {
  return `你带领的是${teamNames(ctx.sender.leaderOf)}（${ctx.sender.leaderOf.map((t) => areaWords(ctx.org, t)).join('、')}）；其他工作队、队员和单位的考核请组织部查看`;
}

function allowTarget(ctx: CommandContext, target: ScoreTarget): void {
  if (isAdmin(ctx)) return;
  const lead = ctx.sender.leaderOf;
  if (target.kind === 'team' && !lead.some((t) => t.id === target.id)) throw new PermissionError('组织部', `${target.label}不是你带领的工作队，${led(ctx)}`);
  if (target.kind === 'member' && !lead.some((t) => t.members.includes(target.id))) throw new PermissionError('组织部', `${target.label}不是你带领的工作队的队员，${led(ctx)}`);
  if (target.kind === 'unit' && !lead.some((t) => t.coveredUnitIds.includes(target.id))) {
    throw new PermissionError('组织部', `${target.unit.name}（${target.unit.town}）不在你带领的工作队的片区，${led(ctx)}`);
  }
}

function allowScope(ctx: CommandContext, scope: { label: string; unitIds: readonly string[] }): void {
  const mine = ledUnits(ctx.sender);
  if (mine !== 'any' && !scope.unitIds.every((id) => mine.has(id))) throw new PermissionError('组织部', `${scope.label}不在你带领的工作队的片区，${led(ctx)}`);
}
