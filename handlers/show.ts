import { readTaskRef } from '../src/domain/task';
import { UsageError } from '../src/pipeline/errors';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { assertChatShows } from '../src/pipeline/chat-scope';
import { assertVisible, loadIssue, requireRef } from '../src/pipeline/issue-actions';
import type { Issue } from '../src/domain/issue';
import { issueCard } from '../src/rendering/issue';
import { evidenceLabel, evidenceState, storedWords, unsavedWords } from '../src/rendering/evidence';
import type { CommandContext } from '../src/pipeline/command';

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
    // The issue and its audit are asked for in the same tick, so they go out in one round trip
    // (auto-pipelining). The audit is read before it is known whether the asker may see the
    // issue: it is awaited only after both checks pass, and dropped otherwise.
    const loaded = loadIssue(ctx, id);
    // The newest steps only: a reply must fit a phone (and WeCom's 20 KB), however long the history.
    const audit = Promise.all([ctx.ledger.history(id, HISTORY_SHOWN), ctx.ledger.historyLength(id)]);
    // Dropped on a refusal: its failure must not surface as an unhandled rejection.
    audit.catch(() => undefined);
    const issue = await loaded;
    assertVisible(ctx, issue);
    assertChatShows(ctx, [issue.unitId], `#${id}`);
    const [history, total] = await audit;
    const card = issueCard(ctx.org, issue, history, ctx.clock.now().getTime());
    const shown = total > history.length ? `${card}\n（更早的 ${total - history.length} 条记录从略）` : card;
    return [shown, ...evidenceLines(ctx, issue)].join('\n');
  },
});

/**
 * The photos and files, each as what became of it: kept, still downloading (保存中), or not kept
 * and why (docs/design.md §6.6). In a single chat each kept file gets its own signed link; in a
 * group, where everyone reads the reply, one link to the issue's photo page, which checks on each
 * opening that the asker may still see the issue (src/server/evidence.ts).
 */
function evidenceLines(ctx: CommandContext, issue: Issue): string[] {
  if (!issue.evidence.length) return [];
  const now = ctx.clock.now().getTime();
  const group = ctx.message.chatType === 'group';
  let expiresAt: number | undefined;
  const lines = issue.evidence.map((e, i) => {
    const label = evidenceLabel(e, i + 1);
    const state = evidenceState(e, now);
    if (state.status !== 'stored') return `${i + 1}. ${label}：${unsavedWords(state)}`;
    const words = `${label}（${storedWords(state.stored)}）`;
    if (group) return `${i + 1}. ${words}`;
    const link = ctx.jobs.evidenceLink(state.stored, ctx.sender.userid);
    expiresAt = link.expiresAt;
    return `${i + 1}. [${words}](${link.url})`;
  });
  const kept = issue.evidence.some((e) => e.stored);
  const hoursUntil = (t: number) => Math.round((t - now) / 3_600_000);
  if (group && kept) {
    const page = ctx.jobs.issueEvidenceLink(issue.id, ctx.sender.userid);
    return ['', '**照片和文件**', ...lines, `[打开 #${issue.id} 的照片和文件](${page.url})（${hoursUntil(page.expiresAt)} 小时内有效；每次打开都核对你是否仍可查看此问题）`];
  }
  return ['', '**照片和文件**', ...lines, ...(expiresAt !== undefined ? [`（链接 ${hoursUntil(expiresAt)} 小时内有效，请勿转发）`] : [])];
}
