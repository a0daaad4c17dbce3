import { periodSummary } from '../src/domain/summary';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { orderFile } from '../src/pipeline/file-order';
import { readScopeAndPeriod } from '../src/pipeline/scope-period';
import { fileFooter } from '../src/rendering/files';
import { summaryText } from '../src/rendering/summary';

const EXAMPLE = '/通报 上季度';

/**
 * /通报 [时段] [范围]: the department's 通报 of a period on demand. The reply is the short text
 * at once; the .docx 公文 is made by a job (WeCom wants the answer within seconds) and follows in
 * the chat, and the signed link in the reply opens it once it is ready.
 */
export default defineCommand({
  name: 'bulletin',
  aliases: ['通报'],
  roles: ['admin'],
  summary: '出具整改情况通报（公文 .docx，发到本群并附下载链接）',
  usage: '/通报 [本月|上季度|2026年第3季度|2026] [镇街|单位|工作队|全区]',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    const now = ctx.clock.now().getTime();
    const { scope, period } = readScopeAndPeriod(ctx, args.words, EXAMPLE);
    const unitIds = scope.units.map((u) => u.id);
    const summary = await periodSummary(ctx.ledger, ctx.org, { label: scope.label, unitIds }, period, now);
    const file = await orderFile(ctx, 'bulletin', scope, period);
    return summaryText(ctx.org, summary, {
      title: `${scope.label} · ${period.label} 整改情况通报`,
      short: true,
      links: [{ label: '通报（公文 .docx）', url: file.url }],
      footer: fileFooter({ expiresAt: file.expiresAt, now, inGroup: ctx.message.chatType === 'group' }),
    });
  },
});
