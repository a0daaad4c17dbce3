import { STATE_WORDS } from '../src/domain/issue';
import { restText } from '../src/parsing/args';
import { defineCommand, grammarInput } from '../src/pipeline/command';
import { NeedInput } from '../src/pipeline/errors';
import { act, checkLength, refuseEarly, requireRef } from '../src/pipeline/issue-actions';
import { splitTaskRef } from '../src/domain/task';
import { normalizeText } from '../src/parsing/normalize';
import { unitLabel } from '../src/rendering/issue';
import { userText } from '../src/rendering/safe-text';
import { cancelTask } from './task';

const EXAMPLE = '/撤销 #12 重复上报，同 #9';

export default defineCommand({
  name: 'cancel-issue',
  takesIssue: true,
  aliases: ['撤销', 'withdraw'],
  roles: ['admin', 'leader', 'member'],
  summary: '撤销误报或重复的问题（上报人或组织部）',
  usage: '/撤销 #编号 <原因> · /撤销 #T任务编号 <原因>',
  example: EXAMPLE,
  args: grammarInput,
  async run(ctx, { args }) {
    // "#T3", "T3", "任务3": a task (/布置) — its open issues are withdrawn together.
    const first = args.refs.length ? undefined : args.words[0];
    // "#T2，重复布置": the reference and the reason glued by a comma.
    const task = first ? splitTaskRef(first.raw) : undefined;
    if (task !== undefined) return cancelTask(ctx, task.id, [...(task.rest ? [{ raw: task.rest, norm: normalizeText(task.rest) }] : []), ...args.words.slice(1)]);
    const id = requireRef(ctx, args, EXAMPLE);
    const reason = restText(args.words);
    if (!reason) await refuseEarly(ctx, id, { type: 'cancel', reason: '…' });
    if (!reason) throw new NeedInput('reason', `请说明撤销 #${id} 的原因`, '重复上报，同 #9');
    checkLength('cancelReason', reason, EXAMPLE);
    const { outcome } = await act(ctx, id, () => ({ type: 'cancel', reason }));
    return `🗑 **#${id}** ${unitLabel(ctx.org, outcome.issue.unitId)} ${STATE_WORDS[outcome.issue.state]}，原因：${userText(reason)}。记录保留在台账中。`;
  },
});
