import { monthKey } from '../domain/time';
import type { Token } from '../parsing/args';
import { ALL_TIME, parsePeriod, type Period } from '../parsing/period';
import { clipForReply } from '../rendering/clip';
import type { CommandContext } from './command';
import { assertChatShows } from './chat-scope';
import { UsageError } from './errors';
import { defaultScope, namedScope, type Scope } from './scope';

/**
 * The scope and period words of /status, /导出, /通报 and /考核 (`福禄镇 本季度`, `全区 2026`): any
 * order, each at most once; the default scope is the chat's, the default period all time. The
 * chat must be one that may show the scope.
 */
export function readScopeAndPeriod(ctx: CommandContext, words: readonly Token[], example: string): { scope: Scope; period: Period; named: boolean } {
  const now = ctx.clock.now().getTime();
  let scope: Scope | undefined;
  let period: Period | undefined;
  for (const w of joinEnglishPeriods(words)) {
    const p = parsePeriod(w.raw, now);
    if (p && !period) {
      // A period that has not begun has nothing in it: say so rather than make an empty file.
      if (p.months?.length && [...p.months].sort()[0]! > monthKey(now)) throw new UsageError(`${p.label}还没有到，请写今天以前的时段`, example);
      period = p;
      continue;
    }
    const s = namedScope(ctx, w.raw, example.split(/\s/u)[0]);
    if (s && !scope) {
      scope = s;
      continue;
    }
    throw new UsageError(`看不懂“${clipForReply(w.raw)}”：可以写镇街、单位、工作队或“全区”，以及“本月”“本季度”“2026”这样的时段`, example);
  }
  const named = scope !== undefined;
  scope ??= defaultScope(ctx);
  assertChatShows(ctx, scope.units.map((u) => u.id), scope.label);
  return { scope, period: period ?? ALL_TIME, named };
}

/** "this month", "last year" written as two words read as one period word. */
function joinEnglishPeriods(words: readonly Token[]): Token[] {
  const out: Token[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if (next && /^(?:this|last)$/iu.test(w.norm) && /^(?:month|quarter|year)$/iu.test(next.norm)) {
      out.push({ raw: `${w.raw}-${next.raw}`, norm: `${w.norm}-${next.norm}` });
      i++;
    } else out.push(w);
  }
  return out;
}
