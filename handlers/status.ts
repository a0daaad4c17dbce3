import { rowsBy, scopeReport } from '../src/domain/report';
import type { Token } from '../src/parsing/args';
import { ALL_TIME, parsePeriod, type Period } from '../src/parsing/period';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { UsageError } from '../src/pipeline/errors';
import { assertChatShows } from '../src/pipeline/chat-scope';
import { defaultScope, namedScope, type Scope } from '../src/pipeline/scope';
import { clipForReply } from '../src/rendering/clip';
import { renderStatus } from '../src/rendering/status';

const EXAMPLE = '/status 福禄镇 本月';
const OLDEST = 5;

export default defineCommand({
  name: 'status',
  effects: 'reads',
  aliases: ['进度', '统计', 'stats', 'progress'],
  roles: ['admin', 'leader', 'member'],
  summary: '片区整改进度：发现、销号、逾期、整改率、按期整改率',
  usage: '/status [镇街|单位|工作队|全区] [本月|上月|本季度|今年|2022]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const now = ctx.clock.now().getTime();
    let scope: Scope | undefined;
    let period: Period | undefined;
    for (const w of joinEnglishPeriods(args.words)) {
      const p = parsePeriod(w.raw, now);
      if (p && !period) {
        period = p;
        continue;
      }
      const s = namedScope(ctx, w.raw);
      if (s && !scope) {
        scope = s;
        continue;
      }
      throw new UsageError(`看不懂“${clipForReply(w.raw)}”：可以写镇街、单位、工作队或“全区”，以及“本月”“本季度”“2022”这样的时段`, EXAMPLE);
    }
    scope ??= defaultScope(ctx);
    assertChatShows(ctx, scope.units.map((u) => u.id), scope.label);
    period ??= ALL_TIME;
    const report = await scopeReport(ctx.ledger, scope.units.map((u) => u.id), period, now, OLDEST);
    // Small areas by unit; a district by town (docs/design.md §4.10: "a per-unit (or per-town) table").
    const byTown = scope.units.length > 15;
    const rows = rowsBy(report, scope.units, byTown ? 'town' : 'unit');
    const oldest = await ctx.ledger.getMany(report.oldest.map((o) => o.id));
    return renderStatus(ctx.org, {
      title: `${scope.label} · ${period.label}`,
      figures: report.figures,
      rows: rows.filter((r) => r.counts.found > 0 || r.overdue > 0),
      rowLabel: byTown ? '镇街' : '单位',
      oldest,
      now,
      viewer: ctx.sender.userid,
    });
  },
});

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
