import { z } from 'zod';
import { defineCommand } from '../src/pipeline/command';
import { NotFoundError } from '../src/pipeline/errors';
import { clipForReply } from '../src/rendering/clip';
import { normalizeText } from '../src/parsing/normalize';
import { ALL_TOPICS, renderCommandHelp, renderHelpAll, renderHelpIndex } from '../src/rendering/help';

export default defineCommand({
  name: 'help',
  effects: 'reads',
  aliases: ['帮助', '帮忙', '用法'],
  roles: 'anyone',
  summary: '查看命令用法',
  usage: '/帮助 [命令|全部]',
  example: '/帮助 我是谁',
  args: z
    .object({ words: z.array(z.string()).max(1, '一次只能查一个命令，例如：/帮助 我是谁') })
    .transform(({ words }) => ({ topic: words[0] })),
  async run(ctx, { topic }) {
    if (!topic) return renderHelpIndex(ctx.commands.all(), ctx.sender);
    if (topic.length <= 8 && ALL_TOPICS.includes(normalizeText(topic).toLowerCase())) return renderHelpAll(ctx.commands.all(), ctx.sender);
    const command = ctx.commands.find(topic);
    // The topic is the rest of the message, of any length: quote only its start.
    if (!command) throw new NotFoundError(`没有“${clipForReply(topic)}”这个命令`, '/帮助');
    return renderCommandHelp(command);
  },
});
