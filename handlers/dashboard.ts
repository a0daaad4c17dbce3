import { defineCommand, noArgs } from '../src/pipeline/command';

/**
 * /看板: a one-time link that signs the sender in to the dashboard in a browser (docs/design.md
 * §7.4). The link names nobody in the chat: it is a random token the server maps to the sender.
 * Only in a single chat (a group's members could open it first); a write, so a re-sent callback
 * answers with the same link instead of minting a second one.
 */
export default defineCommand({
  name: 'dashboard',
  // What people say for it besides the command word: "看板链接", "打开看板", and /kanban in pinyin.
  aliases: ['看板', '数据看板', '驾驶舱', 'kanban', '看板链接', '打开看板', '登录看板'],
  roles: ['admin', 'leader', 'member'],
  summary: '在浏览器中打开数据看板：请在单聊中发送，回复一次性登录链接',
  usage: '/看板（请在与督办助手的单聊中发送）',
  example: '/看板',
  args: noArgs,
  async run(ctx) {
    if (!ctx.signIns) return '⚠️ 这台服务没有开启看板，请联系管理员。';
    // A link in a group could be opened first by anyone in it, who would then see the sender's data.
    if (ctx.message.chatType !== 'single') return '⚠️ 看板登录链接只在单聊中发送：请在企业微信里单聊督办助手，发送 /看板。';
    const now = ctx.clock.now().getTime();
    const link = await ctx.signIns.issue(ctx.sender.userid);
    const minutes = Math.round((link.expiresAt - now) / 60_000);
    return [
      '🔐 **看板登录链接**（仅限本人使用）',
      `[打开看板](${link.url})`,
      `链接 ${minutes} 分钟内有效，只能打开一次；打开后 8 小时内免登录。`,
      '请勿转发：拿到链接的人会以你的身份看到数据。过期或用过后，请重新发送 /看板。',
    ].join('\n');
  },
});
