import type { Round } from '../domain/round';
import { noRound, roundFiguresText } from '../rendering/rounds';
import { readRoundFigures } from '../store/round-store';
import type { CommandContext } from './command';
import { defaultScope, type Scope } from './scope';

/**
 * The figures of the 巡查 round in progress for the viewer's area (docs/design.md §4.19), shared
 * by `/巡查` and `/status 本轮`: the open rounds that share units with the area, each counted on
 * the area's part of it only (a team sees its own units, an admin the whole round).
 */
/** How many open rounds one reply shows figures for. */
const SHOW_OPEN = 3;

export const roundDeps = (ctx: CommandContext) => ({ ledger: ctx.ledger, rounds: ctx.records.rounds, visits: ctx.records.visits });

/** /巡查 and /status 本轮: the open rounds the viewer's area shares units with, each with its figures. */
export async function currentRounds(ctx: CommandContext, scope: Scope = defaultScope(ctx)): Promise<string> {
  const now = ctx.clock.now().getTime();
  const inScope = new Set(scope.units.map((u) => u.id));
  const touches = (r: Round) => r.unitIds.some((u) => inScope.has(u));
  let rounds = (await ctx.records.rounds.open()).filter(touches).slice(0, SHOW_OPEN);
  let note = '';
  if (!rounds.length) {
    // No round open: the latest one of the area, so "本轮" right after 结束 still answers.
    const last = (await ctx.records.rounds.all()).filter(touches).pop();
    if (!last) return noRound(ctx.org.isAdmin(ctx.sender.userid), now);
    rounds = [last];
    note = `${noRound(ctx.org.isAdmin(ctx.sender.userid), now)}\n最近一轮：\n`;
  }
  const parts = await Promise.all(rounds.map((r) => roundFiguresFor(ctx, r, inScope, scope.label, now)));
  return note + parts.join('\n\n');
}

export async function roundFiguresFor(ctx: CommandContext, r: Round, inScope: ReadonlySet<string>, label: string, now: number): Promise<string> {
  const part = r.unitIds.filter((u) => inScope.has(u));
  const f = await readRoundFigures(roundDeps(ctx), ctx.org, r, part, now);
  return roundFiguresText(f, now, part.length < r.unitIds.length ? label : undefined);
}

