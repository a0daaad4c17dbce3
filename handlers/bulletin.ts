import { randomBytes } from 'node:crypto';
import { periodSummary } from '../src/domain/summary';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { readScopeAndPeriod } from '../src/pipeline/scope-period';
import { summaryText } from '../src/rendering/summary';

const EXAMPLE = '/通报 上季度';

/** The link's lifetime when the request does not choose (the files worker may apply its own policy). */
const LINK_TTL_MS = 86_400_000;

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
    const file = await ctx.jobs.files.request({
      id: randomBytes(12).toString('base64url'),
      kind: 'bulletin',
      requester: ctx.sender.userid,
      chatId: ctx.message.chatId,
      scope: { label: scope.label, unitIds },
      period: { label: period.label, ...(period.months ? { months: [...period.months] } : {}) },
      createdAt: now,
      expiresAt: now + LINK_TTL_MS,
    });
    return summaryText(ctx.org, summary, {
      title: `${scope.label} · ${period.label} 整改情况通报`,
      short: true,
      links: [{ label: '通报（公文 .docx）', url: file.url }],
      footer: '文件正在生成，稍后发到本群；链接在文件生成后可以打开。',
    });
  },
});
