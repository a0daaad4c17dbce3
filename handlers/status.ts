import { coverageOf } from '../src/domain/coverage';
import { rowsBy, scopeReport } from '../src/domain/report';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { readScopeAndPeriod } from '../src/pipeline/scope-period';
import { coverageLines } from '../src/rendering/records';
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
    const { scope, period } = readScopeAndPeriod(ctx, args.words, EXAMPLE);
    const unitIds = scope.units.map((u) => u.id);
    const visits = ctx.records.visits;
    // Coverage only once the district logs visits: one EXISTS otherwise, and /status reads as before.
    const [report, coverage] = await Promise.all([
      scopeReport(ctx.ledger, unitIds, period, now, OLDEST),
      visits.anyVisit().then((any) => (any ? coverageOf(visits, unitIds, period, now, ctx.org.policy.coverageStaleDays) : undefined)),
    ]);
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
      ...(coverage ? { coverage: coverageLines(ctx.org, coverage) } : {}),
    });
  },
});
