import { defineCommand, grammarInput } from '../src/pipeline/command';
import { orderFile } from '../src/pipeline/file-order';
import { ledScope } from '../src/pipeline/leader-scope';
import { readScopeAndPeriod } from '../src/pipeline/scope-period';
import { fileFooter, fileLinkLine } from '../src/rendering/files';

const EXAMPLE = '/导出 福禄镇 本季度';

/**
 * /导出: the 台账 workbook of a scope and period, made by the files worker (never inside the
 * callback: WeCom wants the answer within seconds). The reply carries the signed link at once;
 * the file message follows in the group.
 */
export default defineCommand({
  name: 'export',
  aliases: ['导出', '导出台账', 'xlsx'],
  roles: ['admin', 'leader'],
  summary: '导出台账 Excel（台账、汇总、考核、典型经验、走访记录）',
  usage: '/导出 [镇街|单位|工作队|全区] [本月|本季度|2026]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const now = ctx.clock.now().getTime();
    const read = readScopeAndPeriod(ctx, args.words, EXAMPLE);
    const { period } = read;
    const scope = ledScope(ctx, read.scope, read.named);
    // Only the count for the reply: the counters, not the overdue sets. The 台账 has a row for
    // every issue, the task issues (/布置) too: they are named apart, as /status names them.
    const unitIds = scope.units.map((u) => u.id);
    const buckets = period.buckets ?? ['all'];
    const [counts, taskCounts] = await Promise.all([ctx.ledger.unitCounts(unitIds, buckets), ctx.ledger.unitCounts(unitIds, buckets, 'task')]);
    const sum = (m: typeof counts) => [...m.values()].reduce((n, c) => n + c.found + c.canceled, 0);
    const issues = sum(counts);
    const tasks = sum(taskCounts);
    const file = await orderFile(ctx, 'ledger', scope, period);
    return [
      `**台账导出** ${scope.label} · ${period.label}，共 ${issues} 个问题${tasks ? `、${tasks} 项布置任务` : ''}`,
      fileLinkLine(`${scope.label}台账（Excel）`, file.url),
      fileFooter({ expiresAt: file.expiresAt, now, inGroup: ctx.message.chatType === 'group' }),
    ].join('\n');
  },
});
