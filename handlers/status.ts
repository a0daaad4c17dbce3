import { coverageFrom } from '../src/domain/coverage';
import { rowsBy, scopeReport } from '../src/domain/report';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { UsageError } from '../src/pipeline/errors';
import { currentRounds } from '../src/pipeline/round-status';
import { readScopeAndPeriod } from '../src/pipeline/scope-period';
import { normalizeText } from '../src/parsing/normalize';
import { coverageLines } from '../src/rendering/records';
import { renderStatus } from '../src/rendering/status';

const EXAMPLE = '/status 福禄镇 本月';
/** The words that ask for the 巡查 round in progress instead of a period (docs/design.md §4.19). */
const THIS_ROUND = new Set(['本轮', '本轮巡查', '这轮', '这一轮', '本次巡查', '巡查', 'round']);
const OLDEST = 5;

export default defineCommand({
  name: 'status',
  effects: 'reads',
  aliases: ['进度', '统计', 'stats', 'progress'],
  roles: ['admin', 'leader', 'member'],
  summary: '片区整改进度：发现、销号、逾期、整改率、按期整改率',
  usage: '/status [镇街|单位|工作队|全区] [本月|上月|本季度|今年|2022|本轮]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const now = ctx.clock.now().getTime();
    const roundWord = args.words.findIndex((w) => THIS_ROUND.has(normalizeText(w.norm).toLowerCase()));
    if (roundWord >= 0) {
      const rest = args.words.filter((_, i) => i !== roundWord);
      const read = readScopeAndPeriod(ctx, rest, '/status 本轮 福禄镇');
      if (read.period.months) throw new UsageError('“本轮”是进行中的巡查，不能再加时段；按时段请不写“本轮”', '/status 本轮 福禄镇');
      return currentRounds(ctx, read.scope);
    }
    const { scope, period } = readScopeAndPeriod(ctx, args.words, EXAMPLE);
    const unitIds = scope.units.map((u) => u.id);
    // One round trip: the ledger's figures and oldest issues in one batch of scripts, the
    // visits' beside them (coverage shows only once the district logs visits).
    const [report, visited] = await Promise.all([
      scopeReport(ctx.ledger, unitIds, period, now, OLDEST),
      ctx.records.visits.coverageCounts(unitIds, period.months),
    ]);
    const coverage = visited && coverageFrom(unitIds, visited.counts, visited.last, now, ctx.org.policy.coverageStaleDays);
    // Small areas by unit; a district by town (docs/design.md §4.10: "a per-unit (or per-town) table").
    const byTown = scope.units.length > 15;
    const rows = rowsBy(report, scope.units, byTown ? 'town' : 'unit');
    return renderStatus(ctx.org, {
      title: `${scope.label} · ${period.label}`,
      figures: report.figures,
      rows: rows.filter((r) => r.counts.found > 0 || r.overdue > 0),
      rowLabel: byTown ? '镇街' : '单位',
      oldest: report.oldestIssues,
      now,
      viewer: ctx.sender.userid,
      ...(coverage ? { coverage: coverageLines(ctx.org, coverage) } : {}),
      tasks: report.tasks.figures,
    });
  },
});
