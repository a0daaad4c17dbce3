import { readTaskRef } from '../src/domain/task';
import { UsageError } from '../src/pipeline/errors';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { assertChatShows } from '../src/pipeline/chat-scope';
import { assertVisible, loadIssue, requireRef } from '../src/pipeline/issue-actions';
import { issueCard } from '../src/rendering/issue';

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
    return total > history.length ? `${card}\n（更早的 ${total - history.length} 条记录从略）` : card;
  },
});
