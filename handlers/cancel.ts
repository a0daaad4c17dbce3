import { defineCommand, noArgs } from '../src/pipeline/command';

export default defineCommand({
  name: 'cancel',
  aliases: ['取消', '算了', 'abort'],
  roles: 'anyone',
  summary: '放弃正在填写的命令',
  usage: '/取消',
  example: '/取消',
  args: noArgs,
  async run(ctx) {
    const had = await ctx.drafts.drop(ctx.message.chatId, ctx.message.userId);
    return had ? '已取消，刚才的命令没有提交。' : '没有需要取消的内容。';
  },
});
