import { defineCommand, noArgs } from '../src/pipeline/command';
import { renderWhoami } from '../src/rendering/whoami';

export default defineCommand({
  name: 'whoami',
  effects: 'reads',
  aliases: ['我是谁', '身份', 'me'],
  roles: 'anyone',
  summary: '查看我在督办中的身份和负责范围',
  usage: '/我是谁',
  example: '/我是谁',
  args: noArgs,
  async run(ctx) {
    return renderWhoami(ctx.org, ctx.sender, ctx.chat, ctx.message.chatType === 'group' ? ctx.message.chatId : undefined);
  },
});
