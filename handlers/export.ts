import { createHash } from 'node:crypto';
import { scopeReport } from '../src/domain/report';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { readScopeAndPeriod } from '../src/pipeline/scope-period';
import { renderFileReady } from '../src/rendering/files';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/导出 福禄镇 本季度';

/**
 * /导出: the 台账 workbook of a scope and period, made by the files worker (never inside the
 * callback). The reply carries the signed link at once; the file message follows in the group.
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
    const { scope, period } = readScopeAndPeriod(ctx, args.words, EXAMPLE);
    const unitIds = scope.units.map((u) => u.id);
    const report = await scopeReport(ctx.ledger, unitIds, period, now);
    const issues = report.total.counts.found + report.total.counts.canceled;
    const file = await ctx.jobs.files.request({
      // From the message: a re-sent callback that got no stored reply asks for the same file, not a second one.
      id: createHash('sha256').update(`export:${ctx.message.msgid}`).digest('base64url').slice(0, 22),
      kind: 'ledger',
      requester: ctx.sender.userid,
      chatId: ctx.message.chatId,
      scope: { label: scope.label, unitIds },
      period: { label: period.label, ...(period.months ? { months: period.months } : {}) },
    });
    return renderFileReady({
      what: `台账：${userText(scope.label)} · ${period.label}（${issues} 个问题）`,
      url: file.url,
      expiresAt: file.expiresAt,
      now,
      inGroup: ctx.message.chatType === 'group',
    });
  },
});
