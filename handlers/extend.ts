import { restText } from '../src/parsing/args';
import { normalizeText } from '../src/parsing/normalize';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { resolveDeadline } from '../src/pipeline/deadlines';
import { NeedInput } from '../src/pipeline/errors';
import { act, checkLength, refuseEarly, requireRef } from '../src/pipeline/issue-actions';
import { formatDate, formatDeadline, formatShortDate } from '../src/rendering/dates';
import { mention, personName } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';

const EXAMPLE = '/延期 #12 5月20日 配件需从厂家订购';

export default defineCommand({
  name: 'extend',
  takesIssue: true,
  aliases: ['延期'],
  roles: ['admin', 'leader', 'member', 'secretary'],
  once: 'commit',
  summary: '调整整改期限；责任人提出申请，工作队批准',
  usage: '/延期 #编号 <新期限> <理由>，或 /延期 #编号 同意',
  example: EXAMPLE,
  fields: ['deadline'],
  args: grammarInput,
  async run(ctx, { args }) {
    // "12号" is both an issue reference and a day of the month: after the issue, it is the date.
    const refs = [...args.refs];
    const id = requireRef(ctx, { ...args, refs: refs.slice(0, 1) }, EXAMPLE);
    // "到12月20日" and "12月20日，材料没到": the date without 到/至, and what follows a comma is
    // already the reason.
    const [typed, ...more] = args.words;
    const glued = typed ? /^(?:延期)?(?:到|至)?([^，,；;]+)[，,；;]+([\s\S]*)$/u.exec(typed.raw) ?? /^(?:延期)?(?:到|至)([\s\S]+)$/u.exec(typed.raw) : null;
    const first = typed && glued ? { raw: glued[1]!, norm: normalizeText(glued[1]!) } : typed;
    const rest = glued?.[2] ? [{ raw: glued[2], norm: normalizeText(glued[2]) }, ...more] : more;
    const now = ctx.clock.now();
    if (first && /^(同意|批准)$/u.test(first.norm)) {
      const { finished } = await act(
        ctx,
        id,
        () => ({ type: 'approve-extension' }),
        (_before, { issue }) => ({ reply: { markdown: `🗓 **#${id}** 已批准延期，新期限：${formatDeadline(issue.deadline!, now.getTime())}，请 ${mention(ctx.org, issue.assignee)} 按期整改。` } }),
      );
      return finished.reply;
    }
    const dateText = args.fields.deadline ?? (refs[1] !== undefined ? `${refs[1]}号` : first?.raw);
    if (!dateText) throw new NeedInput('deadline', `#${id} 延期到哪天？请回复新期限和理由`, '5月20日 配件需从厂家订购');
    // The date first: asking for a reason and then refusing the date wastes the person's answer.
    const to = resolveDeadline(dateText, ctx.org.policy, now, EXAMPLE);
    const reasonWords = args.fields.deadline || refs[1] !== undefined ? args.words : rest;
    const reason = restText(reasonWords);
    if (!reason) await refuseEarly(ctx, id, { type: 'extend', to: to.at, reason: '…' });
    if (!reason) throw new NeedInput('reason', `请说明 #${id} 延期到 ${formatDate(to.at, now.getTime())} 的理由`, '配件需从厂家订购');
    checkLength('extendReason', reason, EXAMPLE);
    const { finished } = await act(
      ctx,
      id,
      () => ({ type: 'extend', to: to.at, reason }),
      (before, { issue }) => {
        if (issue.extensionRequest && issue.deadline === before.deadline) {
          const markdown = [
            `🗓 **#${id}** ${personName(ctx.org, ctx.sender.userid)} 申请延期至 ${formatDate(to.at, now.getTime())}，理由：${userText(reason)}`,
            `请工作队批准：\`/延期 #${id} 同意\`（批准前仍按原期限${before.deadline !== undefined ? ` ${formatShortDate(before.deadline, now.getTime())}` : ''}）。`,
          ].join('\n');
          return { reply: { markdown } };
        }
        return { reply: { markdown: `🗓 **#${id}** 期限调整为 ${formatDeadline(to.at, now.getTime())}${to.note ? `（${to.note}）` : ''}，理由：${userText(reason)}。${issue.assignee ? `请 ${mention(ctx.org, issue.assignee)} 按期整改。` : ''}` } };
      },
    );
    return finished.reply;
  },
});
