import { readTaskRef } from '../src/domain/task';
import { UsageError } from '../src/pipeline/errors';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { assertChatShows } from '../src/pipeline/chat-scope';
import { assertVisible, loadIssue, requireRef } from '../src/pipeline/issue-actions';
import { EVIDENCE_FAILURE_WORDS, type Issue } from '../src/domain/issue';
import { issueCard } from '../src/rendering/issue';
import type { CommandContext } from '../src/pipeline/command';
import { sizeWords } from '../src/store/evidence-store';

const HISTORY_SHOWN = 20;

export default defineCommand({
  name: 'show',
  effects: 'reads',
  takesIssue: true,
  aliases: ['查看', '详情', 'view', 'detail'],
  roles: ['admin', 'leader', 'member', 'secretary'],
  summary: '查看问题详情和办理记录',
  usage: '/查看 #编号',
  example: '/查看 #12',
  args: grammarInput,
  async run(ctx, { args }) {
    // "/查看 #T1" names a task, which /任务 shows.
    const task = !args.refs.length && args.words[0] ? readTaskRef(args.words[0].raw) : undefined;
    if (task !== undefined) throw new UsageError(`#T${task} 是任务编号，查看任务进度请发送 \`/任务 #T${task}\``, `/任务 #T${task}`);
    const id = requireRef(ctx, args, '/查看 #12');
    const issue = await loadIssue(ctx, id);
    assertVisible(ctx, issue);
    assertChatShows(ctx, [issue.unitId], `#${id}`);
    // The newest steps only: a reply must fit a phone (and WeCom's 20 KB), however long the history.
    const [history, total] = await Promise.all([ctx.ledger.history(id, HISTORY_SHOWN), ctx.ledger.historyLength(id)]);
    const card = issueCard(ctx.org, issue, history, ctx.clock.now().getTime());
    const shown = total > history.length ? `${card}\n（更早的 ${total - history.length} 条记录从略）` : card;
    return [shown, ...evidenceLines(ctx, issue)].join('\n');
  },
});

const KIND_WORDS = { image: '照片', file: '文件', video: '视频' } as const;
const TYPE_WORDS = { jpeg: 'JPG', png: 'PNG', pdf: 'PDF' } as const;

/**
 * The photos and files, each as what became of it: kept → a signed link for the person asking
 * (docs/design.md §6.6); still downloading → 保存中; not kept → why.
 */
function evidenceLines(ctx: CommandContext, issue: Issue): string[] {
  if (!issue.evidence.length) return [];
  let expiresAt: number | undefined;
  const lines = issue.evidence.map((e, i) => {
    const label = `${KIND_WORDS[e.kind]} ${i + 1}`;
    if (e.stored) {
      const link = ctx.jobs.evidenceLink(e.stored, ctx.sender.userid);
      expiresAt = link.expiresAt;
      return `${i + 1}. [${label}（${TYPE_WORDS[e.stored.type]}，${sizeWords(e.stored.size)}）](${link.url})`;
    }
    return `${i + 1}. ${label}：${e.failed ? `未保存（${EVIDENCE_FAILURE_WORDS[e.failed.reason]}）` : '保存中'}`;
  });
  const hours = expiresAt === undefined ? undefined : Math.round((expiresAt - ctx.clock.now().getTime()) / 3_600_000);
  return ['', '**照片和文件**', ...lines, ...(hours !== undefined ? [`（链接 ${hours} 小时内有效，只给你本人使用）`] : [])];
}
