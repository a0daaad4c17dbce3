import { actorFor } from '../src/domain/actor';
import { messagePushId, type PushInput } from '../jobs/push';
import type { Issue } from '../src/domain/issue';
import { STATE_WORDS } from '../src/domain/issue';
import { mayAddToFix } from '../src/domain/lifecycle';
import { restText } from '../src/parsing/args';
import { defineCommand, grammarInput, type CommandContext, type CommandReply } from '../src/pipeline/command';
import { NeedInput } from '../src/pipeline/errors';
import { act, checkLength, evidenceOf, refuseEarly, requireRef, savingNote } from '../src/pipeline/issue-actions';
import { photoCount, truncate, unitLabel } from '../src/rendering/issue';
import { fixReportedText } from '../src/rendering/pushes';
import { userText } from '../src/rendering/safe-text';
import { verifyCard } from '../src/rendering/issue-card';
import { issueChat } from '../src/domain/issue-chat';

const EXAMPLE = '/整改 #12 闸阀已更换，恢复正常';

export default defineCommand({
  name: 'fix',
  takesIssue: true,
  aliases: ['整改', '反馈', '已整改', 'fixed'],
  roles: ['admin', 'leader', 'member', 'secretary'],
  once: 'commit',
  summary: '责任人反馈整改情况（可附照片），等待工作队核验',
  usage: '/整改 #编号 <整改情况>（可附照片；也可引用交办消息直接回复）',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    if (args.refs.length === 0 && ctx.quotedRef === undefined) await askWhichOfMine(ctx);
    const id = requireRef(ctx, args, EXAMPLE);
    const evidence = evidenceOf(ctx);
    const note = restText(args.words) || (evidence.length ? '见照片' : '');
    if (!note) await refuseEarly(ctx, id, { type: 'fix', note: '…', evidence: [] });
    if (!note) throw new NeedInput('note', `请简要说明 #${id} 的整改情况（可附照片）`, '闸阀已更换，恢复正常');
    checkLength('fixNote', note, EXAMPLE);
    // More photos or words after the fix was reported (it still waits for verification): added to it.
    const { finished } = await act(
      ctx,
      id,
      (current) =>
        current.state === 'submitted' && mayAddToFix(current, actorFor(ctx.org, ctx.sender.userid, current.unitId))
          ? { type: 'supplement', note: note === '见照片' ? '' : note, evidence }
          : { type: 'fix', note, evidence },
      (before, outcome) => ({ reply: fixReply(ctx, before, outcome.issue, note, evidence.length), pushes: fixPushes(ctx, before, outcome.issue, evidence.length), evidence }),
    );
    return finished.reply;
  },
});

/** The 待核验 notice as a card (销号 / 驳回 / 查看); the markdown says the same. */
function fixReply(ctx: CommandContext, before: Issue, issue: Issue, note: string, photos: number): CommandReply {
  const id = issue.id;
  const card = verifyCard(ctx.org, issue, ctx.clock.now().getTime(), ctx.message.msgid);
  if (before.state === 'submitted') {
    const markdown = [`📎 **#${id}** ${unitLabel(ctx.org, issue.unitId)} 已补充整改材料${photos ? `（${photoCount(photos)}）` : ''}，状态：${STATE_WORDS[issue.state]}`, savingNote(id, photos)].filter(Boolean).join('\n');
    return { markdown, card };
  }
  const markdown = [
    `✅ **#${id}** ${unitLabel(ctx.org, issue.unitId)} 已反馈整改，状态：${STATE_WORDS[issue.state]}`,
    `整改情况：${userText(note)}${photos ? `（${photoCount(photos)}）` : ''}`,
    `请工作队核验：\`/销号 #${id}\`，或 \`/驳回 #${id} 原因\`。`,
    savingNote(id, photos),
  ].filter(Boolean).join('\n');
  return { markdown, card };
}

/** Reported in a single chat or another group: the team that verifies must still hear of it. */
function fixPushes(ctx: CommandContext, before: Issue, issue: Issue, photos: number): PushInput[] {
  const home = issueChat(ctx.org, issue);
  if (home === ctx.message.chatId) return [];
  const now = ctx.clock.now().getTime();
  const pushId = messagePushId('fix-reported', issue.id, ctx.message.msgid);
  return [
    {
      id: pushId,
      chatId: home,
      kind: 'fix-reported',
      format: 'text',
      content: fixReportedText(ctx.org, issue, ctx.sender.userid, photos, before.state === 'submitted'),
      mentions: [],
      card: verifyCard(ctx.org, issue, now, pushId),
      createdAt: now,
    },
  ];
}

/**
 * A fix without its number: name the person's open issues in the question, since nobody on a
 * phone remembers the numbers. (Nothing open: the plain question.)
 */
async function askWhichOfMine(ctx: CommandContext): Promise<void> {
  const open = await ctx.ledger.assignedTo(ctx.sender.userid, 0, 5);
  if (!open.total) return;
  const items = open.issues.map((i) => `#${i.id} ${truncate(i.description, 12)}`).join('；');
  const more = open.total > open.issues.length ? ` 等 ${open.total} 件` : '';
  throw new NeedInput('ref', `是哪个问题？你名下整改中的：${items}${more}。请回复编号`, `#${open.issues[0]!.id}`);
}
